"""Bytes of a feed or an episode document into a ``ParsedFeed``.

Well-formed RSS 2.0 and Atom 1.0 feeds are read by the standard library's expat
(``xmlfeed.py``, the same entry fields as feedparser at a fraction of the cost);
any other feed goes through feedparser with its own sanitising and URI
resolution turned off: those passes cost 3-4x the parse and we sanitise with
nh3 instead (``blocks.py``), keeping text only.
Single documents (Markdown exports, HTML pages) become a one-episode feed.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.errors import FeedParseError
from bot.feeds.blocks import Block, html_blocks, html_to_text, markdown_blocks
from bot.feeds.chapters import (
    attach_chapters,
    chapters_from_blocks,
    chapters_from_psc,
    merge_chapters,
    parse_timestamp,
)
from bot.feeds.charrefs import repair_char_refs
from bot.feeds.clean import canonical_link, clean_text, clean_url, repair_mojibake
from bot.feeds.names import episode_name, story_name
from bot.feeds.rawmarkup import wrap_raw_markup
from bot.feeds.sections import section_of_line
from bot.feeds.shownotes import OTHER, extract_items
from bot.feeds.transcript import without_transcript
from bot.feeds.where import episode_of_error
from bot.feedurls import redact_feed_url
from bot.models import Chapter, Link, ParsedEpisode, ParsedFeed, ParsedItem

if TYPE_CHECKING:
    from bot.feeds.xmlfeed import Scanned

_FEED_SNIFF = re.compile(rb"<(?:rss|feed|rdf:rdf|channel)[\s>]", re.I)
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.I)
_DOC_EXTENSIONS_MD = (".md", ".markdown", ".txt")
_DOC_EXTENSIONS_HTML = (".html", ".htm", ".xhtml")
_FEED_EXTENSIONS = (".rss", ".xml", ".atom", ".rdf")


def sniff(data: bytes, name: str = "") -> str:
    """What ``data`` is: "feed", "html" or "markdown" (by content, then by file name)."""
    lower = name.lower()
    head = data[:4096]
    if lower.endswith(_DOC_EXTENSIONS_MD) and not _FEED_SNIFF.search(head):
        return "markdown"
    if _FEED_SNIFF.search(head):
        return "feed"
    if _HTML_SNIFF.search(head) or lower.endswith(_DOC_EXTENSIONS_HTML):
        if lower.endswith(_FEED_EXTENSIONS):
            raise FeedParseError(f"{name}: this is an HTML page, not a feed")
        return "html"
    if lower.endswith(_FEED_EXTENSIONS) or head.lstrip().startswith(b"<"):
        return "feed"
    return "markdown"


@dataclass
class FeedStream:
    """A feed read lazily: its title now, its episodes one by one, oldest first.

    Building an episode (sanitising, extracting, cleaning) is most of the
    work of an ingest, so the engine stores each one while the next is
    built.  Oldest first, so stored rowids grow with time.  ``warnings`` fills
    up as episodes are read.
    """

    title: str
    source: str
    warnings: list[str]
    _build: Callable[[Collection[tuple[str, str]]], Iterator[ParsedEpisode]]
    _identify: Callable[[], list[tuple[str, str]]] | None = None

    def episodes(self, skip: Collection[tuple[str, str]] = ()) -> Iterator[ParsedEpisode]:
        """The episodes, oldest first (feeds list newest first), except those whose
        ``(key, content_hash)`` is in ``skip``: an unchanged entry is never extracted."""
        return self._build(skip)

    def identities(self) -> list[tuple[str, str]]:
        """Each episode's ``(key, content_hash)``, oldest first, without extracting it."""
        if self._identify is not None:
            return self._identify()
        return [(e.key, e.content_hash) for e in self._build(())]


def stream_source(data: bytes, source: str, *, kind: str | None = None) -> FeedStream:
    """Open feed or document bytes for reading; ``source`` names it in messages.

    Raises ``FeedParseError`` at once when the bytes are not a feed at all.
    Broken numeric character references are mended first (``charrefs.py``).
    """
    kind = kind or sniff(data, source)
    if kind == "feed":
        return stream_feed(data, source)
    text = _decode(repair_char_refs(data))
    parse = parse_html_document if kind == "html" else parse_markdown_document
    episode = parse(text, source)
    return FeedStream(
        source,
        source,
        [],
        lambda skip: iter(() if (episode.key, episode.content_hash) in skip else (episode,)),
        lambda: [(episode.key, episode.content_hash)],
    )


