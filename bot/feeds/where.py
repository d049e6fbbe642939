"""Which episode of a feed a parse error is in, to name it in the warning.

feedparser reports a malformed feed with the line and column where its XML
parser stopped; a reader needs the episode ("Broken ep"), not the offset.
"""

from __future__ import annotations

import html
import re

from bot.feeds.clean import clean_text

#: Characters of an episode title shown in a warning.
MAX_TITLE = 80

_TITLE = re.compile(rb"<title[^>]*>(.{0,2000}?)</title>", re.S | re.I)
_CDATA = re.compile(r"^<!\[CDATA\[(.*?)\]\]>$", re.S)
_TAGS = re.compile(r"<[^>]{0,500}>")


def offset_of(data: bytes, line: int, column: int) -> int:
    """The byte offset of 1-based ``line`` and 0-based ``column`` in ``data`` (clamped)."""
    pos = 0
    for _ in range(max(0, line - 1)):
        found = data.find(b"\n", pos)
        if found < 0:
            return len(data)
        pos = found + 1
    return min(len(data), pos + max(0, column))


def episode_at(data: bytes, offset: int) -> str | None:
    """The title of the ``<item>`` or ``<entry>`` holding ``offset``, if any."""
    start = max(data.rfind(b"<item", 0, offset + 1), data.rfind(b"<entry", 0, offset + 1))
    if start < 0:
        return None
    found = _TITLE.search(data, start, min(len(data), start + 20_000))
    if found is None or found.start() > offset:
        return None  # the error is before the episode's title: its title is unknown
    raw = found.group(1).decode("utf-8", "replace").strip()
    cdata = _CDATA.match(raw)
    text = cdata.group(1) if cdata else html.unescape(raw)
    title = clean_text(_TAGS.sub(" ", text)).strip()
    return title[:MAX_TITLE] or None


def episode_of_error(data: bytes, error: object) -> str | None:
    """The episode a feedparser ``bozo_exception`` points into, if it says where."""
    line = getattr(error, "getLineNumber", None)
    column = getattr(error, "getColumnNumber", None)
    if not callable(line) or not callable(column):
        return None
    try:
        where = offset_of(data, int(line()), int(column()))
    except (TypeError, ValueError):
        return None
    return episode_at(data, where)
