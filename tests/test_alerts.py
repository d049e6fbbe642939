"""Feed health alerts: once per incident, one recovery, state in the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.runtime import webhook_sinks
from bot.alerts import FeedHealth, send_pending
from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.schedule.poller import FeedPoller
from bot.schedule.subscriptions import Subscriptions, build
from bot.timing import ManualClock
from tests.standins.webhook import Reply, WebhookReceiver
from tests.watchfeeds import write_feed

NOW = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on each backend in turn (SQLite, then a throwaway PostgreSQL)."""
    engine = make_engine(Settings(), db_path=db_url)
    yield engine
    engine.close()


async def _poll_and_alert(
    poller: FeedPoller, health: FeedHealth, hook: str, clock: ManualClock
) -> None:
    """One poll of every feed (due or not), then the alerts round to a loopback webhook."""
    for state in poller.feeds.values():
        state.next_due = clock.now()
    await poller.poll_due()
    async with httpx.AsyncClient() as http:
        sink = webhook_sinks(Settings(), http)["webhook"]
        await send_pending(health, sink, hook, now=clock.now())


def test_failing_feed_alerts_once_then_recovers_once(engine: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"  # missing: every poll fails
    clock = ManualClock(NOW)
    health = FeedHealth(engine.store, failures=3)
    poller = FeedPoller(engine, [str(feed)], clock=clock, health=health)
    with WebhookReceiver() as hooks:
        for _ in range(6):
            clock.set(clock.now() + timedelta(hours=1))
            asyncio.run(_poll_and_alert(poller, health, hooks.url(), clock))
        assert len(hooks.accepted()) == 1
        body = json.dumps(hooks.accepted()[0].body)
        assert "failing" in body and "3 polls in a row" in body
        write_feed(feed, [(1, "Thu, 01 Jan", ["Qwen3-VL - vision", "Gemma 4 - open"])])
        for _ in range(3):
            clock.set(clock.now() + timedelta(hours=1))
            asyncio.run(_poll_and_alert(poller, health, hooks.url(), clock))
        assert len(hooks.accepted()) == 2
        assert "Recovered" in json.dumps(hooks.accepted()[1].body)
    (status,) = health.feeds()
    assert status.failures == 0 and status.last_ok and status.last_error


def test_failed_alert_is_retried_not_lost(engine: Engine) -> None:
    health = FeedHealth(engine.store, failures=1)
    health.failed("https://example.org/feed", "HTTP 500", now=NOW)
    health.failed("https://example.org/feed", "HTTP 500", now=NOW)
    assert len(health.pending_messages()) == 1
    with WebhookReceiver() as hooks:
        hooks.script("/hook", Reply(status=404))
        assert asyncio.run(_send(health, hooks.url())) == 0
        assert asyncio.run(_send(health, hooks.url())) == 1
        assert asyncio.run(_send(health, hooks.url())) == 0
        assert len(hooks.accepted()) == 1


async def _send(health: FeedHealth, hook: str) -> int:
    async with httpx.AsyncClient() as http:
        return await send_pending(health, webhook_sinks(Settings(), http)["webhook"], hook, now=NOW)


def test_markup_change_alerts_once(engine: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    eps = [
        (n, f"Thu, {n:02d} Jan", [f"Model{n} 1 - a model", f"Other{n} 2 - b"]) for n in range(1, 6)
    ]
    engine.ingest(str(write_feed(feed, eps)))
    health = FeedHealth(engine.store)
    health.succeeded(str(feed), now=NOW)
    assert health.pending_messages() == []
    bare = (6, "Thu, 06 Feb", [])  # no release list at all
    engine.ingest(str(write_feed(feed, [*eps, bare])))
    health.succeeded(str(feed), now=NOW)
    health.succeeded(str(feed), now=NOW)
    (message,) = health.pending_messages()
    assert message.kind == "markup" and "episode 6" in message.text
    health.mark_sent(message, now=NOW)
    health.succeeded(str(feed), now=NOW)
    assert health.pending_messages() == []


def test_disabled_subscription_alerts_once(engine: Engine) -> None:
    subs = Subscriptions(engine.store)
    sub = subs.add(
        build("console", created_at=NOW, defaults=ScheduleSettings(), default_zone="UTC")
    )
    health = FeedHealth(engine.store)
    health.check_subscriptions(now=NOW)
    assert health.pending_messages() == []
    subs.disable(sub.id, "channel_not_found")
    health.check_subscriptions(now=NOW)
    health.check_subscriptions(now=NOW)
    (message,) = health.pending_messages()
    assert message.subject == sub.id and "channel_not_found" in message.text
    health.mark_sent(message, now=NOW)
    health.check_subscriptions(now=NOW)
    assert health.pending_messages() == []
    subs.remove(sub.id)
    health.check_subscriptions(now=NOW)
    (recovered,) = health.pending_messages()
    assert recovered.recovered


def test_digest_status_shows_each_feeds_last_success_and_error(engine: Engine) -> None:
    from bot.commands import CommandContext
    from bot.models import TextReply
    from bot.schedule.admin import DigestAdmin
    from bot.timing import SystemClock

    health = FeedHealth(engine.store)
    health.succeeded("https://example.org/a.rss", now=NOW)
    health.failed("https://example.org/b.rss", "HTTP 503 <!channel>", now=NOW)
    # A configured feed not polled yet has its line too (each feed, not each feed polled).
    settings = Settings(feeds=["https://example.org/a.rss", "https://example.org/c.rss"])
    admin = DigestAdmin(engine, settings, clock=SystemClock())
    reply = admin("status", CommandContext(platform="slack", channel_id="C0123ABCD"))
    assert isinstance(reply, TextReply)
    assert "c.rss: not polled yet" in reply.text and reply.text.count("a.rss") == 1
    assert "a.rss: last success 2026-01-10 00:00 UTC" in reply.text
    assert "b.rss: never read; last error 2026-01-10 00:00 UTC: HTTP 503" in reply.text


def test_run_sends_the_alert_to_the_alerts_target(tmp_path: Path) -> None:
    from app.runtime import DigestRuntime
    from bot.config import AlertsSettings

    missing = tmp_path / "gone.rss"
    with WebhookReceiver() as hooks:
        settings = Settings(
            feeds=[str(missing)],
            alerts=AlertsSettings(target=f"webhook:{hooks.url()}", failures=1),
        )

        async def go() -> None:
            runtime = DigestRuntime(
                settings, db_path=str(tmp_path / "rt.db"), load_platforms=False, interactive=False
            )
            stop = asyncio.Event()
            task = asyncio.create_task(runtime.run(stop))
            await asyncio.wait_for(runtime.ready.wait(), 10)
            await runtime.health_round()
            await runtime.health_round()
            stop.set()
            await asyncio.wait_for(task, 10)

        asyncio.run(asyncio.wait_for(go(), 30))
        assert len(hooks.accepted()) == 1
        assert "gone.rss" in json.dumps(hooks.accepted()[0].body)


def test_alerts_target_is_checked_in_config() -> None:
    from pydantic import ValidationError

    from bot.config import AlertsSettings

    with pytest.raises(ValidationError, match="not a target"):
        AlertsSettings(target="telegram:123")
    with pytest.raises(ValidationError):
        AlertsSettings(failures=0)


def test_markup_change_through_the_poller_alerts_once_and_recovers_once(
    engine: Engine, tmp_path: Path
) -> None:
    """As ``run`` polls: the bare episode opens the incident, a later list closes it."""
    feed = tmp_path / "feed.rss"
    eps = [(n, f"Thu, {n:02d} Jan", [f"Model{n} 1 - a", f"Other{n} 2 - b"]) for n in range(1, 6)]
    bare = (6, "Thu, 05 Feb", [])
    listed = (7, "Thu, 12 Feb", ["Gemma 4 - open model", "Qwen3-VL - vision"])
    clock = ManualClock(NOW)
    health = FeedHealth(engine.store)
    poller = FeedPoller(engine, [str(feed)], clock=clock, health=health)
    with WebhookReceiver() as hooks:
        for episodes in ([*eps], [*eps, bare], [*eps, bare], [*eps, bare, listed], [*eps, listed]):
            write_feed(feed, episodes)
            clock.set(clock.now() + timedelta(hours=1))
            asyncio.run(_poll_and_alert(poller, health, hooks.url(), clock))
        bodies = [json.dumps(r.body) for r in hooks.accepted()]
    assert len(bodies) == 2, bodies
    assert "without a release list" in bodies[0] and "episode 6" in bodies[0]
    assert "Recovered" in bodies[1]


def test_an_alerts_target_this_process_cannot_reach_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from app.runtime import DigestRuntime
    from bot.config import AlertsSettings

    caplog.set_level("INFO")
    settings = Settings(
        feeds=[str(tmp_path / "gone.rss")],
        alerts=AlertsSettings(target="slack:C0123ABCD", failures=1),
    )

    async def go() -> None:
        runtime = DigestRuntime(
            settings, db_path=str(tmp_path / "rt.db"), load_platforms=False, interactive=False
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 10)
        for _ in range(3):
            await runtime.health_round()
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(go(), 30))
    said = [r.getMessage() for r in caplog.records if "health alerts" in r.getMessage()]
    assert len(said) == 1, said
    assert "slack:C0123ABCD cannot go out" in said[0] and "SLACK_BOT_TOKEN" in said[0]
