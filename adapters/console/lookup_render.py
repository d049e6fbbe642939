"""``bot.lookup``'s answers as terminal text: what ``render`` prints for the same reply.

A lookup process (``digestbot release``, ``search``) answers without the pydantic
models; this renders its rows line for line as ``render`` renders ``ReleaseReply``
and ``SearchReply`` (tests/test_light_start.py compares the two).
"""

from __future__ import annotations

import textwrap

from adapters.console.text import WIDTH, date_of, safe
from bot.lookup import Hit, ReleaseAnswer
from bot.store.lookup import ItemRow


def render_item(item: ItemRow) -> str:
    """One release: name, org, section, summary, facts, links, episode and chapter."""
    org = f" ({safe(item.org)})" if item.org else ""
    lines = [f"{safe(item.name)}{org} - {safe(item.section)}", ""]
    lines.append(textwrap.fill(safe(item.summary or item.headline), WIDTH))
    if item.facts.stated:
        lines.append("")
        for key, value in item.facts.stated.items():
            shown = ", ".join(value) if isinstance(value, list | tuple) else str(value)
            lines.append(f"  {key}: {safe(shown)}")
    if item.links:
        lines.append("")
        lines += [f"  {safe(label)}: {safe(url)}" for label, url in item.links]
    lines += ["", f"Covered in: {safe(item.episode.title)} ({date_of(item.episode)})"]
    if item.episode.url:
        lines.append(f"  {safe(item.episode.url)}")
    if item.chapter:
        title, start = item.chapter
        minutes, seconds = divmod(start, 60)
        hours, minutes = divmod(minutes, 60)
        stamp = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes:02}:{seconds:02}"
        lines.append(f"  chapter {stamp} {safe(title)}")
    return "\n".join(lines)


def render_release(answer: ReleaseAnswer) -> str:
    """The release, then the other places it came up."""
    text = render_item(answer.item)
    if answer.mentions:
        text += "\n\nAlso came up:"
        for mention in answer.mentions:
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


def render_search(query: str, hits: list[Hit]) -> str:
    """One line per hit: date, name and what the headline adds."""
    if not hits:
        return f"No releases match '{safe(query[:80])}'."
    return "\n".join(
        f"{date_of(h.item.episode)}  {safe(h.item.name)}: {safe(h.item.detail or h.item.headline)}"
        for h in hits
    )
