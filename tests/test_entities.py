"""Release entities: names (+ org, headline) to canonical family + version."""

from __future__ import annotations

import pytest

from bot.entities import entity_for, family_key


@pytest.mark.parametrize(
    ("name", "org", "entity", "family"),
    [
        ("Qwen3-Coder", None, "Qwen3-Coder", "Qwen"),
        ("Qwen3-Coder-480B-A35B-Instruct", "Alibaba", "Qwen3-Coder", "Qwen"),
        ("Qwen 2.5 Coder 1.5B", "Qwen", "Qwen 2.5 Coder", "Qwen"),
        ("Qwen-2 VL 72B,7B,2B", "QWEN", "Qwen-2 VL", "Qwen"),
        ("Qwen3-VL 2B & 32B", None, "Qwen3-VL", "Qwen"),
        ("Qwen's", None, "Qwen", "Qwen"),
        ("QwQ 32B", "Qwen", "QwQ", "Qwen"),
        ("QvQ 72B", "Qwen", "QvQ", "Qwen"),
        ("Veo 3", "Google", "Veo 3", "Veo"),
        ("VEO3", None, "VEO3", "Veo"),
        ("Google Veo 3", None, "Veo 3", "Veo"),
        ("Kling VIDEO 2.6", "Kling", "Kling VIDEO 2.6", "Kling"),
        ("VIDEO 2.6", "Kling", "Kling VIDEO 2.6", "Kling"),
        ("Kokoro", None, "Kokoro", "Kokoro"),
        ("Kokoro v1.0", None, "Kokoro v1.0", "Kokoro"),
        ("Kokoro.js", None, "Kokoro.js", "Kokoro"),
        ("Llama 3.1 405B", "Meta", "Llama 3.1", "Llama"),
        ("Meta Llama 3.1 70B Instruct", None, "Llama 3.1", "Llama"),
        ("LLama 4 Scout 109B/17BA & Maverick", "Meta", "LLama 4 Scout", "Llama"),
        ("GPT-4o mini", "OpenAI", "GPT-4o mini", "GPT"),
        ("GPT-4o", None, "GPT-4o", "GPT"),
        ("o3-mini", "OpenAI", "o3-mini", "OpenAI o-series"),
        ("O1-pro API", None, "O1-pro API", "OpenAI o-series"),
        ("Claude 4 Sonnet", "Anthropic", "Claude Sonnet 4", "Claude"),
        ("Claude Sonnet 4", None, "Claude Sonnet 4", "Claude"),
        ("Claude 3.5 Sonnet", None, "Claude Sonnet 3.5", "Claude"),
        ("Gemini (Chrome)", "Chrome", "Gemini", "Gemini"),
        ("Gemini 2.5 Pro/Flash GA", "Google", "Gemini 2.5 Pro", "Gemini"),
        ("Gemini 1.5 Flash 8B", "Google", "Gemini 1.5 Flash", "Gemini"),
        ("Gemini 2.5 Pro Preview", None, "Gemini 2.5 Pro", "Gemini"),
        ("DeepSeek V3 0324", None, "DeepSeek V3", "DeepSeek"),
        ("Phi-4 🔥", "Microsoft", "Phi-4", "Phi"),
        ("Mistral Large", "Mistral", "Mistral Large", "Mistral"),
        ("70B", None, "70B", "70B"),
    ],
)
def test_entity_table(name: str, org: str | None, entity: str, family: str) -> None:
    found = entity_for(name, org)
    assert found is not None
    assert (found.name, found.family) == (entity, family)
    assert found.org == org


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Veo 3", "VEO3"),
        ("Veo 3", "Veo-3"),
        ("Claude 4 Sonnet", "Claude Sonnet 4"),
        ("Qwen3-Coder-480B-A35B-Instruct", "Qwen3 Coder"),
        ("Llama 3.1 405B", "Llama-3.1-8B-Instruct"),
        ("Qwen 2.5 Coder 32B", "Qwen2.5-Coder"),
        ("GPT-4 0613", "GPT 4"),
        # The family word before a sub-brand of it is the brand (reader names, 2024).
        ("Qwen QwQ 32B Preview", "QwQ-32B"),
        ("Qwen QvQ 72B", "QvQ"),
    ],
)
def test_spellings_share_one_entity(first: str, second: str) -> None:
    a, b = entity_for(first), entity_for(second)
    assert a is not None and b is not None
    assert a.id == b.id
    assert a.family_key == b.family_key


@pytest.mark.parametrize(
    ("first", "second"),
    [("GPT-4o", "GPT-4o mini"), ("Gemini 2.5 Pro", "Gemini 2.5 Flash"), ("Qwen3", "Qwen3-Coder")],
)
def test_tiers_are_entities_of_their_own(first: str, second: str) -> None:
    a, b = entity_for(first), entity_for(second)
    assert a is not None and b is not None
    assert a.id != b.id and a.family_key == b.family_key


