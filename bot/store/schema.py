"""The database schema and its migrations.

The schema version lives in SQLite's ``user_version``.  Each migration takes
the database from version N-1 to N inside one transaction; opening a store
runs the missing ones in order, so an older database is upgraded in place.
Never edit a released migration: add a new one.
"""

from __future__ import annotations

import sqlite3

_V1 = """
        CREATE TABLE sources (
            source TEXT PRIMARY KEY,
            content_hash TEXT,
            etag TEXT,
            last_modified TEXT,
            title TEXT,
            checked_at TEXT
        );
        CREATE TABLE episodes (
            id TEXT PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            feed TEXT NOT NULL,
            title TEXT NOT NULL,
            published TEXT,
            url TEXT,
            duration_seconds INTEGER,
            audio_url TEXT,
            chapters TEXT NOT NULL DEFAULT '[]',
            body TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX episodes_published ON episodes(published);
        CREATE TABLE items (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            episode_id TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            org TEXT,
            section TEXT NOT NULL,
            section_original TEXT NOT NULL,
            headline TEXT NOT NULL,
            summary TEXT NOT NULL,
            facts TEXT NOT NULL DEFAULT '{}',
            links TEXT NOT NULL DEFAULT '[]',
            chapter TEXT,
            published TEXT
        );
        CREATE INDEX items_name_key ON items(name_key, published);
        CREATE INDEX items_episode ON items(episode_id, position);
        CREATE VIRTUAL TABLE items_fts USING fts5(
            name, org, headline, summary, section,
            content='items', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, name, org, headline, summary, section)
            VALUES (new.rowid, new.name, new.org, new.headline, new.summary, new.section);
        END;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, name, org, headline, summary, section)
            VALUES ('delete', old.rowid, old.name, old.org, old.headline, old.summary, old.section);
        END;
        CREATE TRIGGER items_au AFTER UPDATE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, name, org, headline, summary, section)
            VALUES ('delete', old.rowid, old.name, old.org, old.headline, old.summary, old.section);
            INSERT INTO items_fts(rowid, name, org, headline, summary, section)
            VALUES (new.rowid, new.name, new.org, new.headline, new.summary, new.section);
        END;
"""

#: Migrations in order, as SQL scripts; index i takes the database to version i + 1.
MIGRATIONS: list[str] = [_V1]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection) -> int:
    """Bring ``db`` to ``SCHEMA_VERSION``; return the version it started at.

    Raises ``sqlite3.DatabaseError`` for a database newer than this code.
    """
    (start,) = db.execute("PRAGMA user_version").fetchone()
    if start > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"database schema version {start} is newer than this digestbot ({SCHEMA_VERSION})"
        )
    for version in range(start, SCHEMA_VERSION):
        # One transaction per step, version bump included: a crash leaves the last good version.
        db.executescript(
            f"BEGIN; {MIGRATIONS[version]}; PRAGMA user_version = {version + 1}; COMMIT;"
        )
    return int(start)
