"""The general show-notes reader: lists found by shape, sub-bullets as details, names, orgs.

Each test is a shape seen in real episodes (ThursdAI, Last Week in AI, a podcast
with chapter lines), written small; the real feeds in ../shared are checked at the
end and by ``make quality``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.feeds.blocks import html_blocks, markdown_blocks
from bot.feeds.names import is_person_line, split_name, story_name
from bot.feeds.orgs import canonical_org, spellings
from bot.feeds.parse import parse_markdown_document, parse_source
from bot.feeds.sections import canonical_section
from bot.feeds.shownotes import extract_items
from bot.quality import is_bad_name


def _p(*lines: str) -> str:
    """Substack's podcast-feed form: every line a paragraph, bullets typed as "* "."""
    return "".join(f"<p>{line}</p>" for line in lines)


LLAMA_DAY = _p(
    "Intro prose about the week that is long enough to be prose and not a list at all.",
    "<strong>TL;DR of all topics covered:</strong>",
    "* Open Source LLMs",
    "* Meta LLama 3 8B and 70B (<a href='https://x.com/meta/1'>X</a>, "
    "<a href='https://ai.meta.com/llama3'>Blog</a>)",
    "* Trained 15T tokens!",
    "* 70B gets 82% on MMLU",
    "* 128K vocab tokenizer",
    "* 🤖 It is fluent in 5 languages",
    "* Dense model not MoE",
    "* WizardLM-2 8x22B (<a href='https://x.com/wizard/2'>X</a>, HF)",
    "* Released it and then pulled it back from HF",
    "* 70% cheaper than before (<a href='https://x.com/wizard/3'>thread</a>)",
    "* Big CO LLMs + APIs",
    "* OpenAI gives us Batch API + Assistants API v2",
    "* Batch is 50% cost",
    "* new file search tool",
    "* Reka gives us Reka Core (<a href='https://x.com/reka/4'>X</a>)",
    "* Gemini Nano updates, no links yet",
    "That's all for this week, see you next time, friends and listeners of the show!",
)


def test_flat_sub_bullets_are_the_parents_details() -> None:
    items = extract_items(html_blocks(LLAMA_DAY))
    assert [i.name for i in items] == [
        "LLama 3 8B",
        "WizardLM-2 8x22B",
        "Batch API + Assistants API v2",
        "Reka Core",
        "Gemini Nano",
    ]
    llama, wizard, batch, *_ = items
    assert llama.details == (
        "Trained 15T tokens!",
        "70B gets 82% on MMLU",
        "128K vocab tokenizer",
        "🤖 It is fluent in 5 languages",
        "Dense model not MoE",
    )
    assert batch.details == ("Batch is 50% cost", "new file search tool")
    # A sub-bullet's links are the parent's links.
    assert "https://x.com/wizard/3" in [link.url for link in wizard.links]
    assert not any(is_bad_name(i.name) for i in items)