def parse_source(data: bytes, source: str, *, kind: str | None = None) -> ParsedFeed:
    """Parse feed or document bytes at once; episodes newest first, as in the feed."""
    stream = stream_source(data, source, kind=kind)
    episodes = list(stream.episodes())
    episodes.reverse()
    return ParsedFeed(
        title=stream.title,
        source=source,
        episodes=tuple(episodes),
        warnings=tuple(stream.warnings),
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- feeds ----------------------------------------------------------------


# Large CDATA bodies (whole episodes of HTML) are lifted out before feedparser
# runs and put back after: CDATA needs no XML decoding, and feedparser's
# per-element passes (entity decoding, cp1252 mapping) over them cost more
# than the rest of the parse.  Placeholders are plain text and unique per call.
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([\w.-]+)", re.I)
_LIFT_MIN_BYTES = 2048
_HAS_C1 = re.compile("[\x80-\x9f]")
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")  # how a C1 control is spelled in UTF-8
_C1_CONTROLS = {i: bytes([i]).decode("cp1252", "replace") for i in range(0x80, 0xA0)}


def _lift_bodies(data: bytes) -> tuple[bytes, dict[str, str], re.Pattern[str]]:
    nonce = hashlib.sha1(data[:64] + len(data).to_bytes(8, "big")).hexdigest()[:12]
    bodies: dict[str, str] = {}
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return data, bodies, re.compile("(?!)")  # let feedparser decode other encodings
    # C1 controls (U+0080-U+009F) are rare: one scan of the bytes spares one per body.
    map_c1 = _C1_UTF8.search(data) is not None
    # bytes.find walks the file in C; a lazy regex over 4 MB costs ten times more.
    parts: list[bytes] = []
    pos = 0
    while True:
        start = data.find(b"<![CDATA[", pos)
        if start < 0:
            break
        end = data.find(b"]]>", start + 9)
        if end < 0:
            break  # an unterminated section: leave it for feedparser to report
        if end - start - 9 >= _LIFT_MIN_BYTES:
            key = f"digestbot-body-{nonce}-{len(bodies)}"
            body = data[start + 9 : end].decode("utf-8", "replace")
            bodies[key] = _map_c1(body) if map_c1 else body
            parts += (data[pos:start], key.encode())
        else:
            parts.append(data[pos : end + 3])
        pos = end + 3
    parts.append(data[pos:])
    return b"".join(parts), bodies, re.compile(rf"digestbot-body-{nonce}-\d+")


def _restore(value: str, bodies: dict[str, str], pattern: re.Pattern[str]) -> str:
    if not bodies or "digestbot-body-" not in value:
        return value
    return pattern.sub(lambda m: bodies.get(m.group(0), ""), value)


def _map_c1(text: str) -> str:
    """What feedparser does to every value: C1 controls read as cp1252 (rare, so test first)."""
    return text.translate(_C1_CONTROLS) if _HAS_C1.search(text) else text


def stream_feed(data: bytes, source: str) -> FeedStream:
    """A feed's episodes; a malformed feed yields what can be read, with a warning."""
    data = repair_char_refs(data)  # before feedparser, which fails on some (charrefs.py)
    data = wrap_raw_markup(data)  # feedparser costs 40 us per raw tag (rawmarkup.py)
    from bot.feeds import xmlfeed

    try:
        scanned = xmlfeed.scan(data, _identity)
    except xmlfeed.NotSimple:  # not plain RSS 2.0 / Atom 1.0: feedparser reads anything
        return _stream_feedparser(data, source)
    return _stream_scanned(data, source, scanned)


def _identity(entry: dict[str, Any], index: int) -> _Identity:
    try:
        fields = _entry_fields(entry, index)
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc) or type(exc).__name__
    return dataclasses.replace(fields, html="")  # the body is read again when built


def _stream_scanned(data: bytes, source: str, scanned: Scanned[_Identity]) -> FeedStream:
    """The episodes of a feed read by the fast path: each entry is parsed again from
    its bytes when built, so only one entry's fields are held at a time."""
    from bot.feeds import xmlfeed

    warnings: list[str] = []
    shown = redact_feed_url(source)  # titles and warnings are shown: no feed token
    feed_title = clean_text(html_to_text(repair_mojibake(scanned.title))) or shown
    count = len(scanned.entries)

    def build(skip: Collection[tuple[str, str]]) -> Iterator[ParsedEpisode]:
        for index in range(count - 1, -1, -1):
            known = scanned.entries[index][2]
            if isinstance(known, str):
                warnings.append(f"{shown}: skipped entry {index + 1} ({known})")
                continue
            if (known.key, known.digest) in skip:
                continue
            try:
                entry = xmlfeed.entry_at(data, scanned, index)
                fields = dataclasses.replace(known, html=repair_mojibake(_entry_html(entry)))
                episode = _episode_from_entry(entry, source, index, fields)
            except (ValueError, TypeError, KeyError, xmlfeed.NotSimple) as exc:
                warnings.append(f"{shown}: skipped entry {index + 1} ({exc})")
                continue
            yield episode

    def identify() -> list[tuple[str, str]]:
        return [
            (known.key, known.digest)
            for _, _, known in reversed(scanned.entries)
            if not isinstance(known, str)
        ]

    return FeedStream(feed_title, source, warnings, build, identify)


