"""Names of feature-style releases: a product on a platform, a compound modifier's noun."""

from __future__ import annotations

import pytest

from bot.feeds.blocks import Block
from bot.feeds.items import parse_item
from bot.feeds.names import split_name


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # an unversioned product arriving on a platform: the platform is part of the release
        (
            "ChatGPT Voice Mode on Apple CarPlay rolling out for iOS 26.4+",
            "ChatGPT Voice Mode on CarPlay",
        ),
        ("ChatGPT on CarPlay", "ChatGPT on CarPlay"),
        (
            "W&B launches Serverless LoRA Inference on CoreWeave",
            "Serverless LoRA Inference on CoreWeave",
        ),
        # a date, a hosting org or a versioned model after "on" is no platform
        ("Claude on Monday the team shipped", "Claude"),
        ("Gradio on Hugging Face", "Gradio"),
        # a name never ends on a lowercase compound modifier: the noun follows it
        ("Codex usage-based pricing in ChatGPT Business", "Codex usage-based pricing"),
        ("Anthropic Claude share-able projects", "Claude share-able projects"),
    ],
)
def test_feature_names_keep_their_platform_and_noun(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # a product spelled in lowercase after a topic label, then what it ships
        (
            "Vector DB ergonomics: turbopuffer adds multiple vector columns per doc",
            "turbopuffer",
        ),
        # "<maker> team <verb> <plain thing>": the maker and the thing name the release
        (
            "vLLM team open-sourced speculator models (Llamas, Qwens) yielding speedups",
            "vLLM speculator models",
        ),
        ("Qwen team releases Qwen3-Coder today", "Qwen3-Coder"),
    ],
)
def test_lowercase_makers_and_teams(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_lowercase_maker_line_is_no_commentary() -> None:
    line = "Vector DB ergonomics: turbopuffer adds multiple vector columns per doc"
    block = Block(marked=line, labels=(), urls=(), text=line, has_bold=True)
    item = parse_item(block, section="", section_original="")
    assert item is not None and item.name == "turbopuffer"