def test_nested_lists_give_details_and_linkless_parents_become_headers() -> None:
    html = (
        "<p>TL;DR</p><ul>"
        "<li><p>Kokoro - tiny TTS (<a href='https://hf.co/k'>HF</a>)</p>"
        "<ul><li><p>Apache 2 license</p></li><li><p>82M params</p></li></ul></li>"
        "<li><p>Google IO updates</p><ul>"
        "<li><p>Veo 3 - video with sound (<a href='https://g.co/veo'>X</a>)</p></li>"
        "<li><p>Imagen 4 - images (<a href='https://g.co/im'>Blog</a>)</p></li>"
        "</ul></li></ul>"
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Kokoro", "Veo 3", "Imagen 4"]
    assert items[0].details == ("Apache 2 license", "82M params")
    assert items[1].section_original == "Google IO updates"


def test_markdown_indented_sub_bullets_are_details() -> None:
    md = (
        "TL;DR\n\n* Kokoro - tiny TTS ([HF](https://hf.co/k))\n  * Apache 2 license\n"
        "  * [demo](https://hf.co/k/demo)\n* Moondream 2 - sees ([X](https://x.com/m))\n"
        "* Phi-4 - small ([HF](https://hf.co/p))\n"
    )
    kokoro, *_ = extract_items(markdown_blocks(md))
    assert kokoro.details == ("Apache 2 license", "demo")
    assert [link.url for link in kokoro.links] == ["https://hf.co/k", "https://hf.co/k/demo"]


def test_an_unbulleted_line_inside_the_list_does_not_end_it() -> None:
    """2025-05-23: "Google IO updates - ..." cut the list after 3 of ~27 releases."""
    html = _p(
        "TL;DR of all topics covered and show notes",
        "* Gemma 3n - mobile model (<a href='https://hf.co/g'>HF</a>)",
        "* Devstral 24B - coding model (<a href='https://m.ai/d'>Blog</a>)",
        'Google IO updates - it was an "Ultra" event',
        "* Gemini Diffusion - fast editing (<a href='https://x.com/gd'>X</a>)",
        "* Jules - async code agent (<a href='https://x.com/j'>thread</a>)",
        "<strong>Big CO LLMs + APIs</strong>",
        "* Anthropic announces Claude 4 Opus (<a href='https://x.com/c'>X</a>)",
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == [
        "Gemma 3n",
        "Devstral 24B",
        "Gemini Diffusion",
        "Jules",
        "Claude 4 Opus",
    ]
    assert items[2].section_original.startswith("Google IO updates")
    assert items[4].section == "Big CO LLMs + APIs"


def test_a_sentence_about_show_notes_and_a_table_of_contents_are_not_the_list() -> None:
    """2025-09-26: "show notes are posted at the end" then a table of contents won."""
    html = _p(
        "So let's dive in! As a reminder, all the show notes are posted at the end of it.",
        "<strong>Table of Contents</strong>",
        "* Open Source AI",
        "* Qwen3-VL Announcement",
        "* DeepSeek V3.1 Terminus: a bugfix",
        "* Big Companies, Bigger Bets!",
        "* Grok 4 fast - 2M context",
        "Open Source AI",
        "Qwen3-VL: a vision model (<a href='https://x.com/q'>X</a>, <a href='https://hf.co/q'>HF</a>)",
        "Qwen 3 launched earlier as a text-only family; the vision variant just arrived. " * 3,
        "DeepSeek V3.1 Terminus: cleaner output (<a href='https://x.com/d'>X</a>)",
        "The whale resurfaced to push a small update that matters for agents. " * 3,
        "Grok 4 Fast - 2M context, cheap (<a href='https://x.com/g'>X</a>)",
        "xAI keeps shipping and this one is shockingly cheap for what it does. " * 3,
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Qwen3-VL", "DeepSeek V3.1 Terminus", "Grok 4 Fast"]
    assert all(i.links for i in items)


def test_chapters_and_social_links_are_never_items() -> None:
    html = _p(
        "We talk about shells, terminals and why worse is better, at length and with joy.",
        "Table of Contents:",
        "* Prologue (00:00:00)",
        "* Chapter 1: Welcome and Catching Up (00:00:45)",
        "* Chapter 2: Lava Layers (00:12:18)",
        "* 01:02:03 - Epilogue",
        "Socials:",
        "* <a href='https://example.org'>Website</a>",
        "* <a href='https://bsky.app/x'>Bluesky</a>",
        "* <a href='https://linkedin.com/x'>LinkedIn</a>",
        "* <a href='https://youtube.com/x'>YouTube</a>",
        "* <a href='https://x.com/x'>X/Twitter</a>",
    )
    assert extract_items(html_blocks(html)) == []


def test_the_chapter_feed_gives_one_item_per_episode_not_its_chapters(shared: Path) -> None:
    path = shared / "feeds" / "fallthrough_transistor_podcast20_chapters.rss"
    feed = parse_source(path.read_bytes(), str(path))
    items = [i for e in feed.episodes for i in e.items]
    assert len(items) <= 2 * len(feed.episodes)  # was 1,150 for 64 episodes
    social = {"website", "bluesky", "linkedin", "x/twitter", "youtube", "threads"}
    assert not any(i.name.casefold() in social for i in items)
    assert not any(i.headline.startswith(("Chapter ", "Prologue")) for i in items)


LWIAI = """---
layout: redirect
title: "Last Week in AI #999"
excerpt: "a digest"
redirect: https://lastweekin.ai/p/999
---### Top News

#### [Anthropic releases Claude Sonnet 9 for agents](https://example.com/claude)
![](https://example.com/img.jpg)

Anthropic announced Claude Sonnet 9, with long autonomous coding runs and computer use.

### Other News

#### Business

[OpenAI raises $40B at a $300B valuation](https://example.com/oai) - the largest round yet.

[SB 99, the AI transparency bill, is now law in California](https://example.com/sb) - it asks.

#### Research

[SWE-Bench Pro: Can AI Agents Solve Long-Horizon Tasks?](https://example.com/swe) - a benchmark.
"""


def test_news_digest_paragraphs_and_linked_headings_with_front_matter() -> None:
    episode = parse_markdown_document(LWIAI, "lwiai_999_2025-09-29.md")
    assert episode.title == "Last Week in AI #999"
    assert episode.published is not None and episode.published.date().isoformat() == "2025-09-29"
    assert episode.url == "https://lastweekin.ai/p/999"
    names = [(i.name, i.org, i.section_original) for i in episode.items]
    assert names == [
        ("Claude Sonnet 9", "Anthropic", "Top News"),
        ("OpenAI raises $40B at a $300B valuation", "OpenAI", "Business"),
        ("SB 99, the AI transparency bill, is now law", None, "Business"),
        ("SWE-Bench Pro", None, "Research"),
    ]
    claude = episode.items[0]
    assert claude.headline == "Anthropic releases Claude Sonnet 9 for agents"
    assert claude.summary.startswith("Anthropic announced Claude Sonnet 9")
    assert episode.items[3].section == "Research"


def test_bare_urls_become_links() -> None:
    html = _p(
        "TL;DR",
        "* Kokoro - tiny TTS https://huggingface.co/hexgrad/Kokoro-82M",
        "* Moondream 2 - sees (<a href='https://x.com/m'>X</a>)",
        "* Phi-4 - small (<a href='https://hf.co/p'>HF</a>)",
    )
    kokoro = extract_items(html_blocks(html))[0]
    assert kokoro.headline == "Kokoro - tiny TTS"
    assert [link.url for link in kokoro.links] == ["https://huggingface.co/hexgrad/Kokoro-82M"]


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        ("NousResearch DeepHermes-3 Preview (X, HF)", "DeepHermes-3 Preview", "Nous Research"),
        ("Qwen's latest reasoning model QwQ-32B - matches R1", "QwQ-32B", "Qwen"),
        ("Google announces AI Mode & AI Overviews Gemini 2.0", "AI Mode", "Google"),
        ("Chrome adds Gemini", "Gemini", None),
        ("Inside Google’s new “AntiGravity” IDE", "AntiGravity IDE", "Google"),
        ("How the “Agent Manager” changes coding workflows", "Agent Manager", None),
        ("Essential AI - RNJ-1 - 8B open model", "RNJ-1", "Essential AI"),
        ("Kling VIDEO 2.6 - First native audio generation", "Kling VIDEO 2.6", "Kling"),
        ("Nvidia Nemotron 3 Nano - hybrid MoE", "Nemotron 3 Nano", "NVIDIA"),
        ("Microsoft BUILD", "Microsoft BUILD", "Microsoft"),
        ("Reka gives us Reka Core", "Reka Core", "Reka"),
        ("OpenAI fundraises $10B at ~$500B valuation", "OpenAI", "OpenAI"),
        ("Elon sues OpenAI", "Elon sues OpenAI", None),
        ("🔥 Kokoro - #1 TTS", "Kokoro", None),
        (
            "Sapient releases Hierarchical Reasoning Model (HRM), tiny",
            "Hierarchical Reasoning Model",
            None,
        ),
        ("Meta’s 32B Code World Model (CWM) released", "Code World Model", "Meta"),
        ("XAI Grok 4 fast - 2M context", "Grok 4 Fast", "xAI"),
        (
            "Qwen drops a little update: Qwen3-235B-A22B-Instruct-2507",
            "Qwen3-235B-A22B-Instruct-2507",
            "Qwen",
        ),
        ("The White House unveils “America’s AI Action Plan”", "America’s AI Action Plan", None),
        ("I also invited and had the privilege to interview", "I also invited", None),
        # An adverb between maker and verb; a lowercase family name after the verb.
        ("X.ai finally released grok to premium+ subscribers.", "Grok", "xAI"),
        ("Meta quietly ships Llama 3.3 70B", "Llama 3.3 70B", "Meta"),
        ("Apparently Gemini beats Whisper v3!", "Gemini", None),
        # The maker and its verb, then the release after the dash.
        ("01AI open sources - Yi 9B", "Yi 9B", "01.AI"),
        ("2.5 Flash updated - #2 on LMArena - reasoning", "2.5 Flash", None),
        # Sizes in parentheses are not the release; the line's subject is.
        ("Meta LLama 3.1 updated models (405B, 70B, 8B) - Happy LLama Day!", "LLama 3.1", "Meta"),
        # An idea named in lowercase is the news when no product is named.
        (
            "Apple proposes multi-token prediction, speeding up LLMs",
            "multi-token prediction",
            "Apple",
        ),
        ("Researchers discover subliminal learning in LLMs, where", "subliminal learning", None),
        ("ex-Google employee was charged with trading secrets", "ex-Google employee charged", None),
        # A two-word org read as one word and a possessive: the product follows.
        ("Jina AI's Meta-Prompt: Improved LLM Codegen", "Meta-Prompt", "Jina AI"),
        ("PyTorch new TorchTune finetuning library", "TorchTune", None),
        # Only an org and a lowercase phrase: together they name the news, not the org alone.
        ("OpenAI advanced voice mode updates", "OpenAI advanced voice mode", "OpenAI"),
        ("Anthropic new citations feature (Blog)", "Anthropic citations feature", "Anthropic"),
    ],
)
def test_names_are_what_a_reader_would_say(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)
    assert not is_bad_name(name)


def test_story_names() -> None:
    assert story_name("Anthropic releases Claude Sonnet 4.5 in latest bid") == (
        "Claude Sonnet 4.5",
        "Anthropic",
    )
    assert story_name("Workslop Is Destroying Productivity - The New York Times")[0] == (
        "Workslop Is Destroying Productivity"
    )


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Nvidia", "NVIDIA"),
        ("NVIDIA", "NVIDIA"),
        ("W&B", "Weights & Biases"),
        ("WandB", "Weights & Biases"),
        ("weights & biases", "Weights & Biases"),
        ("HuggingFace", "Hugging Face"),
        ("Some Startup", "Some Startup"),
    ],
)
def test_one_alias_table_for_orgs(spelling: str, canonical: str) -> None:
    assert canonical_org(spelling) == canonical
    assert canonical_org(spelling) in spellings(canonical)


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Open Weights LLMs", "Open Source LLMs"),
        ("Others", "Other"),
    ],
)
def test_more_section_headers(header: str, canonical: str) -> None:
    assert canonical_section(header) == canonical


