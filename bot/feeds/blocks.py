"""HTML and Markdown episodes into one neutral form: a list of text blocks.

A ``Block`` is one paragraph, list item or heading as plain text, with its
links kept apart and its anchors marked in place.  The Substack podcast feed
(flat ``<p>* ...</p>``), Substack newsletters (``<ul><li>``) and Markdown
exports (``* ...`` lines) all become the same blocks, so show-notes
extraction is written once and gives the same items for every form.

HTML goes through nh3 (a fast Rust sanitiser) first: scripts, styles,
comments and unknown tags are gone before any text is taken, and what is
left is well-formed enough for the simple patterns below.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

from bot.feeds import bounded
from bot.feeds.clean import clean_url, normalise_space, replace_odd_spaces
from bot.models import Link

# Private-use characters mark anchors while a block is built (\ue000 N \ue001)
# and inside ``Block.marked`` (\ue002 N \ue003); they are removed from input first.
_MARK = re.compile("\ue002(\\d+)\ue003")
_PENDING = re.compile("\ue000(\\d+)\ue001")
_MARKER_CHARS = re.compile("[\ue000-\ue003]")


def _without_markers(text: str) -> str:
    """``text`` without the marker characters (four ``in`` tests beat one regex pass 4x)."""
    if "\ue000" in text or "\ue001" in text or "\ue002" in text or "\ue003" in text:
        return _MARKER_CHARS.sub("", text)
    return text


_KEPT_TAGS = {
    "p",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "br",
    "blockquote",
    "div",
    "pre",
    "code",
    "td",
    "tr",
}
# Block-level tags, captured so re.split keeps them: [text, tag, text, tag, ...].
_KEPT_ATTRIBUTES = {"a": {"href"}}
_BLOCK_SPLIT = re.compile(
    r"(<(?:/?(?:p|li|ul|ol|h[1-6]|blockquote|div|pre|tr|td)|br\s*/?)(?:\s[^>]*)?>)", re.I
)
_HEADING_OPEN = re.compile(r"<h([1-6])>", re.I)
# nh3 drops unsafe hrefs (javascript:) but keeps the anchor: such a link has no URL.
_ANCHOR = re.compile(r'<a(?:\s[^>]*?href="([^"]*)")?[^>]*>(.*?)</a>', re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_BULLET = re.compile(r"^\s*(?:[*\u2022\-–]\s+)")
_BULLET_STARTS = ("* ", "\u2022 ", "- ", "– ", "*\u00a0")
_WHOLE_BOLD_HTML = re.compile(
    r"^\s*(?:[*\u2022]\s*)?<(strong|b)>(?:(?!</?(?:strong|b)>).)*</\1>[\s:]*$", re.S | re.I
)


class Block(NamedTuple):
    """One paragraph, list item or heading of an episode.

    A named tuple: immutable like a frozen dataclass, and built several times
    faster (a feed holds ~17,000 blocks).

    ``marked`` is the block's text with each anchor replaced by a marker
    ``\\ue002N\\ue003``; ``labels[N]`` is that anchor's text and ``urls[N]`` its
    cleaned URL (``None`` when the URL was unsafe and dropped).
    """

    marked: str
    labels: tuple[str, ...]
    urls: tuple[str | None, ...]
    bullet: bool = False
    bold: bool = False
    heading: int = 0
    #: The block as plain text, anchors replaced by their labels.
    text: str = ""
    #: The block's safe links, in order, with their labels.
    links: tuple[Link, ...] = ()
    #: How deep a list item is nested: 0 at the top level (and for every block of a
    #: flat ``<p>* ...</p>`` list), 1 for a sub-bullet, and so on.
    depth: int = 0
    #: Whether the block holds bold text ("* <strong>Grok Vision</strong> 𝕏", "NVIDIA
    #: updates <strong>Nemotron</strong>"): release lines in lists whose details are plain.
    has_bold: bool = False


def _make_block(
    raw_text: str,
    anchors: list[tuple[str, str]],
    *,
    bold: bool,
    heading: int,
    bullet: bool,
    depth: int = 0,
) -> Block | None:
    """Build a block from text holding pending anchor placeholders."""
    labels: list[str] = []
    urls: list[str | None] = []
    parts: list[str] = []
    pos = 0
    if anchors:
        for match_start, match_end, label, url in _find_marks(raw_text, anchors):
            parts.append(raw_text[pos:match_start])
            parts.append(f"\ue002{len(labels)}\ue003")
            labels.append(label)
            urls.append(clean_url(url))
            pos = match_end
    parts.append(raw_text[pos:])
    marked = "".join(parts)
    if "  " in marked:  # a removed tag or marker can leave a double space behind
        marked = normalise_space(marked)
    marked = marked.strip()
    is_bullet = bullet or bool(_BULLET.match(marked))
    if is_bullet:
        marked = _BULLET.sub("", marked, count=1)
    if not labels:
        if not marked.strip(" *-•"):
            return None
        return Block(marked, (), (), is_bullet, bold, heading, marked, (), depth)
    text = _MARK.sub(lambda m: labels[int(m.group(1))], marked)
    links = tuple(
        Link(label=label or url, url=url) for label, url in zip(labels, urls, strict=True) if url
    )
    return Block(marked, tuple(labels), tuple(urls), is_bullet, bold, heading, text, links, depth)


def _find_marks(text: str, anchors: list[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """Locate the pending anchor placeholders left in ``text``."""
    out = []
    for m in _PENDING.finditer(text):
        label, url = anchors[int(m.group(1))]
        out.append((m.start(), m.end(), label, url))
    return out


# --- HTML -----------------------------------------------------------------


def html_to_text(fragment: str) -> str:
    """One line of plain text from text that may hold HTML (titles): tags and scripts go."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    return _plain(bounded.clean(_without_markers(fragment), tags=set()))