def test_a_bare_family_name_takes_the_release_its_headline_names() -> None:
    found = entity_for(
        "Qwen", None, "Qwen releases a coding model: Qwen3-Coder-480B-A35B-Instruct ."
    )
    assert found is not None and found.name == "Qwen3-Coder"
    kept = entity_for("Kokoro", None, "Kokoro - #1 TTS with Apache 2 license")
    assert kept is not None and kept.name == "Kokoro"


def test_versioned() -> None:
    from bot.releases import has_version

    assert has_version("Veo 3") and has_version("o3") and has_version("Qwen3-Coder")
    assert not has_version("Gemini") and not has_version("Gemini CLI")


@pytest.mark.parametrize("name", ["", "   ", "🔥", "---", "()"])
def test_nothing_to_name(name: str) -> None:
    assert entity_for(name) is None


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("qwen", "qwen"),
        ("QwQ", "qwen"),
        ("Qwen3-Coder", "qwen"),
        ("o3", "o"),
        ("", ""),
        ("405B", ""),
    ],
)
def test_family_key(query: str, key: str) -> None:
    assert family_key(query) == key


def test_hostile_names_are_linear() -> None:
    import time

    start = time.perf_counter()
    entity_for("a-" * 100_000 + "(" * 50_000, "x", "Qwen" + "1-" * 100_000)
    entity_for("Qwen", None, "Qwen" + "-" * 200_000)
    assert time.perf_counter() - start < 1.0


def test_a_bare_family_name_takes_an_aliased_member_from_its_headline() -> None:
    found = entity_for("Qwen's", None, "Qwen's latest reasoning model QwQ-32B - matches R1")
    assert found is not None and (found.name, found.family) == ("QwQ", "Qwen")


@pytest.mark.parametrize(
    "name",
    [
        "The AI PC Arrives",
        "AI Act Delays",
        "Code Red",
        "Robot Chemist",
        "How AI Startups Spend Their Money",
        "A Chinese AI startup is about to hit $1bn",
        "Introducing Cosmos 3 Edge",
        "AI's New Supercomputer",
        "LLMs Play Doctor",
        "Self-Driving Cars Run Amok",
        "U.S. Blocks AI Chip Sales to China",
        "O’Reilly Versus OpenAI",
    ],
)
def test_a_story_title_or_plain_phrase_is_a_family_of_its_own(name: str) -> None:
    """Issue 10 (point 3): over the feeds, story titles grouped into families "AI" (155
    entities), "The", "How", "Code" ("Code Red"): their first word names no family."""
    found = entity_for(name)
    assert found is not None
    assert (found.family, found.family_key) == (found.name, found.id)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("ChatGPT Adds Ads", "ChatGPT"),
        ("SAM 2", "SAM"),
        ("Nous Hermes 2", "Nous"),
        ("Qwen Image Edit", "Qwen"),
        ("Hunyuan Video", "Hunyuan"),
        ("Gemini in Chrome", "Gemini"),
        ("Llama.cpp server", "Llama"),
    ],
)
def test_product_names_still_open_their_family(name: str, family: str) -> None:
    found = entity_for(name)
    assert found is not None and found.family == family


@pytest.mark.parametrize(
    ("title", "entity"),
    [
        ("Qwen3.8 Is Going Open-Weight", "Qwen3.8"),
        ("Qwen 3.8 27B is excellent, but it defaults to wildly", "Qwen 3.8"),
        ("Gemini 2.0 Flash Accelerates Multimodal Modeling", "Gemini 2.0 Flash"),
        ("Phi-4 Breaks Size Barrier", "Phi-4"),
        ("MiniMax-M2 Leads Open Coding", "MiniMax-M2"),
        ("o3-mini Puts Reasoning in High Gear", "o3-mini"),
        ("Qwen3.5 In All Sizes", "Qwen3.5"),
        # Not a release's version: the title stays whole.
        ("Training 1 Trillion Parameters", "Training 1 Trillion Parameters"),
        ("2D to 3D Goes Mainstream", "2D to 3D Goes Mainstream"),
        ("Covid-19 Infects AI", "Covid-19 Infects AI"),
        # Tiers and product words after the version stay.
        ("Kling 2.1 Master", "Kling 2.1 Master"),
        ("Gemini 2.5 Flash Image", "Gemini 2.5 Flash Image"),
        ("Hermes 2 Pro", "Hermes 2 Pro"),
        ("V2A video-to-audio", "V2A video-to-audio"),
    ],
)
def test_a_story_title_names_the_release_up_to_what_it_says(title: str, entity: str) -> None:
    """Issue 10 (point 3): over The Batch and TLDR AI, "Qwen3.8 Is Going Open-Weight" and
    "Grok 3 Scales Up" were entities of their own beside "Qwen3.8" and "Grok 3"."""
    found = entity_for(title)
    assert found is not None and found.name == entity
