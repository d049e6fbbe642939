"""The release-name index kept in the database: equal to the items at every step, never rebuilt."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.store.schema import _NAMES, MIGRATIONS, migrate
from bot.store.sqlite import Store, index_items_after

_FROM_ITEMS = (
    "SELECT name_key, coalesce(max(published), '') FROM items GROUP BY name_key ORDER BY name_key"
)


def _stored(store: Store) -> list[tuple[Any, ...]]:
    return store.query("SELECT key, newest FROM names ORDER BY key")


def test_index_follows_inserts_edits_and_deletes(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "db.sqlite")
    engine.ingest(str(sample_feed))
    assert _stored(engine.store) == engine.store.query(_FROM_ITEMS)
    assert len(_stored(engine.store)) > 5
    edited = sample_feed.read_text(encoding="utf-8").replace("PaperLens", "PaperLensNext")
    edited = edited.replace("Stability - SPAR3D", "")
    copy = tmp_path / "feed.rss"
    copy.write_text(edited, encoding="utf-8")
    engine.ingest(str(copy))
    keys = [k for k, _ in _stored(engine.store)]
    assert "paperlensnext" in keys and "paperlens" not in keys and "spar3d" not in keys
    assert _stored(engine.store) == engine.store.query(_FROM_ITEMS)
    with engine.store.transaction() as db:
        db.execute("DELETE FROM episodes")
    assert _stored(engine.store) == []
    engine.close()


def test_display_name_is_the_newest_items(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    with store.transaction() as db:
        db.execute(
            "INSERT INTO episodes(id, key, feed, title, content_hash, ingested_at)"
            " VALUES ('e', 'e', 'f', 't', '', '')"
        )
        for i, (name, day) in enumerate(
            [("Phi-4", "2025-01-02"), ("PHI 4", "2025-03-01"), ("phi4", "2024-01-01")]
        ):
            db.execute(
                "INSERT INTO items(id, episode_id, position, name, name_key, section,"
                " section_original, headline, summary, published)"
                " VALUES (?, 'e', ?, ?, 'phi4', 's', 's', ?, '', ?)",
                (f"i{i}", i, name, name, day),
            )
        index_items_after(db)  # as every writer of items does
    assert store.query("SELECT name, newest FROM names") == [("PHI 4", "2025-03-01")]
    with store.transaction() as db:
        db.execute("DELETE FROM items WHERE id = 'i1'")
    assert store.query("SELECT name, newest FROM names") == [("Phi-4", "2025-01-02")]
    store.close()


def test_migration_fills_the_index_from_existing_items(tmp_path: Path, sample_feed: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(Settings(), db_path=path)
    engine.ingest(str(sample_feed))
    expected = engine.store.query(_FROM_ITEMS)
    engine.close()
    db = sqlite3.connect(path, isolation_level=None)
    for trigger in ("names_ad", "names_au"):  # back to the schema before it
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE names")
    before = MIGRATIONS.index(_NAMES)
    for later in MIGRATIONS[before + 1 :]:  # the migrations after it run again too
        for table in re.findall(r"CREATE TABLE (\w+)", later):
            db.execute(f"DROP TABLE {table}")
        for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", later):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute(f"PRAGMA user_version = {before}")
    assert migrate(db) == before
    assert db.execute("SELECT key, newest FROM names ORDER BY key").fetchall() == expected
    db.close()


def _statements_during(engine: Engine, action: Any) -> list[str]:
    seen: list[str] = []
    engine.store.connection.set_trace_callback(seen.append)
    try:
        action()
    finally:
        engine.store.connection.set_trace_callback(None)
    return seen


def test_a_write_does_not_rebuild_the_index(sample_engine: Engine) -> None:
    sample_engine.release("kokorro")  # a typo: resolved through the name index
    with sample_engine.store.transaction() as db:  # any write: a post, a subscription
        db.execute("INSERT INTO sources(source) VALUES ('unrelated')")
    statements = _statements_during(sample_engine, lambda: sample_engine.release("kokorro"))
    assert statements, "the trace callback saw nothing"
    assert not [s for s in statements if "GROUP BY" in s.upper() and "name_key" in s]
    assert sample_engine.release("kokorro").item.name == "Kokoro"


def test_autocomplete_reads_the_stored_index(sample_engine: Engine) -> None:
    completed = sample_engine.release_names("koko")
    assert "Kokoro" in completed
    assert all(name.lower().startswith("kokoro") for name in completed)
    newest = sample_engine.store.query("SELECT name FROM names ORDER BY newest DESC, key LIMIT 3")
    assert sample_engine.release_names("", limit=3) == [n for (n,) in newest]


def test_a_typo_reads_only_the_keys_sharing_its_first_letter(sample_engine: Engine) -> None:
    statements = _statements_during(sample_engine, lambda: sample_engine.release("kokorro"))
    reads = [s for s in statements if "FROM names" in s]
    assert reads, "the typo was not resolved through the name index"
    assert not [s for s in reads if "WHERE" not in s and "LIMIT" not in s]  # every key