def _stream_feedparser(data: bytes, source: str) -> FeedStream:
    """A feed read by feedparser, which reads anything (imported only for such feeds)."""
    import feedparser

    lifted, bodies, placeholder = _lift_bodies(data)
    try:
        parsed = feedparser.parse(lifted, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own bugs on hostile input (a psc:chapter
        # without start raises TypeError in its loose parser): one clear error, not a traceback
        reason = clean_text(f"{type(exc).__name__}: {exc}")[:200]
        raise FeedParseError(
            f"{redact_feed_url(source)}: not a readable feed (feedparser failed: {reason})"
        ) from exc
    for entry in parsed.entries:
        for key in ("title", "summary"):
            if key in entry:  # None in some malformed feeds: read as empty
                entry[key] = _restore(entry[key] or "", bodies, placeholder)
        for content in entry.get("content", []) or []:
            content["value"] = _restore(content.get("value") or "", bodies, placeholder)
    warnings: list[str] = []
    shown = redact_feed_url(source)
    if parsed.get("bozo"):
        reason = clean_text(str(parsed.get("bozo_exception", "malformed feed")))[:200]
        if not parsed.entries and not parsed.feed.get("title"):
            raise FeedParseError(f"{shown}: not a readable feed ({reason})")
        episode = episode_of_error(lifted, parsed.get("bozo_exception"))
        where = f' in episode "{episode}"' if episode else ""
        warnings.append(
            f"{shown}: malformed feed{where} ({reason}); "
            f"read {len(parsed.entries)} episode(s) anyway"
        )
    feed_title = (
        clean_text(html_to_text(repair_mojibake(str(parsed.feed.get("title") or ""))))
        or shown  # the title is shown: no private feed's token in it
    )
    entries = list(enumerate(parsed.entries))

    known: dict[int, _EntryFields] = {}  # from ``identify``: each entry's fields read once

    def build(skip: Collection[tuple[str, str]]) -> Iterator[ParsedEpisode]:
        for index, entry in reversed(entries):
            try:
                fields = known.pop(index, None) or _entry_fields(entry, index)
                if (fields.key, fields.digest) in skip:
                    continue
                episode = _episode_from_entry(entry, source, index, fields)
            except (ValueError, TypeError, KeyError) as exc:  # one bad entry must not sink it
                warnings.append(f"{shown}: skipped entry {index + 1} ({exc})")
                continue
            yield episode

    def identify() -> list[tuple[str, str]]:
        out = []
        for index, entry in reversed(entries):
            try:
                fields = known[index] = _entry_fields(entry, index)
            except (ValueError, TypeError, KeyError):  # ``build`` warns about it
                continue
            out.append((fields.key, fields.digest))
        return out

    return FeedStream(feed_title, source, warnings, build, identify)


def _entry_html(entry: Any) -> str:
    candidates = [c.get("value", "") for c in entry.get("content", []) or []]
    candidates.append(entry.get("summary", "") or "")
    return str(max(candidates, key=len))


def _entry_published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError):
                continue
    return None


def _entry_chapters_url(entry: Any) -> str | None:
    """The Podcasting 2.0 ``podcast:chapters`` JSON file of an entry, if any."""
    chapters = entry.get("podcast_chapters")
    url = chapters.get("url") if isinstance(chapters, dict) else None
    return clean_url(str(url)) if url else None


def _entry_audio(entry: Any) -> str | None:
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith(
            ("audio", "video")
        ):
            return clean_url(str(link.get("href", "")))
    return None


@dataclass(frozen=True, slots=True)
class _EntryFields:
    """What identifies an entry and tells whether it changed: cheap, before extraction."""

    html: str
    title: str
    url: str | None
    published: datetime | None
    key: str
    digest: str


#: What the fast path keeps of an entry after its first reading: its fields but the
#: body (read again when built), or why it cannot be read (``build`` then warns).
_Identity = _EntryFields | str


def _entry_fields(entry: Any, index: int) -> _EntryFields:
    html_ = repair_mojibake(_entry_html(entry))
    title = clean_text(html_to_text(repair_mojibake(str(entry.get("title") or "")))) or (
        f"Episode {index + 1}"
    )
    url = clean_url(str(entry.get("link", "") or ""))
    guid = str(entry.get("id", "") or "")
    published = _entry_published(entry)
    digest = hashlib.sha1(
        "\x1f".join((title, url or "", guid, html_, str(published))).encode("utf-8", "replace")
    ).hexdigest()
    return _EntryFields(
        html_, title, url, published, _episode_key(url, guid, title, published), digest
    )


def _episode_from_entry(
    entry: Any, source: str, index: int, fields: _EntryFields | None = None
) -> ParsedEpisode:
    """One feed entry as an episode."""
    f = fields or _entry_fields(entry, index)
    html_, title, url, published = f.html, f.title, f.url, f.published
    blocks = html_blocks(without_transcript(html_)) if html_ else []
    duration = entry.get("itunes_duration")
    return _build_episode(
        key=f.key,
        title=title,
        published=published,
        url=url,
        duration=parse_timestamp(str(duration)) if duration else None,
        audio_url=_entry_audio(entry),
        blocks=blocks,
        extra_chapters=chapters_from_psc(entry),
        content_hash=f.digest,
        chapters_url=_entry_chapters_url(entry),
    )


# --- single documents -----------------------------------------------------

_MD_META = re.compile(r"^\*\*(Date|Duration|Link|Published|URL):\*\*\s*(.+?)\s*$", re.I | re.M)
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*$", re.M)
_MD_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s)\]]+")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%d %B %Y", "%B %d %Y")


