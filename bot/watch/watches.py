"""Watches in the database: what is watched, for whom, and whether it still delivers.

A watch names a release entity ("Qwen3-Coder", key ``qwen3coder``) or a
family ("qwen"): ``resolve`` decides which from the store's entities.  A
query that finds neither is refused unless the user insists (``anyway``):
then it waits for a future release of that name.  ``after_rowid`` is the
newest item when the watch was made: only items stored later can alert.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from bot.entities import entity_for, family_key
from bot.errors import ConfigError, DigestbotError, NotFoundError
from bot.factfilter import FactFilter, check_names
from bot.feeds.clean import name_key
from bot.models import Frozen
from bot.store.protocol import StoreLike
from bot.watch.targets import parse_watch_target, shown_target

Kind = Literal["entity", "family"]
Origin = Literal["cli", "chat"]

#: Characters of a query read at most (a release name is shorter).
MAX_QUERY = 100


class NothingToWatch(DigestbotError, LookupError):
    """The query names no known release or family (keep it only with ``anyway``).

    ``suggestion``: the release or family a typo most likely meant ("kokorro": Kokoro).
    """

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


class Watch(Frozen):
    """One watch: alerts for ``key`` (an entity id or a family key) go to ``target``."""

    id: str
    target: str
    query: str
    kind: Kind
    key: str
    orgs: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    origin: Origin = "cli"
    created_at: datetime
    after_rowid: int = 0
    disabled_reason: str | None = None

    @property
    def facts(self) -> FactFilter:
        """The watch's fact filter."""
        return FactFilter(self.orgs, self.licenses)

    @property
    def active(self) -> bool:
        """Whether alerts are still sent (not disabled by a platform error)."""
        return self.disabled_reason is None

    def describe(self) -> str:
        """One line for people: id, what, where, filters, and why it is disabled."""
        what = f"family {self.query}" if self.kind == "family" else self.query
        parts = [self.id, what, shown_target(self.target), *self.facts.describe()]
        if self.disabled_reason:
            parts.append(f"DISABLED: {self.disabled_reason}")
        return " | ".join(parts)

    def as_json(self) -> dict[str, Any]:
        """The ``watch list --json`` document (fields are only ever added)."""
        return {
            "id": self.id,
            "target": shown_target(self.target),
            "query": self.query,
            "kind": self.kind,
            "key": self.key,
            "orgs": list(self.orgs),
            "licenses": list(self.licenses),
            "origin": self.origin,
            "created_at": self.created_at.isoformat(),
            "active": self.active,
            "disabled_reason": self.disabled_reason,
        }


def resolve(store: StoreLike, query: str, *, anyway: bool = False) -> tuple[Kind, str, str]:
    """``(kind, key, shown name)`` a query watches; raises ``NothingToWatch`` unless ``anyway``.

    A bare family word ("qwen", "Llama") watches the family; a release name
    ("Qwen3-Coder 480B") watches its entity.  Entities are linked first, so a
    just-ingested release is found.
    """
    text = " ".join(query.split())[:MAX_QUERY]
    if not name_key(text):
        raise ConfigError("Say what to watch: a release or family name, like `qwen`.")
    store.fill_entities()
    fam = family_key(text)
    entity = entity_for(text)
    bare = bool(fam) and name_key(text) in (fam, name_key(store_family_name(store, fam)))
    if bare and store.family_entities(fam):
        return "family", fam, store.family_entities(fam)[0].family
    if entity is not None:
        known = store.entity(entity.id)
        if known is not None:
            return "entity", known.id, known.name
    if not anyway:
        meant = _meant(store, text)
        shown = text[:60]
        then = (
            f" Did you mean '{meant}'? Or add --anyway to watch for '{shown}' all the same."
            if meant
            else " Add --anyway to watch for it all the same."
        )
        raise NothingToWatch(
            f"No release or family called '{shown}' has come up yet.{then}", suggestion=meant
        )
    if bare or entity is None:
        return "family", fam or name_key(text), text
    return "entity", entity.id, entity.name


