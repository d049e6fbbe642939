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

import contextlib
import hashlib
import re
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from bot.errors import StorageError
from bot.models import Episode, Facts, ReleaseEntity
from bot.store.pg_names import TrigramNames
from bot.store.postgres_schema import PRIMARY_KEYS, migrate
from bot.store.replicas import PgLeadership
from bot.store.sqlite import _EPISODE_COLUMNS, _UPSERT_ITEM, Store, _episode, _release_entity

#: The advisory lock every write transaction takes (see the module docstring).
WRITE_LOCK = 0x6469_6765_0002
#: The newest rows ``newest_matches`` tests before asking the GIN index for every match.
RECENT_WINDOW = 5000
#: Rows a full GIN scan of ``newest_matches`` keeps (so a later pass asking for more
#: of the same match is answered from ``_MatchMemo`` too).
MEMO_ROWS = 512
#: Seconds a full-scan answer is kept for the lookup's next pass (see ``_MatchMemo``).
MEMO_SECONDS = 2.0
#: The shortest last word whose prefix form is scanned along with the exact one: a
#: prefix of two letters ("ai:*") may expand to many words and cost more than it saves.
PREFIX_ALONG_MIN = 3
#: A pooled connection unused this long is checked before use (see ``PgStore.__init__``).
CHECK_IDLE_SECONDS = 2.0
#: Seconds to wait for a connection at start before saying the server is unreachable.
CONNECT_TIMEOUT = 5

#: The item upsert with the row's token count.
#: The text search vector, from the tokens FTS5 would index (``bm25.tokens``), joined by
#: spaces so PostgreSQL's parser finds exactly those words; weighted A name, B headline,
#: C org, D summary and section.
_TSV = (
    "setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B')"
    " || setweight(to_tsvector('simple', ?), 'C') || setweight(to_tsvector('simple', ?), 'D')"
)
_UPSERT_ITEM_NTOK = (
    _UPSERT_ITEM.replace("name_key, published)", "name_key, published, ntok, tsv)")
    .replace("?, ?, ?, ?)", f"?, ?, ?, ?, ?, {_TSV})", 1)
    .replace("entity_id = NULL", "entity_id = NULL, ntok = excluded.ntok, tsv = excluded.tsv")
)


def _index_columns(
    name: str, org: str | None, headline: str, summary: str, section: str
) -> tuple[Any, ...]:
    """(ntok, name, headline, org, summary + section) as ``_UPSERT_ITEM_NTOK`` takes them."""
    from bot.store.bm25 import tokens

    cols = [tokens(name), tokens(org), tokens(headline), tokens(summary), tokens(section)]
    return (
        sum(len(c) for c in cols),
        " ".join(cols[0]),
        " ".join(cols[2]),
        " ".join(cols[1]),
        " ".join(cols[3] + cols[4]),
    )


#: The name index (schema ``_NAME_TABLE``) of items inserted after a rowid, as SQLite's
#: ``_NAME_ITEMS_AFTER``: each key keeps the name and date of its newest item.
NAME_ITEMS_AFTER = """INSERT INTO names(key, name, newest)
    SELECT DISTINCT ON (name_key) name_key, name, coalesce(published, '') FROM items
    WHERE rowid > %s ORDER BY name_key, published DESC NULLS LAST, rowid DESC
    ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, newest = EXCLUDED.newest
    WHERE EXCLUDED.newest >= names.newest"""

#: The newest matches among the newest rows (window, tsquery, limit), and the largest rowid.
_NEWEST_IN_WINDOW = (
    "SELECT ARRAY(SELECT rowid FROM (SELECT rowid, tsv FROM items"
    " ORDER BY rowid DESC LIMIT ?) r WHERE tsv @@ to_tsquery('simple', ?)"
    " ORDER BY rowid DESC LIMIT ?), (SELECT max(rowid) FROM items)"
)

_PHRASE = re.compile(r'"([^"]*)"(\*?)')
#: An FTS5 expression ending in one quoted word: its prefix pass adds ``*`` to it.
_LAST_WORD = re.compile(r'(?:^| AND )"(\w+)"\Z')

#: Every match of an exact tsquery and of its prefix form in one GIN scan of the prefix
#: form (a superset): (exact, prefix, limit, limit).
_FULL_WITH_PREFIX = (
    "WITH m AS MATERIALIZED (SELECT rowid, tsv @@ to_tsquery('simple', ?) AS exact"
    " FROM items WHERE tsv @@ to_tsquery('simple', ?))"
    " SELECT ARRAY(SELECT rowid FROM m WHERE exact ORDER BY rowid DESC LIMIT ?),"
    " ARRAY(SELECT rowid FROM m ORDER BY rowid DESC LIMIT ?)"
)


