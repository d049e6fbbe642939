"""One claim, one score fact (issue 10, point 4: duplicates merge).

Over the shared ThursdAI feed, Claude Opus 4 kept both "#1 on LMArena WebDev" and
"#1 on the LMArena WebDev arena".
"""

from __future__ import annotations

import pytest

from bot.models import Facts
from bot.summarise.facts import hold_to_headline, score_key


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("#1 on LMArena WebDev", "#1 on the LMArena WebDev arena", True),
        ("#1 on Chatbot Arena", "#1 on the chatbot arena leaderboard", True),
        ("#1 on LMArena WebDev", "#1 on LMArena Text", False),
        ("#1 on LMArena", "#1 on Arena-Hard", False),
    ],
)
def test_arena_is_where_a_score_stands_not_which(a: str, b: str, same: bool) -> None:
    assert (score_key(a) == score_key(b)) is same


def test_the_same_claim_twice_is_one_fact() -> None:
    facts = Facts(scores=("#1 on LMArena WebDev", "#1 on the LMArena WebDev arena"))
    kept = hold_to_headline(facts, "Claude Opus 4", "Claude Opus 4 - best coder")
    assert kept.scores == ("#1 on LMArena WebDev",)
