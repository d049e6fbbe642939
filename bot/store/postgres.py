"""The PostgreSQL store: the SQLite store's methods over a psycopg 3 connection pool.

``PgStore`` inherits the SQLite store's queries and runs them through a thin
dialect layer (``_translate``: placeholders, ``INSERT OR IGNORE/REPLACE``,
``json_array_length``, ``instr``), overriding only what PostgreSQL says
differently: full-text search (a weighted ``tsvector`` column with a GIN
index, ranked by ``ts_rank`` with the bm25 column weights), the name-key
listing, and migrations (``postgres_schema.py``).

Every write transaction first takes one transaction-level advisory lock:
writes are serialised across replicas exactly as SQLite's ``BEGIN
IMMEDIATE`` serialises them across processes, so the ledger's
claim-then-post logic (``bot.schedule.ledger``) is the same on both.
psycopg failures become ``StorageError``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from bot.errors import StorageError
from bot.models import Episode, Facts
from bot.store.postgres_schema import PRIMARY_KEYS, migrate
from bot.store.sqlite import _EPISODE_COLUMNS, Store, _episode

#: The advisory lock every write transaction takes (see the module docstring).
WRITE_LOCK = 0x6469_6765_0002
#: Seconds to wait for a connection at start before saying the server is unreachable.
CONNECT_TIMEOUT = 5

_PHRASE = re.compile(r'"([^"]*)"(\*?)')


def is_postgres_url(path: str) -> bool:
    """Whether ``path`` names a PostgreSQL database (``postgresql://...``)."""
    return path.startswith(("postgresql://", "postgres://"))


def display_host(url: str) -> str:
    """The host (and port) of a database URL, without user or password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        host = query.get("host", "localhost")
    return f"{host}:{parts.port}" if parts.port else host


@lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    """SQLite's SQL as PostgreSQL's (only the forms the store writes)."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    sql = sql.replace("json_array_length(message_ids)", "json_array_length(message_ids::json)")
    sql = sql.replace("instr(", "strpos(").replace("IN ()", "IN (NULL)")
    if "INSERT OR IGNORE INTO" in sql:
        sql = sql.replace("INSERT OR IGNORE INTO", "INSERT INTO") + " ON CONFLICT DO NOTHING"
    elif "INSERT OR REPLACE INTO" in sql:
        match = re.search(r"INSERT OR REPLACE INTO\s+(\w+)\s*\(([^)]*)\)", sql)
        if match is None:
            raise ValueError(f"cannot translate: {sql[:60]!r}")
        table, columns = match.group(1), [c.strip() for c in match.group(2).split(",")]
        keys = PRIMARY_KEYS[table]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
        sql = (
            sql.replace("INSERT OR REPLACE INTO", "INSERT INTO")
            + f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
        )
    return sql


class _Cursor:
    """The parts of ``sqlite3.Cursor`` the store uses, over a psycopg cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.rowcount = int(cursor.rowcount)

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._cursor.description is None:
            return None
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._cursor.description is None:
            return []
        return [tuple(r) for r in self._cursor.fetchall()]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class _Connection:
    """The parts of ``sqlite3.Connection`` the store uses, translating SQL."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        cursor = self._conn.cursor()
        cursor.execute(_translate(sql), tuple(params))
        return _Cursor(cursor)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> _Cursor:
        cursor = self._conn.cursor()
        cursor.executemany(_translate(sql), [tuple(r) for r in rows])
        return _Cursor(cursor)


@contextmanager
def wrap_pg_errors(action: str) -> Iterator[None]:
    """Turn psycopg failures into ``StorageError`` naming what was being done."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageError(f"database error while {action}: {first}") from exc


def connect_error(url: str, exc: BaseException) -> StorageError:
    """The one line an unreachable server gives."""
    return StorageError(f"cannot reach the PostgreSQL server at {display_host(url)}: {exc}")


class PgStore(Store):
    """Episodes, items and the tables beside them in a PostgreSQL database."""

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        """Connect to ``url`` (``postgresql://...``), creating and migrating the schema.

        Raises ``StorageError`` (one line naming the host) when the server cannot be
        reached, or when its schema is newer than this code.
        """
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as exc:  # the optional extra is not installed
            raise StorageError(
                "PostgreSQL needs the postgres extra: pip install 'digestbot[postgres]'"
            ) from exc
        self.path = url
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                migrate(conn)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable"
            raise connect_error(url, Exception(first)) from exc
        except psycopg.Error as exc:
            raise StorageError(f"database error while migrating: {exc}") from exc
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=True,
            timeout=30,
        )
        self._lock = threading.RLock()
        self.generation = 0

    @property
    def connection(self) -> Any:
        raise StorageError("a PostgreSQL store has no single connection")

    @contextmanager
    def transaction(self) -> Iterator[Any]:  # type: ignore[override]
        """A write transaction, serialised with every other writer (any replica)."""
        with wrap_pg_errors("writing"), self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield _Connection(conn)
            self.generation += 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return all rows."""
        with wrap_pg_errors("reading"), self._pool.connection() as conn:
            return _Connection(conn).execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()

    def seen_signatures(self) -> PgSeen:  # type: ignore[override]
        """Slack signatures seen by every replica."""
        return PgSeen(self)

    # --- what PostgreSQL says differently ----------------------------------------

    def _upsert_items(self, db: Any, rows: list[tuple[Any, ...]]) -> None:
        """Insert or update item rows (the ``tsv`` column indexes itself)."""
        from bot.store.sqlite import _UPSERT_ITEM

        if rows:
            db.executemany(_UPSERT_ITEM, list({row[0]: row for row in rows}.values()))

    def episodes(self, limit: int | None = None) -> list[Episode]:
        """Stored episodes, newest first."""
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e"
            " ORDER BY e.published IS NULL, e.published DESC, e.rowid DESC"
            + (" LIMIT ?" if limit is not None else ""),
            (limit,) if limit is not None else (),
        )
        return [_episode(r) for r in rows]

    def name_keys(self) -> list[tuple[str, str, str | None]]:
        """Every distinct name key with a display name and its newest date."""
        return [
            (str(k), str(n), p)
            for k, n, p in self.query(
                "SELECT name_key, (array_agg(name ORDER BY published DESC NULLS LAST,"
                " rowid DESC))[1], max(published) FROM items GROUP BY name_key"
            )
        ]

    def newest_matches(self, match: str, limit: int) -> list[int]:
        """Rowids of items matching an FTS5-style expression, newest first."""
        rows = self.query(
            "SELECT rowid FROM items WHERE tsv @@ to_tsquery('simple', ?)"
            " ORDER BY rowid DESC LIMIT ?",
            (tsquery(match), limit),
        )
        return [int(r[0]) for r in rows]

    def search_ranks(self, match: str, limit: int) -> list[tuple[int, float, Facts]]:
        """(rowid, score, facts) of the best ``limit`` matches: ``ts_rank`` with the
        bm25 column weights (name 10, headline 5, org 3, summary and section 1)."""
        rows = self.query(
            "SELECT rowid, ts_rank('{0.1, 0.3, 0.5, 1.0}', tsv, q, 1) * 10 AS rank, facts"
            " FROM items, to_tsquery('simple', ?) q WHERE tsv @@ q"
            " ORDER BY rank DESC, rowid DESC LIMIT ?",
            (tsquery(match), limit),
        )
        return [(int(r[0]), float(r[1]), Facts.model_validate_json(r[2])) for r in rows]


def tsquery(match: str) -> str:
    """An FTS5 expression of quoted words (``bot.store.search.fts_query``) as a tsquery.

    ``"a b"`` is a phrase (``a <-> b``), ``"a"*`` a prefix (``a:*``), ``AND``/``OR``
    and parentheses keep their meaning.  Words are quoted, so nothing in them is syntax.
    """
    out: list[str] = []
    pos = 0
    for token in re.finditer(r'"[^"]*"\*?|\(|\)|AND|OR', match):
        text = token.group(0)
        pos = token.end()
        if text == "AND":
            out.append("&")
        elif text == "OR":
            out.append("|")
        elif text in "()":
            out.append(text)
        else:
            phrase = _PHRASE.fullmatch(text)
            assert phrase is not None
            words = [w.replace("'", "''").replace("\\", "\\\\") for w in phrase.group(1).split()]
            quoted = [f"'{w}'" for w in words] or ["''"]
            if phrase.group(2):
                quoted[-1] += ":*"
            out.append(quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")")
    del pos
    return " ".join(out)


class PgSeen:
    """Seen Slack signatures in the shared PostgreSQL database."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def first_sight(self, signature: str, expires_at: float, now: float) -> bool:
        """Record ``signature``; ``False`` when it was already recorded and not expired."""
        key = hashlib.sha256(signature.encode()).hexdigest()
        with self._store.transaction() as db:
            db.execute("DELETE FROM slack_seen_signatures WHERE expires_at <= ?", (now,))
            inserted = db.execute(
                "INSERT OR IGNORE INTO slack_seen_signatures (signature, expires_at) VALUES (?, ?)",
                (key, expires_at),
            ).rowcount
        return bool(inserted == 1)

    def close(self) -> None:
        """Nothing of its own to release (the store's pool is shared)."""
