"""Hostile HTML shapes are sanitised in linear time, ordinary notes read as before."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.feeds import bounded
from bot.feeds.blocks import html_blocks, html_to_text
from bot.feeds.parse import parse_source

# Shapes that cost html5ever quadratic time when handed to nh3 whole.
SHAPES: dict[str, Callable[[int], str]] = {
    "nested div": lambda n: "<div>" * n + "x" + "</div>" * n,
    "unclosed div": lambda n: "<div>x" * n,
    "bold with ids": lambda n: "".join(f"<b id={i}>x" for i in range(n)),
    "nested lists": lambda n: "<ul><li>" * n + "x",
    "div across tables": lambda n: "<div><table></div></table>" * n,
}


def _cpu(func: Callable[[], object]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_shapes_are_linear(shape: str) -> None:
    """Each took seconds at 40k tags; now 2x the input costs about 2x, not 4x."""
    make = SHAPES[shape]
    unit = len(make(1000)) / 1000
    small, large = make(int(250_000 / unit)), make(int(500_000 / unit))
    html_blocks(small)  # warm up
    t_small = min(_cpu(lambda: html_blocks(small)) for _ in range(2))
    t_large = min(_cpu(lambda: html_blocks(large)) for _ in range(2))
    assert t_large < 1.5, f"{shape}: {t_large:.2f} s for 500 KB"
    assert t_large < 3.2 * t_small + 0.05, f"{shape}: {t_small:.3f} s -> {t_large:.3f} s"


def test_a_megabyte_feed_of_nested_divs_is_parsed_quickly() -> None:
    """100k nested divs in a feed (1.1 MB) took 33.7 s of CPU."""
    depth = 100_000
    body = "<p>Before</p>" + "<div>" * depth + "deep text" + "</div>" * depth + "<p>After</p>"
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>S</title>'
        "<item><title>" + "&lt;div&gt;" * 20_000 + "Deep</title><link>https://example.org/1</link>"
        "<description><![CDATA[" + body + "]]></description></item></channel></rss>"
    ).encode()
    assert len(feed) > 1_000_000
    start = time.process_time()
    parsed = parse_source(feed, "deep.rss")
    assert time.process_time() - start < 3.0
    episode = parsed.episodes[0]
    assert episode.title == "Deep"
    assert episode.body.split("\n\n") == ["Before", "deep text", "After"]


def test_cuts_fall_between_blocks_and_keep_lists() -> None:
    items = "".join(
        f"<li><a href='https://example.org/{i}'>Item {i}</a> - note</li>" for i in range(300)
    )
    html = "<div><h2>Releases</h2><ul>" + items + "</ul><p>Outro</p></div>"
    assert len(bounded.pieces(html)) > 2
    whole = bounded.pieces(html, max_tags=10**9)
    assert whole == [html]
    blocks = html_blocks(html)
    assert [b.text for b in blocks if b.bullet] == [f"Item {i} - note" for i in range(300)]
    assert [b.links[0].url for b in blocks if b.bullet][-1] == "https://example.org/299"
    assert blocks[-1].text == "Outro" and not blocks[-1].bullet


def test_tables_cut_in_the_middle_keep_their_rows() -> None:
    rows = "".join(f"<tr><td>Row {i}</td><td>value {i}</td></tr>" for i in range(200))
    blocks = html_blocks("<table>" + rows + "</table>")
    assert [b.text for b in blocks][:4] == ["Row 0", "value 0", "Row 1", "value 1"]
    assert len(blocks) == 400


def test_scripts_and_comments_are_never_cut_through() -> None:
    filler = "<p>x</p>" * 200
    html = filler + "<script>" + "<p>evil</p>" * 500 + "</script>" + filler
    html += "<!--" + "<p>hidden</p>" * 500 + "-->" + "<p>end</p>"
    texts = [b.text for b in html_blocks(html)]
    assert "evil" not in texts and "hidden" not in texts
    assert texts[-1] == "end"


def test_titles_with_deep_markup_are_linear() -> None:
    title = "<b>" * 200_000 + "Title"
    start = time.process_time()
    assert html_to_text(title) == "Title"
    assert time.process_time() - start < 1.5


@pytest.mark.parametrize(
    "name",
    ["thursdai_substack_podcast_all_redacted.rss", "interconnects_substack_newsletter_feed.xml"],
)
def test_real_feeds_read_the_same_in_pieces(
    shared: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cutting is invisible on real notes: the same bodies and items as one nh3 call."""
    data = (shared / "feeds" / name).read_bytes()

    def read() -> list[tuple[str, list[tuple[str, str, tuple[object, ...]]]]]:
        feed = parse_source(data, name)
        return [(e.body, [(i.name, i.headline, i.links) for i in e.items]) for e in feed.episodes]

    pieces = read()
    monkeypatch.setattr(bounded, "MAX_TAGS", 10**9)
    assert read() == pieces