def _meant(store: StoreLike, text: str) -> str | None:
    """The known release or family a typo names (as ``release kokorro`` finds Kokoro)."""
    for key in store.stored_names().resolve(text)[:1]:
        if key != name_key(text):
            try:
                return resolve(store, key)[2]
            except NothingToWatch:
                return None
    return None


def store_family_name(store: StoreLike, fam: str) -> str:
    """The display name of a family key ("o" -> "OpenAI o-series"), or the key."""
    found = store.family_entities(fam)
    return found[0].family if found else fam


def new_id() -> str:
    """A short random watch id, easy to type."""
    return "w" + secrets.token_hex(4)


def build(
    store: StoreLike,
    target: str,
    query: str,
    *,
    created_at: datetime,
    orgs: Sequence[str] = (),
    licenses: Sequence[str] = (),
    origin: Origin = "cli",
    anyway: bool = False,
) -> Watch:
    """Validate user input into a ``Watch``; raises ``DigestbotError``s with one clear line."""
    parsed = parse_watch_target(target)
    check_names("organisation", orgs)
    check_names("licence", licenses)
    kind, key, name = resolve(store, query, anyway=anyway)
    facts = FactFilter.build(orgs, licenses)
    return Watch(
        id=new_id(),
        target=parsed,
        query=name,
        kind=kind,
        key=key,
        orgs=facts.orgs,
        licenses=facts.licenses,
        origin=origin,
        created_at=created_at,
        after_rowid=store.watch_tables().newest_item_rowid(),
    )


class Watches:
    """Watches in the store (synchronous; call it off the event loop)."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store
        self.tables = store.watch_tables()

    def add(self, watch: Watch) -> Watch:
        """Insert ``watch`` and return it; or, when its target already has the same watch
        (release or family, filters) active, return that one: two would send every alert
        twice."""
        same = self.same_as(watch)
        if same is not None:
            return same
        self.tables.put(_row(watch))
        return watch

    def same_as(self, watch: Watch) -> Watch | None:
        """The active watch of ``watch``'s target on the same thing with the same filters."""
        wanted = (watch.kind, watch.key, watch.facts)
        for existing in self.all(watch.target):
            if existing.active and (existing.kind, existing.key, existing.facts) == wanted:
                return existing
        return None

    def get(self, watch_id: str) -> Watch:
        """One watch; raises ``NotFoundError``."""
        found = self.tables.get(watch_id)
        if found is None:
            raise NotFoundError(f"No watch '{watch_id[:40]}': `watch list` shows them.")
        return _watch(found)

    def all(self, target: str | None = None) -> list[Watch]:
        """Every watch (or those of ``target``), oldest first."""
        return [_watch(r) for r in self.tables.all(target)]

    def active(self) -> list[Watch]:
        """The watches that still deliver."""
        return [_watch(r) for r in self.tables.active()]

    def remove(self, watch_id: str, *, target: str | None = None) -> Watch:
        """Delete a watch and its alerts; with ``target``, only one of that target's."""
        watch = self.get(watch_id)
        if target is not None and watch.target != target:
            raise NotFoundError(f"No watch '{watch_id[:40]}' here: `/watch list` shows them.")
        self.tables.delete(watch_id)
        return watch

    def disable(self, watch_id: str, reason: str) -> None:
        """Stop a watch after a permanent delivery failure (a user blocked the bot), saying why."""
        self.tables.disable(watch_id, reason)


def _row(watch: Watch) -> tuple[Any, ...]:
    return (
        watch.id,
        watch.target,
        watch.query,
        watch.kind,
        watch.key,
        json.dumps(list(watch.orgs)),
        json.dumps(list(watch.licenses)),
        watch.origin,
        watch.created_at.isoformat(),
        watch.after_rowid,
        watch.disabled_reason,
    )


def _watch(row: Sequence[Any]) -> Watch:
    return Watch(
        id=row[0],
        target=row[1],
        query=row[2],
        kind=row[3],
        key=row[4],
        orgs=tuple(json.loads(row[5])),
        licenses=tuple(json.loads(row[6])),
        origin=row[7],
        created_at=datetime.fromisoformat(row[8]),
        after_rowid=int(row[9]),
        disabled_reason=row[10],
    )