def sanitise_html(fragment: str) -> str:
    """Keep only structural tags and ``href``; drop scripts, styles and handlers.

    Marker characters digestbot uses internally are removed first.  Linear
    in the fragment's length however deep its nesting (``bounded.py``).
    """
    return bounded.clean(
        _without_markers(fragment), tags=_KEPT_TAGS, attributes=_KEPT_ATTRIBUTES, link_rel=None
    )


def html_blocks(fragment: str) -> list[Block]:
    """Split an HTML fragment into blocks (sanitised first)."""
    # Runs of spaces are collapsed per block later: cheaper than over the document.
    return blocks_of_prepared(replace_odd_spaces(sanitise_html(fragment)))


def blocks_of_prepared(safe: str) -> list[Block]:
    """Split sanitised HTML (odd spaces already replaced) into blocks.

    Written for speed (a 3.9 MB feed holds ~17,000 paragraphs): anchors are
    replaced once over the whole document, and each step runs over all
    paragraphs at once.
    """
    labels: list[str] = []
    urls: list[str | None] = []

    def _anchor(m: re.Match[str]) -> str:
        label = m.group(2)
        if "<" in label:
            label = _TAG.sub("", label)
        labels.append(_unescape_serialised(label) if "&" in label else label)
        urls.append(clean_url(_unescape_serialised(m.group(1) or "")))
        return f"\ue002{len(labels) - 1}\ue003"

    if "<a" in safe:
        safe = _ANCHOR.sub(_anchor, safe)
    pieces = _BLOCK_SPLIT.split(safe)  # [text, tag, text, tag, text, ...]
    # Each step runs as a comprehension over all paragraphs: a 3.9 MB feed holds
    # ~17,000 of them, and per-paragraph statements in a loop cost twice as much.
    tags = ["", *pieces[1::2]]
    kept = [(i, chunk) for i, chunk in enumerate(pieces[0::2]) if chunk and not chunk.isspace()]
    items = _list_items(tags, [i for i, _ in kept]) if "<li" in safe else None
    raw = [chunk for _, chunk in kept]
    bolds = [("<strong" in c or "<b>" in c) and _WHOLE_BOLD_HTML.match(c) is not None for c in raw]
    leads = ["<strong" in c or "<b>" in c for c in raw]  # sanitised tags are lowercase
    texts = [_TAG.sub("", c) if "<" in c else c for c in raw]
    texts = [normalise_space(_unescape_serialised(t)) if "&" in t else t for t in texts]
    texts = [(normalise_space(t) if "  " in t else t).strip() for t in texts]
    # A leading "* " is the bullet (Substack's podcast feed has no real lists).
    bullets = [
        t.startswith(_BULLET_STARTS) or (t[:1] in "*•-–" and bool(_BULLET.match(t))) for t in texts
    ]
    texts = [_BULLET.sub("", t, count=1) if b else t for t, b in zip(texts, bullets, strict=True)]
    # Hosts type Markdown emphasis into HTML too: strip it as the Markdown path does.
    texts = [_MD_EMPHASIS.sub("", t).strip() if "*" in t else t for t in texts]
    blocks: list[Block] = []
    for n, ((index, _), marked) in enumerate(zip(kept, texts, strict=True)):
        tag = tags[index]
        heading = int(tag[2]) if tag[:2] in ("<h", "<H") and tag[2:3].isdigit() else 0
        depth = items[n] if items is not None else 0
        is_bullet = bullets[n] or depth > 0
        depth = max(0, depth - 1)
        if "\ue002" in marked:
            block = _renumbered(marked, labels, urls, is_bullet, bolds[n], heading)
            if depth or leads[n]:
                block = block._replace(depth=depth, has_bold=leads[n])
            blocks.append(block)
        elif marked.strip(" *-•"):
            blocks.append(
                Block(marked, (), (), is_bullet, bolds[n], heading, marked, (), depth, leads[n])
            )
    return blocks


def _list_items(tags: list[str], indexes: list[int]) -> list[int]:
    """For each kept paragraph, the depth of the list item it sits in (0: none, 1: top)."""
    inside: list[int] = []
    in_list = 0
    in_item = False
    position = 0
    for index in indexes:
        while position <= index:  # replay the tags up to this paragraph
            low = tags[position].lower()
            if low.startswith(("<ul", "<ol")):
                in_list += 1
            elif low.startswith(("</ul", "</ol")):
                in_list = max(0, in_list - 1)
                in_item = False
            elif low.startswith("<li"):
                in_item = True
            elif low.startswith("</li"):
                in_item = False
            position += 1
        inside.append(in_list if in_item else 0)
    return inside


