"""Installs into several Slack workspaces: slack-bolt's OAuth flow over digestbot's database.

``digestbot run`` (``DigestRuntime`` in-process, settings from the environment
as in production) with ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` and no bot
token serves the install page and the OAuth redirect next to ``/slack/events``;
codes are exchanged at the loopback Slack stand-in (``SLACK_API_URL``), and
installations land in the same SQLite file as everything else.  Each
workspace is then answered, checked for admins and posted to with its own
bot token; a workspace without an installation is refused politely.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from adapters.slack.app import SlackBot
from adapters.slack.oauth import NOT_INSTALLED, OAuthStates, SlackInstallations
from adapters.slack.run import EVENTS_PATH, run_slack, slack_mode
from adapters.slack.runner import SlackRunner
from adapters.slack.sink import make_slack_sink
from app.cli import main
from app.runtime import DigestRuntime
from bot.commands import CommandContext, Commands
from bot.config import SLACK_BOT_SCOPES, Settings, SlackSettings, load_settings
from bot.engine import Engine
from bot.errors import ConfigError
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, Reply, TextReply
from bot.schedule.admin import DigestAdmin
from bot.schedule.subscriptions import Subscriptions, build
from bot.sinks import PostError
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from bot.store.sqlite import Store
from bot.targets import TargetError, parse_target
from bot.timing import SystemClock
from tests.standins.slack_api import (
    CLIENT_ID,
    CLIENT_SECRET,
    SlackApiStandin,
    SlackSigner,
    check_message,
)

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TEAM_A, TEAM_B, STRANGER = "T0AAAAAAA", "T0BBBBBBB", "T0NOTINST"
CHANNEL_A, CHANNEL_B = "C0AAAAAAA", "C0BBBBBBB"
COOKIE = "slack-app-oauth-state"
DEADLINE = 20.0

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "DIGESTBOT_")):
            monkeypatch.delenv(name)


@pytest.fixture
def slack() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a fresh loop, never for longer than ``timeout``."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def oauth_env(monkeypatch: pytest.MonkeyPatch, slack: SlackApiStandin) -> None:
    """Installs into several workspaces, HTTP mode on a free loopback port, no bot token."""
    for name, value in {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_PORT": "0",
        "SLACK_HOST": "127.0.0.1",
    }.items():
        monkeypatch.setenv(name, value)


class Cli:
    """``digestbot --db DB --config CONFIG ...`` in-process; (exit code, stdout, stderr)."""

    def __init__(self, tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]):
        self.db = tmp_path / "digestbot.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'feeds = ["{sample_feed}"]\n[schedule]\nsweep_seconds = 3600\nshutdown_seconds = 2\n',
            encoding="utf-8",
        )
        self._capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", str(self.db), "--config", str(self.config), *argv])
        out, err = self._capsys.readouterr()
        return code, out, err

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the database file directly, as another process would."""
        db = sqlite3.connect(self.db)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


@pytest.fixture
def cli(tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, sample_feed, capsys)


class Running:
    """``digestbot run`` as a task, with an HTTP client for the Slack port."""

    def __init__(self, cli: Cli) -> None:
        self.runtime = DigestRuntime(
            load_settings(cli.config), db_path=str(cli.db), interactive=False
        )
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.base = ""
        self.http = httpx.AsyncClient(timeout=5)

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.runtime.run(self.stop))
        ready = asyncio.ensure_future(self.runtime.ready.wait())
        await asyncio.wait(
            {ready, self.task}, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED
        )
        if self.task.done():
            self.task.result()
        assert ready.done(), "the runtime did not get ready"
        [slack] = self.runtime.runners
        assert isinstance(slack, SlackRunner) and slack.port
        self.base = f"http://127.0.0.1:{slack.port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 15)

    async def install_page(self) -> tuple[httpx.Response, str]:
        """GET the install page; the response and the state it issued (from its cookie)."""
        page = await self.http.get(self.base + "/slack/install")
        match = re.search(rf"{COOKIE}=([^;]+)", page.headers.get("set-cookie", ""))
        assert match, page.headers
        return page, match.group(1)

    async def redirect(self, code: str, state: str, cookie: str | None = None) -> httpx.Response:
        """Slack sending the browser back to the OAuth redirect."""
        cookie = state if cookie is None else cookie
        return await self.http.get(
            self.base + "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": f"{COOKIE}={cookie}"},
        )

    async def install(self, slack: SlackApiStandin, team: str) -> str:
        """Install into ``team`` the way an admin does; its bot token."""
        _, state = await self.install_page()
        done = await self.redirect(slack.install_code(team), state)
        assert done.status_code == 200 and "Thank you!" in done.text, done.text
        return slack.token_of(team)

    async def slash(
        self,
        slack: SlackApiStandin,
        command: str,
        text: str,
        *,
        team: str,
        channel: str,
        user: str = "U0USER",
    ) -> dict[str, Any]:
        """A signed slash command from ``team``; the acknowledgement's JSON (``{}`` if empty)."""
        body = SlackSigner.command_body(
            command,
            text,
            team_id=team,
            channel_id=channel,
            user_id=user,
            response_url=slack.response_url(team.lower()),
        )
        response = await self.http.post(
            self.base + EVENTS_PATH, content=body, headers=SlackSigner(SIGNING_SECRET).headers(body)
        )
        assert response.status_code == 200, response.text
        if not response.content:
            return {}
        answer: dict[str, Any] = response.json()
        assert check_message(answer) == []
        return answer


