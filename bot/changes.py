"""What changed in the release knowledge since a point in time (``digestbot changes``).

Per release family (``bot.entities``), from the stored items and their facts: the
releases named for the first time, a licence that differs from the one stated
before, a parameter count or a score that moved, and whether the family itself is
new.  Pure over items: the caller picks the cut-off (the last weekly post, or
``--since``) and hands every item it knows, oldest mentions included, since "new"
only means something against what came before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.models import Item

if TYPE_CHECKING:
    from bot.store.protocol import StoreLike

#: Every item is compared; past this many the oldest are left out.
MAX_ITEMS = 200_000


@dataclass(frozen=True, slots=True)
class FactChange:
    """A fact of one release that moved: ``before`` -> ``after``."""

    release: str
    fact: str  # "license", "parameters" or "scores"
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class FamilyChanges:
    """What is new in one family since the cut-off."""

    family: str
    first_seen: bool
    new_releases: tuple[str, ...]
    fact_changes: tuple[FactChange, ...]
    mentions: int  # items of the family after the cut-off
    latest_episode: str = ""

    @property
    def is_news(self) -> bool:
        """Whether anything changed (a family only mentioned again is no news)."""
        return self.first_seen or bool(self.new_releases or self.fact_changes)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON form (README: ``changes --json``)."""
        return {
            "family": self.family,
            "first_seen": self.first_seen,
            "new_releases": list(self.new_releases),
            "fact_changes": [
                {"release": c.release, "fact": c.fact, "before": c.before, "after": c.after}
                for c in self.fact_changes
            ],
            "mentions": self.mentions,
            "latest_episode": self.latest_episode,
        }


@dataclass(frozen=True, slots=True)
class Changes:
    """Every family with something new since ``since``."""

    since: datetime | None
    basis: str  # "since" (given), "last-post" or "latest-episode"
    families: tuple[FamilyChanges, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The documented JSON form (README: ``changes --json``)."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "basis": self.basis,
            "families": [f.as_json() for f in self.families],
        }


def _when(item: Item) -> datetime | None:
    published = item.episode.published
    if published is None:
        return None
    return published if published.tzinfo else published.replace(tzinfo=UTC)


def _facts(item: Item) -> dict[str, str]:
    facts = item.facts
    found = {"license": facts.license or ""}
    found["parameters"] = ", ".join(facts.parameters)
    found["scores"] = ", ".join(facts.scores)
    return {k: v for k, v in found.items() if v}


_UNITS = re.compile(r"(?<=\d)\s*(trillion|billion|million)\b")


def _same(value: str) -> str:
    """What two spellings of one fact share ("Apache 2.0", "apache-2"; "82M", "82 M")."""
    text = _UNITS.sub(lambda m: m.group(1)[0], value.casefold())  # "1 trillion" is "1t"
    return re.sub(r"(?<=\d)\.0\b|licen[cs]e|[^a-z0-9.]", "", text)


def changes_since(items: Iterable[Item], since: datetime, basis: str = "since") -> Changes:
    """The families with something new at or after ``since``, most mentioned first.

    Items without an entity or without a date are left out: they can be placed in
    neither a family nor before/after the cut-off.
    """
    before: dict[str, list[Item]] = {}
    after: dict[str, list[Item]] = {}
    for item in items:
        when = _when(item)
        if item.entity is None or when is None:
            continue
        side = after if when >= since else before
        side.setdefault(item.entity.family, []).append(item)
    families = [
        fam
        for name, new in after.items()
        if (fam := _family(name, before.get(name, []), sorted(new, key=_order))).is_news
    ]
    families.sort(key=lambda f: (not f.first_seen, -len(f.new_releases), -f.mentions, f.family))
    return Changes(since=since, basis=basis, families=tuple(families))


def _order(item: Item) -> tuple[datetime, int]:
    return (_when(item) or datetime.min.replace(tzinfo=UTC), item.position)


def _family(name: str, old: Sequence[Item], new: Sequence[Item]) -> FamilyChanges:
    known = {i.entity.id for i in old if i.entity}
    new_releases: dict[str, str] = {}
    for item in new:
        assert item.entity is not None  # grouped by entity above
        if item.entity.id not in known:
            new_releases.setdefault(item.entity.id, item.entity.name)
    # The last stated value of each fact of each release, before the cut-off ...
    last: dict[tuple[str, str], str] = {}
    for item in sorted(old, key=_order):
        assert item.entity is not None
        for fact, value in _facts(item).items():
            last[(item.entity.id, fact)] = value
    # ... against each value stated after it, in order (a fact that moves twice shows twice).
    moved: list[FactChange] = []
    for item in new:
        assert item.entity is not None
        for fact, value in _facts(item).items():
            key = (item.entity.id, fact)
            previous = last.get(key)
            if previous is not None and _same(previous) != _same(value):
                moved.append(FactChange(item.entity.name, fact, previous, value))
            last[key] = value
    return FamilyChanges(
        family=name,
        first_seen=not old,
        new_releases=tuple(new_releases.values()),
        fact_changes=tuple(moved),
        mentions=len(new),
        latest_episode=new[-1].episode.title if new else "",
    )


def render_changes(changes: Changes) -> str:
    """Plain text, one block per family (the CLI's output)."""
    when = changes.since.date().isoformat() if changes.since else "the start"
    label = {"last-post": "the last weekly post", "latest-episode": "the latest episode"}
    # A date is said once: "since 2025-01-12:", "since the last weekly post (2025-01-16):".
    head = (
        f"What changed since {label[changes.basis]} ({when}):"
        if changes.basis in label
        else f"What changed since {when}:"
    )
    if not changes.families:
        return head + "\nNothing new."
    lines = [head]
    for fam in changes.families:
        tag = " (new family)" if fam.first_seen else ""
        lines.append(f"\n{fam.family}{tag}: {fam.mentions} mention(s)")
        if fam.new_releases:
            lines.append("  new: " + ", ".join(fam.new_releases))
        for change in fam.fact_changes:
            lines.append(f"  {change.release} {change.fact}: {change.before} -> {change.after}")
    return "\n".join(lines)


def stored_changes(store: StoreLike, since: datetime | None = None) -> Changes:
    """What changed since ``since``; by default since the last weekly post, or (none
    posted yet) what the latest episode brought."""
    store.fill_entities()  # items stored before entities existed get theirs now
    basis = "since"
    if since is None:
        since, basis = store.last_weekly_post(), "last-post"
    items = store.items_since(None, limit=MAX_ITEMS)
    if since is None:
        dates = [d for d in (_when(i) for i in items) if d is not None]
        if not dates:
            return Changes(since=None, basis="latest-episode")
        since, basis = max(dates), "latest-episode"
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return changes_since(items, since, basis)
