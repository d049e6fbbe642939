"""The feed list as OPML 2.0, out and in.

Writing uses ElementTree (it escapes titles and URLs).  Reading refuses any DTD
(``<!DOCTYPE``/``<!ENTITY``): an OPML file never needs one, and refusing it closes
entity expansion ("billion laughs") and external entities at once (defusedxml).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from bot.exports.files import ExportError

#: An OPML file bigger than this is not a feed list.
MAX_OPML_BYTES = 5 * 1024 * 1024

Feed = tuple[str, str | None]


def opml_document(feeds: Sequence[Feed], *, now: datetime | None = None) -> bytes:
    """The feeds as an OPML 2.0 subscription list (UTF-8 bytes)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "digestbot feeds"
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for url, title in feeds:
        text = title or url
        attrs = {"type": "rss", "text": text, "title": text, "xmlUrl": url}
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def _parse(data: bytes, name: str) -> ET.Element:
    try:
        root: ET.Element = DET.fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        raise ExportError(f"malformed OPML in {name}: {exc}") from None
    except DefusedXmlException:
        raise ExportError(
            f"malformed OPML in {name}: a DTD (<!DOCTYPE>, entities) is not allowed"
        ) from None
    return root


def parse_opml(data: bytes, *, name: str = "OPML file") -> list[Feed]:
    """The feeds an OPML file lists, as (url, title), in document order, each once.

    Outlines nest (folders); every ``outline`` with an ``xmlUrl`` is a feed.
    Raises ``ExportError`` with one clear line for anything that is not OPML.
    """
    if len(data) > MAX_OPML_BYTES:
        raise ExportError(f"{name} is too big for a feed list ({len(data)} bytes)")
    root = _parse(data, name)
    if root.tag != "opml" or root.find("body") is None:
        raise ExportError(f"malformed OPML in {name}: no <opml><body> element")
    feeds: dict[str, str | None] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        title = (outline.get("title") or outline.get("text") or "").strip() or None
        feeds.setdefault(url, title)
    return list(feeds.items())


def merge_feeds(*lists: Iterable[Feed]) -> list[Feed]:
    """Feeds from several lists, each url once (the first title that is not empty wins)."""
    merged: dict[str, str | None] = {}
    for feeds in lists:
        for url, title in feeds:
            if merged.get(url) is None:
                merged[url] = title
    return list(merged.items())
