"""Watch alerts on Discord: a direct message (or a channel post) per alert.

A ``discord-user:ID`` watch opens the DM channel (``POST /users/@me/channels``)
and sends there; a ``discord:ID`` watch posts to the channel.  Discord's
"Cannot send messages to this user" (50007: DMs closed, the bot blocked, no
shared server) is permanent: the watch is disabled with that reason.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from adapters.discord.escape import clean, masked_link, truncate
from adapters.discord.sink import _post_error
from bot.sinks import PostError
from bot.watch.delivery import WatchAlert

#: Discord's code for a user who does not take the bot's direct messages.
CANNOT_DM = 50007
MAX_CONTENT = 2000
#: Discord's codes for a user id that names nobody: Unknown User, Invalid Recipient(s).
UNKNOWN_USER = (10013, 50033)


def render_alert(alert: WatchAlert) -> str:
    """The alert as message content: the release and its line, its links, the episode."""
    release = truncate(clean(alert.release, single_line=True), 120)
    query = truncate(clean(alert.query, single_line=True), 60)
    lines = [f"👀 **{release}** came up (your watch: {query})"]
    line = truncate(clean(alert.name, single_line=True), 120)
    detail = truncate(clean(alert.headline, single_line=True), 700)
    lines.append(f"**{line}**: {detail}" if detail else f"**{line}**")
    links = " · ".join(masked_link(lk.label, lk.url) for lk in alert.links[:6])
    if links:
        lines.append(links)
    episode = masked_link(alert.episode.title[:120], alert.episode.url)
    when = f" · {alert.episode.published:%d %b %Y}" if alert.episode.published else ""
    lines.append(f"{episode}{when} · watch {clean(alert.watch_id, single_line=True)}")
    return truncate("\n".join(lines), MAX_CONTENT)


class DiscordAlertSender:
    """Sends ``WatchAlert``s through the bot's REST session (no gateway needed)."""

    def __init__(self, client: discord.Client, *, timeout: float = 60.0) -> None:
        self._client = client
        self._timeout = timeout

    async def send_alert(self, kind: str, where: str, alert: WatchAlert) -> str:
        """Send ``alert`` to user ``where`` (``discord-user``) or channel ``where``."""
        try:
            channel_id = await self.open_dm(where) if kind == "discord-user" else where
            channel = self._client.get_partial_messageable(int(channel_id))
            message = await asyncio.wait_for(
                channel.send(
                    content=render_alert(alert), allowed_mentions=discord.AllowedMentions.none()
                ),
                self._timeout,
            )
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM or kind == "discord-user":
                raise PostError(
                    f"Discord user {where} does not accept direct messages from the bot"
                    f" (blocked, or DMs closed; {exc.code})",
                    permanent=True,
                ) from None
            raise _post_error(exc, where, ()) from None
        except (discord.HTTPException, discord.RateLimited) as exc:
            raise _post_error(exc, where, ()) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(f"could not reach Discord: {type(exc).__name__}") from None
        return str(message.id)

    async def open_dm(self, user: str) -> str:
        """The id of the bot's DM channel with ``user`` (health alerts to a person).

        Raises ``PostError``: permanent when the user cannot get the bot's messages.
        """
        try:
            data = await asyncio.wait_for(
                self._client.http.start_private_message(int(user)), self._timeout
            )
        except discord.Forbidden as exc:
            raise PostError(
                f"Discord user {user} does not accept direct messages from the bot"
                f" (blocked, or DMs closed; {exc.code})",
                permanent=True,
            ) from None
        except discord.HTTPException as exc:
            if isinstance(exc, discord.NotFound) or exc.code in UNKNOWN_USER:
                raise PostError(
                    f"Discord user {user} was not found ({exc.code}: {exc.text[:80]})",
                    permanent=True,
                ) from None
            raise _post_error(exc, user, ()) from None
        except discord.RateLimited as exc:
            raise _post_error(exc, user, ()) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(f"could not reach Discord: {type(exc).__name__}") from None
        return str(data["id"])
