"""Links for a link-less release line from the same release's linked line in the episode.

Show notes often name a release twice: once in the TL;DR list, once as the line that
opens its own part of the notes.  When one of them lost its anchors ("Meta LLama 3 8B,
70B and later 400B (X, Blog)" with the labels typed as text) and the other kept them
("Meta releases LLama 3 -8B, 70B and later 400B (Announcement, Try it)"), the item
takes the other line's links.  The same release means the same name as extraction
reads it from both lines (or the other line's name extends it: "LongCat" and
"LongCat-Flash-Omni"), never a mere mention: a paragraph naming the release in passing
links to whatever that paragraph is about.  Only link labels ("X", "HF", "Blog") or
labels naming the release are taken, so a person's or an example's link is not.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.feeds.blocks import Block
from bot.feeds.names import PRODUCT_FAMILIES, split_name
from bot.feeds.orgs import KNOWN_ORGS
from bot.models import Link, ParsedItem
from bot.quality import GENERIC_WORDS, LINK_LABELS, normalise

#: A release's own line is short; a longer block is a paragraph that mentions it.
_LINE_MAX = 160


def borrow_links(items: Sequence[ParsedItem], blocks: Sequence[Block]) -> list[ParsedItem]:
    """``items`` with each link-less one given the links of its release's linked line."""
    if all(item.links for item in items):
        return list(items)  # the usual case: nothing to look for
    lines = [b for b in blocks if b.links and len(b.text) <= _LINE_MAX]
    named: list[tuple[str, Block]] | None = None  # each linked line's release, read once
    out: list[ParsedItem] = []
    for item in items:
        key = normalise(item.name)
        if item.links or not lines or not _specific(key):
            out.append(item)
            continue
        if named is None:
            named = [(normalise(split_name(b.text)[0]), b) for b in lines]
        links = _links_of_same_release(key, item.headline, named)
        out.append(item.model_copy(update={"links": links}) if links else item)
    return out


def _specific(key: str) -> bool:
    """Whether a normalised name can only mean one release (not "openai", "gemini")."""
    return (
        len(key) >= 3
        and key not in KNOWN_ORGS
        and key not in PRODUCT_FAMILIES
        and key not in GENERIC_WORDS
    )


def _links_of_same_release(
    key: str, headline: str, named: Sequence[tuple[str, Block]]
) -> tuple[Link, ...]:
    for other, block in named:
        if not other or other in KNOWN_ORGS or not (other == key or other.startswith(key + " ")):
            continue
        if block.text.strip().startswith(headline[:40]):
            continue  # the item's own line
        links = tuple(
            link
            for link in block.links
            if link.label.strip().casefold() in LINK_LABELS or key in normalise(link.label)
        )
        if links:
            return links
    return ()
