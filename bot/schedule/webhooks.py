"""Sinks that need no bot: Slack incoming webhooks, Discord webhooks, generic JSON webhooks.

Each is a ``Sink`` whose "channel id" is the webhook URL.  Rendering uses the
platform adapters' renderers when they are installed (Block Kit for Slack,
embeds for Discord) and falls back to escaped plain text otherwise.  Feed
text never pings anyone: Slack text has ``&``, ``<`` and ``>`` escaped, and
every Discord payload carries ``allowed_mentions: {"parse": []}``.

Failures, per HTTP status:

* 2xx: posted.
* 429: wait ``Retry-After`` (header, or Discord's JSON ``retry_after``) and
  retry when short; otherwise hand it back as ``PostError(retry_after=...)``.
* 5xx, 408, 425, timeouts, connection errors: retried with backoff, then
  handed back as a transient ``PostError``.
* any other 4xx: the webhook is gone or refuses us (404, 403, 410, ...):
  ``PostError(permanent=True)``, which disables the subscription with the reason.

Webhook URLs hold their credential, so errors and logs show them redacted.
Messages of one digest to one webhook are paced to the platform's documented
rate (Slack: 1 per second; Discord: 5 per 2 seconds).  Discord webhook
requests are also paced together, process-wide, under Discord's 50 per second
per address, and its ``X-RateLimit-*`` headers are honoured (``pacing.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from bot.models import Digest
from bot.retry_after import DEFAULT_MAX_SECONDS, clamp_delay, parse_retry_after
from bot.safetext import strip_bidi
from bot.schedule.pacing import DiscordLimits, RateWindow, Slot, discord_webhook_window
from bot.schedule.targets import Kind, Target
from bot.sinks import PostError

log = logging.getLogger(__name__)

Payload = dict[str, Any]

SLACK_TEXT_LIMIT = 12_000
DISCORD_CONTENT_LIMIT = 2_000
#: Discord's longest message nonce.
DISCORD_NONCE_LENGTH = 25
#: Statuses worth retrying besides 429 and 5xx.
RETRYABLE_4XX = frozenset({408, 425})


@dataclass(frozen=True)
class PostContext:
    """Which post is being made, for receivers that want to deduplicate."""

    subscription_id: str
    period: str
    attempt: int = 1

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of the same post."""
        return f"digestbot:{self.subscription_id}:{self.period}"

    def nonce(self, index: int) -> str:
        """A Discord message ``nonce`` for message ``index`` of this post (25 characters).

        The same for every attempt of the post, in any process: with
        ``enforce_nonce`` Discord answers a repeat with the message it already
        created (for a few minutes) instead of posting it again.
        """
        seed = f"{self.subscription_id}\n{self.period}\n{index}".encode()
        return hashlib.sha256(seed).hexdigest()[:DISCORD_NONCE_LENGTH]


#: Set by the poster around each ``post_digest`` call.
post_context: ContextVar[PostContext | None] = ContextVar("post_context", default=None)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one message before handing the failure back."""

    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    max_backoff: float = 8.0
    max_retry_after: float = 60.0  # longer Retry-After waits go back to the scheduler
    retry_after_cap: float = DEFAULT_MAX_SECONDS  # no server-given delay is longer
    timeout: float = 15.0


def _retry_after(response: httpx.Response, maximum: float) -> float | None:
    """Seconds to wait, from ``Retry-After`` or Discord's JSON ``retry_after``, clamped."""
    seconds = parse_retry_after(response.headers.get("Retry-After"), maximum=maximum)
    if seconds is not None:
        return seconds
    try:
        body = response.json()
    except ValueError:
        return None
    return clamp_delay(body.get("retry_after"), maximum=maximum) if isinstance(body, dict) else None


