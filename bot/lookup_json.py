"""``release --json`` and ``search --json``: the one code that writes these documents.

A public contract (see README).  ``bot.formats`` writes them of the models
(``ReleaseReply``, ``SearchHit``), a lookup process of ``bot.lookup``'s rows: both
through these functions, which read only what the two kinds share; what they
hold differently (facts, links, chapter) the caller hands in as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # read, never built: these stay free of pydantic
    from bot.lookup import Hit, ReleaseAnswer
    from bot.models import EpisodeRef, ReleaseEntity, ReleaseReply, SearchHit
    from bot.store.lookup import EntityRow, RefRow


def episode_doc(ref: EpisodeRef | RefRow) -> dict[str, Any]:
    """``{"id", "title", "published", "url"}`` with ``published`` in ISO 8601."""
    return {
        "id": ref.id,
        "title": ref.title,
        "published": ref.published.isoformat() if ref.published else None,
        "url": ref.url,
    }


def entity_doc(entity: ReleaseEntity | EntityRow | None) -> dict[str, Any] | None:
    """``{"id", "name", "family", "org"}`` of a release entity, or ``None``."""
    if entity is None:
        return None
    return {"id": entity.id, "name": entity.name, "family": entity.family, "org": entity.org}


def release_document(
    answer: ReleaseReply | ReleaseAnswer,
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


def search_doc(hits: Sequence[SearchHit] | Sequence[Hit]) -> dict[str, Any]:
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
