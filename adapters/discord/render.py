"""Render the core's replies and digests as Discord message payloads.

Every function returns a list of *message payloads*: plain dicts shaped
like the body of Discord's create-message request (``content``,
``embeds``, ``allowed_mentions``), ready for ``json.dumps`` (which is what
``digestbot tldr --format discord`` prints) or for
``adapters.discord.send.to_send_kwargs`` when sending through discord.py.
Pure: this module does not import discord.py, so printing a digest needs no SDK.

Discord's limits are enforced here, never left to a rejected request:
title 256, description 4,096, 25 fields of 1,024 (names 256), footer
2,048, 6,000 characters across a message's embeds, 10 embeds a message and
2,000 characters of content.  Characters are code points, as Discord's API
counts them (Python's ``len``).  A long digest becomes several embeds, then
several messages.  All feed text goes through ``escape.clean`` and every
payload carries ``allowed_mentions`` that ping nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from adapters.discord.escape import clean, masked_link, safe_url, truncate
from bot.models import (
    Digest,
    DigestItem,
    DigestReply,
    EpisodeRef,
    EpisodesReply,
    ImageReply,
    Item,
    ReleaseReply,
    Reply,
    SearchReply,
    TextReply,
    more_mentions_line,
)

Payload = dict[str, Any]
Embed = dict[str, Any]

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_MAX = 2000

#: Raw allowed_mentions that allow no ping at all (users, roles, everyone, replies).
NO_MENTIONS: dict[str, Any] = {"parse": []}

COLOUR = 0x5865F2
FOOTER = "digestbot"
#: Longest single release line in a digest embed; keeps one item from eating a message.
ITEM_LINE_MAX = 900
MAX_LINKS_PER_ITEM = 5


# --- public API -----------------------------------------------------------


def render_reply(reply: Reply) -> list[Payload]:
    """Message payload(s) for any ``Reply`` from ``Commands.handle``."""
    if isinstance(reply, DigestReply):
        return render_digest(reply.digest, page_url=reply.page_url)
    if isinstance(reply, ReleaseReply):
        return pack([_release_embed(reply)])
    if isinstance(reply, SearchReply):
        return _search(reply)
    if isinstance(reply, EpisodesReply):
        return _episodes(reply)
    if isinstance(reply, TextReply):
        return [render_text(reply.text, suggestions=reply.suggestions)]
    if isinstance(reply, ImageReply):
        return [_image(reply)]
    raise TypeError(f"cannot render {type(reply).__name__}")


def render_digest(digest: Digest, *, page_url: str | None = None) -> list[Payload]:
    """A digest as one or more message payloads, each inside every Discord limit
    (``page_url``: a last line linking the web archive's page)."""
    show_sources = len(digest.episodes) > 1
    sections = [
        (
            clean(s.heading, single_line=True),
            [_digest_line(item, show_sources) for item in s.items],
        )
        for s in digest.sections
    ]
    if digest.left_out is not None:  # a digest cut to fit a post: say what is missing
        sections.append(("Not shown", [_left_out_line(digest)]))
    if page_url:
        sections.append(("Web archive", [masked_link("Open in the web archive", page_url)]))
    return flow(sections, first=_digest_header(digest))


def _left_out_line(digest: Digest) -> str:
    """How many releases a cut digest does not show, and the link to the episode."""
    assert digest.left_out is not None
    note = truncate(clean(digest.left_out.text(), single_line=True), 1500)
    label = "Full show notes" if len(digest.episodes) == 1 else None
    links = [masked_link(label or e.title, e.url) for e in digest.episodes[:5] if safe_url(e.url)]
    return _join_within([note, *links], DESCRIPTION_MAX, " · ")


def render_text(text: str, *, suggestions: Sequence[str] = ()) -> Payload:
    """A plain-text message: escaped, mention-free, at most 2,000 characters."""
    body = clean(text)
    if suggestions and "did you mean" not in text.lower():
        names = ", ".join(f"**{clean(s, single_line=True)}**" for s in suggestions[:10])
        body = f"{body}\nDid you mean: {names}?"
    return {
        "content": truncate(body or "\u200b", CONTENT_MAX),
        "allowed_mentions": NO_MENTIONS,
    }


def pack(embeds: Iterable[Embed]) -> list[Payload]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters."""
    messages: list[Payload] = []
    current: list[Embed] = []
    size = 0
    for embed in embeds:
        embed = _fit_embed(embed)
        n = embed_size(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or size + n > EMBED_TOTAL_MAX):
            messages.append(_message(current))
            current, size = [], 0
        current.append(embed)
        size += n
    if current or not messages:
        messages.append(_message(current))
    return messages


def embed_size(embed: Embed) -> int:
    """Characters Discord counts towards the 6,000 limit for ``embed``."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    for field in embed.get("fields", ()):
        total += len(field.get("name", "")) + len(field.get("value", ""))
    return total


#: Characters of an attachment's description (its alt text) Discord keeps.
ATTACHMENT_DESCRIPTION_MAX = 1024


def _image(reply: ImageReply) -> Payload:
    """A picture as an attachment, its title as the message and its alt text as the
    attachment's description (what screen readers say)."""
    safe_name = "".join(c for c in reply.filename if c.isalnum() or c in "-_.")[:80]
    return {
        "content": truncate(clean(reply.title, single_line=True), 200),
        "allowed_mentions": NO_MENTIONS,
        "attachments": [
            {
                "filename": safe_name if safe_name.endswith(".png") else "timeline.png",
                "description": truncate(
                    clean(reply.alt, single_line=True), ATTACHMENT_DESCRIPTION_MAX
                ),
                "data": reply.png,
            }
        ],
    }


# --- building blocks --------------------------------------------------------


def _message(embeds: list[Embed]) -> Payload:
    payload: Payload = {"allowed_mentions": NO_MENTIONS}
    if embeds:
        payload["embeds"] = embeds
    else:
        payload["content"] = "Nothing to show."
    return payload


def _embed(title: str, description: str = "", *, url: str | None = None) -> Embed:
    embed: Embed = {
        "type": "rich",
        "title": truncate(title, TITLE_MAX),
        "color": COLOUR,
    }
    if description:
        embed["description"] = truncate(description, DESCRIPTION_MAX)
    if url and (safe := safe_url(url)):
        embed["url"] = safe
    return embed


def _fit_embed(embed: Embed) -> Embed:
    """Clamp every part of ``embed`` to its own limit (the last line of defence)."""
    fitted = dict(embed)
    if "title" in fitted:
        fitted["title"] = truncate(fitted["title"], TITLE_MAX)
    if "description" in fitted:
        fitted["description"] = truncate(fitted["description"], DESCRIPTION_MAX)
    if "footer" in fitted:
        fitted["footer"] = {"text": truncate(fitted["footer"]["text"], FOOTER_MAX)}
    if "fields" in fitted:
        fitted["fields"] = [
            {
                "name": truncate(f["name"], FIELD_NAME_MAX) or "\u200b",
                "value": truncate(f["value"], FIELD_VALUE_MAX) or "\u200b",
                "inline": bool(f.get("inline", False)),
            }
            for f in fitted["fields"][:FIELDS_MAX]
        ]
    excess = embed_size(fitted) - EMBED_TOTAL_MAX
    if excess > 0 and len(fitted.get("description", "")) > excess + 1:
        fitted["description"] = truncate(
            fitted["description"], len(fitted["description"]) - excess - 1
        )
    while embed_size(fitted) > EMBED_TOTAL_MAX and fitted.get("fields"):
        fitted["fields"] = fitted["fields"][:-1]
    return fitted


def _date(when: datetime | None) -> str:
    return when.strftime("%b %d, %Y").replace(" 0", " ") if when else ""


def _episode_link(ep: EpisodeRef) -> str:
    link = masked_link(ep.title, ep.url)
    date = _date(ep.published)
    return f"{link} · {date}" if date else link


def _join_within(parts: Iterable[str], limit: int, sep: str = "\n") -> str:
    """Join whole ``parts`` while they fit in ``limit`` (never cutting one in half)."""
    out: list[str] = []
    used = 0
    for part in parts:
        extra = len(part) + (len(sep) if out else 0)
        if used + extra > limit:
            break
        out.append(part)
        used += extra
    return sep.join(out)


# --- digests ---------------------------------------------------------------


def _digest_header(digest: Digest) -> Embed:
    if len(digest.episodes) == 1:  # the title already names the episode
        ep = digest.episodes[0]
        parts = [
            _date(ep.published),
            masked_link("Show notes", ep.url) if safe_url(ep.url) else "",
        ]
        about = " · ".join(p for p in parts if p)
    else:
        about = _join_within((_episode_link(ep) for ep in digest.episodes), DESCRIPTION_MAX)
    if not digest.sections and digest.left_out is None:
        about = (about + "\n\n" if about else "") + "No releases in these episodes."
    url = digest.episodes[0].url if len(digest.episodes) == 1 else None
    embed = _embed(clean(digest.title, single_line=True) or "TL;DR", about, url=url)
    count = digest.item_count
    # A digest of no episode is a notice (a health alert): no release count to give.
    counted = f"{count} release{'s' if count != 1 else ''} · " if digest.episodes else ""
    embed["footer"] = {"text": f"{counted}{FOOTER}"}
    return embed


def _digest_line(item: DigestItem, show_sources: bool) -> str:
    name = clean(item.name, single_line=True)
    org = clean(item.org, single_line=True)
    head = f"**{name}**" + (f" ({org})" if org and org.lower() not in name.lower() else "")
    links = [masked_link(link.label, link.url) for link in item.links[:MAX_LINKS_PER_ITEM]]
    if show_sources and item.sources:
        links.append("via " + ", ".join(masked_link(s.title, s.url) for s in item.sources[:3]))
    tail = " · ".join(links)
    headline = clean(item.detail, single_line=True)  # the headline minus the name
    room = ITEM_LINE_MAX - len(head) - len(tail) - 6
    if room < 40:  # too many or too long links: drop them rather than the headline
        tail = _join_within(links, max(0, ITEM_LINE_MAX - len(head) - 200), " · ")
        room = ITEM_LINE_MAX - len(head) - len(tail) - 6
    line = f"{head} — {truncate(headline, max(room, 1))}" if headline else head
    return truncate(f"{line} · {tail}" if tail else line, ITEM_LINE_MAX)


def flow(
    sections: Sequence[tuple[str, Sequence[str]]], *, first: Embed | None = None
) -> list[Payload]:
    """Pour titled lists of lines into embeds and messages, filling each message.

    A section starts a new embed; when it outgrows the description limit or
    the message's 6,000 characters it continues in a "(cont.)" embed, in the
    next message if need be.  Lines are never split.
    """
    messages: list[list[Embed]] = [[]]
    used = 0

    def start(title: str, need: int) -> Embed:
        nonlocal used
        if len(messages[-1]) == EMBEDS_PER_MESSAGE or used + len(title) + need > EMBED_TOTAL_MAX:
            messages.append([])
            used = 0
        embed = _embed(title)
        embed["description"] = ""
        messages[-1].append(embed)
        used += len(embed["title"])
        return embed

    if first is not None:
        first = _fit_embed(first)
        messages[-1].append(first)
        used = embed_size(first)
    for name, lines in sections:
        title = truncate(name, TITLE_MAX - 8) or "\u200b"
        embed = start(title, len(lines[0]) if lines else 0)
        for line in lines:
            line = truncate(line, DESCRIPTION_MAX)
            desc = embed["description"]
            need = len(line) + (1 if desc else 0)
            if desc and (len(desc) + need > DESCRIPTION_MAX or used + need > EMBED_TOTAL_MAX):
                embed = start(f"{title} (cont.)", len(line))
                desc, need = "", len(line)
            embed["description"] = f"{desc}\n{line}" if desc else line
            used += need
        if not embed["description"]:
            del embed["description"]
    return [_message(m) for m in messages if m] or [_message([])]


# --- lookups ---------------------------------------------------------------


def _release_embed(reply: ReleaseReply) -> Embed:
    item = reply.item
    name = clean(item.name, single_line=True)
    org = clean(item.org or item.facts.org, single_line=True)
    title = f"{name} · {org}" if org and org.lower() not in name.lower() else name
    description = clean(item.headline)
    if item.summary and item.summary.strip() != item.headline.strip():
        description += "\n\n" + clean(item.summary)
    first_url = next((link.url for link in item.links if safe_url(link.url)), None)
    embed = _embed(title, description, url=first_url)
    fields = [f for f in (_facts_field(item), _links_field(item), _episode_field(item)) if f]
    if reply.mentions:
        lines = []
        for m in reply.mentions:
            label = clean(reply.mention_label(m), single_line=True)
            tag = f"**{label}** · " if label else ""
            lines.append(f"{tag}{_episode_link(m.episode)}: {clean(m.headline, single_line=True)}")
        total = max(reply.mentions_total, len(lines))
        # Lines that do not fit the field are counted, never dropped silently.
        shown = _join_within(lines, FIELD_VALUE_MAX - 40)
        listed = len(shown.split("\n")) if shown else 0
        if total > listed:
            shown += ("\n" if shown else "") + f"*{more_mentions_line(total - listed)}*"
        fields.append({"name": "Also came up in", "value": shown})
    if reply.page_url:
        fields.append(
            {"name": "Web archive", "value": masked_link("Open in the web archive", reply.page_url)}
        )
    embed["fields"] = fields
    embed["footer"] = {"text": FOOTER}
    return embed


def _facts_field(item: Item) -> dict[str, Any] | None:
    facts = item.facts
    rows = [
        ("Parameters", ", ".join(facts.parameters)),
        ("License", facts.license or ""),
        ("Context", facts.context or ""),
        ("Scores", "; ".join(facts.scores)),
    ]
    lines = [f"**{k}:** {clean(v, single_line=True)}" for k, v in rows if v]
    if not lines:
        return None
    return {"name": "Facts", "value": _join_within(lines, FIELD_VALUE_MAX)}


def _links_field(item: Item) -> dict[str, Any] | None:
    if not item.links:
        return None
    links = (masked_link(link.label, link.url) for link in item.links)
    return {"name": "Links", "value": _join_within(links, FIELD_VALUE_MAX, " · ")}


def _episode_field(item: Item) -> dict[str, Any]:
    value = _episode_link(item.episode)
    if item.chapter:
        minutes, seconds = divmod(item.chapter.start_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        stamp = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        value += f"\nat {stamp}: {clean(item.chapter.title, single_line=True)}"
    return {"name": "Episode", "value": value}


def _search(reply: SearchReply) -> list[Payload]:
    query = clean(reply.query, single_line=True)
    title = truncate(f"Search: {query}", TITLE_MAX - 8)
    if not reply.hits:
        return pack([_embed(title, "No releases match.")])
    lines = []
    for hit in reply.hits:
        item = hit.item
        detail = clean(item.detail, single_line=True)
        line = f"**{clean(item.name, single_line=True)}**" + (f" — {detail}" if detail else "")
        lines.append(
            truncate(line, 700) + f" · {masked_link(item.episode.title, item.episode.url)}"
        )
    return flow([(title, lines)])


def _episodes(reply: EpisodesReply) -> list[Payload]:
    if not reply.episodes:
        return pack([_embed("Episodes", "No episodes stored yet.")])
    lines = [
        f"{_episode_link(ep.ref())} · {ep.item_count} release{'s' if ep.item_count != 1 else ''}"
        for ep in reply.episodes
    ]
    return flow([("Episodes", lines)])
