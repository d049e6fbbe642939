"""Shapes of shows other than ThursdAI (AINews, Last Week in AI, podcasts): small
self-written fixtures, one per defect found on a real episode."""

from __future__ import annotations

import pytest

from bot.feeds.blocks import html_blocks, markdown_blocks
from bot.feeds.names import split_name
from bot.feeds.shownotes import extract_items


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


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # The versioned subject is the release; what it adds are its features.
        ("Qdrant 1.16 adds tiered multitenancy, ACORN for filtered search", "Qdrant 1.16"),
        ("Warp 2.0 launches as an Agentic Development Environment", "Warp 2.0"),
        # A topic label in plain words gives way to the release its sentence names.
        ("MoE/speculative & vector infra: DeepSeek released LPLB, a load balancer", "LPLB"),
        ("Gemini 3 Pro capability and evals: A wave of results show it is strong", "Gemini 3 Pro"),
    ],
)
def test_versioned_subjects_and_topic_labels(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_a_recap_bullet_packing_several_releases_gives_one_item_each() -> None:
    """AINews 2025-11-19: "**MoE/speculative & vector infra**: DeepSeek released LPLB
    (repo). vLLM team open-sourced ... Qdrant 1.16 adds ...", each sentence with its links."""
    html = (
        "<p><strong>Infra and open-source</strong></p><ul>"
        "<li><strong>MoE/speculative &amp; vector infra</strong>: DeepSeek released LPLB, a"
        " parallel load balancer to optimize MoE routing (<a href='https://x.com/d/1'>repo</a>)."
        " Qdrant 1.16 adds tiered multitenancy and inline storage for disk HNSW indexes"
        " (<a href='https://x.com/q/2'>release</a>). Sam Altman: “significant improvement”"
        " (<a href='https://x.com/s/3'>tweet</a>). Early demos show strong tracking"
        " (<a href='https://x.com/e/4'>example</a>).</li>"
        "<li><strong>Open-weight model</strong>: Deep Cogito’s Cogito v2.1 is live on Together"
        " (<a href='https://x.com/c/5'>Together</a>).</li>"
        "<li><strong>New evals</strong>: EDIT-Bench for in-the-wild code edits"
        " (<a href='https://x.com/b/6'>@b</a>).</li></ul>"
    )
    items = extract_items(html_blocks(html))
    names = [i.name for i in items]
    assert len(names) == 4 and names[:2] == ["LPLB", "Qdrant 1.16"] and names[3] == "EDIT-Bench"
    # The quote and the take stay with the release before them.
    assert [link.url for link in items[1].links] == [
        "https://x.com/q/2",
        "https://x.com/s/3",
        "https://x.com/e/4",
    ]


def test_lines_naming_nothing_under_a_header_bullet_are_details() -> None:
    """AINews 2026-04-02: "**Hermes Agent growth + pluggable memory**:" heads releases;
    "Memory integrations were expanded ..." and "“Brew install” became ..." name none."""
    md = "\n".join(
        [
            "**Agents**",
            "",
            "- **Hermes Agent growth + pluggable memory**:",
            "  - Hermes Agent 2 hit a usage milestone: [@t](https://x.com/t/1)",
            "  - Memory integrations were expanded to more providers: [@t](https://x.com/t/2)",
            "- **Local inference anecdotes got concrete**:",
            "  - “Brew install + llama-server” became the one-liner: [@j](https://x.com/j/3)",
            "  - Several posts stress the efficiency surprise: [@r](https://x.com/r/4)",
            "- **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/5))",
            "- **LiteParse**: open-source document parser ([tweet](https://x.com/l/6))",
            "- **Extract v2**: simpler tiers ([tweet](https://x.com/e/7))",
            "- **Cursor 3**: agent-collaboration interface ([tweet](https://x.com/c/8))",
        ]
    )
    items = extract_items(markdown_blocks(md))
    names = [i.name for i in items]
    assert names == ["Hermes Agent 2", "Axolotl v0.16", "LiteParse", "Extract v2", "Cursor 3"]
    assert "https://x.com/t/2" in [link.url for link in items[0].links]


def test_by_channel_chat_digests_are_no_release_list() -> None:
    """AINews 2024-05-13 (HTML): "PART 2: Detailed by-Channel summaries and links" and
    "Server ▷ #channel (N messages)" headings over members' chat, no "Discord" in them."""
    html = (
        "<h1>PART 2: Detailed by-Channel summaries and links</h1>"
        "<h3><strong>LM Studio ▷ #model-announcements</strong> (5 messages)</h3><ul>"
        + "".join(
            f"<li><strong>New Yi {n}B Launched</strong>: members shared"
            f" (<a href='https://discord.com/c/{n}'>link</a>)</li>"
            for n in range(6, 12)
        )
        + "</ul>"
    )
    assert extract_items(html_blocks(html)) == []


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # A name in code font after a topic label.
        ("Model sizing for deployment: `hf-mem` estimates VRAM for any repo", "hf-mem"),
        # A coined compound subject that brings or adds features is the release.
        (
            "Local training & serving ergonomics: Unsloth-MLX brings an Unsloth-like API",
            "Unsloth-MLX",
        ),
        # An ordinary subject adding a product: the product is the news.
        ("Chrome adds Gemini", "Gemini"),
    ],
)
def test_code_font_names_and_feature_verbs(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_job_ads_and_glossed_takes_are_no_items() -> None:
    """AINews 2026-01-05: "**Hiring: risk assessment roles**: ..." and "**Enterprise adoption
    cadence (Cognition/Windsurf/Devin anecdote)**: A practitioner shares ..."."""
    md = "\n".join(
        [
            "**Agents in the wild**",
            "",
            "- **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/1))",
            "- **Enterprise adoption cadence (Cognition/Windsurf/Devin anecdote)**: A"
            " practitioner shares internal rollout metrics [@s](https://x.com/s/2)",
            "- **LiteParse**: open-source document parser ([tweet](https://x.com/l/3))",
            "- **Hiring: risk assessment roles**: DeepMind AGI Safety is hiring research"
            " engineers [@n](https://x.com/n/4)",
            "- **Extract v2**: simpler tiers ([tweet](https://x.com/e/5))",
        ]
    )
    names = [i.name for i in extract_items(markdown_blocks(md))]
    assert names == ["Axolotl v0.16", "LiteParse", "Extract v2"]
