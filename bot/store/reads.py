"""The one SQLite code that reads what a lookup needs: items, entities, mentions, ranks.

``Store`` reads them as the pydantic models, ``bot.store.lookup.LookupReader`` as
plain rows (a ``digestbot release`` process imports no pydantic): the same SQL,
handed a different builder for each kind of row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

#: The columns ``ItemReads``' item builder reads, in order: the item, its episode, its entity.
ITEM_COLUMNS = """
    i.id, i.position, i.name, i.org, i.section, i.section_original, i.headline, i.summary,
    i.facts, i.links, i.chapter, e.id, e.title, e.published, e.url,
    n.id, n.name, n.family, n.org
"""
#: What every query selecting ``ITEM_COLUMNS`` joins (``i`` items, ``e``, ``n`` entity).
ITEM_JOINS = """JOIN episodes e ON e.id = i.episode_id
    LEFT JOIN entities n ON n.id = i.entity_id"""

ItemT = TypeVar("ItemT")
EntityT = TypeVar("EntityT")
RefT = TypeVar("RefT")
FactsT = TypeVar("FactsT")

#: ``Store.query``: SQL and parameters in, rows out.
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def item_fields(row: Sequence[Any]) -> dict[str, Any]:
    """The plain columns of an ``ITEM_COLUMNS`` row, by field name (both item kinds have
    them; each builds its facts, links, chapter, episode and entity its own way)."""
    return dict(zip(_PLAIN_FIELDS, row[: len(_PLAIN_FIELDS)], strict=True))


_PLAIN_FIELDS = "id position name org section section_original headline summary".split()


def marks(count: int) -> str:
    """SQL placeholders for ``count`` parameters."""
    return ",".join("?" * count)


@dataclass(frozen=True, slots=True)
class MentionOf(Generic[RefT]):
    """A mention of an entity, light enough to read hundreds of per lookup; ``episode``
    is a ``bot.models.EpisodeRef`` (``Store``) or a ``RefRow`` (``LookupReader``)."""

    item_id: str
    entity_id: str
    name: str
    org: str | None
    headline: str
    links: tuple[str, ...]  # URLs
    published: str  # ISO 8601, "" when undated
    episode: RefT


class ItemReads(Generic[ItemT, EntityT, RefT, FactsT]):
    """The reads of ``release`` and ``search``; ``item`` builds from ``ITEM_COLUMNS``,
    ``entity`` from (id, name, family, org), ``ref`` from an episode's (id, title,
    published, url), ``facts`` from the stored JSON."""

    def __init__(
        self,
        query: Query,
        *,
        item: Callable[[Sequence[Any]], ItemT],
        entity: Callable[[Sequence[Any]], EntityT],
        ref: Callable[[Sequence[Any]], RefT],
        facts: Callable[[str], FactsT],
    ) -> None:
        self.query = query
        self._item = item
        self._entity = entity
        self._ref = ref
        self._facts = facts

    def entity(self, entity_id: str) -> EntityT | None:
        """One entity by id."""
        rows = self.query("SELECT id, name, family, org FROM entities WHERE id = ?", (entity_id,))
        return self._entity(rows[0]) if rows else None

    def family_entities(self, family_key: str) -> list[EntityT]:
        """The entities of a family (by family key, e.g. "qwen"), by id."""
        rows = self.query(
            "SELECT id, name, family, org FROM entities WHERE family_key = ? ORDER BY id",
            (family_key,),
        )
        return [self._entity(r) for r in rows]

    def items(self, where: str, params: Sequence[Any]) -> list[ItemT]:
        """Items by a WHERE clause over ``items i`` (and ``e``, ``n``), in its order."""
        rows = self.query(f"SELECT {ITEM_COLUMNS} FROM items i {ITEM_JOINS} WHERE {where}", params)
        return [self._item(r) for r in rows]

    def items_named(self, key: str, limit: int = 50) -> list[ItemT]:
        """Items whose name key is exactly ``key``, newest first."""
        return self.items("i.name_key = ? ORDER BY i.published DESC LIMIT ?", (key, limit))

    def item(self, item_id: str) -> ItemT | None:
        """One item by id."""
        found = self.items("i.id = ?", (item_id,))
        return found[0] if found else None

    def items_by_rowid(self, rowids: Sequence[int]) -> dict[int, ItemT]:
        """Items keyed by rowid (those that exist)."""
        if not rowids:
            return {}
        rows = self.query(
            f"SELECT i.rowid, {ITEM_COLUMNS} FROM items i {ITEM_JOINS}"
            f" WHERE i.rowid IN ({marks(len(rowids))})",
            list(rowids),
        )
        return {int(r[0]): self._item(r[1:]) for r in rows}

    def search_ranks(self, match: str, limit: int) -> list[tuple[int, float, FactsT]]:
        """(rowid, bm25 score, facts) of the best ``limit`` matches of an FTS5 expression:
        what re-ranking needs, without building whole items.

        bm25 reads each word's whole posting list: fine for the few hundred
        matches of a specific query, slow for a common word over a million items.
        """
        rows = self.query(
            """SELECT i.rowid, bm25(items_fts, 10.0, 3.0, 5.0, 1.0, 1.0) AS rank, i.facts
                FROM items_fts JOIN items i ON i.rowid = items_fts.rowid
                WHERE items_fts MATCH ? ORDER BY rank LIMIT ?""",
            (match, limit),
        )
        return [(int(r[0]), -float(r[1]), self._facts(r[2])) for r in rows]

    def entity_mentions(self, entity_ids: Sequence[str], limit: int) -> list[MentionOf[RefT]]:
        """Mentions of any of ``entity_ids``, newest first."""
        if not entity_ids:
            return []
        ids = list(entity_ids[:500])
        rows = self.query(
            "SELECT i.id, i.entity_id, i.name, i.org, i.headline, i.links, i.published,"
            " e.id, e.title, e.published, e.url FROM items i JOIN episodes e ON e.id = i.episode_id"
            f" WHERE i.entity_id IN ({marks(len(ids))})"
            " ORDER BY i.published IS NULL, i.published DESC, i.rowid DESC LIMIT ?",
            [*ids, limit],
        )
        return [
            MentionOf(
                item_id=r[0],
                entity_id=r[1],
                name=r[2],
                org=r[3],
                headline=r[4],
                links=tuple(link["url"] for link in json.loads(r[5])),
                published=r[6] or "",
                episode=self._ref(r[7:]),
            )
            for r in rows
        ]
