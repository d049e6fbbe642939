"""The scheduler's ``Sink`` for Discord: post a digest to a channel through the bot.

Posting uses the client's REST session (it needs a login, not the
gateway).  discord.py's rate-limit buckets wait out short 429s; what still
fails comes back as a ``PostError``: permanent when retrying cannot help
(missing permissions, unknown channel, bad token), otherwise with the
``retry_after`` Discord asked for.

Every message of a scheduled post carries a ``nonce`` derived from the post
(subscription and period) and the message's place in the digest, with
``enforce_nonce``: for a few minutes Discord answers a repeat with the
message it already created.  So a lost answer (a timeout or a reset after
Discord had the message) is retried here at once with the same nonce, and a
process killed mid-answer that restarts within those minutes resumes
without a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.render import Payload, render_digest
from adapters.discord.send import to_send_kwargs
from bot.models import Digest
from bot.retry_after import clamp_delay, parse_retry_after
from bot.sinks import PostError, post_context, post_in_order

log = logging.getLogger(__name__)

NEEDED = "View Channel, Send Messages and Embed Links"
#: Pauses before sending again after a lost answer (only with a nonce: Discord deduplicates).
LOST_ANSWER_RETRIES = (0.5, 2.0)


class DiscordSink:
    """Posts digests to Discord channels as embeds, split to fit Discord's limits."""

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        *,
        timeout: float = 120.0,
        lost_answer_retries: Sequence[float] = LOST_ANSWER_RETRIES,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._lost_answer_retries = tuple(lost_answer_retries)

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
        context = post_context.get()

        async def send(index: int, payload: Payload, posted: tuple[str, ...]) -> str:
            kwargs = to_send_kwargs(payload)
            if context is not None:
                kwargs["nonce"] = context.nonce(index)  # discord.py adds enforce_nonce
            return str((await self._send(channel, kwargs, channel_id, posted)).id)

        return await post_in_order(
            render_digest(digest), send, already=already, on_posted=on_posted
        )

    def threaded(self, base_url: str | None = None) -> DiscordSink:
        """This sink posting digests as a parent message and a threaded reply per section."""
        from adapters.discord.threads import DiscordThreadSink

        return DiscordThreadSink(
            self._client,
            base_url=base_url,
            timeout=self._timeout,
            lost_answer_retries=self._lost_answer_retries,
        )

    async def _send(
        self,
        channel: discord.PartialMessageable,
        kwargs: dict[str, Any],
        channel_id: str,
        posted: tuple[str, ...],
    ) -> discord.Message:
        """Send one message; a lost answer is sent again at once when a nonce makes that safe."""
        pauses = self._lost_answer_retries if "nonce" in kwargs else ()
        for attempt in range(len(pauses) + 1):
            try:
                return await asyncio.wait_for(channel.send(**kwargs), self._timeout)
            except (discord.HTTPException, discord.RateLimited) as exc:
                raise _post_error(exc, channel_id, posted) from exc
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                # Discord may have created the message and lost only its answer: the same
                # nonce gets that message back instead of a second one.
                if attempt < len(pauses):
                    log.info(
                        "no answer from Discord for a message to channel %s (%s);"
                        " sending it again with the same nonce",
                        channel_id,
                        type(exc).__name__,
                    )
                    await asyncio.sleep(pauses[attempt])
                    continue
                raise PostError(
                    f"could not reach Discord: {type(exc).__name__}", posted=posted
                ) from exc
        raise AssertionError("unreachable")


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
            retry_after=clamp_delay(exc.retry_after),
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
    headers = exc.response.headers if exc.response is not None else None
    return parse_retry_after(headers.get("Retry-After") if headers is not None else None)
