"""Server-given delays: one parser, every value clamped; no traceback or stall anywhere.

Each place that honours a delay is driven with hostile ``Retry-After`` values
through a loopback server: feeds (fetch and poller), Slack, Discord, the
webhook sinks, and the poster that turns a delay into a retry time.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import pytest
from pydantic import SecretStr

from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack.sink import make_slack_sink
from adapters.webhook.sink import JsonWebhookSink, RetryPolicy
from bot.config import SlackSettings
from bot.engine import Engine
from bot.errors import FetchError
from bot.retry_after import DEFAULT_MAX_SECONDS, clamp_delay, parse_retry_after
from bot.schedule.poller import FeedPoller
from bot.sinks import PostError
from bot.timing import ManualClock
from tests.standins.slack_api import SlackApiStandin
from tests.standins.webhook import Reply, WebhookReceiver
from tests.test_schedule_posting import SLOT, make_world

T = TypeVar("T")
NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)
MAX = DEFAULT_MAX_SECONDS

#: Every hostile Retry-After value the issue names, and a few more.
HOSTILE = [
    "1e15",
    "-1",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "99999999999999999999999999",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 10000 00:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 -0000",
    "soon",
    "",
    "9" * 5000,
]


def run(coro: Coroutine[Any, Any, T], timeout: float = 20) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _safe(seconds: float | None, maximum: float = MAX) -> bool:
    return seconds is None or (math.isfinite(seconds) and 0 <= seconds <= maximum)


# --- the parser --------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_every_value_comes_out_finite_and_clamped(value: str) -> None:
    seconds = parse_retry_after(value, maximum=600)
    assert _safe(seconds, 600)
    timedelta(seconds=seconds or 0)  # what overflowed before


def test_the_two_forms_and_the_clamp() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Wed, 01 Jan 2025 00:02:00 GMT", now=now) == 120
    assert parse_retry_after("Tue, 31 Dec 2024 00:00:00 GMT", now=now) == 0  # in the past
    assert parse_retry_after("1e15", maximum=3600) == 3600
    assert parse_retry_after("inf", maximum=3600) == 3600
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", maximum=3600, now=now) == 3600
    assert parse_retry_after("-1") == 0
    assert parse_retry_after("nan") is None and parse_retry_after("soon") is None
    assert parse_retry_after(None) is None and parse_retry_after(["7", "8"]) == 7
    assert parse_retry_after(b"3") == 3
    assert clamp_delay(10**400, maximum=5) == 5 and clamp_delay(float("nan")) is None
    assert clamp_delay(True) is None and clamp_delay("3") is None


# --- feeds -------------------------------------------------------------------------------


class LimitedFeeds:
    """Loopback: ``/limited/<quoted value>`` answers 429 with that Retry-After; ``/ok`` a feed."""

    def __init__(self, feed: bytes) -> None:
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                if self.path.startswith("/limited/"):
                    self.send_response(429)
                    self.send_header("Retry-After", unquote(self.path.removeprefix("/limited/")))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(feed)))
                self.end_headers()
                self.wfile.write(feed)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def limited(self, value: str) -> str:
        return self.url("/limited/" + quote(value, safe=""))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feeds(sample_feed: Path) -> Iterator[LimitedFeeds]:
    server = LimitedFeeds(sample_feed.read_bytes())
    yield server
    server.close()


def test_feed_fetch_clamps_every_value(engine: Engine, feeds: LimitedFeeds) -> None:
    for value in HOSTILE[:-1]:  # 5,000 digits is past what a header server sends here
        with pytest.raises(FetchError) as caught:
            engine.ingest(feeds.limited(value))
        assert _safe(caught.value.retry_after), value


def test_the_poller_survives_every_value_and_keeps_polling(
    engine: Engine, feeds: LimitedFeeds
) -> None:
    clock = ManualClock(NOW)
    sources = [feeds.limited(v) for v in HOSTILE[:-1]] + [feeds.url("/ok")]
    poller = FeedPoller(
        engine,
        sources,
        clock=clock,
        interval=timedelta(minutes=30),
        retry_after_max=timedelta(hours=2),
    )
    result = run(poller.poll_due())  # raised OverflowError before: `run` died at start-up
    assert [r.source for r in result.reports] == [feeds.url("/ok")]
    for source in sources[:-1]:
        wait = poller.feeds[source].next_due - NOW
        assert timedelta(minutes=30) <= wait <= timedelta(hours=2), source


def test_the_run_loop_keeps_polling_after_a_huge_retry_after(
    engine: Engine, feeds: LimitedFeeds, caplog: pytest.LogCaptureFixture
) -> None:
    limited = feeds.limited("1e15")
    poller = FeedPoller(engine, [limited, feeds.url("/ok")], clock=ManualClock(NOW))

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            engine.episodes() and poller.feeds[limited].failures
        ):
            await asyncio.sleep(0.05)
        assert not task.done()  # the loop is alive, not silently dead
        stop.set()
        await asyncio.wait_for(task, 5)

    run(go())
    assert len(engine.episodes()) == 3
    assert "429" in caplog.text  # the failure is logged, with its (clamped) next try


# --- webhooks ----------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


@pytest.mark.parametrize("value", HOSTILE)
def test_webhook_sinks_clamp_every_value(receiver: WebhookReceiver, value: str) -> None:
    policy = RetryPolicy(retries=1, backoff=0.01, max_retry_after=0.2, retry_after_cap=900)
    receiver.script("/json", Reply(429, headers={"Retry-After": value}), Reply(429))
    started = time.monotonic()
    try:
        run(_post(JsonWebhookSink(policy=policy), receiver.url("/json")), timeout=10)
    except PostError as exc:
        assert not exc.permanent and _safe(exc.retry_after, 900)
    assert time.monotonic() - started < 5  # never slept on the server's word


@pytest.mark.parametrize("body", [1e15, -1, float("inf"), "soon", None])
def test_discord_webhook_json_retry_after_is_clamped(receiver: WebhookReceiver, body: Any) -> None:
    policy = RetryPolicy(retries=0, backoff=0.01, max_retry_after=0.2, retry_after_cap=900)
    receiver.script("/d", Reply(429, body={"retry_after": body, "global": False}))
    with pytest.raises(PostError) as caught:
        run(_post(DiscordWebhookSink(policy=policy), receiver.url("/d")))
    assert _safe(caught.value.retry_after, 900)


# --- Slack -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE[:-1])
def test_slack_sink_clamps_every_value(value: str) -> None:
    with SlackApiStandin() as standin:
        standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=value, times=5)
        sink = make_slack_sink(
            SlackSettings(bot_token=SecretStr("xoxb-t"), api_url=standin.api_url),
            max_inline_wait=0.5,
        )
        started = time.monotonic()
        try:
            run(sink.post_digest("C0NEWS", _digest()), timeout=10)
        except PostError as exc:
            assert not exc.permanent and _safe(exc.retry_after), value
        assert time.monotonic() - started < 5


# --- Discord -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e15, -1.0, float("inf"), 1e300])
def test_discord_sink_clamps_every_value(value: float) -> None:
    from tests.standins.discord_api import Failure
    from tests.test_discord_sink import CHANNEL_ID, with_sink

    failure = Failure(429, 0, "slow down", retry_after=value, times=2)
    outcomes: list[float | None] = []

    async def body(sink: Any, standin: Any) -> None:
        try:
            await sink.post_digest(CHANNEL_ID, _digest())
            outcomes.append(None)
        except PostError as exc:
            outcomes.append(exc.retry_after)

    run(with_sink(body, failures=[failure]), timeout=20)
    assert len(outcomes) == 1 and _safe(outcomes[0])


# --- the poster ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e15, float("inf"), float("nan"), -1.0, 10.0**300])
def test_the_poster_releases_the_claim_with_a_clamped_retry(tmp_path: Path, value: float) -> None:
    world = make_world(tmp_path, retry_after_max_minutes=60)
    try:
        world.episode("ep", SLOT - timedelta(hours=1), ingested=SLOT - timedelta(hours=1))
        sub = world.subscribe()
        world.sink.fail_with.append(PostError("HTTP 429", retry_after=value))
        first = world.at(SLOT).evaluate(sub)
        assert first.status == "retry"  # raised OverflowError before: the claim stayed claimed
        second = world.at(SLOT + timedelta(minutes=61)).evaluate(sub)
        assert second.posted
    finally:
        world.engine.close()


async def _post(sink: Any, url: str) -> list[str]:
    try:
        return list(await sink.post_digest(url, _digest()))
    finally:
        await sink.aclose()


def _digest() -> Any:
    from bot.models import Digest, DigestItem, DigestSection, EpisodeRef

    return Digest(
        title="Week",
        episodes=(EpisodeRef(id="e1", title="Show"),),
        sections=(DigestSection(name="Tools", items=(DigestItem(name="X", headline="y"),)),),
    )


def test_run_starts_with_a_feed_that_asks_for_1e15_seconds(
    feeds: LimitedFeeds, sample_feed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The start-up crash loop: the first poll round raised OverflowError out of `run`."""
    from app.runtime import DigestRuntime
    from bot.config import Settings

    settings = Settings(feeds=[feeds.limited("1e15"), str(sample_feed)])
    runtime = DigestRuntime(
        settings, db_path=str(tmp_path / "run.db"), load_platforms=False, interactive=False
    )

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        ready = asyncio.ensure_future(runtime.ready.wait())
        await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        assert ready.done() and not task.done()
        assert runtime.poller is not None
        state = runtime.poller.feeds[feeds.limited("1e15")]
        assert state.failures == 1
        assert state.next_due - datetime.now(UTC) <= timedelta(minutes=360)
        stop.set()
        await asyncio.wait_for(task, 10)

    run(go())
