"""Where scheduled posts go: the ``Sink`` protocol every platform adapter implements.

The scheduler hands a sink a channel id and a platform-neutral ``Digest``;
the sink renders it for its platform (splitting to stay inside limits) and
posts it.  Failures come back as ``PostError`` so the scheduler can retry a
transient one or disable a subscription with a reason, never crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from bot.errors import DigestbotError
from bot.models import Digest


class PostError(DigestbotError):
    """Posting failed.

    ``permanent`` means retrying will not help (channel gone, bot removed,
    bad credentials): the subscription should be disabled with this message
    as the reason.  Otherwise the post may be retried, after ``retry_after``
    seconds when the platform said so.  ``posted`` lists the messages of a
    split digest that went out before the failure (those of earlier attempts,
    passed in as ``already``, included), in order: the next attempt passes
    them as ``already`` and resumes after them.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        posted: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        #: Ids of the messages that did go out before the failure (a split digest).
        self.posted = tuple(posted)


@runtime_checkable
class Sink(Protocol):
    """Posts digests to channels of one platform."""

    platform: str

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Post ``digest`` to ``channel_id``; return the platform's message ids.

        A split digest resumes instead of repeating: ``already`` holds the ids
        of its messages an earlier attempt got accepted, in order, and the
        sink skips that many leading messages of its (deterministic) rendering
        and posts the rest.  ``on_posted(id)`` is called as soon as the
        platform accepts each new message, so the caller can record it.
        Returns every id, ``already``'s first.  Raises ``PostError`` on failure.
        """
        ...
