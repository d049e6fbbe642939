"""Feeds and documents into parsed episodes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import FeedParseError
from bot.feeds import parse as parse_module
from bot.feeds.parse import parse_date, parse_source, sniff

FIXTURES = Path(__file__).parent / "fixtures"


def test_sample_feed_episodes_and_metadata(sample_feed: Path) -> None:
    feed = parse_source(sample_feed.read_bytes(), str(sample_feed))
    assert feed.title == "Sample AI Weekly (digestbot demo feed)"
    assert [e.published for e in feed.episodes] == [
        datetime(2025, 1, 17, 2, tzinfo=UTC),
        datetime(2025, 1, 10, 2, tzinfo=UTC),
        datetime(2025, 1, 3, 2, tzinfo=UTC),
    ]
    jan16, jan9, _ = feed.episodes
    assert jan16.duration_seconds == 3725
    assert jan9.duration_seconds == 62 * 60 + 5  # "1:02:05"
    # Share tokens never survive, not even in the audio enclosure.
    assert jan16.audio_url == "https://example.org/audio/jan-16.mp3"
    assert jan16.url == "https://example.org/p/sample-jan-16"


def test_chapters_are_read_and_attached(sample_feed: Path) -> None:
    jan9 = parse_source(sample_feed.read_bytes(), str(sample_feed)).episodes[1]
    assert [c.start_seconds for c in jan9.chapters] == [190, 585, 1290, 1980]
    chapters = {i.name: i.chapter.title if i.chapter else None for i in jan9.items}
    assert chapters["Phi-4"] == "PHI4: small model, big scores"
    assert chapters["Kokoro"] == "Kokoro TTS: High-Quality Text-to-Speech"
    assert chapters["Hallo 3"] == "Hallo 3 and moving backgrounds"
    assert chapters["SPAR3D"] is None


def test_body_is_plain_text(sample_feed: Path) -> None:
    jan9 = parse_source(sample_feed.read_bytes(), str(sample_feed)).episodes[1]
    assert "14B parameter dense decoder-only model" in jan9.body
    assert "<" not in jan9.body.replace("<!", "")


def test_hostile_feed_keeps_no_markup_or_scripts() -> None:
    feed = parse_source((FIXTURES / "hostile_feed.rss").read_bytes(), "hostile_feed.rss")
    (episode,) = feed.episodes
    assert feed.title == "Hostile feed"
    assert "<script" not in episode.title and "alert" not in episode.title
    names = [i.name for i in episode.items]
    assert names == ["PingBot", "Markup Tool"]  # the script-injected bullet is gone
    for item in episode.items:
        assert all(link.url.startswith("https://") for link in item.links)
        assert "\x1b" not in item.headline
    pingbot = episode.items[0]
    assert [link.url for link in pingbot.links] == ["https://example.org/pingbot"]
    assert "onclick" not in episode.body and "onerror" not in episode.body


def test_psc_chapters(tmp_path: Path) -> None:
    feed = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:psc="http://podlove.org/simple-chapters"><channel><title>t</title>
<item><title>Ep</title><guid>g1</guid><description>no notes</description>
<psc:chapters version="1.2"><psc:chapter start="0" title="Start"/>
<psc:chapter start="01:02:03.400" title="Late"/></psc:chapters></item></channel></rss>"""
    (episode,) = parse_source(feed, "psc.rss").episodes
    assert [(c.title, c.start_seconds) for c in episode.chapters] == [("Start", 0), ("Late", 3723)]


def test_markdown_document_metadata() -> None:
    episode = parse_source((FIXTURES / "episode.md").read_bytes(), "episode.md").episodes[0]
    assert episode.title == "Riley's AI Week - Mar 6 - Lumen-7B and VoxTiny"
    assert episode.published == datetime(2025, 3, 6, tzinfo=UTC)
    assert episode.duration_seconds == 42 * 60 + 10
    assert episode.url == "https://example.org/p/riley-mar-6"
    assert episode.key == "link:example.org/p/riley-mar-6"


def test_html_document() -> None:
    page = (
        b"<!doctype html><html><head><title>Site - Ep 5</title>"
        b'<link rel="canonical" href="https://example.org/p/ep5"></head><body><h1>Ep 5</h1>'
        b'<time datetime="2025-02-06T17:00:00Z">Feb 6</time>'
        + (FIXTURES / "episode_list.html").read_bytes()
        + b"</body></html>"
    )
    (episode,) = parse_source(page, "ep5.html").episodes
    assert episode.title == "Ep 5"
    assert episode.url == "https://example.org/p/ep5"
    assert episode.published == datetime(2025, 2, 6, 17, tzinfo=UTC)
    assert [i.name for i in episode.items][:2] == ["Lumen-7B", "Quill 2"]


