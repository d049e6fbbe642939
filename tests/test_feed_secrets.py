"""Private feed URLs (``?token=``, ``user:pass@``, a token in the path) never shown whole.

The database keeps (and the poller fetches) the real URL; alerts, ``/digest
status``, logs, listings and errors show ``bot.feedurls.redact_feed_url``'s form.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.alerts import FeedHealth
from bot.config import Settings
from bot.engine import make_engine
from bot.feedurls import redact_feed_url, redact_urls, secret_param
from bot.store.metrics import feed_label
from tests.standins.discord_api import DiscordStandIn
from tests.standins.slack_api import SlackApiStandin
from tests.standins.webhook import WebhookReceiver
from tests.test_run_platforms import Cli, Running, due_slot, run, run_env, until

SECRET = "SECRETabc123"
NOW = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://x.substack.com/feed?token=SECRET&format=rss",
            "https://x.substack.com/feed?token=…&format=rss",
        ),
        (
            "https://www.patreon.com/rss/creator?auth=SECRET",
            "https://www.patreon.com/rss/creator?auth=…",
        ),
        ("https://user:SECRET@host.example/feed", "https://…@host.example/feed"),
        (
            "https://h.example/f?api_key=SECRET&apikey=S&access_token=S&sig=S",
            "https://h.example/f?api_key=…&apikey=…&access_token=…&sig=…",
        ),
        (
            "https://h.example/f?private_token=SECRET&X-Amz-Signature=S&page=2",
            "https://h.example/f?private_token=…&X-Amz-Signature=…&page=2",
        ),
        (
            "https://h.example/f?password=S&session=S&secret=S&key=S",
            "https://h.example/f?password=…&session=…&secret=…&key=…",
        ),
        (
            "https://feeds.supercast.com/episodes/8f2b1c9d3e4a5b6c7d8e9f0a1b2c3d4e.rss",
            "https://feeds.supercast.com/episodes/….rss",
        ),
        (
            "https://api.substack.com/feed/podcast/123456/private/3f2a1b4c-1234-4abc-9def-0123456789ab.rss",
            "https://api.substack.com/feed/podcast/123456/private/….rss",
        ),
        ("https://feeds.example/p/aB3dE5gH7jK9mN1pQ3sT5vX7/feed", "https://feeds.example/p/…/feed"),
        # Nothing secret: kept as it is.
        (
            "https://www.thursdai.news/feed?keyword=ai&monkey=1",
            "https://www.thursdai.news/feed?keyword=ai&monkey=1",
        ),
        (
            "https://h.example/episode-2024-11-30-ai-news/feed.xml",
            "https://h.example/episode-2024-11-30-ai-news/feed.xml",
        ),
        ("/home/me/feeds/thursdai.rss", "/home/me/feeds/thursdai.rss"),
        ("http://127.0.0.1:8080/feed.rss", "http://127.0.0.1:8080/feed.rss"),
    ],
)
def test_the_one_rule(url: str, shown: str) -> None:
    assert redact_feed_url(url) == shown


def test_names_that_look_like_credentials() -> None:
    for name in ("token", "Token", "AUTH", "auth_token", "x-api-key", "signature", "sessionid"):
        assert secret_param(name), name
    for name in ("format", "keyword", "monkey", "page", "author", "tokens_count"):
        assert not secret_param(name), name


def test_urls_in_free_text_and_odd_input() -> None:
    text = f"https://h.example/f?token={SECRET}: HTTP 500 (see https://u:{SECRET}@h.example/x)."
    assert redact_urls(text) == (
        "https://h.example/f?token=…: HTTP 500 (see https://…@h.example/x)."
    )
    assert SECRET not in redact_feed_url(f"https://h.example:99999/f?token={SECRET}")
    assert redact_urls("no url here") == "no url here"
    assert SECRET not in feed_label(f"https://h.example/p/{SECRET}0123456789xyz/feed?token=x")


class FailingFeedHost:
    """Loopback host answering every feed request with HTTP 500 (or 200 and ``feed``)."""

    def __init__(self, feed: bytes | None = None) -> None:
        self.paths: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                host.paths.append(self.path)
                self.send_response(500 if feed is None else 200)
                self.send_header("Content-Length", str(len(feed or b"")))
                self.end_headers()
                self.wfile.write(feed or b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/private/feed.rss?token={SECRET}&format=audio"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def failing_host() -> Iterator[FailingFeedHost]:
    host = FailingFeedHost()
    yield host
    host.close()


def test_a_private_feed_failing_never_shows_its_token(
    tmp_path: Path,
    sample_feed: Path,
    failing_host: FailingFeedHost,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``digestbot run`` polls the real URL; the alert, ``/digest status`` over Slack, the
    run's log and ``digestbot status --json`` show it without the token."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):  # as `digestbot run` sets them (app.schedule_cli)
        caplog.set_level(logging.WARNING, logger=name)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "DIGESTBOT_")):
            monkeypatch.delenv(name)
    cli = Cli(tmp_path, sample_feed, capsys)
    feed = failing_host.url()
    with WebhookReceiver() as hooks, SlackApiStandin() as slack:
        slack.add_user("U0USER", admin=True)
        cli.config.write_text(
            f'feeds = ["{feed}"]\n'
            'timezone = "UTC"\n'
            "[schedule]\nsweep_seconds = 1\nshutdown_seconds = 2\nwebhook_retries = 0\n"
            f'[alerts]\ntarget = "webhook:{hooks.url()}"\nfailures = 1\n',
            encoding="utf-8",
        )
        _, clock = due_slot()
        status_answer: dict[str, Any] = {}

        async def scenario() -> None:
            async with DiscordStandIn() as discord_api, httpx.AsyncClient(timeout=5) as http:
                run_env(monkeypatch, slack, discord_api)
                stop = asyncio.Event()
                running = Running(cli, clock)
                await running.start(stop)
                await until(lambda: failing_host.paths, "the first poll")
                health = running.runtime.health
                assert health is not None
                await until(lambda: health.feeds(), "the failure to be recorded")
                await until(lambda: hooks.accepted(), "the alert")  # the runtime's own round
                status_answer.update(await running.slash(http, slack, "/digest", "status"))
                stop.set()
                await asyncio.wait_for(running.task, 15)  # type: ignore[arg-type]

        run(scenario(), timeout=60)
        alerts = json.dumps([r.body for r in hooks.accepted()], ensure_ascii=False)

    # The real URL is what was fetched.
    assert f"/private/feed.rss?token={SECRET}&format=audio" in failing_host.paths
    assert "token=…" in alerts and "HTTP 500" in alerts and SECRET not in alerts
    status = json.dumps(status_answer, ensure_ascii=False)
    assert "/private/feed.rss?token=…" in status and "HTTP 500" in status, status
    assert SECRET not in status
    assert "/private/feed.rss?token=…" in caplog.text and SECRET not in caplog.text
    code, out, err = cli("status", "--json")
    assert code == 0 and SECRET not in out + err
    code, out, err = cli("subscribe", "console", "--feed", feed)
    assert code == 0 and SECRET not in out + err
    code, out, err = cli("subscriptions", "--json")
    assert code == 0 and SECRET not in out + err and "token=…" in out
    code, out, err = cli("subscriptions", "--json", "--show-secrets")
    assert code == 0 and SECRET in out  # the operator's explicit ask


def test_stored_errors_and_fetch_errors_hide_the_token(db_url: str) -> None:
    engine = make_engine(Settings(), db_path=db_url)
    try:
        health = FeedHealth(engine.store, failures=1)
        url = f"https://h.example/feed?token={SECRET}"
        health.failed(url, f"{url}: HTTP 401 Unauthorized", now=NOW)
        (status,) = health.feeds()
        assert status.feed == url  # the identity stays whole in the database
        assert status.last_error is not None and SECRET not in status.last_error
        (message,) = health.pending_messages()
        assert SECRET not in message.digest().model_dump_json()
    finally:
        engine.close()


def test_a_fetch_error_names_the_feed_without_its_token(failing_host: FailingFeedHost) -> None:
    from bot.errors import FetchError
    from bot.feeds.fetch import fetch_url

    with httpx.Client() as client, pytest.raises(FetchError) as caught:
        fetch_url(client, failing_host.url(), max_bytes=1000)
    assert "HTTP 500" in caught.value.message and SECRET not in caught.value.message
    assert "token=…" in caught.value.message


def test_an_untitled_private_feed_is_named_without_its_token(
    tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed without a title is named by its URL: in the archive, ``/digest feeds`` and
    ``ingest``'s line that URL is the redacted one."""
    from bot.archive import Archive
    from bot.commands import CommandContext
    from bot.models import TextReply
    from bot.schedule.admin import DigestAdmin
    from bot.timing import SystemClock
    from tests.watchfeeds import write_feed

    written = write_feed(tmp_path / "f.rss", [(1, "Thu, 01 Jan", ["Gemma 4 - open", "Qwen3 - x"])])
    untitled = written.read_bytes().replace(b"<title>Watch Test Weekly</title>", b"", 1)
    host = FailingFeedHost(untitled)
    try:
        url = host.url()
        engine = make_engine(Settings(feeds=[url]), db_path=str(tmp_path / "db.sqlite3"))
        try:
            report = engine.ingest(url)
            assert report.added == 1 and SECRET not in report.line()
            shows = Archive(engine).shows()
            # An episode names its show by the feed's title: for an untitled feed the
            # URL stood in, token and all, in every reply that names the show.
            assert SECRET not in json.dumps([[show.feed, show.title] for show in shows])
            assert engine.store.source_state(url) is not None  # the source stays whole
            admin = DigestAdmin(engine, Settings(feeds=[url]), clock=SystemClock())
            reply = admin("feeds", CommandContext(platform="slack", channel_id="C0123ABCD"))
            assert isinstance(reply, TextReply) and "token=…" in reply.text
            assert SECRET not in reply.text
        finally:
            engine.close()
        cli = Cli(tmp_path, sample_feed, capsys)
        cli.config.write_text(f'feeds = ["{url}"]\n', encoding="utf-8")
        code, out, err = cli("ingest", url)
        assert code == 0 and SECRET not in out + err
        # OPML export is the operator's copy: whole URLs, with a note; --redact to share.
        code, out, err = cli("export", "--format", "opml")
        assert code == 0 and SECRET in out and "1 feed URL(s)" in err and SECRET not in err
        code, out, err = cli("export", "--format", "opml", "--redact")
        assert code == 0 and SECRET not in out + err and "token=…" in out
    finally:
        host.close()
