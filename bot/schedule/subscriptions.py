"""Subscriptions: which channel gets which digests, when; stored in the database.

The database is the source of truth.  Subscriptions come from three places:
``digestbot subscribe``, the ``/digest subscribe`` chat command, and the
``[[subscriptions]]`` of the config file (synced on start, with stable ids so
their posting history survives a restart or an edited time).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from bot.config import ScheduleSettings, Settings, SubscriptionSettings
from bot.digest import SECTION_ORDER
from bot.errors import ConfigError, NotFoundError
from bot.factfilter import FactFilter, check_names
from bot.feedurls import redact_feed_url, redact_urls
from bot.models import Frozen
from bot.store.protocol import StoreLike
from bot.targets import Target, parse_target
from bot.threads import check_threads
from bot.timing import DAYS, WeeklySchedule, format_time, parse_day, parse_time, parse_zone

Mode = Literal["weekly", "on-publish"]
Origin = Literal["cli", "chat", "config"]


class Subscription(Frozen):
    """One channel's subscription."""

    id: str
    target: str
    mode: Mode = "weekly"
    day: int = Field(default=3, ge=0, le=6)  # 0 = Monday; Thursday by default
    time: str = "18:00"
    tz: str = "UTC"
    feeds: tuple[str, ...] = ()  # empty: every feed
    sections: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    origin: Origin = "cli"
    created_at: datetime
    #: Publication time of the newest episode of the first post; later posts list what is newer.
    baseline: datetime | None = None
    disabled_reason: str | None = None
    last_error: str | None = None
    #: Fact filters (``bot.factfilter``): only releases by these orgs, under these licences.
    orgs: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    #: Posts open with what changed per release family (``--changes``, ``bot.changes``).
    changes: bool = False
    #: Post as one short parent message with a threaded reply per section (``bot.threads``).
    threads: bool = False

    @property
    def facts(self) -> FactFilter:
        """The subscription's fact filter (empty: none)."""
        return FactFilter(self.orgs, self.licenses)

    @property
    def parsed_target(self) -> Target:
        """The target, parsed."""
        return parse_target(self.target)

    @property
    def schedule(self) -> WeeklySchedule:
        """The weekly slot (meaningful for weekly subscriptions)."""
        return WeeklySchedule(self.day, parse_time(self.time), parse_zone(self.tz))

    @property
    def active(self) -> bool:
        """Whether posts go out (not disabled after a permanent failure)."""
        return self.disabled_reason is None

    def next_post(self, now: datetime) -> datetime | None:
        """When the next weekly post is due, in the subscription's zone (None for on-publish)."""
        if self.mode != "weekly" or not self.active:
            return None
        schedule = self.schedule
        return schedule.local(schedule.next(now))

    def describe(self) -> str:
        """One line for people: target (credentials hidden), mode, slot and filters."""
        parts = [self.id, self.parsed_target.redacted]
        if self.mode == "weekly":
            parts.append(f"weekly on {DAYS[self.day]} {self.time} {self.tz}")
        else:
            parts.append("on publish")
        if self.feeds:
            parts.append("feeds: " + ", ".join(redact_feed_url(feed) for feed in self.feeds))
        if self.sections:
            parts.append("sections: " + ", ".join(self.sections))
        if self.keywords:
            parts.append("keywords: " + ", ".join(self.keywords))
        parts.extend(self.facts.describe())
        if self.changes:
            parts.append("headed by what changed")
        if self.threads:
            parts.append("threads")
        if self.disabled_reason:
            parts.append(f"DISABLED: {self.disabled_reason}")
        return " | ".join(parts)

    def as_json(self, now: datetime, *, show_secrets: bool = False) -> dict[str, Any]:
        """The ``subscriptions --json`` document: id, target, mode, next_post, then the rest.

        A webhook target's credential, and a private feed URL's, are hidden unless
        ``show_secrets``.
        """
        next_post = self.next_post(now)
        return {
            "id": self.id,
            "target": self.target if show_secrets else self.parsed_target.redacted,
            "mode": self.mode,
            "next_post": next_post.isoformat() if next_post else None,
            "day": DAYS[self.day],
            "time": self.time,
            "tz": self.tz,
            "feeds": list(self.feeds) if show_secrets else [redact_feed_url(f) for f in self.feeds],
            "sections": list(self.sections),
            "keywords": list(self.keywords),
            "origin": self.origin,
            "created_at": self.created_at.isoformat(),
            "active": self.active,
            "disabled_reason": self.disabled_reason,
            "last_error": self.last_error
            if show_secrets or self.last_error is None
            else redact_urls(self.last_error),
            "orgs": list(self.orgs),
            "licenses": list(self.licenses),
            "changes": self.changes,
            "threads": self.threads,
        }