def test_lifting_cdata_bodies_changes_nothing(
    sample_feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_feed.read_bytes()
    fast = parse_source(data, "s.rss")
    monkeypatch.setattr(parse_module, "_LIFT_MIN_BYTES", 10**9)
    assert parse_source(data, "s.rss") == fast


def test_lifted_bodies_read_c1_controls_as_feedparser_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """U+0092 in a body is cp1252's right quote to feedparser; lifting the body keeps that."""
    filler = "<p>Filler paragraph about nothing in particular.</p>" * 60
    body = (
        "<p>TL;DR</p><p>* Kokoro - it\u0092s tiny (<a href='https://e.com/k'>HF</a>)</p>"
        f"<p>* Moondream - sees (<a href='https://e.com/m'>HF</a>)</p>{filler}"
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>E</title><description><![CDATA[{body}]]></description></item>"
        "</channel></rss>"
    ).encode()
    lifted = parse_source(feed, "c1.rss")
    assert lifted.episodes[0].items[0].headline == "Kokoro - it\u2019s tiny"
    monkeypatch.setattr(parse_module, "_LIFT_MIN_BYTES", 10**9)
    assert parse_source(feed, "c1.rss") == lifted


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"<?xml version='1.0'?><rss version='2.0'></rss>", "x", "feed"),
        (b"<!-- c --><feed xmlns='http://www.w3.org/2005/Atom'></feed>", "x.xml", "feed"),
        (b"<!doctype html><html><body>x</body></html>", "page.html", "html"),
        (b"# Title\n\nText", "notes.md", "markdown"),
        (b"Some text", "notes.txt", "markdown"),
    ],
)
def test_sniff(data: bytes, name: str, kind: str) -> None:
    assert sniff(data, name) == kind


def test_html_page_given_as_feed_is_an_error() -> None:
    with pytest.raises(FeedParseError, match="HTML page, not a feed"):
        parse_source(b"<!DOCTYPE HTML PUBLIC><html><body>Moved</body></html>", "feed.rss")


def test_garbage_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match="not a readable feed"):
        parse_source(b"<rss><<<<not xml", "broken.xml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("January 10, 2025", datetime(2025, 1, 10, tzinfo=UTC)),
        ("2025-01-10", datetime(2025, 1, 10, tzinfo=UTC)),
        ("Fri, 10 Jan 2025 02:10:37 GMT", datetime(2025, 1, 10, 2, 10, 37, tzinfo=UTC)),
        ("not a date", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_podcast_chapters_json() -> None:
    from bot.feeds.chapters import chapters_from_json

    data = (
        b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},'
        b'{"startTime": "01:02:03", "title": "Late"}, {"startTime": 10, "title": ""},'
        b'{"startTime": -5, "title": "bad"}, {"startTime": 20, "title": "x", "toc": false},'
        b'"junk", {"title": "no start"}]}'
    )
    assert [(c.title, c.start_seconds) for c in chapters_from_json(data)] == [
        ("Intro", 0),
        ("Late", 3723),
    ]
    assert chapters_from_json(b"[]") == []
    with pytest.raises(ValueError):
        chapters_from_json(b"<html>not json</html>")


def test_podcast_chapters_url_is_read(shared: Path) -> None:
    feed = shared / "feeds" / "podcastindex_namespace_example.xml"
    episode = parse_source(feed.read_bytes(), str(feed)).episodes[0]
    assert episode.chapters_url == "https://example.com/ep3_chapters.json"


@pytest.mark.parametrize("marker", ["\ue000", "\ue001", "\ue002", "\ue003"])
def test_feed_text_cannot_forge_the_internal_link_markers(marker: str) -> None:
    """digestbot marks anchors with private-use characters; feed text holding them loses them."""
    forged = f"{marker}0{marker}\ue0020\ue003"
    html = (
        f"<p>TL;DR</p><p>* Forgery {forged} - a model"
        ' (<a href="https://example.com/f">HF</a>)</p>'
        "<p>* Honest - another (<a href='https://example.com/h'>X</a>)</p>"
    )
    md = (
        f"TL;DR\n\n* Forgery {forged} - a model ([HF](https://example.com/f))\n* Honest - another\n"
    )
    for episode in (
        parse_module.parse_html_document(f"<html><body>{html}</body></html>", "e.html"),
        parse_module.parse_markdown_document(md, "e.md"),
    ):
        forgery = episode.items[0]
        assert forgery.headline == "Forgery 00 - a model"  # the digits stay, as text
        assert [link.url for link in forgery.links] == ["https://example.com/f"]
        assert not any("\ue000" <= c <= "\ue003" for c in episode.body)


def test_a_malformed_entry_with_no_summary_value_is_read() -> None:
    """A broken end tag left feedparser's summary as None: a TypeError (found by fuzzing)."""
    entry = (
        b'<entry><title type="html"><![CDATA[ Headshots ]]></tit&lt;iframe>&lt;/iframe>le>'
        b'<link rel="alternate" href="https://example.org/1"/><id>tag:e,1</id>'
        b"<updated>2026-02-12T14:00:04Z</updated>"
        b'<content type="html"><![CDATA[ <p>Notes</p>'
        + b"<p>more notes</p>" * 200
        + b" ]]></content></entry>"  # over 2 KB: lifted out before feedparser runs
    )
    data = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>Blog</title>" + entry + b"</feed>"
    )
    feed = parse_source(data, "blog.atom")
    assert len(feed.episodes) == 1  # what the loose parser could read; no traceback
