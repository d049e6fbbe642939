"""Fetching feeds over HTTP from a loopback server: conditional GET, caps, errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine import make_engine
from bot.errors import FetchError, InvalidSourceError
from bot.feeds.fetch import fetch_url, make_client

PODCAST_FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>P</title>
<item><title>Ep 1</title><guid>p1</guid><link>https://example.org/p/1</link>
<description><![CDATA[<p>TL;DR</p><p>* <strong>Open Source LLMs</strong></p>
<p>* Lumen-7B - a 7B model (<a href="https://huggingface.co/x/lumen">HF</a>)</p>
<p>* Quill 2 - tools (<a href="https://example.org/quill">Blog</a>)</p>]]></description>
<podcast:chapters url="BASE/ep1/chapters.json" type="application/json+chapters"/></item>
<item><title>Ep 0</title><guid>p0</guid><description>no notes</description>
<podcast:chapters url="BASE/missing" type="application/json+chapters"/></item>
</channel></rss>"""


class Feeds(BaseHTTPRequestHandler):
    """Serves the sample feed and a few misbehaving routes; records request headers."""

    feed = b""
    seen: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        if self.path == "/feed.rss":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Thu, 16 Jan 2025 18:00:00 GMT")
            self.send_header("Content-Length", str(len(self.feed)))
            self.end_headers()
            self.wfile.write(self.feed)
        elif self.path == "/podcast.rss":
            body = PODCAST_FEED.replace("BASE", f"http://127.0.0.1:{self.server.server_address[1]}")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body.encode())
        elif self.path == "/ep1/chapters.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json+chapters")
            self.end_headers()
            self.wfile.write(
                b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},'
                b' {"startTime": 95.5, "title": "Lumen-7B deep dive"},'
                b' {"startTime": 300, "title": "hidden", "toc": false}]}'
            )
        elif self.path == "/missing":
            self.send_response(404)
            self.end_headers()
        elif self.path == "/busy":
            self.send_response(429)
            self.send_header("Retry-After", "120")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/huge":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must hold while streaming
            for _ in range(64):
                self.wfile.write(b"x" * 65536)
        elif self.path == "/slow":
            time.sleep(1)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(500)
            self.end_headers()


class QuietServer(ThreadingHTTPServer):
    """Clients here hang up on purpose (size caps, timeouts): no tracebacks for that."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture
def server(sample_feed: Path) -> Iterator[str]:
    Feeds.feed = sample_feed.read_bytes()
    Feeds.seen = []
    httpd = QuietServer(("127.0.0.1", 0), Feeds)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_ingest_url_then_conditional_get(server: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "f.db")
    first = engine.ingest(f"{server}/feed.rss")
    assert first.added == 3
    second = engine.ingest(f"{server}/feed.rss")
    assert second.skipped
    assert Feeds.seen[-1]["If-None-Match"] == '"v1"'
    assert Feeds.seen[-1]["If-Modified-Since"] == "Thu, 16 Jan 2025 18:00:00 GMT"
    engine.close()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "HTTP 404"),
        ("/busy", "HTTP 429"),
        ("/loop", "more than 5 redirects"),
        ("/huge", "over the 1,000,000-byte cap"),
        ("/slow", "timed out"),
        ("/error", "HTTP 500"),
    ],
)
def test_fetch_failures_are_clear(server: str, path: str, message: str) -> None:
    client = make_client(timeout=0.3, user_agent="test")
    with client, pytest.raises(FetchError) as caught:
        fetch_url(client, f"{server}{path}", max_bytes=1_000_000)
    assert message in str(caught.value)
    if path == "/busy":
        assert caught.value.retry_after == 120


def test_unreachable_host_is_a_fetch_error() -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    with make_client(timeout=1, user_agent="t") as client, pytest.raises(FetchError):
        fetch_url(client, "http://127.0.0.1:9/feed", max_bytes=1000)


def test_invalid_url() -> None:
    with (
        make_client(timeout=1, user_agent="t") as client,
        pytest.raises((InvalidSourceError, FetchError)),
    ):
        fetch_url(client, "http://[::1", max_bytes=1000)


def test_user_agent_is_sent(server: str) -> None:
    with make_client(timeout=1, user_agent="digestbot-test/1") as client:
        fetch_url(client, f"{server}/feed.rss", max_bytes=10_000_000)
    assert Feeds.seen[-1]["User-Agent"] == "digestbot-test/1"


def test_podcast_chapters_json_is_fetched_for_online_feeds(server: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "c.db")
    report = engine.ingest(f"{server}/podcast.rss")
    assert report.added == 2
    assert any("chapters not read" in w and "HTTP 404" in w for w in report.warnings)
    lumen = engine.release("lumen-7b")
    assert lumen.item.chapter is not None
    assert (lumen.item.chapter.title, lumen.item.chapter.start_seconds) == (
        "Lumen-7B deep dive",
        95,
    )
    episode = engine.find_episode("Ep 1")
    assert [c.title for c in episode.chapters] == ["Intro", "Lumen-7B deep dive"]
    engine.close()


def test_a_feed_file_never_fetches_chapters(server: str, tmp_path: Path) -> None:
    feed = tmp_path / "podcast.rss"
    feed.write_text(PODCAST_FEED.replace("BASE", server))
    engine = make_engine(Settings(), db_path=tmp_path / "f.db")
    engine.ingest(str(feed))
    assert Feeds.seen == []  # no request reached the server
    engine.close()
