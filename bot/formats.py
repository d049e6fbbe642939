"""Machine and Markdown forms of replies: the CLI's ``--json`` and ``--format markdown``.

The JSON shapes are a public contract (see README); keep them stable and add
fields rather than change them.
"""

from __future__ import annotations

import re
from typing import Any

from bot.models import (
    Digest,
    Episode,
    EpisodeRef,
    Link,
    ReleaseEntity,
    ReleaseReply,
    SearchHit,
)


def episode_json(ref: EpisodeRef) -> dict[str, Any]:
    """``{"id", "title", "published", "url"}`` with ``published`` in ISO 8601."""
    return {
        "id": ref.id,
        "title": ref.title,
        "published": ref.published.isoformat() if ref.published else None,
        "url": ref.url,
    }


def links_json(links: tuple[Link, ...]) -> list[dict[str, str]]:
    """Links as ``[{"label", "url"}]``."""
    return [{"label": link.label, "url": link.url} for link in links]


def entity_json(entity: ReleaseEntity | None) -> dict[str, Any] | None:
    """``{"id", "name", "family", "org"}`` of a release entity, or ``None``."""
    if entity is None:
        return None
    return {"id": entity.id, "name": entity.name, "family": entity.family, "org": entity.org}


def release_json(reply: ReleaseReply) -> dict[str, Any]:
    """The ``release --json`` document."""
    item = reply.item
    return {
        "name": item.name,
        "org": item.org,
        "section": item.section,
        "headline": item.headline,
        "summary": item.summary,
        "facts": item.facts.model_dump(mode="json", exclude_defaults=True),
        "links": links_json(item.links),
        "episode": episode_json(item.episode),
        "chapter": (
            {"title": item.chapter.title, "start_seconds": item.chapter.start_seconds}
            if item.chapter
            else None
        ),
        "mentions": [
            {
                "name": m.name,
                "headline": m.headline,
                "episode": episode_json(m.episode),
                "entity": m.entity,
            }
            for m in reply.mentions
        ],
        "entity": entity_json(reply.entity),
        "scope": reply.scope,
        "mentions_total": reply.mentions_total,
    }


def digest_json(digest: Digest) -> dict[str, Any]:
    """The ``tldr --format json`` document (``episode`` is the first, or only, episode)."""
    return {
        "episode": episode_json(digest.episodes[0]) if digest.episodes else None,
        "episodes": [episode_json(e) for e in digest.episodes],
        "title": digest.title,
        "sections": [
            {
                "name": section.name,
                "original": section.original,
                "items": [
                    {
                        "name": item.name,
                        "org": item.org,
                        "headline": item.headline,
                        "links": links_json(item.links),
                        "entity": entity_json(item.entity),
                    }
                    for item in section.items
                ],
            }
            for section in digest.sections
        ],
    }


def search_json(hits: list[SearchHit]) -> dict[str, Any]:
    """The ``search --json`` document."""
    return {
        "results": [
            {
                "name": hit.item.name,
                "headline": hit.item.headline,
                "section": hit.item.section,
                "episode": episode_json(hit.item.episode),
                "score": hit.score,
            }
            for hit in hits
        ]
    }


def episodes_json(episodes: list[Episode]) -> dict[str, Any]:
    """The ``episodes --json`` document."""
    return {
        "episodes": [
            {
                **episode_json(e.ref()),
                "items": e.item_count,
                "duration_seconds": e.duration_seconds,
                "audio_url": e.audio_url,
                "feed": e.feed,
            }
            for e in episodes
        ]
    }


# --- Markdown ---------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax in plain text so feed text cannot inject markup."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def md_links(links: tuple[Link, ...]) -> str:
    """``[label](url)`` links joined with commas."""
    return ", ".join(f"[{md_escape(link.label)}]({_md_url(link.url)})" for link in links)


def digest_markdown(digest: Digest) -> str:
    """A digest as Markdown: a heading, a list per section, links inline."""
    lines = [f"# {md_escape(digest.title)}", ""]
    for ref in digest.episodes:
        when = ref.published.date().isoformat() if ref.published else "undated"
        link = f" ([episode]({_md_url(ref.url)}))" if ref.url else ""
        lines.append(f"_{when}_{link}")
    for section in digest.sections:
        lines += ["", f"## {md_escape(section.name)}", ""]
        for item in section.items:
            links = f" ({md_links(item.links)})" if item.links else ""
            lines.append(f"* {md_escape(item.headline)}{links}")
    return "\n".join(lines) + "\n"
