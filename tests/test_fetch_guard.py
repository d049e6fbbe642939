"""Feeds added from chat never reach files or internal addresses (loopback only, no network).

Every test that could send traffic records each TCP connection made and
asserts it went to 127.0.0.1 only.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.commands import CommandContext
from bot.config import FetchSettings, Settings
from bot.engine import Engine, make_engine
from bot.feeds.guard import BlockedSourceError, FetchGuard, is_internal
from bot.models import TextReply
from bot.schedule.admin import DigestAdmin
from bot.schedule.poller import feeds_to_poll
from bot.schedule.subscriptions import Subscriptions, build
from bot.timing import ManualClock

NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)

#: Each internal target the issue lists, and a few more spellings of the same.
INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/feed",
    "http://0x7f000001/feed",
    "http://2130706433/feed",
    "http://0177.0.0.1/feed",
    "http://127.1/feed",
    "http://localhost/feed",
    "http://[::1]/feed",
    "http://[::ffff:127.0.0.1]/feed",
    "http://[::ffff:a9fe:a9fe]/feed",
    "http://10.0.0.1/feed",
    "http://192.168.1.1:8080/feed",
    "http://100.64.0.1/feed",
    "http://0.0.0.0/feed",
    "http://224.0.0.1/feed",
    "https://[fe80::1]/feed",
]
NOT_HTTP = [
    "/etc/passwd",
    "/proc/self/environ",
    "file:///etc/passwd",
    "ftp://example.org/feed.rss",
    "gopher://127.0.0.1:70/",
    "feed.rss",
]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a TCP connection is opened to during the test."""
    made: list[str] = []
    real = socket.create_connection

    def recording(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        made.append(str(address[0]))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return made


class Server:
    """Loopback: ``/feed`` serves ``feed``; ``/to?u=URL`` redirects there."""

    def __init__(self, feed: bytes) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.paths.append(self.path)
                if self.path.startswith("/to?u="):
                    self.send_response(302)
                    self.send_header("Location", self.path.removeprefix("/to?u="))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(feed)))
                self.end_headers()
                self.wfile.write(feed)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(sample_feed: Path) -> Iterator[Server]:
    s = Server(sample_feed.read_bytes())
    yield s
    s.close()


def _engine(tmp_path: Path, allow: list[str]) -> Engine:
    settings = Settings(fetch=FetchSettings(allow_private=allow, timeout_seconds=5))
    return make_engine(settings, db_path=tmp_path / "guard.db")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "ff02::1",
        "ff0e::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
        "2001:db8::1",
    ],
)
def test_internal_addresses(address: str) -> None:
    assert is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert not is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", INTERNAL + NOT_HTTP)
def test_the_guard_refuses_every_internal_form(url: str, connections: list[str]) -> None:
    with pytest.raises(BlockedSourceError):
        FetchGuard().check_url(url)
    assert connections == []


@pytest.mark.parametrize("url", INTERNAL + NOT_HTTP)
def test_subscribe_from_chat_refuses_with_one_reply(
    url: str, engine: Engine, connections: list[str], tmp_path: Path
) -> None:
    admin = DigestAdmin(engine, engine.settings, clock=ManualClock(NOW))
    for platform, channel in (("slack", "C0123ABCD"), ("discord", "123456789012345678")):
        ctx = CommandContext(platform=platform, channel_id=channel, is_admin=True)
        reply = admin(f"subscribe --feed '{url}'", ctx)
        assert isinstance(reply, TextReply) and reply.error
        assert reply.text.startswith("Feed refused: ") and "\n" not in reply.text
    assert Subscriptions(engine.store).all() == []
    assert connections == []


def test_subscribe_from_chat_accepts_an_allowed_host(
    tmp_path: Path, server: Server, connections: list[str]
) -> None:
    engine = _engine(tmp_path, ["127.0.0.1"])
    try:
        admin = DigestAdmin(engine, engine.settings, clock=ManualClock(NOW))
        ctx = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=True)
        reply = admin(f"subscribe --feed {server.url('/feed')}", ctx)
        assert isinstance(reply, TextReply) and not reply.error, reply.text
    finally:
        engine.close()


@pytest.mark.parametrize("url", INTERNAL + NOT_HTTP)
def test_guarded_ingest_refuses_without_traffic(
    url: str, engine: Engine, connections: list[str]
) -> None:
    with pytest.raises(BlockedSourceError):
        engine.ingest(url, guarded=True)
    assert connections == []
    assert engine.episodes() == []


def test_the_operator_keeps_loopback_and_files(
    engine: Engine, server: Server, sample_feed: Path
) -> None:
    """Unguarded (CLI, config.toml): the operator's choice, as before."""
    assert engine.ingest(server.url("/feed")).added == 3
    assert engine.ingest(str(sample_feed), force=True).unchanged == 3


