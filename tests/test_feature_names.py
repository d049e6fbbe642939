"""Names of feature-style releases: a product on a platform, a compound modifier's noun."""

from __future__ import annotations

import pytest

from bot.feeds.blocks import Block
from bot.feeds.items import parse_item
from bot.feeds.names import names_release, split_name
from bot.feeds.packed import split_packed


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


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # a subject gaining plain-worded features is the release itself
        ("Antigravity IDE brings smooth agentic Chrome-driven loops", "Antigravity IDE"),
        # ... but not when a name follows the verb
        ("Chrome adds Gemini to the browser", "Gemini"),
        ("SambaNova adds full DeepSeek R1 671B - flies at 200t/s", "DeepSeek R1 671B"),
        # a label listing topics is no release name
        ("Access, IDEs, and UI: Gemini 3 Pro is free for students", "Gemini 3 Pro"),
    ],
)
def test_feature_subjects_and_topic_lists(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_packed_bullet_splits_at_a_subject_that_ships() -> None:
    marked = (
        "Access, IDEs, and UI: Students get free Gemini 3 Pro access \ue0020\ue003. "
        "Antigravity IDE brings smooth agentic loops (UI driving and auto-testing) albeit"
        " with rough edges and inconsistent quality at load"
        " \ue0021\ue003."
    )
    labels = ("link", "demo")
    urls: tuple[str | None, ...] = ("https://x.com/a", "https://x.com/b")
    text = marked.replace("\ue0020\ue003", "link").replace("\ue0021\ue003", "demo")
    block = Block(marked=marked, labels=labels, urls=urls, text=text, has_bold=True)
    parts = split_packed(block)
    assert len(parts) == 2
    assert parts[1].text.startswith("Antigravity IDE brings")


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # a size names nothing; the line's code-font name does
        (
            "Microsoft allegedly open-sources 1-bit inference: a claim says Microsoft"
            " open-sourced `bitnet.cpp` enabling CPU inference",
            "bitnet.cpp",
        ),
        # a plain phrase that arrives "via" a quoted name is that name's news
        (
            "Separate Apple Silicon improvements appear via “MLX Engine Revolution” in Mawj",
            "MLX Engine Revolution",
        ),
        # a lowercase compound before a plain noun is an adjective, not a name
        (
            "LangChain/Deep Agents shipped first-class support for Gemini 3’s features",
            "LangChain/Deep Agents",
        ),
        ("OpenAI ships gpt-realtime and takes Realtime API to GA", "gpt-realtime"),
        (
            "Nous - Husky Hold'em Bench launches as an open-source pokerbot eval",
            "Husky Hold'em Bench",
        ),
    ],
)
def test_code_font_via_and_modifiers(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_a_generic_plural_subject_is_no_name() -> None:
    # "Students get ...": the release is what they get (and merges with its first mention)
    assert split_name("Students get free Gemini 3 Pro access .")[0] == "Gemini 3 Pro"
    assert split_name("Researchers discover subliminal learning in LLMs")[0] == (
        "subliminal learning"
    )


def test_a_size_after_a_plain_word_names_no_release() -> None:
    line = "Model lineup + key specs: Four sizes were announced—31B dense, 26B MoE, and E2B"
    block = Block(marked=line, labels=(), urls=(), text=line, has_bold=True)
    assert parse_item(block, section="", section_original="") is None  # a detail, no release
    assert split_name("Perceptron AI introduces Isaac 0.1: a 2B param model")[0] == "Isaac 0.1"
    assert split_name("Common Corpus: Largest multilingual 2T token dataset")[0] == (
        "Common Corpus"
    )
    assert names_release("Enter Platypus 70B")  # a capitalised name's size is its version
