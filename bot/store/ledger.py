"""The posting ledger's tables (``posts``, ``covered``) on SQLite.

``bot.schedule.ledger`` decides (claim, take over, record, release); this
module is the only place its SQL is written.  ``LedgerTx`` is one unit of
work: its methods run inside the store's write transaction when opened with
``LedgerTables.transaction()``, or as plain reads from ``LedgerTables.reads()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.store.sqlite import Store

State = Literal["claimed", "posted", "retry", "failed", "skipped"]
Kind = Literal["digest", "note", "forced"]
DONE_STATES = frozenset({"posted", "failed", "skipped"})

_ROW_COLUMNS = (
    "subscription_id, period, kind, state, owner, lease_until, attempts, next_attempt_at,"
    " first_claimed_at, episodes, message_ids, detail, updated_at"
)


def ts(value: datetime | None) -> str | None:
    """A timestamp as stored (ISO 8601), or ``None``."""
    return value.isoformat() if value else None


def dt(value: str | None) -> datetime | None:
    """A stored timestamp back as a ``datetime``."""
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class LedgerRow:
    """One (subscription, period) entry of the ledger."""

    subscription_id: str
    period: str
    kind: Kind
    state: State
    owner: str | None
    lease_until: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    first_claimed_at: datetime | None
    episode_ids: tuple[str, ...]
    message_ids: tuple[str, ...]
    detail: str | None
    updated_at: datetime

    @property
    def done(self) -> bool:
        """Whether nothing more will happen for this period."""
        return self.state in DONE_STATES


@dataclass(frozen=True)
class Candidate:
    """An episode a post could cover."""

    id: str
    feed: str
    published: datetime | None
    ingested_at: datetime

    @property
    def when(self) -> datetime:
        """When it came out (its ingestion time when the feed gave no date)."""
        return self.published or self.ingested_at

    @property
    def arrived(self) -> datetime:
        """When digestbot could first have posted it."""
        return max(self.published or self.ingested_at, self.ingested_at)


@dataclass(frozen=True)
class SubscriptionBasis:
    """What choosing a subscription's episodes needs from its row."""

    feeds: tuple[str, ...]
    baseline: datetime | None
    created_at: datetime


#: Runs one statement: (sql, params) -> (rows, rowcount).
Execute = Callable[[str, Sequence[Any]], tuple[list[tuple[Any, ...]], int]]


