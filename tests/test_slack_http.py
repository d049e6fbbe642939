"""HTTP mode and Socket Mode on loopback: real sockets, signed form bodies, the real engine."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from aiohttp import WSMsgType, web
from pydantic import SecretStr

from adapters.slack.app import SlackBot
from adapters.slack.render import SHARE_ACTION_ID, Share
from adapters.slack.run import EVENTS_PATH, SlackHttpServer, run_slack, slack_mode
from bot.commands import Commands
from bot.config import SlackSettings
from bot.errors import ConfigError
from tests.standins.slack_api import (
    LoopThread,
    SlackApiStandin,
    SlackSigner,
    check_message,
    find_pings,
)

SECRET = "e6b19c573432dcc6b075501d51b51bb8"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "bot" / "data" / "sample_feed.rss"


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_PORT",
        "SLACK_API_URL",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from bot.config import Settings
    from bot.engine import make_engine

    db = tmp_path_factory.mktemp("slack-http") / "digestbot.sqlite3"
    eng = make_engine(Settings(), db_path=str(db))
    eng.ingest(str(SAMPLE_FEED))
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture
def standin() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def settings_for(standin: SlackApiStandin, **kw: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "bot_token": SecretStr("xoxb-http-token"),
        "signing_secret": SecretStr(SECRET),
        "api_url": standin.api_url,
    }
    values.update(kw)
    return SlackSettings(**values)


class Served:
    """The app in HTTP mode on an ephemeral loopback port."""

    def __init__(self, bot: SlackBot, server: SlackHttpServer, loop: LoopThread) -> None:
        self.bot, self.server, self.loop = bot, server, loop
        self.url = f"http://127.0.0.1:{server.port}{EVENTS_PATH}"
        self.http = httpx.Client(timeout=5)

    def post(self, body: str, headers: dict[str, str]) -> httpx.Response:
        response = self.http.post(self.url, content=body, headers=headers)
        self.loop.run(self.bot.drain())
        return response


@pytest.fixture
def served(standin: SlackApiStandin, loop: LoopThread, engine: Any) -> Iterator[Served]:
    bot = SlackBot(Commands(engine), settings_for(standin))
    server = SlackHttpServer(bot.app, host="127.0.0.1", port=0)
    loop.run(server.start())
    app = Served(bot, server, loop)
    yield app
    app.http.close()
    loop.run(server.stop())


def command(
    standin: SlackApiStandin, name: str, text: str, *, timestamp: int | None = None
) -> tuple[str, dict[str, str]]:
    body = SlackSigner.command_body(name, text, response_url=standin.response_url())
    return body, SlackSigner(SECRET).headers(body, timestamp=timestamp)


def test_signed_release_over_http(served: Served, standin: SlackApiStandin) -> None:
    response = served.post(*command(standin, "/release", "kokoro"))
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "kokoro" in body["blocks"][0]["text"]["text"].lower()
    assert check_message(body) == []
    assert [c.method for c in standin.calls] == ["auth.test"]


@pytest.mark.parametrize("tamper", ["signature", "old", "future", "missing", "words", "float"])
def test_unverified_http_requests_get_401(
    served: Served, standin: SlackApiStandin, tamper: str
) -> None:
    if tamper == "old":
        body, headers = command(standin, "/release", "kokoro", timestamp=int(time.time()) - 6 * 60)
    elif tamper == "future":
        body, headers = command(standin, "/release", "kokoro", timestamp=int(time.time()) + 6 * 60)
    elif tamper in ("words", "float"):
        # Correctly signed over a timestamp that is not a whole number (was a 500).
        body, _ = command(standin, "/release", "kokoro")
        stamp = "yesterday" if tamper == "words" else f"{time.time():.3f}"
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": SlackSigner(SECRET).signature(stamp, body),
        }
    else:
        body, headers = command(standin, "/release", "kokoro")
        if tamper == "signature":
            headers["x-slack-signature"] = headers["x-slack-signature"][:-4] + "beef"
        else:
            headers = {"content-type": headers["content-type"]}
    response = served.post(body, headers)
    assert response.status_code == 401
    assert standin.calls == []


def test_a_replayed_request_gets_401_and_a_fresh_one_works(
    served: Served, standin: SlackApiStandin
) -> None:
    body, headers = command(standin, "/release", "kokoro")
    assert served.post(body, headers).status_code == 200
    calls = len(standin.calls)
    replayed = served.post(body, headers)
    assert replayed.status_code == 401
    assert len(standin.calls) == calls  # refused before any work
    # the same command typed again is a new request (its own trigger_id) and is answered
    fresh = served.post(*command(standin, "/release", "kokoro"))
    assert fresh.status_code == 200
    assert "kokoro" in fresh.text.lower()


def test_a_replayed_subscribe_does_not_bring_back_a_deleted_subscription(
    standin: SlackApiStandin, loop: LoopThread, tmp_path: Path
) -> None:
    """Two processes on one database: a request seen by one is refused by the other."""
    from bot.config import Settings
    from bot.engine import make_engine
    from bot.schedule.admin import DigestAdmin
    from bot.timing import SystemClock

    db = str(tmp_path / "digestbot.sqlite3")
    engines = [make_engine(Settings(), db_path=db) for _ in range(2)]
    standin.add_user("U0ADMIN", owner=True)
    served = []
    for eng in engines:
        digest = DigestAdmin(eng, Settings(), clock=SystemClock())
        bot = SlackBot(Commands(eng, admin=digest), settings_for(standin), store=eng.store)
        server = SlackHttpServer(bot.app, host="127.0.0.1", port=0)
        loop.run(server.start())
        served.append(Served(bot, server, loop))
    first, second = served

    def admin(text: str) -> tuple[str, dict[str, str]]:
        body = SlackSigner.command_body(
            "/digest",
            text,
            user_id="U0ADMIN",
            channel_id="C0123ABCD",
            response_url=standin.response_url(),
        )
        return body, SlackSigner(SECRET).headers(body)

    def subscriptions() -> int:
        return int(engines[0].store.query("SELECT count(*) FROM subscriptions")[0][0])

    try:
        subscribe = admin("subscribe")
        answer = first.post(*subscribe)
        assert answer.status_code == 200
        assert subscriptions() == 1, answer.text
        [(sub_id,)] = engines[0].store.query("SELECT id FROM subscriptions")
        assert first.post(*admin(f"unsubscribe {sub_id}")).status_code == 200
        assert subscriptions() == 0
        for app in (first, second):  # the process that saw it, and another one
            assert app.post(*subscribe).status_code == 401
        assert subscriptions() == 0
        seen = engines[1].store.query("SELECT count(*) FROM slack_seen_signatures")[0][0]
        assert seen == 2
    finally:
        for app in served:
            app.http.close()
            loop.run(app.server.stop())
        for eng in engines:
            eng.close()


def test_only_the_events_path_answers(served: Served, standin: SlackApiStandin) -> None:
    body, headers = command(standin, "/release", "kokoro")
    other = served.url.replace(EVENTS_PATH, "/other")
    assert served.http.post(other, content=body, headers=headers).status_code == 404
    assert served.http.get(served.url).status_code == 405


def test_tldr_and_share_over_http(served: Served, standin: SlackApiStandin) -> None:
    response = served.post(*command(standin, "/tldr", ""))
    assert response.status_code == 200
    payloads = ([response.json()] if response.content else []) + [
        c.data for c in standin.calls_to("response_url")
    ]
    assert payloads and payloads[0]["blocks"][0]["type"] == "header"
    last = payloads[-1]["blocks"][-1]
    assert last["type"] == "actions"
    value = last["elements"][0]["value"]
    assert Share.parse(value) == Share("tldr", "")
    standin.reset()

    body = SlackSigner.button_body(SHARE_ACTION_ID, value, response_url=standin.response_url("b"))
    assert served.post(body, SlackSigner(SECRET).headers(body)).status_code == 200
    calls = standin.calls_to("response_url")
    assert calls[0].data["response_type"] == "in_channel"
    assert calls[-1].data.get("delete_original") is True
    for call in calls:
        assert check_message(call.data) == []
        assert set(find_pings(call.data)) <= {"<@U0USER>"}


def test_run_slack_serves_http_mode_until_cancelled(
    standin: SlackApiStandin, loop: LoopThread, engine: Any
) -> None:
    ready = threading.Event()
    ports: list[int] = []

    def on_ready(bot: SlackBot, server: SlackHttpServer | None) -> None:
        assert server is not None
        ports.append(server.port)
        ready.set()

    settings = settings_for(standin, port=0)
    task = asyncio.run_coroutine_threadsafe(
        run_slack(Commands(engine), settings, host="127.0.0.1", on_ready=on_ready), loop.loop
    )
    try:
        assert ready.wait(5)
        url = f"http://127.0.0.1:{ports[0]}{EVENTS_PATH}"
        body, headers = command(standin, "/search", "tts")
        response = httpx.post(url, content=body, headers=headers, timeout=5)
        assert response.status_code == 200
        assert "result" in json.dumps(response.json()) or "No releases" in response.text
    finally:
        task.cancel()
    with pytest.raises(concurrent.futures.CancelledError):
        task.result(5)
    with pytest.raises(httpx.ConnectError):
        httpx.post(url, content=body, headers=headers, timeout=2)


def test_mode_follows_the_tokens() -> None:
    token = SecretStr("xoxb-1")
    assert slack_mode(SlackSettings(bot_token=token, app_token=SecretStr("xapp-1"))) == "socket"
    assert (
        slack_mode(
            SlackSettings(
                bot_token=token, app_token=SecretStr("xapp-1"), signing_secret=SecretStr("s")
            )
        )
        == "socket"
    )
    assert slack_mode(SlackSettings(bot_token=token, signing_secret=SecretStr("s"))) == "http"
    assert slack_mode(SlackSettings(bot_token=token)) is None
    assert slack_mode(SlackSettings(signing_secret=SecretStr("s"))) is None


def test_run_slack_without_tokens_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        asyncio.run(run_slack(Commands(engine=None), SlackSettings()))  # type: ignore[arg-type]


# --- Socket Mode ------------------------------------------------------------------------


class SocketModeServer:
    """Slack's Socket Mode end on loopback: says hello, sends one envelope, keeps the ack."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.runner: web.AppRunner | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/link"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
            )
        )
        await ws.send_str(json.dumps(self.envelope))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        return ws

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self.runner:
            await self.runner.cleanup()


def test_socket_mode_answers_a_slash_command(
    standin: SlackApiStandin, loop: LoopThread, engine: Any
) -> None:
    payload = dict(parse_qsl(SlackSigner.command_body("/release", "kokoro")))
    envelope = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": payload,
    }
    ws_server = SocketModeServer(envelope)
    loop.run(ws_server.start())
    standin.socket_url = ws_server.url
    settings = SlackSettings(
        bot_token=SecretStr("xoxb-sock"), app_token=SecretStr("xapp-sock"), api_url=standin.api_url
    )
    task = asyncio.run_coroutine_threadsafe(run_slack(Commands(engine), settings), loop.loop)
    try:
        ack = loop.run(asyncio.wait_for(ws_server.acks.get(), 10))
    finally:
        task.cancel()
        with pytest.raises(concurrent.futures.CancelledError):
            task.result(5)
        loop.run(ws_server.stop())
    assert ack["envelope_id"] == "env-1"
    assert "kokoro" in json.dumps(ack["payload"]).lower()
    assert check_message(ack["payload"]) == []
    [opened] = standin.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == "Bearer xapp-sock"
