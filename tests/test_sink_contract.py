"""The sink contract in ``bot``: one send loop, one link rule, one credential rule; pure renders."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.console.adapter import ConsoleAdapter
from adapters.discord import escape as discord_escape
from adapters.slack import render as slack_render
from app.platforms import has_credentials
from bot.commands import Commands
from bot.config import DiscordSettings, Settings, SlackSettings
from bot.engine import Engine
from bot.models import Digest, EpisodeRef
from bot.safetext import linkable
from bot.sinks import PostError, post_in_order

ROOT = Path(__file__).resolve().parents[1]


# --- post_in_order ----------------------------------------------------------------------


def test_post_in_order_skips_what_went_out_and_records_each_new_id() -> None:
    sent: list[tuple[int, str, tuple[str, ...]]] = []
    heard: list[str] = []

    async def send(index: int, message: str, posted: tuple[str, ...]) -> str:
        sent.append((index, message, posted))
        return f"id-{message}"

    ids = asyncio.run(
        post_in_order(["a", "b", "c"], send, already=["old-a"], on_posted=heard.append)
    )
    assert ids == ["old-a", "id-b", "id-c"]
    assert sent == [(1, "b", ("old-a",)), (2, "c", ("old-a", "id-b"))]
    assert heard == ["id-b", "id-c"]


def test_post_in_order_hands_back_what_was_posted_with_the_failure() -> None:
    async def send(index: int, message: str, posted: tuple[str, ...]) -> str:
        if message == "c":
            raise PostError("gone", permanent=True, retry_after=3.0)
        return f"id-{message}"

    with pytest.raises(PostError) as caught:
        asyncio.run(post_in_order(["a", "b", "c", "d"], send))
    assert caught.value.posted == ("id-a", "id-b")
    assert caught.value.permanent and caught.value.retry_after == 3.0
    assert caught.value.message == "gone"


def test_the_console_sink_resumes_through_the_same_loop(engine: Engine) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(Commands(engine), out=out)
    digest = Digest(title="Week one", episodes=(EpisodeRef(id="ep1", title="Show"),), sections=())
    # A console digest is one message: once it went out, a retry prints nothing.
    assert asyncio.run(console.post_digest("c", digest, already=["console-c"])) == ["console-c"]
    assert out.getvalue() == ""
    heard: list[str] = []
    assert asyncio.run(console.post_digest("c", digest, on_posted=heard.append)) == ["console-c"]
    assert "Week one" in out.getvalue() and heard == ["console-c"]


# --- one link rule ----------------------------------------------------------------------

PHISH = "https://trusted.example@evil.example/path"


@pytest.mark.parametrize(
    "url",
    [PHISH, "https://user:pw@example.org/", "javascript:alert(1)", "ftp://example.org/", "/x", ""],
)
def test_no_renderer_links_to_a_url_the_rule_refuses(url: str) -> None:
    assert linkable(url) is None
    assert slack_render.safe_url(url) is None  # Slack linked user:pass@ URLs before
    assert discord_escape.safe_url(url) is None


def test_slack_shows_a_credentialed_url_as_its_label_only() -> None:
    assert slack_render.link(PHISH, "Site") == "Site"
    assert slack_render.link("https://example.org/a?b=1&c=2", "Site") == (
        "<https://example.org/a?b=1&amp;c=2|Site>"
    )


def test_a_plain_https_url_passes_the_rule() -> None:
    assert linkable("  https://example.org/a b ") == "https://example.org/a b"


# --- one credential rule ----------------------------------------------------------------


def test_a_blank_token_is_no_credential_anywhere() -> None:
    blank = Settings(
        slack=SlackSettings(SLACK_BOT_TOKEN=SecretStr("  ")),
        discord=DiscordSettings(DISCORD_TOKEN=SecretStr(" \t")),
    )
    assert not blank.slack.can_post and not blank.discord.can_post
    assert not has_credentials("slack", blank) and not has_credentials("discord", blank)
    real = Settings(
        slack=SlackSettings(SLACK_BOT_TOKEN=SecretStr("xoxb-1")),
        discord=DiscordSettings(DISCORD_TOKEN=SecretStr("t")),
    )
    assert has_credentials("slack", real) and has_credentials("discord", real)


# --- pure renderers ---------------------------------------------------------------------


def test_tldr_format_discord_runs_without_discord_py(tmp_path: Path, sample_feed: Path) -> None:
    """``adapters.discord.render`` imports no SDK: with discord.py unavailable it still prints."""
    db = tmp_path / "d.db"
    probe = (
        "import sys, json, io, contextlib\n"
        "sys.modules['discord'] = None  # as without digestbot[discord]\n"
        "from app.cli import main\n"
        f"assert main(['--db', {str(db)!r}, 'ingest', {str(sample_feed)!r}]) == 0\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main(['--db', {str(db)!r}, 'tldr', '--format', 'discord'])\n"
        "assert code == 0, code\n"
        "payloads = json.loads(out.getvalue())\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'aiohttp')"
        " and sys.modules[m] is not None)\n"
        "print(json.dumps({'messages': len(payloads), 'loaded': loaded}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["messages"] >= 1 and result["loaded"] == []
