"""Discord webhooks as a ``Sink``: the bot's embeds, posted to a webhook URL.

Every payload carries ``allowed_mentions: {"parse": []}`` (``NO_MENTIONS``):
feed text pings nobody.  Messages to one webhook are paced (5 per 2 seconds),
all Discord webhook requests together stay under Discord's 50 per second per
address, and its ``X-RateLimit-*`` headers are honoured (``bot.schedule.pacing``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

from adapters.discord.render import NO_MENTIONS, render_digest
from adapters.webhook.sink import Payload, RetryPolicy, WebhookSink
from bot.models import Digest
from bot.schedule.pacing import DiscordLimits, RateWindow, Slot, discord_webhook_window
from bot.sinks import PostError
from bot.targets import Kind, Target

log = logging.getLogger(__name__)


class DiscordWebhookSink(WebhookSink):
    """Discord webhooks: the embeds the bot would post, paced under Discord's limits."""

    platform = "discord-webhook"
    kind: Kind = "discord-webhook"
    min_interval = 0.4  # Discord: 5 requests per 2 seconds per webhook

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        window: RateWindow | None = None,
    ) -> None:
        super().__init__(client, policy=policy, sleep=sleep)
        # Discord's 50 requests per second hold per address, over every webhook: one
        # window for the whole process unless a test brings its own.
        self._window = window or discord_webhook_window()
        self._limits = DiscordLimits(self._window)
        self._in_flight: dict[str, Slot] = {}

    async def _pace(self, url: str) -> None:
        """Wait for this webhook's bucket (X-RateLimit-*), its spacing, then the global window."""
        hold = self._limits.wait_for(url)
        if hold > self.policy.max_retry_after:
            raise PostError(
                f"{Target(self.kind, url).redacted}: rate limited for {hold:g} s"
                " (X-RateLimit-Reset-After)",
                retry_after=hold,
            )
        if hold > 0:
            await self._sleep(hold)
        await super()._pace(url)
        while True:
            delay, slot = self._window.reserve(self.policy.timeout + 5.0)
            if delay > 0:
                await self._sleep(delay)
            if slot is not None:
                self._in_flight[url] = slot  # one request at a time per webhook
                return

    async def _request(self, url: str, payload: Payload, headers: dict[str, str]) -> httpx.Response:
        """The POST; its place in the window counts from when it ends, answered or not."""
        try:
            return await super()._request(url, payload, headers)
        finally:
            slot = self._in_flight.pop(url, None)
            if slot is not None:
                self._window.finish(slot)

    def _observe(self, url: str, response: httpx.Response) -> None:
        """Note Discord's rate-limit headers; a global limit pauses every webhook request."""
        pause = self._limits.observe(url, response.status_code, response.headers)
        if pause is not None:
            log.warning("Discord webhooks: global rate limit, pausing all for %.1f s", pause)

    def render(self, digest: Digest) -> list[Payload]:
        """Embed payloads, each allowing no mention at all."""
        payloads = [dict(p) for p in render_digest(digest)]
        for payload in payloads:
            payload["allowed_mentions"] = NO_MENTIONS  # always: feed text pings nobody
        return payloads

    def threaded(self, base_url: str | None = None) -> DiscordWebhookSink:
        """This sink posting a digest as a forum post: the parent, then a reply per section."""
        from adapters.discord.webhook_threads import DiscordWebhookThreadSink

        return DiscordWebhookThreadSink(self, base_url=base_url)

    def url_for(self, url: str) -> str:
        """``?wait=true`` so Discord answers with the message (and its id)."""
        return url + ("&" if "?" in url else "?") + "wait=true"

    def message_id(self, response: httpx.Response, index: int) -> str:
        """The created message's id."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("id"):
            return str(body["id"])
        return super().message_id(response, index)
