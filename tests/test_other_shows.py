"""Shapes of shows other than ThursdAI (AINews, Last Week in AI, podcasts): small
self-written fixtures, one per defect found on a real episode."""

from __future__ import annotations

import pytest

from bot.feeds.names import split_name


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        # AINews "Top tweets": a maker or person, then the quoted release.
        ("Perplexity “Computer for Taxes”", "Computer for Taxes", "Perplexity"),
        (
            "Anthropic “Emotion concepts/vectors” interp research",
            "Emotion concepts/vectors",
            "Anthropic",
        ),
        ("Karpathy on “LLM Knowledge Bases” (Obsidian + wiki)", "LLM Knowledge Bases", None),
        # A noun "launch" before a gloss is no verb: the release leads the line.
        ("Gemma 4 launch (open-weight, Apache 2.0)", "Gemma 4", None),
        # A verb between the maker and the quote: the quote is a headline's joke.
        ("Google Goes “Price War Nuclear”: Gemini Flash is TOO CHEAP", "Google", None),
    ],
)
def test_quoted_release_after_a_maker(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)