async def until(predicate: Any, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


# --- end to end ---------------------------------------------------------------------------


def test_install_page_and_redirect_keep_the_installation_in_our_database(
    cli: Cli,
    slack: SlackApiStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    oauth_env(monkeypatch, slack)

    async def scenario() -> str:
        async with Running(cli) as bot:
            page, state = await bot.install_page()
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            assert f"state={state}" in page.text and f"client_id={CLIENT_ID}" in page.text
            assert "scope=" + ",".join(SLACK_BOT_SCOPES) in page.text
            assert cli.rows("SELECT state FROM slack_oauth_states") == [(state,)]

            # a forged state, and a real one without the browser's cookie, are refused
            code = slack.install_code(TEAM_A, "Alpha")
            forged = await bot.redirect(code, "forged-state")
            assert forged.status_code == 401
            no_cookie = await bot.redirect(code, state, cookie="another-browser")
            assert no_cookie.status_code == 400
            assert slack.calls_to("oauth.v2.access") == []
            assert cli.rows("SELECT count(*) FROM slack_bots") == [(0,)]

            # the real thing: the code is exchanged at Slack and the bot token kept
            done = await bot.redirect(code, state)
            assert done.status_code == 200 and "Thank you!" in done.text
            token = slack.token_of(TEAM_A)
            [exchange] = slack.calls_to("oauth.v2.access")
            assert exchange.headers["authorization"].startswith("Basic ")  # client id + secret
            assert exchange.data["code"] == code
            [(team, bot_json)] = cli.rows("SELECT team_id, bot FROM slack_bots")
            assert team == TEAM_A and json.loads(bot_json)["bot_token"] == token
            [(installed,)] = cli.rows("SELECT installation FROM slack_installations")
            assert json.loads(installed)["team_name"] == "Alpha"
            assert cli.rows("SELECT state FROM slack_oauth_states") == []  # used up

            # the same state again (a replayed redirect) is refused, Slack is not asked
            replay = await bot.redirect(slack.install_code(TEAM_A), state)
            assert replay.status_code == 401
            assert len(slack.calls_to("oauth.v2.access")) == 1
            # a code Slack does not know is refused too
            _, fresh = await bot.install_page()
            assert (await bot.redirect("made-up-code", fresh)).status_code == 401
            return token

    token = run(scenario())
    # one database: ours, in WAL mode and at our schema version, installations included
    assert cli.rows("PRAGMA journal_mode") == [("wal",)]
    assert cli.rows("PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert slack.violations == []
    assert token not in caplog.text and CLIENT_SECRET not in caplog.text
    assert SIGNING_SECRET not in caplog.text


def test_each_workspace_is_answered_and_posted_to_with_its_own_token(
    cli: Cli,
    slack: SlackApiStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    oauth_env(monkeypatch, slack)
    assert cli("ingest", str(ROOT / "bot" / "data" / "sample_feed.rss"))[0] == 0
    slack.add_user("U0ADMINA", admin=True, team_id=TEAM_A)
    slack.add_user("U0ADMINB", owner=True, team_id=TEAM_B)

    async def scenario() -> tuple[str, str, str]:
        async with Running(cli) as bot:
            token_a = await bot.install(slack, TEAM_A)
            token_b = await bot.install(slack, TEAM_B)
            assert token_a != token_b

            # lookups from each workspace, authorised with that workspace's token
            checked = len(slack.calls_to("auth.test"))
            for team, channel in ((TEAM_A, CHANNEL_A), (TEAM_B, CHANNEL_B)):
                answer = await bot.slash(slack, "/release", "kokoro", team=team, channel=channel)
                assert answer["response_type"] == "ephemeral"
                assert "kokoro" in json.dumps(answer).lower()
            seen = [c.headers["authorization"] for c in slack.calls_to("auth.test")[checked:]]
            assert seen == [f"Bearer {token_a}", f"Bearer {token_b}"]

            # admin checks ask the user's own workspace, with its token
            answer = await bot.slash(
                slack, "/digest", "subscribe", team=TEAM_B, channel=CHANNEL_B, user="U0ADMINB"
            )
            assert "Subscribed" in json.dumps(answer), answer
            refused = await bot.slash(
                slack, "/digest", "status", team=TEAM_A, channel=CHANNEL_A, user="U0ADMINB"
            )
            assert "for workspace admins" in json.dumps(refused)
            asked = [
                (c.data["user"], c.headers["authorization"]) for c in slack.calls_to("users.info")
            ]
            assert asked == [("U0ADMINB", f"Bearer {token_b}"), ("U0ADMINB", f"Bearer {token_a}")]

            # the subscription remembers its workspace; a forced post uses that workspace's token
            [(sub_id, target)] = cli.rows("SELECT id, target FROM subscriptions")
            assert target == f"slack:{TEAM_B}/{CHANNEL_B}"
            await bot.slash(
                slack, "/digest", "post --force", team=TEAM_B, channel=CHANNEL_B, user="U0ADMINB"
            )
            await until(lambda: slack.calls_to("chat.postMessage"), "the digest posted")

            # a workspace digestbot is not installed in gets a polite refusal, and no crash
            before = len(slack.calls_to("response_url"))
            stranger = await bot.slash(
                slack, "/release", "kokoro", team=STRANGER, channel=CHANNEL_A
            )
            assert stranger == {}
            await until(lambda: len(slack.calls_to("response_url")) > before, "the refusal")
            refusal = slack.calls_to("response_url")[-1]
            assert refusal.data["text"] == NOT_INSTALLED and refusal.path.endswith("t0notinst")
            again = await bot.slash(slack, "/release", "kokoro", team=TEAM_A, channel=CHANNEL_A)
            assert "kokoro" in json.dumps(again).lower()
            assert bot.task is not None and not bot.task.done()
            return token_a, token_b, sub_id

    token_a, token_b, sub_id = run(scenario())
    posts = slack.calls_to("chat.postMessage")
    assert posts and {c.data["channel"] for c in posts} == {CHANNEL_B}
    assert {c.headers["authorization"] for c in posts} == {f"Bearer {token_b}"}

    # `digestbot post` from the command line finds workspace B's token in the database too
    slack.reset()
    code, out, err = cli("post", sub_id, "--force")
    assert code == 0, err
    posts = slack.calls_to("chat.postMessage")
    assert posts and f"posted {len(posts)} message(s)" in out
    assert {(c.data["channel"], c.headers["authorization"]) for c in posts} == {
        (CHANNEL_B, f"Bearer {token_b}")
    }
    assert slack.violations == [] and slack.pings == []
    for secret in (token_a, token_b, CLIENT_SECRET, SIGNING_SECRET):
        assert secret not in caplog.text + out + err


# --- the parts ------------------------------------------------------------------------------


def _installation(team: str, token: str, *, user: str = "U0INSTALLER", at: float = 0.0) -> Any:
    from slack_sdk.oauth.installation_store import Installation

    return Installation(
        app_id="A0APP",
        enterprise_id=None,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write,users:read",
        user_id=user,
        installed_at=at or time.time(),
    )


def test_installation_store_keeps_the_newest_install_per_workspace_and_app() -> None:
    store = Store(":memory:")
    try:
        ours = SlackInstallations(store, CLIENT_ID)
        other_app = SlackInstallations(store, "other-client-id")
        assert ours.bot_token(TEAM_A) is None
        ours.save(_installation(TEAM_A, "xoxb-a-1", at=100.0))
        ours.save(_installation(TEAM_A, "xoxb-a-2", user="U0SECOND", at=200.0))
        ours.save(_installation(TEAM_B, "xoxb-b-1"))
        assert ours.bot_token(TEAM_A) == "xoxb-a-2" and ours.bot_token(TEAM_B) == "xoxb-b-1"
        assert other_app.bot_token(TEAM_A) is None
        latest = ours.find_installation(enterprise_id=None, team_id=TEAM_A)
        assert latest is not None and latest.user_id == "U0SECOND"
        first = ours.find_installation(enterprise_id=None, team_id=TEAM_A, user_id="U0INSTALLER")
        assert first is not None and first.bot_token == "xoxb-a-2"  # always the current bot token
        bot = ours.find_bot(enterprise_id=None, team_id=TEAM_A)
        assert bot is not None and bot.bot_scopes == ["commands", "chat:write", "users:read"]

        run(ours.async_delete_all(enterprise_id=None, team_id=TEAM_A))
        assert ours.bot_token(TEAM_A) is None
        assert ours.find_installation(enterprise_id=None, team_id=TEAM_A) is None
        assert run(ours.async_bot_token(TEAM_B)) == "xoxb-b-1"
        assert "xoxb" not in repr(ours)
    finally:
        store.close()


def test_oauth_states_are_used_once_and_expire() -> None:
    store = Store(":memory:")
    now = [1000.0]
    try:
        states = OAuthStates(store, expiration_seconds=600, clock=lambda: now[0])
        first, second = states.issue(), states.issue()
        assert first != second and len(first) >= 32
        assert states.consume(first) and not states.consume(first)
        assert not states.consume("never-issued")
        now[0] += 601
        assert not states.consume(second)
        states.issue()  # clears expired states
        assert store.query("SELECT count(*) FROM slack_oauth_states") == [(1,)]
    finally:
        store.close()


def test_the_migration_adds_the_slack_tables_to_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:3]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version + 1}; COMMIT;")
    db.close()
    store = Store(path)
    try:
        assert store.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            assert store.query(f"SELECT count(*) FROM {table}") == [(0,)]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f"slack:{TEAM_A}/{CHANNEL_A}", f"{TEAM_A}/{CHANNEL_A}"),
        (f"slack:{TEAM_A.lower()}/{CHANNEL_A.lower()}", f"{TEAM_A}/{CHANNEL_A}"),
        (f"slack:{CHANNEL_A}", CHANNEL_A),
    ],
)
def test_a_slack_target_may_name_its_workspace(text: str, where: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.where) == ("slack", where)
    assert parse_target(str(target)) == target


