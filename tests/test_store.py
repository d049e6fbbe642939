"""The SQLite store: idempotent ingest, in-place edits with stable ids, migrations."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine import make_engine
from bot.errors import StorageError
from bot.store.schema import SCHEMA_VERSION, migrate
from bot.store.sqlite import Store


def _ids(store: Store) -> dict[str, str]:
    return {name: item_id for item_id, name in store.query("SELECT id, name FROM items")}


def test_reingest_adds_nothing(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "db.sqlite")
    first = engine.ingest(str(sample_feed))
    assert (first.added, first.items) == (3, 11)
    counts = engine.store.query("SELECT count(*) FROM items")[0][0]
    again = engine.ingest(str(sample_feed))
    assert again.skipped
    forced = engine.ingest(str(sample_feed), force=True)
    assert (forced.added, forced.updated, forced.unchanged) == (0, 0, 3)
    assert engine.store.query("SELECT count(*) FROM items")[0][0] == counts
    assert engine.store.query("SELECT count(*) FROM items_fts")[0][0] == counts
    engine.close()


def test_edited_episode_updates_in_place(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "db.sqlite")
    engine.ingest(str(sample_feed))
    before = _ids(engine.store)
    edited = sample_feed.read_text(encoding="utf-8")
    edited = edited.replace(
        "PaperLens - 0.9B OCR model", "PaperLens - 0.9B OCR model, now on Android"
    )
    edited = edited.replace(
        '<p>* Stability - SPAR3D: single image to 3D object (<a href="https://huggingface.co/example/spar3d">HF</a>)</p>',
        "",
    )
    copy = tmp_path / "feed.rss"
    copy.write_text(edited, encoding="utf-8")
    report = engine.ingest(str(copy))
    assert (report.added, report.updated, report.unchanged) == (0, 2, 1)
    after = _ids(engine.store)
    assert "SPAR3D" not in after
    assert {k: v for k, v in before.items() if k != "SPAR3D"} == after  # ids are stable
    (headline,) = engine.store.query("SELECT headline FROM items WHERE name = 'PaperLens'")[0]
    assert "now on Android" in headline
    hits = engine.search("android")
    assert [h.item.name for h in hits] == ["PaperLens"]
    assert engine.search("SPAR3D") == []
    engine.close()


def test_schema_is_versioned_and_migrates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # version 0: an empty database
    store = Store(path)
    assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    store.close()
    Store(path).close()  # opening again is a no-op


class _Overtaken(sqlite3.Connection):
    """A connection that another process overtakes right after its first version read."""

    path = ""
    overtaken = False

    def execute(self, sql: str, *args: Any) -> Any:
        if sql != "PRAGMA user_version" or self.overtaken:
            return super().execute(sql, *args)
        rows = super().execute(sql, *args).fetchall()
        self.overtaken = True
        Store(self.path).close()  # the other process migrates the file meanwhile
        return _Read(rows[0])  # what this one read: version 0, stale by now


class _Read:
    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def fetchone(self) -> tuple[Any, ...]:
        return self.row


def test_migrate_rereads_the_version_under_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path, isolation_level=None, factory=_Overtaken)
    assert isinstance(db, _Overtaken)
    db.path = str(path)
    try:
        assert migrate(db) == SCHEMA_VERSION  # found done once it held the lock: no step re-run
        assert db.overtaken
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        db.close()


def _open_together(path: Path, count: int) -> list[BaseException]:
    """Open ``count`` stores on ``path`` from as many threads at the same moment."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_store() -> None:
        start.wait(5)
        try:
            Store(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


def test_threads_opening_one_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    for attempt in range(5):
        path = tmp_path / f"new{attempt}.db"
        assert _open_together(path, 6) == []
        store = Store(path)
        try:
            assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
            assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        finally:
            store.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StorageError, match="newer than this digestbot"):
        Store(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match=r"junk\.db"):
        Store(path)


def _index_matches_items(store: Store) -> None:
    """FTS5's own check of the index against the items table (raises on any mismatch)."""
    store.connection.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")


def test_full_text_index_follows_adds_edits_and_deletes(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "db.sqlite")
    engine.ingest(str(sample_feed))
    _index_matches_items(engine.store)
    edited = sample_feed.read_text(encoding="utf-8")
    edited = edited.replace(
        "PaperLens - 0.9B OCR model", "PaperLens - 0.9B OCR model, now on Android"
    )
    edited = edited.replace(  # a new release in an existing episode: a new row, a new rowid
        '<p>* Stability - SPAR3D: single image to 3D object (<a href="https://huggingface.co/example/spar3d">HF</a>)</p>',
        '<p>* Quokkalator - a zebrafish-sized tokenizer (<a href="https://example.com/q">Blog</a>)</p>',
    )
    copy = tmp_path / "feed.rss"
    copy.write_text(edited, encoding="utf-8")
    report = engine.ingest(str(copy))
    assert report.updated == 2
    _index_matches_items(engine.store)
    assert [h.item.name for h in engine.search("zebrafish")] == ["Quokkalator"]
    assert [h.item.name for h in engine.search("android")] == ["PaperLens"]
    assert engine.search("SPAR3D") == []
    engine.ingest(str(sample_feed), force=True)  # and back: the new item goes, the old returns
    _index_matches_items(engine.store)
    assert engine.search("zebrafish") == []
    assert [h.item.name for h in engine.search("SPAR3D")] == ["SPAR3D"]
    engine.close()


def test_a_database_indexed_by_the_old_trigger_keeps_a_sound_index(
    tmp_path: Path, sample_feed: Path
) -> None:
    from bot.store.schema import MIGRATIONS

    path = tmp_path / "v4.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:4]):  # before the insert trigger went
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version + 1}; COMMIT;")
    db.execute(
        "INSERT INTO episodes(id, key, feed, title, content_hash, ingested_at)"
        " VALUES ('epold', 'old', 'f', 'An old episode', '', '')"
    )
    db.execute(  # indexed by the v1 trigger, as an older digestbot stored it
        "INSERT INTO items(id, episode_id, position, name, name_key, section, section_original,"
        " headline, summary) VALUES ('itold', 'epold', 0, 'Wombatron', 'wombatron', 'Tools',"
        " 'Tools', 'Wombatron - an old tool', 'Wombatron - an old tool')"
    )
    db.close()
    engine = make_engine(Settings(), db_path=path)
    assert engine.store.query("SELECT name FROM sqlite_master WHERE name = 'items_ai'") == []
    engine.ingest(str(sample_feed))
    _index_matches_items(engine.store)
    assert [h.item.name for h in engine.search("wombatron")] == ["Wombatron"]
    assert [h.item.name for h in engine.search("SPAR3D")] == ["SPAR3D"]
    engine.close()
