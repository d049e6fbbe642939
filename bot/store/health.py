"""The statements of feed health (``feed_health``) and its incidents (``incidents``).

``bot.alerts`` holds the rules (thresholds, what makes an incident, the
messages); rows cross this boundary as plain tuples, so no SQL is written
outside ``bot/store/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.sqlite import Store


class HealthTables:
    """Feed health rows and incidents (timestamps as ISO 8601 text)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record_failure(self, feed: str, error: str, at: str) -> int:
        """Count a failed poll of ``feed``; its failures in a row."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO feed_health(feed, failures, last_error, last_error_at)"
                " VALUES (?, 1, ?, ?) ON CONFLICT(feed) DO UPDATE SET"
                " failures = feed_health.failures + 1, last_error = excluded.last_error,"
                " last_error_at = excluded.last_error_at",
                (feed, error, at),
            )
            row = db.execute("SELECT failures FROM feed_health WHERE feed = ?", (feed,)).fetchone()
        return int(row[0])

    def record_success(self, feed: str, at: str) -> None:
        """A successful poll of ``feed``: no failures in a row."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO feed_health(feed, failures, last_ok) VALUES (?, 0, ?)"
                " ON CONFLICT(feed) DO UPDATE SET failures = 0, last_ok = excluded.last_ok",
                (feed, at),
            )

    def newest_item_counts(self, feed: str, limit: int) -> list[tuple[str, int]]:
        """(title, item count) of the feed's newest ``limit`` episodes, newest first."""
        rows = self._store.query(
            "SELECT e.title, (SELECT count(*) FROM items i WHERE i.episode_id = e.id)"
            " FROM episodes e WHERE e.feed IN (?, (SELECT title FROM sources WHERE source = ?))"
            " ORDER BY e.published IS NULL, e.published DESC, e.rowid DESC LIMIT ?",
            (feed, feed, limit),
        )
        return [(str(title), int(count)) for title, count in rows]

    def disabled_subscriptions(self) -> dict[str, str]:
        """Disabled subscriptions' ids and reasons."""
        rows = self._store.query(
            "SELECT id, disabled_reason FROM subscriptions WHERE disabled_reason IS NOT NULL"
        )
        return {str(sub_id): str(reason) for sub_id, reason in rows}

    def open_subjects(self, kind: str) -> list[str]:
        """The subjects of ``kind``'s unresolved incidents."""
        rows = self._store.query(
            "SELECT subject FROM incidents WHERE kind = ? AND resolved_at IS NULL", (kind,)
        )
        return [str(r[0]) for r in rows]

    def feeds(self) -> list[tuple[Any, ...]]:
        """(feed, failures, last_ok, last_error, last_error_at) of every feed, by feed."""
        return self._store.query(
            "SELECT feed, failures, last_ok, last_error, last_error_at FROM feed_health"
            " ORDER BY feed"
        )

    def unsent(self) -> list[tuple[Any, ...]]:
        """(id, kind, subject, message, alerted_at, resolved_at) of incidents whose opening
        is not sent (and still open), or whose recovery is not sent, oldest first."""
        return self._store.query(
            "SELECT id, kind, subject, message, alerted_at, resolved_at FROM incidents"
            " WHERE (alerted_at IS NULL AND resolved_at IS NULL)"
            " OR (alerted_at IS NOT NULL AND resolved_at IS NOT NULL"
            " AND recovered_sent_at IS NULL) ORDER BY id"
        )

    def mark_sent(self, incident_id: int, *, recovered: bool, at: str) -> None:
        """Record an incident's opening (or recovery) as sent."""
        column = "recovered_sent_at" if recovered else "alerted_at"
        with self._store.transaction() as db:
            db.execute(f"UPDATE incidents SET {column} = ? WHERE id = ?", (at, incident_id))

    def open(self, key: str, kind: str, subject: str, message: str, at: str) -> None:
        """Open an incident, unless one with ``key`` is open already."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO incidents(key, kind, subject, message, opened_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, kind, subject, message, at),
            )

    def resolve(self, key: str, at: str) -> None:
        """Resolve the open incident with ``key`` (if any)."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE incidents SET resolved_at = ? WHERE key = ? AND resolved_at IS NULL",
                (at, key),
            )
