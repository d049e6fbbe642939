"""A section's "original" is the header the episode wrote, never one digestbot made up.

Issue 10 (point 3): over the ThursdAI and TLDR AI feeds, 28 tldr sections such as
"Big CO LLMs + APIs" said ``"original": "Other"``: lists with no header took the
fallback section's name as the episode's own header.
"""

from __future__ import annotations

from bot.digest import compose
from bot.feeds.blocks import html_blocks
from bot.feeds.shownotes import extract_items
from bot.models import Episode, Item


def _p(*lines: str) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


HEADERLESS = _p(
    "TL;DR",
    "* Kokoro - open source TTS (<a href='https://hf.co/k'>HF</a>)",
    "* Sora - video model from OpenAI (<a href='https://x.com/s'>X</a>)",
    "* Phi-4 - open weights from Microsoft (<a href='https://hf.co/p'>HF</a>)",
)


def test_a_list_without_a_header_has_no_original_header() -> None:
    items = extract_items(html_blocks(HEADERLESS))
    assert [i.section for i in items] == ["Voice & Audio", "Vision & Video", "Open Source LLMs"]
    assert [i.section_original for i in items] == ["", "", ""]


def test_the_digest_says_no_original_for_a_headerless_list() -> None:
    episode = Episode(id="ep1", feed="Show", title="Week")
    items = [
        Item(
            id=f"i{n}",
            episode=episode.ref(),
            position=n,
            name=p.name,
            org=p.org,
            section=p.section,
            section_original=p.section_original,
            headline=p.headline,
            summary=p.summary,
        )
        for n, p in enumerate(extract_items(html_blocks(HEADERLESS)))
    ]
    digest = compose([(episode, items)])
    assert all(s.original is None for s in digest.sections)
    assert [s.heading for s in digest.sections] == [
        "Open Source LLMs",
        "Vision & Video",
        "Voice & Audio",
    ]


def test_a_header_the_episode_wrote_stays_its_original() -> None:
    html = _p("TL;DR", "<strong>AI Nobel Prizes</strong>") + HEADERLESS.split("</p>", 1)[1]
    items = extract_items(html_blocks(html))
    assert items and all(i.section_original == "AI Nobel Prizes" for i in items)
