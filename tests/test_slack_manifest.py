"""The Slack app manifest declares exactly what the code uses: commands, scopes, settings."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from pydantic import SecretStr

from adapters.slack.app import SLASH_COMMANDS, SlackBot
from adapters.slack.render import SHARE_ACTION_ID
from adapters.slack.run import EVENTS_PATH
from bot.commands import CommandContext
from bot.config import SlackSettings
from bot.models import Reply, TextReply
from tests.standins.slack_api import SlackApiStandin, SlackSigner

MANIFEST = (Path(__file__).resolve().parents[1] / "adapters" / "slack" / "manifest.yml").read_text()


def _values(key: str) -> list[str]:
    """Values of ``key:`` lines (comments stripped, quotes removed)."""
    pattern = re.compile(rf"^\s*-?\s*{re.escape(key)}:\s*(.+?)\s*(?:#.*)?$", re.M)
    return [v.strip("\"'") for v in pattern.findall(MANIFEST)]


def _bot_scopes() -> set[str]:
    block = MANIFEST.split("    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\s*-\s*([\w:.]+)", block, re.M)}


def test_manifest_declares_exactly_the_commands_the_app_answers() -> None:
    declared = [c.lstrip("/") for c in _values("command")]
    assert sorted(declared) == sorted(SLASH_COMMANDS)
    seen: list[str] = []

    class Recorder:
        def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
            seen.append(command)
            return TextReply(text="ok")

    secret = "manifest-secret"
    with SlackApiStandin() as standin:
        settings = SlackSettings(
            bot_token=SecretStr("xoxb-m"), signing_secret=SecretStr(secret), api_url=standin.api_url
        )
        bot = SlackBot(Recorder(), settings)

        async def send_all() -> list[int]:
            statuses = []
            for name in [*declared, "unknown"]:
                body = SlackSigner.command_body(name, "", user_id="U0LISTED")
                request = SlackSigner(secret).request(body)
                statuses.append((await bot.app.async_dispatch(request)).status)
            return statuses

        statuses = asyncio.run(asyncio.wait_for(send_all(), 10))
    assert statuses == [200] * len(declared) + [404]
    assert seen == declared


def test_manifest_asks_for_only_the_scopes_the_code_uses() -> None:
    # commands: the slash commands; chat:write: the sink; users:read: the /digest admin check;
    # im:write: conversations.open, for /watch alerts as direct messages;
    # files:write: /timeline's picture.
    assert _bot_scopes() == {"commands", "chat:write", "users:read", "im:write", "files:write"}
    assert not re.search(r"^\s+user:", MANIFEST, re.M)  # no user-token scopes


def test_manifest_settings_match_the_code() -> None:
    assert _values("socket_mode_enabled") == ["true"]
    assert _values("is_enabled") == ["true"]  # interactivity, for SHARE_ACTION_ID
    assert SHARE_ACTION_ID
    assert "event_subscriptions" not in MANIFEST  # the app listens to no events
    urls = _values("url") + _values("request_url")
    assert urls and all(u.endswith(EVENTS_PATH) for u in urls)
