"""Schedule arithmetic: weekly slots across zones and DST, parsing, windows, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.timing import (
    ManualClock,
    ScheduleError,
    WeeklySchedule,
    Windows,
    note_deadline,
    parse_day,
    parse_time,
    parse_zone,
    weekly_deadline,
)

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: float = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def thursday_1800(zone: ZoneInfo) -> WeeklySchedule:
    return WeeklySchedule(3, time(18, 0), zone)


def test_previous_and_next_in_los_angeles() -> None:
    schedule = thursday_1800(LA)
    # Thu 16 Jan 2025 18:00 PST = Fri 17 Jan 02:00 UTC.
    slot = utc(2025, 1, 17, 2, 0)
    assert schedule.previous(slot) == slot  # at the slot, it is the current one
    assert schedule.previous(slot - timedelta(seconds=1)) == slot - timedelta(days=7)
    assert schedule.next(slot) == slot + timedelta(days=7)
    assert schedule.next(slot - timedelta(seconds=1)) == slot
    assert schedule.period_key(slot) == "2025-01-16T18:00-08:00"


def test_a_week_is_not_always_168_hours_spring_forward() -> None:
    schedule = thursday_1800(LA)
    before = schedule.next(utc(2025, 3, 1))  # Thu 6 Mar 18:00 PST
    after = schedule.next(before)  # Thu 13 Mar 18:00 PDT (DST began Sun 9 Mar)
    assert before == utc(2025, 3, 7, 2, 0)
    assert after == utc(2025, 3, 14, 1, 0)
    assert after - before == timedelta(hours=167)
    assert schedule.local(after).hour == 18
    assert schedule.period_key(after) == "2025-03-13T18:00-07:00"


def test_a_week_is_not_always_168_hours_fall_back() -> None:
    schedule = thursday_1800(BERLIN)
    before = schedule.next(utc(2025, 10, 20))  # Thu 23 Oct 18:00 CEST
    after = schedule.next(before)  # Thu 30 Oct 18:00 CET (DST ended Sun 26 Oct)
    assert after - before == timedelta(hours=169)
    assert schedule.local(before).hour == schedule.local(after).hour == 18


def test_missing_local_time_moves_forward_like_apscheduler() -> None:
    # 02:30 on Sunday 9 March 2025 does not exist in New York.
    schedule = WeeklySchedule(6, time(2, 30), NY)
    slot = schedule.next(utc(2025, 3, 8))
    assert slot == utc(2025, 3, 9, 7, 30)  # 03:30 EDT
    trigger = CronTrigger(**schedule.cron_fields())  # type: ignore[arg-type]
    fired = trigger.get_next_fire_time(None, datetime(2025, 3, 8, tzinfo=NY))
    assert fired is not None and fired.astimezone(UTC) == slot


def test_repeated_local_time_counts_once() -> None:
    # 01:30 on Sunday 2 November 2025 happens twice in New York: the first one counts.
    schedule = WeeklySchedule(6, time(1, 30), NY)
    first = schedule.next(utc(2025, 11, 1))
    assert first == utc(2025, 11, 2, 5, 30)  # 01:30 EDT
    second = first + timedelta(hours=1)  # 01:30 EST, when APScheduler may fire again
    assert schedule.previous(second) == first  # same period: the ledger posts once
    assert schedule.next(first) == utc(2025, 11, 9, 6, 30)


@pytest.mark.parametrize(
    "zone", ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
)
def test_slots_agree_with_apscheduler_for_a_year(zone: str) -> None:
    schedule = WeeklySchedule(3, time(18, 0), ZoneInfo(zone))
    trigger = CronTrigger(**schedule.cron_fields())  # type: ignore[arg-type]
    now = datetime(2025, 1, 1, tzinfo=ZoneInfo(zone))
    previous = None
    ours = schedule.next(now.astimezone(UTC))
    for _ in range(53):
        fired = trigger.get_next_fire_time(previous, now)
        assert fired is not None
        assert fired.astimezone(UTC) == ours
        assert schedule.local(ours).hour == 18 and schedule.local(ours).weekday() == 3
        previous, now = fired, fired
        ours = schedule.next(ours)


def test_same_instant_is_different_days_in_different_zones() -> None:
    instant = utc(2025, 1, 17, 2, 30)  # Thu evening in LA, Fri morning in Berlin
    assert thursday_1800(LA).previous(instant) == utc(2025, 1, 17, 2, 0)
    assert thursday_1800(BERLIN).previous(instant) == utc(2025, 1, 16, 17, 0)
    kolkata = thursday_1800(ZoneInfo("Asia/Kolkata"))  # +05:30
    assert kolkata.previous(instant) == utc(2025, 1, 16, 12, 30)


@pytest.mark.parametrize(
    ("text", "day"), [("thursday", 3), ("Thu", 3), ("th", 3), ("4", 3), ("SUNDAY", 6), ("mo", 0)]
)
def test_parse_day(text: str, day: int) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["t", "s", "funday", "8", "0", ""])
def test_parse_day_refuses(text: str) -> None:
    with pytest.raises(ScheduleError, match="day of the week"):
        parse_day(text)


@pytest.mark.parametrize(
    ("text", "value"), [("18:00", time(18)), ("9", time(9)), ("07:05", time(7, 5))]
)
def test_parse_time(text: str, value: time) -> None:
    assert parse_time(text) == value


@pytest.mark.parametrize("text", ["24:00", "18:60", "6pm", "", "18.00"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(text)


@pytest.mark.parametrize("text", ["Mars/Olympus", "../etc/passwd", "", "/etc/localtime", "PST8"])
def test_parse_zone_refuses(text: str) -> None:
    with pytest.raises(ScheduleError, match="time zone"):
        parse_zone(text)


def test_windows() -> None:
    slot = utc(2025, 1, 17, 2)
    windows = Windows(hold=timedelta(hours=24), grace=timedelta(hours=12))
    assert weekly_deadline(slot, late_content=False, windows=windows) == slot + timedelta(hours=12)
    assert weekly_deadline(slot, late_content=True, windows=windows) == slot + timedelta(hours=24)
    assert note_deadline(slot, windows) == slot + timedelta(hours=36)


def test_manual_clock() -> None:
    clock = ManualClock(datetime(2025, 1, 1, 12, tzinfo=LA))
    assert clock.now() == utc(2025, 1, 1, 20)
    assert clock.advance(timedelta(hours=1)) == utc(2025, 1, 1, 21)
    with pytest.raises(ValueError):
        ManualClock(datetime(2025, 1, 1))
