"""Sanitise HTML of any shape in linear time: nh3 over pieces of bounded size.

nh3's parser (html5ever) does work per tag that grows with the number of
elements still open: deep nesting (40,000 ``<div>``), unclosed formatting
tags with distinct attributes (``<b id=1>x<b id=2>x...``) or elements kept
open by tables cost quadratic time, 4.9 s for 40k divs and 34 s for a
1.1 MB feed.  No depth cap written against html5ever's rules can be sure to
catch every such shape, so the bound is put on the parser's input instead:
a fragment with many tags is cut into pieces of at most ``MAX_TAGS`` tags
and each is sanitised on its own.  A piece's cost is at most quadratic in
``MAX_TAGS``, so a document's is linear in its length.

Cuts fall just before a block-level start tag (``<p>``, ``<li>``,
``<h2>``...) where the fewest elements are open, so ordinary notes are cut
between paragraphs and read exactly as before; lists and tables open at a
cut are opened again at the start of the next piece, so list items stay
list items and rows stay rows.
Comments, scripts and styles are never cut through.
"""

from __future__ import annotations

import re
from typing import Any

import nh3

#: Tags handed to nh3 in one call: pieces hold between half and all of it, and
#: up to twice as many when no block starts nearer (a long highlighted ``<pre>``).
MAX_TAGS = 120
#: A cut reopens the lists (and their containers) open above it up to this depth.
_MAX_REOPEN = 8

# One token per match: a comment, a raw-text element (never cut through), a
# bogus comment (<!DOCTYPE ...>, <?xml ...?>), or a start or end tag.  An
# unterminated comment or script runs to the end, as it does in html5ever.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)\b"
    r".*?(?:</\1\s*>|\Z)"
    r"|<[!?][^>]*>?"
    r"|<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>?",
    re.S | re.I,
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# A start tag of these closes an open sibling of the same name (<p>x<p>y).
_SIBLING_CLOSES = frozenset("p li dt dd option tr td th".split())
# Where a cut may go: just before one of these opens.
_BLOCK_STARTS = frozenset("p li ul ol h1 h2 h3 h4 h5 h6 div blockquote pre tr table".split())
# Elements worth opening again after a cut: they hold no text of their own, and
# a list item outside a list, or a table row outside a table, reads differently.
_REOPENED = frozenset("ul ol li div blockquote table tbody thead tfoot".split())


def clean(fragment: str, **options: Any) -> str:
    """``nh3.clean(fragment, **options)`` in time linear in ``fragment``'s length."""
    if fragment.count("<") <= 2 * MAX_TAGS:
        return nh3.clean(fragment, **options)
    cleaner = nh3.Cleaner(**options)  # built once: nh3.clean converts its options per call
    return "".join(cleaner.clean(piece) for piece in pieces(fragment))


def pieces(fragment: str, max_tags: int = MAX_TAGS) -> list[str]:
    """``fragment`` cut into pieces of ``max_tags`` tags or so (at most twice that)."""
    if _OPAQUE.search(fragment):
        return _tokenised_pieces(fragment, max_tags)
    return _counted_pieces(fragment, max_tags)


# Comments and raw-text elements may hold anything, "<p>" included: only the tokeniser
# below steps over them.  Without them (nearly every episode), counting is enough.
_OPAQUE = re.compile(
    r"<(?:!--|script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)",
    re.I,
)
_BLOCK_START = re.compile(r"<(?:p|li|ul|ol|h[1-6]|div|blockquote|pre|tr|table)(?=[\s>/])", re.I)


def _counted_pieces(fragment: str, max_tags: int) -> list[str]:
    """``pieces`` by counting in C: depth is estimated as tags opened minus closed.

    Twice as fast as the tokeniser on real notes (42,000 tags in the ThursdAI
    feed), which matters because every long episode goes through here.
    """
    out: list[str] = []
    start = 0
    prefix = ""
    tags = 0  # tags in the current piece up to ``previous``
    depth = 0  # "<" minus twice "</" since the fragment's start: opened minus closed
    previous = 0
    lists = tables = 0  # open at the current piece's start
    best: tuple[int, int, int] | None = None  # (depth, position, tags before it)
    for position in [m.start() for m in _BLOCK_START.finditer(fragment)] + [len(fragment)]:
        opened = fragment.count("<", previous, position)
        depth += opened - 2 * fragment.count("</", previous, position)
        tags += opened
        previous = position
        if tags > 2 * max_tags and best is None:
            # No block start for long (hostile inline markup): cut every max_tags tags.
            while tags > 2 * max_tags:
                cut = start
                for _ in range(max_tags):
                    cut = fragment.find("<", cut) + 1
                out.append(prefix + fragment[start : cut - 1])
                start, prefix = cut - 1, ""
                tags -= max_tags
        if tags > max_tags // 2 and (best is None or depth <= best[0]):
            best = (depth, position, tags)
        if tags >= max_tags and best is not None:
            _, cut, before = best
            region = fragment[start:cut]
            lists += region.count("<ul") + region.count("<ol")
            lists -= region.count("</ul") + region.count("</ol")
            tables += region.count("<table") - region.count("</table")
            out.append(prefix + region)
            lists, tables = max(lists, 0), max(tables, 0)
            prefix = "<ul>" * min(lists, _MAX_REOPEN) + "<table>" * min(tables, _MAX_REOPEN)
            if lists and not fragment.startswith(("<li", "<LI", "<ul", "<UL", "<ol", "<OL"), cut):
                prefix += "<li>"  # a paragraph inside a list item stays inside one
            start, tags, best = cut, tags - before, None
    out.append(prefix + fragment[start:])
    return out


def _tokenised_pieces(fragment: str, max_tags: int) -> list[str]:
    """``pieces`` for fragments with comments or raw text: a simple model of HTML."""
    out: list[str] = []
    open_names: list[str] = []  # the elements open, by a simple model of HTML
    start = 0  # where the current piece begins
    prefix = ""  # tags reopened at the start of the current piece
    tags = 0  # tags in the current piece
    # The best cut seen in the current piece's second half: (depth, position,
    # tags before it, reopening prefix).  Lowest depth wins; later wins ties.
    best: tuple[int, int, int, str] | None = None
    for match in _TOKEN.finditer(fragment):
        name = match.group(3)
        if name is None:  # comment, raw text or bogus comment: opaque
            continue
        name = name.lower()
        tags += 1
        if match.group(2):  # an end tag closes the nearest match among the top few
            for depth in range(len(open_names) - 1, max(len(open_names) - 5, -1), -1):
                if open_names[depth] == name:
                    del open_names[depth:]
                    break
        elif name not in _VOID:
            if name in _SIBLING_CLOSES and open_names and open_names[-1] == name:
                open_names.pop()
            if name in _BLOCK_STARTS and tags > max_tags // 2:
                depth = len(open_names)
                if best is None or depth <= best[0]:
                    best = (depth, match.start(), tags - 1, _reopening(open_names))
            open_names.append(name)
        if tags >= max_tags and (best is not None or tags >= 2 * max_tags):
            if best is None:  # no block start for long: cut right here
                cut, before, reopen = match.end(), tags, ""
            else:
                _, cut, before, reopen = best
            out.append(prefix + fragment[start:cut])
            start, prefix, tags, best = cut, reopen, tags - before, None
    out.append(prefix + fragment[start:])
    return out


def _reopening(open_names: list[str]) -> str:
    """Start tags that reopen the lists open at a cut (nothing when nested too deep)."""
    if not open_names or len(open_names) > _MAX_REOPEN:
        return ""
    return "".join(f"<{name}>" for name in open_names if name in _REOPENED)
