"""The rows a release family's timeline is drawn from (``bot.timeline``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.store.sqlite import Store


def timeline_rows(store: Store, entity_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(entity_id, name, facts JSON, published, episode id, episode title, feed) of every
    dated mention of ``entity_ids``, oldest first."""
    ids = list(entity_ids)[:500]
    return store.query(
        "SELECT i.entity_id, i.name, i.facts, i.published, e.id, e.title, e.feed"
        " FROM items i JOIN episodes e ON e.id = i.episode_id"
        f" WHERE i.entity_id IN ({','.join('?' * len(ids))}) AND i.published IS NOT NULL"
        " ORDER BY i.published, i.rowid",
        ids,
    )