def test_a_bad_workspace_id_is_a_clear_error() -> None:
    with pytest.raises(TargetError, match="not a Slack workspace id"):
        parse_target(f"slack:general/{CHANNEL_A}")
    with pytest.raises(TargetError, match="not a Slack channel id"):
        parse_target(f"slack:{TEAM_A}/general")


def test_digest_subscribe_records_the_workspace_and_adopts_older_subscriptions(
    sample_engine: Engine,
) -> None:
    subs = Subscriptions(sample_engine.store)
    older = build(
        f"slack:{CHANNEL_B}",
        created_at=SystemClock().now(),
        defaults=Settings().schedule,
        default_zone="UTC",
        origin="chat",
    )
    subs.add(older)
    admin = DigestAdmin(sample_engine, Settings(), clock=SystemClock())
    commands = Commands(sample_engine, admin=admin)
    ctx = CommandContext(
        platform="slack", channel_id=CHANNEL_B, workspace_id=TEAM_B, user_id="U0", is_admin=True
    )
    status = commands.handle("digest", "status", ctx)
    assert isinstance(status, TextReply) and older.id in status.text  # found without the team
    reply = commands.handle("digest", "subscribe --time 09:00", ctx)
    assert isinstance(reply, TextReply) and "Updated" in reply.text, reply
    [sub] = subs.all()
    assert sub.id == older.id and sub.target == f"slack:{TEAM_B}/{CHANNEL_B}"
    assert sub.time == "09:00"
    # the same channel id in another workspace is another channel
    elsewhere = CommandContext(
        platform="slack", channel_id=CHANNEL_B, workspace_id=TEAM_A, is_admin=True
    )
    other = commands.handle("digest", "status", elsewhere)
    assert isinstance(other, TextReply) and "no subscription" in other.text