def test_a_header_naming_no_section_leaves_the_section_to_the_line() -> None:
    html = _p(
        "TL;DR",
        "<strong>February</strong>",
        "* Kokoro - open source TTS (<a href='https://hf.co/k'>HF</a>)",
        "* Sora - video model from OpenAI (<a href='https://x.com/s'>X</a>)",
        "* Phi-4 - open weights (<a href='https://hf.co/p'>HF</a>)",
    )
    items = extract_items(html_blocks(html))
    assert [(i.section, i.section_original) for i in items] == [
        ("Voice & Audio", "February"),
        ("Vision & Video", "February"),
        ("Open Source LLMs", "February"),
    ]


# --- hostile input: linear time ---------------------------------------------------


def _timed(html: str) -> float:
    blocks = html_blocks(html)
    start = time.perf_counter()
    extract_items(blocks)
    return time.perf_counter() - start


def test_ten_thousand_bullets_and_markers_stay_linear() -> None:
    # Every other line a TL;DR marker: a quadratic finder rescans the rest for each.
    lines = []
    for n in range(5_000):
        lines.append("TL;DR")
        lines.append(f"* Model {n} - thing (<a href='https://e.com/{n}'>X</a>)")
    assert _timed(_p(*lines)) < 5.0
    plain = _p(*(f"* line {n} without links" for n in range(10_000)))
    assert _timed(plain) < 5.0


