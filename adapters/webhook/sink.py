"""Webhook sinks: the HTTP posting every webhook shares, and generic JSON webhooks.

A ``WebhookSink`` is a ``Sink`` whose "channel id" is the webhook URL.  The
Slack and Discord webhook sinks (``adapters.slack.webhook``,
``adapters.discord.webhook``) build on it with their platform's renderer;
``JsonWebhookSink`` posts any URL the digest as ``tldr --format json`` prints it.

Failures, per HTTP status:

* 2xx: posted.
* 429: wait ``Retry-After`` (header, or Discord's JSON ``retry_after``) and
  retry when short; otherwise hand it back as ``PostError(retry_after=...)``.
* 5xx, 408, 425, timeouts, connection errors: retried with backoff, then
  handed back as a transient ``PostError``.
* any other 4xx: the webhook is gone or refuses us (404, 403, 410, ...):
  ``PostError(permanent=True)``, which disables the subscription with the reason.

Webhook URLs hold their credential, so errors and logs show them redacted.
Messages of one digest to one webhook are paced (``min_interval``, per
platform), one digest at a time per webhook.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.console.render import render_digest as render_text
from bot.models import Digest
from bot.retry_after import DEFAULT_MAX_SECONDS, clamp_delay, parse_retry_after
from bot.sinks import PostError, post_context, post_in_order
from bot.targets import Kind, Target

log = logging.getLogger(__name__)

Payload = dict[str, Any]

#: Statuses worth retrying besides 429 and 5xx.
RETRYABLE_4XX = frozenset({408, 425})


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

        async def send(index: int, payload: Payload, posted: tuple[str, ...]) -> str:
            return await self._send(url, payload, index)

        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:  # one digest at a time per webhook, so pacing holds
            return await post_in_order(
                self.render(digest), send, already=already, on_posted=on_posted
            )

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
                "text": render_text(digest),
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
