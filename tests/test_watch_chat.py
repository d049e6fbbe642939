"""``/watch`` from chat: the core's answers, and the Discord command through the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from bot.commands import CommandContext, Commands
from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.models import TextReply
from bot.watch.watches import Watches
from tests.standins.discord_api import GUILD_ID, USER_ID, DiscordStandIn, connected
from tests.watchfeeds import write_feed

EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])
ME = CommandContext(platform="slack", channel_id="C0123ABCD", user_id="U0123ABCD")
ADMIN = CommandContext(platform="slack", channel_id="C0123ABCD", user_id="U0999ZZZZ", is_admin=True)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(Settings(), db_path=str(tmp_path / "db.sqlite"))
    engine.ingest(str(write_feed(tmp_path / "feed.rss", [EP1])))
    yield engine
    engine.close()


def ask(engine: Engine, text: str, ctx: CommandContext = ME) -> TextReply:
    reply = Commands(engine).handle("watch", text, ctx)
    assert isinstance(reply, TextReply)
    return reply


def test_watch_list_remove_from_chat(engine: Engine) -> None:
    reply = ask(engine, "qwen --license apache-2.0")
    assert not reply.error and "Qwen family" in reply.text and "license: apache-2" in reply.text
    (watch,) = Watches(engine.store).all()
    assert watch.target == "slack-user:U0123ABCD" and watch.origin == "chat"
    assert watch.id in ask(engine, "list").text
    again = ask(engine, "qwen --license apache-2.0")  # the same watch: not a second one
    assert not again.error and "Already watching" in again.text and watch.id in again.text
    assert len(Watches(engine.store).all()) == 1
    assert "of yours" in ask(engine, f"remove {watch.id}", ADMIN).text  # not the admin's DM
    assert "Removed" in ask(engine, f"remove {watch.id}").text
    assert "No watches" in ask(engine, "list").text


def test_nothing_to_watch_offers_the_confirmation(engine: Engine) -> None:
    reply = ask(engine, "zzqx")
    assert reply.error and "/watch zzqx --anyway" in reply.text
    assert Watches(engine.store).all() == []
    assert not ask(engine, "zzqx --anyway").error
    reply = ask(engine, "lama 4")  # a typo: the release it most likely meant
    assert reply.error and "Did you mean /watch Llama 4?" in reply.text


def test_channel_watch_is_for_admins(engine: Engine) -> None:
    reply = ask(engine, "qwen <#C0777AAAA|models>")
    assert reply.error and "admins" in reply.text
    assert "channel link" in ask(engine, "qwen #models", ADMIN).text
    reply = ask(engine, "qwen <#C0777AAAA|models>", ADMIN)
    assert not reply.error and "the channel you picked" in reply.text
    here = ask(engine, "llama <#C0123ABCD|general>", ADMIN)  # the channel typed in
    assert not here.error and "this channel" in here.text
    assert {w.target for w in Watches(engine.store).all()} == {"slack:C0777AAAA", "slack:C0123ABCD"}


def test_bad_input_is_one_polite_line(engine: Engine) -> None:
    for text in ("--license", "qwen --bogus", 'qwen "open', "remove w-none", "!!"):
        reply = ask(engine, text)
        assert reply.error and "\n" not in reply.text and "Traceback" not in reply.text, text


def test_discord_watch_command_creates_a_dm_watch(engine: Engine) -> None:
    async def go() -> None:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                callback = await standin.interact(
                    standin.command("watch", {"what": "qwen", "license": "mit"})
                )
                assert callback.type == 4 and callback.ephemeral
                assert callback.data is not None and "Watching" in callback.data["content"]
            assert standin.violations == []

    asyncio.run(asyncio.wait_for(go(), 20))
    (watch,) = Watches(engine.store).all()
    assert watch.target == f"discord-user:{USER_ID}" and watch.licenses == ("mit",)


def test_discord_channel_watch_by_an_admin(engine: Engine) -> None:
    """``channel:`` is read from the interaction itself: no guild cache needed."""
    picked = "1300000000000000999"

    async def go() -> list[str]:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            answers = []
            async with connected(client, standin):
                for admin in (False, True):
                    payload = standin.command("watch", {"what": "qwen"}, admin=admin)
                    payload["data"]["options"].append(
                        {"type": 7, "name": "channel", "value": picked}
                    )
                    payload["data"]["resolved"] = {
                        "channels": {
                            picked: {
                                "id": picked,
                                "type": 0,
                                "name": "models",
                                "permissions": "0",
                                "guild_id": GUILD_ID,
                            }
                        }
                    }
                    callback = await standin.interact(payload)
                    assert callback.ephemeral and callback.data is not None
                    answers.append(callback.data["content"])
            assert standin.violations == []
            return answers

    refused, made = asyncio.run(asyncio.wait_for(go(), 20))
    assert "only admins" in refused
    assert "Watching the Qwen family" in made and "the channel you picked" in made
    (watch,) = Watches(engine.store).all()
    assert watch.target == f"discord:{picked}"
