"""Sent messages are never sent again because the ledger could not be written.

A real SQLite file whose write lock another connection takes (``BEGIN EXCLUSIVE``) the
instant the loopback webhook receiver has the digest's first message: every message goes
out, none can be recorded.  Once the lock is gone the next attempt (the same process, or
a new one after a restart) records the post and the receiver gets no message twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import RetryPolicy
from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.schedule.journal import SUFFIX
from bot.schedule.ledger import Ledger
from bot.schedule.posting import Outcome, Poster, Sinks
from bot.schedule.subscriptions import Subscription, Subscriptions, build
from bot.store.sqlite import Store
from bot.timing import ManualClock
from tests.standins.webhook import Reply, Request, WebhookReceiver

#: Thursday 16 January 2025, 18:00 in Los Angeles, and the period it starts.
SLOT = datetime(2025, 1, 17, 2, 0, tzinfo=UTC)
PERIOD = "2025-01-16T18:00-08:00"
ITEMS = 400
SETTINGS = ScheduleSettings(ledger_retry_seconds=0.3)


def long_feed(path: Path) -> Path:
    """One episode listing ``ITEMS`` releases: a digest of several Slack messages."""
    bullets = "".join(
        f"<p>* Release {i} - a model that does thing number {i} rather well"
        f' (<a href="https://example.org/r{i}">Blog</a>)</p>'
        for i in range(ITEMS)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Long</title>'
        "<link>https://example.org/long</link><description>A long one.</description>"
        "<item><title>Long week</title><link>https://example.org/p/long</link>"
        "<guid>long-jan-16</guid><pubDate>Thu, 16 Jan 2025 17:00:00 GMT</pubDate>"
        "<description><![CDATA[<p>TL;DR and Show Notes</p>"
        f"<p>* <strong>Open Source LLMs</strong></p>{bullets}]]></description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    return path


class Locker:
    """Another connection that takes the database's write lock when told to."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.held = threading.Event()
        self._conn: sqlite3.Connection | None = None

    def lock(self, _request: Request | None = None) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            self._conn.execute("BEGIN EXCLUSIVE")
            self.held.set()

    def unlock(self) -> None:
        if self._conn is not None:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


@dataclass
class World:
    db: Path
    engine: Engine
    receiver: WebhookReceiver
    sub: Subscription
    clock: ManualClock

    def poster(self, *, owner: str | None = None) -> tuple[Poster, SlackWebhookSink]:
        sink = SlackWebhookSink(policy=RetryPolicy(retries=0, timeout=5))
        sink.min_interval = 0.0  # pacing is tested elsewhere; this is about the ledger
        ledger = Ledger(
            self.engine.store,
            clock=self.clock,
            lease=timedelta(minutes=SETTINGS.claim_lease_minutes),
            owner=owner,
        )
        poster = Poster(
            self.engine,
            Sinks({"slack-webhook": sink}),
            clock=self.clock,
            settings=SETTINGS,
            ledger=ledger,
        )
        return poster, sink

    def evaluate(self, poster: Poster, sink: SlackWebhookSink) -> Outcome:
        async def go() -> Outcome:
            try:
                return await poster.evaluate(self.sub.id)
            finally:
                await sink.aclose()

        return asyncio.run(asyncio.wait_for(go(), 30))

    def state(self) -> tuple[str, int]:
        row = self.engine.store.query(
            "SELECT state, json_array_length(message_ids) FROM posts WHERE subscription_id = ?",
            (self.sub.id,),
        )[0]
        return str(row[0]), int(row[1])

    def duplicates(self) -> int:
        bodies = [repr(r.body) for r in self.receiver.accepted()]
        return len(bodies) - len(set(bodies))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    db = tmp_path / "posting.db"
    # A short busy timeout: the lock below outlasts it at once rather than after 10 s.
    engine = make_engine(Settings(), store=Store(db, busy_timeout=0.1))
    engine.ingest(str(long_feed(tmp_path / "long.rss")))
    with WebhookReceiver() as receiver:
        sub = Subscriptions(engine.store).add(
            build(
                f"slack-webhook:{receiver.url('/slack/1')}",
                created_at=SLOT - timedelta(days=14),
                defaults=SETTINGS,
                default_zone="America/Los_Angeles",
            )
        )
        yield World(db, engine, receiver, sub, ManualClock(SLOT + timedelta(minutes=1)))
    engine.close()


def send_while_the_ledger_is_locked(world: World) -> tuple[Poster, SlackWebhookSink, Locker]:
    locker = Locker(world.db)
    world.receiver.on_request = locker.lock  # locked the instant the first message arrives
    poster, sink = world.poster()
    outcome = world.evaluate(poster, sink)
    world.receiver.on_request = None

    sent = len(world.receiver.accepted())
    assert locker.held.is_set() and sent >= 3  # a digest of several messages, all out
    assert outcome.posted and outcome.detail == "not on record yet"
    assert len(outcome.message_ids) == sent
    return poster, sink, locker


def test_the_same_process_records_the_post_once_the_lock_is_gone(world: World) -> None:
    poster, sink, locker = send_while_the_ledger_is_locked(world)
    sent = len(world.receiver.accepted())

    assert world.evaluate(poster, sink).status == "in-flight"  # still locked: nothing sent
    locker.unlock()
    assert world.evaluate(poster, sink).status == "already"

    assert world.state() == ("posted", sent)
    assert len(world.receiver.accepted()) == sent and world.duplicates() == 0


def test_a_restarted_process_resumes_from_the_sent_journal(world: World) -> None:
    _, _, locker = send_while_the_ledger_is_locked(world)
    sent = len(world.receiver.accepted())
    journal = world.db.with_name(world.db.name + SUFFIX)
    assert journal.stat().st_size > 0  # what went out is kept beside the database
    assert journal.stat().st_mode & 0o077 == 0
    locker.unlock()

    # The first process is gone (its claim's lease has run out); a new one takes over.
    world.clock.set(SLOT + timedelta(minutes=30))
    poster, sink = world.poster(owner="otherhost:2:restarted")
    outcome = world.evaluate(poster, sink)

    assert outcome.status == "already"
    assert world.state() == ("posted", sent)
    assert len(world.receiver.accepted()) == sent and world.duplicates() == 0
    assert journal.stat().st_size == 0  # folded into the ledger


def test_a_post_cut_short_while_locked_resumes_after_what_went_out(world: World) -> None:
    locker = Locker(world.db)
    world.receiver.on_request = locker.lock
    # The second message fails (503): the post is handed back while the ledger is locked.
    world.receiver.script("/slack/1", Reply(200), Reply(503))
    poster, sink = world.poster()
    outcome = world.evaluate(poster, sink)
    world.receiver.on_request = None
    assert outcome.status == "retry"
    assert len(world.receiver.accepted()) == 1
    locker.unlock()

    world.clock.set(SLOT + timedelta(minutes=30))
    restarted, sink = world.poster(owner="otherhost:2:restarted")
    assert world.evaluate(restarted, sink).posted

    state, recorded = world.state()
    assert state == "posted" and recorded == len(world.receiver.accepted())
    assert world.duplicates() == 0
