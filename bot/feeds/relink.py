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
    index: dict[str, list[Block]] | None = None  # built on first need
    out: list[ParsedItem] = []
    for item in items:
        key = normalise(item.name)
        if item.links or not _specific(key):
            out.append(item)
            continue
        if index is None:
            index = _index_lines(blocks)
        links = _links_of_same_release(key, item.headline, index.get(key, ()))
        out.append(item.model_copy(update={"links": links}) if links else item)
    return out


#: Lines kept per name in the index: enough to skip the item's own line.
_PER_NAME = 3


def _index_lines(blocks: Sequence[Block]) -> dict[str, list[Block]]:
    """Each short linked line under its release's name and every leading run of the
    name's words ("longcat flash omni" under "longcat", "longcat flash" and itself), so
    that an item finds its release's lines in one look-up: linear in the blocks, not
    items times lines, on hostile notes with thousands of both."""
    index: dict[str, list[Block]] = {}
    for block in blocks:
        if not block.links or len(block.text) > _LINE_MAX:
            continue
        name = normalise(split_name(block.text)[0])
        if not name or name in KNOWN_ORGS:
            continue
        words = name.split()
        for size in range(1, len(words) + 1):
            found = index.setdefault(" ".join(words[:size]), [])
            if len(found) < _PER_NAME:
                found.append(block)
    return index


def _specific(key: str) -> bool:
    """Whether a normalised name can only mean one release (not "openai", "gemini")."""
    return (
        len(key) >= 3
        and key not in KNOWN_ORGS
        and key not in PRODUCT_FAMILIES
        and key not in GENERIC_WORDS
    )


def _links_of_same_release(key: str, headline: str, lines: Sequence[Block]) -> tuple[Link, ...]:
    for block in lines:
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
