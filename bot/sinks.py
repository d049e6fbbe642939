"""Where scheduled posts go: the contract every sink (chat bot, webhook, console) keeps.

The scheduler hands a sink a channel id and a platform-neutral ``Digest``;
the sink renders it for its platform (splitting to stay inside limits) and
posts it.  Failures come back as ``PostError`` so the scheduler can retry a
transient one or disable a subscription with a reason, never crash.

Here too: ``PostContext`` (which post is being made, set by the poster in
``post_context``) and ``post_in_order``, the one loop that sends a split
digest's messages in order, skipping those an earlier attempt got accepted.
The other shared rules: ``bot.retry_after`` reads server-given delays,
``bot.safetext`` says which links and characters may reach a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

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


#: Discord's longest message nonce.
NONCE_LENGTH = 25


@dataclass(frozen=True)
class PostContext:
    """Which post is being made, for receivers that want to deduplicate."""

    subscription_id: str
    period: str
    attempt: int = 1

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of the same post."""
        return f"digestbot:{self.subscription_id}:{self.period}"

    def nonce(self, index: int) -> str:
        """A Discord message ``nonce`` for message ``index`` of this post (25 characters).

        The same for every attempt of the post, in any process: with
        ``enforce_nonce`` Discord answers a repeat with the message it already
        created (for a few minutes) instead of posting it again.
        """
        seed = f"{self.subscription_id}\n{self.period}\n{index}".encode()
        return hashlib.sha256(seed).hexdigest()[:NONCE_LENGTH]


#: Set by the poster around each ``post_digest`` call.
post_context: ContextVar[PostContext | None] = ContextVar("post_context", default=None)

M = TypeVar("M")


async def post_in_order(
    messages: Sequence[M],
    send: Callable[[int, M, tuple[str, ...]], Awaitable[str]],
    *,
    already: Sequence[str] = (),
    on_posted: Callable[[str], None] | None = None,
) -> list[str]:
    """Send ``messages`` in order with ``send``; return every message id, ``already``'s first.

    The first ``len(already)`` messages went out in an earlier attempt and
    are skipped.  ``send(index, message, posted)`` posts one (``posted``: the
    ids so far, e.g. to thread under the first) and returns its id, which
    ``on_posted`` hears of at once so the caller can record it.  A
    ``PostError`` from ``send`` goes on with ``posted`` set to the ids that
    did go out, so the next attempt resumes after them.
    """
    posted = list(already)
    for index in range(len(posted), len(messages)):
        try:
            message_id = await send(index, messages[index], tuple(posted))
        except PostError as exc:
            exc.posted = tuple(posted)
            raise
        posted.append(message_id)
        if on_posted is not None:
            on_posted(message_id)
    return posted
