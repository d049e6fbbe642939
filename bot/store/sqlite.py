"""The SQLite store: one file holding episodes, items and their full-text index.

Synchronous by design (the async runtime calls it off the event loop); one
connection guarded by a lock, so adapters' worker threads can share it.
SQLite failures become ``StorageError`` at this edge; bugs propagate.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import StorageError
from bot.feeds.clean import name_key
from bot.store.names import StoredNames
from bot.store.reads import ItemReads, MentionOf, item_fields
from bot.store.reads import marks as _marks
from bot.store.schema import migrate

if TYPE_CHECKING:
    from bot.entities import Entity
    from bot.models import (
        Episode,
        EpisodeRef,
        Facts,
        Item,
        ParsedEpisode,
        ParsedItem,
        ReleaseEntity,
    )
    from bot.store.health import HealthTables
    from bot.store.ledger import LedgerTables
    from bot.store.protocol import StoreLike
    from bot.store.replicas import PgLeadership, ReplicaTable, SoleLeadership
    from bot.store.seen import SqliteSeen
    from bot.store.tables import LLMCacheTable, SlackTables, SubscriptionTables
    from bot.store.watches import WatchTables

#: Seconds a connection waits for another one's write lock.
BUSY_TIMEOUT = 10.0

_EPISODE_COLUMNS = """
    e.id, e.feed, e.title, e.published, e.url, e.duration_seconds, e.audio_url, e.chapters,
    (SELECT count(*) FROM items WHERE episode_id = e.id)
