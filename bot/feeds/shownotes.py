"""Show notes of an episode into release items.

The release list is found by its shape, not by one show's markers: runs of
entries that look alike, scored against what is not a release list.

* A **bullet run**: bullets (flat ``<p>* ...</p>``, ``<ul><li>``, Markdown)
  under section headers of any shape.  An unbulleted short line between
  bullets ("Google IO updates - ...") is a sub-header, not the list's end.
* A **paragraph run**: paragraphs or headings that open with a link
  ("#### [Title](url)", "[Title](url) - summary" under "#### Business") or
  that close with a link group ("Qwen3-VL: ... (X, HF)"), with summary
  paragraphs between them.

Runs are scored by their linked, named entries; chapter lines, social and
subscribe links and prose without names score nothing; a run after a TL;DR
marker ("TL;DR + Show Notes", "Topics covered") gets a bonus.  The best run
is read into items (``items.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from bot.feeds.blocks import Block
from bot.feeds.entries import (
    has_link_group,
    is_junk,
    is_link_entry,
    is_marker,
    looks_like_header,
)
from bot.feeds.items import read_bullet_run, read_paragraph_run
from bot.feeds.names import is_person_line, split_name
from bot.feeds.orgs import KNOWN_ORGS
from bot.feeds.sections import OTHER, SKIPPED_SECTIONS, canonical_section
from bot.models import ParsedItem

__all__ = [
    "KNOWN_ORGS",
    "OTHER",
    "SKIPPED_SECTIONS",
    "canonical_section",
    "extract_items",
    "find_list",
    "is_person_line",
    "split_name",
]

#: How many summary paragraphs may sit between two entries of a paragraph run.
_MAX_GAP = 8
#: A run that follows a TL;DR marker counts this much more.
_MARKER_BONUS = 1.5
#: A prose line this short, followed by a bullet, is a sub-header inside a list.
_SUBHEADER_MAX = 160


class Run(NamedTuple):
    """A candidate list: its block range, its shape and how much it reads like releases."""

    start: int
    end: int
    kind: str  # "bullets" or "paragraphs"
    score: float


def extract_items(blocks: Sequence[Block]) -> list[ParsedItem]:
    """Release items of an episode's show notes, in show order (empty if none)."""
    run = find_run(blocks)
    if run is None:
        return []
    span = blocks[run.start : run.end]
    if run.kind == "paragraphs":
        return read_paragraph_run(span)
    return read_bullet_run(span)


def find_list(blocks: Sequence[Block]) -> tuple[int, int] | None:
    """The (start, end) block range of the show-notes list, or ``None``."""
    run = find_run(blocks)
    return (run.start, run.end) if run else None


def find_run(blocks: Sequence[Block]) -> Run | None:
    """The best-scoring candidate list of an episode, or ``None`` when none is a list."""
    best: Run | None = None
    markers = [i for i, block in enumerate(blocks) if is_marker(block)]
    for i in markers:
        run = _bullet_run(blocks, i + 1, after_marker=True)
        if run and (best is None or run.score >= best.score):
            best = run
    i = 0
    while i < len(blocks):  # unmarked bullet runs
        if blocks[i].bullet and not is_junk(blocks[i]):
            run = _bullet_run(blocks, i, after_marker=False)
            if run is not None:
                if best is None or run.score > best.score:
                    best = run
                i = max(run.end, i + 1)
                continue
        i += 1
    i = 0
    while i < len(blocks):
        if _paragraph_entry(blocks[i]):
            run = _paragraph_run(blocks, i)
            if run is not None:
                if best is None or run.score > best.score:
                    best = run
                i = max(run.end, i + 1)
                continue
        i += 1
    return best


def _entry_score(block: Block) -> float:
    if is_junk(block):
        return 0.0
    if block.links or has_link_group(block):
        return 1.0
    first = block.text.split(maxsplit=1)[0] if block.text else ""
    return 0.4 if first[:1].isupper() or any(c.isdigit() for c in first) else 0.1


def _bullet_run(blocks: Sequence[Block], start: int, *, after_marker: bool) -> Run | None:
    """The bullet list starting at ``start`` (headers and sub-headers inside it)."""
    i = start
    entries = linked = 0
    score = 0.0
    leading_prose = 0
    last_entry = start
    while i < len(blocks):
        block = blocks[i]
        if block.bullet and not looks_like_header(block):
            if not is_junk(block):
                entries += 1
                linked += bool(block.links or has_link_group(block))
                score += _entry_score(block) if block.depth == 0 else 0.05
            last_entry = i + 1
        elif looks_like_header(block) or _is_subheader(blocks, i, entries):
            pass
        elif entries == 0 and leading_prose < 2 and len(block.text) < 200:
            leading_prose += 1  # a line such as "Here are the links:" before the list
        else:
            break
        i += 1
    end = last_entry
    if after_marker:
        if entries < 2:
            return None
        return Run(start, end, "bullets", score * _MARKER_BONUS + 1)
    if entries < 3 or linked < 2:
        return None
    return Run(start, end, "bullets", score)


def _is_subheader(blocks: Sequence[Block], i: int, entries: int) -> bool:
    """A short unbulleted line inside a list, followed by a bullet: a header of its own."""
    if entries == 0 or i + 1 >= len(blocks):
        return False
    block = blocks[i]
    if len(block.text) > _SUBHEADER_MAX or is_junk(block):
        return False
    return any(b.bullet and not is_junk(b) for b in blocks[i + 1 : i + 3])


def _paragraph_entry(block: Block) -> bool:
    """A paragraph or heading that opens with a link, or a short one closing with a link group."""
    if is_junk(block) or is_person_line(block.text):
        return False
    if is_link_entry(block):
        return True
    return not block.bullet and len(block.text) <= 250 and has_link_group(block)


def _paragraph_run(blocks: Sequence[Block], start: int) -> Run | None:
    """Entries with up to ``_MAX_GAP`` summary paragraphs or headers between them."""
    entries = linked = 0
    score = 0.0
    gap = 0
    end = start
    i = start
    while i < len(blocks) and gap <= _MAX_GAP:
        block = blocks[i]
        if _paragraph_entry(block):
            entries += 1
            linked += bool(block.links)
            score += 1.0 if block.links else 0.5
            end = i + 1
            gap = 0
        elif not block.heading:
            gap += 1
        i += 1
    if entries < 3 or linked < 2:
        return None
    while start > 0 and start - 1 >= 0 and looks_like_header(blocks[start - 1]):
        start -= 1  # the section header(s) the first entry sits under
        if start == 0 or not looks_like_header(blocks[start - 1]):
            break
    return Run(start, end, "paragraphs", score)
