"""``/changes`` in chat: the core reply, its cap, and the real Slack and Discord apps.

Slack: signed slash commands through slack_bolt against the Web API stand-in;
Discord: interactions through discord.py against the REST/gateway stand-in
(which fails any message that could ping).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.render import CONTENT_MAX
from adapters.discord.render import render_text as discord_text
from adapters.slack.app import SlackBot
from adapters.slack.render import render_reply as slack_reply
from bot.changes import Changes, FactChange, FamilyChanges
from bot.changes_chat import CHAT_BUDGET, changes_text
from bot.commands import CommandContext, Commands
from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.models import TextReply
from bot.summarise import make_summariser
from tests.standins.discord_api import DiscordStandIn, connected
from tests.standins.slack_api import SlackApiStandin
from tests.test_slack_app import ack_body, dispatch, make_settings, run, signed_command
from tests.watchfeeds import write_feed

EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])
EP2 = (
    2,
    "Thu, 08 Jan",
    [
        "Qwen3-Coder 480B - now MIT licensed, 32K context",
        "Qwen3-VL - vision model, Apache 2.0",
        "Kimi K2 - 1T params open model",
    ],
)
ME = CommandContext(platform="slack", channel_id="C0123ABCD", user_id="U0123ABCD")
HOSTILE = "<!channel> @everyone *x*"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # The summariser states the facts (licences) a change is made of, as `ingest` does.
    eng = make_engine(Settings(), db_path=str(tmp_path / "c.db"), summariser=make_summariser())
    eng.ingest(str(write_feed(tmp_path / "feed.rss", [EP1, EP2])))
    yield eng
    eng.close()


def ask(engine: Engine, text: str = "") -> TextReply:
    reply = Commands(engine).handle("changes", text, ME)
    assert isinstance(reply, TextReply)
    return reply


def test_changes_since_the_latest_episode_or_a_date(engine: Engine) -> None:
    # No weekly post yet: what the latest episode brought.
    reply = ask(engine)
    assert not reply.error
    lines = reply.text.splitlines()
    assert lines[0] == "What changed since the latest episode (2026-01-08):"
    assert "• Kimi: new family; new: Kimi K2; 1 mention" in lines
    assert "• Qwen: new: Qwen3-VL; Qwen3-Coder license: Apache 2.0 → MIT; 2 mentions" in lines
    assert ask(engine, "2026-01-05").text.splitlines()[0] == "What changed since 2026-01-05:"
    # Before every episode: everything is new, Llama included.
    assert "• Llama: new family" in ask(engine, "2025-12-01").text
    assert ask(engine, "2027-01-01").text.endswith(
        "Nothing new: no new release, family or changed fact."
    )


def test_bad_date_is_one_polite_line(engine: Engine) -> None:
    for text in ("soon", "2026-13-40", HOSTILE, "x" * 5000):
        reply = ask(engine, text)
        assert reply.error and "\n" not in reply.text and "Usage: /changes" in reply.text
        assert len(reply.text) < 200


def many_families(count: int) -> Changes:
    families = tuple(
        FamilyChanges(
            family=f"Family{i} {HOSTILE}",
            first_seen=i % 2 == 0,
            new_releases=tuple(f"Family{i} v{j}" for j in range(i % 5 + 1)),
            fact_changes=(FactChange(f"Family{i} v0", "license", "MIT", "Apache 2.0"),),
            mentions=i + 1,
        )
        for i in range(count)
    )
    return Changes(since=datetime(2026, 1, 1, tzinfo=UTC), basis="last-post", families=families)


def test_a_long_answer_lists_whole_families_and_says_how_many_more() -> None:
    text = changes_text(many_families(80))
    lines = text.splitlines()
    assert len(text) <= CHAT_BUDGET
    shown = sum(1 for line in lines if line.startswith("• "))
    assert 5 < shown < 80 and lines[-1] == f"…and {80 - shown} more families with news"
    # Both platforms keep the whole answer (no cut inside a line), escaped and ping-free.
    (message,) = slack_reply(TextReply(text=text))
    dumped = json.dumps(message, ensure_ascii=False)
    assert "…and" in dumped and "<!channel>" not in dumped
    payload = discord_text(text)
    assert len(payload["content"]) <= CONTENT_MAX and payload["content"].endswith("with news")
    assert payload["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in payload["content"]  # neutralised (a zero-width joiner inside)
    # One family with very many new releases is one clipped line, not the whole answer.
    huge = Changes(
        since=None,
        basis="since",
        families=(
            FamilyChanges("Big", False, tuple(f"Big R{i}" for i in range(500)), (), 500),
            FamilyChanges("Small", True, ("Small 1",), (), 1),
        ),
    )
    lines = changes_text(huge).splitlines()
    assert len(lines) == 3 and len(lines[1]) <= 300 and lines[1].endswith("…")
    assert lines[2].startswith("• Small")


# --- Slack ---------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def test_slack_changes_is_an_ephemeral_escaped_answer(
    slack: SlackApiStandin, engine: Engine
) -> None:
    bot = SlackBot(Commands(engine), make_settings(slack))
    body = ack_body(run(dispatch(bot, signed_command(slack, "/changes", "2026-01-05"))))
    dumped = json.dumps(body, ensure_ascii=False)
    assert body["response_type"] == "ephemeral"
    assert "Qwen3-Coder license: Apache 2.0 → MIT" in dumped and "Kimi K2" in dumped
    assert "Share in channel" in dumped
    refused = ack_body(run(dispatch(bot, signed_command(slack, "/changes", HOSTILE))))
    dumped = json.dumps(refused)
    assert "is not a date" in dumped and "<!channel>" not in dumped and "&lt;!channel&gt;" in dumped
    assert slack.pings == [] and slack.violations == []


# --- Discord -------------------------------------------------------------------------


def test_discord_changes_private_shared_and_hostile(engine: Engine) -> None:
    async def go() -> None:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                private = await standin.interact(
                    standin.command("changes", {"since": "2026-01-05"})
                )
                assert private.type == 4 and private.ephemeral and private.data is not None
                assert "Qwen3-Coder license: Apache 2.0 → MIT" in private.data["content"]
                shared = await standin.interact(standin.command("changes", {"share": True}))
                assert shared.data is not None and not shared.ephemeral
                assert shared.data["content"].startswith("What changed since the latest episode")
                bad = await standin.interact(standin.command("changes", {"since": HOSTILE}))
                assert (
                    bad.ephemeral
                    and bad.data is not None
                    and "is not a date" in bad.data["content"]
                )
            assert standin.violations == []  # nothing could ping, every limit held

    asyncio.run(asyncio.wait_for(go(), 20))
