"""Replies as terminal text.

The console is a real adapter: it renders the same platform-neutral replies
the chat adapters do.  Feed text is already plain; control characters are
removed once more here so nothing from a feed can drive the terminal.
"""

from __future__ import annotations

import textwrap

from adapters.console.lookup_render import item_text, release_text, render_search
from adapters.console.text import WIDTH, safe
from adapters.console.text import date_of as _date
from bot.models import (
    Digest,
    DigestReply,
    EpisodesReply,
    ImageReply,
    Item,
    ReleaseReply,
    Reply,
    SearchReply,
    TextReply,
)


def render_digest(digest: Digest) -> str:
    """A TL;DR: title, episode dates and links, then each section's releases."""
    lines = [safe(digest.title), "=" * min(WIDTH, len(safe(digest.title)))]
    for ref in digest.episodes:
        lines.append(f"{_date(ref)}  {safe(ref.url or '')}".rstrip())
    for section in digest.sections:
        lines += ["", f"## {safe(section.heading)}"]
        for item in section.items:
            lines.append(textwrap.fill(f"* {safe(item.headline)}", WIDTH, subsequent_indent="  "))
            for link in item.links:
                lines.append(f"    {safe(link.label)}: {safe(link.url)}")
            if len(digest.episodes) > 1 and item.sources:
                lines.append("    from: " + "; ".join(safe(s.title) for s in item.sources))
    if not digest.sections and digest.left_out is None:
        lines += ["", "(no releases)"]
    if digest.left_out is not None:  # a digest cut to fit a post: say what is missing
        lines += ["", safe(digest.left_out.text())]
        lines += [f"Full show notes: {safe(ref.url)}" for ref in digest.episodes if ref.url]
    return "\n".join(lines)


def render_item(item: Item) -> str:
    """One release: name, org, section, summary, facts, links, episode and chapter."""
    chapter = item.chapter
    return item_text(
        item,
        facts=item.facts.model_dump(exclude_defaults=True),
        links=[(link.label, link.url) for link in item.links],
        chapter=(chapter.title, chapter.start_seconds) if chapter else None,
    )


def render(reply: Reply) -> str:
    """Any reply as terminal text."""
    if isinstance(reply, DigestReply):
        page = f"\n\nWeb archive: {safe(reply.page_url)}" if reply.page_url else ""
        return render_digest(reply.digest) + page
    if isinstance(reply, ReleaseReply):
        text = release_text(reply, render_item(reply.item))
        if reply.page_url:
            text += f"\n\nWeb archive: {safe(reply.page_url)}"
        return text
    if isinstance(reply, SearchReply):
        return render_search(reply.query, reply.hits)
    if isinstance(reply, EpisodesReply):
        return (
            "\n".join(
                f"{e.id}  {_date(e)}  {e.item_count:3} items  {safe(e.title)}"
                for e in reply.episodes
            )
            or "No episodes yet."
        )
    if isinstance(reply, TextReply):
        hint = f"\nDid you mean: {', '.join(reply.suggestions)}?" if reply.suggestions else ""
        return safe(reply.text + hint)
    if isinstance(reply, ImageReply):  # a terminal shows no picture: its words, and how to get it
        return safe(
            f"{reply.title}\n{reply.alt}\n(a {len(reply.png) // 1024} KB PNG; "
            "`digestbot timeline FAMILY --out FILE.png` writes it)"
        )
    raise TypeError(f"cannot render {type(reply).__name__}")