def parse_date(text: str) -> datetime | None:
    """A date written as "January 10, 2025", "2025-01-10", ISO 8601 or RFC 822."""
    text = clean_text(text).replace("Sept ", "Sep ")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        import feedparser  # RFC 822 and friends: only for dates the formats above miss

        parsed = feedparser.datetimes._parse_date(text)
        if parsed is None:
            return None
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*):[ \t]*(.*?)[ \t]*$")
_SOURCE_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter's one-line ``key: value`` fields, and the text after it.

    Jekyll and Astro posts open with ``---`` ... ``---``; some glue the closing
    ``---`` to the first heading ("---### Top News"), which stays in the body.
    Folded and list values are not read (title and date are all we need).
    """
    if not text.startswith("---"):
        return {}, text
    first_break = text.find("\n")
    if first_break < 0 or text[:first_break].strip() != "---":
        return {}, text
    fields: dict[str, str] = {}
    pos = first_break + 1
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        if line.startswith("---"):
            return fields, text[pos + 3 :].lstrip("-")
        match = _FRONT_KEY.match(line)
        if match and match.group(1).lower() not in fields:
            fields[match.group(1).lower()] = match.group(2).strip("'\"")
        pos = end + 1
    return {}, text  # never closed: not front matter


def parse_markdown_document(text: str, source: str) -> ParsedEpisode:
    """One episode from a Markdown export (title, Date/Duration/Link lines, body).

    YAML front matter, when there is one, gives the title and date.
    """
    text = repair_mojibake(text)
    raw_hash = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
    fields, text = front_matter(text)
    meta = {m.group(1).lower(): m.group(2) for m in _MD_META.finditer(text)}
    for key, field in (("date", "date"), ("link", "link"), ("url", "url"), ("url", "redirect")):
        if fields.get(field) and key not in meta:
            meta[key] = fields[field]
    if "date" not in meta:  # "lwiai_323_2025-09-29.md": the file name may carry the date
        named = _SOURCE_DATE.search(re.split(r"[\\/]", source)[-1])
        if named:
            meta["date"] = named.group(1)
    title_match = None if fields.get("title") else _MD_TITLE.search(text)
    if fields.get("title"):
        title = clean_text(fields["title"])
    else:
        title = clean_text(title_match.group(1)) if title_match else _title_from_source(source)
    body = _MD_META.sub("", text)
    if title_match:
        body = body.replace(title_match.group(0), "", 1)
    url = None
    link_text = meta.get("link") or meta.get("url")
    if link_text:
        target = _MD_LINK_TARGET.search(link_text) or _BARE_URL.search(link_text)
        url = clean_url(target.group(target.lastindex or 0) if target else link_text)
    published = parse_date(meta.get("date") or meta.get("published") or "")
    blocks = [b for b in markdown_blocks(body) if b.text.lower() != "description"]
    return _build_episode(
        key=_episode_key(url, "", title, published),
        title=title,
        published=published,
        url=url,
        duration=parse_timestamp(meta.get("duration", "")),
        audio_url=None,
        blocks=blocks,
        extra_chapters=(),
        content_hash=raw_hash,
    )


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_HTML_CANONICAL = re.compile(
    r'<(?:link[^>]+rel="canonical"[^>]+href|meta[^>]+property="og:url"[^>]+content)="([^"]+)"',
    re.I,
)
_HTML_TIME = re.compile(
    r'<(?:time[^>]+datetime|meta[^>]+property="article:published_time"[^>]+content)="([^"]+)"',
    re.I,
)
_HTML_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.I | re.S)


def parse_html_document(text: str, source: str) -> ParsedEpisode:
    """One episode from an HTML page (title, canonical link, publish time, body)."""
    text = repair_mojibake(text)
    title_match = _HTML_H1.search(text) or _HTML_TITLE.search(text)
    title = (
        clean_text(html_blocks(title_match.group(1))[0].text)
        if title_match and html_blocks(title_match.group(1))
        else _title_from_source(source)
    )
    canonical = _HTML_CANONICAL.search(text)
    url = clean_url(canonical.group(1)) if canonical else None
    when = _HTML_TIME.search(text)
    published = parse_date(when.group(1)) if when else None
    body_match = _HTML_BODY.search(text)
    blocks = html_blocks(without_transcript(body_match.group(1) if body_match else text))
    blocks = [b for b in blocks if b.text != title]
    return _build_episode(
        key=_episode_key(url, "", title, published),
        title=title,
        published=published,
        url=url,
        duration=None,
        audio_url=None,
        blocks=blocks,
        extra_chapters=(),
        content_hash=hashlib.sha1(text.encode("utf-8", "replace")).hexdigest(),
    )


def _title_from_source(source: str) -> str:
    stem = re.split(r"[\\/]", source)[-1].rsplit(".", 1)[0]
    return clean_text(stem.replace("_", " ")) or "Untitled episode"


# --- shared ---------------------------------------------------------------


def _episode_key(url: str | None, guid: str, title: str, published: datetime | None) -> str:
    """Identity of an episode across forms: its link, else its guid, else title and date."""
    link = canonical_link(url)
    if link:
        return "link:" + link
    if guid:
        return "guid:" + guid
    return f"title:{title.casefold()}|{published.date().isoformat() if published else ''}"


def _build_episode(
    *,
    key: str,
    title: str,
    published: datetime | None,
    url: str | None,
    duration: int | None,
    audio_url: str | None,
    blocks: Sequence[Block],
    extra_chapters: Sequence[Chapter],
    content_hash: str,
    chapters_url: str | None = None,
) -> ParsedEpisode:
    chapters = merge_chapters(chapters_from_blocks(blocks), extra_chapters)
    items: list[ParsedItem] = extract_items(blocks)
    if not items:
        items = _items_from_title(title, url, blocks) or [_episode_as_item(title, url)]
    items = attach_chapters(items, chapters)
    return ParsedEpisode(
        key=key,
        title=title,
        published=published,
        url=url,
        duration_seconds=duration,
        audio_url=audio_url,
        chapters=chapters,
        items=tuple(items),
        body="\n\n".join(b.text for b in blocks),
        content_hash=content_hash,
        chapters_url=chapters_url,
    )


#: A body this short says nothing of its own: a title listing stories is the list.
_SHORT_BODY = 600


def _items_from_title(title: str, url: str | None, blocks: Sequence[Block]) -> list[ParsedItem]:
    """Stories of a digest whose only list is its title ("GPT-5.5 Outperforms, Kimi K2.6 ...").

    Only for an entry whose body is a sentence or two (The Batch's scraped feed):
    a podcast episode's title is a teaser, and its body says what the episode holds.
    """
    if sum(len(b.text) for b in blocks) > _SHORT_BODY:
        return []
    text = title.removeprefix("The Batch: ")
    parts = [p.strip() for p in text.split(", ") if p.strip()]
    if len(parts) < 3 or any(len(p.split()) > 12 for p in parts):
        return []
    items = []
    for part in parts:
        name, org = story_name(part)
        items.append(
            ParsedItem(
                name=name,
                org=org,
                section=section_of_line(part),
                section_original="Episode",
                headline=part,
                summary=part,
                links=(Link(label="Episode", url=url),) if url else (),
            )
        )
    return items


def _episode_as_item(title: str, url: str | None) -> ParsedItem:
    """An episode without show notes becomes one item: the episode itself."""
    return ParsedItem(
        name=episode_name(title),
        section=OTHER,
        section_original="Episode",
        headline=title,
        summary=title,
        links=(Link(label="Episode", url=url),) if url else (),
    )
