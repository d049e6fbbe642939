"""Schedule arithmetic, pure: weekly slots in a time zone, DST included, and the clock.

Nothing here touches the database, the network or the event loop, so every
rule about *when* is testable with a ``ManualClock``.

DST rules (the same ones APScheduler's ``CronTrigger`` follows, so its
wake-ups and our periods agree):

* a local time that does not exist (the spring-forward gap, e.g. 02:30 on
  the second Sunday of March in New York) happens at the same wall-clock
  offset as before the gap, that is one hour later (03:30 EDT);
* a local time that happens twice (the fall-back hour) counts once, at its
  first occurrence.  APScheduler may wake us at both; the ledger sees the
  same period twice and posts once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import DigestbotError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


class ScheduleError(DigestbotError, ValueError):
    """A day, time or time zone given by a user is not valid."""


@runtime_checkable
class Clock(Protocol):
    """Tells the time; injected so tests control it."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The time the clock was set to."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware)."""
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new time."""
        self._now += delta
        return self._now


# --- parsing user input ----------------------------------------------------------


def parse_day(text: str) -> int:
    """A weekday (``thursday``, ``thu``, ``Th``, ``4``=Thursday ISO) as 0=Monday .. 6=Sunday."""
    value = text.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 7:
        return int(value) - 1
    if len(value) >= 2:
        matches = [i for i, name in enumerate(DAYS) if name.startswith(value)]
        if len(matches) == 1:
            return matches[0]
    raise ScheduleError(
        f"'{text[:40]}' is not a day of the week: use monday .. sunday (or mon, tue, ...)"
    )


def parse_time(text: str) -> time:
    """A wall-clock time ``HH:MM`` (24-hour; ``9`` means 09:00)."""
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleError(f"'{text[:40]}' is not a time: use HH:MM, 24-hour (e.g. 18:00)")


def parse_zone(text: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Berlin``, ``America/Los_Angeles``, ``UTC``)."""
    name = text.strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            f"'{text[:60]}' is not a time zone: use an IANA name such as Europe/Berlin or UTC"
        ) from None


def format_time(value: time) -> str:
    """``HH:MM``."""
    return f"{value.hour:02d}:{value.minute:02d}"


# --- weekly slots ----------------------------------------------------------------


@dataclass(frozen=True)
class WeeklySchedule:
    """Once a week, on ``day`` (0=Monday) at ``at`` local time in ``zone``."""

    day: int
    at: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, day: str, at: str, zone: str) -> WeeklySchedule:
        """Build from user text; raises ``ScheduleError`` naming the bad part."""
        return cls(parse_day(day), parse_time(at), parse_zone(zone))

    def occurrence(self, local_day: date) -> datetime:
        """The slot on ``local_day`` as an aware UTC instant (see the DST rules above)."""
        # fold=0: the first of a repeated hour; for a missing hour Python applies the
        # pre-transition offset, which lands one hour later on the wall clock.
        local = datetime.combine(local_day, self.at, tzinfo=self.zone)
        return local.astimezone(UTC)

    def previous(self, now: datetime) -> datetime:
        """The latest slot at or before ``now`` (UTC); the start of the current period."""
        local_day = now.astimezone(self.zone).date()
        back = (local_day.weekday() - self.day) % 7
        candidate = local_day - timedelta(days=back)
        slot = self.occurrence(candidate)
        if slot > now:
            slot = self.occurrence(candidate - timedelta(days=7))
        return slot

    def next(self, after: datetime) -> datetime:
        """The first slot strictly after ``after`` (UTC)."""
        local_day = after.astimezone(self.zone).date()
        ahead = (self.day - local_day.weekday()) % 7
        candidate = local_day + timedelta(days=ahead)
        slot = self.occurrence(candidate)
        if slot <= after:
            slot = self.occurrence(candidate + timedelta(days=7))
        return slot

    def local(self, instant: datetime) -> datetime:
        """``instant`` on this schedule's wall clock (ISO form carries the zone's offset)."""
        return instant.astimezone(self.zone)

    def period_key(self, slot: datetime) -> str:
        """The ledger key of the period starting at ``slot``: its local ISO time with offset."""
        return self.local(slot).isoformat(timespec="minutes")

    def cron_fields(self) -> dict[str, object]:
        """Keyword arguments for APScheduler's ``CronTrigger`` firing at every slot."""
        return {
            "day_of_week": DAYS[self.day][:3],
            "hour": self.at.hour,
            "minute": self.at.minute,
            "timezone": self.zone,
        }

    def describe(self) -> str:
        """``thursday 18:00 America/Los_Angeles``."""
        return f"{DAYS[self.day]} {format_time(self.at)} {self.zone.key}"


# --- weekly decisions --------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """How long a weekly post may wait for its episode, and how late it may catch up."""

    hold: timedelta = timedelta(hours=24)
    grace: timedelta = timedelta(hours=12)


def weekly_deadline(slot: datetime, *, late_content: bool, windows: Windows) -> datetime:
    """Until when the post of the period starting at ``slot`` may still go out.

    Content that was there at ``slot`` should have gone out then: a process
    that was down may still send it within the grace window.  Content that
    arrived after ``slot`` (a late show) may go out until the hold ends.
    """
    return slot + (max(windows.hold, windows.grace) if late_content else windows.grace)


def note_deadline(slot: datetime, windows: Windows) -> datetime:
    """Until when a "no new episode" note for ``slot`` is still worth posting."""
    return slot + windows.hold + windows.grace
