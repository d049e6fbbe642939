"""Recap lines that report a take (a quote, a person's view, an org's words) are no release."""

from __future__ import annotations

import pytest

from bot.feeds.blocks import Block
from bot.feeds.items import parse_item
from bot.feeds.takes import is_take


@pytest.mark.parametrize(
    "line",
    [
        "Safety posture vs behavior: Google DeepMind emphasizes safety testing and evals.",
        "Arena/Text: Arena reports the new model as #3 among open models.",
        "Jeremy Howard’s defense of scientists resonated broadly.",
        "Leaderboards diverge: Hendrycks’ new leaderboard shows big jumps.",
        "“The future is bright” and “wow so many cynics” captured the mood.",
    ],
)
def test_takes_are_no_release(line: str) -> None:
    assert is_take(line)
    assert (
        parse_item(
            Block(marked=line, labels=(), urls=(), text=line), section="", section_original=""
        )
        is None
    )


@pytest.mark.parametrize(
    "line",
    [
        "LangSmith reports Azure’s share of traffic rose to 29%.",
        "Figure’s F.02 humanoids completed an 11-month deployment.",
        "“Claude-Mem” is promoted as a local memory plugin.",
        "What’s new: SAM 3 unifies detection, segmentation and tracking.",
        "Axolotl v0.16.x: Axolotl’s release emphasizes MoE speed.",
        "Elon Musk’s xAI raises $6B.",
        "Meta’s new model tops the charts.",
    ],
)
def test_releases_are_no_take(line: str) -> None:
    assert not is_take(line)


@pytest.mark.parametrize(
    "line",
    [
        "Inside Google’s new “AntiGravity” IDE",
        "Perplexity says Amazon issued a legal threat to block Comet",
        "Everyone's talking about Manus - (manus.im)",
        "Benjamin's announcement of RAGatouille",
        'Andrej Karpathy\'s talk "Software 3.0" discusses the future',
    ],
)
def test_news_and_named_talks_are_no_take(line: str) -> None:
    assert not is_take(line)


def test_an_unnamed_speaker_under_a_label_is_a_take() -> None:
    assert is_take("Grok “undressing” backlash: One thread argues it would be trivially easy")
    assert not is_take("Robotics: One new model ships today")
