"""Which mention a release answer opens on, and its timeline (pure rules)."""

from __future__ import annotations

from bot.models import EpisodeRef
from bot.releases import best_mention, opens_with_name, real_headline, timeline
from bot.store.sqlite import MentionRow

EP = EpisodeRef(id="e", title="Ep")
HF = "https://huggingface.co/x/y"
BLOG = "https://blog.example.org/post"


def row(
    item_id: str,
    entity: str,
    name: str,
    headline: str,
    published: str,
    links: tuple[str, ...] = (BLOG,),
    org: str | None = None,
) -> MentionRow:
    return MentionRow(item_id, entity, name, org, headline, links, published, EP)


def test_real_headlines() -> None:
    assert real_headline("Kokoro", None, "Kokoro - #1 TTS with Apache 2 license")
    assert not real_headline("Qwen", None, "Qwen artifacts")
    assert not real_headline("Claude", None, "Claude launches code interpreter mode for")
    assert not real_headline("Qwen3-VL", None, "Qwen3-VL Announcement (Qwen3-VL-235B):")
    assert not real_headline("Gemini (Chrome)", None, "Gemini (Chrome) adds an assistant to tabs")


def test_opens_with_name() -> None:
    assert opens_with_name(
        row("a", "q", "Qwen 2.5 Max", "Alibaba - Qwen 2.5 Max - MoE", "", org="Alibaba")
    )
    assert not opens_with_name(
        row(
            "a",
            "d",
            "DeepSeek 70B",
            "DeepCogito - models beating DeepSeek 70B",
            "",
            org="DeepCogito",
        )
    )


def test_a_family_opens_on_its_newest_good_versioned_release() -> None:
    rows = [  # newest first, as the store gives them
        row("1", "qwen", "Qwen", "Qwen is on fire - 3 new models", "2025-08-01", links=()),
        row("2", "qwen3vl", "Qwen3-VL", "Qwen3-VL: compact multimodal models", "2025-07-24", (HF,)),
        row("3", "qwq", "QwQ", "QwQ 32B - open reasoning model", "2024-11-28", (HF,)),
    ]
    best = best_mention(rows, query_key="qwen", family=True, versioned={"qwen3vl"})
    assert best is not None and best.item_id == "2"


def test_the_bare_name_opens_when_its_line_links_the_release_and_is_recent() -> None:
    rows = [
        row("v1", "kokorov10", "Kokoro v1.0", "Kokoro v1.0 - 26 voices, 82M", "2025-01-17", (HF,)),
        row("k", "kokoro", "Kokoro", "Kokoro - #1 TTS with Apache 2 license", "2025-01-10", (HF,)),
    ]
    best = best_mention(rows, query_key="kokoro", family=True, versioned={"kokorov10"})
    assert best is not None and best.item_id == "k"
    # A year older than the family's newest release: the newer release opens instead.
    old = [rows[0], row("k", "kokoro", "Kokoro", "Kokoro - #1 TTS, Apache 2", "2023-01-10", (HF,))]
    best = best_mention(old, query_key="kokoro", family=True, versioned={"kokorov10"})
    assert best is not None and best.item_id == "v1"


def test_a_bare_line_without_the_release_link_does_not_open() -> None:
    rows = [
        row("c", "gemini", "Gemini", "Gemini in Chrome: an assistant across tabs", "2025-09-19"),
        row(
            "g",
            "gemini3pro",
            "Gemini 3 Pro",
            "Gemini 3 Pro - 1M-token multimodal model",
            "2025-09-01",
        ),
    ]
    best = best_mention(rows, query_key="gemini", family=True, versioned={"gemini3pro"})
    assert best is not None and best.item_id == "g"


def test_timeline_groups_by_release_newest_first() -> None:
    rows = [
        row("1", "a", "A2", "h", "2025-05-01"),
        row("2", "b", "B1", "h", "2025-04-01"),
        row("3", "a", "A1", "h", "2025-03-01"),
        row("4", "c", "C", "h", "2025-02-01"),
        row("5", "b", "B0", "h", "2025-01-01"),
    ]
    assert [r.item_id for r in timeline(rows, skip="4")] == ["1", "3", "2", "5"]
    assert best_mention([], query_key="x", family=False, versioned=set()) is None
