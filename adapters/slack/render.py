"""Render the core's replies and digests as Slack Block Kit messages.

Everything here is pure: models in, JSON-ready message payloads
(``{"text": ..., "blocks": [...]}``) out, so the CLI can print exactly what
the bot would post.

Feed text is hostile.  Every piece of it goes through :func:`escape`
(``&``, ``<``, ``>`` become entities, so ``<!channel>`` or ``<@U123>`` show
as text and ping nobody; bare ``@here`` is defused too) and mrkdwn text
objects are ``verbatim`` so Slack does not link-ify names.  Links are only
ever built by :func:`link`, which keeps http(s) URLs and percent-encodes
anything that could end the ``<url|label>`` sequence early.

Slack's limits are kept by construction: long texts are clipped, long
sections are split into several blocks, and blocks are packed into as many
messages as needed (at most :data:`MAX_BLOCKS` blocks and about
:data:`MAX_MESSAGE_CHARS` characters each) rather than failing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import (
    Digest,
    DigestItem,
    DigestReply,
    EpisodeRef,
    EpisodesReply,
    ImageReply,
    Item,
    Link,
    ReleaseReply,
    Reply,
    SearchReply,
    TextReply,
    more_mentions_line,
)
from bot.safetext import BIDI_CONTROLS, linkable, strip_bidi

Block = dict[str, Any]
Message = dict[str, Any]

#: Most blocks Slack accepts in one message.
MAX_BLOCKS = 50
#: Most characters in one section (or context element) text.
MAX_SECTION_CHARS = 3000
#: Most characters in a header block.
MAX_HEADER_CHARS = 150
#: Budget for all block text of one message (Slack rejects ~13k with msg_blocks_too_long).
MAX_MESSAGE_CHARS = 12_000
#: Most elements in a context block.
MAX_CONTEXT_ELEMENTS = 10
#: Most characters in a button's value.
MAX_BUTTON_VALUE = 2000
#: Longest notification ("fallback") text we send.
MAX_FALLBACK_CHARS = 300
#: Longest URL we link to; longer ones are dropped, not cut.
MAX_URL_CHARS = 1000
#: Budget for one item line, so that a section holds several.
MAX_LINE_CHARS = 1500

#: ``action_id`` of the "Share in channel" button.
SHARE_ACTION_ID = "digestbot_share"
#: Commands whose replies may be shared (never the admin ``/digest``).
SHAREABLE_COMMANDS = frozenset({"tldr", "release", "search", "changes"})

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_URL_UNSAFE = frozenset('<>|"`\\^{}')
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


# --- text ---------------------------------------------------------------------


def escape(text: str) -> str:
    """Make ``text`` safe inside any Slack text object.

    Escapes ``&``, ``<`` and ``>`` (Slack's control characters), drops control
    characters and bidirectional overrides (spoofed labels), and puts a word
    joiner after the ``@`` of ``@channel``, ``@here`` and ``@everyone`` so no
    client or parser treats them as a ping.
    """
    text = strip_bidi(_CONTROL.sub("", text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _WORD_JOINER, text)


def one_line(text: str) -> str:
    """Collapse all white space (newlines too) to single spaces."""
    return _SPACES.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """Cut escaped ``text`` to at most ``limit`` characters, ending in an ellipsis.

    Never cuts an entity such as ``&amp;`` or a ``<url|label>`` link in half.
    """
    if len(text) <= limit:
        return text
    cut = _ENTITY_TAIL.sub("", text[: max(limit - 1, 0)])
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut.rstrip() + "…"


def text_of(raw: str, limit: int) -> str:
    """Escape one line of feed text and clip it to ``limit`` characters."""
    return clip(escape(one_line(raw)), limit)


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def safe_url(url: str | None) -> str | None:
    """The form of ``url`` that may go inside ``<url|label>``, or ``None``.

    Keeps http(s) URLs with a host and no credentials; percent-encodes white space, control
    characters and anything that could end the sequence (``|``, ``>``, ...);
    escapes ``&``.  Over-long URLs are dropped rather than cut.
    """
    url = linkable(url)  # http(s), a host, no user:password@ (bot.safetext)
    if url is None:
        return None
    encoded = "".join(
        _percent(c)
        if c in _URL_UNSAFE
        or c.isspace()
        or ord(c) < 0x21
        or ord(c) == 0x7F
        or ord(c) in BIDI_CONTROLS
        else c
        for c in url
    )
    if len(encoded) > MAX_URL_CHARS:
        return None
    return encoded.replace("&", "&amp;")


def link(url: str | None, label: str, *, label_limit: int = 80) -> str:
    """``<url|label>`` with both parts made safe; just the label when the URL is not."""
    text = text_of(label, label_limit).replace("|", "¦") or "link"
    target = safe_url(url)
    return f"<{target}|{text}>" if target else text


def format_date(when: datetime | None) -> str:
    """A short, unambiguous date: ``9 Jan 2025``."""
    return f"{when.day} {when:%b %Y}" if when else ""


def episode_line(episode: EpisodeRef, *, title_limit: int = 120) -> str:
    """An episode as ``<url|title> · 9 Jan 2025``."""
    parts = [link(episode.url, episode.title, label_limit=title_limit)]
    if episode.published:
        parts.append(format_date(episode.published))
    return " · ".join(parts)


def _join_within(parts: Iterable[str], limit: int, sep: str = " · ") -> str:
    """Join ``parts`` with ``sep`` while the result stays within ``limit``."""
    out = ""
    for part in parts:
        candidate = f"{out}{sep}{part}" if out else part
        if len(candidate) > limit:
            break
        out = candidate
    return out


# --- blocks -------------------------------------------------------------------


def header(text: str) -> Block:
    """A header block (plain text, at most 150 characters)."""
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": clip(escape(one_line(text)), MAX_HEADER_CHARS) or "-",
        },
    }


def section(mrkdwn: str) -> Block:
    """A section block of already-escaped mrkdwn, clipped to the section limit."""
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": clip(mrkdwn, MAX_SECTION_CHARS) or " ",
            "verbatim": True,
        },
    }


def context(elements: Sequence[str]) -> Block:
    """A context block of already-escaped mrkdwn elements (at most 10)."""
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": clip(e, MAX_SECTION_CHARS), "verbatim": True}
            for e in elements[:MAX_CONTEXT_ELEMENTS]
            if e
        ],
    }


def divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


@dataclass(frozen=True)
class Share:
    """What a "Share in channel" button re-runs: a command and its text."""

    command: str
    text: str

    def value(self) -> str | None:
        """The button value, or ``None`` when it would not fit or is not shareable."""
        if self.command not in SHAREABLE_COMMANDS:
            return None
        value = json.dumps({"c": self.command, "t": self.text}, ensure_ascii=False)
        return value if len(value) <= MAX_BUTTON_VALUE else None

    @classmethod
    def parse(cls, value: str) -> Share | None:
        """Read a button value back; ``None`` for anything malformed or not shareable."""
        try:
            data = json.loads(value)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        command, text = data.get("c"), data.get("t")
        if not isinstance(command, str) or not isinstance(text, str):
            return None
        if command not in SHAREABLE_COMMANDS:
            return None
        return cls(command, text)


def share_actions(share: Share) -> Block | None:
    """An actions block with the "Share in channel" button, if ``share`` fits."""
    value = share.value()
    if value is None:
        return None
    return {
        "type": "actions",
        "block_id": "digestbot_share",
        "elements": [
            {
                "type": "button",
                "action_id": SHARE_ACTION_ID,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": value,
            }
        ],
    }


def block_chars(block: Block) -> int:
    """Characters of text in ``block``, counting every ``text`` string inside it."""

    def walk(node: Any) -> int:
        if isinstance(node, dict):
            return sum(
                len(v) if k == "text" and isinstance(v, str) else walk(v) for k, v in node.items()
            )
        if isinstance(node, list):
            return sum(walk(v) for v in node)
        return 0

    return walk(block)


# --- packing ------------------------------------------------------------------

#: Room kept in every message for a part marker, a "parts left out" note and a button.
_RESERVE_BLOCKS = 3
_RESERVE_CHARS = 400


def pack(blocks: Sequence[Block], *, fallback: str) -> list[Message]:
    """Pack ``blocks`` into as few messages as Slack's limits allow.

    Each message gets at most ``MAX_BLOCKS`` blocks and ``MAX_MESSAGE_CHARS``
    characters of text; continuation messages start with a "part i of n"
    context line.  ``fallback`` (escaped) is the notification text.
    """
    groups: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        size = block_chars(block)
        current = groups[-1]
        over_blocks = len(current) + 1 > MAX_BLOCKS - _RESERVE_BLOCKS
        over_chars = used + size > MAX_MESSAGE_CHARS - _RESERVE_CHARS
        if current and (over_blocks or over_chars):
            groups.append([])
            used = 0
        groups[-1].append(block)
        used += size
    total = len(groups)
    messages: list[Message] = []
    for index, group in enumerate(groups, start=1):
        text = clip(fallback, MAX_FALLBACK_CHARS) or "digestbot"
        if total > 1:
            marker = f"part {index} of {total}"
            text = clip(f"{text} ({marker})", MAX_FALLBACK_CHARS)
            if index > 1:
                group = [context([f"_{clip(fallback, 150)} ({marker})_"]), *group]
        messages.append({"text": text, "blocks": group})
    return messages


def _split_section(heading: str, lines: Sequence[str]) -> list[Block]:
    """One or more section blocks holding ``heading`` then ``lines``, each within limits."""
    blocks: list[Block] = []
    current = heading
    for line in lines:
        line = clip(line, MAX_SECTION_CHARS - 1)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_CHARS and current:
            blocks.append(section(current))
            candidate = line
        current = candidate
    if current:
        blocks.append(section(current))
    return blocks


# --- digests ------------------------------------------------------------------


def _links(links: Sequence[Link], limit: int) -> str:
    return _join_within((link(lk.url, lk.label, label_limit=40) for lk in links), limit, " ")


def digest_item_line(item: DigestItem, *, with_sources: bool) -> str:
    """One release of a digest: ``• *Name* (Org) — headline  links  (episodes)``."""
    name = f"*{text_of(item.name, 150)}*"
    if item.org:
        name += f" ({text_of(item.org, 80)})"
    line = f"• {name}"
    if item.detail:  # the headline minus the name it opens with
        line += f" — {text_of(item.detail, 900)}"
    links = _links(item.links, MAX_LINE_CHARS - len(line) - 2)
    if links:
        line += f"  {links}"
    if with_sources and item.sources:
        room = MAX_LINE_CHARS - len(line) - 5
        sources = _join_within(
            (link(s.url, s.title, label_limit=60) for s in item.sources), room, ", "
        )
        if sources:
            line += f"  _({sources})_"
    return line


def digest_blocks(digest: Digest) -> list[Block]:
    """All blocks of a digest, before packing into messages."""
    blocks: list[Block] = [header(digest.title)]
    episodes = [episode_line(e) for e in digest.episodes]
    if len(episodes) > MAX_CONTEXT_ELEMENTS - 1:
        extra = len(episodes) - (MAX_CONTEXT_ELEMENTS - 1)
        episodes = [*episodes[: MAX_CONTEXT_ELEMENTS - 1], f"and {extra} more episodes"]
    count = digest.item_count
    if digest.episodes:  # a digest of no episode is a notice (a health alert), not releases
        episodes.append(f"{count} release{'s' if count != 1 else ''}")
        blocks.append(context(episodes))
    with_sources = len(digest.episodes) > 1
    for digest_section in digest.sections:
        if not digest_section.items:
            continue
        blocks.append(divider())
        heading = f"*{text_of(digest_section.heading, 150)}*"
        lines = [digest_item_line(i, with_sources=with_sources) for i in digest_section.items]
        blocks.extend(_split_section(heading, lines))
    if digest.item_count == 0 and digest.left_out is None:
        blocks.append(section("_No releases in these episodes._"))
    if digest.left_out is not None:  # a digest cut to fit a post: say what is missing
        blocks.append(section(left_out_line(digest)))
    return blocks


def left_out_line(digest: Digest) -> str:
    """The last line of a cut digest: how many releases are not shown, and the episode link."""
    assert digest.left_out is not None
    note = f"_{text_of(digest.left_out.text(), 1200)}_"
    label = "full show notes" if len(digest.episodes) == 1 else None
    links = _join_within(
        (link(e.url, label or e.title, label_limit=60) for e in digest.episodes if e.url),
        MAX_LINE_CHARS,
        " · ",
    )
    return f"{note}: {links}" if links else note


def render_digest(
    digest: Digest, *, share: Share | None = None, page_url: str | None = None
) -> list[Message]:
    """A digest as one or more Block Kit messages, each within Slack's limits.

    With ``share``, the last message ends with a "Share in channel" button; with
    ``page_url``, a link to the web archive's page comes before it.
    """
    blocks = digest_blocks(digest)
    if page_url:
        blocks.append(context([link(page_url, "Open in the web archive")]))
    actions = share_actions(share) if share else None
    if actions:
        blocks.append(actions)
    return pack(blocks, fallback=text_of(digest.title, 150))


# --- replies ------------------------------------------------------------------


def release_blocks(reply: ReleaseReply) -> list[Block]:
    """Blocks answering ``/release``: what it is, the facts, links, where it came up."""
    item: Item = reply.item
    blocks: list[Block] = [header(item.name)]
    lead = [f"*{text_of(item.section, 100)}*"]
    if item.org:
        lead.insert(0, f"*{text_of(item.org, 100)}*")
    body = [" · ".join(lead)]
    if item.headline:
        body.append(text_of(item.headline, 900))
    if item.summary and one_line(item.summary) != one_line(item.headline):
        body.append(text_of(item.summary, 1200))
    blocks.append(section("\n".join(body)))
    facts = item.facts
    fact_lines: list[str] = []
    if facts.parameters:
        fact_lines.append("*Parameters:* " + text_of(", ".join(facts.parameters), 200))
    if facts.license:
        fact_lines.append("*License:* " + text_of(facts.license, 200))
    if facts.scores:
        fact_lines.append("*Scores:* " + text_of("; ".join(facts.scores), 600))
    if facts.context:
        fact_lines.append("*Context:* " + text_of(facts.context, 200))
    if fact_lines:
        blocks.append(section("\n".join(fact_lines)))
    if item.links:
        links = _join_within(
            (link(lk.url, lk.label) for lk in item.links), MAX_SECTION_CHARS, "  ·  "
        )
        if links:
            blocks.append(section(links))
    where = [f"From {episode_line(item.episode)}"]
    timestamp = facts.timestamp or (_hms(item.chapter.start_seconds) if item.chapter else None)
    if timestamp:
        where.append(f"at {text_of(timestamp, 20)}")
    blocks.append(context([" · ".join(where)]))
    if reply.page_url:
        blocks.append(context([link(reply.page_url, "Open in the web archive")]))
    if reply.mentions:
        lines = []
        for m in reply.mentions:
            label = reply.mention_label(m)
            tag = f"*{text_of(label, 100)}* · " if label else ""
            lines.append(
                f"• {tag}{episode_line(m.episode, title_limit=100)}: {text_of(m.headline, 300)}"
            )
        if reply.more_mentions:
            lines.append(f"_{more_mentions_line(reply.more_mentions)}_")
        blocks.extend(_split_section("*Also came up in*", lines))
    return blocks


def _hms(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def search_blocks(reply: SearchReply) -> list[Block]:
    """Blocks answering ``/search``: one line per hit, best first."""
    query = text_of(reply.query, 200)
    if not reply.hits:
        return [section(f"No releases match “{query}”. Try fewer or other words.")]
    count = len(reply.hits)
    lines = []
    for hit in reply.hits:
        item = hit.item
        line = f"• *{text_of(item.name, 150)}*"
        if item.org:
            line += f" ({text_of(item.org, 80)})"
        if item.detail:
            line += f" — {text_of(item.detail, 400)}"
        line += f"\n    _{episode_line(item.episode, title_limit=100)}_"
        lines.append(line)
    heading = f"*{count} result{'s' if count != 1 else ''} for “{query}”*"
    return _split_section(heading, lines)


def episodes_blocks(reply: EpisodesReply) -> list[Block]:
    """Blocks listing stored episodes, newest first."""
    if not reply.episodes:
        return [section("No episodes stored yet.")]
    lines = []
    for episode in reply.episodes:
        count = episode.item_count
        lines.append(
            f"• {episode_line(episode.ref())} · {count} release{'s' if count != 1 else ''}"
        )
    return _split_section("*Episodes*", lines)


def text_blocks(reply: TextReply) -> list[Block]:
    """A plain message; for errors, the nearest names as suggestions."""
    lines = [clip(escape(reply.text.strip()), MAX_SECTION_CHARS - 400) or "-"]
    if reply.suggestions and not all(s in reply.text for s in reply.suggestions):
        names = ", ".join(f"*{text_of(s, 80)}*" for s in reply.suggestions[:10])
        lines.append(f"Did you mean: {names}?")
    return [section("\n".join(lines))]


def fallback_text(reply: Reply) -> str:
    """The short, escaped notification text for ``reply``."""
    if isinstance(reply, ReleaseReply):
        headline = f": {reply.item.headline}" if reply.item.headline else ""
        return text_of(f"{reply.item.name}{headline}", MAX_FALLBACK_CHARS)
    if isinstance(reply, SearchReply):
        return text_of(f"{len(reply.hits)} results for {reply.query}", MAX_FALLBACK_CHARS)
    if isinstance(reply, DigestReply):
        return text_of(reply.digest.title, MAX_FALLBACK_CHARS)
    if isinstance(reply, EpisodesReply):
        return f"{len(reply.episodes)} episodes"
    if isinstance(reply, ImageReply):
        return text_of(reply.title, MAX_FALLBACK_CHARS)
    return text_of(reply.text, MAX_FALLBACK_CHARS)


def render_reply(reply: Reply, *, share: Share | None = None) -> list[Message]:
    """Any core reply as one or more Block Kit messages within Slack's limits.

    ``share`` adds a "Share in channel" button to the last message (not for
    error replies).
    """
    if isinstance(reply, DigestReply):
        return render_digest(reply.digest, share=share, page_url=reply.page_url)
    if isinstance(reply, ReleaseReply):
        blocks = release_blocks(reply)
    elif isinstance(reply, SearchReply):
        blocks = search_blocks(reply)
    elif isinstance(reply, EpisodesReply):
        blocks = episodes_blocks(reply)
    elif isinstance(reply, ImageReply):  # the picture is uploaded apart (app.py): its words
        blocks = text_blocks(TextReply(text=f"{reply.title}\n{reply.alt}"))
        share = None
    else:
        blocks = text_blocks(reply)
        share = None if reply.error else share
    actions = share_actions(share) if share else None
    if actions:
        blocks.append(actions)
    return pack(blocks, fallback=fallback_text(reply))
