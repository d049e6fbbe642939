"""Preview on subscribe: when the first post goes out and what it would hold now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from bot.commands import CommandContext, Commands
from bot.config import Settings
from bot.engine import make_engine
from bot.models import TextReply
from bot.schedule.admin import DigestAdmin
from bot.timing import SystemClock


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "p.db")
    assert run(capsys, "--db", path, "ingest", str(sample_feed))[0] == 0
    return path


def test_preview_prints_the_next_posts_payload(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "subscribe", "slack:C0123ABCD")
    sub_id = out.strip()
    code, out, err = run(capsys, "--db", db, "preview", sub_id)
    assert code == 0
    doc = json.loads(out)
    assert doc["id"] == sub_id and doc["next_post"]
    assert doc["messages"] and "blocks" in doc["messages"][0]
    assert "Kokoro" in json.dumps(doc["messages"])
    assert "First post:" in err


def test_preview_with_a_filter_that_leaves_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", db, "subscribe", "console", "--license", "gpl-3.0")
    code, out, err = run(capsys, "--db", db, "preview", out.strip())
    assert code == 0 and json.loads(out)["messages"] == []
    # Not "the next episode will be the first post": the filter keeps out all 4 releases.
    assert "none of the 4 releases waiting passes" in err and "next episode" not in err
    code, out, err = run(capsys, "--db", db, "preview", "s-none")
    assert code == 1 and out == "" and err.count("\n") == 1


def test_chat_subscribe_answers_with_the_preview(db: str) -> None:
    engine = make_engine(Settings(), db_path=db)
    try:
        admin = DigestAdmin(engine, Settings(), clock=SystemClock())
        ctx = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=True)
        reply = Commands(engine, admin=admin).handle("digest", "subscribe --license mit", ctx)
    finally:
        engine.close()
    assert isinstance(reply, TextReply) and not reply.error
    assert "First post:" in reply.text and "If it went out now: 1 release" in reply.text
    assert "• PaperLens" in reply.text and "• Kokoro" not in reply.text  # Kokoro: Apache 2.0


def test_digest_usage_names_the_fact_filters(db: str) -> None:
    engine = make_engine(Settings(), db_path=db)
    try:
        admin = DigestAdmin(engine, Settings(), clock=SystemClock())
        ctx = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=True)
        reply = Commands(engine, admin=admin).handle("digest", "help", ctx)
    finally:
        engine.close()
    assert isinstance(reply, TextReply) and "--org NAME" in reply.text
    assert "--license NAME" in reply.text
