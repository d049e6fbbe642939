"""Replies as terminal text.

The console is a real adapter: it renders the same platform-neutral replies
the chat adapters do.  Feed text is already plain; control characters are
removed once more here so nothing from a feed can drive the terminal.
"""

from __future__ import annotations

import textwrap

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
    more_mentions_line,
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
    org = f" ({safe(item.org)})" if item.org else ""
    lines = [f"{safe(item.name)}{org} - {safe(item.section)}", ""]
    lines.append(textwrap.fill(safe(item.summary or item.headline), WIDTH))
    facts = item.facts.model_dump(exclude_defaults=True)
    if facts:
        lines.append("")
        for key, value in facts.items():
            shown = ", ".join(value) if isinstance(value, list | tuple) else str(value)
            lines.append(f"  {key}: {safe(shown)}")
    if item.links:
        lines.append("")
        lines += [f"  {safe(link.label)}: {safe(link.url)}" for link in item.links]
    lines += ["", f"Covered in: {safe(item.episode.title)} ({_date(item.episode)})"]
    if item.episode.url:
        lines.append(f"  {safe(item.episode.url)}")
    if item.chapter:
        minutes, seconds = divmod(item.chapter.start_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        stamp = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes:02}:{seconds:02}"
        lines.append(f"  chapter {stamp} {safe(item.chapter.title)}")
    return "\n".join(lines)


def render(reply: Reply) -> str:
    """Any reply as terminal text."""
    if isinstance(reply, DigestReply):
        page = f"\n\nWeb archive: {safe(reply.page_url)}" if reply.page_url else ""
        return render_digest(reply.digest) + page
    if isinstance(reply, ReleaseReply):
        text = render_item(reply.item)
        if reply.mentions:
            text += "\n\nAlso came up:"
            for mention in reply.mentions:
                label = reply.mention_label(mention)
                label = f"[{safe(label)}] " if label else ""
                text += (
                    f"\n  {_date(mention.episode)}  {label}{safe(mention.name)}:"
                    f" {safe(mention.headline)}"
                )
            if reply.more_mentions:
                text += f"\n  ... {more_mentions_line(reply.more_mentions)}"
        if reply.page_url:
            text += f"\n\nWeb archive: {safe(reply.page_url)}"
        return text
    if isinstance(reply, SearchReply):
        if not reply.hits:
            return f"No releases match '{safe(reply.query[:80])}'."
        lines = []
        for hit in reply.hits:
            item = hit.item
            lines.append(
                f"{_date(item.episode)}  {safe(item.name)}: {safe(item.detail or item.headline)}"
            )
        return "\n".join(lines)
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
