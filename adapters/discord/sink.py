"""The scheduler's ``Sink`` for Discord: post a digest to a channel through the bot.

Posting uses the client's REST session (it needs a login, not the
gateway).  discord.py's rate-limit buckets wait out short 429s; what still
fails comes back as a ``PostError``: permanent when retrying cannot help
(missing permissions, unknown channel, bad token), otherwise with the
``retry_after`` Discord asked for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import aiohttp
import discord

from adapters.discord.render import Payload, render_digest, to_send_kwargs
from bot.models import Digest
from bot.sinks import PostError

log = logging.getLogger(__name__)

NEEDED = "View Channel, Send Messages and Embed Links"


class DiscordSink:
    """Posts digests to Discord channels as embeds, split to fit Discord's limits."""

    platform = "discord"

    def __init__(self, client: discord.Client, *, timeout: float = 120.0) -> None:
        self._client = client
        self._timeout = timeout

    def render(self, digest: Digest) -> list[Payload]:
        """The message payloads ``digest`` is posted as."""
        return render_digest(digest)

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post ``digest`` to ``channel_id``; return the ids of its messages.

        The first ``len(already)`` messages went out in an earlier attempt:
        only the rest are sent, ``on_posted`` told of each as it is accepted.
        """
        try:
            channel = self._client.get_partial_messageable(int(channel_id))
        except ValueError:
            raise PostError(f"'{channel_id}' is not a Discord channel id", permanent=True) from None
        if self._client.is_closed() or self._client.user is None:
            raise PostError("the Discord client is not logged in yet")
        posted: list[str] = list(already)
        for payload in render_digest(digest)[len(posted) :]:
            try:
                message = await asyncio.wait_for(
                    channel.send(**to_send_kwargs(payload)), self._timeout
                )
            except (discord.HTTPException, discord.RateLimited) as exc:
                raise _post_error(exc, channel_id, tuple(posted)) from exc
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise PostError(
                    f"could not reach Discord: {type(exc).__name__}",
                    posted=tuple(posted),
                ) from exc
            posted.append(str(message.id))
            if on_posted is not None:
                on_posted(posted[-1])
        return posted


def _post_error(
    exc: discord.HTTPException | discord.RateLimited,
    channel_id: str,
    posted: tuple[str, ...],
) -> PostError:
    """Map a discord.py error to a ``PostError`` with a reason a server admin can act on."""
    where = f"channel {channel_id}"
    if isinstance(exc, discord.RateLimited):
        return PostError(
            f"rate limited posting to {where}",
            retry_after=exc.retry_after,
            posted=posted,
        )
    if exc.status == 401:
        return PostError("Discord rejected the bot token (401)", permanent=True, posted=posted)
    if isinstance(exc, discord.Forbidden):
        if exc.code == 50001:
            reason = f"no access to {where}: the bot cannot see it, or was removed from the server"
        else:
            reason = f"missing permissions in {where}: the bot needs {NEEDED}"
        return PostError(reason, permanent=True, posted=posted)
    if isinstance(exc, discord.NotFound):
        return PostError(
            f"unknown {where}: it was deleted, or the bot was removed",
            permanent=True,
            posted=posted,
        )
    if exc.status == 429:
        retry_after = _retry_after(exc)
        return PostError(
            f"rate limited posting to {where}",
            retry_after=retry_after,
            posted=posted,
        )
    if exc.status >= 500:
        return PostError(f"Discord error {exc.status} posting to {where}", posted=posted)
    log.error("Discord refused a digest for %s: %s %s", where, exc.status, exc.text)
    return PostError(
        f"Discord refused the post to {where} ({exc.status} {exc.code}: {exc.text[:200]})",
        posted=posted,
    )


def _retry_after(exc: discord.HTTPException) -> float | None:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header else None
    except ValueError:
        return None
