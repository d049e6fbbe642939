"""The statements of watchlists: ``watches``, the ``watch_alerts`` ledger and its cursor.

``bot.watch`` holds the rules (what a watch is, which item raises which
alert, how alerts are sent); rows cross this boundary as plain tuples, so no
SQL is written outside ``bot/store/``.  The SQL is SQLite's; the PostgreSQL
store runs it through its dialect layer (``postgres.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.sqlite import Store

#: The ``watches`` columns, in the order a watch row is given and returned.
WATCH_COLUMNS = (
    "id, target, query, kind, key, orgs, licenses, origin, created_at, after_rowid, disabled_reason"
)
#: A new item as matching reads it: rowid, id, entity id, family key, org, facts JSON,
#: episode id, headline.
ITEM_COLUMNS = (
    "i.rowid, i.id, coalesce(i.entity_id, ''), coalesce(e.family_key, ''), i.org,"
    " i.facts, i.episode_id, i.headline,"
    " (SELECT ep.published FROM episodes ep WHERE ep.id = i.episode_id)"
)
#: An active watch as matching reads it: id, kind, key, orgs, licenses, after_rowid,
#: created_at.
KEY_COLUMNS = "id, kind, key, orgs, licenses, after_rowid, created_at"
#: A pending alert: target, watch id, query, release name, item name, headline, section,
#: links JSON, episode id, title, published, url, entity id, episode id.
PENDING_COLUMNS = (
    "w.target, w.id, w.query, coalesce(n.name, i.name), i.name, i.headline,"
    " i.section, i.links, e.id, e.title, e.published, e.url, a.entity_id, a.episode_id"
)
#: A target's kind (``slack-user`` of ``slack-user:U1``; the whole target without a colon).
_KIND_SQL = (
    "CASE WHEN instr(w.target, ':') = 0 THEN w.target"
    " ELSE substr(w.target, 1, instr(w.target, ':') - 1) END"
)

#: Finds the active watches on (kind, key) pairs, inside the scan's transaction.
WatchLookup = Callable[[Sequence[tuple[str, str]]], list[tuple[Any, ...]]]
#: Given new item rows and a lookup, the alerts they raise: (watch, entity, episode, item).
Matcher = Callable[[list[tuple[Any, ...]], WatchLookup], list[tuple[str, str, str, str]]]


class WatchTables:
    """Rows of ``watches`` and ``watch_alerts`` (tuples in the column orders above)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- watches -------------------------------------------------------------------

    def newest_item_rowid(self) -> int:
        """The newest stored item's rowid (0 for none): a new watch starts after it."""
        rows = self._store.query("SELECT coalesce(max(rowid), 0) FROM items")
        return int(rows[0][0])

    def put(self, row: Sequence[Any]) -> None:
        """Insert a watch."""
        with self._store.transaction() as db:
            db.execute(
                f"INSERT INTO watches({WATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(row),
            )

    def get(self, watch_id: str) -> tuple[Any, ...] | None:
        """One watch's row."""
        rows = self._store.query(f"SELECT {WATCH_COLUMNS} FROM watches WHERE id = ?", (watch_id,))
        return rows[0] if rows else None

    def all(self, target: str | None = None) -> list[tuple[Any, ...]]:
        """Every watch (or ``target``'s), oldest first."""
        if target is None:
            return self._store.query(f"SELECT {WATCH_COLUMNS} FROM watches ORDER BY created_at, id")
        return self._store.query(
            f"SELECT {WATCH_COLUMNS} FROM watches WHERE target = ? ORDER BY created_at, id",
            (target,),
        )

    def active(self) -> list[tuple[Any, ...]]:
        """The watches not disabled, by id."""
        return self._store.query(
            f"SELECT {WATCH_COLUMNS} FROM watches WHERE disabled_reason IS NULL ORDER BY id"
        )

    def delete(self, watch_id: str) -> None:
        """Delete a watch with its alerts."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM watch_alerts WHERE watch_id = ?", (watch_id,))
            db.execute("DELETE FROM watches WHERE id = ?", (watch_id,))

    def disable(self, watch_id: str, reason: str) -> None:
        """Stop a watch, saying why."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE watches SET disabled_reason = ? WHERE id = ?", (reason[:300], watch_id)
            )

    # --- alerts --------------------------------------------------------------------

    def scan_new(self, matcher: Matcher, *, limit: int, now: str) -> tuple[int, int]:
        """Match up to ``limit`` items stored after the cursor and record their alerts.

        One transaction reads the cursor, the items and their watches, inserts the
        alerts (each once) and moves the cursor, so several processes may scan at
        once.  Returns (items read, alerts new).
        """
        with self._store.transaction() as db:
            (cursor,) = db.execute(
                "SELECT item_rowid FROM watch_cursor WHERE name = 'items'"
            ).fetchone()
            items = db.execute(
                f"SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN entities e ON e.id = i.entity_id"
                " WHERE i.rowid > ? ORDER BY i.rowid LIMIT ?",
                (int(cursor), limit),
            ).fetchall()
            if not items:
                return 0, 0

            def lookup(pairs: Sequence[tuple[str, str]]) -> list[tuple[Any, ...]]:
                found: list[tuple[Any, ...]] = []
                for start in range(0, len(pairs), 400):
                    chunk = pairs[start : start + 400]
                    marks = " OR ".join("(kind = ? AND key = ?)" for _ in chunk)
                    params = [value for pair in chunk for value in pair]
                    found += db.execute(
                        f"SELECT {KEY_COLUMNS} FROM watches"
                        f" WHERE disabled_reason IS NULL AND ({marks})",
                        params,
                    ).fetchall()
                return found

            added = 0
            for alert in matcher(items, lookup):
                added += db.execute(
                    "INSERT OR IGNORE INTO watch_alerts(watch_id, entity_id, episode_id,"
                    " item_id, created_at) VALUES (?, ?, ?, ?, ?)",
                    (*alert, now),
                ).rowcount
            db.execute(
                "UPDATE watch_cursor SET item_rowid = ? WHERE name = 'items'", (items[-1][0],)
            )
        return len(items), added

    def pending(self, kinds: Sequence[str] | None, limit: int) -> list[tuple[Any, ...]]:
        """Alerts recorded and not sent (of targets of ``kinds``), oldest first."""
        only = ""
        params: list[object] = []
        if kinds is not None:
            only = f" AND {_KIND_SQL} IN ({', '.join('?' for _ in kinds) or 'NULL'})"
            params = list(kinds)
        return self._store.query(
            f"SELECT {PENDING_COLUMNS}"
            " FROM watch_alerts a JOIN watches w ON w.id = a.watch_id"
            " JOIN items i ON i.id = a.item_id JOIN episodes e ON e.id = a.episode_id"
            " LEFT JOIN entities n ON n.id = a.entity_id"
            " WHERE a.state = 'pending' AND w.disabled_reason IS NULL" + only + " ORDER BY"
            " a.created_at, a.rowid LIMIT ?",
            [*params, limit],
        )

    def mark_sent(self, key: tuple[str, str, str], message_id: str, now: str) -> None:
        """Record an alert (watch, entity, episode) as sent."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE watch_alerts SET state = 'sent', sent_at = ?, message_id = ?, error = NULL"
                " WHERE watch_id = ? AND entity_id = ? AND episode_id = ?",
                (now, message_id, *key),
            )

    def note_error(self, key: tuple[str, str, str], error: str) -> None:
        """Remember why an alert (watch, entity, episode) did not go out this time."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE watch_alerts SET error = ? WHERE watch_id = ? AND entity_id = ?"
                " AND episode_id = ?",
                (error[:300], *key),
            )
