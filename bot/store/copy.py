"""Copying a SQLite database into PostgreSQL (``digestbot migrate-db``).

Every table that holds data (sources, episodes, items, entities,
subscriptions, the ledger, the LLM cache, Slack installations and bots,
watches and their alerts) is read in rowid order and written with ``ON
CONFLICT DO NOTHING``, so running the copy again changes nothing; items get
their search columns on the way.
Afterwards each table's row count must be the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import StorageError
from bot.store.postgres import NAME_ITEMS_AFTER, PgStore, _index_columns, _translate
from bot.store.sqlite import Store

#: (table, columns) in copy order (parents before children).
TABLES: tuple[tuple[str, str], ...] = (
    ("sources", "source, content_hash, etag, last_modified, title, checked_at"),
    (
        "episodes",
        "id, key, feed, title, published, url, duration_seconds, audio_url, chapters, body,"
        " content_hash, ingested_at",
    ),
    ("entities", "id, name, family, family_key, org"),
    (
        "items",
        "id, episode_id, position, name, name_key, org, section, section_original, headline,"
        " summary, facts, links, chapter, published, entity_id",
    ),
    (
        "subscriptions",
        "id, target, mode, day, time, tz, feeds, sections, keywords, origin, created_at,"
        " baseline, disabled_reason, last_error, orgs, licenses, changes, threads",
    ),
    (
        "posts",
        "subscription_id, period, kind, state, owner, lease_until, attempts, next_attempt_at,"
        " first_claimed_at, episodes, message_ids, detail, updated_at, digest",
    ),
    ("covered", "subscription_id, episode_id, period"),
    ("llm_cache", "key, model, response, created_at"),
    (
        "slack_installations",
        "client_id, enterprise_id, team_id, user_id, installed_at, installation",
    ),
    ("slack_bots", "client_id, enterprise_id, team_id, installed_at, bot"),
    (
        "watches",
        "id, target, query, kind, key, orgs, licenses, origin, created_at, after_rowid,"
        " disabled_reason",
    ),
    (
        "watch_alerts",
        "watch_id, entity_id, episode_id, item_id, state, created_at, sent_at, message_id, error",
    ),
)
_BATCH = 2000


@dataclass(frozen=True)
class CopyReport:
    """Rows per table: read from SQLite, newly written, and now in PostgreSQL."""

    tables: tuple[tuple[str, int, int, int], ...]

    def lines(self) -> list[str]:
        """One line per table."""
        return [
            f"{name}: {source} row(s), {added} copied, {target} in the target"
            for name, source, added, target in self.tables
        ]


def copy_sqlite_to_postgres(source: Store, target: PgStore) -> CopyReport:
    """Copy ``source`` into ``target`` and verify the counts; raises ``StorageError``."""
    out = []
    for table, columns in TABLES:
        names = [c.strip() for c in columns.split(",")]
        read = source.query(f"SELECT {columns} FROM {table} ORDER BY rowid")
        extra = ""
        marks = ", ".join("?" * len(names))
        if table == "items":
            extra = ", ntok, tsv"
            from bot.store.postgres import _TSV

            marks += f", ?, {_TSV}"
            i = {n: k for k, n in enumerate(names)}
            rows = [
                (
                    *r,
                    *_index_columns(
                        r[i["name"]],
                        r[i["org"]],
                        r[i["headline"]],
                        r[i["summary"]],
                        r[i["section"]],
                    ),
                )
                for r in read
            ]
        else:
            rows = [tuple(r) for r in read]
        sql = _translate(
            f"INSERT INTO {table}({columns}{extra}) VALUES ({marks}) ON CONFLICT DO NOTHING"
        )
        added = 0
        with target.transaction() as db:
            before = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            for start in range(0, len(rows), _BATCH):
                db.executemany_raw(sql, rows[start : start + _BATCH])
            after = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            added = after - before
        if after != len(read):
            raise StorageError(
                f"copy of {table} does not add up: {len(read)} row(s) in SQLite,"
                f" {after} in PostgreSQL (was the target used for another database?)"
            )
        out.append((table, len(read), added, after))
    # Items get new rowids here: every copied item is old news to the watches (their
    # alerts were matched in SQLite and copied above), so none is matched again.
    with target.transaction() as db:
        db.execute_raw(NAME_ITEMS_AFTER, (0,))  # the name index of the copied items
        db.execute("UPDATE watches SET after_rowid = (SELECT coalesce(max(rowid), 0) FROM items)")
        db.execute(
            "UPDATE watch_cursor SET item_rowid = (SELECT coalesce(max(rowid), 0) FROM items)"
        )
    return CopyReport(tuple(out))
