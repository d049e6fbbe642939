"""The scheduler's ``Sink`` for Slack: post a digest to a channel, as a thread when long.

Slack errors become ``PostError``: the ones retrying cannot fix (bot not in
the channel, channel gone, bad or revoked token, ...) are ``permanent`` with
a reason an admin can act on, shown in ``/digest status``; a rate limit is
retried here while Slack's ``Retry-After`` is short, then handed back with
``retry_after`` so the scheduler can try again later.  A digest cut short by
an error is resumed, not re-posted, when the scheduler retries it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import make_web_client
from adapters.slack.render import render_digest
from bot.config import SlackSettings
from bot.models import Digest
from bot.sinks import PostError

log = logging.getLogger(__name__)

#: Slack errors that retrying will not fix, with what to tell the admin.
PERMANENT_ERRORS: dict[str, str] = {
    "not_in_channel": "the bot is not a member of {channel}: invite it with /invite",
    "channel_not_found": "channel {channel} was not found (deleted, or private without the bot)",
    "is_archived": "channel {channel} is archived",
    "invalid_auth": "Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN",
    "not_authed": "no Slack bot token was sent: set SLACK_BOT_TOKEN",
    "account_inactive": "the bot's Slack account is inactive: the app was removed or disabled",
    "token_revoked": "the bot token was revoked: reinstall the app",
    "token_expired": "the bot token expired: reinstall the app",
    "missing_scope": "the app lacks the chat:write scope: reinstall it from the manifest",
    "restricted_action": "the workspace does not let the bot post in {channel}",
    "team_access_not_granted": "the app has no access to the workspace of {channel}",
    "ekm_access_denied": "the workspace's key management denied access",
}

#: Longest Retry-After honoured in-process; longer waits go back to the scheduler.
MAX_INLINE_WAIT = 30.0


class ShortRateLimitRetryHandler(AsyncRetryHandler):
    """Retries HTTP 429 after ``Retry-After`` seconds, when that is at most ``max_wait``."""

    def __init__(self, max_retry_count: int = 2, max_wait: float = MAX_INLINE_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = _retry_after(response.headers) if response is not None else 1.0
        await asyncio.sleep(wait)
        state.increment_current_attempt()


def _retry_after(headers: object) -> float:
    """Seconds from a Retry-After header (slack_sdk gives str or list values); 1 if absent."""
    if not isinstance(headers, Mapping):
        return 1.0
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class SlackSink:
    """Posts digests to Slack channels with ``chat.postMessage``.

    The first message goes to the channel; when the digest needs more, the
    rest follow in its thread.
    """

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._partial: dict[tuple[str, str], list[str]] = {}

    async def post_digest(self, channel_id: str, digest: Digest) -> list[str]:
        """Post ``digest`` to ``channel_id``; return the ``ts`` of each message posted.

        Raises ``PostError`` on failure.
        """
        messages = render_digest(digest)
        key = (channel_id, hashlib.sha256(digest.model_dump_json().encode()).hexdigest())
        posted = self._partial.pop(key, [])
        for message in messages[len(posted) :]:
            try:
                response = await self._client.chat_postMessage(
                    channel=channel_id,
                    text=message["text"],
                    blocks=message["blocks"],
                    thread_ts=posted[0] if posted else None,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as exc:
                error = _from_slack_error(exc, channel_id, posted)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = PostError(
                    f"could not reach Slack ({type(exc).__name__})", posted=list(posted)
                )
            else:
                posted.append(str(response["ts"]))
                continue
            if posted and not error.permanent:
                self._partial[key] = posted
            log.warning("posting to %s failed: %s", channel_id, error.message)
            raise error
        return posted


def _from_slack_error(exc: SlackApiError, channel: str, posted: list[str]) -> PostError:
    code = str(exc.response.get("error") or "unknown_error")
    if code in PERMANENT_ERRORS:
        reason = PERMANENT_ERRORS[code].format(channel=channel)
        return PostError(f"{reason} ({code})", permanent=True, posted=list(posted))
    if exc.response.status_code == 429 or code == "ratelimited":
        wait = _retry_after(exc.response.headers)
        return PostError(
            f"Slack rate limit: retry in {wait:g} s (ratelimited)",
            retry_after=wait,
            posted=list(posted),
        )
    return PostError(f"Slack refused the post ({code})", posted=list(posted))


def make_slack_sink(
    settings: SlackSettings, *, max_inline_wait: float = MAX_INLINE_WAIT
) -> SlackSink:
    """A ``SlackSink`` with the bot token and ``SLACK_API_URL`` from ``settings``."""
    client = make_web_client(settings)
    client.retry_handlers.append(ShortRateLimitRetryHandler(max_wait=max_inline_wait))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    return SlackSink(client)
