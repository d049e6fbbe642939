"""Episode notes written as raw markup inside a feed, wrapped in CDATA before parsing.

Feeds should escape an episode's HTML or put it in CDATA; some write it raw
(``<description><p>...</p></description>``, Atom ``type="xhtml"``), which
XML takes as elements.  feedparser then handles every tag in Python, in its
strict parser and again in its loose one when the XML is malformed: about
40 microseconds a tag, so a 1 MB body of ``<b>x`` costs 9 s.

``wrap_raw_markup`` turns such a body into CDATA when it holds many tags, in
one pass over the bytes.  The body's text is the same HTML either way (an
entity left in CDATA is decoded by the HTML sanitiser instead of by the XML
parser), and the CDATA body is then lifted out before feedparser runs
(``parse._lift_bodies``).  Bodies with few tags, the ordinary case, are left
exactly as they were.
"""

from __future__ import annotations

import re

#: Tags a body must hold before it is wrapped (real feeds' raw bodies hold far fewer).
MIN_TAGS = 500

_BODY_OPEN = re.compile(rb"<(description|content:encoded|summary|content)(?:\s[^<>]*)?>", re.I)


def wrap_raw_markup(data: bytes, min_tags: int = MIN_TAGS) -> bytes:
    """``data`` with each body of raw markup holding ``min_tags`` tags or more in CDATA."""
    if data.count(b"<") < min_tags:
        return data
    parts: list[bytes] = []
    pos = 0
    search_from = 0
    while True:
        opened = _BODY_OPEN.search(data, search_from)
        if opened is None:
            break
        if opened.group(0).endswith(b"/>"):
            search_from = opened.end()
            continue
        close = data.find(b"</" + opened.group(1) + b">", opened.end())
        if close < 0:
            break  # unterminated: leave it to feedparser to report
        start, search_from = opened.end(), close
        body = data[start:close]
        if body.count(b"<", 0) >= min_tags and b"<![CDATA[" not in body and b"]]>" not in body:
            parts += (data[pos:start], b"<![CDATA[", body, b"]]>")
            pos = close
    if not parts:
        return data
    parts.append(data[pos:])
    return b"".join(parts)
