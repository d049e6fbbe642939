"""Replicas of ``digestbot run`` on one database, and which of them leads.

The leader runs the feed poller and the scheduler; every replica answers
commands.  On PostgreSQL leadership is a session advisory lock held on a
connection of its own (``PgLeadership``): the server frees it the moment
that connection ends (the process killed, the network gone), and another
replica's next ``try_lead`` gets it.  On SQLite there is one process per
file: it leads from the start (``SoleLeadership``).

Every replica writes a heartbeat row (``replicas`` table) that
``digestbot status`` lists.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.errors import StorageError

if TYPE_CHECKING:
    from bot.store.sqlite import Store

log = logging.getLogger(__name__)

#: The advisory lock key of leadership (distinct from migrations' and writes').
LEADER_LOCK = 0x6469_6765_0003


@dataclass(frozen=True)
class Replica:
    """One ``digestbot run`` process as its heartbeat row says."""

    id: str
    host: str
    pid: int
    leader: bool
    since: str | None
    last_seen: str

    def as_json(self) -> dict[str, Any]:
        """The ``status --json`` form."""
        return {
            "id": self.id,
            "host": self.host,
            "pid": self.pid,
            "leader": self.leader,
            "since": self.since,
            "last_seen": self.last_seen,
        }


class ReplicaTable:
    """Heartbeat rows of the replicas (SQL for both backends: the store translates)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def beat(
        self, replica_id: str, host: str, pid: int, leader: bool, since: str | None, now: str
    ) -> None:
        """Write this replica's row."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO replicas(id, host, pid, leader, since, started_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " leader = excluded.leader, since = excluded.since,"
                " last_seen = excluded.last_seen",
                (replica_id, host, pid, leader, since, now, now),
            )

    def remove(self, replica_id: str) -> None:
        """Forget a replica (it stopped)."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM replicas WHERE id = ?", (replica_id,))

    def listing(self, seen_after: str) -> list[Replica]:
        """Replicas heard from after ``seen_after`` (ISO 8601), leader first."""
        rows = self._store.query(
            "SELECT id, host, pid, leader, since, last_seen FROM replicas"
            " WHERE last_seen > ? ORDER BY leader DESC, since, id",
            (seen_after,),
        )
        return [Replica(str(r[0]), str(r[1]), int(r[2]), bool(r[3]), r[4], str(r[5])) for r in rows]


class SoleLeadership:
    """One process per SQLite file: it always leads."""

    def try_lead(self) -> bool:
        """Always granted."""
        return True

    def still_leading(self) -> bool:
        """Always."""
        return True

    def resign(self) -> None:
        """Nothing to give back."""


class PgLeadership:
    """A session advisory lock on a dedicated PostgreSQL connection."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._url = url
        self._timeout = timeout
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        import psycopg

        # Keepalives: a silently dead network is noticed in seconds, so the server frees
        # the lock and this replica learns it lost it.
        return psycopg.connect(
            self._url,
            autocommit=True,
            connect_timeout=int(self._timeout),
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
        )

    def try_lead(self) -> bool:
        """Take the lock if free; ``False`` when another replica holds it.

        Raises ``StorageError`` when the database cannot be reached (the caller
        backs off: ``bot.schedule.leader``).
        """
        import psycopg

        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,))
                got = bool(row.fetchone()[0])
            except psycopg.Error as exc:
                self._drop()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable"
                raise StorageError(f"leadership: database unreachable ({first})") from exc
            return got

    def still_leading(self) -> bool:
        """Whether the lock's connection is alive (and so the lock still ours)."""
        import psycopg

        with self._lock:
            if self._conn is None:
                return False
            try:
                self._conn.execute("SELECT 1").fetchone()
            except psycopg.Error:
                self._drop()
                return False
            return True

    def resign(self) -> None:
        """Give the lock back (closing its connection frees it)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken: nothing more to free
                pass
            self._conn = None
