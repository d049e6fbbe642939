"""Orgs are set only when the line says so, through the one alias table (issue 10, point 2).

Found over the shared ThursdAI feed: "Zip-Lora - combine diffusion LORAs together - Nataniel
Ruiz" gave org "Zip-Lora" and name "Nataniel Ruiz"; "Google API updates - ..." gave org
"Google API"; "HuggingFace SmolVLM - ..." org "HuggingFace SmolVLM".
"""

from __future__ import annotations

import pytest

from bot.feeds.names import split_name
from bot.feeds.orgs import canonical_org


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        ("Zip-Lora - combine diffusion LORAs together - Nataniel Ruiz (Blog)", "Zip-Lora"),
        ("FLASK - New evaluation framework from KAIST - based on skillset", "FLASK"),
        ("Hotshot - new video model - trained by 4 guys", "Hotshot"),
        ("Ark - a completely offline device - offline LLM + worlds maps", "Ark"),
        ("OpenAutoCoder-Agentless - SOTA on SWE Bench - 27.33%", "OpenAutoCoder-Agentless"),
    ],
)
def test_a_first_segment_described_by_the_next_is_the_release_not_an_org(
    headline: str, name: str
) -> None:
    assert split_name(headline) == (name, None)


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        ("LDJ - Obsidian 3B - the smallest open source multi modal model", "Obsidian 3B", "LDJ"),
        ("Prime Intellect - MetaGENE-1 - metagenomic model", "MetaGENE-1", "Prime Intellect"),
        ("Tiger Lab - MMLU-pro - a harder MMLU with 12K questions", "MMLU-pro", "Tiger Lab"),
        ("Course - AI Evals For Engineers & PMs - with Hamel", "AI Evals", "Course"),
    ],
)
def test_a_maker_before_a_named_release_stays_the_org(headline: str, name: str, org: str) -> None:
    assert split_name(headline) == (name, org)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Google API", "Google"),
        ("Apple WWDC", "Apple"),
        ("Apple Intelligence", "Apple"),
        ("HuggingFace SmolVLM", "Hugging Face"),
        ("Meta AI Research", "Meta"),
        ("Nvidia Research", "NVIDIA"),
        ("Google DeepMind", "Google DeepMind"),
        ("Haulio", "Hailuo"),
        ("Tiger Lab", "Tiger Lab"),
        ("Ideogram", "Ideogram"),
    ],
)
def test_an_org_opening_with_a_known_org_is_that_org(spelling: str, canonical: str) -> None:
    assert canonical_org(spelling) == canonical


def test_orgs_from_lines_go_through_the_table() -> None:
    assert split_name("HuggingFace SmolVLM - Tiny VLMs - runs even on WebGPU")[1] == (
        "Hugging Face"
    )
    assert split_name("Google API updates - 1000 pages PDFs + LOTS of free tokens")[1] == ("Google")
