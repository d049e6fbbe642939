"""A maker's name alone does not make a sentence about its release (issue 10, point 4).

Over the shared ThursdAI feed, "Anthropic Computer use" was summarised by "Anthropic
announced Claude 3.5 Haiku!", "Google deep research" by a paragraph on Gemma 3 and
"Nous Research Deep Hermes 24B" by one on Nous Research's PORTAL: the maker's name was
searched as if it were the release's family word.
"""

from __future__ import annotations

from bot.models import ParsedItem
from bot.summarise.extractive import summarise_items


def _item(name: str, headline: str) -> ParsedItem:
    return ParsedItem(
        name=name, section="Big CO LLMs + APIs", section_original="Big CO", headline=headline
    )


BODY = "\n\n".join(
    (
        "Big CO LLMs and APIs",
        (
            "This week was a big one for agents and for small models, and the show covered"
            " both at length with our guests."
        ),
        (
            "Further adding to the intrigue, Anthropic announced Claude 3.5 Haiku, a faster"
            " model that beats the old Opus on coding."
        ),
        (
            "OpenAI finally unveiled Operator, their first agent that uses a browser for you,"
            " available to Pro users in the US."
        ),
    )
)


def _summaries(*items: ParsedItem) -> dict[str, str]:
    return {i.name: r.summary for i, r in zip(items, summarise_items(BODY, items), strict=True)}


def test_a_sentence_naming_the_maker_and_another_item_is_the_other_items() -> None:
    computer = _item("Anthropic Computer", "Anthropic Computer use API + docker")
    haiku = _item("Claude 3.5 Haiku", "Claude 3.5 Haiku - fast and cheap")
    found = _summaries(computer, haiku)
    assert "Haiku" not in found["Anthropic Computer"]
    assert found["Anthropic Computer"] == "Anthropic Computer use API + docker"
    assert "Claude 3.5 Haiku" in found["Claude 3.5 Haiku"]


def test_the_product_after_the_maker_names_the_release() -> None:
    operator = _item("OpenAI Operator", "OpenAI Operator - agentic browser in ChatGPT Pro")
    found = _summaries(operator)
    assert found["OpenAI Operator"].startswith("OpenAI finally unveiled Operator")