def _digest() -> Digest:
    item = DigestItem(name="Kokoro", headline="a small TTS model")
    return Digest(
        title="Weekly TL;DR",
        episodes=(EpisodeRef(id="e1", title="ThursdAI", url="https://sub.thursdai.news/p/e1"),),
        sections=(DigestSection(name="Voice", items=(item,)),),
    )


def _oauth_settings(slack: SlackApiStandin, **kw: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": SecretStr(CLIENT_SECRET),
        "signing_secret": SecretStr(SIGNING_SECRET),
        "api_url": slack.api_url,
    }
    values.update(kw)
    return SlackSettings(**values)


def test_the_sink_posts_with_the_channels_workspace_token(slack: SlackApiStandin) -> None:
    store = Store(":memory:")
    try:
        SlackInstallations(store, CLIENT_ID).save(_installation(TEAM_B, "xoxb-team-b"))
        sink = make_slack_sink(_oauth_settings(slack), store=store)
        ids = run(sink.post_digest(f"{TEAM_B}/{CHANNEL_B}", _digest()))
        [call] = slack.calls_to("chat.postMessage")
        assert ids and call.data["channel"] == CHANNEL_B
        assert call.headers["authorization"] == "Bearer xoxb-team-b"

        # not installed there, or no workspace named: permanent, with what to do
        with pytest.raises(PostError, match="not installed in Slack workspace") as gone:
            run(sink.post_digest(f"{TEAM_A}/{CHANNEL_A}", _digest()))
        assert gone.value.permanent
        with pytest.raises(PostError, match="which workspace") as bare:
            run(sink.post_digest(CHANNEL_A, _digest()))
        assert bare.value.permanent
        slack.fail("chat.postMessage", "token_revoked")
        with pytest.raises(PostError, match=f"workspace {TEAM_B}.*reinstall") as revoked:
            run(sink.post_digest(f"{TEAM_B}/{CHANNEL_B}", _digest()))
        assert revoked.value.permanent

        # with SLACK_BOT_TOKEN as well, a bare channel is that token's workspace
        both = make_slack_sink(
            _oauth_settings(slack, bot_token=SecretStr("xoxb-single")), store=store
        )
        run(both.post_digest(CHANNEL_A, _digest()))
        assert (
            slack.calls_to("chat.postMessage")[-1].headers["authorization"] == "Bearer xoxb-single"
        )
    finally:
        store.close()