class LedgerTx:
    """The ledger's statements, run through one connection (inside a transaction or not)."""

    def __init__(self, execute: Execute) -> None:
        self._execute = execute

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._execute(sql, params)[0]

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._execute(sql, params)[1]

    # --- reading ------------------------------------------------------------------

    def row(self, sub_id: str, period: str) -> LedgerRow | None:
        """The entry of one period, if any."""
        rows = self._rows(
            f"SELECT {_ROW_COLUMNS} FROM posts WHERE subscription_id = ? AND period = ?",
            (sub_id, period),
        )
        return ledger_row(rows[0]) if rows else None

    def history(self, sub_id: str, limit: int) -> list[LedgerRow]:
        """A subscription's entries, most recent first."""
        rows = self._rows(
            f"SELECT {_ROW_COLUMNS} FROM posts WHERE subscription_id = ?"
            " ORDER BY updated_at DESC LIMIT ?",
            (sub_id, limit),
        )
        return [ledger_row(r) for r in rows]

    def last_posted(self, sub_id: str) -> LedgerRow | None:
        """The most recent successful post of a subscription that listed episodes."""
        rows = self._rows(
            f"SELECT {_ROW_COLUMNS} FROM posts WHERE subscription_id = ? AND state = 'posted'"
            " AND episodes != '[]' ORDER BY updated_at DESC LIMIT 1",
            (sub_id,),
        )
        return ledger_row(rows[0]) if rows else None

    def unfinished(self) -> list[LedgerRow]:
        """Entries waiting for a retry or held by a claim."""
        rows = self._rows(f"SELECT {_ROW_COLUMNS} FROM posts WHERE state IN ('retry', 'claimed')")
        return [ledger_row(r) for r in rows]

    def kept_digest(self, sub_id: str, period: str) -> str | None:
        """The digest JSON a claim kept for its period, if any."""
        rows = self._rows(
            "SELECT digest FROM posts WHERE subscription_id = ? AND period = ?", (sub_id, period)
        )
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def subscription_exists(self, sub_id: str) -> bool:
        """Whether the subscription is still there."""
        return bool(self._rows("SELECT 1 FROM subscriptions WHERE id = ?", (sub_id,)))

    def basis(self, sub_id: str) -> SubscriptionBasis | None:
        """The subscription's feeds, baseline and creation time."""
        rows = self._rows(
            "SELECT feeds, baseline, created_at FROM subscriptions WHERE id = ?", (sub_id,)
        )
        if not rows:
            return None
        feeds, baseline, created_at = rows[0]
        return SubscriptionBasis(
            tuple(json.loads(feeds)), dt(baseline), datetime.fromisoformat(created_at)
        )

    def source_titles(self) -> list[tuple[str, str | None]]:
        """Every source with the title its feed gave."""
        return [(str(s), t) for s, t in self._rows("SELECT source, title FROM sources")]

    def uncovered(self, sub_id: str) -> list[Candidate]:
        """The episodes no post of the subscription has covered."""
        rows = self._rows(
            "SELECT e.id, e.feed, e.published, e.ingested_at FROM episodes e WHERE e.id NOT IN"
            " (SELECT episode_id FROM covered WHERE subscription_id = ?)",
            (sub_id,),
        )
        return [
            Candidate(str(r[0]), str(r[1]), dt(r[2]), datetime.fromisoformat(r[3])) for r in rows
        ]

    # --- writing ------------------------------------------------------------------

    def take(
        self, sub_id: str, period: str, owner: str, lease_until: datetime, now: datetime
    ) -> None:
        """Claim an existing entry for ``owner``."""
        self._write(
            "UPDATE posts SET state = 'claimed', owner = ?, lease_until = ?,"
            " attempts = attempts + 1, updated_at = ? WHERE subscription_id = ?"
            " AND period = ?",
            (owner, ts(lease_until), ts(now), sub_id, period),
        )

    def insert_claim(
        self,
        sub_id: str,
        period: str,
        kind: Kind,
        owner: str,
        lease_until: datetime,
        now: datetime,
        episode_ids: Sequence[str],
    ) -> None:
        """A new entry, claimed by ``owner``."""
        self._write(
            f"INSERT INTO posts({_ROW_COLUMNS}) VALUES (?, ?, ?, 'claimed', ?, ?, 1, NULL, ?,"
            " ?, '[]', NULL, ?)",
            (
                sub_id,
                period,
                kind,
                owner,
                ts(lease_until),
                ts(now),
                json.dumps(list(episode_ids)),
                ts(now),
            ),
        )

    def reserve(self, sub_id: str, period: str, episode_ids: Sequence[str]) -> None:
        """Mark episodes as covered by this period."""
        for episode_id in episode_ids:
            self._write(
                "INSERT OR IGNORE INTO covered(subscription_id, episode_id, period)"
                " VALUES (?, ?, ?)",
                (sub_id, episode_id, period),
            )

    def set_baseline(self, sub_id: str, baseline: datetime) -> None:
        """Fix the subscription's baseline, unless it has one."""
        self._write(
            "UPDATE subscriptions SET baseline = ? WHERE id = ? AND baseline IS NULL",
            (ts(baseline), sub_id),
        )

    def grow_message_ids(
        self,
        sub_id: str,
        period: str,
        message_ids: Sequence[str],
        *,
        owner: str | None = None,
        claimed_only: bool = False,
    ) -> bool:
        """Write ``message_ids`` when longer than the stored list (and still ``owner``'s)."""
        sql = "UPDATE posts SET message_ids = ? WHERE subscription_id = ? AND period = ?"
        params: list[Any] = [json.dumps(list(message_ids)), sub_id, period]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        if claimed_only:
            sql += " AND state = 'claimed'"
        sql += " AND json_array_length(message_ids) < ?"
        params.append(len(message_ids))
        return bool(self._write(sql, params))

    def mark_posted(
        self,
        sub_id: str,
        period: str,
        now: datetime,
        *,
        owner: str | None = None,
        message_ids: Sequence[str] | None = None,
        detail: str | None = None,
        unfinished_only: bool = False,
    ) -> bool:
        """Set the entry ``posted`` (only ``owner``'s, with its messages when given)."""
        sets = "state = 'posted', owner = NULL, lease_until = NULL, digest = NULL"
        params: list[Any] = []
        if message_ids is not None:
            sets += ", message_ids = ?, detail = ?"
            params += [json.dumps(list(message_ids)), detail]
        sets += ", updated_at = ?"
        params += [ts(now), sub_id, period]
        sql = f"UPDATE posts SET {sets} WHERE subscription_id = ? AND period = ?"
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        if unfinished_only:
            sql += " AND state IN ('claimed', 'retry')"
        return bool(self._write(sql, params))

    def keep_digest(self, sub_id: str, period: str, owner: str, digest_json: str) -> bool:
        """Keep the digest of a claim still ``owner``'s, once."""
        return bool(
            self._write(
                "UPDATE posts SET digest = ? WHERE subscription_id = ? AND period = ?"
                " AND owner = ? AND state = 'claimed' AND digest IS NULL",
                (digest_json, sub_id, period, owner),
            )
        )

    def posted_with(self, sub_id: str, period: str) -> tuple[str, tuple[str, ...]] | None:
        """The entry's state and message ids."""
        rows = self._rows(
            "SELECT state, message_ids FROM posts WHERE subscription_id = ? AND period = ?",
            (sub_id, period),
        )
        return (str(rows[0][0]), tuple(json.loads(rows[0][1]))) if rows else None

    def mark_retry(
        self, sub_id: str, period: str, owner: str, retry_at: datetime, error: str, now: datetime
    ) -> None:
        """Hand ``owner``'s claim back for a retry at ``retry_at``."""
        self._write(
            "UPDATE posts SET state = 'retry', owner = NULL, lease_until = NULL,"
            " next_attempt_at = ?, detail = ?, updated_at = ? WHERE subscription_id = ?"
            " AND period = ? AND owner = ?",
            (ts(retry_at), error, ts(now), sub_id, period, owner),
        )

    def mark_failed(self, sub_id: str, period: str, error: str, now: datetime) -> None:
        """Record a permanent failure and free the period's episodes."""
        self._write(
            "UPDATE posts SET state = 'failed', owner = NULL, lease_until = NULL,"
            " digest = NULL, detail = ?, updated_at = ? WHERE subscription_id = ?"
            " AND period = ?",
            (error, ts(now), sub_id, period),
        )
        self.uncover(sub_id, period)

    def insert_skipped(self, sub_id: str, period: str, detail: str, now: datetime) -> None:
        """A new entry saying the period gets no post."""
        self._write(
            f"INSERT INTO posts({_ROW_COLUMNS}) VALUES (?, ?, 'digest', 'skipped', NULL,"
            " NULL, 0, NULL, NULL, '[]', '[]', ?, ?)",
            (sub_id, period, detail, ts(now)),
        )

    def mark_skipped(self, sub_id: str, period: str, detail: str, now: datetime) -> None:
        """Turn an entry into a skip and free its episodes."""
        self._write(
            "UPDATE posts SET state = 'skipped', owner = NULL, digest = NULL, detail = ?,"
            " updated_at = ? WHERE subscription_id = ? AND period = ?",
            (detail, ts(now), sub_id, period),
        )
        self.uncover(sub_id, period)

    def uncover(self, sub_id: str, period: str) -> None:
        """Free the episodes a period reserved."""
        self._write(
            "DELETE FROM covered WHERE subscription_id = ? AND period = ?", (sub_id, period)
        )


