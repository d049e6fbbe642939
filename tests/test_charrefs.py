"""Broken numeric character references are mended before parsing, not fatal."""

from __future__ import annotations

import time

import pytest

from bot.feeds.charrefs import repair_char_refs
from bot.feeds.parse import parse_source


def _feed(text: bytes) -> bytes:
    """A two-episode RSS feed whose first episode's title and notes hold ``text``."""
    return (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Show</title>'
        b"<item><title>Bad " + text + b"</title><link>https://example.org/1</link>"
        b"<description>&lt;p&gt;Notes " + text + b" end&lt;/p&gt;</description></item>"
        b"<item><title>Good</title><link>https://example.org/2</link>"
        b"<description>&lt;p&gt;Fine&lt;/p&gt;</description></item>"
        b"</channel></rss>"
    )


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        (b"&#xD83D;&#xDE00;", b"&#x1F600;"),
        (b"&#xd83d;&#xde00;", b"&#x1F600;"),
        (b"&#55357;&#56832;", b"&#x1F600;"),
        (b"&#xD83D&#xDE00", b"&#x1F600;"),
        (b"&#xD800;", b"&#xFFFD;"),
        (b"&#56832;", b"&#xFFFD;"),
        (b"&#xDE00;&#xD83D;", b"&#xFFFD;&#xFFFD;"),  # the wrong order is no pair
        (b"&#x110000;", b"&#xFFFD;"),
        (b"&#1114112;", b"&#xFFFD;"),
        (b"&#99999999999999999999999999;", b"&#xFFFD;"),
        (b"&#x00000000000000000041;", b"&#x00000000000000000041;"),  # "A", padded
        (b"&#0;", b"&#xFFFD;"),
        (b"&#1;&#x1F;&#xFFFE;&#65535;", b""),
        (b"&#9;&#10;&#x2019;&#8217;&#x1F600;&#128512;&#55000;&#1114111;", None),
        (b"no references at all", None),
    ],
)
def test_repair_char_refs(raw: bytes, fixed: bytes | None) -> None:
    assert repair_char_refs(b"<" + raw + b">") == b"<" + (raw if fixed is None else fixed) + b">"


@pytest.mark.parametrize(
    "ref",
    [
        b"&#xD800;",
        b"&#xDFFF;",
        b"&#55296;",
        b"&#x110000;",
        b"&#1114112;",
        b"&#99999999999999999999;",
        b"&#xDE00;&#xD83D;",
    ],
)
def test_a_bad_reference_does_not_sink_the_feed(ref: bytes) -> None:
    """These raised inside feedparser (UnicodeEncodeError, ValueError, OverflowError)."""
    feed = parse_source(_feed(ref), "bad.rss")
    assert [e.title for e in feed.episodes] == ["Bad \ufffd" + "\ufffd" * ref.count(b";&"), "Good"]
    assert "Notes" in feed.episodes[0].body and "end" in feed.episodes[0].body


def test_surrogate_pairs_become_the_emoji_in_titles_and_notes() -> None:
    feed = parse_source(_feed(b"&#xD83D;&#xDE00;"), "pair.rss")
    assert feed.episodes[0].title == "Bad \U0001f600"
    assert "Notes \U0001f600 end" in feed.episodes[0].body
    assert feed.warnings == ()


def test_pairs_inside_cdata_bodies_and_documents_are_joined() -> None:
    body = b"<p>Release &#xD83D;&#xDE80; " + b"padding " * 400 + b"</p>"  # lifted: over 2 KB
    data = _feed(b"x").replace(
        b"<description>&lt;p&gt;Fine&lt;/p&gt;</description>",
        b"<description><![CDATA[" + body + b"]]></description>",
    )
    assert "Release \U0001f680" in parse_source(data, "cdata.rss").episodes[1].body
    doc = parse_source(b"# Title\n\n* Rocket &#xD83D;&#xDE80; ships\n", "notes.md")
    assert "Rocket \U0001f680 ships" in doc.episodes[0].body


def test_invalid_xml_references_keep_the_strict_parser() -> None:
    """&#1; made the whole feed bozo (and parsed by the slower loose parser)."""
    feed = parse_source(_feed(b"&#1;&#xFFFE;"), "ctl.rss")
    assert feed.warnings == ()
    assert feed.episodes[0].title == "Bad"


def test_repair_is_linear() -> None:
    """A megabyte of references, half of them broken, costs well under a second."""
    unit = b"&#xD800;x&#55357;&#56832;&#x2019;&#1;"
    data = unit * (1_000_000 // len(unit))
    start = time.process_time()
    out = repair_char_refs(data)
    assert time.process_time() - start < 1.5
    assert out.count(b"&#x1F600;") == data.count(b"&#55357;")
