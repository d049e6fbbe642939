"""The SQLite statements of the tables beside episodes and items.

Subscriptions, the LLM answer cache, Slack OAuth installations, bots and
install states, and the list of sources.  Their callers (``bot.schedule``,
``bot.summarise.llm``, ``adapters.slack``) hold the rules and the models;
rows cross this boundary as plain tuples and strings, so no SQL is written
outside ``bot/store/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.sqlite import Store

#: The ``subscriptions`` columns, in the order a subscription row is given and returned.
SUBSCRIPTION_COLUMNS = (
    "id, target, mode, day, time, tz, feeds, sections, keywords, origin, created_at, baseline,"
    " disabled_reason, last_error, orgs, licenses, changes, threads"
)


class SubscriptionTables:
    """Rows of ``subscriptions`` (tuples in ``SUBSCRIPTION_COLUMNS`` order)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def put(self, row: Sequence[Any]) -> None:
        """Insert a subscription, or replace the one with its id."""
        with self._store.transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO subscriptions({SUBSCRIPTION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(row),
            )

    def get(self, sub_id: str) -> tuple[Any, ...] | None:
        """One subscription's row."""
        rows = self._store.query(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ?", (sub_id,)
        )
        return rows[0] if rows else None

    def all(self) -> list[tuple[Any, ...]]:
        """Every row, oldest first."""
        return self._store.query(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_at, id"
        )

    def for_target(self, target: str) -> list[tuple[Any, ...]]:
        """The rows posting to ``target``, oldest first."""
        return self._store.query(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE target = ?"
            " ORDER BY created_at, id",
            (target,),
        )

    def delete(self, sub_id: str) -> None:
        """Delete a subscription with its posting history."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,))
            db.execute("DELETE FROM posts WHERE subscription_id = ?", (sub_id,))
            db.execute("DELETE FROM covered WHERE subscription_id = ?", (sub_id,))

    def disable(self, sub_id: str, reason: str) -> None:
        """Stop a subscription, saying why."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE subscriptions SET disabled_reason = ?, last_error = ? WHERE id = ?",
                (reason, reason, sub_id),
            )

    def note_error(self, sub_id: str, error: str | None) -> None:
        """Set (or clear) the last posting error."""
        with self._store.transaction() as db:
            db.execute("UPDATE subscriptions SET last_error = ? WHERE id = ?", (error, sub_id))


class LLMCacheTable:
    """Validated LLM answers (JSON text) by content hash."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        """The answer stored under ``key``."""
        rows = self._store.query("SELECT response FROM llm_cache WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def put(self, key: str, model: str, response: str, created_at: str) -> None:
        """Store (or replace) the answer under ``key``."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO llm_cache(key, model, response, created_at)"
                " VALUES (?, ?, ?, ?)",
                (key, model, response, created_at),
            )


class SlackTables:
    """Slack installations, bots and OAuth states (JSON text, keyed by app and workspace)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save_installation(
        self,
        client_id: str,
        enterprise_id: str,
        team_id: str,
        user_id: str,
        installed_at: float,
        installation: str,
        bot: tuple[str, str, float, str] | None,
    ) -> None:
        """Store an installation and, when given, its bot (enterprise, team, time, json)."""
        with self._store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO slack_installations"
                "(client_id, enterprise_id, team_id, user_id, installed_at, installation)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (client_id, enterprise_id, team_id, user_id, installed_at, installation),
            )
            if bot is not None:
                db.execute(_SAVE_BOT, (client_id, *bot))

    def save_bot(
        self, client_id: str, enterprise_id: str, team_id: str, installed_at: float, bot: str
    ) -> None:
        """Store a workspace's bot."""
        with self._store.transaction() as db:
            db.execute(_SAVE_BOT, (client_id, enterprise_id, team_id, installed_at, bot))

    def find_bot(self, client_id: str, enterprise_id: str, team_id: str) -> str | None:
        """A workspace's bot JSON."""
        rows = self._store.query(
            "SELECT bot FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
            (client_id, enterprise_id, team_id),
        )
        return str(rows[0][0]) if rows else None

    def find_installation(
        self, client_id: str, enterprise_id: str, team_id: str, user_id: str | None
    ) -> str | None:
        """The newest installation JSON of a workspace (or of one of its users)."""
        sql = (
            "SELECT installation FROM slack_installations"
            " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params: tuple[str, ...] = (client_id, enterprise_id, team_id)
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        rows = self._store.query(sql + " ORDER BY installed_at DESC LIMIT 1", params)
        return str(rows[0][0]) if rows else None

    def delete_bot(self, client_id: str, enterprise_id: str, team_id: str) -> None:
        """Forget a workspace's bot."""
        with self._store.transaction() as db:
            db.execute(
                "DELETE FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                (client_id, enterprise_id, team_id),
            )

    def delete_installation(
        self, client_id: str, enterprise_id: str, team_id: str, user_id: str | None
    ) -> None:
        """Forget a workspace's installations (or one user's)."""
        sql = (
            "DELETE FROM slack_installations"
            " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params: tuple[str, ...] = (client_id, enterprise_id, team_id)
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        with self._store.transaction() as db:
            db.execute(sql, params)

    def issue_state(self, state: str, now: float, expire_at: float) -> None:
        """Record an install's state, dropping expired ones."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM slack_oauth_states WHERE expire_at <= ?", (now,))
            db.execute(
                "INSERT INTO slack_oauth_states(state, expire_at) VALUES (?, ?)",
                (state, expire_at),
            )

    def consume_state(self, state: str, now: float) -> bool:
        """Use a state once; whether it was there and unexpired."""
        with self._store.transaction() as db:
            used = db.execute(
                "DELETE FROM slack_oauth_states WHERE state = ? AND expire_at > ?", (state, now)
            )
            return used.rowcount == 1


_SAVE_BOT = (
    "INSERT OR REPLACE INTO slack_bots"
    "(client_id, enterprise_id, team_id, installed_at, bot) VALUES (?, ?, ?, ?, ?)"
)