def _body_hint(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f": {text[:120]}" if text else ""


class WebhookSink:
    """Base of the webhook sinks: pacing, retries, resuming a split digest after ``already``."""

    platform: str = "webhook"
    kind: Kind = "webhook"
    #: Least time between two messages to the same webhook, in seconds.
    min_interval: float = 0.0

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._client = client
        self._own_client = client is None
        self._sleep = sleep
        self._last_send: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client (created on first use)."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.policy.timeout, connect=min(self.policy.timeout, 10)),
                follow_redirects=False,  # a webhook that redirects is not one to trust
                headers={"User-Agent": "digestbot/0.1 (scheduled digests)"},
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this sink created it."""
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    def render(self, digest: Digest) -> list[Payload]:
        """The request bodies for ``digest``, one per message."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Extra request headers."""
        return {}

    def url_for(self, url: str) -> str:
        """The URL actually posted to (Discord adds ``?wait=true``)."""
        return url

    def message_id(self, response: httpx.Response, index: int) -> str:
        """An id for the message just posted."""
        return f"{self.kind}-{index}"

    async def _request(self, url: str, payload: Payload, headers: dict[str, str]) -> httpx.Response:
        """One POST of ``payload`` to the webhook ``url``."""
        return await self.client.post(self.url_for(url), json=payload, headers=headers)

    def _observe(self, url: str, response: httpx.Response) -> None:
        """Note an answer's rate-limit headers (Discord reads them)."""

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post ``digest`` to the webhook URL ``channel_id``; return one id per message.

        The first ``len(already)`` messages went out in an earlier attempt and
        are not sent again; ``on_posted`` hears of each new one as it is accepted.
        """
        url = channel_id
        payloads = self.render(digest)
        posted = list(already)
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:  # one digest at a time per webhook, so pacing holds
            for index in range(len(posted), len(payloads)):
                try:
                    posted.append(await self._send(url, payloads[index], index))
                except PostError as exc:
                    raise PostError(
                        exc.message,
                        permanent=exc.permanent,
                        retry_after=exc.retry_after,
                        posted=list(posted),
                    ) from None
                if on_posted is not None:
                    on_posted(posted[-1])
        return posted

    async def _pace(self, url: str) -> None:
        # Measured from the previous answer, not the previous start: the platform counts
        # arrivals, and a connection's first request arrives late (the handshake).
        if self.min_interval > 0:
            wait = self._last_send.get(url, 0.0) + self.min_interval - time.monotonic()
            if wait > 0:
                await self._sleep(wait)

    async def _send(self, url: str, payload: Payload, index: int) -> str:
        policy = self.policy
        where = Target(self.kind, url).redacted
        headers = self.headers()
        failure = "no attempt made"
        for attempt in range(policy.retries + 1):
            await self._pace(url)
            wait = min(policy.backoff * 2**attempt, policy.max_backoff)
            try:
                response = await self._request(url, payload, headers)
            except httpx.TimeoutException:
                failure = f"{where}: timed out"
            except httpx.HTTPError as exc:
                failure = f"{where}: could not connect ({type(exc).__name__})"
            else:
                self._last_send[url] = time.monotonic()
                self._observe(url, response)
                status = response.status_code
                if 200 <= status < 300:
                    return self.message_id(response, index)
                if status == 429:
                    retry_after = _retry_after(response, policy.retry_after_cap)
                    if retry_after is None:
                        retry_after = wait
                    if retry_after > policy.max_retry_after or attempt == policy.retries:
                        raise PostError(
                            f"{where}: rate limited (HTTP 429), retry in {retry_after:g} s",
                            retry_after=retry_after,
                        )
                    log.info("%s: rate limited, waiting %.1f s", where, retry_after)
                    await self._sleep(retry_after)
                    continue
                if status >= 500 or status in RETRYABLE_4XX:
                    failure = f"{where}: HTTP {status}{_body_hint(response)}"
                elif 300 <= status < 400:
                    raise PostError(
                        f"{where}: the webhook answered with a redirect (HTTP {status})",
                        permanent=True,
                    )
                else:
                    raise PostError(
                        f"{where}: the webhook refused the post (HTTP {status})"
                        f"{_body_hint(response)}",
                        permanent=True,
                    )
            if attempt < policy.retries:
                log.info("%s; retrying in %.1f s", failure, wait)
                await self._sleep(wait)
        raise PostError(f"{failure} (after {policy.retries + 1} attempts)")


# --- Slack ---------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities: feed text can never ping or link.

    Bidirectional overrides go too (``bot/safetext.py``).
    """
    return strip_bidi(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, at line ends when possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    return pieces


def _plain_text(digest: Digest) -> str:
    from adapters.console.render import render_digest

    return render_digest(digest)


class SlackWebhookSink(WebhookSink):
    """Slack incoming webhooks: Block Kit from the Slack adapter's renderer, else escaped text."""

    platform = "slack-webhook"
    kind: Kind = "slack-webhook"
    min_interval = 1.0  # Slack: 1 message per second per incoming webhook

    def render(self, digest: Digest) -> list[Payload]:
        """Block Kit messages when ``adapters.slack.render`` is there, else plain text."""
        try:
            from adapters.slack.render import render_digest
        except Exception as exc:  # the adapter is optional; any import failure falls back
            log.debug("Slack renderer unavailable (%s): posting plain text", exc)
        else:
            return [
                {**message, "unfurl_links": False, "unfurl_media": False}
                for message in render_digest(digest)
            ]
        return [
            {"text": slack_escape(chunk), "unfurl_links": False, "unfurl_media": False}
            for chunk in _chunks(_plain_text(digest), SLACK_TEXT_LIMIT)
        ]


# --- Discord -------------------------------------------------------------------------

NO_MENTIONS: dict[str, Any] = {"parse": []}


class DiscordWebhookSink(WebhookSink):
    """Discord webhooks: embeds from the Discord adapter's renderer, else text content."""

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
        """Embed payloads when ``adapters.discord.render`` is there, else plain content."""
        payloads: list[Payload]
        try:
            from adapters.discord.render import render_digest
        except Exception as exc:  # discord.py is optional; any import failure falls back
            log.debug("Discord renderer unavailable (%s): posting plain text", exc)
            payloads = [
                {"content": chunk} for chunk in _chunks(_plain_text(digest), DISCORD_CONTENT_LIMIT)
            ]
        else:
            payloads = [dict(p) for p in render_digest(digest)]
        for payload in payloads:
            payload["allowed_mentions"] = NO_MENTIONS  # always: feed text pings nobody
        return payloads

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


# --- generic JSON ----------------------------------------------------------------------


class JsonWebhookSink(WebhookSink):
    """Any URL: one JSON POST per digest (``digest`` as ``tldr --format json`` prints it).

    The body also carries the subscription and period, and the request an
    ``Idempotency-Key`` that is the same for every retry of one post.
    """

    platform = "webhook"
    kind: Kind = "webhook"

    def render(self, digest: Digest) -> list[Payload]:
        """``{"subscription", "period", "digest", "text"}``."""
        from bot.formats import digest_json

        context = post_context.get()
        return [
            {
                "subscription": context.subscription_id if context else None,
                "period": context.period if context else None,
                "digest": digest_json(digest),
                "text": _plain_text(digest),
            }
        ]

    def headers(self) -> dict[str, str]:
        """The ``Idempotency-Key`` of the current post."""
        context = post_context.get()
        return {"Idempotency-Key": context.idempotency_key} if context else {}

    def message_id(self, response: httpx.Response, index: int) -> str:
        """The receiver's ``id`` if it answered with one."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("id"):
            return str(body["id"])
        return super().message_id(response, index)
