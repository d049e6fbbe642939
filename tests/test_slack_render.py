"""Block Kit rendering: escaping hostile feed text, safe links, and Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.slack.render import (
    MAX_BLOCKS,
    MAX_MESSAGE_CHARS,
    SHARE_ACTION_ID,
    Share,
    block_chars,
    clip,
    escape,
    link,
    render_digest,
    render_reply,
    safe_url,
)
from bot.models import (
    Digest,
    DigestItem,
    DigestReply,
    DigestSection,
    EpisodeRef,
    Facts,
    Item,
    Link,
    Mention,
    ReleaseReply,
    SearchHit,
    SearchReply,
    TextReply,
)
from tests.standins.slack_api import check_message, find_pings

HOSTILE = (
    "<!channel> <!here|here> <!everyone> <@U123> <#C123|general> <!subteam^S1> @here & @channel"
)

EPISODE = EpisodeRef(
    id="ep1",
    title="ThursdAI - Jan 9 <!channel>",
    published=datetime(2025, 1, 9, tzinfo=UTC),
    url="https://sub.thursdai.news/p/thursdai-jan-9?utm=x&b=2",
)


def _item(name: str = "Kokoro", **kw: object) -> Item:
    fields: dict[str, object] = {
        "id": "it1",
        "episode": EPISODE,
        "position": 1,
        "name": name,
        "org": "hexgrad",
        "section": "Voice & Audio",
        "section_original": "Voice & Audio",
        "headline": "82M parameter TTS, Apache 2.0",
        "summary": "Kokoro is a small open TTS model.",
        "facts": Facts(parameters=("82M",), license="Apache 2.0", timestamp="00:41:10"),
        "links": (Link(label="HF", url="https://huggingface.co/hexgrad/Kokoro-82M"),),
    }
    fields.update(kw)
    return Item.model_validate(fields)


def _digest(items: int, *, headline: str = "a new model", sections: int = 1) -> Digest:
    per = [
        DigestSection(
            name=f"Section {s}",
            items=tuple(
                DigestItem(
                    name=f"Release {s}-{i}",
                    org="Org",
                    headline=headline,
                    links=(Link(label="HF", url=f"https://huggingface.co/org/r{s}-{i}"),),
                    sources=(EPISODE,),
                )
                for i in range(items)
            ),
        )
        for s in range(sections)
    ]
    return Digest(title="ThursdAI TL;DR", episodes=(EPISODE,), sections=tuple(per))


def _all_text(messages: list[dict[str, object]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


# --- escaping -----------------------------------------------------------------------


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


@pytest.mark.parametrize(
    "hostile",
    ["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<!subteam^S1|@team>"],
)
def test_escaped_mentions_ping_nobody(hostile: str) -> None:
    message = {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": escape(hostile)}}],
    }
    assert find_pings(message) == []
    assert check_message(message) == []


def test_bare_broadcast_words_are_defused() -> None:
    text = escape("ping @here and @channel and @Everyone, mail a@here.com")
    assert find_pings({"text": text}) == []
    assert "@\u2060here" in text


def test_clip_never_splits_an_entity_or_a_link() -> None:
    assert clip(escape("a&b"), 3) == "a…"
    assert clip("see <https://x.io|x>", 10) == "see…"
    assert clip("short", 10) == "short"


# --- links ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "slack://channel?id=C1",
        "ftp://x.org/f",
        "/relative",
        "",
        "https://",
        None,
    ],
)
def test_only_http_links_are_kept(url: str | None) -> None:
    assert safe_url(url) is None
    assert link(url, "label") == "label"


def test_urls_cannot_break_out_of_the_link() -> None:
    out = link("https://evil.example/a|<!channel>>b c?x=1&y=2", "HF|<!here>")
    assert out.startswith("<https://evil.example/a%7C%3C!channel%3E%3Eb%20c?x=1&amp;y=2|")
    assert out.count("<") == 1 and out.count(">") == 1 and out.endswith(">")
    assert find_pings({"text": out}) == []
    assert (
        check_message(
            {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": out}}]}
        )
        == []
    )


def test_overlong_urls_are_dropped_not_cut() -> None:
    assert link("https://x.io/" + "a" * 5000, "label") == "label"


# --- digests ---------------------------------------------------------------------------


def test_digest_has_header_sections_links_and_episode_context() -> None:
    digest = _digest(3, sections=2)
    [message] = render_digest(digest)
    blocks = message["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "ThursdAI TL;DR"}}
    context = blocks[1]["elements"][0]["text"]
    assert context.startswith("<https://sub.thursdai.news/p/thursdai-jan-9?utm=x&amp;b=2|")
    assert "9 Jan 2025" in context and "&lt;!channel&gt;" in context
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*Section 0*\n• *Release 0-0* (Org) — a new model")
    assert "<https://huggingface.co/org/r0-0|HF>" in sections[0]
    assert check_message(message) == []
    assert message["text"] == "ThursdAI TL;DR"


@pytest.mark.parametrize(("items", "headline"), [(400, "a new model"), (60, "long " * 400)])
def test_long_digest_is_split_within_limits(items: int, headline: str) -> None:
    digest = _digest(items, headline=headline, sections=3)
    messages = render_digest(digest, share=Share("tldr", ""))
    assert len(messages) > 1
    for n, message in enumerate(messages, start=1):
        assert check_message(message) == [], n
        assert len(message["blocks"]) <= MAX_BLOCKS
        assert sum(block_chars(b) for b in message["blocks"]) <= MAX_MESSAGE_CHARS
        assert f"part {n} of {len(messages)}" in message["text"]
    names = _all_text(messages)
    for s in range(3):
        for i in range(items):
            assert f"Release {s}-{i}*" in names  # nothing lost in the split
    assert messages[-1]["blocks"][-1]["type"] == "actions"
    assert all(b["type"] != "actions" for m in messages[:-1] for b in m["blocks"])


def test_hostile_digest_text_pings_nobody() -> None:
    item = DigestItem(
        name=HOSTILE,
        org=HOSTILE,
        headline=HOSTILE,
        links=(Link(label=HOSTILE, url="https://x.io/<!channel>"),),
        sources=(EPISODE, EPISODE),
    )
    digest = Digest(
        title=HOSTILE,
        episodes=(EPISODE, EPISODE),
        sections=(DigestSection(name=HOSTILE, items=(item,)),),
    )
    messages = render_digest(digest)
    for message in messages:
        assert check_message(message) == []
        assert find_pings(message) == []
    assert "&lt;!channel&gt;" in _all_text(messages)


def test_empty_digest_says_so() -> None:
    digest = Digest(title="TL;DR", episodes=(EPISODE,), sections=())
    [message] = render_digest(digest)
    assert "No releases" in _all_text([message])
    assert check_message(message) == []


# --- replies ---------------------------------------------------------------------------


def test_release_reply_shows_facts_links_episode_and_share_button() -> None:
    other = EpisodeRef(id="ep0", title="ThursdAI - Jan 2", url="https://sub.thursdai.news/p/jan-2")
    reply = ReleaseReply(
        item=_item(), mentions=(Mention(name="Kokoro", headline="teased", episode=other),)
    )
    [message] = render_reply(reply, share=Share("release", "kokoro"))
    text = _all_text([message])
    assert message["blocks"][0]["text"]["text"] == "Kokoro"
    assert "*hexgrad* · *Voice &amp; Audio*" in text
    assert "*Parameters:* 82M" in text and "*License:* Apache 2.0" in text
    assert "<https://huggingface.co/hexgrad/Kokoro-82M|HF>" in text
    assert "at 00:41:10" in text
    assert "*Also came up in*" in text and "teased" in text
    button = message["blocks"][-1]["elements"][0]
    assert button["action_id"] == SHARE_ACTION_ID
    assert Share.parse(button["value"]) == Share("release", "kokoro")
    assert check_message(message) == []


def test_release_reply_escapes_hostile_item() -> None:
    reply = ReleaseReply(
        item=_item(
            name=HOSTILE,
            org=HOSTILE,
            headline=HOSTILE,
            summary=HOSTILE,
            links=(Link(label=HOSTILE, url="javascript:alert(1)"),),
        )
    )
    [message] = render_reply(reply)
    assert find_pings(message) == [] and check_message(message) == []


def test_search_reply_lists_hits_and_no_hits() -> None:
    hits = tuple(SearchHit(item=_item(name=f"TTS {i}"), score=1.0 - i / 10) for i in range(10))
    [message] = render_reply(
        SearchReply(query="tts <!here>", hits=hits), share=Share("search", "tts")
    )
    text = _all_text([message])
    assert "*10 results for “tts &lt;!here&gt;”*" in text
    assert text.index("TTS 0") < text.index("TTS 9")
    assert check_message(message) == [] and find_pings(message) == []
    [empty] = render_reply(SearchReply(query="zzz", hits=()))
    assert "No releases match" in _all_text([empty])


def test_suggestions_already_in_the_text_are_not_repeated() -> None:
    reply = TextReply(
        text="No release matches 'x'. Did you mean: A, B?", error=True, suggestions=("A", "B")
    )
    [message] = render_reply(reply)
    assert json.dumps(message["blocks"]).count("Did you mean") == 1


def test_error_reply_has_suggestions_and_no_share_button() -> None:
    reply = TextReply(
        text="No release named kokoroo.", error=True, suggestions=("Kokoro", "Kokoro v1")
    )
    [message] = render_reply(reply, share=Share("release", "kokoroo"))
    text = _all_text([message])
    assert "Did you mean: *Kokoro*, *Kokoro v1*?" in text
    assert all(b["type"] != "actions" for b in message["blocks"])


def test_digest_reply_renders_the_digest() -> None:
    messages = render_reply(DigestReply(digest=_digest(2)), share=Share("tldr", ""))
    assert messages[0]["blocks"][0]["type"] == "header"
    assert messages[-1]["blocks"][-1]["type"] == "actions"


@pytest.mark.parametrize(
    "value",
    [
        '{"c": "digest", "t": "subscribe"}',
        "not json",
        "[1]",
        '{"c": "release"}',
        '{"c": 1, "t": ""}',
    ],
)
def test_share_values_are_checked(value: str) -> None:
    assert Share.parse(value) is None


def test_share_button_is_left_out_when_the_query_is_too_long() -> None:
    [message] = render_reply(SearchReply(query="q", hits=()), share=Share("search", "q" * 3000))
    assert all(b["type"] != "actions" for b in message["blocks"])