def test_single_workspace_sink_ignores_the_workspace_in_the_target(slack: SlackApiStandin) -> None:
    settings = SlackSettings(bot_token=SecretStr("xoxb-one"), api_url=slack.api_url)
    run(make_slack_sink(settings).post_digest(f"{TEAM_A}/{CHANNEL_A}", _digest()))
    [call] = slack.calls_to("chat.postMessage")
    assert call.data["channel"] == CHANNEL_A and call.headers["authorization"] == "Bearer xoxb-one"


class NoCommands:
    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        raise AssertionError("no command should run")


def test_oauth_settings_and_mode(slack: SlackApiStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not SlackSettings().oauth_enabled
    assert not SlackSettings(client_id=CLIENT_ID).oauth_enabled  # the secret too
    settings = _oauth_settings(slack)
    assert settings.oauth_enabled and slack_mode(settings) == "http"
    assert settings.scopes == list(SLACK_BOT_SCOPES)
    assert (settings.install_path, settings.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )
    assert CLIENT_SECRET not in repr(settings)
    no_secret = _oauth_settings(slack, signing_secret=None, app_token=SecretStr("xapp-1"))
    assert slack_mode(no_secret) is None
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        run(run_slack(NoCommands(), no_secret))
    with pytest.raises(ConfigError, match="database"):
        SlackBot(NoCommands(), settings)  # installs live in the database

    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SLACK_INSTALL_PATH", "/install")
    from_env = SlackSettings()
    assert from_env.oauth_enabled and from_env.install_path == "/install"


def test_the_example_config_and_the_manifest_document_installs() -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", *SlackSettings.model_fields):
        if name not in ("bot_token", "app_token", "signing_secret", "client_id", "client_secret"):
            assert name in example, f"config.example.toml does not mention {name}"
    manifest = (ROOT / "adapters" / "slack" / "manifest.yml").read_text(encoding="utf-8")
    assert "/slack/oauth_redirect" in manifest
    for scope in SLACK_BOT_SCOPES:
        assert f"- {scope}" in manifest