def new_id() -> str:
    """A short random subscription id, easy to type."""
    return "s" + secrets.token_hex(4)


def config_id(entry: SubscriptionSettings, index: int) -> str:
    """A config subscription's id: its own ``id``, else stable from its target and mode."""
    if entry.id:
        return entry.id
    digest = hashlib.sha1(f"{entry.resolved_target()}|{entry.mode}".encode()).hexdigest()
    return "cfg-" + digest[:8]


def build(
    target: str,
    *,
    created_at: datetime,
    defaults: ScheduleSettings,
    default_zone: str,
    mode: str = "weekly",
    day: str | None = None,
    time: str | None = None,
    tz: str | None = None,
    feeds: Sequence[str] = (),
    sections: Sequence[str] = (),
    keywords: Sequence[str] = (),
    origin: Origin = "cli",
    sub_id: str | None = None,
    orgs: Sequence[str] = (),
    licenses: Sequence[str] = (),
    changes: bool = False,
    threads: bool = False,
) -> Subscription:
    """Validate user input into a ``Subscription``; raises a ``ValueError`` subclass."""
    if mode not in ("weekly", "on-publish"):
        raise ConfigError(f"'{mode[:40]}' is not a mode: use weekly or on-publish")
    parsed = parse_target(target)
    check_names("organisation", orgs)
    check_names("licence", licenses)
    facts = FactFilter.build(orgs, licenses)
    if threads:
        check_threads(parsed)
    return Subscription(
        id=sub_id or new_id(),
        target=str(parsed),
        mode=mode,  # type: ignore[arg-type]
        day=parse_day(day or defaults.day),
        time=format_time(parse_time(time or defaults.time)),
        tz=parse_zone(tz or default_zone).key,
        feeds=_clean(feeds),
        sections=_clean(canonical_sections(sections)),
        keywords=_clean(keywords),
        origin=origin,
        created_at=created_at,
        orgs=facts.orgs,
        licenses=facts.licenses,
        changes=changes,
        threads=threads,
    )


def canonical_sections(names: Sequence[str]) -> list[str]:
    """Map what people type ("open source") to the digest's section names when unambiguous."""
    result = []
    for name in names:
        wanted = name.strip().casefold()
        matches = [s for s in SECTION_ORDER if wanted and wanted in s.casefold()]
        result.append(matches[0] if len(matches) == 1 else name.strip())
    return result


