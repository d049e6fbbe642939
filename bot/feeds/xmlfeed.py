"""The fast path for well-formed RSS 2.0 and Atom 1.0 feeds: the standard library's
expat, no feedparser.

feedparser reads any feed, however broken, but it costs most of an ingest: its
import, a Python call per element and per attribute, and a whole parsed copy of
the feed in memory.  Most feeds are well-formed RSS 2.0 or Atom 1.0 with a few
known extensions (iTunes, Podcasting 2.0, Podlove chapters, content:encoded),
and for those this module gives *the same entry fields* as feedparser (the keys
``bot.feeds.parse`` reads, with feedparser's own value rules: stripped text,
its URI fix-up, its UTF-8-read-as-Latin-1 repair and cp1252 mapping) at a
fraction of the cost.

Anything it does not know raises ``NotSimple`` before a single entry is used,
and the caller parses the feed with feedparser instead: XML that is not
well-formed, a DOCTYPE, another encoding, another format (RSS 1.0, Atom 0.3),
``xml:base``, escaped-markup types other than text and HTML, raw markup inside
a text field, an element feedparser would read into one of those fields by a
rule this module does not copy, a date it cannot read.
``tests/test_xmlfeed.py`` compares both over every shared feed.

Memory: the first pass (``scan``) keeps only each entry's byte span and what the
caller derives from its fields; an entry is parsed again from its span when
it is built (``entry_at``), so the feed's text is never held whole twice.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_tz
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin
from xml.parsers import expat

T = TypeVar("T")

#: CDATA bodies this long are taken verbatim, unstripped and without the value
#: fix-ups (as ``parse._lift_bodies`` does for feedparser).
LIFT_MIN_BYTES = 2048

_RSS = ""
_ATOM = "http://www.w3.org/2005/Atom"
# Namespace URIs feedparser gives a fixed prefix (lower case, as it compares them).
_KNOWN_PREFIX = {
    "": "",
    "http://www.w3.org/2005/atom": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://search.yahoo.com/mrss/": "media",
    "http://search.yahoo.com/mrss": "media",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://webns.net/mvcb/": "admin",
    "http://podlove.org/simple-chapters": "psc",
}
# Namespaces feedparser maps to the bare RSS/Atom names but that are other formats.
_OTHER_FORMATS = frozenset({"http://purl.org/atom/ns#", "http://purl.org/rss/1.0/"})
#: Prefixes feedparser has handlers for: a document giving one of them to another
#: namespace would reach those handlers.
_RESERVED_PREFIXES = frozenset(_KNOWN_PREFIX.values()) | {"rdf", "xhtml", "xml", "atom"}

# Element names (feedparser's ``prefix_local``) read into an entry's fields.
_SUMMARY = frozenset({"description", "summary", "itunes_summary", "dc_description"})
_CONTENT = frozenset({"content_encoded", "content"})
_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms_issued"})
_UPDATED = frozenset({"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"})
_CREATED = frozenset({"created", "dcterms_created"})
_DATES = {
    **dict.fromkeys(_PUBLISHED, "published_parsed"),
    **dict.fromkeys(_UPDATED, "updated_parsed"),
    **dict.fromkeys(_CREATED, "created_parsed"),
}
# Elements feedparser handles in ways that never touch the fields read here.
_HARMLESS = frozenset(
    {
        "author",
        "contributor",
        "name",
        "email",
        "uri",
        "category",
        "comments",
        "rights",
        "copyright",
        "language",
        "subtitle",
        "expirationdate",
        "dc_creator",
        "dc_author",
        "dc_contributor",
        "dc_publisher",
        "dc_subject",
        "dc_rights",
        "dc_language",
        "dcterms_valid",
        "itunes_author",
        "itunes_category",
        "itunes_image",
        "itunes_link",
        "itunes_subtitle",
        "itunes_keywords",
        "itunes_explicit",
        "itunes_block",
        "itunes_name",
        "itunes_email",
        "itunes_owner",
        "media_content",
        "media_thumbnail",
        "media_credit",
        "media_rating",
        "media_category",
        "media_player",
        "media_restriction",
        "media_license",
        "media_keywords",
        "georss_point",
        "georss_line",
        "georss_polygon",
        "georss_box",
        "georss_where",
        "georss_featurename",
        "cc_license",
        "creativecommons_license",
    }
)
# Names feedparser has handlers for (``_start_<name>``) that this module does not copy.
_UNCOPIED = frozenset(
    {
        "abstract",
        "body",
        "xhtml_body",
        "fullitem",
        "info",
        "feedburner_browserfriendly",
        "image",
        "textinput",
        "item",
        "entry",
        "channel",
        "feed",
        "rss",
        "cloud",
        "url",
        "homepage",
        "href",
        "height",
        "width",
        "newlocation",
        "generator",
        "webmaster",
        "managingeditor",
        "media_title",
        "media_description",
        "media_group",
        "where",
        "tagline",
        "keywords",
        "admin_errorreportsto",
        "admin_generatoragent",
        "gml_point",
        "gml_pos",
        "gml_poslist",
        "gml_linestring",
        "gml_polygon",
        "gml_exterior",
        "gml_linearring",
        "dc_title",
        "tags",
        "georssgeom",
    }
)
_ENTRY_KEYS = frozenset(
    {
        "title",
        "link",
        "links",
        "id",
        "summary",
        "content",
        "published_parsed",
        "updated_parsed",
        "created_parsed",
        "itunes_duration",
        "podcast_chapters",
        "psc_chapters",
        "guidislink",
    }
)
# Fields this module reads only as an entry's own children.
_NOT_NESTED = _SUMMARY | _CONTENT | frozenset(_DATES) | {"title", "link", "guid", "enclosure"}
_TEXT_TYPES = frozenset({"text", "html", "text/plain", "text/html"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_LINK_REF = re.compile("&([A-Za-z0-9_]+);")
_HAS_C1 = re.compile("[\x80-\x9f]")
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")  # how a C1 control is spelled in UTF-8
# feedparser's own map of C1 controls in values (mixin.py, from html.py's _cp1252).
_CP1252 = {
    i: c
    for i, c in zip(
        (128, *range(130, 141), 142, *range(145, 157), 158, 159),
        "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
        "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178",
        strict=True,
    )
}
# Bodies taken verbatim map every C1 control through cp1252 (``parse._map_c1``).
_C1_BODY = {i: bytes([i]).decode("cp1252", "replace") for i in range(0x80, 0xA0)}
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([\w.-]+)", re.I)
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)


class NotSimple(Exception):
    """The fast path does not read this feed (the message says why): use feedparser."""


@dataclass
class Scanned(Generic[T]):
    """A feed's title and, per entry in feed order, its byte span and what was
    derived from its fields during the scan."""

    title: str
    entries: list[tuple[int, int, T]]
    namespaces: dict[str, str] = field(default_factory=dict)
    atom: bool = False
    c1: bool = False  # whether any C1 control is written in the feed (rare)
    base: str = ""  # the root's xml:base: links and ids are resolved against it


def usable(data: bytes) -> bool:
    """Whether the fast path may try ``data`` at all (cheap checks on the head)."""
    head = data[:2048]
    declared = _DECLARATION.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return False
    return b"<!DOCTYPE" not in data[:65536] and b"<!doctype" not in data[:65536]


def scan(data: bytes, derive: Callable[[dict[str, Any], int], T]) -> Scanned[T]:
    """Read every entry of ``data`` once; ``derive(entry, index)`` keeps what is needed.

    Raises ``NotSimple`` when the fast path does not read this feed.
    """
    if not usable(data):
        raise NotSimple("encoding or DOCTYPE")
    reader = _Reader(data, derive)
    reader.run(data, top=True)
    if reader.root is None:
        raise NotSimple("no root element")
    return Scanned(
        reader.feed_title, reader.found, reader.namespaces, reader.atom, reader.c1, reader.base
    )


def entry_at(data: bytes, scanned: Scanned[Any], index: int) -> dict[str, Any]:
    """The fields of entry ``index`` of a scanned feed, parsed again from its span."""
    start, end, _ = scanned.entries[index]
    decls = "".join(
        f' xmlns:{prefix}="{_attr(uri)}"' if prefix else f' xmlns="{_attr(uri)}"'
        for prefix, uri in scanned.namespaces.items()
    )
    wrapped = b"".join((f"<w{decls}>".encode(), data[start:end], b"</w>"))
    out: list[dict[str, Any]] = []
    reader = _Reader(wrapped, lambda entry, _: out.append(entry), atom=scanned.atom, c1=scanned.c1)
    reader.base = scanned.base
    reader.run(wrapped, top=False)
    if len(out) != 1:
        raise NotSimple("entry span did not parse alone")
    return out[0]


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def parse_date(value: str) -> time.struct_time | None:
    """An RFC 822 or ISO 8601 date as feedparser gives it (UTC ``struct_time``).

    ``None`` for an empty value; raises ``NotSimple`` for one it cannot read
    (feedparser knows more formats).
    """
    if not value:
        return None
    parsed = parsedate_tz(value)
    if parsed is not None and parsed[0] > 0:
        _, month, day, hour, minute, second = parsed[:6]
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
            raise NotSimple(f"date {value[:40]!r}")  # feedparser's rules for such dates differ
        seconds = calendar.timegm((*parsed[:6], 0, 1, 0)) - (parsed[9] or 0)
        return time.gmtime(seconds)
    if _ISO_DATE.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise NotSimple(f"date {value[:40]!r}") from None
        if moment.tzinfo is not None:
            return time.gmtime(calendar.timegm(moment.utctimetuple()))
        return time.gmtime(calendar.timegm(moment.timetuple()))
    raise NotSimple(f"date {value[:40]!r}")


class _Text:
    """Character data of one element, with long CDATA sections kept apart."""

    __slots__ = ("bodies", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.bodies: list[str] = []


class _Reader:
    """One expat pass over a feed (or one wrapped entry), feedparser's rules."""

    def __init__(
        self,
        data: bytes,
        derive: Callable[[dict[str, Any], int], Any],
        *,
        atom: bool = False,
        c1: bool | None = None,
    ) -> None:
        self.derive = derive
        self.data = data
        # One scan of the feed's bytes spares one per body (C1 controls are rare).
        self.c1 = _C1_UTF8.search(data) is not None if c1 is None else c1
        self.found: list[tuple[int, int, Any]] = []
        self.namespaces: dict[str, str] = {}
        self.root: str | None = None
        self.atom = atom
        self.feed_title = ""
        self.feed_titles = 0
        self.depth = 0
        self.entry_depth = -1
        self.entry: dict[str, Any] | None = None
        self.entry_start = 0
        self.texts: list[tuple[str, _Text | None]] = []  # per open element: its text, if read
        self.cdata_start = 0
        self.cdata_index = 0  # where the open CDATA section's text starts in its field
        self.cdata_long = False  # the open section is taken verbatim from the bytes
        self.skip_depth = -1  # inside an Atom <source>: nothing reaches the entry
        self.has_content = False
        self.has_title = False
        self.psc_open = False
        self.guid_is_link = False
        self.parser: Any = None
        self.base = ""

    # --- driving ------------------------------------------------------------

    def run(self, data: bytes, *, top: bool) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.namespace_prefixes = True
        parser.buffer_text = True
        parser.buffer_size = 1 << 16  # long CDATA bodies never pass through it
        parser.ordered_attributes = False
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.StartCdataSectionHandler = self.cdata_open
        parser.EndCdataSectionHandler = self.cdata_close
        parser.StartNamespaceDeclHandler = self.namespace
        parser.DefaultHandler = None
        self.parser = parser
        self.top = top
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise NotSimple(f"not well-formed XML ({exc})") from None
        except RecursionError:
            raise NotSimple("too deep") from None
        finally:  # the parser holds this reader's handlers: no cycle left for a paused gc
            self.parser = None

    def namespace(self, prefix: str | None, uri: str) -> None:
        ancestor = self.depth <= (0 if self.atom or self.root is None else 1)
        if self.top and ancestor and (self.depth == 0 or prefix is not None):
            self.namespaces[prefix or ""] = uri
        if prefix and uri.lower() not in _KNOWN_PREFIX and prefix.lower() in _RESERVED_PREFIXES:
            raise NotSimple(f"prefix {prefix} of another namespace")

    # --- names --------------------------------------------------------------

    @staticmethod
    def name_of(tag: str) -> str:
        """feedparser's ``prefix_local`` name of an expat ``uri local prefix`` tag."""
        parts = tag.split(" ")
        if len(parts) == 1:
            return tag.lower()
        uri, local = parts[0], parts[1].lower()
        lowered = uri.lower()
        if lowered in _OTHER_FORMATS or lowered.startswith("http://my.netscape.com/"):
            raise NotSimple(f"namespace {uri}")
        prefix = _KNOWN_PREFIX.get(lowered)
        if prefix is None:
            prefix = parts[2].lower() if len(parts) > 2 else ""
            if not prefix:
                raise NotSimple(f"default namespace {uri}")
        return f"{prefix}_{local}" if prefix else local

    # --- handlers -------------------------------------------------------------

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        depth = self.depth
        self.depth += 1
        for key, value in attrs.items():
            if (key.split(" ")[1] if " " in key else key).lower() == "base":
                self.set_base(value, depth)
        if self.root is None:
            self.start_root(tag)
            self.texts.append(("", None))
            return
        name = self.name_of(tag)
        if self.entry is None:
            self.start_outside(name, depth)
            return
        if self.skip_depth >= 0:
            self.texts.append((name, None))
            return
        if depth == self.entry_depth + 1:
            self.start_field(name, self.normal(attrs))
        else:
            self.start_nested(name, self.normal(attrs))

    def set_base(self, value: str, depth: int) -> None:
        """``xml:base`` on the root (or an RSS channel) only: feedparser resolves
        links and ids against it; anywhere else the fast path steps aside."""
        top_level = self.top and self.entry is None and depth <= (0 if self.atom else 1)
        if not top_level or self.base or not value.lower().startswith(("http://", "https://")):
            raise NotSimple("xml:base")
        self.base = _URI_FIXER.sub(r"\1\3", value)

    def resolve(self, uri: str) -> str:
        """feedparser's ``resolve_uri``: its scheme fix-up, then joined to the base."""
        uri = _URI_FIXER.sub(r"\1\3", uri)
        if not self.base:
            return uri
        try:
            return urljoin(self.base, uri)
        except ValueError:
            return ""

    def start_root(self, tag: str) -> None:
        if not self.top:
            self.root = "w"
            return
        if tag == "rss":
            self.root, self.atom = "rss", False
        elif tag == f"{_ATOM} feed" or tag.startswith(f"{_ATOM} feed "):
            self.root, self.atom = "feed", True
        else:
            raise NotSimple(f"root element {tag.split(' ')[-1][:40]}")

    def start_outside(self, name: str, depth: int) -> None:
        entry_depth = 1 if (self.atom or not self.top) else 2
        if name in ("item", "entry") and (name == "entry") == self.atom:
            if depth != entry_depth:
                raise NotSimple(f"{name} at depth {depth}")
            self.open_entry(depth)
            self.texts.append((name, None))
            return
        if self.top and not self.atom and depth == 1 and name != "channel":
            raise NotSimple(f"{name} outside the channel")
        if name == "title" and depth == entry_depth:
            self.texts.append((name, _Text()))
            return
        if name in ("media_title", "dc_title") and depth == entry_depth:
            raise NotSimple(f"feed {name}")
        self.texts.append((name, None))

    def open_entry(self, depth: int) -> None:
        self.entry = {"links": []}
        self.entry_depth = depth
        self.entry_start = self.parser.CurrentByteIndex
        self.has_content = False
        self.has_title = False
        self.psc_open = False
        self.guid_is_link = False

    @staticmethod
    def normal(attrs: dict[str, str]) -> dict[str, str]:
        """Attribute names in lower case, local part only; ``rel`` and ``type`` values too."""
        out = {}
        for key, value in attrs.items():
            if " " in key:  # a namespaced attribute: feedparser keeps its prefix
                parts = key.split(" ")
                prefix = _KNOWN_PREFIX.get(parts[0].lower(), parts[2] if len(parts) > 2 else "")
                local = f"{prefix}:{parts[1]}".lower() if prefix else parts[1].lower()
            else:
                local = key.lower()
            out[local] = value.lower() if local in ("rel", "type") else value
        return out

    def start_field(self, name: str, attrs: dict[str, str]) -> None:
        entry = self.entry
        assert entry is not None
        text: _Text | None = _Text()
        if name == "title" or name in _DATES or name == "itunes_duration":
            self.check_type(attrs)
        elif name == "link":
            rel = attrs.setdefault("rel", "alternate")
            kind = attrs.setdefault(
                "type", "application/atom+xml" if rel == "self" else "text/html"
            )
            href = attrs.get("url") or attrs.get("uri") or attrs.get("href")
            if href:
                href = self.resolve(href)
                entry["links"].append({"rel": rel, "type": kind, "href": href})
                if rel == "alternate" and _content_type(kind) in _HTML_TYPES:
                    entry["link"] = href
                text = None
            else:
                entry["links"].append({"rel": rel, "type": kind})
        elif name in ("guid", "id"):
            self.guid_is_link = attrs.get("ispermalink", "true") == "true"
            name = "id"
        elif name in _SUMMARY or name in _CONTENT:
            self.check_type(attrs)
        elif name == "enclosure":
            href = attrs.get("url") or attrs.get("uri") or attrs.get("href")
            link = {k: v for k, v in attrs.items() if k not in ("url", "uri")}
            if href:
                link["href"] = href
            link["rel"] = "enclosure"
            entry["links"].append(link)
            text = None
        elif name == "psc_chapters":
            if "psc_chapters" not in entry:
                self.psc_open = True
                entry["psc_chapters"] = {**attrs, "chapters": []}
            text = None
        elif name == "source":
            self.skip_depth = self.depth
            self.has_title = False  # feedparser resets its title depth at <source>
            text = None
        elif name in _HARMLESS:
            text = None
        elif name in _UNCOPIED:
            raise NotSimple(f"entry element {name}")
        elif attrs:  # feedparser keeps an unknown element's attributes under its name
            if name in _ENTRY_KEYS and name != "podcast_chapters":
                raise NotSimple(f"entry element {name}")
            entry[name] = attrs
            text = None
        elif name in _ENTRY_KEYS and name != "podcast_chapters":
            raise NotSimple(f"entry element {name}")
        self.texts.append((name, text))

    def start_nested(self, name: str, attrs: dict[str, str]) -> None:
        entry = self.entry
        assert entry is not None
        if self.texts and self.texts[-1][1] is not None:
            raise NotSimple("markup inside a text field")
        if name == "psc_chapter":
            if self.psc_open:
                chapter: dict[str, str | None] = dict(attrs)
                chapter["start_parsed"] = None  # see chapters.chapters_from_psc
                entry["psc_chapters"]["chapters"].append(chapter)
        elif name in _NOT_NESTED or name in _UNCOPIED or name in _ENTRY_KEYS:
            raise NotSimple(f"nested element {name}")
        self.texts.append((name, None))

    @staticmethod
    def check_type(attrs: dict[str, str]) -> None:
        kind = attrs.get("type")
        if (kind is not None and kind not in _TEXT_TYPES) or "mode" in attrs or "src" in attrs:
            raise NotSimple(f"content type {kind}")

    def chars(self, data: str) -> None:
        text = self.texts[-1][1] if self.texts else None
        if text is not None:
            text.parts.append(data)

    def cdata_open(self) -> None:
        start = self.cdata_start = self.parser.CurrentByteIndex
        text = self.texts[-1][1] if self.texts else None
        self.cdata_index = len(text.parts) if text is not None else 0
        # A section ends at the first "]]>": a long one is taken from the bytes at its
        # end, so expat need not hand its text over as well.
        self.cdata_long = self.data.find(b"]]>", start + 9) - start - 9 >= LIFT_MIN_BYTES
        if self.cdata_long:
            self.parser.CharacterDataHandler = None

    def cdata_close(self) -> None:
        if not self.cdata_long:
            return
        self.parser.CharacterDataHandler = self.chars
        text = self.texts[-1][1] if self.texts else None
        if text is None:
            return
        # The section's bytes: from after "<![CDATA[" to this "]]>", verbatim, as
        # feedparser's caller lifts it: not even XML's line-end rule.
        end = self.parser.CurrentByteIndex
        body = self.data[self.cdata_start + 9 : end].decode("utf-8", "replace")
        text.bodies.append(body.translate(_C1_BODY) if self.c1 else body)
        del text.parts[self.cdata_index :]
        text.parts.append("\x00body\x00")

    def end(self, tag: str) -> None:
        self.depth -= 1
        name, text = self.texts.pop()
        if self.entry is None:
            if text is not None:  # the feed's title
                self.feed_titles += 1
                if self.feed_titles > 1:
                    raise NotSimple("two feed titles")
                value, lifted = self.value(text)
                if lifted:
                    raise NotSimple("feed title in a long CDATA section")
                self.feed_title = value
            return
        if self.depth == self.entry_depth:
            self.close_entry()
            return
        if self.skip_depth >= 0:
            if self.depth == self.skip_depth - 1:
                self.skip_depth = -1
            return
        if name == "psc_chapters":
            self.psc_open = False
        elif text is not None:
            self.end_field(name, text)

    def end_field(self, name: str, text: _Text) -> None:
        entry = self.entry
        assert entry is not None
        value, lifted = self.value(text, uri=name == "link" or (name == "id" and self.guid_is_link))
        if lifted and name not in ("title",) and name not in _SUMMARY and name not in _CONTENT:
            raise NotSimple(f"long CDATA section in {name}")
        if name == "title":
            if not self.has_title:
                entry["title"] = value
                self.has_title = bool(value)
        elif name == "link":
            value = _LINK_REF.sub(r"&\g<1>", value.replace("&amp;", "&"))
            entry["link"] = value
            if value:
                entry["links"][-1]["href"] = value
        elif name == "id":
            entry["id"] = value
            if self.guid_is_link:
                entry.setdefault("link", value)
        elif name in _SUMMARY:
            if "summary" in entry and not self.has_content:
                self.has_content = True
                entry.setdefault("content", []).append({"value": value})
            else:
                entry["summary"] = value
        elif name in _CONTENT:
            self.has_content = True
            entry.setdefault("content", []).append({"value": value})
            entry.setdefault("summary", value)
        elif name in _DATES:
            entry[_DATES[name]] = parse_date(value)
        else:  # itunes_duration and unknown elements: their text under their name
            entry[name] = value

    def close_entry(self) -> None:
        entry = self.entry
        assert entry is not None
        start = self.entry_start
        end = self.data.index(b">", self.parser.CurrentByteIndex) + 1
        self.entry = None
        self.entry_depth = -1
        index = len(self.found)
        derived = self.derive(entry, index)
        self.found.append((start, end, derived))

    def value(self, text: _Text, *, uri: bool = False) -> tuple[str, bool]:
        """feedparser's value of an element's text (see ``mixin.pop``); whether a
        long CDATA body was taken verbatim."""
        value = "".join(text.parts).strip()
        if uri and value:
            value = self.resolve(value)
        if not value.isascii():
            try:  # UTF-8 read as Latin-1, as feedparser repairs it
                value = value.encode("iso-8859-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
            if _HAS_C1.search(value):
                value = value.translate(_CP1252)
        if not text.bodies:
            return value, False
        bodies = iter(text.bodies)
        return re.sub("\x00body\x00", lambda _: next(bodies), value), True


def _content_type(kind: str) -> str:
    return {"text": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}.get(
        kind, kind
    )
