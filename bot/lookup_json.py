"""``release --json`` and ``search --json`` of ``bot.lookup``'s answers.

The same documents ``bot.formats.release_json`` and ``search_json`` make of the
models (a public contract: see README); tests/test_light_start.py compares them.
"""

from __future__ import annotations

from typing import Any

from bot.lookup import Hit, ReleaseAnswer
from bot.store.lookup import EntityRow, RefRow


def episode_doc(ref: RefRow) -> dict[str, Any]:
    """``{"id", "title", "published", "url"}`` with ``published`` in ISO 8601."""
    return {
        "id": ref.id,
        "title": ref.title,
        "published": ref.published.isoformat() if ref.published else None,
        "url": ref.url,
    }


def _entity_doc(entity: EntityRow | None) -> dict[str, Any] | None:
    if entity is None:
        return None
    return {"id": entity.id, "name": entity.name, "family": entity.family, "org": entity.org}


def release_doc(answer: ReleaseAnswer) -> dict[str, Any]:
    """The ``release --json`` document."""
    item = answer.item
    return {
        "name": item.name,
        "org": item.org,
        "section": item.section,
        "headline": item.headline,
        "summary": item.summary,
        "facts": dict(item.facts.stated),
        "links": [{"label": label, "url": url} for label, url in item.links],
        "episode": episode_doc(item.episode),
        "chapter": (
            {"title": item.chapter[0], "start_seconds": item.chapter[1]} if item.chapter else None
        ),
        "mentions": [
            {
                "name": m.name,
                "headline": m.headline,
                "episode": episode_doc(m.episode),
                "entity": m.entity,
            }
            for m in answer.mentions
        ],
        "entity": _entity_doc(answer.entity),
        "scope": answer.scope,
        "mentions_total": answer.mentions_total,
    }


def search_doc(hits: list[Hit]) -> dict[str, Any]:
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
