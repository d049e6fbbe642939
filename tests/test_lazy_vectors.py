"""Semantic vectors are computed when first needed, not at ingest: by ``digestbot run``
after its poller ingests (in a worker thread), by ``digestbot index``, or by the first
blended search (tests/test_semantic.py)."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.runtime import DigestRuntime
from bot.config import ScheduleSettings, Settings

pytest.importorskip("wordllama", reason="the semantic extra: pip install -e '.[semantic]'")


def _counts(db: Path) -> tuple[int, int]:
    """(items, items with a vector) in the database at ``db``."""
    with sqlite3.connect(db) as conn:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        has = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'item_vectors'")
        if not has.fetchone()[0]:
            return items, 0
        return items, conn.execute("SELECT count(*) FROM item_vectors").fetchone()[0]


def test_the_index_command_embeds_what_the_ingest_left(
    tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "i.db"
    assert main(["--db", str(db), "ingest", str(sample_feed)]) == 0
    items, vectors = _counts(db)
    assert items > 5 and vectors == 0  # the ingest embeds nothing
    capsys.readouterr()
    assert main(["--db", str(db), "index"]) == 0
    assert f"{items} items embedded" in capsys.readouterr().out
    assert _counts(db) == (items, items)
    assert main(["--db", str(db), "index", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["semantic"], doc["embedded"]) == (True, 0)


def test_the_index_command_says_when_semantic_search_is_off(
    tmp_path: Path,
    sample_feed: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "o.db"
    assert main(["--db", str(db), "ingest", str(sample_feed)]) == 0
    monkeypatch.setenv("DIGESTBOT_SEARCH__SEMANTIC", "false")
    capsys.readouterr()
    assert main(["--db", str(db), "index"]) == 0
    assert "semantic search is off" in capsys.readouterr().out
    assert _counts(db)[1] == 0


def test_run_computes_the_vectors_after_its_poller_ingests(
    tmp_path: Path, sample_feed: Path
) -> None:
    db = tmp_path / "rt.db"
    settings = Settings(feeds=[str(sample_feed)], schedule=ScheduleSettings(sweep_seconds=1))

    async def go() -> None:
        runtime = DigestRuntime(
            settings,
            db_path=str(db),
            console_out=io.StringIO(),
            load_platforms=False,
            interactive=False,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 10)
        while True:  # the background round, off the event loop: the loop keeps turning
            items, vectors = await asyncio.to_thread(_counts, db)
            if items and vectors == items:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(go(), 30))
    items, vectors = _counts(db)
    assert items > 5 and vectors == items
