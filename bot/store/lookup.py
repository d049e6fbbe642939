"""What a lookup reads, as plain frozen dataclasses: no pydantic on ``release``/``search``.

``bot.lookup`` answers ``digestbot release`` and ``digestbot search`` from these
rows (importing pydantic costs more than the whole lookup).  They hold what the
models ``Item``, ``EpisodeRef``, ``ReleaseEntity`` and ``Facts`` hold, read by the
same SQL as ``Store``'s methods of the same names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.headlines import headline_detail
from bot.store.sqlite import _ITEM_COLUMNS, _ITEM_JOINS, Store, _marks, _when


@dataclass(frozen=True, slots=True)
class RefRow:
    """An episode as replies show it (``bot.models.EpisodeRef``)."""

    id: str
    title: str
    published: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class EntityRow:
    """A release entity (``bot.models.ReleaseEntity``)."""

    id: str
    name: str
    family: str
    org: str | None = None


@dataclass(frozen=True, slots=True)
class FactsRow:
    """An item's facts as stored: the fields that differ from their defaults, in
    field order (``Facts.model_dump_json(exclude_defaults=True)``)."""

    stated: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Parameter counts stated ("7B")."""
        return tuple(self.stated.get("parameters", ()))

    @property
    def license(self) -> str | None:
        """The license stated."""
        value = self.stated.get("license")
        return str(value) if value is not None else None

    @property
    def scores(self) -> tuple[str, ...]:
        """Benchmark scores stated."""
        return tuple(self.stated.get("scores", ()))


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A stored release item (``bot.models.Item``); links as (label, url), the chapter
    as (title, start_seconds)."""

    id: str
    episode: RefRow
    position: int
    name: str
    org: str | None
    section: str
    section_original: str
    headline: str
    summary: str
    facts: FactsRow
    links: tuple[tuple[str, str], ...]
    chapter: tuple[str, int] | None
    entity: EntityRow | None

    @property
    def detail(self) -> str:
        """The headline minus the name it opens with (see ``headline_detail``)."""
        return headline_detail(self.name, self.org, self.headline)


@dataclass(frozen=True, slots=True)
class MentionLine:
    """A mention of an entity (``bot.store.sqlite.MentionRow`` with a ``RefRow``)."""

    item_id: str
    entity_id: str
    name: str
    org: str | None
    headline: str
    links: tuple[str, ...]
    published: str
    episode: RefRow


class LookupReader:
    """The reads of ``Engine.release`` and ``Engine.search`` over a SQLite ``Store``,
    returning rows instead of models."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def entity(self, entity_id: str) -> EntityRow | None:
        """One entity by id."""
        rows = self.store.query(
            "SELECT id, name, family, org FROM entities WHERE id = ?", (entity_id,)
        )
        return EntityRow(*rows[0]) if rows else None

    def family_entities(self, family_key: str) -> list[EntityRow]:
        """The entities of a family (by family key), by id."""
        rows = self.store.query(
            "SELECT id, name, family, org FROM entities WHERE family_key = ? ORDER BY id",
            (family_key,),
        )
        return [EntityRow(*r) for r in rows]

    def items_named(self, key: str, limit: int = 50) -> list[ItemRow]:
        """Items whose name key is exactly ``key``, newest first."""
        return self._items("i.name_key = ? ORDER BY i.published DESC LIMIT ?", (key, limit))

    def item(self, item_id: str) -> ItemRow | None:
        """One item by id."""
        found = self._items("i.id = ?", (item_id,))
        return found[0] if found else None

    def items_by_rowid(self, rowids: Sequence[int]) -> dict[int, ItemRow]:
        """Items keyed by rowid (those that exist)."""
        if not rowids:
            return {}
        rows = self.store.query(
            f"SELECT i.rowid, {_ITEM_COLUMNS} FROM items i {_ITEM_JOINS}"
            f" WHERE i.rowid IN ({_marks(len(rowids))})",
            list(rowids),
        )
        return {int(r[0]): _item(r[1:]) for r in rows}

    def search_ranks(self, match: str, limit: int) -> list[tuple[int, float, FactsRow]]:
        """(rowid, bm25 score, facts) of the best ``limit`` matches (``Store.search_ranks``)."""
        rows = self.store.query(
            """SELECT i.rowid, bm25(items_fts, 10.0, 3.0, 5.0, 1.0, 1.0) AS rank, i.facts
                FROM items_fts JOIN items i ON i.rowid = items_fts.rowid
                WHERE items_fts MATCH ? ORDER BY rank LIMIT ?""",
            (match, limit),
        )
        return [(int(r[0]), -float(r[1]), FactsRow(json.loads(r[2]))) for r in rows]

    def entity_mentions(self, entity_ids: Sequence[str], limit: int) -> list[MentionLine]:
        """Mentions of any of ``entity_ids``, newest first (``Store.entity_mentions``)."""
        if not entity_ids:
            return []
        ids = list(entity_ids[:500])
        rows = self.store.query(
            "SELECT i.id, i.entity_id, i.name, i.org, i.headline, i.links, i.published,"
            " e.id, e.title, e.published, e.url FROM items i JOIN episodes e ON e.id = i.episode_id"
            f" WHERE i.entity_id IN ({_marks(len(ids))})"
            " ORDER BY i.published IS NULL, i.published DESC, i.rowid DESC LIMIT ?",
            [*ids, limit],
        )
        return [
            MentionLine(
                item_id=r[0],
                entity_id=r[1],
                name=r[2],
                org=r[3],
                headline=r[4],
                links=tuple(link["url"] for link in json.loads(r[5])),
                published=r[6] or "",
                episode=RefRow(r[7], r[8], _when(r[9]), r[10]),
            )
            for r in rows
        ]

    def _items(self, where: str, params: Sequence[Any]) -> list[ItemRow]:
        rows = self.store.query(
            f"SELECT {_ITEM_COLUMNS} FROM items i {_ITEM_JOINS} WHERE {where}", params
        )
        return [_item(r) for r in rows]


def _item(row: Sequence[Any]) -> ItemRow:
    chapter = json.loads(row[10]) if row[10] else None
    return ItemRow(
        id=row[0],
        position=row[1],
        name=row[2],
        org=row[3],
        section=row[4],
        section_original=row[5],
        headline=row[6],
        summary=row[7],
        facts=FactsRow(json.loads(row[8])),
        links=tuple((link["label"], link["url"]) for link in json.loads(row[9])),
        chapter=(chapter["title"], chapter["start_seconds"]) if chapter else None,
        episode=RefRow(row[11], row[12], _when(row[13]), row[14]),
        entity=EntityRow(row[15], row[16], row[17], row[18]) if row[15] else None,
    )
