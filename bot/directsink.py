"""Digests to a user's direct messages: open the DM, then post there like to a channel.

Health alerts (``[alerts] target = "slack-user:U0123ABCD"``) are digests; a
``DirectSink`` gives them to the platform's own digest sink (its rendering,
escaping and limits) once the platform has opened the DM channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.models import Digest
from bot.sinks import Sink

#: Opens (or finds) the DM channel with a user; returns its channel id.  Raises ``PostError``.
DmOpener = Callable[[str], Awaitable[str]]


class DirectSink:
    """A ``Sink`` whose ``channel_id`` is a user id: the digest goes to that user's DMs."""

    def __init__(self, open_dm: DmOpener, sink: Sink) -> None:
        self._open_dm = open_dm
        self._sink = sink
        self.platform = sink.platform

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post ``digest`` to the DMs of user ``channel_id``; see ``Sink.post_digest``."""
        channel = await self._open_dm(channel_id)
        return await self._sink.post_digest(channel, digest, already=already, on_posted=on_posted)
