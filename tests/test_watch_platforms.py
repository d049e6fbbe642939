"""Watch alerts through the real Slack and Discord clients, against the loopback stand-ins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.watch import DiscordAlertSender
from adapters.slack.app import make_web_client
from adapters.slack.watch import SlackAlertSender
from bot.commands import CommandContext, Commands
from bot.config import Settings, SlackSettings
from bot.engine import Engine, make_engine
from bot.models import TextReply
from bot.watch.delivery import AlertSender, deliver_pending
from bot.watch.matching import record_new_alerts
from bot.watch.watches import Watches, build
from tests.standins.discord_api import DiscordStandIn, Failure, connected
from tests.standins.slack_api import SlackApiStandin
from tests.watchfeeds import write_feed

NOW = datetime(2026, 1, 10, tzinfo=UTC)
EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])
EP2 = (
    2,
    "Thu, 08 Jan",
    [
        "Qwen3-VL - vision model <!channel> @everyone @here <https://evil.example|click>",
        "Gemma 4 - open model",
    ],
)
DISCORD_USER = "123456789012345678"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(Settings(), db_path=str(tmp_path / "db.sqlite"))
    yield engine
    engine.close()


def _prepare(engine: Engine, tmp_path: Path, target: str) -> str:
    feed = tmp_path / "feed.rss"
    engine.ingest(str(write_feed(feed, [EP1])))
    watch = Watches(engine.store).add(build(engine.store, target, "qwen", created_at=NOW))
    engine.ingest(str(write_feed(feed, [EP1, EP2])))
    record_new_alerts(engine.store, now=NOW)
    return watch.id


def _deliver(engine: Engine, kind: str, sender: AlertSender) -> dict[str, int]:
    return asyncio.run(deliver_pending(engine.store, {kind: sender}, now=NOW))


def test_slack_dm_alert_once_and_safe(engine: Engine, tmp_path: Path) -> None:
    _prepare(engine, tmp_path, "slack-user:U0123ABCD")
    with SlackApiStandin() as slack:
        settings = SlackSettings(bot_token=SecretStr("xoxb-watch"), api_url=slack.api_url)
        sender = SlackAlertSender(make_web_client(settings))
        assert _deliver(engine, "slack-user", sender)["sent"] == 1
        assert _deliver(engine, "slack-user", sender)["sent"] == 0
        posted = slack.messages()
        assert len(posted) == 1 and posted[0].data["channel"] == "D0123ABCD"
        text = str(posted[0].data["blocks"])
        assert "Qwen3-VL" in text and "huggingface.co" in text and "episode 2" in text
        assert slack.pings == [] and slack.violations == []
        assert "<https://evil.example" not in text


def test_slack_user_who_cannot_get_dms_disables_the_watch(engine: Engine, tmp_path: Path) -> None:
    wid = _prepare(engine, tmp_path, "slack-user:U0123ABCD")
    with SlackApiStandin() as slack:
        slack.fail("conversations.open", "messages_tab_disabled")
        settings = SlackSettings(bot_token=SecretStr("xoxb-watch"), api_url=slack.api_url)
        counts = _deliver(engine, "slack-user", SlackAlertSender(make_web_client(settings)))
        assert counts["disabled"] == 1 and slack.messages() == []
    watch = Watches(engine.store).get(wid)
    assert watch.disabled_reason and "blocked" in watch.disabled_reason


class NoCore:
    """The sender never touches the core."""


async def _discord(engine: Engine, fail: Failure | None) -> tuple[dict[str, int], DiscordStandIn]:
    async with DiscordStandIn() as standin:
        client = DigestClient(
            Commands(NoCore()),  # type: ignore[arg-type]
            endpoints=Endpoints(standin.api_url, standin.gateway_url),
            guild_ready_timeout=0,
        )
        async with connected(client, standin):
            dm = str(int(DISCORD_USER) + 1)
            if fail is not None:
                standin.fail("POST", f"/channels/{dm}/messages", fail)
            sender = DiscordAlertSender(client)
            counts = await deliver_pending(engine.store, {"discord-user": sender}, now=NOW)
            again = await deliver_pending(engine.store, {"discord-user": sender}, now=NOW)
            assert again["sent"] == 0
        assert standin.violations == []
        return counts, standin


def test_discord_dm_alert_once_and_safe(engine: Engine, tmp_path: Path) -> None:
    _prepare(engine, tmp_path, f"discord-user:{DISCORD_USER}")
    counts, standin = asyncio.run(asyncio.wait_for(_discord(engine, None), 20))
    assert counts["sent"] == 1
    (message,) = standin.channel_messages[str(int(DISCORD_USER) + 1)]
    assert "Qwen3-VL" in message["content"] and "@everyone" not in message["content"]
    assert message["allowed_mentions"]["parse"] == []


def test_discord_blocked_user_disables_the_watch(engine: Engine, tmp_path: Path) -> None:
    wid = _prepare(engine, tmp_path, f"discord-user:{DISCORD_USER}")
    blocked = Failure(403, 50007, "Cannot send messages to this user")
    counts, _ = asyncio.run(asyncio.wait_for(_discord(engine, blocked), 20))
    assert counts["disabled"] == 1
    assert "blocked" in (Watches(engine.store).get(wid).disabled_reason or "")


def test_discord_unknown_user_disables_the_watch_and_watch_list_says_why(
    engine: Engine, tmp_path: Path
) -> None:
    # A user id that names nobody: Discord answers 400 Invalid Recipient(s) to the DM.
    wid = _prepare(engine, tmp_path, f"discord-user:{DISCORD_USER}")

    async def go() -> dict[str, int]:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(NoCore()),  # type: ignore[arg-type]
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                nobody = Failure(400, 50033, "Invalid Recipient(s)")
                standin.fail("POST", "/users/@me/channels", nobody)
                sender = DiscordAlertSender(client)
                return await deliver_pending(engine.store, {"discord-user": sender}, now=NOW)

    counts = asyncio.run(asyncio.wait_for(go(), 20))
    assert counts["disabled"] == 1 and counts["failed"] == 0
    ctx = CommandContext(platform="discord", channel_id="1", user_id=DISCORD_USER)
    listed = Commands(engine).handle("watch", "list", ctx)
    assert isinstance(listed, TextReply)
    assert wid in listed.text and "DISABLED" in listed.text and "not found" in listed.text


def test_slack_dm_refusal_is_shown_by_watch_list(engine: Engine, tmp_path: Path) -> None:
    wid = _prepare(engine, tmp_path, "slack-user:U0123ABCD")
    with SlackApiStandin() as slack:
        slack.fail("conversations.open", "user_not_found")
        settings = SlackSettings(bot_token=SecretStr("xoxb-watch"), api_url=slack.api_url)
        counts = _deliver(engine, "slack-user", SlackAlertSender(make_web_client(settings)))
    assert counts["disabled"] == 1
    ctx = CommandContext(platform="slack", channel_id="C0123ABCD", user_id="U0123ABCD")
    listed = Commands(engine).handle("watch", "list", ctx)
    assert isinstance(listed, TextReply)
    assert wid in listed.text and "DISABLED" in listed.text and "user_not_found" in listed.text


def test_slack_channel_watch_to_an_unknown_channel_is_disabled_saying_why(
    engine: Engine, tmp_path: Path
) -> None:
    from adapters.slack.sink import make_slack_sink
    from bot.watch.delivery import SinkAlertSender

    wid = _prepare(engine, tmp_path, "slack:C0NOPE123")
    with SlackApiStandin() as slack:
        slack.fail("chat.postMessage", "channel_not_found")
        settings = SlackSettings(bot_token=SecretStr("xoxb-watch"), api_url=slack.api_url)
        sender = SinkAlertSender(make_slack_sink(settings))
        counts = _deliver(engine, "slack", sender)
        assert counts["disabled"] == 1 and slack.messages() == []
        assert _deliver(engine, "slack", sender)["sent"] == 0  # disabled: nothing more
    watch = Watches(engine.store).get(wid)
    assert not watch.active and "C0NOPE123 was not found" in (watch.disabled_reason or "")
