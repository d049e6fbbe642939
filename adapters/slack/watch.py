"""Watch alerts on Slack: a direct message (or a channel post) per alert.

A ``slack-user:U…`` watch opens the DM with ``conversations.open`` and posts
there; a ``slack:C…`` watch posts to the channel.  Errors that mean the user
cannot get messages from the bot (deactivated, DMs with the app turned off)
are permanent: the watch is disabled with that reason.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import Message, context, episode_line, link, section, text_of
from adapters.slack.sink import PERMANENT_ERRORS
from bot.sinks import PostError
from bot.watch.delivery import WatchAlert

log = logging.getLogger(__name__)

#: Slack errors that mean this user can never get the bot's DMs, and what to show.
DM_ERRORS: dict[str, str] = {
    "user_not_found": "Slack user {user} was not found",
    "user_disabled": "Slack user {user} is deactivated",
    "cannot_dm_bot": "Slack user {user} is a bot",
    "messages_tab_disabled": "Slack user {user} cannot get messages from the app (blocked)",
    "user_not_visible": "Slack user {user} is not visible to the app",
}


def render_alert(alert: WatchAlert) -> Message:
    """The alert as Slack blocks: the release and its line, its links, the episode."""
    title = f"👀 *{text_of(alert.release, 120)}* came up (your watch: {text_of(alert.query, 60)})"
    line = f"*{text_of(alert.name, 120)}*"
    detail = text_of(alert.headline, 600)
    links = " · ".join(link(lk.url, lk.label, label_limit=40) for lk in alert.links[:6])
    blocks = [section(title), section(f"{line}: {detail}" if detail else line)]
    if links:
        blocks.append(context([links]))
    blocks.append(context([f"{episode_line(alert.episode)} · watch {text_of(alert.watch_id, 20)}"]))
    fallback = f"{alert.release} came up in {alert.episode.title}"
    return {"text": text_of(fallback, 300), "blocks": blocks}


class SlackAlertSender:
    """Sends ``WatchAlert``s through a Slack Web API client (the bot token)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def send_alert(self, kind: str, where: str, alert: WatchAlert) -> str:
        """Post ``alert`` to user ``where`` (``slack-user``) or channel ``where`` (``slack``)."""
        message = render_alert(alert)
        try:
            channel = await self._dm_channel(where) if kind == "slack-user" else where
            response = await self._client.chat_postMessage(
                channel=channel.rpartition("/")[2],
                text=message["text"],
                blocks=message["blocks"],
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _error(exc, kind, where) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PostError(f"could not reach Slack ({type(exc).__name__})") from None
        return str(response["ts"])

    async def _dm_channel(self, user: str) -> str:
        response = await self._client.conversations_open(users=user)
        channel: Any = response.get("channel") or {}
        return str(channel.get("id") or user)

    async def open_dm(self, user: str) -> str:
        """The id of the bot's DM channel with ``user`` (health alerts to a person).

        Raises ``PostError``: permanent when the user cannot get the bot's messages.
        """
        try:
            return await self._dm_channel(user)
        except SlackApiError as exc:
            raise _error(exc, "slack-user", user) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PostError(f"could not reach Slack ({type(exc).__name__})") from None


def _error(exc: SlackApiError, kind: str, where: str) -> PostError:
    code = str(exc.response.get("error") or "unknown_error")
    if code in DM_ERRORS:
        return PostError(f"{DM_ERRORS[code].format(user=where)} ({code})", permanent=True)
    if code in PERMANENT_ERRORS:
        target = f"the DM with {where}" if kind == "slack-user" else where
        return PostError(
            f"{PERMANENT_ERRORS[code].format(channel=target)} ({code})", permanent=True
        )
    if exc.response.status_code == 429 or code == "ratelimited":
        return PostError("Slack rate limit (ratelimited)")
    return PostError(f"Slack refused the alert ({code})")