def prefix_form(match: str) -> str | None:
    """The prefix pass's expression for an exact one (``fts_query(..., prefix=True)``
    stars a last term of one word), or ``None`` when it has none worth scanning along."""
    found = _LAST_WORD.search(match)
    if found is None or len(found.group(1)) < PREFIX_ALONG_MIN:
        return None
    return match + "*"


class _MatchMemo:
    """Full-scan answers of ``newest_matches``, for the next pass of the same lookup.

    A search asks the store up to three times for the same words (does the semantic
    blend pay, the exact words, then the last word as a prefix); when two common words
    never meet, each is a full GIN scan (~15 ms at 1M items).  An answer is reused only
    while the store is unchanged: same write generation here, same newest rowid (the
    window query reads it on every call, so another replica's insert is seen), and
    within ``MEMO_SECONDS``.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, int, float, list[int], int]] = {}

    def get(self, query: str, generation: int, newest: int, limit: int) -> list[int] | None:
        entry = self._entries.get(query)
        if entry is None:
            return None
        gen, top, at, rows, asked = entry
        fresh = gen == generation and top == newest and time.monotonic() - at < MEMO_SECONDS
        if not fresh or (limit > asked and len(rows) >= asked):  # more than it knows
            return None
        return rows[:limit]

    def put(self, query: str, generation: int, newest: int, rows: list[int], asked: int) -> None:
        if len(self._entries) > 64:
            self._entries.clear()
        self._entries[query] = (generation, newest, time.monotonic(), rows, asked)


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

    def execute_raw(self, sql: str, params: Sequence[Any] = ()) -> None:
        """``execute`` of SQL already in PostgreSQL's dialect."""
        self._conn.execute(sql, tuple(params))

    def executemany_raw(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """``executemany`` of SQL already in PostgreSQL's dialect."""
        self._conn.cursor().executemany(sql, [tuple(r) for r in rows])

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


def _dropped(conn: Any, exc: BaseException) -> bool:
    """Whether ``exc`` says the server had dropped ``conn`` (so another may work): the
    "terminating connection" notice of a restart or ``pg_terminate_backend`` arrives
    before the connection reads as broken."""
    import psycopg

    return bool(conn.broken) or isinstance(
        exc, psycopg.errors.AdminShutdown | psycopg.errors.CrashShutdown
    )


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
        # A connection the server dropped (a restart, pg_terminate_backend, a network cut)
        # must not fail the query after an outage: one idle for a while is checked when
        # taken from the pool (a round trip, so not one in steady use), and a read that
        # still meets a dropped one runs again on a fresh one (``query``).
        self._last_use: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=True,
            timeout=30,
            check=self._check_idle,
        )
        self._max_connections = max_connections
        self._lock = threading.RLock()
        self.generation = 0
        self._stats_cache: tuple[int, int, float] | None = None
        self._df_cache: dict[tuple[int, str], int] = {}
        self._memo = _MatchMemo()
        # (key, generation, when, row): the entity ``family_entities`` read along.
        self._entity_along: tuple[str, int, float, tuple[Any, ...] | None] | None = None

    @property
    def connection(self) -> Any:
        raise StorageError("a PostgreSQL store has no single connection")

    @contextmanager
    def transaction(self) -> Iterator[Any]:  # type: ignore[override]
        """A write transaction, serialised with every other writer (any replica).

        A pooled connection the server dropped fails at ``BEGIN``, before anything is
        written: it is discarded and the next one tried (every pooled connection is
        dropped at once by a server restart or a network cut).
        """
        import psycopg

        with wrap_pg_errors("writing"):
            for attempt in range(self._max_connections + 1):
                conn = self._pool.getconn()
                try:
                    conn.execute("BEGIN")
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                except psycopg.OperationalError as exc:
                    self._pool.putconn(conn)  # a broken one is closed, not pooled
                    if not _dropped(conn, exc) or attempt == self._max_connections:
                        raise
                    continue
                break
            try:
                yield _Connection(conn)
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
                self._last_use[conn] = time.monotonic()
            finally:
                self._pool.putconn(conn)
            self.generation += 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return all rows (again on another connection when the
        server had dropped the pooled one)."""
        import psycopg

        with wrap_pg_errors("reading"):
            for attempt in range(self._max_connections + 1):
                with self._pool.connection() as conn:
                    try:
                        rows = _Connection(conn).execute(sql, params).fetchall()
                    except psycopg.OperationalError as exc:
                        if attempt == self._max_connections or not _dropped(conn, exc):
                            raise
                        continue  # the pool discards the broken connection
                    self._last_use[conn] = time.monotonic()
                    return rows
        raise AssertionError("unreachable")

    def _check_idle(self, conn: Any) -> None:
        """The pool's check: a round trip on a connection idle ``CHECK_IDLE_SECONDS``."""
        if time.monotonic() - self._last_use.get(conn, 0.0) > CHECK_IDLE_SECONDS:
            conn.execute("")

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()

    def leadership(self) -> PgLeadership:
        """An advisory lock on a dedicated connection (``replicas.py``)."""
        return PgLeadership(self.url)

    def stored_names(self) -> TrigramNames:
        """The release-name index, its fuzzy pools narrowed by the trigram index."""
        return TrigramNames(self)

    def seen_signatures(self) -> PgSeen:  # type: ignore[override]
        """Slack signatures seen by every replica."""
        return PgSeen(self)

    # --- what PostgreSQL says differently ----------------------------------------

    def _upsert_items(self, db: Any, rows: list[tuple[Any, ...]]) -> None:
        """Insert or update item rows (the ``tsv`` column indexes itself)."""
        if not rows:
            return
        unique = list({row[0]: row for row in rows}.values())
        (before,) = db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()
        db.executemany(
            _UPSERT_ITEM_NTOK,
            [(*row, *_index_columns(row[3], row[4], row[7], row[8], row[5])) for row in unique],
        )
        db.execute_raw(NAME_ITEMS_AFTER, (before,))

    def update_item_summary(self, item_id: str, summary: str, facts: Facts) -> None:
        """Replace one item's summary and facts, and reindex it."""
        with self.transaction() as db:
            found = db.execute(
                "SELECT name, org, headline, section FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            if found is None:
                return
            name, org, headline, section = found
            db.execute(
                f"UPDATE items SET summary = ?, facts = ?, ntok = ?, tsv = {_TSV} WHERE id = ?",
                (
                    summary,
                    facts.model_dump_json(exclude_defaults=True),
                    *_index_columns(name, org, headline, summary, section),
                    item_id,
                ),
            )

    def episodes(self, limit: int | None = None) -> list[Episode]:
        """Stored episodes, newest first."""
        rows = self.query(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e"
            " ORDER BY e.published IS NULL, e.published DESC, e.rowid DESC"
            + (" LIMIT ?" if limit is not None else ""),
            (limit,) if limit is not None else (),
        )
        return [_episode(r) for r in rows]

    def family_entities(self, family_key: str) -> list[ReleaseEntity]:
        """The entities of a family, and, in the same round trip, the entity whose id is
        ``family_key``: a release lookup asks for that one next when the key names no
        family ("qwen3-coder"), so ``entity`` answers it without another trip."""
        rows = self.query(
            "SELECT id, name, family, org, family_key = ? FROM entities"
            " WHERE family_key = ? OR id = ? ORDER BY id",
            (family_key, family_key, family_key),
        )
        own = next((r[:4] for r in rows if r[0] == family_key), None)
        self._entity_along = (family_key, self.generation, time.monotonic(), own)
        return [_release_entity(r[:4]) for r in rows if r[4]]

    def entity(self, entity_id: str) -> ReleaseEntity | None:
        """One entity by id (read along by the ``family_entities`` call just before)."""
        along, self._entity_along = self._entity_along, None
        if along is not None:
            key, generation, at, row = along
            if (
                key == entity_id
                and generation == self.generation
                and time.monotonic() - at < MEMO_SECONDS
            ):
                return _release_entity(row) if row is not None else None
        return super().entity(entity_id)

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
        """Rowids of items matching an FTS5-style expression, newest first.

        A GIN index yields its matches in no order, and walking the rowid index
        backwards testing each row reads the whole table when the words never meet
        (1.4 s at 1M items).  So: the newest ``RECENT_WINDOW`` rows first, which
        answers a common query (bounded: ~1 ms); only when they hold fewer than
        ``limit`` matches, every match through the GIN index, newest kept (cheap
        for a rare query, the only kind that gets there).
        """
        query = tsquery(match)
        window = RECENT_WINDOW
        recent, newest = self.query(_NEWEST_IN_WINDOW, (window, query, limit))[0]
        newest = int(newest or 0)
        generation = self.generation
        if len(recent) < limit and newest > window:  # an earlier pass may have scanned it
            memo = self._memo.get(query, generation, newest, limit)
            if memo is not None:
                return memo
        if recent and len(recent) < limit < newest:
            # Matches are sparse here, not rare: a window holding ``limit`` of them at this
            # density reads fewer rows than the GIN index's every match would.
            wider = window * limit * 3 // (2 * len(recent))
            if wider * wider < newest * window * 4:
                window = wider
                recent = self.query(_NEWEST_IN_WINDOW, (window, query, limit))[0][0]
        if len(recent) >= limit or newest <= window:  # the window held it all
            return [int(r) for r in recent]
        asked = max(limit, MEMO_ROWS)
        prefixed = prefix_form(match)
        if prefixed is None:
            # MATERIALIZED: the planner must not walk the rowid index for the ORDER BY.
            rows = [
                int(r[0])
                for r in self.query(
                    "WITH m AS MATERIALIZED (SELECT rowid FROM items"
                    " WHERE tsv @@ to_tsquery('simple', ?))"
                    " SELECT rowid FROM m ORDER BY rowid DESC LIMIT ?",
                    (query, asked),
                )
            ]
        else:
            # No ``limit`` newest matches: the search's next pass is the prefix form,
            # so both come from one scan (the prefix form's matches hold the exact ones).
            exact, wide = self.query(_FULL_WITH_PREFIX, (query, tsquery(prefixed), asked, asked))[0]
            rows = [int(r) for r in exact]
            self._memo.put(tsquery(prefixed), generation, newest, [int(r) for r in wide], asked)
        self._memo.put(query, generation, newest, rows, asked)
        return rows[:limit]

    def search_ranks(self, match: str, limit: int) -> list[tuple[int, float, Facts]]:
        """(rowid, bm25 score, facts) of the best ``limit`` matches: FTS5's very bm25
        (``bm25.py``), computed over the rows the ``tsvector`` index finds."""
        from bot.store import bm25

        query = tsquery(match)
        found = bm25.phrases(match)
        scored = []
        if all(len(p.words) == 1 for p in found):
            # Words only (no phrase): each word's hits per column are in the tsvector (its
            # weight says the column), so the server counts them and no text is sent.
            counts = ", ".join(
                "(SELECT coalesce(sum(CASE w WHEN 'A' THEN 10 WHEN 'B' THEN 5"
                " WHEN 'C' THEN 3 ELSE 1 END), 0) FROM unnest(tsv) u, unnest(u.weights) w"
                + (" WHERE starts_with(u.lexeme, ?))" if p.prefix else " WHERE u.lexeme = ?)")
                for p in found
            )
            rows = self.query(
                f"SELECT rowid, ntok, facts, {counts} FROM items"
                " WHERE tsv @@ to_tsquery('simple', ?)",
                (*(p.words[0] for p in found), query),
            )
            if not rows:
                return []
            total, avg_len = self._stats()
            doc_freq = [self._doc_freq(p) for p in found]
            for row in rows:
                freqs = [float(f) for f in row[3:]]
                score = bm25.score(freqs, int(row[1]), doc_freq, total, avg_len)
                scored.append((int(row[0]), score, row[2]))
        else:
            rows = self.query(
                "SELECT rowid, name, org, headline, summary, section, facts FROM items"
                " WHERE tsv @@ to_tsquery('simple', ?)",
                (query,),
            )
            if not rows:
                return []
            total, avg_len = self._stats()
            doc_freq = [self._doc_freq(p) for p in found]
            for row in rows:
                columns = [bm25.tokens(text) for text in row[1:6]]
                score = bm25.bm25(columns, found, doc_freq, total, avg_len)
                scored.append((int(row[0]), score, row[6]))
        # FTS5 orders equal ranks by rowid ascending (its scan order).
        scored.sort(key=lambda r: (-r[1], r[0]))
        return [(r, s, Facts.model_validate_json(f)) for r, s, f in scored[:limit]]

    def _stats(self) -> tuple[int, float]:
        """Rows and their average token count (kept until the next write here)."""
        if self._stats_cache is None or self._stats_cache[0] != self.generation:
            total, avg_len = self.query("SELECT count(*), coalesce(avg(ntok), 0) FROM items")[0]
            self._stats_cache = (self.generation, int(total), float(avg_len))
        return self._stats_cache[1], self._stats_cache[2]

    def _doc_freq(self, phrase: Any) -> int:
        """How many rows hold ``phrase`` (FTS5's document frequency for its IDF)."""
        words = [f"'{w}'" for w in phrase.words] or ["''"]
        if phrase.prefix:
            words[-1] += ":*"
        key = (self.generation, " <-> ".join(words))
        if key not in self._df_cache:
            if len(self._df_cache) > 4096:
                self._df_cache.clear()
            rows = self.query(
                "SELECT count(*) FROM items WHERE tsv @@ to_tsquery('simple', ?)", (key[1],)
            )
            self._df_cache[key] = int(rows[0][0])
        return self._df_cache[key]


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
