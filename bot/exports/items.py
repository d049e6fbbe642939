"""Release items as an Atom feed (RFC 4287) and a JSON Feed 1.1.

One entry per release item: its name and headline as the title, its summary, its
links, the episode it came from and the episode's date.  Entry ids are tag URIs
built from the item's stable id, so a reader that polls the export again sees the
same entries as the same entries.  Feed text is hostile: ElementTree escapes markup,
and the characters XML 1.0 cannot carry at all are dropped, so the feed stays valid.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.models import Item

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
TITLE = "digestbot: AI releases"
FEED_ID = "tag:digestbot,2024:items"

#: Characters XML 1.0 forbids even escaped (C0 controls but tab/LF/CR, surrogates, FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def entry_id(item: Item) -> str:
    """The stable id of an item's entry (a tag URI, RFC 4151)."""
    return f"tag:digestbot,2024:item/{item.id}"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _title(item: Item) -> str:
    return item.headline if item.headline.strip() else item.name


def _date(item: Item) -> datetime | None:
    published = item.episode.published
    if published is None:
        return None
    return published if published.tzinfo else published.replace(tzinfo=UTC)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _updated(items: Sequence[Item], now: datetime) -> datetime:
    dates = [d for d in (_date(i) for i in items) if d is not None]
    return max(dates) if dates else now


def atom_feed(
    items: Sequence[Item], *, self_url: str | None = None, now: datetime | None = None
) -> bytes:
    """The items as an Atom 1.0 document (UTF-8 bytes)."""
    now = now or datetime.now(UTC)
    updated = _updated(items, now)
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(
            parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()}
        )
        if text is not None:
            el.text = _xml_text(text)
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_url or FEED_ID)
    sub(feed, "title", TITLE)
    sub(feed, "updated", _rfc3339(updated))
    sub(sub(feed, "author"), "name", "digestbot")
    sub(feed, "generator", "digestbot")
    if self_url:
        sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(item))
        sub(entry, "title", _title(item), type="text")
        date = _date(item) or updated
        sub(entry, "updated", _rfc3339(date))
        if item.episode.published is not None:
            sub(entry, "published", _rfc3339(date))
        if item.links:
            sub(entry, "link", rel="alternate", href=item.links[0].url, title=item.links[0].label)
        for link in item.links[1:]:
            sub(entry, "link", rel="related", href=link.url, title=link.label)
        if item.episode.url:
            sub(entry, "link", rel="via", href=item.episode.url, title=item.episode.title)
        sub(entry, "category", term=item.section)
        sub(entry, "summary", item.summary or item.headline, type="text")
        sub(entry, "content", _content_text(item), type="text")
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _content_text(item: Item) -> str:
    lines = [item.headline]
    if item.summary and item.summary != item.headline:
        lines.append(item.summary)
    lines.extend(f"{link.label}: {link.url}" for link in item.links)
    lines.append(
        f"Episode: {item.episode.title}" + (f" ({item.episode.url})" if item.episode.url else "")
    )
    return "\n".join(lines)


def json_feed(
    items: Sequence[Item], *, self_url: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The items as a JSON Feed 1.1 document (a dict to dump as JSON)."""
    doc: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": TITLE}
    if self_url:
        doc["feed_url"] = self_url
    doc["authors"] = [{"name": "digestbot"}]
    doc["items"] = [_json_item(item) for item in items]
    return doc


def _json_item(item: Item) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": entry_id(item)}
    if item.links:
        entry["url"] = item.links[0].url
    if item.episode.url:
        entry["external_url"] = item.episode.url
    entry["title"] = _title(item)
    entry["content_text"] = _content_text(item)
    entry["summary"] = item.summary or item.headline
    date = _date(item)
    if date is not None:
        entry["date_published"] = _rfc3339(date)
    entry["tags"] = [item.section]
    # Extensions start with an underscore (JSON Feed 1.1); readers ignore what they don't know.
    entry["_digestbot"] = {
        "item_id": item.id,
        "name": item.name,
        "org": item.org,
        "section": item.section,
        "links": [{"label": link.label, "url": link.url} for link in item.links],
        "episode": {
            "id": item.episode.id,
            "title": item.episode.title,
            "published": _rfc3339(date) if date else None,
            "url": item.episode.url,
        },
        "facts": item.facts.model_dump(exclude_defaults=True),
    }
    return entry
