"""The posting ledger: one claim per (subscription, period), across threads and processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.schedule.ledger import Claim, Ledger, Refused, owner_is_dead
from bot.schedule.subscriptions import Subscription, Subscriptions, build
from bot.store.sqlite import Store
from bot.timing import ManualClock

NOW = datetime(2025, 1, 17, 2, tzinfo=UTC)
PERIOD = "2025-01-16T18:00-08:00"


@pytest.fixture
def sub(sample_engine: Engine) -> Subscription:
    made = build(
        "console",
        created_at=NOW - timedelta(days=30),
        defaults=ScheduleSettings(),
        default_zone="America/Los_Angeles",
    )
    return Subscriptions(sample_engine.store).add(made)


def test_claim_complete_then_refused(sample_engine: Engine, sub: Subscription) -> None:
    ledger = Ledger(sample_engine.store, clock=ManualClock(NOW))
    claim = ledger.claim(sub, PERIOD)
    assert isinstance(claim, Claim) and len(claim.episode_ids) == 1  # the latest episode
    assert ledger.claim(sub, PERIOD) == Refused("in-flight", ledger.row(sub.id, PERIOD))
    ledger.complete(claim, ["m1"])
    refused = ledger.claim(sub, PERIOD)
    assert isinstance(refused, Refused) and refused.reason == "done"
    row = ledger.row(sub.id, PERIOD)
    assert row is not None and row.state == "posted" and row.message_ids == ("m1",)
    # Its episode is covered: the next period has nothing new.
    assert ledger.claim(sub, "next") == Refused("nothing-new")


def test_a_claim_is_taken_over_when_its_lease_ends(
    sample_engine: Engine, sub: Subscription
) -> None:
    clock = ManualClock(NOW)
    crashed = Ledger(
        sample_engine.store, clock=clock, owner="otherhost:1:dead", lease=timedelta(minutes=10)
    )
    first = crashed.claim(sub, PERIOD)
    assert isinstance(first, Claim)
    restarted = Ledger(sample_engine.store, clock=clock)
    assert isinstance(restarted.claim(sub, PERIOD), Refused)  # another host: trust the lease
    clock.advance(timedelta(minutes=11))
    second = restarted.claim(sub, PERIOD)
    assert isinstance(second, Claim)
    assert second.episode_ids == first.episode_ids and second.attempt == 2
    crashed.complete(first, ["late"])  # the old owner finishing late is recorded, not lost
    assert (restarted.row(sub.id, PERIOD) or pytest.fail()).state == "posted"


def test_a_claim_of_a_dead_local_process_is_taken_over_at_once(
    sample_engine: Engine, sub: Subscription
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    owner = f"{socket.gethostname()}:{gone.pid}:abcd"
    assert owner_is_dead(owner)
    assert not owner_is_dead(f"{socket.gethostname()}:{os.getpid()}:abcd")
    assert not owner_is_dead(f"elsewhere:{gone.pid}:abcd")
    clock = ManualClock(NOW)
    dead = Ledger(sample_engine.store, clock=clock, owner=owner)
    assert isinstance(dead.claim(sub, PERIOD), Claim)
    assert isinstance(Ledger(sample_engine.store, clock=clock).claim(sub, PERIOD), Claim)


def test_release_and_fail(sample_engine: Engine, sub: Subscription) -> None:
    clock = ManualClock(NOW)
    ledger = Ledger(sample_engine.store, clock=clock)
    claim = ledger.claim(sub, PERIOD)
    assert isinstance(claim, Claim)
    ledger.release(claim, "HTTP 503", retry_at=NOW + timedelta(minutes=5))
    assert ledger.claim(sub, PERIOD) == Refused("later", ledger.row(sub.id, PERIOD))
    clock.advance(timedelta(minutes=5))
    again = ledger.claim(sub, PERIOD)
    assert isinstance(again, Claim) and again.episode_ids == claim.episode_ids
    ledger.fail(again, "gone for good")
    assert (ledger.row(sub.id, PERIOD) or pytest.fail()).state == "failed"
    assert isinstance(ledger.claim(sub, "later-period"), Claim)  # its episodes were freed


def test_threads_with_their_own_connections_claim_once(tmp_path: Path, sample_feed: Path) -> None:
    db = tmp_path / "race.db"
    engine = make_engine(Settings(), db_path=db)
    engine.ingest(str(sample_feed))
    subscription = Subscriptions(engine.store).add(
        build("console", created_at=NOW, defaults=ScheduleSettings(), default_zone="UTC")
    )
    engine.close()
    barrier = threading.Barrier(8)
    results: list[object] = []

    def contender() -> None:
        store = Store(db)
        try:
            ledger = Ledger(store, clock=ManualClock(NOW))
            barrier.wait(timeout=10)
            results.append(ledger.claim(subscription, PERIOD))
        finally:
            store.close()

    threads = [threading.Thread(target=contender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(results) == 8
    assert sum(isinstance(r, Claim) for r in results) == 1
    refusals = [r for r in results if isinstance(r, Refused)]
    assert {r.reason for r in refusals} == {"in-flight"}


def test_message_ids_are_recorded_as_they_go_out_and_resumed_after(
    sample_engine: Engine, sub: Subscription
) -> None:
    clock = ManualClock(NOW)
    crashed = Ledger(
        sample_engine.store, clock=clock, owner="otherhost:1:dead", lease=timedelta(minutes=10)
    )
    first = crashed.claim(sub, PERIOD)
    assert isinstance(first, Claim) and first.message_ids == ()

    def recorded() -> tuple[str, ...]:
        return (crashed.row(sub.id, PERIOD) or pytest.fail()).message_ids

    assert crashed.record(first, ["m1"]) and recorded() == ("m1",)
    assert crashed.record(first, ["m1", "m2"]) and recorded() == ("m1", "m2")
    assert not crashed.record(first, ["m1"])  # a late, shorter write never shrinks it
    assert recorded() == ("m1", "m2")
    assert (crashed.row(sub.id, PERIOD) or pytest.fail()).state == "claimed"

    # The process dies; the next one takes the claim over and resumes after m2.
    clock.advance(timedelta(minutes=11))
    restarted = Ledger(sample_engine.store, clock=clock)
    second = restarted.claim(sub, PERIOD)
    assert isinstance(second, Claim) and second.message_ids == ("m1", "m2")
    assert second.episode_ids == first.episode_ids  # the same digest
    assert not crashed.record(first, ["m1", "m2", "m3"])  # no longer the owner's
    assert restarted.record(second, ["m1", "m2", "m3"]) and recorded() == ("m1", "m2", "m3")
    restarted.complete(second, ["m1", "m2", "m3", "m4"])
    assert recorded() == ("m1", "m2", "m3", "m4")


def test_a_release_keeps_what_went_out_for_the_retry(
    sample_engine: Engine, sub: Subscription
) -> None:
    clock = ManualClock(NOW)
    ledger = Ledger(sample_engine.store, clock=clock)
    claim = ledger.claim(sub, PERIOD)
    assert isinstance(claim, Claim)
    ledger.record(claim, ["m1"])
    ledger.release(claim, "HTTP 503", retry_at=NOW, message_ids=["m1", "m2"])
    retry = ledger.claim(sub, PERIOD)
    assert isinstance(retry, Claim) and retry.message_ids == ("m1", "m2")
    ledger.release(retry, "HTTP 503", retry_at=NOW, message_ids=["m1"])  # never shrinks
    again = ledger.claim(sub, PERIOD)
    assert isinstance(again, Claim) and again.message_ids == ("m1", "m2")
    ledger.fail(again, "gone", message_ids=["m1", "m2", "m3"])
    row = ledger.row(sub.id, PERIOD) or pytest.fail()
    assert row.state == "failed" and row.message_ids == ("m1", "m2", "m3")


def test_the_digest_of_a_claim_is_kept_until_the_post_is_done(
    sample_engine: Engine, sub: Subscription
) -> None:
    clock = ManualClock(NOW)
    crashed = Ledger(sample_engine.store, clock=clock, owner="otherhost:1:dead")
    first = crashed.claim(sub, PERIOD)
    assert isinstance(first, Claim) and first.digest is None
    digest = sample_engine.digest(
        [e for e in map(sample_engine.store.episode, first.episode_ids) if e]
    )
    assert crashed.keep_digest(first, digest)
    assert not crashed.keep_digest(first, digest)  # written once: what the first message began

    clock.advance(timedelta(minutes=11))
    restarted = Ledger(sample_engine.store, clock=clock)
    second = restarted.claim(sub, PERIOD)
    assert isinstance(second, Claim) and second.digest == digest
    restarted.complete(second, ["m1"])
    kept = sample_engine.store.query("SELECT digest FROM posts WHERE period = ?", (PERIOD,))
    assert kept == [(None,)]  # dropped once done


def test_sent_messages_in_the_journal_reach_the_ledger_before_the_next_claim(
    tmp_path: Path, sample_feed: Path
) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "j.db")
    try:
        engine.ingest(str(sample_feed))
        sub = Subscriptions(engine.store).add(
            build(
                "console",
                created_at=NOW - timedelta(days=30),
                defaults=ScheduleSettings(),
                default_zone="America/Los_Angeles",
            )
        )
        clock = ManualClock(NOW)
        crashed = Ledger(engine.store, clock=clock, owner="otherhost:1:dead")
        claim = crashed.claim(sub, PERIOD)
        assert isinstance(claim, Claim)
        # The ledger could not be written when these went out: the journal has them.
        assert crashed.note_sent(claim, ["m1"])
        assert crashed.note_sent(claim, ["m1", "m2"])
        assert crashed.journal.path is not None
        crashed.journal.path.write_text(
            crashed.journal.path.read_text() + '{"torn": \n', encoding="utf-8"
        )

        clock.advance(timedelta(minutes=11))
        restarted = Ledger(engine.store, clock=clock)
        second = restarted.claim(sub, PERIOD)
        assert isinstance(second, Claim) and second.message_ids == ("m1", "m2")
        assert not restarted.journal.has_notes()

        assert restarted.note_sent(second, ["m1", "m2", "m3"], done=True)
        refused = restarted.claim(sub, PERIOD)
        assert isinstance(refused, Refused) and refused.reason == "done"
        row = restarted.row(sub.id, PERIOD) or pytest.fail()
        assert row.state == "posted" and row.message_ids == ("m1", "m2", "m3")
        restarted.complete(second, ["m1", "m2", "m3"])  # the late write finds it done: quiet
    finally:
        engine.close()


def test_a_post_the_journal_says_went_out_is_not_skipped(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "j.db")
    try:
        engine.ingest(str(sample_feed))
        sub = Subscriptions(engine.store).add(
            build(
                "console",
                created_at=NOW - timedelta(days=30),
                defaults=ScheduleSettings(),
                default_zone="America/Los_Angeles",
            )
        )
        clock = ManualClock(NOW)
        crashed = Ledger(engine.store, clock=clock, owner="otherhost:1:dead")
        claim = crashed.claim(sub, PERIOD)
        assert isinstance(claim, Claim)
        assert crashed.note_sent(claim, ["m1"], done=True)  # all out; the ledger was locked

        clock.advance(timedelta(days=2))  # long past the hold: the sweep would give up
        assert not Ledger(engine.store, clock=clock).skip(sub.id, PERIOD, "gave up")
        row = crashed.row(sub.id, PERIOD) or pytest.fail()
        assert row.state == "posted" and row.message_ids == ("m1",)
    finally:
        engine.close()
