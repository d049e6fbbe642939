"""Section headers of show notes onto digestbot's small canonical set.

An episode writes its own headers ("Open Weights LLMs", "Big Companies &
APIs", "AI Nobel Prizes"); items keep that header as ``section_original`` and
get one of the canonical sections below.  A header that names no canonical
section (a month, "Google IO updates") does not throw its items into Other:
they keep the section they were under, or one read from their own line.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.feeds.clean import clean_text

OTHER = "Other"

#: Canonical sections, checked in order; the first whose pattern matches wins.
_SECTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("People", r"\bhosts?\b|\bguests?\b|co-?hosts|participants|panelists|^alex volkov\b"),
        ("This Week's Buzz", r"\bbuzz\b|weights\s*&\s*biases|\bw&b\b|wandb"),
        ("Open Source LLMs", r"open[\s-]*(?:source|weights?)|\boss\b|\bopen\s+models?\b"),
        ("Big CO LLMs + APIs", r"big\s*co|big\s*compan|\bapis?\b|\bllms?\b"),
        ("Voice & Audio", r"voice|audio|speech|music"),
        ("AI Art & Diffusion & 3D", r"\bart\b|diffusion|\b3d\b|image"),
        ("Vision & Video", r"vision|video"),
        ("Agents", r"agent"),
        ("Tools", r"\btools?\b|hardware|\bapps?\b"),
        ("Robotics", r"robot"),
        ("Research", r"research|papers?\b|science"),
        (
            "Big CO LLMs + APIs",
            r"^(?:openai|google|anthropic|meta|xai|microsoft|apple|amazon|nvidia|deepmind|mistral|deepseek)\b",
        ),
        (OTHER, r"\bothers?\b|\bmisc|interview|breaking|show notes|links"),
    )
)

#: Sections whose bullets are people, not releases.
SKIPPED_SECTIONS = frozenset({"People"})

# What an item's own line says about its section, when its header says nothing.
_ITEM_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("Voice & Audio", r"\btts\b|text[\s-]to[\s-]speech|\b(?:voice|speech|audio|music)\b"),
        ("Vision & Video", r"\bvideo\b|\bvlm\b|\bvision\b"),
        ("AI Art & Diffusion & 3D", r"\bimage\b|diffusion|\b3d\b"),
        (
            "Open Source LLMs",
            r"open[\s-]*(?:source|weights?)|huggingface\.co|apache|\bmit\b|fine-?tunes?\b"
            r"|\bgguf\b",
        ),
        ("Robotics", r"\brobot"),
        ("Agents", r"\bagents?\b|\bagentic\b"),
        ("Research", r"\bpaper\b|arxiv"),
        (
            "Big CO LLMs + APIs",
            r"\bapi\b|\bopenai\b|\bgoogle\b|\banthropic\b|\bgemini\b|\bgpt|\bclaude\b"
            r"|\bchatgpt\b|\bmicrosoft\b|\bcopilot\b|\bnvidia\b|\bxai\b|\bgrok\b|\bmeta\b"
            r"|\bapple\b|\bamazon\b|\bperplexity\b",
        ),
        # Open-weights families, last: "Qwen-Max API" is a big company's API.
        ("Open Source LLMs", r"\b(?:llama|qwen|hermes|mistral|mixtral|deepseek|phi)\b"),
    )
)


@lru_cache(maxsize=2048)  # headers repeat across episodes: "Open Source LLMs"
def canonical_section(original: str) -> str:
    """Map a section header as written onto the small canonical set."""
    text = clean_text(original).strip(" :*-")
    for name, pattern in _SECTION_RULES:
        if pattern.search(text):
            return name
    return OTHER


@lru_cache(maxsize=2048)
def names_a_section(original: str) -> bool:
    """Whether a header maps onto a canonical section (Other written as such counts)."""
    text = clean_text(original).strip(" :*-")
    return any(pattern.search(text) for _, pattern in _SECTION_RULES)


_ANY_ITEM_RULE = re.compile("|".join(f"(?:{p.pattern})" for _, p in _ITEM_RULES), re.I)


def section_of_line(text: str) -> str:
    """A canonical section read from an item's own line and links; Other when it says none."""
    if _ANY_ITEM_RULE.search(text) is None:
        return OTHER
    for name, pattern in _ITEM_RULES:
        if pattern.search(text):
            return name
    return OTHER
