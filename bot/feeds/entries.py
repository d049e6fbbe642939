"""What one block of show notes is: a marker, a header, an entry, or junk.

Small predicates over ``Block``s shared by the list finder (``shownotes.py``)
and the item reader (``items.py``).  Each looks at one block (plus, for
links, its marked text) and runs in time linear in the block's length.
"""

from __future__ import annotations

import re

from bot.feeds.blocks import Block
from bot.feeds.sections import names_a_section
from bot.quality import LINK_LABELS

_MARKER = re.compile(
    r"\btl\s?;?\s?dr\b|show[\s-]*notes|topics (?:we )?covered|^summary\b|\brecap\b[^.]*:$",
    re.I,
)
# "00:12", "(1:02:03)", "00:02:37 - 05:55 -", "[12:30]": a chapter or timestamp line.
_TIMESTAMP_START = re.compile(r"^[(\[]?(?:\d{1,2}:)?\d{1,2}:\d{2}\b")
# "Chapter 1: Welcome (00:00:45)", "Prologue [12:30]": a timestamp closing the line.
_TIMESTAMP_END = re.compile(r"[(\[]?(?:\d{1,2}:)?\d{1,2}:\d{2}[)\]]?$")
_CHAPTER_WORD = re.compile(r"^(?:chapter|part|segment)\s+\d+\s*[:.\-–]", re.I)
# Link groups: "(X, HF)", "[Blog]" around anchors, or typed as text around link labels.
_MARK_GROUP = re.compile(
    "\\(\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*|and\\s+)+\\)|\\[\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*)+\\]"
)
_TRAILING_MARK = re.compile("\ue002\\d+\ue003[\\s).,;:!]*$")
_TYPED_GROUP = re.compile(r"\(([^()]{1,60})\)\s*[.:]?\s*$")
_SOCIAL_WORDS = frozenset(
    """
    website bluesky linkedin x twitter youtube spotify apple podcasts podcast google
    overcast pocket casts castbox rss instagram tiktok threads mastodon discord patreon
    newsletter email facebook substack subscribe follow us on and | · • - / share
    pod transcript merch store support donate our the
    """.split()
)
_SOCIAL_START = re.compile(
    r"^(?:thank you for subscribing|leave a comment|share this|subscribe\b|follow (?:us|me)\b"
    r"|listen on\b|watch on\b|sponsored by\b|this episode is (?:brought|sponsored)|"
    r"(?:get|become) a paid subscri|support (?:us|the show)\b)",
    re.I,
)
_SOCIAL_OPENERS = frozenset(
    "thank leave share subscribe follow listen watch sponsored this get become support".split()
)
_SECTION_WORDS = frozenset(
    """
    & + 3d agent agents ai and api apis art audio big breaking buzz co co-hosts cohosts
    companies company cos diffusion guest guests hardware host hosts image images in
    interview interviews links llm llms misc news notes of open other others research
    robotics robots show source the this tool tools updates video videos vision voice
    week week's weeks weights
    """.split()
)


def is_marker(block: Block) -> bool:
    """A TL;DR marker line ("TL;DR + Show Notes", "Topics we covered"), not a sentence about one."""
    text = block.text
    if len(text) > 90:
        return False
    low = text.lower()  # cheap filter before the pattern: most short blocks are bullets
    if (
        "tl" not in low
        and "show" not in low
        and "topics" not in low
        and "summary" not in low
        and "recap" not in low
    ):
        return False
    if _TIMESTAMP_START.match(text) or not _MARKER.search(text):
        return False
    # "As a reminder, all the show notes are posted at the end." is about the notes.
    return not (text.rstrip().endswith((".", "!")) and len(text.split()) > 8)


def is_chapter(block: Block) -> bool:
    """A chapter or timestamp line ("00:12 Intro", "(01:02:03) Kokoro")."""
    text = block.text
    if _TIMESTAMP_START.match(text) is not None:
        return True
    tail = text[-12:]
    return (":" in tail and _TIMESTAMP_END.search(tail) is not None) or (
        text[:1] in "CcPpSs" and _CHAPTER_WORD.match(text) is not None
    )


_SLASHES = re.compile(r"[\s/]+")


def is_social(block: Block) -> bool:
    """A social, subscribe or share line ("Website | Bluesky | LinkedIn", "Subscribe on ...")."""
    text = block.text
    if len(text) > 200:
        return False
    space = text.find(" ")
    first = (text[:space] if space > 0 else text).strip(".,:;()[]!").casefold()
    if "/" in first:  # "X/Twitter"
        first = first[: first.find("/")]
    if first not in _SOCIAL_WORDS and first not in _SOCIAL_OPENERS:
        return False  # most lines: one set lookup instead of two patterns
    if _SOCIAL_START.match(text):
        return True
    words = [w.strip(".,:;()[]!").casefold() for w in _SLASHES.split(text)]
    words = [w for w in words if w]
    return bool(words) and len(words) <= 20 and all(w in _SOCIAL_WORDS for w in words)


def is_junk(block: Block) -> bool:
    """A line that is never a release: a chapter line, a social or subscribe link."""
    return is_chapter(block) or is_social(block)


def has_link_group(block: Block, *, strict: bool = False) -> bool:
    """Whether the line carries its links as a group: "(X, HF)", "(Blog)", or closes on a link.

    ``strict``: a link closing the line does not count on its own ("More examples can be
    found here."), only a parenthesised group does.
    """
    if block.labels:
        marked = block.marked
        if not strict and _TRAILING_MARK.search(marked[-12:]):
            return True
        # A group closes right after a link: "(X, HF)" (checked before the pattern: cheap).
        if ("\ue003)" in marked or "\ue003]" in marked) and _MARK_GROUP.search(marked):
            return True
    if ")" not in block.text[-4:]:
        return False
    typed = _TYPED_GROUP.search(block.text[-64:])
    if typed is None:
        return False
    labels = [w.strip().casefold() for w in re.split(r"[,/|&+]", typed.group(1))]
    return all(label in LINK_LABELS for label in labels if label) and any(labels)


def is_link_entry(block: Block) -> bool:
    """A line that opens with a link: "[Title](url) - summary", "#### [Title](url)"."""
    return bool(block.labels) and block.marked.startswith("\ue002") and bool(block.links)


def looks_like_header(block: Block) -> bool:
    """A section header: a heading, a wholly bold line, or a short line of section words."""
    text = block.text.strip()
    if not text or len(text) > 80 or _TIMESTAMP_START.match(text):
        return False
    if block.heading:
        return not is_link_entry(block)
    if block.bold and not block.links:
        return True
    if block.links or len(text.split()) > 6 or text.endswith((".", "!", "?")):
        return False
    words = [w.strip("&+,:/()").casefold() for w in text.replace("’", "'").split()]
    if all(w in _SECTION_WORDS for w in words if w) and any(words):
        return True
    return text.endswith(":") and names_a_section(text)
