"""The real discord.py client against the loopback Discord stand-in, end to end.

The client logs in over REST at the configured base URL, syncs its command
tree, connects to the stand-in's gateway (HELLO, IDENTIFY, READY), and
answers INTERACTION_CREATE dispatches through the real interaction-callback
route.  The core is the real engine on the sample feed in a SQLite file.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import discord
import pytest

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from bot.commands import CommandContext, Commands
from bot.config import DiscordSettings, Settings
from bot.engine import Engine, make_engine
from bot.errors import ConfigError
from bot.models import Reply, TextReply
from tests.standins.discord_api import (
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    MANAGE_GUILD,
    USER_ID,
    DiscordStandIn,
    connected,
)

T = TypeVar("T")
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "bot" / "data" / "sample_feed.rss"


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run ``coro`` on a fresh loop, never for longer than ``timeout``."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample feed ingested once into a SQLite file."""
    path = tmp_path_factory.mktemp("discord") / "sample.db"
    engine = make_engine(Settings(), db_path=path)
    engine.ingest(str(SAMPLE_FEED))
    engine.close()
    return path


@pytest.fixture
def engine(sample_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a private copy of the sample database."""
    db = tmp_path / "digestbot.db"
    shutil.copy(sample_db, db)
    engine = make_engine(Settings(), db_path=db)
    yield engine
    engine.close()


class Admin:
    """Stands in for the scheduler's ``/digest`` handler: records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, CommandContext]] = []

    def __call__(self, text: str, ctx: CommandContext) -> Reply:
        self.calls.append((text, ctx))
        return TextReply(text=f"ok: {text}")


def make_client(standin: DiscordStandIn, commands: Commands, **options: Any) -> DigestClient:
    return DigestClient(
        commands,
        endpoints=Endpoints(standin.api_url, standin.gateway_url),
        guild_ready_timeout=0,
        **options,
    )


async def scenario(
    commands: Commands,
    body: Callable[[DiscordStandIn, DigestClient], Coroutine[Any, Any, None]],
    **options: Any,
) -> DiscordStandIn:
    async with DiscordStandIn() as standin:
        client = make_client(standin, commands, **options)
        async with connected(client, standin):
            await body(standin, client)
        assert standin.violations == []
        return standin


# --- start-up ----------------------------------------------------------------


def test_start_up_syncs_the_command_tree_globally(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        assert standin.identifies == 1 and standin.heartbeats >= 1
        assert client.application_id == int(standin.synced_commands["global"][0]["application_id"])

    standin = run(scenario(Commands(engine), body))
    commands = {c["name"]: c for c in standin.synced_commands["global"]}
    assert set(commands) == {"tldr", "release", "search", "timeline", "digest", "watch", "changes"}
    name_option = commands["release"]["options"][0]
    assert name_option["name"] == "name" and name_option["autocomplete"] is True
    digest = commands["digest"]
    assert int(digest["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in digest["options"]} == {
        "subscribe",
        "unsubscribe",
        "status",
        "feeds",
        "post",
    }
    assert ("GET", "/users/@me") in standin.requests


def test_settings_from_the_environment_and_dev_guild_sync(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go() -> DiscordStandIn:
        async with DiscordStandIn() as standin:
            monkeypatch.setenv("DISCORD_TOKEN", standin.token)
            monkeypatch.setenv("DISCORD_API_URL", standin.api_url)
            monkeypatch.setenv("DISCORD_GATEWAY_URL", standin.gateway_url)
            settings = DiscordSettings(dev_guild_id=int(GUILD_ID))
            client = DigestClient.from_settings(Commands(engine), settings, guild_ready_timeout=0)
            task = asyncio.create_task(client.serve())
            try:
                await standin.wait_ready()
                callback = await standin.interact(standin.command("release", {"name": "kokoro"}))
                assert callback.type == 4
            finally:
                await client.close()
                await asyncio.wait_for(task, 5)
            return standin

    standin = run(go())
    assert "global" not in standin.synced_commands
    assert {c["name"] for c in standin.synced_commands[GUILD_ID]} >= {"release", "digest"}


def test_serve_without_a_token_is_a_config_error(engine: Engine) -> None:
    client = DigestClient.from_settings(Commands(engine), DiscordSettings(token=None))
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        run(client.serve())


@pytest.mark.parametrize(
    ("api", "gateway"),
    [("ftp://127.0.0.1/api", None), (None, "http://127.0.0.1/gw")],
)
def test_endpoint_urls_are_validated(api: str | None, gateway: str | None) -> None:
    with pytest.raises(ConfigError):
        Endpoints.from_settings(api, gateway)


def test_endpoints_are_restored_after_close(engine: Engine) -> None:
    before = Endpoints.current()

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        assert Endpoints.current() == Endpoints(standin.api_url, standin.gateway_url)

    run(scenario(Commands(engine), body))
    assert Endpoints.current() == before


def test_bad_token_is_a_clean_login_failure(engine: Engine) -> None:
    async def go() -> None:
        async with DiscordStandIn(token="right") as standin:
            client = make_client(standin, Commands(engine))
            with pytest.raises(discord.LoginFailure):
                await client.start("wrong")
            await client.close()

    run(go())


# --- lookups -----------------------------------------------------------------


def test_release_answers_ephemerally_with_an_embed(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.command("release", {"name": "kokoro"}))
        assert callback.type == 4
        assert callback.ephemeral
        assert callback.data is not None
        assert callback.data["allowed_mentions"] == {"parse": []}
        embed = callback.data["embeds"][0]
        assert embed["title"].startswith("Kokoro")
        assert "](https://" in str(embed["fields"])
        assert callback.latency < 3.0

    run(scenario(Commands(engine), body))


def test_share_posts_in_the_channel(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(
            standin.command("search", {"query": "tts", "share": True})
        )
        assert callback.type == 4 and not callback.ephemeral
        assert callback.data is not None and callback.data["embeds"][0]["title"] == "Search: tts"

    run(scenario(Commands(engine), body))


def test_timeline_is_an_attachment_described_by_its_alt_text(engine: Engine) -> None:
    commands = Commands(engine)
    commands.handle("timeline", "kokoro", CommandContext(platform="discord"))  # import matplotlib

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.command("timeline", {"family": "kokoro"}))
        assert callback.type == 4 and callback.ephemeral
        assert callback.data is not None
        assert callback.data["content"] == "Kokoro releases"
        [attachment] = callback.data["attachments"]
        assert attachment["filename"] == "kokoro-releases.png"
        assert attachment["description"].startswith("Timeline of the Kokoro family: ")
        [(filename, data)] = standin.uploads
        assert filename == "kokoro-releases.png" and data.startswith(b"\x89PNG\r\n\x1a\n")

    run(scenario(commands, body))


def test_unknown_timeline_is_a_private_error(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(
            standin.command("timeline", {"family": "zzqxv", "share": True})
        )
        assert callback.type == 4 and callback.ephemeral and standin.uploads == []
        assert callback.data is not None and "No release family" in callback.data["content"]

    run(scenario(Commands(engine), body))


def test_unknown_release_is_a_private_error_with_suggestions(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(
            standin.command("release", {"name": "zzqxv", "share": True})
        )
        assert callback.type == 4 and callback.ephemeral  # errors are private even when shared
        assert callback.data is not None
        assert "Did you mean" in callback.data["content"]

    run(scenario(Commands(engine), body))


def test_tldr_answers_with_every_message_of_the_digest(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        payload = standin.command("tldr")
        callback = await standin.interact(payload)
        assert callback.type == 4 and callback.ephemeral
        assert callback.data is not None
        expected = Commands(engine).handle("tldr", "", CommandContext(platform="discord"))
        from adapters.discord.render import render_reply

        rendered = render_reply(expected)
        sent = [{k: v for k, v in e.items() if k != "flags"} for e in callback.data["embeds"]]
        assert sent == rendered[0]["embeds"]
        if len(rendered) > 1:
            followups = await standin.wait_followups(payload["id"], len(rendered) - 1)
            assert all(f["flags"] & EPHEMERAL for f in followups)

    run(scenario(Commands(engine), body))


def test_autocomplete_offers_best_names_first(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.autocomplete("release", "name", "ko"))
        assert callback.type == 8
        assert callback.data is not None
        names = [c["name"] for c in callback.data["choices"]]
        assert names and names[0].lower().startswith("ko")
        assert names == Commands(engine).complete_release("ko")[:25]
        assert callback.latency < 0.05

        empty = await standin.interact(standin.autocomplete("release", "name", ""))
        assert empty.data is not None and 0 < len(empty.data["choices"]) <= 25

    run(scenario(Commands(engine), body))


# --- admin -------------------------------------------------------------------


def test_digest_subscribe_passes_options_and_context_to_the_core(engine: Engine) -> None:
    admin = Admin()

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        options = {
            "mode": "weekly",
            "day": "friday",
            "tz": "Europe/Berlin",
            "section": "Open Source",
        }
        callback = await standin.interact(
            standin.command("digest", options, sub="subscribe", admin=True)
        )
        assert callback.type == 4 and callback.ephemeral
        assert callback.data is not None and callback.data["content"].startswith("ok: subscribe")

    run(scenario(Commands(engine, admin=admin), body))
    text, ctx = admin.calls[0]
    assert text == "subscribe --mode weekly --day friday --tz Europe/Berlin --section 'Open Source'"
    assert ctx == CommandContext(
        platform="discord",
        channel_id=CHANNEL_ID,
        user_id=USER_ID,
        workspace_id=GUILD_ID,
        is_admin=True,
    )


@pytest.mark.parametrize("sub", ["unsubscribe", "status", "feeds", "post"])
def test_digest_subcommands(engine: Engine, sub: str) -> None:
    admin = Admin()

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.command("digest", sub=sub, admin=True))
        assert callback.data is not None and callback.data["content"] == f"ok: {sub}"

    run(scenario(Commands(engine, admin=admin), body))
    assert [t for t, _ in admin.calls] == [sub]


def test_digest_refuses_members_without_manage_server(engine: Engine) -> None:
    admin = Admin()

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.command("digest", sub="post", admin=False))
        assert callback.ephemeral and callback.data is not None
        assert "admins" in callback.data["content"]

    run(scenario(Commands(engine, admin=admin), body))
    assert admin.calls == []


# --- timing and failures -------------------------------------------------------


class SlowCommands(Commands):
    """The real commands, slowed down past the defer threshold."""

    def __init__(self, engine: Engine, delay: float) -> None:
        super().__init__(engine)
        self.delay = delay

    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        threading.Event().wait(self.delay)
        return super().handle(command, text, ctx)


def test_slow_core_defers_then_follows_up(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        payload = standin.command("release", {"name": "kokoro"})
        callback = await standin.interact(payload)
        assert callback.type == 5 and callback.ephemeral  # "thinking...", privately
        assert callback.latency < 1.0
        followups = await standin.wait_followups(payload["id"], 1)
        assert followups[0]["embeds"][0]["title"].startswith("Kokoro")

    run(scenario(SlowCommands(engine, delay=0.4), body, defer_after=0.1))


class BrokenCommands(Commands):
    """A core with a bug."""

    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        raise RuntimeError("boom")

    def complete_release(self, prefix: str, limit: int = 25) -> list[str]:
        raise RuntimeError("boom")


def test_a_bug_in_the_core_gets_a_polite_private_answer(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        callback = await standin.interact(standin.command("search", {"query": "x"}))
        assert callback.ephemeral and callback.data is not None
        assert "went wrong" in callback.data["content"]
        choices = await standin.interact(standin.autocomplete("release", "name", "ko"))
        assert choices.type == 8 and choices.data == {"choices": []}
        # and the client is still serving
        assert not client.is_closed()

    run(scenario(BrokenCommands(engine), body))


def test_gateway_disconnect_resumes_and_keeps_answering(engine: Engine) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        await standin.interact(standin.command("release", {"name": "kokoro"}))
        await standin.drop_connection(code=4000)
        await standin.wait_resumed(timeout=10)
        assert standin.resumes == 1 and standin.identifies == 1
        callback = await standin.interact(standin.command("release", {"name": "kokoro"}))
        assert callback.type == 4

    run(scenario(Commands(engine), body))


def test_interaction_answered_late_is_logged_not_fatal(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        payload = standin.command("release", {"name": "kokoro"})
        standin.send_interaction(payload)
        standin.fail(
            "POST",
            f"/interactions/{payload['id']}/{payload['token']}/callback",
            _unknown_interaction(),
        )
        await standin.dispatch_interaction(payload)
        for _ in range(200):
            if "expired" in caplog.text:
                break
            await asyncio.sleep(0.01)
        assert "expired" in caplog.text
        ok = await standin.interact(standin.command("release", {"name": "kokoro"}))
        assert ok.type == 4

    run(scenario(Commands(engine), body))


def _unknown_interaction() -> Any:
    from tests.standins.discord_api import Failure

    return Failure(status=404, code=10062, message="Unknown interaction")


def test_tokens_never_reach_the_log(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")

    async def body(standin: DiscordStandIn, client: DigestClient) -> None:
        await standin.interact(standin.command("release", {"name": "kokoro"}))

    standin = run(scenario(Commands(engine), body))
    assert standin.token not in caplog.text


def test_replicas_split_discord_shards_by_settings() -> None:
    from adapters.discord.client import ShardedDigestClient

    engine = make_engine(Settings(), db_path=":memory:")
    commands = Commands(engine)
    one = DigestClient.from_settings(commands, DiscordSettings(shard_ids=(1,), shard_count=2))
    assert (one.shard_id, one.shard_count) == (1, 2)
    several = DigestClient.from_settings(commands, DiscordSettings(shard_ids=(0, 2), shard_count=4))
    assert isinstance(several, ShardedDigestClient)
    assert (several.shard_ids, several.shard_count) == ([0, 2], 4)
    plain = DigestClient.from_settings(commands, DiscordSettings())
    assert plain.shard_count is None
    with pytest.raises(ValueError, match=r"below discord\.shard_count"):
        DiscordSettings(shard_ids=(4,), shard_count=4)
    engine.close()
