"""Threaded digests on Discord: a short parent message, then one reply per section in a thread.

``adapters.discord.thread_render`` writes the payloads: the parent (title,
date, releases per section, the web archive's link) and, for each section,
its releases.  ``DiscordThreadSink`` posts them through the
bot: in a text channel the parent is a channel message and a thread is
started on it (``POST /channels/{channel}/messages/{id}/threads``); in a
forum (or media) channel the parent is the first message of a new forum post
(``POST /channels/{forum}/threads``).  Either way the thread's id is the
parent message's id, so the one id the ledger records for the parent is
where every reply goes, also in a post resumed after a crash:

* killed after the parent, before the thread: the resumed post starts the
  thread on the recorded parent (Discord has none yet);
* killed after the thread was started: starting it again is refused with
  code 160004 ("a thread has already been created for this message"),
  which means it is there, and the replies go into it.

Replies and the text-channel parent carry the post's nonces (see
``adapters.discord.sink``); the forum post has none to give (Discord's
create-forum-post takes none), so a lost answer to it is the duplicate
window of this kind of post.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import aiohttp
import discord
from discord.http import handle_message_parameters

from adapters.discord.render import Payload
from adapters.discord.send import to_send_kwargs
from adapters.discord.sink import DiscordSink, _post_error
from adapters.discord.thread_render import render_thread, thread_name
from bot.models import Digest
from bot.sinks import PostError, post_context, post_in_order

#: Threads stay open a week (Discord archives them after that long without a message).
AUTO_ARCHIVE_MINUTES: Literal[10080] = 10080
#: Discord: "A thread has already been created for this message".
THREAD_EXISTS = 160004
#: Discord: "Unknown Message" (the parent was deleted before its thread was started).
UNKNOWN_MESSAGE = 10008
#: Thread channel types (announcement, public, private): no thread can start in one.
THREAD_TYPES = frozenset({10, 11, 12})
#: Channel types whose posts are threads: forum and media channels.
FORUM_TYPES = frozenset({15, 16})
THREAD_PERMISSIONS = "Create Public Threads and Send Messages in Threads"


class DiscordThreadSink(DiscordSink):
    """The Discord sink posting a parent message and one reply per section in its thread."""

    def __init__(
        self, client: discord.Client, *, base_url: str | None = None, **options: Any
    ) -> None:
        super().__init__(client, **options)
        self._base_url = base_url

    def render(self, digest: Digest) -> list[Payload]:
        """The parent's payload, then the replies."""
        return render_thread(digest, base_url=self._base_url)

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post the parent to ``channel_id`` (or a forum post there), the replies in its thread.

        ``already[0]``, when an earlier attempt posted the parent, is its id:
        the thread's too, so the rest go there.
        """
        try:
            channel = self._client.get_partial_messageable(int(channel_id))
        except ValueError:
            raise PostError(f"'{channel_id}' is not a Discord channel id", permanent=True) from None
        if self._client.is_closed() or self._client.user is None:
            raise PostError("the Discord client is not logged in yet")
        context = post_context.get()
        name = thread_name(digest)
        # Needed only while the parent or the thread may still be missing.
        forum = await self._is_forum(channel_id) if len(already) < 2 else False

        async def send(index: int, payload: Payload, posted: tuple[str, ...]) -> str:
            if index == 0 and forum:
                return await self._forum_post(channel_id, name, payload, posted)
            kwargs = to_send_kwargs(payload)
            if context is not None:
                kwargs["nonce"] = context.nonce(index)  # discord.py adds enforce_nonce
            if index == 0:
                return str((await self._send(channel, kwargs, channel_id, posted)).id)
            thread_id = posted[0]  # a thread's id is its parent message's
            if index == 1 and not forum:
                await self._start_thread(channel_id, thread_id, name, posted)
            thread = self._client.get_partial_messageable(int(thread_id))
            try:
                return str((await self._send(thread, kwargs, thread_id, posted)).id)
            except PostError as exc:
                if isinstance(exc.__cause__, discord.NotFound):
                    raise _gone(thread_id, posted) from exc
                raise

        return await post_in_order(self.render(digest), send, already=already, on_posted=on_posted)

    async def _is_forum(self, channel_id: str) -> bool:
        """Whether ``channel_id`` is a forum (or media) channel, whose posts are threads.

        A thread is refused (permanently): no thread can be started inside one.
        """
        try:
            data = await self._client.http.get_channel(channel_id)
        except (discord.HTTPException, discord.RateLimited) as exc:
            raise _post_error(exc, channel_id, ()) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(f"could not reach Discord: {type(exc).__name__}") from exc
        kind = int(data.get("type", 0))
        if kind in THREAD_TYPES:
            raise PostError(
                f"channel {channel_id} is itself a thread: a threaded post needs a text or forum"
                " channel (subscribe its parent channel, or without threads)",
                permanent=True,
            )
        return kind in FORUM_TYPES

    async def _start_thread(
        self, channel_id: str, message_id: str, name: str, posted: tuple[str, ...]
    ) -> None:
        """Start the thread on the parent; one already there (a resumed post) is the one."""
        try:
            await self._client.http.start_thread_with_message(
                channel_id, message_id, name=name, auto_archive_duration=AUTO_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                return  # started by the attempt that was cut short: reply in it
            if exc.code == UNKNOWN_MESSAGE:
                raise _gone(message_id, posted) from exc
            raise _thread_error(exc, channel_id, posted) from exc
        except discord.RateLimited as exc:
            raise _post_error(exc, channel_id, posted) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(
                f"could not reach Discord: {type(exc).__name__}", posted=posted
            ) from exc

    async def _forum_post(
        self, channel_id: str, name: str, payload: Payload, posted: tuple[str, ...]
    ) -> str:
        """A forum post whose first message is the parent; its id is the thread's."""
        kwargs = to_send_kwargs(payload)
        channel_payload = {"name": name, "auto_archive_duration": AUTO_ARCHIVE_MINUTES}
        try:
            with handle_message_parameters(
                content=kwargs["content"] or discord.utils.MISSING,
                embeds=kwargs["embeds"],
                allowed_mentions=kwargs["allowed_mentions"],
                channel_payload=channel_payload,
            ) as params:
                data = await self._client.http.start_thread_in_forum(channel_id, params=params)
        except discord.HTTPException as exc:
            raise _thread_error(exc, channel_id, posted) from exc
        except discord.RateLimited as exc:
            raise _post_error(exc, channel_id, posted) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(
                f"could not reach Discord: {type(exc).__name__}", posted=posted
            ) from exc
        return str(data["id"])


def _gone(thread_id: str, posted: tuple[str, ...]) -> PostError:
    """The post's parent or thread was deleted: its replies cannot go in it, nor elsewhere.

    Not permanent: the channel and the subscription are fine, only this post is cut
    short (retried until the hold ends, then skipped); a second parent is never posted.
    """
    return PostError(
        f"the thread of this post ({thread_id}) or its parent message was deleted:"
        " the rest of this post cannot go into it",
        posted=posted,
    )


def _thread_error(
    exc: discord.HTTPException, channel_id: str, posted: tuple[str, ...]
) -> PostError:
    """A failure to start a thread: missing permissions say which ones threads need."""
    if isinstance(exc, discord.Forbidden) and exc.code != 50001:
        return PostError(
            f"missing permissions in channel {channel_id}: threaded posts need"
            f" {THREAD_PERMISSIONS}",
            permanent=True,
            posted=posted,
        )
    return _post_error(exc, channel_id, posted)
