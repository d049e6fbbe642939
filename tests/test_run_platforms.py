"""Slack and Discord end to end, on loopback stand-ins and a real SQLite file.

``digestbot post`` posts through each adapter's ``make_sink``; ``digestbot
run`` (``DigestRuntime`` in-process, settings from the environment as in
production) serves Slack in HTTP mode and Discord over its gateway at once,
answers their slash commands, posts a weekly digest that has come due (the
runtime's clock is moved a day ahead), survives a channel that is gone, and
stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from adapters.discord.endpoints import Endpoints
from adapters.slack.run import EVENTS_PATH
from adapters.slack.runner import SlackRunner
from app.cli import main
from app.runtime import DigestRuntime
from bot.config import load_settings
from bot.timing import DAYS
from tests.standins.discord_api import CHANNEL_ID, DiscordStandIn, Failure
from tests.standins.slack_api import LoopThread, SlackApiStandin, SlackSigner, check_message

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]

SLACK_TOKEN = "xoxb-e2e-secret-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
#: Targets are validated: Slack channel ids and Discord snowflakes have their real shapes.
SLACK_CHANNEL = "C0123ABCD"
DISCORD_CHANNEL = "123456789012345678"
DEADLINE = 20.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "DIGESTBOT_")):
            monkeypatch.delenv(name)


@pytest.fixture
def slack() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


class Cli:
    """``digestbot --db DB --config CONFIG ...`` in-process; (exit code, stdout, stderr)."""

    def __init__(self, tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]):
        self.db = tmp_path / "digestbot.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'feeds = ["{sample_feed}"]\n'
            'timezone = "UTC"\n'
            "[schedule]\n"
            "sweep_seconds = 1\n"
            "shutdown_seconds = 2\n"
            "webhook_retries = 0\n",
            encoding="utf-8",
        )
        self.sample_feed = sample_feed
        self._capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", str(self.db), "--config", str(self.config), *argv])
        out, err = self._capsys.readouterr()
        return code, out, err

    def subscribe(self, target: str, *options: str) -> str:
        code, out, err = self("subscribe", target, *options)
        assert code == 0, err
        return out.strip()

    def subscriptions(self) -> dict[str, dict[str, Any]]:
        code, out, err = self("subscriptions", "--json")
        assert code == 0, err
        return {s["id"]: s for s in json.loads(out)}


@pytest.fixture
def cli(tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, sample_feed, capsys)


def top_level_and_thread(calls: list[Any]) -> tuple[list[Any], list[Any]]:
    """chat.postMessage calls that start a digest, and those continuing one in its thread."""
    return [c for c in calls if not c.data.get("thread_ts")], [
        c for c in calls if c.data.get("thread_ts")
    ]


# --- digestbot post ---------------------------------------------------------------------


def test_post_to_slack_once_then_already_then_forced(
    cli: Cli,
    slack: SlackApiStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    assert cli("ingest", str(cli.sample_feed))[0] == 0
    sub_id = cli.subscribe(f"slack:{SLACK_CHANNEL}")

    code, out, err = cli("post", sub_id)
    assert code == 0, err
    calls = slack.calls_to("chat.postMessage")
    assert f"posted {len(calls)} message(s)" in out
    first, rest = top_level_and_thread(calls)
    assert len(first) == 1  # one digest: its first message in the channel, the rest in its thread
    assert {c.data["thread_ts"] for c in rest} <= {"1700000000.000001"}
    assert {c.data["channel"] for c in calls} == {SLACK_CHANNEL}
    assert "Kokoro" in json.dumps(first[0].data)
    assert all(c.headers["authorization"] == f"Bearer {SLACK_TOKEN}" for c in calls)
    assert slack.violations == [] and slack.pings == []

    code, out, err = cli("post", sub_id)
    assert code == 0, err
    assert "nothing posted: this period's digest was already posted" in out
    assert "--force" in out
    assert len(slack.calls_to("chat.postMessage")) == len(calls)

    code, out, err = cli("post", sub_id, "--force")
    assert code == 0, err
    again = slack.calls_to("chat.postMessage")[len(calls) :]
    assert f"posted {len(again)} message(s)" in out
    assert [c.data["text"] for c in again] == [c.data["text"] for c in calls]
    assert slack.violations == [] and slack.pings == []
    assert SLACK_TOKEN not in caplog.text + out + err


def test_post_to_discord_once_then_already_then_forced(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    loop = LoopThread()
    discord_api = loop.run(_started(DiscordStandIn()))
    before = Endpoints.current()
    try:
        monkeypatch.setenv("DISCORD_TOKEN", discord_api.token)
        monkeypatch.setenv("DISCORD_API_URL", discord_api.api_url)
        monkeypatch.setenv("DISCORD_GATEWAY_URL", discord_api.gateway_url)
        assert cli("ingest", str(cli.sample_feed))[0] == 0
        sub_id = cli.subscribe(f"discord:{DISCORD_CHANNEL}")

        code, out, err = cli("post", sub_id)
        assert code == 0, err
        posted = list(discord_api.channel_messages[DISCORD_CHANNEL])
        assert posted and f"posted {len(posted)} message(s)" in out
        assert all(m["allowed_mentions"] == {"parse": []} for m in posted)
        assert "Kokoro" in json.dumps(posted)

        code, out, err = cli("post", sub_id)
        assert code == 0, err
        assert "nothing posted: this period's digest was already posted" in out
        assert len(discord_api.channel_messages[DISCORD_CHANNEL]) == len(posted)

        code, out, err = cli("post", sub_id, "--force")
        assert code == 0, err
        again = discord_api.channel_messages[DISCORD_CHANNEL][len(posted) :]
        assert f"posted {len(again)} message(s)" in out
        assert [m["embeds"] for m in again] == [m["embeds"] for m in posted]
        assert discord_api.violations == []
        # REST only: no gateway session, no slash-command sync for a one-off post
        assert discord_api.identifies == 0 and discord_api.synced_commands == {}
        assert discord_api.token not in caplog.text + out + err

        monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")
        code, out, err = cli("post", sub_id, "--force")
        assert code == 1 and out == ""
        assert (
            err.strip() == "digestbot: error: Discord rejected the bot token: check DISCORD_TOKEN"
        )
    finally:
        loop.run(discord_api.close())
        loop.close()
    assert Endpoints.current() == before


async def _started(standin: DiscordStandIn) -> DiscordStandIn:
    await standin.start()
    return standin


def test_adapter_packages_load_their_sdk_only_when_called() -> None:
    probe = (
        "import sys, adapters.slack, adapters.discord, app.platforms\n"
        "assert callable(adapters.slack.make_runner) and callable(adapters.discord.make_sink)\n"
        "sdks = ('slack_bolt', 'slack_sdk', 'discord', 'aiohttp')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in sdks))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- digestbot run ----------------------------------------------------------------------


class ShiftedClock:
    """The real clock, moved by ``offset``: the runtime lives a day ahead."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def due_slot() -> tuple[list[str], ShiftedClock]:
    """``subscribe`` options for a weekly slot tomorrow, and a clock 5 minutes past it."""
    slot = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    options = ["--day", DAYS[slot.weekday()], "--time", f"{slot:%H:%M}", "--tz", "UTC"]
    return options, ShiftedClock(slot + timedelta(minutes=5) - datetime.now(UTC))


