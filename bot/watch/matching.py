"""Matching new items against watches, recording each alert once.

``record_new_alerts`` reads the items stored since the last scan (a cursor
in the database), looks up the watches on their release entities and
families through an index (so 10,000 watches cost what the few that match
cost), applies each watch's fact filter and inserts one ``watch_alerts`` row
per watch, release and episode.  The rows are the ledger: inserting an
existing one does nothing, so a re-ingest, a second scan or a restart never
records (and so never sends) an alert twice.

An episode published more than ``BACKFILL`` before the watch was made is old
news read late (a feed added or imported with its history), not a new
episode: it raises no alert, or a new feed would DM every old mention.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.factfilter import FactFilter
from bot.store.protocol import StoreLike
from bot.store.watches import WatchLookup

#: Items matched per statement at most (a big first ingest is scanned in slices).
_SLICE = 2000
#: How long before a watch was made an episode may be published and still alert.
BACKFILL = timedelta(days=14)


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
    #: The episode's publication time (``None``: not stated).
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class WatchKey:
    """What matching needs of a watch."""

    id: str
    kind: str
    key: str
    facts: FactFilter
    after_rowid: int
    #: When the watch was made (``None``: unknown); older episodes are backfill.
    created_at: datetime | None = None


def record_new_alerts(store: StoreLike, *, now: datetime) -> int:
    """Record the alerts the items stored since the last scan raise; returns how many are new.

    Links new items to their entities first.  Safe to call from several
    processes: the cursor moves and the rows are inserted in one transaction.
    """
    store.fill_entities()
    tables = store.watch_tables()
    added = 0
    while True:
        read, new = tables.scan_new(_matcher, limit=_SLICE, now=now.isoformat())
        added += new
        if read < _SLICE:
            return added


def _matcher(rows: list[tuple[Any, ...]], lookup: WatchLookup) -> list[tuple[str, str, str, str]]:
    items = _new_items(rows)
    return match(items, _watches_for(lookup, items))


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
            if _backfill(item, watch):
                continue
            if watch.facts and not watch.facts.matches_line(item.org, item.license, item.headline):
                continue
            seen.add(ident)
            out.append((*ident, item.item_id))
    return out


def _backfill(item: NewItem, watch: WatchKey) -> bool:
    """Whether ``item``'s episode is old news to ``watch`` (published long before it)."""
    if item.published is None or watch.created_at is None:
        return False
    return item.published < watch.created_at - BACKFILL


def _when(value: Any) -> datetime | None:
    """A stored time (ISO text, or a datetime on PostgreSQL) as an aware datetime."""
    if not value:
        return None
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _new_items(rows: Sequence[tuple[Any, ...]]) -> list[NewItem]:
    items = []
    for row in rows:
        rowid, item_id, entity_id, fam, org, facts_json, episode_id, headline, published = row
        facts = json.loads(facts_json) if facts_json and facts_json != "{}" else {}
        items.append(
            NewItem(
                rowid=int(rowid),
                item_id=item_id,
                entity_id=entity_id,
                family_key=fam,
                org=org or facts.get("org"),
                license=facts.get("license"),
                episode_id=episode_id,
                headline=headline,
                published=_when(published),
            )
        )
    return items


def _watches_for(lookup: WatchLookup, items: Sequence[NewItem]) -> list[WatchKey]:
    """The active watches on any release or family of ``items`` (by the watches index)."""
    wanted = {("entity", i.entity_id) for i in items if i.entity_id}
    wanted |= {("family", i.family_key) for i in items if i.family_key}
    return [
        WatchKey(
            wid,
            kind,
            key,
            FactFilter(tuple(json.loads(orgs)), tuple(json.loads(licenses))),
            int(after),
            _when(created),
        )
        for wid, kind, key, orgs, licenses, after, created in lookup(sorted(wanted))
    ]
