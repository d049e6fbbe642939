"""The feed poller: a broken feed never stops the others; back-off honours Retry-After."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.engine import Engine
from bot.schedule.poller import FeedPoller, PollResult
from bot.timing import ManualClock

T = TypeVar("T")
NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)
MIN = timedelta(minutes=1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 20))


class FeedServer:
    """Loopback feed host: ``/ok`` serves a feed (with an ETag), ``/limited`` 429, ``/boom`` 500."""

    def __init__(self, feed: bytes) -> None:
        self.feed = feed
        self.hits: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append((self.path, self.headers.get("If-None-Match")))
                if self.path == "/ok":
                    if self.headers.get("If-None-Match") == '"v1"':
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.send_response(200)
                    self.send_header("ETag", '"v1"')
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(server.feed)))
                    self.end_headers()
                    self.wfile.write(server.feed)
                    return
                status = 429 if self.path == "/limited" else 500
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "7200")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(sample_feed: Path) -> Iterator[FeedServer]:
    s = FeedServer(sample_feed.read_bytes())
    yield s
    s.close()


def test_a_broken_feed_does_not_stop_the_others(
    engine: Engine, server: FeedServer, tmp_path: Path, sample_feed: Path
) -> None:
    garbage = tmp_path / "garbage.rss"
    garbage.write_bytes(b"\x00\x01 definitely not a feed")
    feeds = [
        server.url("/boom"),
        str(tmp_path / "missing.rss"),
        str(garbage),
        server.url("/limited"),
        server.url("/ok"),
    ]
    clock = ManualClock(NOW)
    new: list[int] = []

    async def on_new(reports: list[Any]) -> None:
        new.append(len(reports))

    poller = FeedPoller(engine, feeds, clock=clock, interval=30 * MIN, on_new=on_new)
    result: PollResult = run(poller.poll_due())

    assert [r.source for r in result.reports] == [server.url("/ok")]
    assert set(result.errors) == set(feeds) - {server.url("/ok")}
    assert len(engine.episodes()) == 3 and new == [1]
    states = poller.feeds
    assert states[server.url("/ok")].next_due == NOW + 30 * MIN
    assert states[server.url("/boom")].next_due == NOW + 30 * MIN  # first failure: one interval
    assert states[server.url("/limited")].next_due == NOW + timedelta(seconds=7200)  # Retry-After
    assert "HTTP 500" in (states[server.url("/boom")].last_error or "")


def test_backoff_grows_and_resets(engine: Engine, server: FeedServer) -> None:
    clock = ManualClock(NOW)
    poller = FeedPoller(
        engine,
        [server.url("/boom"), server.url("/ok")],
        clock=clock,
        interval=30 * MIN,
        max_backoff=timedelta(hours=2),
    )
    delays = []
    for _ in range(4):
        run(poller.poll_due())
        state = poller.feeds[server.url("/boom")]
        delays.append(state.next_due - clock.now())
        clock.set(state.next_due)
    assert delays == [30 * MIN, 60 * MIN, 120 * MIN, 120 * MIN]  # doubling, capped
    assert poller.backoff(1, 10.0) == 30 * MIN
    assert poller.backoff(1, 7200.0) == timedelta(hours=2)


def test_conditional_get_on_the_next_round(engine: Engine, server: FeedServer) -> None:
    clock = ManualClock(NOW)
    poller = FeedPoller(engine, [server.url("/ok")], clock=clock, interval=30 * MIN)
    first = run(poller.poll_due())
    assert first.changed
    assert run(poller.poll_due()).reports == []  # not due yet: nothing fetched
    clock.advance(30 * MIN)
    second = run(poller.poll_due())
    assert not second.changed and second.reports[0].skipped
    assert server.hits[-1] == ("/ok", '"v1"')  # sent the stored ETag, got 304


def test_run_loop_stops_promptly(engine: Engine, sample_feed: Path) -> None:
    poller = FeedPoller(engine, [str(sample_feed)], clock=ManualClock(NOW), interval=30 * MIN)

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        await asyncio.sleep(0.2)
        stop.set()
        await asyncio.wait_for(task, 2)

    run(go())
    assert len(engine.episodes()) == 3
