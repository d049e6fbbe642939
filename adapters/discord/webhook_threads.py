"""Threaded digests through a Discord webhook: a forum post, the replies in it.

A webhook cannot start a thread on a message; what Discord's execute-webhook
allows is ``thread_name`` (a new forum post, in a webhook of a forum or media
channel) and ``thread_id`` (a message into an existing thread).  So the
parent goes out with ``thread_name`` (the digest's title) and the answer's
``channel_id``, the new post's thread, is the id the ledger records for it;
every reply goes with ``?thread_id=`` that id, also in a post resumed after
a crash.  A webhook of a plain text channel is refused by Discord (400, code
220003, "Webhooks can only create threads in forum channels"): nothing is
posted and the subscription is disabled with that reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import httpx

from adapters.discord.render import NO_MENTIONS
from adapters.discord.thread_render import render_thread, thread_name
from adapters.discord.webhook import DiscordWebhookSink
from adapters.webhook.sink import Payload
from bot.models import Digest
from bot.sinks import post_in_order


def with_thread(url: str, thread_id: str) -> str:
    """``url`` posting into thread ``thread_id``."""
    return url + ("&" if "?" in url else "?") + f"thread_id={thread_id}"


def render_webhook_thread(digest: Digest, *, base_url: str | None = None) -> list[Payload]:
    """The execute-webhook bodies: the parent with ``thread_name``, then the replies."""
    payloads = [dict(p) for p in render_thread(digest, base_url=base_url)]
    for payload in payloads:
        payload["allowed_mentions"] = NO_MENTIONS  # always: feed text pings nobody
    payloads[0]["thread_name"] = thread_name(digest)
    return payloads


class DiscordWebhookThreadSink(DiscordWebhookSink):
    """A Discord webhook of a forum channel: the parent starts a forum post, replies go in it."""

    def __init__(self, flat: DiscordWebhookSink, *, base_url: str | None = None) -> None:
        super().__init__(flat.client, policy=flat.policy, sleep=flat._sleep, window=flat._window)
        # One webhook's pacing, rate-limit buckets and one-digest-at-a-time lock are the
        # flat sink's: a threaded post and a plain one to the same webhook share them.
        self._last_send = flat._last_send
        self._locks = flat._locks
        self._limits = flat._limits
        self._in_flight = flat._in_flight
        self._base_url = base_url

    def render(self, digest: Digest) -> list[Payload]:
        """The parent (with the post's ``thread_name``), then the replies; none pings."""
        return render_webhook_thread(digest, base_url=self._base_url)

    def message_id(self, response: httpx.Response, index: int) -> str:
        """For the parent, the new forum post's thread id (where the replies go)."""
        if index == 0:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("channel_id"):
                return str(body["channel_id"])
        return super().message_id(response, index)

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post the parent as a forum post of the webhook ``channel_id``, the replies into it."""
        url = channel_id

        # Replies go to ``url?thread_id=...``: paced and bucketed under that URL (one key for
        # all of a post's replies), and under the process-wide Discord window like any request.
        async def send(index: int, payload: Payload, posted: tuple[str, ...]) -> str:
            return await self._send(
                url if index == 0 else with_thread(url, posted[0]), payload, index
            )

        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:  # one digest at a time per webhook, so pacing holds
            return await post_in_order(
                self.render(digest), send, already=already, on_posted=on_posted
            )
