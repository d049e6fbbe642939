"""Slack request signatures already accepted, in the SQLite file every process shares.

One short write per request on a connection of its own, so a request never
waits behind a long ingest holding the store's lock in this process
(SQLite's busy timeout still bounds the wait for other processes).
Failures are ``StorageError``; the caller falls back to memory.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading

from bot.store.sqlite import wrap_errors

#: How long a write to the seen table may wait for the database lock (Slack wants an
#: answer within 3 s; past this the caller checks in memory instead).
SQLITE_TIMEOUT = 0.5


class SqliteSeen:
    """Seen signatures in digestbot's database, shared by every process using it."""

    def __init__(self, path: str) -> None:
        with wrap_errors(f"opening {path}"):
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=SQLITE_TIMEOUT
            )
        self._lock = threading.Lock()

    def first_sight(self, signature: str, expires_at: float, now: float) -> bool:
        """Record ``signature``; ``False`` when it was already recorded and not expired."""
        key = hashlib.sha256(signature.encode()).hexdigest()
        with self._lock, wrap_errors("recording a request signature"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM slack_seen_signatures WHERE expires_at <= ?", (now,))
                inserted = self._db.execute(
                    "INSERT OR IGNORE INTO slack_seen_signatures (signature, expires_at)"
                    " VALUES (?, ?)",
                    (key, expires_at),
                ).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return inserted == 1

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
