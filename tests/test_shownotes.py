"""Show-notes extraction: one item per release, the same for every form of an episode."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feeds.blocks import html_blocks, markdown_blocks
from bot.feeds.parse import parse_source
from bot.feeds.shownotes import canonical_section, extract_items, split_name

FIXTURES = Path(__file__).parent / "fixtures"

# What every form of tests/fixtures/episode* must give.
EXPECTED = [
    ("Lumen-7B", "Northwind Labs", "Open Source LLMs", ["X", "HF"]),
    ("Quill 2", None, "Open Source LLMs", ["Blog"]),
    ("GPT-Example", "OpenAI", "Big CO LLMs + APIs", ["Blog"]),
    ("Gemini Nano", None, "Big CO LLMs + APIs", []),
    ("VoxTiny", None, "Voice & Audio", ["Github"]),
]


def _summary(items: list) -> list:  # type: ignore[type-arg]
    return [(i.name, i.org, i.section, [link.label for link in i.links]) for i in items]


@pytest.mark.parametrize("fixture", ["episode_flat.html", "episode_list.html"])
def test_html_forms_give_the_expected_items(fixture: str) -> None:
    items = extract_items(html_blocks((FIXTURES / fixture).read_text()))
    assert _summary(items) == EXPECTED


def test_markdown_gives_the_same_items_as_html() -> None:
    md = parse_source((FIXTURES / "episode.md").read_bytes(), "episode.md").episodes[0]
    html_items = extract_items(html_blocks((FIXTURES / "episode_flat.html").read_text()))
    assert [i.model_copy(update={"chapter": None}) for i in md.items] == html_items


def test_links_are_cleaned_and_unsafe_ones_dropped() -> None:
    items = extract_items(html_blocks((FIXTURES / "episode_flat.html").read_text()))
    lumen, *_, voxtiny = items
    assert [link.url for link in lumen.links] == [
        "https://x.com/northwind/status/9",
        "https://huggingface.co/northwind/lumen-7b",
    ]
    assert all(link.url.startswith("https://") for link in voxtiny.links)
    assert voxtiny.headline == "VoxTiny - 40M param TTS"


def test_people_sections_and_prose_are_not_items() -> None:
    items = extract_items(html_blocks((FIXTURES / "episode_flat.html").read_text()))
    names = {i.name for i in items}
    assert "Riley Host" not in names
    assert not any("Thursday" in i.headline for i in items)


def test_without_a_marker_the_longest_linked_run_is_the_list() -> None:
    html = (
        "<p>Intro prose that is long enough to be prose and not a header at all.</p>"
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>Closing words of the host, again long enough to count as prose here.</p>"
    )
    assert [i.name for i in extract_items(html_blocks(html))] == [
        "Alpha One",
        "Beta Two",
        "Gamma 3",
    ]


def test_plain_sentences_under_a_bold_release_are_its_details() -> None:
    html = (
        "<p>* <strong>Alpha Hub News: more tools</strong> <a href='https://a.example'>X</a></p>"
        "<p>* Copilot now supports multi-file edits, and faster reviews.</p>"
        "<p>* GitHub Copilot extensions are planned for release next year.</p>"
        "<p>* <strong>Gamma 3: image understanding</strong> <a href='https://c.example'>X</a></p>"
        "<p>* Mistral classifiers Factory</p>"
        "<p>* NVIDIA updates its <strong>Nemotron</strong> models.</p>"
        "<p>* <strong>Delta 4</strong>: a new model <a href='https://d.example'>HF</a></p>"
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == [
        "Alpha Hub News",
        "Gamma 3",
        "Mistral",
        "Nemotron",
        "Delta 4",
    ]
    assert items[0].details == (
        "Copilot now supports multi-file edits, and faster reviews.",
        "GitHub Copilot extensions are planned for release next year.",
    )


def test_host_notes_and_calls_to_action_are_not_items() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Come visit the Weights & Biases team at GTC today!</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Me + team led a workshop (<a href='https://w.example'>Link</a>)</p>"
        "<p>* We're heading to SF to sponsor a hackathon</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>* Register to my June 12 workshop (<a href='https://r.example'>Link</a>)</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert names == ["Alpha One", "Beta Two", "Gamma 3"]


def test_no_list_means_no_items() -> None:
    assert extract_items(html_blocks("<p>Just an essay.</p><p>* one stray bullet</p>")) == []


def test_episode_without_show_notes_becomes_one_item(sample_feed: Path) -> None:
    feed = parse_source(sample_feed.read_bytes(), str(sample_feed))
    special = next(e for e in feed.episodes if "Sunday special" in e.title)
    assert len(special.items) == 1
    assert special.items[0].headline == special.title
    assert special.items[0].links[0].url == special.url


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Open Source LLMs", "Open Source LLMs"),
        ("Open Source LLM", "Open Source LLMs"),
        ("Big CO LLMs + APIs", "Big CO LLMs + APIs"),
        ("Big Companies & APIs", "Big CO LLMs + APIs"),
        ("This Week’s Buzz", "This Week's Buzz"),
        ("This weeks Buzz (What I learned at WandB this week)", "This Week's Buzz"),
        ("Vision & Video", "Vision & Video"),
        ("Voice & Audio:", "Voice & Audio"),
        ("AI Art & Diffusion & 3D", "AI Art & Diffusion & 3D"),
        ("Tools & Hardware", "Tools"),
        ("Hosts and Guests", "People"),
        ("🔥 Something else entirely", "Other"),
    ],
)
def test_section_names_map_to_the_canonical_set(header: str, canonical: str) -> None:
    assert canonical_section(header) == canonical


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        (
            "Prime Intellect - MetaGENE-1 - metagenomic foundation model",
            "MetaGENE-1",
            "Prime Intellect",
        ),
        ("Kokoro - #1 TTS with Apache 2 license", "Kokoro", None),
        ("Phi-4 MIT licensed family of models from Microsoft", "Phi-4", "Microsoft"),
        ("ByteDance - LatentSync lip syncing model", "LatentSync", "ByteDance"),
        ("Baidu - Hallo 3 - generative portraits", "Hallo 3", "Baidu"),
        ("Moondream 2 announcement - new evals - Chat with Vik", "Moondream 2", None),
        ("OpenAI launches GPT-5.1", "GPT-5.1", "OpenAI"),
        ("Google Gemini 3 Pro - 1M-token multimodal model", "Gemini 3 Pro", "Google"),
        ("Gemini 3 Pro: 1M-token multimodal model", "Gemini 3 Pro", None),
        ("Grok 3 is going wild on X", "Grok 3", None),
        ("rStar-Math - making Small LLMs do Math better", "rStar-Math", None),
    ],
)
def test_split_name(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)


def test_markdown_blocks_keep_link_labels_and_drop_emphasis() -> None:
    (block,) = markdown_blocks(
        "* **Phi-4** is *here* ([HF](https://huggingface.co/x), [X](https://x.com/y))"
    )
    assert block.bullet
    assert block.text == "Phi-4 is here (HF, X)"
    assert [link.label for link in block.links] == ["HF", "X"]


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        ("Alibaba - Qwen 2.5 Max - MoE flagship via API", "Qwen 2.5 Max", "Alibaba"),
        ("Kimi K2 update - Doubled context to 256K", "Kimi K2", "Kimi"),
        ("DeepSeek R1 - MIT licensed SOTA open source reasoning model", "DeepSeek R1", "DeepSeek"),
        ("Mistral 3 family - Large 3 and Ministral 3, Apache 2.0", "Mistral 3", "Mistral"),
        ("Meta SAM 3 & SAM 3D - promptable segmentation", "SAM 3 & SAM 3D", "Meta"),
    ],
)
def test_org_prefixes_never_leave_a_bare_version(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)


@pytest.mark.parametrize(
    ("name", "org", "headline", "detail"),
    [
        (
            "MetaGENE-1",
            "Prime Intellect",
            "Prime Intellect - MetaGENE-1 - metagenomic model",
            "metagenomic model",
        ),
        ("Kokoro", None, "Kokoro - #1 TTS", "#1 TTS"),
        ("Phi", None, "Phixtral merges", "Phixtral merges"),
        ("Kokoro", None, "Kokoro", ""),
        ("GPT-5.1", "OpenAI", "OpenAI launches GPT-5.1", "launches GPT-5.1"),
    ],
)
def test_headline_detail_drops_the_leading_name(
    name: str, org: str | None, headline: str, detail: str
) -> None:
    from bot.models import headline_detail

    assert headline_detail(name, org, headline) == detail
