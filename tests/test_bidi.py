"""Bidirectional overrides never reach a payload, on any platform."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack import render as slack
from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import JsonWebhookSink
from bot.models import (
    Digest,
    DigestItem,
    DigestSection,
    EpisodeRef,
    Facts,
    Item,
    Link,
    ReleaseReply,
    Reply,
    TextReply,
)
from bot.safetext import BIDI_CONTROLS, strip_bidi

# "gpt\u202etxt.exe" shows as "gptexe.txt": every control, in a name, a label and a URL label.
SPOOF = "safe\u202egnp.exe\u202c \u2066iso\u2069 \u202alre\u202b \u200emark\u200f \u061c"
EPISODE = EpisodeRef(
    id="ep1",
    title="Episode " + SPOOF,
    published=datetime(2025, 1, 9, tzinfo=UTC),
    url="https://example.org/p/1",
)


def _digest() -> Digest:
    item = DigestItem(
        name="Model " + SPOOF,
        org="Org \u202e",
        headline="headline " + SPOOF,
        links=(Link(label="label " + SPOOF, url="https://example.org/m\u202e/gpj.exe"),),
        sources=(EPISODE,),
    )
    section = DigestSection(name="Section " + SPOOF, items=(item,))
    return Digest(title="TL;DR " + SPOOF, episodes=(EPISODE,), sections=(section,))


def _release() -> Reply:
    item = Item(
        id="it1",
        episode=EPISODE,
        position=1,
        name="Model " + SPOOF,
        org="Org",
        section="Other",
        section_original="Other " + SPOOF,
        headline="headline " + SPOOF,
        summary="summary " + SPOOF,
        facts=Facts(parameters=("7B\u202e",), license="MIT\u2067"),
        links=(Link(label="label " + SPOOF, url="https://example.org/m"),),
    )
    return ReleaseReply(item=item)


# Echoed user text: a command argument shown back in an error reply.
USER_TEXT = TextReply(text="No release matches \u201cx\u202egnp.exe\u201d", error=True)


def _assert_clean(payload: object) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    found = sorted({f"U+{ord(c):04X}" for c in text if ord(c) in BIDI_CONTROLS})
    assert not found, f"bidi controls left: {found}"


def test_strip_bidi_keeps_everything_else() -> None:
    assert strip_bidi("a\u202eb\u2066c\u2069d\u200ee\u200ff\u061cg") == "abcdefg"
    assert strip_bidi("Ünïcode 😀 עברית") == "Ünïcode 😀 עברית"


@pytest.mark.parametrize("platform", ["console", "slack", "discord"])
def test_renderers_strip_bidi_controls(platform: str) -> None:
    """Slack kept them (spoofed labels); Discord stripped them; now all do."""
    for reply in (_release(), USER_TEXT):
        if platform == "console":
            _assert_clean(console.render(reply))
        elif platform == "slack":
            _assert_clean(slack.render_reply(reply))
        else:
            _assert_clean(discord.render_reply(reply))
    renderer = {
        "console": console.render_digest,
        "slack": slack.render_digest,
        "discord": discord.render_digest,
    }[platform]
    _assert_clean(renderer(_digest()))


@pytest.mark.parametrize("sink", [SlackWebhookSink, DiscordWebhookSink, JsonWebhookSink])
def test_webhook_payloads_strip_bidi_controls(sink: type[SlackWebhookSink]) -> None:
    payloads = sink().render(_digest())
    if sink is JsonWebhookSink:  # the "digest" object is the data contract, kept as stored
        payloads = [p["text"] for p in payloads]
    _assert_clean(payloads)
