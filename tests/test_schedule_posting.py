"""When posts go out: weekly slots, late shows and the hold, downtime and the grace window,
retries, on-publish, filters, ``post`` and ``--force``; all on a controllable clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.models import ParsedEpisode, ParsedItem
from bot.schedule.ledger import Claim, Ledger
from bot.schedule.posting import NOTE_TITLE, Outcome, Poster, Sinks
from bot.schedule.subscriptions import Subscription, Subscriptions, build
from bot.sinks import PostError
from bot.store.sqlite import episode_id_for
from bot.timing import ManualClock
from tests.standins.webhook import RecordingSink

T = TypeVar("T")

#: Thursday 16 January 2025, 18:00 in Los Angeles.
SLOT = datetime(2025, 1, 17, 2, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
H = timedelta(hours=1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 10))


@dataclass
class World:
    engine: Engine
    clock: ManualClock
    sink: RecordingSink
    poster: Poster
    subs: Subscriptions

    def subscribe(self, created: datetime = SLOT - 4 * WEEK, **options: Any) -> Subscription:
        sub = build(
            options.pop("target", "console"),
            created_at=created,
            defaults=ScheduleSettings(),
            default_zone="America/Los_Angeles",
            **options,
        )
        return self.subs.add(sub)

    def episode(
        self,
        key: str,
        published: datetime | None,
        *,
        ingested: datetime,
        feed: str = "Show A",
        items: tuple[tuple[str, str], ...] = (("Kokoro", "Voice & Audio"),),
    ) -> str:
        parsed = ParsedEpisode(
            key=key,
            title=f"{feed}: {key}",
            published=published,
            content_hash=key,
            items=tuple(
                ParsedItem(
                    name=name, section=section, section_original=section, headline=f"{name} news"
                )
                for name, section in items
            ),
        )
        self.engine.store.upsert_episodes(feed, [parsed])
        with self.engine.store.transaction() as db:
            db.execute(
                "UPDATE episodes SET ingested_at = ? WHERE key = ?", (ingested.isoformat(), key)
            )
        return episode_id_for(key)

    def evaluate(self, sub: Subscription) -> Outcome:
        return run(self.poster.evaluate(sub.id))

    def at(self, when: datetime) -> World:
        self.clock.set(when)
        return self


def make_world(tmp_path: Path, **schedule: Any) -> World:
    engine = make_engine(Settings(), db_path=tmp_path / "posting.db")
    clock = ManualClock(SLOT)
    sink = RecordingSink("console")
    settings = ScheduleSettings(**schedule)
    poster = Poster(engine, Sinks({"console": sink}), clock=clock, settings=settings)
    return World(engine, clock, sink, poster, Subscriptions(engine.store))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.engine.close()


def test_first_weekly_post_lists_each_feeds_latest_episode_merged(world: World) -> None:
    world.episode("a-jan9", SLOT - WEEK - H, ingested=SLOT - WEEK)
    a = world.episode(
        "a-jan16",
        SLOT - 6 * H,
        ingested=SLOT - 5 * H,
        items=(("Kokoro", "Voice & Audio"), ("Qwen 2.5 Max", "Big CO LLMs + APIs")),
    )
    b = world.episode("b-jan16", SLOT - 4 * H, ingested=SLOT - 3 * H, feed="Show B")
    sub = world.subscribe()

    outcome = world.evaluate(sub)

    assert outcome.posted, outcome
    assert outcome.period == "2025-01-16T18:00-08:00"
    [(channel, digest)] = world.sink.posts
    assert channel == "console"
    assert {e.id for e in digest.episodes} == {a, b}
    kokoro = [i for s in digest.sections for i in s.items if i.name == "Kokoro"]
    assert len(kokoro) == 1 and len(kokoro[0].sources) == 2  # one release, both shows
    assert world.evaluate(sub).status == "already"
    assert len(world.sink.posts) == 1


def test_late_episode_is_waited_for_and_posted_within_the_hold(world: World) -> None:
    world.episode("old", SLOT - WEEK, ingested=SLOT - WEEK)
    sub = world.subscribe()
    world.at(SLOT - WEEK + H).evaluate(sub)  # last week's post: fixes the baseline
    assert len(world.sink.posts) == 1

    assert world.at(SLOT).evaluate(sub).status == "waiting"
    assert world.at(SLOT + 2 * H).evaluate(sub).status == "waiting"
    new = world.episode("late", SLOT + 3 * H, ingested=SLOT + 4 * H)
    outcome = world.at(SLOT + 23 * H).evaluate(sub)  # after the 12 h grace, inside the 24 h hold

    assert outcome.posted, outcome
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [new]
    assert world.at(SLOT + 23.5 * H).evaluate(sub).status == "already"


def test_no_episode_within_the_hold_skips_and_the_next_week_catches_up(world: World) -> None:
    world.episode("old", SLOT - WEEK, ingested=SLOT - WEEK)
    sub = world.subscribe()
    world.at(SLOT - WEEK + H).evaluate(sub)

    outcome = world.at(SLOT + 25 * H).evaluate(sub)
    assert outcome.status == "skipped" and "hold" in outcome.detail
    very_late = world.episode("very-late", SLOT + 30 * H, ingested=SLOT + 30 * H)
    assert world.at(SLOT + 31 * H).evaluate(sub).status == "already"  # that period is over
    assert len(world.sink.posts) == 1

    outcome = world.at(SLOT + WEEK).evaluate(sub)
    assert outcome.posted
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [very_late]


def test_no_episode_note_when_configured(tmp_path: Path) -> None:
    world = make_world(tmp_path, no_episode_note=True)
    try:
        world.episode("old", SLOT - WEEK, ingested=SLOT - WEEK)
        sub = world.subscribe()
        world.at(SLOT - WEEK + H).evaluate(sub)
        assert world.at(SLOT + 23 * H).evaluate(sub).status == "waiting"
        assert world.at(SLOT + 25 * H).evaluate(sub).posted
        assert world.sink.posts[-1][1].title == NOTE_TITLE
        assert world.at(SLOT + 26 * H).evaluate(sub).status == "already"
    finally:
        world.engine.close()


def test_downtime_catch_up_inside_the_grace_window(world: World) -> None:
    world.episode("on-time", SLOT - 2 * H, ingested=SLOT - 2 * H)
    sub = world.subscribe()
    outcome = world.at(SLOT + 11 * H).evaluate(sub)  # the process was down at the slot
    assert outcome.posted


def test_downtime_beyond_the_grace_window_is_skipped_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    ep = world.episode("on-time", SLOT - 2 * H, ingested=SLOT - 2 * H)
    sub = world.subscribe()
    with caplog.at_level(logging.WARNING, logger="bot.schedule.posting"):
        outcome = world.at(SLOT + 13 * H).evaluate(sub)
    assert outcome.status == "skipped" and "grace" in outcome.detail
    assert "missed" in caplog.text
    assert world.sink.posts == []
    # Nothing is lost: the next week's post lists it.
    assert world.at(SLOT + WEEK).evaluate(sub).posted
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [ep]


def test_a_new_subscription_does_not_post_for_a_slot_before_it_existed(world: World) -> None:
    world.episode("ep", SLOT - 2 * H, ingested=SLOT - 2 * H)
    sub = world.subscribe(created=SLOT + H)
    assert world.at(SLOT + 2 * H).evaluate(sub).status == "not-due"
    assert world.at(SLOT + WEEK).evaluate(sub).posted


def test_weekly_in_another_zone(world: World) -> None:
    world.episode("ep", SLOT - 20 * H, ingested=SLOT - 20 * H)
    sub = world.subscribe(day="friday", time="09:00", tz="Europe/Berlin")
    friday_9_berlin = datetime(2025, 1, 17, 8, 0, tzinfo=UTC)
    assert world.at(friday_9_berlin - timedelta(minutes=1)).evaluate(sub).status in (
        "skipped",
        "already",
        "waiting",
        "not-due",
    )
    posted_before = len(world.sink.posts)
    outcome = world.at(friday_9_berlin).evaluate(sub)
    assert outcome.posted and outcome.period == "2025-01-17T09:00+01:00"
    assert len(world.sink.posts) == posted_before + 1


def test_a_transient_failure_is_retried_with_the_same_digest_and_posted_once(
    world: World,
) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    world.sink.fail_with.append(PostError("HTTP 503", retry_after=120))

    first = world.at(SLOT).evaluate(sub)
    assert first.status == "retry"
    assert world.subs.get(sub.id).last_error == "HTTP 503"
    assert world.at(SLOT + timedelta(seconds=60)).evaluate(sub).status == "retry"  # not yet
    second = world.at(SLOT + timedelta(seconds=121)).evaluate(sub)

    assert second.posted
    assert len(world.sink.attempts) == 2 and len(world.sink.posts) == 1
    assert world.sink.attempts[0][1] == world.sink.attempts[1][1]
    assert world.subs.get(sub.id).last_error is None
    assert world.evaluate(sub).status == "already"


def test_a_retry_after_a_partial_post_resumes_after_what_went_out(world: World) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    world.sink.fail_with.append(PostError("HTTP 503", retry_after=60, posted=["console-a"]))

    assert world.at(SLOT).evaluate(sub).status == "retry"
    row = world.poster.ledger.row(sub.id, "2025-01-16T18:00-08:00") or pytest.fail()
    assert row.message_ids == ("console-a",)  # what went out is on record
    second = world.at(SLOT + timedelta(seconds=61)).evaluate(sub)

    assert second.posted
    assert world.sink.resumed == [(), ("console-a",)]  # the retry skipped the first message
    assert second.message_ids == ("console-a", "console-1")
    row = world.poster.ledger.row(sub.id, "2025-01-16T18:00-08:00") or pytest.fail()
    assert row.state == "posted" and row.message_ids == ("console-a", "console-1")


class SplitSink:
    """A sink posting each digest as three messages, looking at the ledger in between."""

    platform = "console"

    def __init__(self, ledger: Any, sub_id: str, period: str) -> None:
        self.ledger, self.sub_id, self.period = ledger, sub_id, period
        self.seen: list[tuple[str, ...]] = []
        self.already: list[tuple[str, ...]] = []

    async def post_digest(
        self,
        channel_id: str,
        digest: Any,
        *,
        already: Any = (),
        on_posted: Any = None,
    ) -> list[str]:
        self.already.append(tuple(already))
        ids = list(already)
        for n in range(len(ids), 3):
            ids.append(f"m{n + 1}")
            on_posted(ids[-1])
            await asyncio.sleep(0.05)  # the ledger write happens in a worker thread meanwhile
            row = await asyncio.to_thread(self.ledger.row, self.sub_id, self.period)
            self.seen.append(row.message_ids)
        return ids


def test_each_accepted_message_is_recorded_before_the_post_completes(world: World) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    period = "2025-01-16T18:00-08:00"
    sink = SplitSink(world.poster.ledger, sub.id, period)
    world.poster.sinks.add("console", sink)

    outcome = world.at(SLOT).evaluate(sub)

    assert outcome.posted and outcome.message_ids == ("m1", "m2", "m3")
    assert sink.seen == [("m1",), ("m1", "m2"), ("m1", "m2", "m3")]  # progressively, durably


def test_a_claim_taken_over_after_a_crash_resumes_after_the_recorded_messages(
    world: World,
) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    period = "2025-01-16T18:00-08:00"
    crashed = Ledger(world.engine.store, clock=world.clock, owner="otherhost:1:gone")
    claim = crashed.claim(sub, period)
    assert isinstance(claim, Claim)
    crashed.record(claim, ["m1"])  # the dead process got one message out
    sink = SplitSink(world.poster.ledger, sub.id, period)
    world.poster.sinks.add("console", sink)

    outcome = world.at(SLOT + 11 * timedelta(minutes=1)).evaluate(sub)  # its lease ran out

    assert outcome.posted and outcome.message_ids == ("m1", "m2", "m3")
    assert sink.already == [("m1",)]


def test_retries_give_up_after_the_hold(world: World) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    world.sink.fail_with.extend(PostError("down") for _ in range(100))
    assert world.at(SLOT).evaluate(sub).status == "retry"
    outcome = world.at(SLOT + 25 * H).evaluate(sub)
    assert outcome.status == "skipped" and "gave up" in outcome.detail


def test_a_permanent_failure_disables_the_subscription(world: World) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    world.sink.fail_with.append(PostError("channel_not_found", permanent=True))
    outcome = world.evaluate(sub)
    assert outcome.status == "failed"
    stored = world.subs.get(sub.id)
    assert not stored.active and stored.disabled_reason == "channel_not_found"
    assert world.evaluate(sub).status == "disabled"
    assert run(world.poster.sweep()) == []


def test_no_sink_for_the_platform_is_a_retry_not_a_crash(world: World) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe(target="slack:C0123ABCD")
    outcome = world.evaluate(sub)
    assert outcome.status == "retry" and "SLACK_BOT_TOKEN" in outcome.detail


def test_on_publish_posts_each_new_episode_once(world: World) -> None:
    world.episode("backlog", SLOT - WEEK, ingested=SLOT - 2 * H)
    sub = world.subscribe(created=SLOT - H, mode="on-publish")
    assert world.evaluate(sub).status == "nothing-new"  # the backlog predates it

    fresh = world.episode("fresh", SLOT + H, ingested=SLOT + H)
    world.at(SLOT + H)
    outcome = world.evaluate(sub)
    assert outcome.posted and outcome.period == f"publish:{fresh}"
    assert world.evaluate(sub).status == "nothing-new"
    second = world.episode("second", SLOT + 2 * H, ingested=SLOT + 2 * H, feed="Show B")
    assert world.at(SLOT + 2 * H).evaluate(sub).posted
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [second]
    assert len(world.sink.posts) == 2


def test_feed_section_and_keyword_filters(world: World) -> None:
    items = (("Kokoro", "Voice & Audio"), ("Phi-4", "Open Source LLMs"))
    world.episode("a", SLOT - H, ingested=SLOT - H, items=items)
    world.episode("b", SLOT - H, ingested=SLOT - H, feed="Show B", items=items)
    only_b = world.subscribe(target="console", feeds=["Show B"], sections=["open source"])
    assert only_b.sections == ("Open Source LLMs",)  # what people type maps to the section
    outcome = world.evaluate(only_b)
    assert outcome.posted
    digest = world.sink.posts[-1][1]
    assert [e.title for e in digest.episodes] == ["Show B: b"]
    assert [i.name for s in digest.sections for i in s.items] == ["Phi-4"]

    nothing = world.subscribe(target="console", keywords=["nonexistent"])
    assert world.evaluate(nothing).status == "filtered"
    assert len(world.sink.posts) == 1


def test_post_now_then_again_then_force(world: World) -> None:
    world.episode("older", SLOT - WEEK, ingested=SLOT - WEEK)
    latest = world.episode("latest", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe(created=SLOT + 2 * H)  # brand new: its first post is the latest episode
    world.at(SLOT + 3 * H)

    first = run(world.poster.post_now(sub.id))
    assert first.posted
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [latest]
    again = run(world.poster.post_now(sub.id))
    assert again.status == "already" and "--force" in again.detail
    assert len(world.sink.posts) == 1
    forced = run(world.poster.post_now(sub.id, force=True))
    assert forced.posted and forced.period and forced.period.startswith("forced:")
    assert [e.id for e in world.sink.posts[-1][1].episodes] == [latest]


def test_post_now_with_no_episodes_says_so(world: World) -> None:
    sub = world.subscribe()
    assert run(world.poster.post_now(sub.id)).status == "empty"


def test_concurrent_evaluations_and_a_second_poster_post_once(world: World, tmp_path: Path) -> None:
    world.episode("ep", SLOT - H, ingested=SLOT - H)
    sub = world.subscribe()
    world.sink.delay = 0.05
    other_engine = make_engine(Settings(), db_path=tmp_path / "posting.db")  # "another process"
    other_sink = RecordingSink("console")
    other = Poster(other_engine, Sinks({"console": other_sink}), clock=world.clock)

    async def race() -> list[Outcome]:
        calls = [world.poster.evaluate(sub.id) for _ in range(5)]
        calls += [other.evaluate(sub.id) for _ in range(5)]
        return list(await asyncio.gather(*calls))

    try:
        outcomes = run(race())
    finally:
        other_engine.close()
    assert sum(o.posted for o in outcomes) == 1
    assert len(world.sink.posts) + len(other_sink.posts) == 1
