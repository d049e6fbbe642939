"""Releases and searches as terminal text: the one code both kinds of answer render with.

A lookup process (``digestbot release``, ``search``) answers without the pydantic
models (``bot.lookup``'s rows); ``render`` renders ``ReleaseReply`` and
``SearchReply`` through these same functions, handing in as plain values what the two
kinds hold differently (facts, links, chapter).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from adapters.console.text import WIDTH, date_of, safe

if TYPE_CHECKING:  # read, never built: a lookup process imports no pydantic
    from bot.lookup import Hit, ReleaseAnswer
    from bot.models import Item, ReleaseReply, SearchHit
    from bot.store.lookup import ItemRow


def item_text(
    item: Item | ItemRow,
    *,
    facts: dict[str, Any],
    links: Iterable[tuple[str, str]],
    chapter: tuple[str, int] | None,
) -> str:
    """One release: name, org, section, summary, facts, links, episode and chapter;
    ``facts`` as stated, ``links`` as (label, url), ``chapter`` as (title, start_seconds)."""
    org = f" ({safe(item.org)})" if item.org else ""
    lines = [f"{safe(item.name)}{org} - {safe(item.section)}", ""]
    lines.append(textwrap.fill(safe(item.summary or item.headline), WIDTH))
    if facts:
        lines.append("")
        for key, value in facts.items():
            shown = ", ".join(value) if isinstance(value, list | tuple) else str(value)
            lines.append(f"  {key}: {safe(shown)}")
    links = list(links)
    if links:
        lines.append("")
        lines += [f"  {safe(label)}: {safe(url)}" for label, url in links]
    lines += ["", f"Covered in: {safe(item.episode.title)} ({date_of(item.episode)})"]
    if item.episode.url:
        lines.append(f"  {safe(item.episode.url)}")
    if chapter:
        title, start = chapter
        minutes, seconds = divmod(start, 60)
        hours, minutes = divmod(minutes, 60)
        stamp = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes:02}:{seconds:02}"
        lines.append(f"  chapter {stamp} {safe(title)}")
    return "\n".join(lines)


def render_item(item: ItemRow) -> str:
    """One release of a lookup process (``item_text``)."""
    return item_text(item, facts=item.facts.stated, links=item.links, chapter=item.chapter)


def release_text(answer: ReleaseReply | ReleaseAnswer, item: str) -> str:
    """The release (``item``, its text), then the other places it came up."""
    text = item
    if answer.mentions:
        text += "\n\nAlso came up:"
        mentions: Sequence[Any] = answer.mentions  # each kind labels its own kind of mention
        for mention in mentions:
            label = answer.mention_label(mention)
            label = f"[{safe(label)}] " if label else ""
            text += (
                f"\n  {date_of(mention.episode)}  {label}{safe(mention.name)}:"
                f" {safe(mention.headline)}"
            )
        if answer.more_mentions:
            count = answer.more_mentions
            text += f"\n  ... and {count} more mention{'s' if count != 1 else ''}"
    return text


def render_release(answer: ReleaseAnswer) -> str:
    """The release, then the other places it came up."""
    return release_text(answer, render_item(answer.item))


def render_search(query: str, hits: Sequence[SearchHit] | Sequence[Hit]) -> str:
    """One line per hit: date, name and what the headline adds."""
    if not hits:
        return f"No releases match '{safe(query[:80])}'."
    return "\n".join(
        f"{date_of(h.item.episode)}  {safe(h.item.name)}: {safe(h.item.detail or h.item.headline)}"
        for h in hits
    )
