"""``release --json`` and ``search --json``: the one code that writes these documents.

A public contract (see README).  ``bot.formats`` writes them of the models
(``ReleaseReply``, ``SearchHit``), a lookup process of ``bot.lookup``'s rows: both
through these functions, which read only what the two kinds share (``Protocol``s);
what they hold differently (facts, links, chapter) the caller hands in as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.lookup import ReleaseAnswer


class RefFields(Protocol):
    """An episode as replies show it: ``EpisodeRef`` or ``RefRow``."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def url(self) -> str | None: ...


class EntityFields(Protocol):
    """A release entity: ``ReleaseEntity`` or ``EntityRow``."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def org(self) -> str | None: ...


class ItemFields(Protocol):
    """What the documents read of an item: ``Item`` or ``ItemRow``."""

    @property
    def name(self) -> str: ...
    @property
    def org(self) -> str | None: ...
    @property
    def section(self) -> str: ...
    @property
    def headline(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def episode(self) -> RefFields: ...


class MentionFields(Protocol):
    """A mention in a reply: ``bot.models.Mention`` or ``bot.lookup.Mention``."""

    @property
    def name(self) -> str: ...
    @property
    def headline(self) -> str: ...
    @property
    def episode(self) -> RefFields: ...
    @property
    def entity(self) -> str | None: ...


class AnswerFields(Protocol):
    """A release answer: ``ReleaseReply`` or ``ReleaseAnswer``."""

    @property
    def item(self) -> ItemFields: ...
    @property
    def mentions(self) -> Sequence[MentionFields]: ...
    @property
    def entity(self) -> EntityFields | None: ...
    @property
    def scope(self) -> str: ...
    @property
    def mentions_total(self) -> int: ...


class HitFields(Protocol):
    """A search hit: ``SearchHit`` or ``Hit``."""

    @property
    def item(self) -> ItemFields: ...
    @property
    def score(self) -> float: ...


def episode_doc(ref: RefFields) -> dict[str, Any]:
    """``{"id", "title", "published", "url"}`` with ``published`` in ISO 8601."""
    return {
        "id": ref.id,
        "title": ref.title,
        "published": ref.published.isoformat() if ref.published else None,
        "url": ref.url,
    }


def entity_doc(entity: EntityFields | None) -> dict[str, Any] | None:
    """``{"id", "name", "family", "org"}`` of a release entity, or ``None``."""
    if entity is None:
        return None
    return {"id": entity.id, "name": entity.name, "family": entity.family, "org": entity.org}


def release_document(
    answer: AnswerFields,
    *,
    facts: dict[str, Any],
    links: Iterable[tuple[str, str]],
    chapter: tuple[str, int] | None,
) -> dict[str, Any]:
    """The ``release --json`` document; ``facts`` as stated (JSON values), ``links`` as
    (label, url), ``chapter`` as (title, start_seconds)."""
    item = answer.item
    return {
        "name": item.name,
        "org": item.org,
        "section": item.section,
        "headline": item.headline,
        "summary": item.summary,
        "facts": facts,
        "links": [{"label": label, "url": url} for label, url in links],
        "episode": episode_doc(item.episode),
        "chapter": {"title": chapter[0], "start_seconds": chapter[1]} if chapter else None,
        "mentions": [
            {
                "name": m.name,
                "headline": m.headline,
                "episode": episode_doc(m.episode),
                "entity": m.entity,
            }
            for m in answer.mentions
        ],
        "entity": entity_doc(answer.entity),
        "scope": answer.scope,
        "mentions_total": answer.mentions_total,
    }


def release_doc(answer: ReleaseAnswer) -> dict[str, Any]:
    """The ``release --json`` document of a lookup process's answer."""
    item = answer.item
    return release_document(
        answer, facts=dict(item.facts.stated), links=item.links, chapter=item.chapter
    )


def search_doc(hits: Sequence[HitFields]) -> dict[str, Any]:
    """The ``search --json`` document."""
    return {
        "results": [
            {
                "name": hit.item.name,
                "headline": hit.item.headline,
                "section": hit.item.section,
                "episode": episode_doc(hit.item.episode),
                "score": hit.score,
            }
            for hit in hits
        ]
    }
