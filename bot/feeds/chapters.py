"""Chapter markers: read them from show notes and feed tags, attach them to items.

Chapters come as paragraphs ("03:10 TL;DR", "20:21 - PHI4: The Latest in
Open Source AI") or as Podlove Simple Chapters (``psc:chapters``, which
feedparser exposes).  A chapter is attached to the item whose name it
mentions, compared on letters and digits only, so "PHI4: ..." finds Phi-4
and "Kokoro TTS: ..." finds Kokoro.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.feeds.blocks import Block
from bot.feeds.clean import clean_text, name_key
from bot.models import Chapter, ParsedItem

_CHAPTER_LINE = re.compile(
    r"^\(?((?:\d{1,2}:)?\d{1,2}:\d{2})(?:\.\d+)?\)?\s*(?:[-–—:|]\s*)?(\S.{0,150})$"
)
_GENERIC = re.compile(r"^(?:intro|introduction|tl;?dr|outro|conclusion|wrap|welcome)\b", re.I)


def parse_timestamp(text: str) -> int | None:
    """Seconds in "MM:SS", "HH:MM:SS", "01:02:03.400" or plain seconds; ``None`` if not one."""
    text = text.strip().split(".")[0]
    if not text or not all(part.isdigit() for part in text.split(":")):
        return None
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def chapters_from_blocks(blocks: Sequence[Block]) -> list[Chapter]:
    """Chapter lines in an episode's body (two or more, to tell them from prose)."""
    found: list[Chapter] = []
    for block in blocks:
        if block.links and len(block.links) > 1:
            continue
        m = _CHAPTER_LINE.match(block.text.strip())
        if m:
            start = parse_timestamp(m.group(1))
            if start is not None:
                found.append(Chapter(title=clean_text(m.group(2)), start_seconds=start))
    return found if len(found) >= 2 else []


def chapters_from_psc(entry: Any) -> list[Chapter]:
    """Podlove Simple Chapters from a feedparser entry (``psc_chapters``)."""
    raw = entry.get("psc_chapters") or {}
    out = []
    for chapter in raw.get("chapters", []) if isinstance(raw, dict) else []:
        start = chapter.get("start")
        seconds = parse_timestamp(start) if isinstance(start, str) else None
        if seconds is None:
            parsed = chapter.get("start_parsed")
            if parsed is not None:
                seconds = parsed.tm_hour * 3600 + parsed.tm_min * 60 + parsed.tm_sec
        title = clean_text(str(chapter.get("title", "")))
        if seconds is not None and title:
            out.append(Chapter(title=title, start_seconds=seconds))
    return out


def chapters_from_json(data: bytes) -> list[Chapter]:
    """Chapters from a Podcasting 2.0 JSON chapters file (``{"chapters": [...]}``).

    Tolerant of what such files hold in practice: missing titles, string or
    float start times, entries marked ``toc: false`` (not for tables of
    contents) are skipped.  Raises ``ValueError`` when it is not JSON at all.
    """
    doc = json.loads(data)
    raw = doc.get("chapters") if isinstance(doc, dict) else None
    out = []
    for chapter in raw if isinstance(raw, list) else []:
        if not isinstance(chapter, dict) or chapter.get("toc") is False:
            continue
        start = chapter.get("startTime")
        title = clean_text(str(chapter.get("title") or ""))[:200]
        if isinstance(start, str):
            seconds = parse_timestamp(start)
        elif isinstance(start, int | float) and not isinstance(start, bool) and start >= 0:
            seconds = int(start)
        else:
            seconds = None
        if seconds is not None and title:
            out.append(Chapter(title=title, start_seconds=seconds))
    return out


def merge_chapters(*sources: Iterable[Chapter]) -> tuple[Chapter, ...]:
    """All chapters in start order, each (start, title) once."""
    seen: set[tuple[int, str]] = set()
    merged = []
    for chapter in (c for source in sources for c in source):
        key = (chapter.start_seconds, chapter.title)
        if key not in seen:
            seen.add(key)
            merged.append(chapter)
    return tuple(sorted(merged, key=lambda c: c.start_seconds))


def attach_chapters(items: Sequence[ParsedItem], chapters: Sequence[Chapter]) -> list[ParsedItem]:
    """Give each item the chapter that names it best, if any."""
    if not chapters:
        return list(items)
    keyed = [(name_key(c.title), c) for c in chapters if not _GENERIC.match(c.title)]
    out = []
    for item in items:
        best: tuple[int, Chapter] | None = None
        for probe in _probes(item.name):
            for key, chapter in keyed:
                if probe in key and (best is None or len(probe) > best[0]):
                    best = (len(probe), chapter)
        out.append(item.model_copy(update={"chapter": best[1]}) if best else item)
    return out


def _probes(name: str) -> list[str]:
    """Keys to look for in chapter titles: the whole name, then its first word."""
    probes = [name_key(name)]
    words = re.split(r"[\s\-_/]+", name)
    if len(words) > 1 or re.search(r"\d", name):
        first = name_key(re.sub(r"[\d.]+$", "", words[0]))
        if len(first) >= 4:
            probes.append(first)
    return [p for p in probes if len(p) >= 3]
