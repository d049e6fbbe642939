"""What a lookup reads, as plain frozen dataclasses: no pydantic on ``release``/``search``.

``bot.lookup`` answers ``digestbot release`` and ``digestbot search`` from these
rows (importing pydantic costs more than the whole lookup).  They hold what the
models ``Item``, ``EpisodeRef``, ``ReleaseEntity`` and ``Facts`` hold, read by the
same code as ``Store``'s models (``bot.store.reads.ItemReads``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.headlines import headline_detail
from bot.store.reads import ItemReads, MentionOf, item_fields
from bot.store.sqlite import Store, _when


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


#: A mention of an entity (``bot.store.sqlite.MentionRow`` with a ``RefRow``).
MentionLine = MentionOf[RefRow]


class LookupReader(ItemReads[ItemRow, EntityRow, RefRow, FactsRow]):
    """The reads of ``release`` and ``search`` over a SQLite ``Store`` (``ItemReads``, the
    SQL ``Store`` reads its models with), returning rows instead of models."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.query, item=_item, entity=_entity, ref=_ref, facts=_facts)
        self.store = store


def _entity(row: Sequence[Any]) -> EntityRow:
    return EntityRow(row[0], row[1], row[2], row[3])


def _ref(row: Sequence[Any]) -> RefRow:
    return RefRow(row[0], row[1], _when(row[2]), row[3])


def _facts(stored: str) -> FactsRow:
    return FactsRow(json.loads(stored))


def _item(row: Sequence[Any]) -> ItemRow:
    chapter = json.loads(row[10]) if row[10] else None
    return ItemRow(
        **item_fields(row),
        facts=_facts(row[8]),
        links=tuple((link["label"], link["url"]) for link in json.loads(row[9])),
        chapter=(chapter["title"], chapter["start_seconds"]) if chapter else None,
        episode=_ref(row[11:15]),
        entity=_entity(row[15:]) if row[15] else None,
    )
