"""A slow feed ends at the fetch deadline and delays no other feed (loopback only)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.config import FetchSettings, Settings
from bot.engine import Engine, make_engine
from bot.errors import FetchError
from bot.feeds.fetch import fetch_url, make_client
from bot.schedule.poller import FeedPoller
from bot.timing import SystemClock

#: Three episodes whose podcast:chapters files drip: together they get one deadline.
CHAPTERED = (
    """<?xml version="1.0"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>C</title>
"""
    + "".join(
        f"""<item><title>Ep {n}</title><guid>c{n}</guid><description>notes {n}</description>
<podcast:chapters url="BASE/drip" type="application/json+chapters"/></item>
"""
        for n in range(3)
    )
    + "</channel></rss>"
)


class SlowServer:
    """``/drip``: a byte every ``gap`` s, never ending; ``/mute``: no answer; ``/ok``: a feed."""

    def __init__(self, feed: bytes, gap: float = 0.2) -> None:
        self.hits: list[tuple[str, float]] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append((self.path, time.monotonic()))
                if self.path == "/chaptered.rss":
                    body = CHAPTERED.replace("BASE", server.url("")).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path == "/mute":
                    server.stop.wait(30)
                    return
                if self.path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.end_headers()
                    try:
                        while not server.stop.wait(gap):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    except OSError:
                        pass  # the client gave up: what we want
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(feed)))
                self.end_headers()
                self.wfile.write(feed)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def times(self, path: str) -> list[float]:
        return [at for p, at in self.hits if p == path]

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(sample_feed: Path) -> Iterator[SlowServer]:
    s = SlowServer(sample_feed.read_bytes())
    yield s
    s.close()


@pytest.mark.parametrize("path", ["/drip", "/mute"])
def test_a_fetch_ends_at_its_deadline_with_one_clear_error(server: SlowServer, path: str) -> None:
    client = make_client(timeout=5.0, user_agent="test")  # each read alone would wait 5 s
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            fetch_url(client, server.url(path), max_bytes=10_000_000, deadline_seconds=1.0)
    finally:
        client.close()
    took = time.monotonic() - started
    assert 0.9 <= took < 1.8, took
    assert "deadline" in caught.value.message and "\n" not in caught.value.message


def test_a_slow_feed_delays_no_other_feed(server: SlowServer, tmp_path: Path) -> None:
    settings = Settings(fetch=FetchSettings(timeout_seconds=5.0, deadline_seconds=2.0))
    engine: Engine = make_engine(settings, db_path=tmp_path / "slow.db")
    interval = timedelta(seconds=0.25)
    poller = FeedPoller(
        engine, [server.url("/drip"), server.url("/ok")], clock=SystemClock(), interval=interval
    )

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        await asyncio.sleep(2.6)
        stop.set()
        await asyncio.wait_for(task, 5)

    try:
        asyncio.run(go())
        assert len(engine.episodes()) == 3
    finally:
        engine.close()
    fast = server.times("/ok")
    # Due every 0.25 s for 2.6 s while the slow one drips into its 2 s deadline; before,
    # each round waited for the slow feed (2 polls, 2 s apart). Slack for a loaded machine.
    assert len(fast) >= 4, fast
    assert max(b - a for a, b in itertools.pairwise(fast)) < 1.5
    slow = poller.feeds[server.url("/drip")]
    assert slow.failures >= 1 and "deadline" in (slow.last_error or "")


def test_chapter_files_share_one_deadline(server: SlowServer, tmp_path: Path) -> None:
    settings = Settings(fetch=FetchSettings(timeout_seconds=5.0, deadline_seconds=1.0))
    engine = make_engine(settings, db_path=tmp_path / "chapters.db")
    started = time.monotonic()
    try:
        report = engine.ingest(server.url("/chaptered.rss"))
    finally:
        engine.close()
    took = time.monotonic() - started
    assert report.added == 3
    assert took < 2.5, took  # one deadline for all three, not one each
    assert any("chapters not read" in w for w in report.warnings)
