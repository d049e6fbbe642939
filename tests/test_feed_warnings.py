"""A malformed episode yields what can be read, with a warning naming the episode.

Issue 10 ("Bad input"): the warning named the file and a byte offset
("<unknown>:1:55886: not well-formed"), not the episode a reader could look at.
"""

from __future__ import annotations

import html
import time

from bot.feeds.parse import parse_source
from bot.feeds.where import episode_at, offset_of

GOOD = (
    "<p>TL;DR</p><p>* Kokoro - open source TTS (<a href='https://hf.co/k'>HF</a>)</p>"
    "<p>* Phi-4 - open weights (<a href='https://hf.co/p'>HF</a>)</p>"
)
BROKEN = "<p>TL;DR</p><ul><li>Veo 3 - video <a href='https://x.com/v'>X</a>" + "\x00"


def _item(title: str, day: int, body: str) -> str:
    return (
        f"<item><title>{title}</title><link>https://ex.com/{day}</link><guid>{day}</guid>"
        f"<pubDate>Mon, {day:02d} Jan 2024 00:00:00 GMT</pubDate>"
        f"<description>{html.escape(body)}</description></item>"
    )


def _feed(*items: str) -> bytes:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Show</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def test_the_warning_names_the_malformed_episode_and_the_rest_is_read() -> None:
    data = _feed(_item("Good week", 1, GOOD), _item("Broken &amp; week", 8, BROKEN))
    feed = parse_source(data, "show.rss")
    assert len(feed.warnings) == 1
    assert 'in episode "Broken & week"' in feed.warnings[0]
    good = next(e for e in feed.episodes if e.title == "Good week")
    assert [i.name for i in good.items] == ["Kokoro", "Phi-4"]


def test_a_truncated_feed_names_the_episode_it_stops_in() -> None:
    data = _feed(_item("Good week", 1, GOOD), _item("Last week", 8, GOOD))
    feed = parse_source(data[: data.rfind(b"Phi-4")], "show.rss")
    assert feed.warnings and 'in episode "Last week"' in feed.warnings[0]


def test_where_is_found_by_line_and_column() -> None:
    data = b"<rss>\n<item><title>A</title>\n<description>x</description></item>\n"
    assert episode_at(data, offset_of(data, 3, 5)) == "A"
    assert episode_at(data, offset_of(data, 1, 2)) is None  # before any episode
    assert offset_of(data, 99, 0) == len(data)


def test_finding_the_episode_is_linear_on_hostile_input() -> None:
    line = b"<item>" * 500_000 + b"<title>" + b"x" * 5_000_000
    start = time.perf_counter()
    episode_at(line, len(line) - 1)
    offset_of(b"\n" * 1_000_000, 1_000_000, 0)
    assert time.perf_counter() - start < 1.0