"""


@dataclass(frozen=True)
class SourceState:
    """What was last seen of a source, for skipping unchanged input and conditional GET."""

    source: str
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class UpsertResult:
    """What storing one episode changed."""

    episode_id: str
    status: str  # "added", "updated" or "unchanged"
    items: int


def episode_id_for(key: str) -> str:
    """Stable episode id from its identity key."""
    return "ep" + hashlib.sha1(key.encode()).hexdigest()[:10]


def item_id_for(episode_id: str, key: str, occurrence: int) -> str:
    """Stable item id: the same release in the same episode keeps its id across edits."""
    return "it" + hashlib.sha1(f"{episode_id}|{key}|{occurrence}".encode()).hexdigest()[:12]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, retrying while another connection holds the new file.

    SQLite answers "database is locked" at once, without waiting out the busy
    timeout, when several connections switch a new database to WAL together.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _create_private(path: str) -> None:
    """Create the database file 0600 when it does not exist yet.

    It holds Slack workspaces' bot tokens and webhook URLs.  SQLite creates
    the -wal and -shm files with the database file's mode, so they follow.
    An existing file keeps the mode its operator gave it.
    """
    if path.startswith("file:") or not path:
        return  # a URI or a temporary database: SQLite's to create
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except (OSError, ValueError):
        return  # exists already, or cannot be made: sqlite3 says so in its own words
    os.close(fd)


@contextmanager
def wrap_errors(action: str) -> Iterator[None]:
    """Turn sqlite3 failures into ``StorageError`` naming what was being done.

    A corrupted schema page can hold bytes that are not UTF-8: SQLite quotes
    them in its error message, and decoding that message raises
    ``UnicodeDecodeError`` instead of ``sqlite3.Error``.
    """
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(f"database error while {action}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise StorageError(
            f"database error while {action}: the file is corrupt (unreadable bytes in it)"
        ) from exc


class Store:
    """Episodes and items in one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        """Open (creating and migrating) ``path``.

        ``busy_timeout``: seconds a statement waits for another connection's write lock
        before failing with ``StorageError`` ("database is locked").
        """
        self.path = str(path)
        with wrap_errors(f"opening {self.path}"):
            if self.path != ":memory:":
                Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
                _create_private(self.path)
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
            try:
                self._db.execute("PRAGMA foreign_keys = ON")
                if self.path != ":memory:":
                    _use_wal(self._db)
                    self._db.execute("PRAGMA synchronous = NORMAL")
                migrate(self._db)
            except BaseException:
                self._db.close()
                raise
        self._lock = threading.RLock()
        #: Bumped on every write, so callers can cache derived data.
        self.generation = 0

    @cached_property
    def _reads(self) -> ItemReads[Item, ReleaseEntity, EpisodeRef, Facts]:
        """The lookup reads, built as the models: the one SQL ``bot.store.lookup`` builds
        plain rows with (here, not in ``__init__``: ``PgStore`` inherits it)."""
        return ItemReads(self.query, item=_item, entity=_release_entity, ref=_ref, facts=_facts)

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for other parts of the core that add tables."""
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (serialised with every other use of the store)."""
        with self._lock, wrap_errors("writing"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.generation += 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return all rows."""
        with self._lock, wrap_errors("reading"):
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    # --- the tables beside episodes (``bot.store.protocol``) ----------------
    # Their modules are imported when asked for: a lookup process needs none of them.

    def ledger_tables(self) -> LedgerTables:
        """The posting ledger's tables."""
        from bot.store.ledger import LedgerTables

        return LedgerTables(self)

    def subscription_tables(self) -> SubscriptionTables:
        """The subscriptions table."""
        from bot.store.tables import SubscriptionTables

        return SubscriptionTables(self)

    def llm_cache_table(self) -> LLMCacheTable:
        """The LLM answer cache."""
        from bot.store.tables import LLMCacheTable

        return LLMCacheTable(self)

    def slack_tables(self) -> SlackTables:
        """Slack installations, bots and OAuth states."""
        from bot.store.tables import SlackTables

        return SlackTables(self)

    def watch_tables(self) -> WatchTables:
        """Watches, their alert ledger and its cursor (``bot.watch``)."""
        from bot.store.watches import WatchTables

        return WatchTables(self)

    def health_tables(self) -> HealthTables:
        """Feed health and incidents (``bot.alerts``)."""
        from bot.store.health import HealthTables

        return HealthTables(self)

    def replica_table(self) -> ReplicaTable:
        """Heartbeat rows of the ``digestbot run`` processes."""
        from bot.store.replicas import ReplicaTable

        return ReplicaTable(self)

    def leadership(self) -> SoleLeadership | PgLeadership:
        """Who runs the poller and scheduler: on SQLite, the one process."""
        from bot.store.replicas import SoleLeadership

        return SoleLeadership()

    def seen_signatures(self) -> SqliteSeen | None:
        """Slack signatures seen by every process on this file (``None`` in memory)."""
        if self.path == ":memory:" or self.path.startswith("file::memory:"):
            return None
        from bot.store.seen import SqliteSeen

        return SqliteSeen(self.path)

    # --- sources ----------------------------------------------------------

    def sources(self) -> list[tuple[str, str | None, str | None]]:
        """Every source read: (source, its feed's title, when last checked, ISO 8601)."""
        return [
            (str(s), t, c)
            for s, t, c in self.query("SELECT source, title, checked_at FROM sources")
        ]

    def source_state(self, source: str) -> SourceState | None:
        """What was last seen of ``source``, if anything."""
        rows = self.query(
            "SELECT source, content_hash, etag, last_modified FROM sources WHERE source = ?",
            (source,),
        )
        return SourceState(*rows[0]) if rows else None

    def save_source_state(self, state: SourceState, title: str | None = None) -> None:
        """Remember a source's hash and HTTP validators."""
        with self.transaction() as db:
            db.execute(
                """INSERT INTO sources(source, content_hash, etag, last_modified, title, checked_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(source) DO UPDATE SET content_hash = excluded.content_hash,
                     etag = excluded.etag, last_modified = excluded.last_modified,
                     title = coalesce(excluded.title, sources.title),
                     checked_at = excluded.checked_at""",
                (
                    state.source,
                    state.content_hash,
                    state.etag,
                    state.last_modified,
                    title,
                    datetime.now(UTC).isoformat(),
                ),
            )

    def source_titles(self) -> dict[str, str]:
        """The title each read source last had, by source."""
        rows = self.query("SELECT source, title FROM sources WHERE title IS NOT NULL")
        return {source: title for source, title in rows}

    def last_weekly_post(self) -> datetime | None:
        """When the last weekly digest went out (any subscription), if one ever did."""
        rows = self.query(
            "SELECT max(p.updated_at) FROM posts p"
            " JOIN subscriptions s ON s.id = p.subscription_id"
            " WHERE p.state = 'posted' AND p.kind = 'digest' AND s.mode = 'weekly'"
        )
        value = rows[0][0] if rows else None
        return datetime.fromisoformat(value) if value else None

    def imported_feeds(self) -> list[tuple[str, str | None]]:
        """Feeds imported from OPML, as (url, title), by import time, then URL.

        No ``rowid``: the same SQL runs on PostgreSQL (``PgStore``), which has none.
        """
        rows = self.query("SELECT url, title FROM imported_feeds ORDER BY imported_at, url")
        return [(url, title) for url, title in rows]

    def import_feeds(self, feeds: Iterable[tuple[str, str | None]]) -> int:
        """Remember feeds from an OPML file; returns how many were new."""
        now = datetime.now(UTC).isoformat()
        with self.transaction() as db:
            # Counted, not total_changes: the same SQL runs on PostgreSQL (PgStore).
            (before,) = db.execute("SELECT count(*) FROM imported_feeds").fetchone()
            db.executemany(
                "INSERT INTO imported_feeds(url, title, imported_at) VALUES (?, ?, ?)"
                " ON CONFLICT(url) DO NOTHING",
                [(url, title, now) for url, title in feeds],
            )
            (after,) = db.execute("SELECT count(*) FROM imported_feeds").fetchone()
            return int(after) - int(before)

    # --- writing episodes ---------------------------------------------------

    def upsert_episodes(self, feed: str, episodes: Iterable[ParsedEpisode]) -> list[UpsertResult]:
        """Store parsed episodes in one transaction: new ones added, edited ones updated
        in place, ids kept.

        Give them oldest first (search uses rowid order as recency).  ``episodes``
        may be a generator: a failure while producing it rolls everything back.
        """
        return self.upsert_prepared([prepare_episode(feed, e)] for e in episodes)

    def upsert_prepared(self, batches: Iterable[Sequence[PreparedEpisode]]) -> list[UpsertResult]:
        """Store batches of prepared episodes in one transaction (see ``upsert_episodes``).

        New episodes of a batch go in with a handful of statements, whatever their number.
        """
        results: list[UpsertResult] = []
        with self.transaction() as db:
            for batch in batches:
                ids = [p.episode_id for p in batch]
                stored = dict(
                    db.execute(
                        f"SELECT id, content_hash FROM episodes WHERE id IN ({_marks(len(ids))})",
                        ids,
                    ).fetchall()
                )
                new: dict[str, PreparedEpisode] = {}
                for prepared in batch:  # a feed may list one episode twice: the first is new
                    if prepared.episode_id not in stored:
                        new.setdefault(prepared.episode_id, prepared)
                if new:
                    db.executemany(_INSERT_EPISODE, [p.episode for p in new.values()])
                    self._upsert_items(db, [r for p in new.values() for r in p.items])
                for prepared in batch:
                    if new.get(prepared.episode_id) is prepared:
                        status = "added"
                        stored[prepared.episode_id] = prepared.content_hash
                    elif stored[prepared.episode_id] == prepared.content_hash:
                        status = "unchanged"
                    else:
                        status = "updated"
                        self._update_episode(db, prepared)
                        stored[prepared.episode_id] = prepared.content_hash
                    results.append(UpsertResult(prepared.episode_id, status, len(prepared.items)))
        return results

    def _upsert_items(self, db: Any, rows: list[tuple[Any, ...]]) -> None:
        """Insert or update item rows and index them (a backend may index otherwise)."""
        _upsert_items(db, rows)

    def _update_episode(self, db: Any, prepared: PreparedEpisode) -> None:
        """An edited episode: rows updated in place, unchanged items left alone."""
        db.execute(_UPSERT_EPISODE, prepared.episode)
        (published,) = db.execute(
            "SELECT published FROM episodes WHERE id = ?", (prepared.episode_id,)
        ).fetchone()  # the first-seen date is kept
        existing = {
            row[0]: row[1:]
            for row in db.execute(
                "SELECT id, position, name, org, section, section_original, headline,"
                " summary, facts, links, chapter FROM items WHERE episode_id = ?",
                (prepared.episode_id,),
            )
        }
        changed = []
        for row in prepared.items:
            item_id = row[0]
            if existing.get(item_id) != row[2:12]:
                changed.append((*row[:13], published))
        self._upsert_items(db, changed)
        keep = {row[0] for row in prepared.items}
        gone = [item_id for item_id in existing if item_id not in keep]
        if gone:
            db.execute(f"DELETE FROM items WHERE id IN ({_marks(len(gone))})", gone)

    def update_item_summary(self, item_id: str, summary: str, facts: Facts) -> None:
        """Replace one item's summary and facts (used by the summarisers)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE items SET summary = ?, facts = ? WHERE id = ?",
                (summary, facts.model_dump_json(exclude_defaults=True), item_id),
            )

    # --- reading ------------------------------------------------------------

    def content_hashes(self, episode_ids: Sequence[str]) -> dict[str, str]:
        """Stored content hashes of those of ``episode_ids`` that are stored."""
        found: dict[str, str] = {}
        for start in range(0, len(episode_ids), 500):  # SQLite caps parameters per statement
            chunk = list(episode_ids[start : start + 500])
            found.update(
                self.query(
                    f"SELECT id, content_hash FROM episodes WHERE id IN ({_marks(len(chunk))})",
                    chunk,
                )
            )
        return found

    def item_counts(self, episode_ids: Sequence[str]) -> dict[str, int]:
        """How many items each of ``episode_ids`` has stored (absent: none stored)."""
        found: dict[str, int] = {}
        for start in range(0, len(episode_ids), 500):  # SQLite caps parameters per statement
            chunk = list(episode_ids[start : start + 500])
            found.update(
                self.query(
                    "SELECT episode_id, count(*) FROM items"
                    f" WHERE episode_id IN ({_marks(len(chunk))}) GROUP BY episode_id",
                    chunk,
                )
            )
        return found

    def episode_count(self) -> int:
        """How many episodes are stored."""
        return int(self.query("SELECT count(*) FROM episodes")[0][0])

    def episodes(self, limit: int | None = None) -> list[Episode]:
        """Stored episodes, newest first."""
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e"
            " ORDER BY e.published IS NULL, e.published DESC, e.rowid DESC LIMIT ?",
            (limit if limit is not None else -1,),
        )
        return [_episode(r) for r in rows]

    def episode(self, episode_id: str) -> Episode | None:
        """One episode by id."""
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e WHERE e.id = ?", (episode_id,)
        )
        return _episode(rows[0]) if rows else None

    def episodes_on(self, day: str) -> list[Episode]:
        """Episodes published on ``day`` (YYYY-MM-DD, UTC), newest first."""
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e WHERE substr(e.published, 1, 10) = ?"
            " ORDER BY e.published DESC",
            (day,),
        )
        return [_episode(r) for r in rows]

    def episodes_titled(self, words: Sequence[str]) -> list[Episode]:
        """Episodes whose title holds every one of ``words`` (case-insensitive), newest first."""
        clause = " AND ".join("instr(lower(e.title), ?) > 0" for _ in words) or "1"
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e WHERE {clause}"
            " ORDER BY e.published DESC LIMIT 20",
            [w.lower() for w in words],
        )
        return [_episode(r) for r in rows]

    def episode_body(self, episode_id: str) -> str:
        """The cleaned plain-text body of an episode."""
        rows = self.query("SELECT body FROM episodes WHERE id = ?", (episode_id,))
        return str(rows[0][0]) if rows else ""

    def items_of_episode(self, episode_id: str) -> list[Item]:
        """An episode's items in show order."""
        return self._items("i.episode_id = ? ORDER BY i.position", (episode_id,))

    def items_named(self, key: str, limit: int = 50) -> list[Item]:
        """Items whose name key is exactly ``key``, newest first."""
        return self._reads.items_named(key, limit)

    def items_with_prefix(self, prefix: str, limit: int = 50) -> list[Item]:
        """Items whose name key starts with ``prefix``, newest first."""
        return self._items(
            "i.name_key >= ? AND i.name_key < ? ORDER BY i.published DESC LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit),
        )

    def items_since(
        self, since: datetime | None = None, feeds: Sequence[str] = (), limit: int = 10_000
    ) -> list[Item]:
        """Items of episodes published at or after ``since`` (all when None), newest
        first, only from ``feeds`` when given."""
        where = ["1 = 1"]
        params: list[Any] = []
        if since is not None:
            where.append("e.published >= ?")
            params.append(_iso(since))
        if feeds:
            where.append(f"e.feed IN ({_marks(len(feeds))})")
            params.extend(feeds)
        params.append(limit)
        return self._items(
            " AND ".join(where) + " ORDER BY e.published IS NULL, e.published DESC,"
            " e.rowid DESC, i.position LIMIT ?",
            params,
        )

    def item(self, item_id: str) -> Item | None:
        """One item by id."""
        return self._reads.item(item_id)

    def stored_names(self) -> StoredNames:
        """The release-name index kept in the database (``names``), for lookups."""
        return StoredNames(self)

    def name_keys(self) -> list[tuple[str, str, str | None]]:
        """Every distinct name key with a display name and its newest date."""
        return [
            (str(k), str(n), p)
            for k, n, p in self.query(
                "SELECT name_key, name, max(published) FROM items GROUP BY name_key"
            )
        ]

    def newest_matches(self, match: str, limit: int) -> list[int]:
        """Rowids of items matching an FTS5 expression, newest first (cheap at any size:
        FTS5 walks a posting list backwards and stops; rowids grow with time because
        episodes are written oldest first)."""
        rows = self.query(
            "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (match, limit),
        )
        return [int(r[0]) for r in rows]

    def search_ranks(self, match: str, limit: int) -> list[tuple[int, float, Facts]]:
        """(rowid, bm25 score, facts) of the best ``limit`` matches (``ItemReads``)."""
        return self._reads.search_ranks(match, limit)

    def items_by_rowid(self, rowids: Sequence[int]) -> dict[int, Item]:
        """Items keyed by rowid (those that exist)."""
        return self._reads.items_by_rowid(rowids)

    def rowids_of(self, item_ids: Sequence[str]) -> dict[str, int]:
        """Rowids of the items with ``item_ids`` (those that exist)."""
        ids = list(item_ids)[:500]
        if not ids:
            return {}
        rows = self.query(f"SELECT id, rowid FROM items WHERE id IN ({_marks(len(ids))})", ids)
        return {str(r[0]): int(r[1]) for r in rows}

    def search_fields(self, rowids: Sequence[int]) -> list[tuple[int, tuple[str | None, ...]]]:
        """(rowid, (name, org, headline, summary, section)) for ranking, rowids' order kept."""
        if not rowids:
            return []
        rows = self.query(
            "SELECT rowid, name, org, headline, summary, section FROM items"
            f" WHERE rowid IN ({_marks(len(rowids))})",
            list(rowids),
        )
        by_rowid = {int(r[0]): tuple(r[1:]) for r in rows}
        return [(r, by_rowid[r]) for r in rowids if r in by_rowid]

    # --- entities ---------------------------------------------------------------

    def fill_entities(self) -> int:
        """Link items not linked yet (new, edited, or stored before entities) to their
        release entity; returns how many.  Cheap when there are none (a partial index)."""
        with self._lock:
            rows = self.query(
                "SELECT rowid, name, org, headline FROM items WHERE entity_id IS NULL"
            )
            if not rows:
                return 0
            from bot.entities import entity_for  # only when there is something to link

            links: list[tuple[str, int]] = []
            found: dict[str, Entity] = {}
            for rowid, name, org, headline in rows:
                entity = entity_for(name, org, headline)
                if entity is None:
                    links.append(("", rowid))
                    continue
                known = found.setdefault(entity.id, entity)
                if known.org is None and entity.org is not None:
                    found[entity.id] = entity
                links.append((entity.id, rowid))
            with self.transaction() as db:
                db.executemany(_UPSERT_ENTITY, [_entity_row(e) for e in found.values()])
                db.executemany(
                    "UPDATE items SET entity_id = ? WHERE rowid = ? AND entity_id IS NULL", links
                )
            return len(links)

    def entity(self, entity_id: str) -> ReleaseEntity | None:
        """One entity by id."""
        return self._reads.entity(entity_id)

    def family_entities(self, family_key: str) -> list[ReleaseEntity]:
        """The entities of a family (by family key, e.g. "qwen")."""
        return self._reads.family_entities(family_key)

    def entity_mentions(self, entity_ids: Sequence[str], limit: int) -> list[MentionRow]:
        """Mentions of any of ``entity_ids``, newest first: light rows, cheap by the hundred."""
        return self._reads.entity_mentions(entity_ids, limit)

    def family_names(self) -> list[tuple[str, str]]:
        """Every family: (family key, its display name), for the web archive."""
        rows = self.query("SELECT family_key, min(family) FROM entities GROUP BY family_key")
        return [(str(k), str(n)) for k, n in rows]

    def linked_entity_ids(self) -> list[str]:
        """Every release entity some item is linked to, for the web archive."""
        rows = self.query(
            "SELECT DISTINCT entity_id FROM items WHERE entity_id IS NOT NULL AND entity_id != ''"
        )
        return [str(r[0]) for r in rows]

    def entity_mention_count(self, entity_ids: Sequence[str]) -> int:
        """How many items mention any of ``entity_ids``."""
        if not entity_ids:
            return 0
        ids = list(entity_ids[:500])
        rows = self.query(
            f"SELECT count(*) FROM items WHERE entity_id IN ({_marks(len(ids))})", ids
        )
        return int(rows[0][0])

    def entity_counts(self, entity_ids: Sequence[str]) -> dict[str, int]:
        """Mentions per entity, for those of ``entity_ids`` that have any."""
        ids = sorted({i for i in entity_ids if i})[:500]
        if not ids:
            return {}
        rows = self.query(
            f"SELECT entity_id, count(*) FROM items WHERE entity_id IN ({_marks(len(ids))})"
            " GROUP BY entity_id",
            ids,
        )
        return {str(k): int(c) for k, c in rows}

    def _items(self, where: str, params: Sequence[Any]) -> list[Item]:
        return self._reads.items(where, params)


_INSERT_EPISODE = """INSERT INTO episodes(id, key, feed, title, published, url, duration_seconds,
    audio_url, chapters, body, content_hash, ingested_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_UPSERT_EPISODE = (
    _INSERT_EPISODE
    + """ ON CONFLICT(id) DO UPDATE SET title = excluded.title,
    published = coalesce(episodes.published, excluded.published),
    url = coalesce(excluded.url, episodes.url),
    duration_seconds = coalesce(excluded.duration_seconds, episodes.duration_seconds),
    audio_url = coalesce(excluded.audio_url, episodes.audio_url),
    chapters = CASE WHEN excluded.chapters = '[]' THEN episodes.chapters
        ELSE excluded.chapters END,
    body = excluded.body, content_hash = excluded.content_hash,
    ingested_at = excluded.ingested_at"""
)
_INDEX_ITEMS_AFTER = """INSERT INTO items_fts(rowid, name, org, headline, summary, section)
    SELECT rowid, name, org, headline, summary, section FROM items WHERE rowid > ?"""
#: The name index (schema ``_NAMES``) of items inserted after a rowid: each key keeps the
#: name and date of its newest item.
_NAME_ITEMS_AFTER = """INSERT INTO names(key, name, newest)
    SELECT name_key, name, coalesce(max(published), '') FROM items WHERE rowid > ?
    GROUP BY name_key
    ON CONFLICT(key) DO UPDATE SET name = excluded.name, newest = excluded.newest
    WHERE excluded.newest >= names.newest"""
_UPSERT_ITEM = """INSERT INTO items(id, episode_id, position, name, org, section, section_original,
    headline, summary, facts, links, chapter, name_key, published)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET position = excluded.position, name = excluded.name,
    org = excluded.org, section = excluded.section, section_original = excluded.section_original,
    headline = excluded.headline, summary = excluded.summary, facts = excluded.facts,
    links = excluded.links, chapter = excluded.chapter, name_key = excluded.name_key,
    published = excluded.published, entity_id = NULL"""


if TYPE_CHECKING:
    #: A mention as the store reads it (``bot.store.reads.MentionOf``), with its ``EpisodeRef``.
    MentionRow = MentionOf[EpisodeRef]
else:
    MentionRow = MentionOf


_UPSERT_ENTITY = """INSERT INTO entities(id, name, family, family_key, org) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET org = coalesce(entities.org, excluded.org)"""


def _entity_row(entity: Entity) -> tuple[str, str, str, str, str | None]:
    return (entity.id, entity.name, entity.family, entity.family_key, entity.org)


def _release_entity(row: Sequence[Any]) -> ReleaseEntity:
    from bot.models import ReleaseEntity

    return ReleaseEntity(id=row[0], name=row[1], family=row[2], org=row[3])


@dataclass(frozen=True)
class PreparedEpisode:
    """An episode as rows, ready to store: built without touching the database or its
    lock, so a whole feed's rows can be ready before the write transaction opens."""

    episode_id: str
    content_hash: str
    episode: tuple[Any, ...]
    #: (id, episode_id, position, name, org, section, section_original, headline,
    #:  summary, facts, links, chapter, name_key, published)
    items: list[tuple[Any, ...]]


def prepare_episode(feed: str, ep: ParsedEpisode) -> PreparedEpisode:
    """The rows that store ``ep``; ids derive from its key and its items' names."""
    episode_id = episode_id_for(ep.key)
    published = _iso(ep.published)
    episode = (
        episode_id,
        ep.key,
        feed,
        ep.title,
        published,
        ep.url,
        ep.duration_seconds,
        ep.audio_url,
        json.dumps([c.model_dump() for c in ep.chapters]),
        ep.body,
        ep.content_hash,
        datetime.now(UTC).isoformat(),
    )
    seen: dict[str, int] = {}
    items = []
    for position, item in enumerate(ep.items):
        key = name_key(item.name) or name_key(item.headline)
        seen[key] = seen.get(key, 0) + 1
        item_id = item_id_for(episode_id, key, seen[key])
        items.append((item_id, episode_id, *_item_row(position, item), key, published))
    return PreparedEpisode(episode_id, ep.content_hash, episode, items)


def _upsert_items(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert or update item rows, then full-text index the inserted ones in one statement.

    A new row always gets a rowid above the largest before it (``rowid INTEGER
    PRIMARY KEY``); an updated row keeps its rowid and the ``items_au`` trigger
    reindexes it.  See schema ``_BULK_FTS_INSERT`` for why this is not a trigger.
    """
    if not rows:
        return
    # One row per id (the last wins, as the upsert would): a row updated by a later row
    # of the same batch would have its never-indexed values "deleted" from the index.
    rows = list({row[0]: row for row in rows}.values())
    (before,) = db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()
    db.executemany(_UPSERT_ITEM, rows)
    index_items_after(db, before)


def index_items_after(db: sqlite3.Connection, rowid: int = 0) -> None:
    """Full-text and name index the items whose rowid is above ``rowid``, one statement each.

    Whatever inserts into ``items`` calls this (there is no insert trigger: see
    schema ``_BULK_FTS_INSERT``).
    """
    db.execute(_INDEX_ITEMS_AFTER, (rowid,))
    db.execute(_NAME_ITEMS_AFTER, (rowid,))


def _item_row(position: int, item: ParsedItem) -> tuple[Any, ...]:
    return (
        position,
        item.name,
        item.org,
        item.section,
        item.section_original,
        item.headline,
        item.summary,
        item.facts.model_dump_json(exclude_defaults=True),
        json.dumps([link.model_dump() for link in item.links]),
        item.chapter.model_dump_json() if item.chapter else None,
    )


def _episode(row: Sequence[Any]) -> Episode:
    from bot.models import Chapter, Episode

    return Episode(
        id=row[0],
        feed=row[1],
        title=row[2],
        published=_when(row[3]),
        url=row[4],
        duration_seconds=row[5],
        audio_url=row[6],
        chapters=tuple(Chapter(**c) for c in json.loads(row[7])),
        item_count=row[8],
    )


def _item(row: Sequence[Any]) -> Item:
    """An item of ``ITEM_COLUMNS``."""
    from bot.models import Chapter, Facts, Item, Link

    return Item(
        **item_fields(row),
        facts=Facts.model_validate_json(row[8]),
        links=tuple(Link(**link) for link in json.loads(row[9])),
        chapter=Chapter.model_validate_json(row[10]) if row[10] else None,
        episode=_ref(row[11:15]),
        entity=_release_entity(row[15:]) if row[15] else None,
    )


def _ref(row: Sequence[Any]) -> EpisodeRef:
    from bot.models import EpisodeRef

    return EpisodeRef(id=row[0], title=row[1], published=_when(row[2]), url=row[3])


def _facts(stored: str) -> Facts:
    from bot.models import Facts

    return Facts.model_validate_json(stored)


if TYPE_CHECKING:
    # mypy checks here that the SQLite store implements the whole protocol.
    _CONFORMS: StoreLike = Store(":memory:")
