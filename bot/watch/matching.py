"""Matching new items against watches, recording each alert once.

``record_new_alerts`` reads the items stored since the last scan (a cursor
in the database), looks up the watches on their release entities and
families through an index (so 10,000 watches cost what the few that match
cost), applies each watch's fact filter and inserts one ``watch_alerts`` row
per watch, release and episode.  The rows are the ledger: inserting an
existing one does nothing, so a re-ingest, a second scan or a restart never
records (and so never sends) an alert twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.factfilter import FactFilter
from bot.store.sqlite import Store

#: Items matched per statement at most (a big first ingest is scanned in slices).
_SLICE = 2000


@dataclass(frozen=True, slots=True)
class NewItem:
    """What matching needs of a new item."""

    rowid: int
    item_id: str
    entity_id: str
    family_key: str
    org: str | None
    license: str | None
    episode_id: str
    headline: str = ""


@dataclass(frozen=True, slots=True)
class WatchKey:
    """What matching needs of a watch."""

    id: str
    kind: str
    key: str
    facts: FactFilter
    after_rowid: int


def record_new_alerts(store: Store, *, now: datetime) -> int:
    """Record the alerts the items stored since the last scan raise; returns how many are new.

    Links new items to their entities first.  Safe to call from several
    processes: the cursor moves and the rows are inserted in one transaction.
    """
    store.fill_entities()
    added = 0
    while True:
        with store.transaction() as db:
            (cursor,) = db.execute(
                "SELECT item_rowid FROM watch_cursor WHERE name = 'items'"
            ).fetchone()
            items = _new_items(db, int(cursor))
            if not items:
                return added
            rows = match(items, _watches_for(db, items))
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO watch_alerts(watch_id, entity_id, episode_id, item_id,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                [(*row, now.isoformat()) for row in rows],
            )
            added += db.total_changes - before
            db.execute(
                "UPDATE watch_cursor SET item_rowid = ? WHERE name = 'items'", (items[-1].rowid,)
            )
        if len(items) < _SLICE:
            return added


def match(items: Sequence[NewItem], watches: Sequence[WatchKey]) -> list[tuple[str, str, str, str]]:
    """``(watch id, entity id, episode id, item id)`` per alert: the first item of an
    episode that names the watched release (or a release of the watched family)."""
    by_key: dict[tuple[str, str], list[WatchKey]] = {}
    for watch in watches:
        by_key.setdefault((watch.kind, watch.key), []).append(watch)
    seen: set[tuple[str, str, str]] = set()
    out: list[tuple[str, str, str, str]] = []
    for item in items:
        if not item.entity_id:
            continue
        found = by_key.get(("entity", item.entity_id), []) + by_key.get(
            ("family", item.family_key), []
        )
        for watch in found:
            ident = (watch.id, item.entity_id, item.episode_id)
            if item.rowid <= watch.after_rowid or ident in seen:
                continue
            if watch.facts and not watch.facts.matches_line(item.org, item.license, item.headline):
                continue
            seen.add(ident)
            out.append((*ident, item.item_id))
    return out


def _new_items(db: Any, cursor: int) -> list[NewItem]:
    rows = db.execute(
        "SELECT i.rowid, i.id, coalesce(i.entity_id, ''), coalesce(e.family_key, ''), i.org,"
        " i.facts, i.episode_id, i.headline FROM items i LEFT JOIN entities e ON e.id = i.entity_id"
        " WHERE i.rowid > ? ORDER BY i.rowid LIMIT ?",
        (cursor, _SLICE),
    ).fetchall()
    items = []
    for rowid, item_id, entity_id, fam, org, facts_json, episode_id, headline in rows:
        facts = json.loads(facts_json) if facts_json and facts_json != "{}" else {}
        items.append(
            NewItem(
                rowid=rowid,
                item_id=item_id,
                entity_id=entity_id,
                family_key=fam,
                org=org or facts.get("org"),
                license=facts.get("license"),
                episode_id=episode_id,
                headline=headline,
            )
        )
    return items


def _watches_for(db: Any, items: Sequence[NewItem]) -> list[WatchKey]:
    """The active watches on any release or family of ``items`` (by the watches index)."""
    wanted = {("entity", i.entity_id) for i in items if i.entity_id}
    wanted |= {("family", i.family_key) for i in items if i.family_key}
    found: list[WatchKey] = []
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        marks = " OR ".join("(kind = ? AND key = ?)" for _ in chunk)
        params = [value for pair in chunk for value in pair]
        for wid, kind, key, orgs, licenses, after in db.execute(
            "SELECT id, kind, key, orgs, licenses, after_rowid FROM watches"
            f" WHERE disabled_reason IS NULL AND ({marks})",
            params,
        ):
            found.append(
                WatchKey(
                    wid,
                    kind,
                    key,
                    FactFilter(tuple(json.loads(orgs)), tuple(json.loads(licenses))),
                    int(after),
                )
            )
    return found