class LedgerTables:
    """Opens ``LedgerTx`` units over a SQLite ``Store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextmanager
    def transaction(self) -> Iterator[LedgerTx]:
        """One write transaction (atomic across threads and processes)."""
        with self._store.transaction() as db:

            def execute(sql: str, params: Sequence[Any]) -> tuple[list[tuple[Any, ...]], int]:
                cursor = db.execute(sql, params)
                return cursor.fetchall(), cursor.rowcount

            yield LedgerTx(execute)

    def reads(self) -> LedgerTx:
        """Reads outside a transaction (each statement on its own)."""

        def execute(sql: str, params: Sequence[Any]) -> tuple[list[tuple[Any, ...]], int]:
            return self._store.query(sql, params), 0

        return LedgerTx(execute)


def ledger_row(row: Sequence[Any]) -> LedgerRow:
    """A ``posts`` row as a ``LedgerRow``."""
    return LedgerRow(
        subscription_id=str(row[0]),
        period=str(row[1]),
        kind=row[2],
        state=row[3],
        owner=row[4] if row[4] is None else str(row[4]),
        lease_until=dt(row[5]),
        attempts=int(row[6]),
        next_attempt_at=dt(row[7]),
        first_claimed_at=dt(row[8]),
        episode_ids=tuple(json.loads(str(row[9]))),
        message_ids=tuple(json.loads(str(row[10]))),
        detail=row[11] if row[11] is None else str(row[11]),
        updated_at=datetime.fromisoformat(str(row[12])),
    )