def test_one_huge_line_and_deep_nesting_stay_linear() -> None:
    huge = _p("TL;DR", "* " + "Kokoro (X, HF) " * 350_000)  # ~5 MB
    assert _timed(huge) < 5.0
    deep = "<ul>" * 3_000 + "<li>* Kokoro - TTS (<a href='https://e.com'>X</a>)</li>" * 3
    assert _timed(deep + "</ul>" * 3_000) < 5.0


def test_topics_with_chapter_lines_are_the_list() -> None:
    """July 2023: "Topics we covered" then each topic header over its timestamped lines."""
    html = _p(
        "Welcome to the first recap episode, written long enough to be prose and not a list.",
        "Topics we covered in July 13, ThursdAI",
        "<strong>Code Interpreter:</strong>",
        "00:02:37 - 05:55 - General availability of code interpreter announced.",
        "05:56 - 08:36 - Code interpreter use cases, uploading files.",
        "<strong>Claude V2:</strong>",
        "20:11 - 21:25 - Anthropic releases Claude V2.",
        "<strong>Stable Diffusion:</strong>",
        "89:41 - 91:17 - Stable Diffusion releases SDXL 1.0 in discord.",
        "Full Transcript:",
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Code Interpreter", "Claude V2", "Stable Diffusion"]
    assert items[1].details == ("Anthropic releases Claude V2.",)


def test_a_recap_line_marks_a_list_whose_releases_have_no_links() -> None:
    """Dec 2023: the list follows "Here's a recap ...:" and carries almost no links."""
    html = _p(
        "ThursdAI December 7th TL;DR",
        "Long introduction about the week, written as prose, that is not any kind of list at all.",
        "Here's a recap and a few more things that happened this week in AI:",
        "<strong>Open Source LLMs</strong>",
        "* Apple released MLX - machine learning framework on apple silicon",
        "* Mamba - transformers alternative architecture from Tri Dao",
        "<strong>Big CO LLMs + APIs</strong>",
        "* Google Gemini beats GPT-4V on a BUNCH of metrics",
        "* Demo was embellished per the google developer blog",
        "* Dense model vs MOE",
        "* AlphaCode 2 is here",
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["MLX", "Mamba", "Gemini", "AlphaCode 2"]
    assert items[2].details == (
        "Demo was embellished per the google developer blog",
        "Dense model vs MOE",
    )


def test_digest_feeds_skip_sponsors_and_split_story_titles() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>The Batch: GPT-5.5 Outperforms, Kimi K2.6 Leads Open LLMs, AI Strains"
        b" Climate Pledges</title><link>https://example.com/issue-1/</link>"
        b"<description>Dear friends, a letter.</description></item>"
        b"<item><title>TLDR</title><link>https://example.com/tldr</link><description><![CDATA["
        b"<h4><a href='https://a.example/1'>Claude gets memory (3 minute read)</a></h4><p>More.</p>"
        b"<h4><a href='https://a.example/2'>Cheap GPUs now (Sponsor)</a></h4><p>Buy.</p>"
        b"<h4><a href='https://a.example/3'>Gemini 3 Flash ships (2 minute read)</a></h4><p>It"
        b" is fast.</p><h4><a href='https://a.example/4'>Qwen 3.8 Max (GitHub Repo)</a></h4>"
        b"<p>Open weights.</p>]]></description></item></channel></rss>"
    )
    episodes = {e.title: e for e in parse_source(feed, "digests.rss").episodes}
    batch, tldr = episodes[next(t for t in episodes if "Batch" in t)], episodes["TLDR"]
    assert [i.headline for i in batch.items] == [
        "GPT-5.5 Outperforms",
        "Kimi K2.6 Leads Open LLMs",
        "AI Strains Climate Pledges",
    ]
    assert [i.headline for i in tldr.items] == [
        "Claude gets memory",
        "Gemini 3 Flash ships",
        "Qwen 3.8 Max",
    ]


def test_link_labels_alone_are_never_items() -> None:
    html = _p(
        "TL;DR",
        "* Kokoro - tiny TTS (<a href='https://hf.co/k'>HF</a>)",
        "* Paper 2 (<a href='https://arxiv.org/abs/1'>Arxiv</a>)",
        "* Moondream 2 - sees (<a href='https://x.com/m'>X</a>)",
        "* <a href='https://example.com/more'>Read more</a>",
        "* Phi-4 - small (<a href='https://hf.co/p'>HF</a>)",
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Kokoro", "Moondream 2", "Phi-4"]
    assert "https://arxiv.org/abs/1" in [link.url for link in items[0].links]


_PROSE = "It was a week of releases, and we talked through all of them on the show live. " * 2
PROSE_RECAP = (
    "<p>Hey everyone, welcome to another recap of a busy week in AI for all of you.</p>"
    "<p>Open Source LLMs</p>"
    '<p>WizardLM-70B V1.0 tops OSS charts (<a href="https://x.com/w/1">source</a>)</p>'
    f"<p>{_PROSE}</p>"
    '<p>Alibaba releases <a href="https://x.com/q/2">Qwen7b</a></p>'
    "<p>* Trained with high-quality pretraining data</p>"
    "<p>* Support of 8K context length</p>"
    "<p>OpenOrca 2 preview</p>"
    f"<p>{_PROSE}</p>"
    "<p>Deepfakes are upon us!</p>"
    f"<p>{_PROSE}</p>"
    "<p>PyTorch new TorchTune finetuning library</p>"
    f"<p>{_PROSE}</p>"
)


def test_a_prose_recap_with_release_titles_gives_one_item_per_title() -> None:
    items = extract_items(html_blocks(PROSE_RECAP))
    assert [i.name for i in items] == [
        "WizardLM-70B V1.0",
        "Qwen7b",
        "OpenOrca 2 Preview",
        "TorchTune",
    ]
    qwen = items[1]
    assert qwen.org == "Alibaba"
    assert [link.url for link in qwen.links] == ["https://x.com/q/2"]
    assert "Support of 8K context length" in qwen.details
    assert items[0].section == "Open Source LLMs"


def test_a_prose_essay_without_release_titles_has_no_list() -> None:
    html = "".join(f"<p>Why it matters</p><p>{_PROSE}</p>" for _ in range(6))
    assert extract_items(html_blocks(html)) == []


def test_a_line_saying_nothing_happened_is_no_item() -> None:
    html = (
        "<p>TL;DR</p><p>Open Source LLMs</p>"
        '<p>* Phi 1.5 - tiny model (<a href="https://x.com/p/1">X</a>)</p>'
        '<p>* Baichuan 7B - bilingual (<a href="https://x.com/b/2">X</a>)</p>'
        "<p>Big Co LLMs + API updates</p><p>* Nothing major this week</p>"
        '<p>Voice</p><p>* Stable Audio - music model (<a href="https://x.com/s/3">X</a>)</p>'
    )
    assert [i.name for i in extract_items(html_blocks(html))] == [
        "Phi 1.5",
        "Baichuan 7B",
        "Stable Audio",
    ]


def test_community_digest_parts_are_not_release_lists() -> None:
    """AINews: "# AI Reddit Recap" and "# AI Discord Recap" digest chats about releases."""
    md = "\n\n".join(
        [
            "# AI Twitter Recap",
            "* **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/1))",
            "* **LiteParse**: open-source document parser ([tweet](https://x.com/l/2))",
            "* **Extract v2**: simpler tiers ([tweet](https://x.com/e/3))",
            "# AI Reddit Recap",
            "## /r/LocalLlama Recap",
            "* **Gemma 4 has been released** ([post](https://reddit.com/r/x/1))",
            "* **Qwen 3.6 plus compared** ([post](https://reddit.com/r/x/2))",
            "# AI Discord Recap",
            "## LM Studio Discord",
            "* **Users praise** the new build ([msg](https://discord.com/x/3))",
        ]
    )
    names = [i.name for i in extract_items(markdown_blocks(md))]
    assert names == ["Axolotl v0.16", "LiteParse", "Extract v2"]


def test_a_topic_label_before_a_colon_gives_way_to_the_product_after_it() -> None:
    assert split_name("New evals: EDIT-Bench for in-the-wild code edits")[0] == "EDIT-Bench"
    assert split_name("Gemini 2.5 update: Pro & Flash gain Deep Think")[0] == "Gemini 2.5"


def test_release_headings_without_links_continue_a_linked_run() -> None:
    """Sep 2025: the body's linked release headings, then some without links."""
    long = "A paragraph about this release, what it does and how it compares, in detail. " * 2
    parts = []
    for n, name in enumerate(["Qwen3-VL", "Qwen3-Omni-30B-A3B", "DeepSeek V3.1 Terminus"]):
        parts += [
            f'<p>{name}: a new model (<a href="https://x.com/{n}">X</a>)</p>',
            f"<p>{long}</p>",
        ]
    parts += [
        "<p>Vision &amp; Video: Wan 2.2 Animate, Kling 2.5</p>",
        f"<p>{long}</p>",
        "<p>Kling 2.5 Turbo: cinematic motion, cheaper and with audio</p>",
        f'<p>{long} <a href="https://x.com/kling">post</a></p>',
        "<p>Suno V5: we have entered a new era</p>",
        f"<p>{long}</p>",
    ]
    items = extract_items(html_blocks("".join(parts)))
    assert [i.name for i in items][-2:] == ["Kling 2.5 Turbo", "Suno V5"]
    assert [link.url for link in items[-2].links] == ["https://x.com/kling"]
    assert len(items) == 5  # the section line is a header, the paragraphs are no items


def test_markdown_image_with_parentheses_in_its_url_is_no_item() -> None:
    """A CDN thumbnail URL holding "(...)" is one image, not the tail of a URL left as text."""
    image = "![](https://cdn.example.org/t/0x0:10x10/filters:focal(1x2:3x4)/cdn.example.org/a.jpg)"
    assert markdown_blocks(image + "\n") == []
    text = (
        "#### Business\n\n"
        "[Acme launches Widget 2](https://example.org/widget) - Acme shipped Widget 2 today.\n\n"
        f"{image}\n\n"
        "[Beta raises $5M](https://example.org/beta) - Beta raised money.\n\n"
        "[Gamma opens Gamma-3](https://example.org/gamma) - Gamma released a model.\n"
    )
    names = [item.name for item in parse_markdown_document(text, "d_2024-01-01.md").items]
    assert not any("cdn.example.org" in name for name in names), names


def test_related_links_under_a_story_are_its_links_not_stories() -> None:
    """Last Week in AI #335/#341: "#### [Story](url)" + "Related:" + " * [Other](url)"."""
    text = (
        "### Top News\n\n"
        "#### [Acme releases Widget 9](https://example.org/w9)\n\n"
        "Related:\n"
        " * [Acme's Widget 9 is here](https://news.example.org/a)\n"
        " * [Why Widget 9 matters](https://news.example.org/b)\n\n"
        "Acme shipped Widget 9, its fastest widget yet, to every customer this week.\n\n"
        "#### [Beta launches Gadget 2](https://example.org/g2)\n\n"
        "More on this:\n"
        " * [Gadget 2 hands-on](https://news.example.org/c)\n\n"
        "Beta's Gadget 2 is a new gadget for teams, available from today.\n\n"
        "### Business\n\n"
        "[Gamma raises $5M](https://example.org/gamma) - Gamma raised money.\n\n"
        "[Delta opens Delta-3](https://example.org/delta) - Delta released a model.\n"
    )
    items = parse_markdown_document(text, "d_2026-02-16.md").items
    assert [i.headline for i in items] == [
        "Acme releases Widget 9",
        "Beta launches Gadget 2",
        "Gamma raises $5M",
        "Delta opens Delta-3",
    ]
    assert [link.url for link in items[0].links] == [
        "https://example.org/w9",
        "https://news.example.org/a",
        "https://news.example.org/b",
    ]


def test_a_podcast_reading_list_under_show_notes_is_no_release_list() -> None:
    """Fallthrough: "Show Notes:" over links that are titles and nothing else, then the
    chapters, the hosts ("Kris Brandow - Host") and the socials ("X/Twitter")."""
    html = (
        "<p>From AI winters to TinyGo, our guest joins the panel to talk about a long career.</p>"
        "<p>Show Notes:</p><ul>"
        "<li><a href='https://tinygo.org'>TinyGo</a></li>"
        "<li><a href='https://example.org/amara'>Amara's Law and Its Place in Tech</a></li>"
        "<li><a href='https://example.org/cory'>Cory Doctorow</a></li>"
        "<li><a href='https://example.org/talk'>GopherCon 2024: Go Back to the Future</a></li>"
        "<li>AWS Outage Summary: <a href='https://aws.example/1'>https://aws.example/1</a></li>"
        "</ul><p>Table of Contents:</p><ul>"
        "<li>Prologue (00:00:00)</li><li>Chapter 1: Who Is Ron? (00:03:00)</li></ul>"
        "<p><strong>Hosts</strong></p><ul>"
        "<li><a href='https://example.org/p/kris'>Kris Brandow</a> - Host</li>"
        "<li><a href='https://example.org/p/matt'>Matthew Sanabria</a> - Host</li>"
        "<li><a href='https://example.org/p/ang'>Angelica Hill</a> - Producer</li>"
        "</ul>Socials:<ul>"
        "<li><a href='https://example.org'>Website</a></li>"
        "<li><a href='https://x.com/f'>X/Twitter</a></li></ul>"
    )
    assert extract_items(html_blocks(html)) == []


@pytest.mark.parametrize(
    ("line", "person"),
    [
        ("Kris Brandow - Host", True),
        ("Angelica Hill - Producer", True),
        ("Steve Klabnik – Co-host", True),
        ("Ollama - local host for models", False),
        ("GPT-5 - a new model", False),
    ],
)
def test_a_podcasts_people_list_is_people(line: str, person: bool) -> None:
    assert is_person_line(line) is person


def test_a_release_named_twice_in_an_episode_is_one_item() -> None:
    """AINews repeats its lead story in the intro and the recap: one item, both links."""
    md = "\n".join(
        [
            "**Top story**",
            "",
            "- **Release and measured gains**: OpenAI launched GPT-9-Codex for long runs"
            " ([post](https://x.com/o/1))",
            "",
            "# AI Twitter Recap",
            "",
            "- **Release and measured gains**: OpenAI launched GPT-9-Codex for long runs"
            " ([post](https://x.com/o/1), [evals](https://x.com/o/2))",
            "- **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/3))",
            "- **LiteParse**: open-source document parser ([tweet](https://x.com/l/4))",
        ]
    )
    items = extract_items(markdown_blocks(md))
    assert [i.name for i in items] == ["GPT-9-Codex", "Axolotl v0.16", "LiteParse"]
    assert [link.url for link in items[0].links] == ["https://x.com/o/1", "https://x.com/o/2"]


def test_bold_topic_labels_name_the_release_after_them_or_none() -> None:
    """AINews bullets: "**Topic label**: body".  A quoted product after a topic or org
    label is the name; a take under a topic label naming nothing is no item."""
    assert split_name("Anthropic: “Emotion vectors” inside Claude: Anthropic reports") == (
        "Emotion vectors",
        "Anthropic",
    )
    assert split_name("Perplexity: agentic “Computer for Taxes”: a workflow")[0] == (
        "Computer for Taxes"
    )
    assert split_name("Agentic data/backends: Timescale’s “Agentic Postgres” adds")[0] == (
        "Agentic Postgres"
    )
    assert split_name("Kling 2.5: the “best” video model")[0] == "Kling 2.5"
    md = "\n".join(
        [
            "**Infra**",
            "",
            "- **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/1))",
            "- **Real-world workflows**: Anecdotes show mixed but improving division of labor"
            " ([tweet](https://x.com/r/2))",
            "- **Size and infra speculation**: A widely shared “vibe math” thread bounds"
            " parameters ([tweet](https://x.com/s/3))",
            "- **LiteParse**: open-source document parser ([tweet](https://x.com/l/4))",
            "- **Extract v2**: simpler tiers ([tweet](https://x.com/e/5))",
        ]
    )
    names = [i.name for i in extract_items(markdown_blocks(md))]
    assert names == ["Axolotl v0.16", "LiteParse", "Extract v2"]


def test_a_bold_led_parent_with_a_sentence_keeps_its_sub_bullets_as_details() -> None:
    """ "**Day-0 support became the story**: Gemma 9 landed across local stacks:" over
    "llama.cpp", "Ollama" bullets is one item; "**Hermes Agent growth**:" heads releases."""
    md = "\n".join(
        [
            "**Gemma 9 release**",
            "",
            "- **Gemma 9 is out**: Google launched Gemma 9 ([post](https://x.com/g/1))",
            "- **Day-0 ecosystem support became part of the story**: Gemma 9 landed"
            " immediately across common local and serving stacks:",
            "  - **llama.cpp** day-0 support: [@gg](https://x.com/gg/2)",
            "  - **Ollama** (requires 0.20+): [@ollama](https://x.com/ol/3)",
            "- **Hermes Agent growth + pluggable memory**:",
            "  - Hermes Agent 2 hit a usage milestone: [@t](https://x.com/t/4)",
            "  - A local semantic index plugin (“Enzyme”) with 8ms queries:"
            " [@j](https://x.com/j/5)",
            "- **Axolotl v0.16**: faster MoE + LoRA ([tweet](https://x.com/a/6))",
            "- **LiteParse**: open-source document parser ([tweet](https://x.com/l/7))",
        ]
    )
    items = extract_items(markdown_blocks(md))
    names = [i.name for i in items]
    assert names == ["Gemma 9", "Hermes Agent 2", "Enzyme", "Axolotl v0.16", "LiteParse"]
    assert "https://x.com/ol/3" in [link.url for link in items[0].links]
