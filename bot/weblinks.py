"""Links from chat answers to the web archive's pages (``[web] base_url``).

The archive's URLs are a contract (``/release/ENTITY_ID``, ``/family/NAME``,
``/episode/ID``, ``/search?q=...``); this module is the one place the core
builds them, so chat answers and the pages cannot drift apart.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.models import Digest, DigestReply, ReleaseReply


def page_url(base_url: str, kind: str, value: str) -> str:
    """``base_url/kind/value`` with ``value`` as one quoted path segment."""
    return f"{base_url.rstrip('/')}/{kind}/{quote(value, safe='')}"


def release_page_url(base_url: str | None, reply: ReleaseReply) -> str | None:
    """The page answering ``reply``: its family's or its release's; None without a base URL
    or an entity (an item no release entity was found for has no page)."""
    if not base_url or reply.entity is None:
        return None
    kind = "family" if reply.scope == "family" else "release"
    return page_url(base_url, kind, reply.entity.id)


def with_page(base_url: str | None, reply: ReleaseReply) -> ReleaseReply:
    """``reply`` with its ``page_url`` set when the archive is published."""
    url = release_page_url(base_url, reply)
    return reply.model_copy(update={"page_url": url}) if url else reply


def digest_page_url(base_url: str | None, digest: Digest) -> str | None:
    """The episode page of a one-episode TL;DR; None otherwise or without a base URL."""
    if not base_url or len(digest.episodes) != 1:
        return None
    return page_url(base_url, "episode", digest.episodes[0].id)


def digest_reply(base_url: str | None, digest: Digest) -> DigestReply:
    """A TL;DR answer, linking its episode page when the archive is published."""
    return DigestReply(digest=digest, page_url=digest_page_url(base_url, digest))
