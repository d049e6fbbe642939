"""Threaded digests on Discord, rendered: the parent message and one reply per section.

Pure, like ``adapters.discord.render`` (no discord.py): the bot's thread sink
(``adapters.discord.threads``), the webhook's (``adapters.discord.webhook_threads``)
and ``digestbot preview`` all write these payloads.  The parent is one embed
(title, date, releases per section, the web archive's link); each section's
reply holds its releases (more messages when one does not hold them), a
capped digest's note in the last.
"""

from __future__ import annotations

from typing import Any

from adapters.discord.escape import (
    clean,
    masked_link,
    neutralise_mentions,
    strip_unsafe_chars,
    truncate,
)
from adapters.discord.render import (
    COLOUR,
    DESCRIPTION_MAX,
    FOOTER,
    Payload,
    _digest_line,
    _left_out_line,
    flow,
    pack,
)
from bot.models import Digest
from bot.threads import section_digests, thread_parent, total_line

#: Discord's longest thread name.
THREAD_NAME_MAX = 100


def thread_name(digest: Digest) -> str:
    """The thread's (or forum post's) name: the digest's title as plain, mention-free text."""
    text = " ".join(strip_unsafe_chars(digest.title).split())
    return truncate(neutralise_mentions(text), THREAD_NAME_MAX) or "TL;DR"


def parent_payload(digest: Digest, *, base_url: str | None = None) -> Payload:
    """The parent message: one embed with the date, the count per section and the link."""
    parent = thread_parent(digest, base_url=base_url)
    lines = [f"**{clean(s.name, single_line=True)}**: {s.count}" for s in parent.sections]
    if parent.sections:
        lines.append("*Releases by section in the thread*")
    else:
        lines.append("No releases in these episodes.")
    if parent.page_url:
        lines.append(masked_link("Open in the web archive", parent.page_url))
    elif parent.episode_url:
        lines.append(masked_link("Show notes", parent.episode_url))
    date = parent.published.strftime("%b %d, %Y").replace(" 0", " ") if parent.published else ""
    about = " · ".join(p for p in (date, total_line(parent)) if p)
    embed: dict[str, Any] = {
        "type": "rich",
        "title": clean(parent.title, single_line=True) or "TL;DR",
        "color": COLOUR,
        "description": truncate("\n".join([about, *lines]), DESCRIPTION_MAX),
        "footer": {"text": FOOTER},
    }
    return pack([embed])[0]


def reply_payloads(part: Digest) -> list[Payload]:
    """One section's reply (more messages when it does not fit one), a capped digest's note last."""
    show_sources = len(part.episodes) > 1
    sections = [
        (clean(s.heading, single_line=True), [_digest_line(i, show_sources) for i in s.items])
        for s in part.sections
    ]
    if part.left_out is not None:
        sections.append(("Not shown", [_left_out_line(part)]))
    return flow(sections)


def render_thread(digest: Digest, *, base_url: str | None = None) -> list[Payload]:
    """The parent's payload, then every section's replies, each inside Discord's limits."""
    payloads = [parent_payload(digest, base_url=base_url)]
    for part in section_digests(digest):
        payloads.extend(reply_payloads(part))
    return payloads
