"""The fast feed path (bot/feeds/xmlfeed.py) reads the same episodes as feedparser.

Every shared feed is read both ways, through ``parse._stream_feedparser`` (feedparser,
as before) and ``parse.stream_feed`` (the fast path when it reads the feed): titles,
identities, every field of every episode (items, chapters, audio, hash) and the
warnings must be equal.  Feeds the fast path must read are listed, so a rule that
quietly sends a common feed back to feedparser fails here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.feeds import parse, xmlfeed
from bot.feeds.charrefs import repair_char_refs
from bot.feeds.rawmarkup import wrap_raw_markup

# feedparser's own notice about its updated_parsed fallback (read here for comparison only).
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking:DeprecationWarning")

#: Shared feeds the fast path reads (the others are malformed, RSS 1.0, Atom 0.3,
#: use escaped-markup types or an xml:base below the root, which it leaves to
#: feedparser, or a default namespace it does not know).
FAST = {
    "thursdai_substack_podcast_all_redacted.rss",
    "fallthrough_transistor_podcast20_chapters.rss",
    "giantbomb_podcast_itunes.rss",
    "interconnects_substack_newsletter_feed.xml",
    "podcastindex_namespace_example.xml",
    "podcastparser_psc_chapters.rss",
    "feedparser_psc_rss2_simplechapter.xml",
    "feedburner.atom",
    "planet_clojure_venus.atom",
    "reader_full.rss",
    "the_batch_newsletter_feed.xml",
    "tldr_ai_newsletter_feed_redacted.xml",
}


def _feeds(shared: Path) -> list[Path]:
    found = [
        p
        for folder in ("feeds", "feeds-more")
        for p in sorted((shared / folder).iterdir())
        if p.suffix in (".rss", ".xml", ".atom")
    ]
    assert len(found) >= 20
    return found


def _read(stream_of: Any, data: bytes, name: str) -> Any:
    try:
        stream = stream_of(data, name)
        identities = stream.identities()
        episodes = [e.model_dump() for e in stream.episodes()]
        return stream.title, identities, episodes, list(stream.warnings)
    except Exception as exc:  # both paths must fail alike on a hostile feed
        return type(exc).__name__, str(exc)


def _prepared(data: bytes) -> bytes:
    return wrap_raw_markup(repair_char_refs(data))


def _fast(data: bytes) -> bool:
    try:
        xmlfeed.scan(_prepared(data), lambda entry, index: None)
    except xmlfeed.NotSimple:
        return False
    return True


def test_every_shared_feed_reads_the_same_both_ways(shared: Path) -> None:
    fast = set()
    for path in _feeds(shared):
        data = path.read_bytes()
        if _fast(data):
            fast.add(path.name)
        prepared = _prepared(data)
        slow = _read(parse._stream_feedparser, prepared, path.name)
        ours = _read(parse.stream_feed, data, path.name)
        assert ours == slow, path.name
    assert fast == FAST


def test_unchanged_entries_are_skipped_and_one_entry_is_rebuilt(shared: Path) -> None:
    data = (shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss").read_bytes()
    stream = parse.stream_feed(data, "t")
    identities = stream.identities()
    assert len(identities) == 133
    newest = identities[-1]
    built = list(stream.episodes(skip=set(identities[:-1])))
    assert [(e.key, e.content_hash) for e in built] == [newest]


def _feed(items: str, head: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        f' xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>{head}'
        f"<title>Show</title>{items}</channel></rss>"
    ).encode()


ITEM = (
    "<item><title>  Ep 1 </title><link>https://example.com/1?a=1&amp;b=2</link>"
    "<guid isPermaLink='false'>g1</guid><pubDate>Thu, 05 Dec 2024 17:00:00 -0500</pubDate>"
    "<description><![CDATA[<p>Short body</p>]]></description>"
    '<enclosure url="https://cdn.example.com/1.mp3" type="Audio/MPEG" length="1"/>'
    "<itunes:duration>01:02:03</itunes:duration>"
    '<podcast:chapters url="https://example.com/1.json" type="application/json+chapters"/>'
    "</item>"
)


@pytest.mark.parametrize(
    "items",
    [
        ITEM,
        ITEM.replace("<p>Short body</p>", "<p>" + "long body\r\n" * 400 + "</p>"),
        ITEM.replace("isPermaLink='false'", "").replace(
            "<link>https://example.com/1?a=1&amp;b=2</link>", ""
        ),
        ITEM.replace("</description>", "</description><itunes:summary>Other</itunes:summary>"),
        ITEM.replace("Ep 1", "Caf\u00c3\u00a9 \u0080 AT&amp;T"),
    ],
)
def test_small_feeds_read_the_same_both_ways(items: str) -> None:
    second = items.replace("Ep 1", "Ep 2").replace("/1", "/2").replace("g1", "g2")
    data = _feed(items + second)
    assert _fast(data)
    assert _read(parse.stream_feed, data, "f") == _read(
        parse._stream_feedparser, _prepared(data), "f"
    )


@pytest.mark.parametrize(
    ("items", "head"),
    [
        (
            ITEM.replace(
                "<title>",
                "<media:title xmlns:media='http://search.yahoo.com/mrss/'>x</media:title><title>",
            ),
            "",
        ),  # feedparser's own title rules
        (ITEM.replace("<description>", "<description type='xhtml'>"), ""),
        (ITEM.replace("<item>", "<item xml:base='https://example.com/'>"), ""),
        (ITEM.replace("17:00:00", "5pm"), ""),  # a date only feedparser reads (or not)
        (ITEM, "<!-- -->"),
    ],
)
def test_what_the_fast_path_does_not_know_goes_to_feedparser(items: str, head: str) -> None:
    data = _feed(items, head)
    if "<!--" not in head:
        assert not _fast(data)
    assert _read(parse.stream_feed, data, "f") == _read(
        parse._stream_feedparser, _prepared(data), "f"
    )


def test_a_broken_feed_still_gives_its_entries_and_one_warning() -> None:
    second = ITEM.replace("Ep 1", "Ep 2").replace("/1", "/2").replace("g1", "g2")
    data = _feed(ITEM + second).replace(b"</channel></rss>", b"")
    assert not _fast(data)
    stream = parse.stream_feed(data, "broken.xml")
    episodes = list(stream.episodes())
    assert [e.title for e in episodes] == ["Ep 2", "Ep 1"]
    assert len(stream.warnings) == 1 and "malformed feed" in stream.warnings[0]


def test_dates_are_read_as_feedparser_reads_them() -> None:
    import calendar

    assert calendar.timegm(xmlfeed.parse_date("Thu, 05 Dec 2024 17:00:00 -0500")) == (
        calendar.timegm((2024, 12, 5, 22, 0, 0, 0, 0, 0))
    )
    assert calendar.timegm(xmlfeed.parse_date("2024-12-05T17:00:00+01:00")) == (
        calendar.timegm((2024, 12, 5, 16, 0, 0, 0, 0, 0))
    )
    assert xmlfeed.parse_date("") is None
    with pytest.raises(xmlfeed.NotSimple):
        xmlfeed.parse_date("next Tuesday")


_NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "psc": "http://podlove.org/simple-chapters",
    "media": "http://search.yahoo.com/mrss/",
}
_TEXTS = (
    "",
    "  ",
    "AT&T <b>x</b>",
    "Caf\u00e9 \u2615 \U0001f389",
    "Caf\u00c3\u00a9",
    "\x85x\x93",
    "Thu, 05 Dec 2024 17:00:00 GMT",
    "2024-12-05T17:00:00Z",
    "01:02:03",
    "https:///x.com/a?b=1&amp;c=2",
    "<p>html body</p>" * 50,
)


def test_entries_shuffled_cut_and_rewritten_read_the_same_both_ways(shared: Path) -> None:
    # Seeded: three entries of a real feed, their fields shuffled, repeated, dropped or
    # given hostile text, serialised again: the order rules (first title, a second
    # summary becoming content, guid as link...) must be feedparser's.
    import copy
    import random
    import xml.etree.ElementTree as ET

    for prefix, uri in _NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    names = sorted(FAST - {"thursdai_substack_podcast_all_redacted.rss"})
    trees = {n: ET.parse(next(shared.glob(f"feeds*/{n}"))).getroot() for n in names}
    rng = random.Random(12)
    fast = 0
    for _ in range(40):
        root = copy.deepcopy(trees[rng.choice(names)])
        parents = {child: parent for parent in root.iter() for child in parent}
        entries = [
            e for e in root.iter() if e.tag in ("item", "{http://www.w3.org/2005/Atom}entry")
        ]
        keep = rng.sample(entries, min(len(entries), 3))
        for entry in entries:
            if entry not in keep:
                parents[entry].remove(entry)
        for entry in keep:
            kids = list(entry)
            for kid in kids:
                entry.remove(kid)
            rng.shuffle(kids)
            if kids and rng.random() < 0.5:
                kids.append(copy.deepcopy(rng.choice(kids)))
            if kids and rng.random() < 0.3:
                kids.remove(rng.choice(kids))
            for kid in kids:
                if len(kid) == 0 and rng.random() < 0.2:
                    kid.text = rng.choice(_TEXTS)
                entry.append(kid)
        data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        fast += _fast(data)
        assert _read(parse.stream_feed, data, "f") == _read(
            parse._stream_feedparser, _prepared(data), "f"
        )
    assert fast >= 20  # most of them exercise the fast path
