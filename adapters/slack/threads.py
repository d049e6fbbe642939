"""Threaded digests on Slack: a short parent message, then one reply per section in its thread.

``render_thread`` writes the messages (pure, like ``adapters.slack.render``):
the parent (title, date, releases per section, the web archive's link) and,
for each section, its releases (several messages when one does not hold
them).  ``SlackThreadSink`` posts them with ``chat.postMessage``: the parent
to the channel, every reply with ``thread_ts`` = the parent's ``ts``.  It is
the ``SlackSink`` with another rendering: the parent's ``ts`` is the first
id the ledger records, so a post resumed after a crash replies in the same
thread (the sink sends ``thread_ts = already[0]``), never under a new parent.

Slack incoming webhooks cannot reply in a thread; ``bot.threads`` refuses
``--threads`` for them at subscribe time.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import (
    Block,
    Message,
    _split_section,
    context,
    digest_item_line,
    format_date,
    header,
    left_out_line,
    link,
    pack,
    section,
    text_of,
)
from adapters.slack.sink import BotTokens, SlackSink
from bot.models import Digest
from bot.threads import section_digests, thread_parent, total_line


def parent_blocks(digest: Digest, *, base_url: str | None = None) -> list[Block]:
    """The parent message: title, date and release count, a line per section, the link."""
    parent = thread_parent(digest, base_url=base_url)
    blocks: list[Block] = [header(parent.title)]
    about = [format_date(parent.published), text_of(total_line(parent), 200)]
    blocks.append(context([a for a in about if a]))
    if parent.sections:
        lines = [f"• *{text_of(s.name, 150)}*: {s.count}" for s in parent.sections]
        blocks.append(section("\n".join(lines)))
        blocks.append(context(["_Releases by section in the thread_"]))
    else:
        blocks.append(section("_No releases in these episodes._"))
    if parent.page_url:
        blocks.append(context([link(parent.page_url, "Open in the web archive")]))
    elif parent.episode_url:
        blocks.append(context([link(parent.episode_url, "Show notes")]))
    return blocks


def reply_blocks(part: Digest) -> list[Block]:
    """One section's reply: its heading and releases (and a capped digest's note, last)."""
    with_sources = len(part.episodes) > 1
    blocks: list[Block] = []
    for digest_section in part.sections:
        heading = f"*{text_of(digest_section.heading, 150)}*"
        lines = [digest_item_line(i, with_sources=with_sources) for i in digest_section.items]
        blocks.extend(_split_section(heading, lines))
    if part.left_out is not None:
        blocks.append(section(left_out_line(part)))
    return blocks


def render_thread(digest: Digest, *, base_url: str | None = None) -> list[Message]:
    """The parent message, then the replies of every section, each within Slack's limits."""
    title = text_of(digest.title, 150)
    messages = pack(parent_blocks(digest, base_url=base_url), fallback=title)[:1]
    for part in section_digests(digest):
        heading = part.sections[0].heading
        fallback = text_of(f"{heading}: {digest.title}", 150)  # escaped once, from the raw text
        messages.extend(pack(reply_blocks(part), fallback=fallback))
    return messages


class SlackThreadSink(SlackSink):
    """The Slack sink posting a digest as a parent message and a threaded reply per section."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        tokens: BotTokens | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(client, tokens=tokens)
        self._base_url = base_url

    def render(self, digest: Digest) -> list[Message]:
        """The parent, then the section replies (posted with ``thread_ts`` = the parent's)."""
        return render_thread(digest, base_url=self._base_url)