def _unescape_serialised(text: str) -> str:
    """Undo the escaping of nh3's (html5ever's) serialiser, the only entities it writes.

    Far cheaper than ``html.unescape``, which is right for arbitrary HTML but
    calls back into Python for every entity.
    """
    if "&" not in text:
        return text
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&nbsp;", "\u00a0")
        .replace("&amp;", "&")
    )


def _renumbered(
    marked: str,
    labels: list[str],
    urls: list[str | None],
    bullet: bool,
    bold: bool,
    heading: int,
) -> Block:
    """A block whose markers point into the document's anchor list, numbered from 0."""
    own_labels: list[str] = []
    own_urls: list[str | None] = []

    def _local(m: re.Match[str]) -> str:
        index = int(m.group(1))
        own_labels.append(labels[index])
        own_urls.append(urls[index])
        return f"\ue002{len(own_labels) - 1}\ue003"

    marked = _MARK.sub(_local, marked)
    text = _MARK.sub(lambda m: own_labels[int(m.group(1))], marked)
    links = tuple(
        Link(label=label or url, url=url)
        for label, url in zip(own_labels, own_urls, strict=True)
        if url
    )
    return Block(marked, tuple(own_labels), tuple(own_urls), bullet, bold, heading, text, links)


def _plain(fragment: str) -> str:
    text = _TAG.sub("", fragment) if "<" in fragment else fragment
    return normalise_space(html.unescape(text)) if "&" in text else text


# --- Markdown -------------------------------------------------------------

_MD_LINK = re.compile(
    r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
# An image's URL may hold balanced parentheses, as CDN thumbnails do ("filters:focal(1x2:3x4)"):
# stopping at the first ")" left the rest of the URL behind as a bare link.
_MD_IMAGE = re.compile(
    r"!\[[^\]]*\]\(\s*<?[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*>?(?:\s+\"[^\"]*\")?\s*\)"
)
_MD_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_LIST = re.compile(r"^\s*(?:[*+\-]|\d+[.)])\s+")
_MD_WHOLE_BOLD = re.compile(r"^(\*\*|__)(?:(?!\1).)+\1[\s:]*$")
# Emphasis markers at word edges ("**bold**", "*it*", "_it_"); "MiniMax__AI" and
# "snake_case" keep their underscores, as in CommonMark.
_MD_EMPHASIS = re.compile(
    r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)__?(?=\S)|(?<=\S)__?(?!\w)"
)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")


def markdown_blocks(text: str) -> list[Block]:
    """Split a Markdown document into blocks: paragraphs, list items, headings."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    text = _without_markers(text)

    def flush() -> None:
        if paragraph:
            block = _markdown_block(normalise_space(" ".join(paragraph)), heading=0, bullet=False)
            if block is not None:
                blocks.append(block)
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _MD_RULE.match(stripped):
            flush()
            continue
        heading = _MD_HEADING.match(stripped)
        if heading:
            flush()
            block = _markdown_block(
                normalise_space(heading.group(2)), heading=len(heading.group(1)), bullet=False
            )
            if block is not None:
                blocks.append(block)
            continue
        if _MD_LIST.match(line):
            flush()
            indent = len(line) - len(line.lstrip(" \t"))
            paragraph.append(normalise_space(_MD_LIST.sub("", line, count=1)))
            block = _markdown_block(paragraph[0], heading=0, bullet=True, depth=min(indent // 2, 8))
            paragraph.clear()
            if block is not None:
                blocks.append(block)
            continue
        paragraph.append(stripped)
    flush()
    return blocks


def _markdown_block(source: str, *, heading: int, bullet: bool, depth: int = 0) -> Block | None:
    source = _MD_IMAGE.sub("", source)
    bold = bool(_MD_WHOLE_BOLD.match(source.strip()))
    anchors: list[tuple[str, str]] = []

    def _anchor(m: re.Match[str]) -> str:
        anchors.append((_md_inline(m.group(1)), m.group(2)))
        return f"\ue000{len(anchors) - 1}\ue001"

    def _autolink(m: re.Match[str]) -> str:
        anchors.append((m.group(1), m.group(1)))
        return f"\ue000{len(anchors) - 1}\ue001"

    with_marks = _MD_AUTOLINK.sub(_autolink, _MD_LINK.sub(_anchor, source))
    block = _make_block(
        _md_inline(with_marks), anchors, bold=bold, heading=heading, bullet=bullet, depth=depth
    )
    if block is not None and ("**" in source or "__" in source):
        # Bold text in the line, as `has_bold` says of <strong> in HTML: a Markdown
        # export and its feed entry read the same ("NVIDIA updates **Nemotron**").
        block = block._replace(has_bold=True)
    return block


_RAW_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)


def _md_inline(text: str) -> str:
    """Markdown inline markup to plain text: emphasis, escapes and raw HTML removed."""
    text = _RAW_SCRIPT.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    return _plain(text)