def run_env(
    monkeypatch: pytest.MonkeyPatch, slack: SlackApiStandin, discord: DiscordStandIn
) -> None:
    """Both platforms' credentials and stand-in URLs, Slack in HTTP mode on a free port."""
    for name, value in {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_PORT": "0",
        "SLACK_HOST": "127.0.0.1",
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }.items():
        monkeypatch.setenv(name, value)


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a fresh loop in this (the main) thread, never for longer than ``timeout``."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(predicate: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """Wait until ``predicate`` (run in a worker thread: it may read the database) holds."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Running:
    """A ``DigestRuntime`` running as a task; ``slack_url`` once Slack listens."""

    def __init__(self, cli: Cli, clock: ShiftedClock) -> None:
        self.runtime = DigestRuntime(
            load_settings(cli.config), db_path=str(cli.db), clock=clock, interactive=False
        )
        self.task: asyncio.Task[None] | None = None
        self.slack_url = ""

    async def start(self, stop: asyncio.Event | None = None) -> None:
        self.task = asyncio.create_task(self.runtime.run(stop))
        ready = asyncio.ensure_future(self.runtime.ready.wait())
        await asyncio.wait(
            {ready, self.task}, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED
        )
        if self.task.done():
            self.task.result()
        assert ready.done(), "the runtime did not get ready"
        assert sorted(r.platform for r in self.runtime.runners) == ["discord", "slack"]
        [slack] = [r for r in self.runtime.runners if r.platform == "slack"]
        assert isinstance(slack, SlackRunner) and slack.port
        self.slack_url = f"http://127.0.0.1:{slack.port}{EVENTS_PATH}"

    async def slash(
        self, http: httpx.AsyncClient, slack: SlackApiStandin, command: str, text: str
    ) -> dict[str, Any]:
        body = SlackSigner.command_body(
            command, text, channel_id=SLACK_CHANNEL, response_url=slack.response_url()
        )
        response = await http.post(
            self.slack_url, content=body, headers=SlackSigner(SIGNING_SECRET).headers(body)
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        assert check_message(answer) == []
        return answer


def test_run_serves_both_platforms_posts_the_due_digest_once_and_stops_on_sigterm(
    cli: Cli,
    slack: SlackApiStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    options, clock = due_slot()
    slack_sub = cli.subscribe(f"slack:{SLACK_CHANNEL}", *options)
    discord_sub = cli.subscribe(f"discord:{CHANNEL_ID}", *options)
    before = Endpoints.current()

    async def scenario() -> DiscordStandIn:
        async with DiscordStandIn() as discord_api, httpx.AsyncClient(timeout=5) as http:
            run_env(monkeypatch, slack, discord_api)
            running = Running(cli, clock)
            await running.start()
            assert running.task is not None

            # the weekly digest that came due goes out once to each platform
            poster = running.runtime.poster
            assert poster is not None
            await until(
                lambda: (
                    poster.ledger.last_posted(slack_sub) and poster.ledger.last_posted(discord_sub)
                ),
                "both digests posted",
            )
            outcomes = await poster.sweep()
            assert {o.subscription_id: o.status for o in outcomes} == {
                slack_sub: "already",
                discord_sub: "already",
            }
            await asyncio.sleep(1.5)  # and a scheduled sweep or two
            posts = slack.calls_to("chat.postMessage")
            first, _ = top_level_and_thread(posts)
            assert len(first) == 1 and first[0].data["channel"] == SLACK_CHANNEL
            assert slack.violations == [] and slack.pings == []
            messages = discord_api.channel_messages[CHANNEL_ID]
            assert all(m["allowed_mentions"] == {"parse": []} for m in messages)
            assert "Kokoro" in json.dumps(messages) and "Kokoro" in json.dumps(first[0].data)

            # a signed /release over HTTP is answered in the acknowledgement
            answer = await running.slash(http, slack, "/release", "kokoro")
            assert answer["response_type"] == "ephemeral"
            assert "kokoro" in answer["blocks"][0]["text"]["text"].lower()
            # an unsigned one is refused
            unsigned = await http.post(running.slack_url, content="command=%2Frelease&text=x")
            assert unsigned.status_code == 401

            # Discord: the interaction is answered at its callback route
            callback = await discord_api.interact(
                discord_api.command("release", {"name": "kokoro"})
            )
            assert callback.type == 4 and callback.data is not None
            assert callback.data["embeds"][0]["title"].startswith("Kokoro")
            assert callback.data["allowed_mentions"] == {"parse": []}
            assert discord_api.violations == []

            # SIGTERM: the runtime's own handler stops it cleanly
            handler = signal.getsignal(signal.SIGTERM)
            assert handler not in (signal.SIG_DFL, signal.SIG_IGN, None)
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(running.task, 15)
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
            with pytest.raises(httpx.ConnectError):
                await http.post(running.slack_url, content="")
            assert len(slack.calls_to("chat.postMessage")) == len(posts)
            assert len(discord_api.channel_messages[CHANNEL_ID]) == len(messages)
            return discord_api

    discord_api = run(scenario())
    assert Endpoints.current() == before
    subs = cli.subscriptions()
    assert subs[slack_sub]["active"] and subs[discord_sub]["active"]
    assert SLACK_TOKEN not in caplog.text and discord_api.token not in caplog.text
    assert SIGNING_SECRET not in caplog.text
    assert "shutting down" in caplog.text


def test_a_channel_that_is_gone_disables_its_subscription_and_the_bot_runs_on(
    cli: Cli,
    slack: SlackApiStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    options, clock = due_slot()
    slack_sub = cli.subscribe(f"slack:{SLACK_CHANNEL}", *options)
    discord_sub = cli.subscribe(f"discord:{CHANNEL_ID}", *options)
    slack.fail("chat.postMessage", "channel_not_found")
    slack.add_user("U0USER", admin=True)

    async def scenario() -> None:
        async with DiscordStandIn() as discord_api, httpx.AsyncClient(timeout=5) as http:
            discord_api.fail(
                "POST",
                f"/channels/{CHANNEL_ID}/messages",
                Failure(404, 10003, "Unknown Channel"),
            )
            run_env(monkeypatch, slack, discord_api)
            stop = asyncio.Event()
            running = Running(cli, clock)
            await running.start(stop)
            assert running.task is not None

            def disabled() -> bool:
                subs = cli.subscriptions()
                return not subs[slack_sub]["active"] and not subs[discord_sub]["active"]

            await until(disabled, "both subscriptions disabled")
            subs = await asyncio.to_thread(cli.subscriptions)
            slack_reason = subs[slack_sub]["disabled_reason"]
            discord_reason = subs[discord_sub]["disabled_reason"]
            assert "channel_not_found" in slack_reason and SLACK_CHANNEL in slack_reason
            assert "unknown channel" in discord_reason
            assert subs[slack_sub]["next_post"] is None

            # still running: /digest status shows why, on each platform
            assert not running.task.done()
            answer = await running.slash(http, slack, "/digest", "status")
            assert "DISABLED" in json.dumps(answer) and "channel_not_found" in json.dumps(answer)
            callback = await discord_api.interact(
                discord_api.command("digest", sub="status", admin=True)
            )
            assert callback.data is not None
            assert "DISABLED" in callback.data["content"]
            assert "unknown channel" in callback.data["content"]
            lookup = await running.slash(http, slack, "/release", "kokoro")
            assert "kokoro" in json.dumps(lookup).lower()

            # one attempt each, then no more: the sweeps skip disabled subscriptions
            await asyncio.sleep(1.2)
            assert len(slack.calls_to("chat.postMessage")) == 1
            assert discord_api.requests.count(("POST", f"/channels/{CHANNEL_ID}/messages")) == 1
            assert discord_api.channel_messages[CHANNEL_ID] == []

            stop.set()
            await asyncio.wait_for(running.task, 15)

    run(scenario())
    assert "disabled" in caplog.text
    assert SLACK_TOKEN not in caplog.text
