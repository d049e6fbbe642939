"""The scheduler's ``Sink`` for Slack: post a digest to a channel, as a thread when long.

Slack errors become ``PostError``: the ones retrying cannot fix (bot not in
the channel, channel gone, bad or revoked token, ...) are ``permanent`` with
a reason an admin can act on, shown in ``/digest status``; a rate limit is
retried here while Slack's ``Retry-After`` is short, then handed back with
``retry_after`` so the scheduler can try again later.  A digest cut short by
an error is resumed, not re-posted, when the scheduler retries it: the
scheduler passes the ids that went out as ``already`` (it records each one
in the ledger as Slack accepts it), and the rest go into their thread.

A channel may come with its workspace, ``TEAM/CHANNEL`` (the ``where`` of a
``slack:T0123/C0123`` target).  With installs into several workspaces the
sink posts with that workspace's bot token from the installation store; with
one workspace it always uses ``SLACK_BOT_TOKEN``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import make_web_client
from adapters.slack.oauth import SlackInstallations
from adapters.slack.render import Message, render_digest
from bot.config import SlackSettings
from bot.errors import ConfigError, DigestbotError
from bot.models import Digest
from bot.retry_after import header_retry_after
from bot.sinks import PostError, post_in_order
from bot.store.protocol import StoreLike

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

#: Errors that mean a workspace's installation no longer works (installs into several workspaces).
INSTALL_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)

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
    seconds = header_retry_after(headers)
    return 1.0 if seconds is None else seconds


class BotTokens(Protocol):
    """Where the sink finds a workspace's bot token: ``SlackInstallations`` fits."""

    async def async_bot_token(self, team_id: str) -> str | None:
        """The bot token of workspace ``team_id``, or ``None`` when not installed there."""
        ...


class SlackSink:
    """Posts digests to Slack channels with ``chat.postMessage``.

    The first message goes to the channel; when the digest needs more, the
    rest follow in its thread.  With ``tokens`` (installs into several
    workspaces) each post uses the bot token of its channel's workspace.
    """

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, tokens: BotTokens | None = None) -> None:
        self._client = client
        self._tokens = tokens

    def render(self, digest: Digest) -> list[Message]:
        """The messages ``digest`` is posted as (the first in the channel, the rest threaded)."""
        return render_digest(digest)

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post ``digest`` to ``channel_id`` (``CHANNEL`` or ``TEAM/CHANNEL``).

        ``already``: the ``ts`` of its first messages, posted by an earlier
        attempt; the rest follow in the thread of ``already[0]``.  Calls
        ``on_posted(ts)`` as Slack accepts each message.  Returns the ``ts`` of
        every message of the digest; raises ``PostError`` on failure.
        """
        team, _, channel = channel_id.rpartition("/")
        token = await self._token(team, channel)
        auth: dict[str, Any] = {"token": token} if token else {}

        async def send(index: int, message: Message, posted: tuple[str, ...]) -> str:
            try:
                response = await self._client.chat_postMessage(
                    channel=channel,
                    text=message["text"],
                    blocks=message["blocks"],
                    thread_ts=posted[0] if posted else None,
                    unfurl_links=False,
                    unfurl_media=False,
                    **auth,
                )
            except SlackApiError as exc:
                error = _from_slack_error(exc, channel, list(posted), team=team if token else None)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = PostError(f"could not reach Slack ({type(exc).__name__})")
            else:
                return str(response["ts"])
            log.warning("posting to %s failed: %s", channel_id, error.message)
            raise error

        # ``self.render``: a threaded view (``adapters.slack.threads``) renders its own way.
        return await post_in_order(self.render(digest), send, already=already, on_posted=on_posted)

    def threaded(self, base_url: str | None = None) -> SlackSink:
        """This sink posting digests as a parent message and a threaded reply per section."""
        from adapters.slack.threads import SlackThreadSink

        return SlackThreadSink(self._client, tokens=self._tokens, base_url=base_url)

    async def _token(self, team: str, channel: str) -> str | None:
        """The token to post with: the workspace's when installed into several, else the client's.

        Raises ``PostError`` (permanent) when the workspace has no installation.
        """
        if self._tokens is None:
            return None
        if not team:
            if self._client.token:
                return None  # SLACK_BOT_TOKEN is set too: a bare channel is its workspace's
            raise PostError(
                f"slack:{channel} does not say which workspace it is in: subscribe again with"
                f" /digest subscribe in the channel, or write slack:TEAM_ID/{channel}",
                permanent=True,
            )
        try:
            token = await self._tokens.async_bot_token(team)
        except DigestbotError as exc:
            raise PostError(f"could not read the Slack installation of {team}: {exc}") from exc
        if token is None:
            raise PostError(
                f"digestbot is not installed in Slack workspace {team}: install it there, then"
                f" run /digest subscribe in {channel} again",
                permanent=True,
            )
        return token


def _from_slack_error(
    exc: SlackApiError, channel: str, posted: list[str], *, team: str | None = None
) -> PostError:
    code = str(exc.response.get("error") or "unknown_error")
    if team and code in INSTALL_ERRORS:
        reason = f"the installation in Slack workspace {team} no longer works: reinstall digestbot"
        return PostError(f"{reason} ({code})", permanent=True, posted=list(posted))
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
    settings: SlackSettings,
    *,
    store: StoreLike | None = None,
    max_inline_wait: float = MAX_INLINE_WAIT,
) -> SlackSink:
    """A ``SlackSink`` with the bot token and ``SLACK_API_URL`` from ``settings``.

    With installs into several workspaces (``settings.oauth_enabled``) it
    finds each workspace's token in ``store``; raises ``ConfigError`` without it.
    """
    client = make_web_client(settings)
    client.retry_handlers.append(ShortRateLimitRetryHandler(max_wait=max_inline_wait))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    tokens: BotTokens | None = None
    if settings.oauth_enabled:
        if store is None:
            raise ConfigError(
                "posting to Slack workspaces installed through OAuth needs the database"
            )
        tokens = SlackInstallations(store, (settings.client_id or "").strip())
    return SlackSink(client, tokens=tokens)