def _clean(values: Sequence[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


class Subscriptions:
    """Subscriptions in the store (synchronous; call it off the event loop)."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store
        self.tables = store.subscription_tables()

    def add(self, sub: Subscription) -> Subscription:
        """Insert ``sub`` (or replace the one with its id)."""
        self.tables.put(_row(sub))
        return sub

    def get(self, sub_id: str) -> Subscription:
        """One subscription; raises ``NotFoundError``."""
        found = self.tables.get(sub_id)
        if found is None:
            raise NotFoundError(
                f"No subscription '{sub_id[:40]}': `digestbot subscriptions` lists them."
            )
        return _subscription(found)

    def all(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        return [_subscription(r) for r in self.tables.all()]

    def for_target(self, target: str) -> list[Subscription]:
        """The subscriptions posting to ``target`` (a channel may have several)."""
        return [_subscription(r) for r in self.tables.for_target(target)]

    def remove(self, sub_id: str) -> Subscription:
        """Delete a subscription and its posting history; raises ``NotFoundError``."""
        sub = self.get(sub_id)
        self.tables.delete(sub_id)
        return sub

    def disable(self, sub_id: str, reason: str) -> None:
        """Stop posting to a subscription after a permanent failure, saying why."""
        self.tables.disable(sub_id, reason)

    def note_error(self, sub_id: str, error: str | None) -> None:
        """Remember the last posting error (``None`` clears it after a success)."""
        self.tables.note_error(sub_id, error)

    def sync_config(
        self, settings: Settings, *, now: datetime
    ) -> tuple[list[Subscription], list[str]]:
        """Make the config's subscriptions the database's ``origin='config'`` ones.

        Returns the config subscriptions and the ids removed because they left
        the config.  Schedules and filters are updated in place; creation time,
        baseline and posting history are kept.
        """
        wanted: dict[str, Subscription] = {}
        for index, entry in enumerate(settings.subscriptions):
            sub_id = config_id(entry, index)
            if sub_id in wanted:
                raise ConfigError(
                    f"invalid config key 'subscriptions.{index}': same target and mode as an "
                    "earlier subscription; give one of them an 'id'"
                )
            try:
                wanted[sub_id] = build(
                    entry.resolved_target(),
                    created_at=now,
                    defaults=settings.schedule,
                    default_zone=settings.timezone,
                    mode=entry.mode,
                    day=entry.day,
                    time=entry.time,
                    tz=entry.tz,
                    feeds=entry.feeds,
                    sections=entry.sections,
                    keywords=entry.keywords,
                    orgs=entry.orgs,
                    licenses=entry.licenses,
                    changes=entry.changes,
                    threads=entry.threads,
                    origin="config",
                    sub_id=sub_id,
                )
            except ValueError as exc:
                raise ConfigError(f"invalid config key 'subscriptions.{index}': {exc}") from None
        existing = {s.id: s for s in self.all()}
        removed = [s.id for s in existing.values() if s.origin == "config" and s.id not in wanted]
        for sub_id in removed:
            self.remove(sub_id)
        result: list[Subscription] = []
        for sub_id, sub in wanted.items():
            old = existing.get(sub_id)
            if old is not None:
                sub = sub.model_copy(
                    update={
                        "created_at": old.created_at,
                        "baseline": old.baseline,
                        "disabled_reason": old.disabled_reason
                        if old.target == sub.target
                        else None,
                        "last_error": old.last_error,
                    }
                )
                if sub == old:
                    result.append(old)
                    continue
            result.append(self.add(sub))
        return result, removed


def _row(sub: Subscription) -> tuple[Any, ...]:
    return (
        sub.id,
        sub.target,
        sub.mode,
        sub.day,
        sub.time,
        sub.tz,
        json.dumps(list(sub.feeds)),
        json.dumps(list(sub.sections)),
        json.dumps(list(sub.keywords)),
        sub.origin,
        sub.created_at.isoformat(),
        sub.baseline.isoformat() if sub.baseline else None,
        sub.disabled_reason,
        sub.last_error,
        json.dumps(list(sub.orgs)),
        json.dumps(list(sub.licenses)),
        int(sub.changes),
        int(sub.threads),
    )


def _subscription(row: Sequence[Any]) -> Subscription:
    return Subscription(
        id=row[0],
        target=row[1],
        mode=row[2],
        day=row[3],
        time=row[4],
        tz=row[5],
        feeds=tuple(json.loads(row[6])),
        sections=tuple(json.loads(row[7])),
        keywords=tuple(json.loads(row[8])),
        origin=row[9],
        created_at=datetime.fromisoformat(row[10]),
        baseline=datetime.fromisoformat(row[11]) if row[11] else None,
        disabled_reason=row[12],
        last_error=row[13],
        orgs=tuple(json.loads(row[14])),
        licenses=tuple(json.loads(row[15])),
        changes=bool(row[16]),
        threads=bool(row[17]),
    )
