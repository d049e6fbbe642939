"""A trailing transcript is not read; timestamped chapter lists and notes are."""

from __future__ import annotations

from pathlib import Path

from bot.feeds.blocks import html_blocks
from bot.feeds.chapters import chapters_from_blocks
from bot.feeds.parse import parse_source
from bot.feeds.shownotes import extract_items
from bot.feeds.transcript import transcript_start, without_transcript

NOTES = (
    "<p>Hey folks, a big week.</p>"
    "<p>TL;DR of all topics covered:</p>"
    "<p><strong>Open Source LLMs</strong></p>"
    '<p>* Quokka-7B - a small model (<a href="https://example.com/q">HF</a>)</p>'
    '<p>* Wallaby 2 - speech to text (<a href="https://example.com/w">Blog</a>)</p>'
)
# Timestamped lines in brackets, as some episodes list their topics.
CHAPTERS = (
    "<p>[00:00:00] Intro: what is new</p>"
    "<p>[00:12:30] BREAKING NEWS: Quokka-7B drops</p>"
    "<p>[00:40:00] Wallaby 2 deep dive</p>"
)
REAL_CHAPTERS = "<p>(00:00) Intro</p><p>(12:30) Quokka-7B drops</p><p>40:00 - Wallaby 2</p>"
TRANSCRIPT = (
    "<p>[00:00:00] <strong>Alex Volkov:</strong> Welcome everyone, Quokka is huge.</p>"
    "<p>[00:00:12] <strong>Nisten:</strong> Wallaby 2 is the best, yes.</p>"
    "<p>[00:01:02] Open Source: Quokka</p>"
    "<p>[00:01:05] Alex Volkov: Quokka-7B is Apache 2.0 licensed.</p>"
)
FOOTER = "<p></p> <br /><br />Thank you for subscribing."


def test_trailing_transcript_is_cut_with_its_footer() -> None:
    html = NOTES + CHAPTERS + TRANSCRIPT + FOOTER
    assert without_transcript(html) == NOTES + CHAPTERS


def test_a_timestamped_chapter_list_is_not_a_transcript() -> None:
    html = CHAPTERS + NOTES + "<p>More notes.</p><p>And more.</p>"
    assert transcript_start(html) is None
    assert without_transcript(html) == html


def test_a_bold_timestamped_line_before_the_notes_is_not_a_transcript() -> None:
    html = "<p>[00:00:05] <strong>Note:</strong> a long one today</p>" + NOTES + TRANSCRIPT
    assert transcript_start(html) == len(html) - len(TRANSCRIPT)


def test_the_transcript_after_a_chapter_list_is_found() -> None:
    html = CHAPTERS + NOTES + TRANSCRIPT
    assert transcript_start(html) == len(CHAPTERS + NOTES)


def test_notes_after_the_talk_keep_everything() -> None:
    html = TRANSCRIPT + NOTES + "<p>Closing words.</p>"
    assert without_transcript(html) == html


def test_items_and_chapters_come_from_the_notes_only() -> None:
    blocks = html_blocks(without_transcript(NOTES + REAL_CHAPTERS + CHAPTERS + TRANSCRIPT))
    assert [i.name for i in extract_items(blocks)] == ["Quokka-7B", "Wallaby 2"]
    assert [c.start_seconds for c in chapters_from_blocks(blocks)] == [0, 750, 2400]
    assert "BREAKING NEWS" in "\n".join(b.text for b in blocks)
    assert "Welcome everyone" not in "\n".join(b.text for b in blocks)


def test_real_feed_loses_no_item_link_or_chapter(shared: Path) -> None:
    """Over every real ThursdAI episode, cutting transcripts changes no item, link or chapter."""
    import feedparser

    from bot.feeds.parse import _entry_html

    path = shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
    cut = 0
    for entry in feedparser.parse(path.read_bytes()).entries:
        html = _entry_html(entry)
        whole, notes = html_blocks(html), html_blocks(without_transcript(html))
        cut += len(notes) < len(whole)
        assert extract_items(notes) == extract_items(whole), entry.get("title")
        assert chapters_from_blocks(notes) == chapters_from_blocks(whole), entry.get("title")
    assert cut >= 10  # the feed's 2023-24 episodes carry full transcripts


def test_episode_body_ends_before_the_transcript(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        "<title>Ep 1</title><link>https://example.com/1</link>"
        f"<description><![CDATA[{NOTES + TRANSCRIPT}]]></description>"
        "</item></channel></rss>"
    ).encode()
    (episode,) = parse_source(feed, "feed.rss").episodes
    assert "Quokka-7B - a small model" in episode.body
    assert "[00:00:00]" not in episode.body
    assert [i.name for i in episode.items] == ["Quokka-7B", "Wallaby 2"]
