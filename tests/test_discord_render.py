"""Rendering replies and digests as Discord embeds: limits, escaping, hostile feed text."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.discord.escape import ZWSP, clean, masked_link, safe_url, truncate
from adapters.discord.render import (
    NO_MENTIONS,
    embed_size,
    render_digest,
    render_reply,
    render_text,
)
from adapters.discord.send import to_send_kwargs
from bot.models import (
    Chapter,
    Digest,
    DigestItem,
    DigestReply,
    DigestSection,
    Episode,
    EpisodeRef,
    EpisodesReply,
    Facts,
    Item,
    Link,
    Mention,
    ReleaseReply,
    SearchHit,
    SearchReply,
    TextReply,
)
from tests.standins.discord_api import message_violations

EP = EpisodeRef(
    id="ep1",
    title="ThursdAI - Jan 9th - Phi-4 is back, Kokoro TTS",
    published=datetime(2025, 1, 10, 2, 10, tzinfo=UTC),
    url="https://sub.thursdai.news/p/thursdai-jan-9th",
)

HOSTILE = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&987654321098765432>",
    "<#111111111111111111>",
    "</digest post:1234>",
    "[click me](https://evil.example/steal)",
    "# Header",
    "-# subtext",
    "> quote",
    "```py\ncode```",
    "`code`",
    "**bold**",
    "__under__",
    "||spoiler||",
    "~~strike~~",
    "\u202eevil\u202c",
    "\x00\x07",
    "javascript:alert(1)",
    "https://ok.example/a_b",
    ")",
    "](",
    "\\",
    "\n",
    "x" * 300,
    "ünïcödé 😀",
]


def hostile_text(rng: random.Random, parts: int = 12) -> str:
    """A string glued together from dangerous pieces."""
    return " ".join(rng.choice(HOSTILE) for _ in range(parts))


def all_strings(payloads: list[dict[str, Any]]) -> str:
    return json.dumps(payloads, ensure_ascii=False)


def assert_valid(payloads: list[dict[str, Any]]) -> None:
    assert payloads, "nothing rendered"
    for payload in payloads:
        assert payload["allowed_mentions"] == NO_MENTIONS
        assert message_violations(payload) == []
    json.dumps(payloads)  # exactly what `digestbot tldr --format discord` prints


def digest_of(sections: int, items: int, *, text: str = "", links: int = 3) -> Digest:
    def item(s: int, i: int) -> DigestItem:
        return DigestItem(
            name=f"Model {s}.{i} {text[:80]}",
            org="Org" + text[:20],
            headline=f"Headline {i} " + text * 3,
            links=tuple(
                Link(label=f"L{k} {text[:30]}", url=f"https://example.com/{s}/{i}/{k}?q=(x)")
                for k in range(links)
            ),
            sources=(EP,),
        )

    return Digest(
        title="TL;DR " + text,
        episodes=(EP,),
        sections=tuple(
            DigestSection(
                name=f"Section {s} {text[:40]}", items=tuple(item(s, i) for i in range(items))
            )
            for s in range(sections)
        ),
    )


# --- escaping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("@everyone look", "@everyone"),
        ("@here look", "@here"),
        ("@everyone123 glued to digits", "@everyone"),
        ("@here_and_now", "@here"),
        ("ping <@123456789>", "<@123456789>"),
        ("ping <@!123456789>", "<@!123"),
        ("role <@&123456789>", "<@&123"),
        ("chan <#123456789>", "<#123"),
    ],
)
def test_mentions_are_neutralised(raw: str, forbidden: str) -> None:
    out = clean(raw)
    assert forbidden not in out
    assert ZWSP in out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("`code`", r"\`code\`"),
        ("[x](https://evil.example)", r"\[x\]\(https://evil.example\)"),
        ("# Header", r"\# Header"),
        ("-# small", r"\-# small"),
        ("> quote", r"\> quote"),
        ("1. item", r"1\. item"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
        ("back\\slash", r"back\\slash"),
    ],
)
def test_markdown_is_escaped(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_bare_urls_stay_clickable() -> None:
    assert clean("see https://hf.co/a_b_c.") == "see https://hf.co/a_b_c."


def test_control_and_bidi_characters_are_dropped() -> None:
    assert clean("a\u202eb\x00c\u2066d") == "abcd"


def test_single_line_collapses_newlines() -> None:
    assert clean("one\n# two", single_line=True) == "one # two"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://x.example/",
        "/relative",
        "https://",
        "http://a b",
        "https://bank.example@evil.example/login",
    ],
)
def test_unsafe_urls_are_refused(url: str) -> None:
    assert safe_url(url) is None
    assert "(" not in masked_link("label", url)


def test_masked_link_encodes_parentheses_and_escapes_label() -> None:
    link = masked_link("HF **x** [y]", "https://hf.co/a(b)c")
    assert link == r"[HF \*\*x\*\* y](https://hf.co/a%28b%29c)"


def test_urls_cannot_carry_mass_mentions() -> None:
    assert safe_url("https://x.example/@everyone/@here") == "https://x.example/%40everyone/%40here"
    assert safe_url("https://medium.com/@sam") == "https://medium.com/@sam"


def test_masked_link_label_that_looks_like_a_url_shows_the_real_host() -> None:
    assert masked_link("https://bank.example", "https://evil.example/x") == (
        "[evil.example](https://evil.example/x)"
    )


def test_truncate_never_leaves_half_a_link_or_a_dangling_backslash() -> None:
    text = "word " * 10 + "[label](https://example.com/long/path)"
    cut = truncate(text, 60)
    assert len(cut) <= 60
    assert "](" not in cut
    assert not truncate("abc\\" + "\\*" * 40, 10).rstrip("…").endswith("\\")


# --- digests -----------------------------------------------------------------


def test_small_digest_is_one_message_with_masked_links() -> None:
    payloads = render_digest(digest_of(2, 3))
    assert_valid(payloads)
    assert len(payloads) == 1
    embeds = payloads[0]["embeds"]
    assert isinstance(embeds, list)
    assert embeds[0]["title"].startswith("TL;DR")
    assert embeds[0]["url"] == EP.url
    assert [e["title"] for e in embeds[1:]] == ["Section 0", "Section 1"]
    assert "[L0](https://example.com/0/0/0?q=%28x%29)" in embeds[1]["description"]
    assert "6 releases" in embeds[0]["footer"]["text"]


@pytest.mark.parametrize(("sections", "items"), [(1, 400), (40, 12), (12, 60)])
def test_long_digests_split_into_valid_messages(sections: int, items: int) -> None:
    payloads = render_digest(digest_of(sections, items, text="lorem ipsum " * 4))
    assert_valid(payloads)
    assert len(payloads) > 1
    text = all_strings(payloads)
    # every release survives the split, in order
    positions = [text.index(f"Model {s}.{i} ") for s in range(sections) for i in range(items)]
    assert positions == sorted(positions)


def test_huge_single_item_stays_inside_limits() -> None:
    giant = DigestItem(
        name="N" * 5000,
        org="O" * 3000,
        headline="H" * 20000,
        links=tuple(
            Link(label="L" * 500, url="https://example.com/" + "p" * 400) for _ in range(50)
        ),
    )
    digest = Digest(
        title="T" * 1000,
        episodes=(EP,) * 40,
        sections=(DigestSection(name="S" * 1000, items=(giant,) * 30),),
    )
    assert_valid(render_digest(digest))


def test_empty_digest_still_renders() -> None:
    payloads = render_digest(Digest(title="Nothing new", episodes=(EP,), sections=()))
    assert_valid(payloads)
    assert "No releases" in all_strings(payloads)


def test_merged_digest_names_its_sources() -> None:
    other = EP.model_copy(
        update={"id": "ep2", "title": "Other show", "url": "https://other.example/p/1"}
    )
    item = DigestItem(name="Kokoro", headline="TTS", sources=(EP, other))
    digest = Digest(
        title="Week", episodes=(EP, other), sections=(DigestSection(name="Voice", items=(item,)),)
    )
    text = all_strings(render_digest(digest))
    assert "via [" in text and "(https://other.example/p/1)" in text


@pytest.mark.parametrize("seed", range(25))
def test_hostile_feed_text_never_escapes(seed: int) -> None:
    rng = random.Random(seed)
    digest = digest_of(3, 8, text=hostile_text(rng))
    payloads = render_digest(digest)
    assert_valid(payloads)  # includes: no raw @everyone/@here/<@id>/<@&id>/<#id>
    text = all_strings(payloads)
    assert "](javascript" not in text  # feed text is never a live link target
    assert "](https://evil.example" not in text
    assert "\u202e" not in text and "\\u0000" not in text


# --- replies -----------------------------------------------------------------


def make_item(**changes: object) -> Item:
    base = Item(
        id="it1",
        episode=EP,
        position=3,
        name="Kokoro",
        org="hexgrad",
        section="Voice & Audio",
        section_original="Voice & Audio",
        headline="Kokoro - #1 TTS with Apache 2 license",
        summary="82M parameter text to speech.",
        facts=Facts(parameters=("82M",), license="Apache 2.0"),
        links=(Link(label="HF", url="https://huggingface.co/hexgrad/Kokoro-82M"),),
        chapter=Chapter(title="Kokoro TTS", start_seconds=4374),
    )
    return base.model_copy(update=changes)


def test_release_reply_embed() -> None:
    mention = Mention(name="Kokoro.js", headline="Kokoro in the browser", episode=EP)
    payloads = render_reply(ReleaseReply(item=make_item(), mentions=(mention,)))
    assert_valid(payloads)
    embed = payloads[0]["embeds"][0]
    assert embed["title"] == "Kokoro · hexgrad"
    assert embed["url"] == "https://huggingface.co/hexgrad/Kokoro-82M"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "82M" in fields["Facts"] and "Apache 2.0" in fields["Facts"]
    assert fields["Links"] == "[HF](https://huggingface.co/hexgrad/Kokoro-82M)"
    assert "1:12:54" in fields["Episode"]
    assert "Kokoro in the browser" in fields["Also came up in"]
    assert "\\#1" not in embed["description"] or embed["description"].startswith("Kokoro")


def test_release_reply_with_hostile_everything_is_valid() -> None:
    rng = random.Random(7)
    hostile = hostile_text(rng, 400)
    item = make_item(
        name=hostile[:300],
        org=hostile[:50],
        headline=hostile,
        summary=hostile,
        links=tuple(Link(label=hostile[:40], url="https://x.example/" + str(i)) for i in range(60)),
    )
    mentions = tuple(Mention(name="m", headline=hostile, episode=EP) for _ in range(25))
    assert_valid(render_reply(ReleaseReply(item=item, mentions=mentions)))


def test_search_reply() -> None:
    hits = tuple(
        SearchHit(item=make_item(name=f"Model {i}"), score=1.0 / (i + 1)) for i in range(10)
    )
    payloads = render_reply(SearchReply(query="tts **x**", hits=hits))
    assert_valid(payloads)
    embed = payloads[0]["embeds"][0]
    assert embed["title"] == r"Search: tts \*\*x\*\*"
    assert embed["description"].index("Model 0") < embed["description"].index("Model 9")


def test_search_without_hits() -> None:
    payloads = render_reply(SearchReply(query="zzz", hits=()))
    assert_valid(payloads)
    assert "No releases match" in all_strings(payloads)


def test_episodes_reply() -> None:
    episodes = tuple(
        Episode(
            id=f"e{i}", feed="f", title=f"Episode {i}", url=f"https://e.example/{i}", item_count=i
        )
        for i in range(200)
    )
    assert_valid(render_reply(EpisodesReply(episodes=episodes)))


def test_text_reply_with_suggestions() -> None:
    payload = render_text("No release matches 'kokro'.", suggestions=("Kokoro", "@everyone"))
    assert message_violations(payload) == []
    assert payload["content"].endswith("Did you mean: **Kokoro**, **@\u200beveryone**?")


def test_text_reply_does_not_repeat_the_core_hint() -> None:
    reply = TextReply(
        text="No release matches 'x'. Did you mean: Kokoro?", error=True, suggestions=("Kokoro",)
    )
    content = render_reply(reply)[0]["content"]
    assert isinstance(content, str)
    assert content.count("Did you mean") == 1


def test_digest_reply_and_send_kwargs() -> None:
    payloads = render_reply(DigestReply(digest=digest_of(1, 2)))
    kwargs = to_send_kwargs(payloads[0])
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert kwargs["embeds"][0].to_dict()["title"].startswith("TL;DR")
    assert sum(embed_size(e.to_dict()) for e in kwargs["embeds"]) <= 6000
