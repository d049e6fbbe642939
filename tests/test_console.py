"""The console adapter renders the platform-neutral replies for a terminal."""

from __future__ import annotations

import asyncio
import io

from adapters.console.adapter import ConsoleAdapter
from adapters.console.render import render, safe
from bot.commands import CommandContext, Commands
from bot.engine import Engine
from bot.models import TextReply


def test_commands_print_their_replies(sample_engine: Engine) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(Commands(sample_engine), out=out)
    reply = console.run_line("/release kokorro")
    assert reply.kind == "release"
    text = out.getvalue()
    assert "> /release kokorro" in text
    assert "Kokoro - Voice & Audio" in text
    assert "HF: https://huggingface.co/example/kokoro-82m" in text
    assert "chapter 21:30 Kokoro TTS" in text
    assert "Also came up:" in text and "Kokoro v1.0" in text


def test_unknown_command_and_missing_argument_are_polite(sample_engine: Engine) -> None:
    commands = Commands(sample_engine)
    ctx = CommandContext(platform="console")
    unknown = commands.handle_line("/frobnicate now", ctx)
    assert isinstance(unknown, TextReply) and unknown.error
    assert "Unknown command /frobnicate" in unknown.text
    empty = commands.handle("release", "   ", ctx)
    assert isinstance(empty, TextReply) and "Usage: /release" in empty.text
    missing = commands.handle("release", "zzqxv", ctx)
    assert isinstance(missing, TextReply) and missing.error and missing.suggestions
    assert "Did you mean" in render(missing)


def test_digest_is_refused_without_subscriptions_or_admin(sample_engine: Engine) -> None:
    no_admin = Commands(sample_engine, admin=lambda text, ctx: TextReply(text="ok"))
    reply = no_admin.handle("digest", "status", CommandContext(platform="slack", is_admin=False))
    assert isinstance(reply, TextReply) and reply.error and "admins" in reply.text
    allowed = no_admin.handle("digest", "status", CommandContext(platform="slack", is_admin=True))
    assert isinstance(allowed, TextReply) and allowed.text == "ok"


def test_post_digest_prints_the_tldr(sample_engine: Engine) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(Commands(sample_engine), out=out)
    ids = asyncio.run(console.post_digest("console", sample_engine.tldr()))
    assert ids == ["console-console"]
    assert "## Open Source LLMs" in out.getvalue()


def test_terminal_escapes_never_reach_the_screen() -> None:
    assert safe("ok\x1b[2J\x07\x9b31m done") == "ok[2J31m done"