def test_a_redirect_to_a_private_address_is_refused(
    tmp_path: Path, server: Server, connections: list[str]
) -> None:
    engine = _engine(tmp_path, ["127.0.0.1"])  # the test server itself is allowed, nothing else
    try:
        assert engine.ingest(server.url("/feed"), guarded=True).added == 3
        for target in (
            "http://10.255.255.1/feed",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00::1]/feed",
            "http://0x0a000001/feed",
            "file:///etc/passwd",
        ):
            with pytest.raises(BlockedSourceError):
                engine.ingest(server.url(f"/to?u={target}"), guarded=True, force=True)
        assert set(connections) == {"127.0.0.1"}
    finally:
        engine.close()


def test_the_check_is_made_again_at_connect_time(
    tmp_path: Path, server: Server, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolver that answers public first, loopback next (DNS rebinding) gains nothing."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    asked: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "feed.test":
            return real(host, port, *args, **kwargs)
        address = next(answers)
        asked.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    engine = _engine(tmp_path, [])
    try:
        with pytest.raises(BlockedSourceError):
            engine.ingest(server.url("/feed", host="feed.test"), guarded=True)
    finally:
        engine.close()
    assert asked == ["93.184.216.34", "127.0.0.1"]  # checked before the request, and again
    assert connections == [] and server.paths == []


def test_the_allowlist_names_hosts_and_networks(
    tmp_path: Path, server: Server, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def intranet(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", intranet)
    url = server.url("/feed", host="intranet.example")
    refused = _engine(tmp_path / "a", [])
    by_host = _engine(tmp_path / "b", ["Intranet.Example"])
    by_net = _engine(tmp_path / "c", ["127.0.0.0/8"])
    try:
        with pytest.raises(BlockedSourceError):
            refused.ingest(url, guarded=True)
        assert by_host.ingest(url, guarded=True).added == 3
        assert by_net.ingest(url, guarded=True).added == 3
        # Allowing one host opens no other: 10.x is still refused for the host-allowlisted engine.
        with pytest.raises(BlockedSourceError):
            by_host.ingest("http://10.1.2.3/feed", guarded=True)
    finally:
        for engine in (refused, by_host, by_net):
            engine.close()
    assert set(connections) == {"127.0.0.1"}


def test_guard_allowlist_parses_addresses_hosts_and_networks() -> None:
    guard = FetchGuard.from_allowlist(["10.1.2.3", "intranet.example.", "[fd00::5]", "10.9.0.0/16"])
    assert guard.host_allowed("INTRANET.example")
    assert guard.address_allowed(ipaddress.ip_address("10.1.2.3"))
    assert guard.address_allowed(ipaddress.ip_address("10.9.4.4"))
    assert guard.address_allowed(ipaddress.ip_address("fd00::5"))
    assert guard.address_allowed(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert not guard.address_allowed(ipaddress.ip_address("10.1.2.4"))


def test_the_poller_guards_feeds_only_chat_named(tmp_path: Path, engine: Engine) -> None:
    settings = Settings(feeds=["https://example.org/operator.rss"])

    def sub(origin: Any, feeds: list[str], target: str) -> Any:
        return build(
            target,
            created_at=NOW,
            defaults=settings.schedule,
            default_zone="UTC",
            feeds=feeds,
            origin=origin,
        )

    chat_feeds = ["/etc/passwd", "http://10.0.0.1/x", "https://example.org/both.rss"]
    subs = [
        sub("chat", chat_feeds, "console"),
        sub("cli", ["https://example.org/both.rss"], "discord:123456789012345678"),
        sub("chat", ["https://example.org/operator.rss"], "slack:C0123ABCD"),
    ]
    assert feeds_to_poll(settings, subs) == {
        "https://example.org/operator.rss": False,
        "/etc/passwd": True,
        "http://10.0.0.1/x": True,
        "https://example.org/both.rss": False,
    }


def test_a_feed_follows_who_names_it(engine: Engine) -> None:
    from bot.schedule.poller import FeedPoller

    poller = FeedPoller(engine, {"http://10.0.0.1/x": False}, clock=ManualClock(NOW))
    assert not poller.feeds["http://10.0.0.1/x"].guarded  # the operator's, for now
    assert not poller.add("http://10.0.0.1/x", guarded=True)  # only chat names it now
    assert poller.feeds["http://10.0.0.1/x"].guarded


def test_the_poller_refuses_guarded_files_and_internal_urls_on_every_poll(
    engine: Engine, server: Server, sample_feed: Path, connections: list[str]
) -> None:
    import asyncio

    from bot.schedule.poller import FeedPoller

    clock = ManualClock(NOW)
    guarded = {str(sample_feed): True, "/proc/self/environ": True, server.url("/feed"): True}
    poller = FeedPoller(engine, guarded, clock=clock)
    for _ in range(2):
        result = asyncio.run(poller.poll_due())
        assert set(result.errors) == set(guarded) and result.reports == []
        clock.set(max(s.next_due for s in poller.feeds.values()))
    assert engine.episodes() == [] and connections == [] and server.paths == []
