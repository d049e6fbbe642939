"""Machine and Markdown forms of replies: the CLI's ``--json`` and ``--format markdown``.

The JSON shapes are a public contract (see README); keep them stable and add
fields rather than change them.
"""

from __future__ import annotations

import re
from typing import Any

from bot.lookup_json import entity_doc, episode_doc, release_document, search_doc
from bot.models import (
    Digest,
    Episode,
    Link,
    ReleaseReply,
    SearchHit,
)

#: ``{"id", "title", "published", "url"}`` (the one writer: ``bot.lookup_json``).
episode_json = episode_doc


def links_json(links: tuple[Link, ...]) -> list[dict[str, str]]:
    """Links as ``[{"label", "url"}]``."""
    return [{"label": link.label, "url": link.url} for link in links]


#: ``{"id", "name", "family", "org"}`` or ``None`` (the one writer: ``bot.lookup_json``).
entity_json = entity_doc


def release_json(reply: ReleaseReply) -> dict[str, Any]:
    """The ``release --json`` document (written by ``bot.lookup_json.release_document``)."""
    item = reply.item
    chapter = item.chapter
    return release_document(
        reply,
        facts=item.facts.model_dump(mode="json", exclude_defaults=True),
        links=[(link.label, link.url) for link in item.links],
        chapter=(chapter.title, chapter.start_seconds) if chapter else None,
    )


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
    """The ``search --json`` document (written by ``bot.lookup_json.search_doc``)."""
    return search_doc(hits)


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
