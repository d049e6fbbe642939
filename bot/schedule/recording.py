"""Recording what went out: ledger writes after the platform accepted, retried, never fatal.

Once a platform has accepted a message, the ledger must learn of it, or the
next attempt sends it again.  A write can fail for a while (another process
holding the database's write lock past the busy timeout, a full disk), so:

* ``retry_write`` retries a ledger write with doubling back-off for a
  bounded time (``ledger_retry_seconds``);
* the first failure also notes what went out in the sent journal beside
  the database (``journal.py``), which any process folds into the ledger
  before its next claim, so not even a restart sends it again;
* ``Progress`` records a post's accepted message ids as they come, in the
  background, one write at a time and always the whole list so far (later
  writes carry earlier ids, so a failed write is made good by the next);
* ``Unsettled`` keeps, in memory, the writes that still failed after the
  back-off (a completion, a hand-back): the poster makes them before doing
  anything else for that subscription, so the claim stays ours and its
  messages are not sent again.

What is still lost is a process that ends while a write is unsettled and
the journal could not be written either (a full disk): the error log names
the post and its message ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bot.errors import StorageError
from bot.schedule.ledger import Claim, Ledger

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The first pause between two attempts of a failed ledger write, doubled each time.
FIRST_BACKOFF = 0.05
#: The longest pause between two attempts.
MAX_BACKOFF = 5.0


async def retry_write(
    what: str,
    write: Callable[[], T],
    *,
    within: float,
    fallback: Callable[[], object] | None = None,
) -> T:
    """Run the blocking ledger ``write`` in a worker thread, retrying ``StorageError``.

    Attempts go on with doubling pauses while the next one would start
    within ``within`` seconds of the first; the last ``StorageError`` is raised.
    ``fallback`` (blocking too: the sent journal) runs once, at the first failure.
    """
    deadline = time.monotonic() + within
    pause = FIRST_BACKOFF
    failed = False
    while True:
        try:
            return await asyncio.to_thread(write)
        except StorageError as exc:
            if not failed and fallback is not None:
                await asyncio.to_thread(fallback)
            failed = True
            if time.monotonic() + pause > deadline:
                raise
            log.warning("could not %s (%s); trying again in %.2g s", what, exc.message, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_BACKOFF)


class Progress:
    """The messages of one post accepted so far, written to the ledger as they come."""

    def __init__(self, ledger: Ledger, claim: Claim, *, within: float) -> None:
        self.ledger = ledger
        self.claim = claim
        self.within = within
        #: Every id the platform accepted, earlier attempts' first, in order.
        self.accepted: list[str] = list(claim.message_ids)
        self._written = len(claim.message_ids)
        self._writer: asyncio.Task[None] | None = None

    def add(self, message_id: str) -> None:
        """Note an accepted message (call on the loop); its id reaches the ledger soon."""
        self.accepted.append(message_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write())

    @property
    def written(self) -> bool:
        """Whether every accepted id is in the ledger."""
        return self._written >= len(self.accepted)

    async def settled(self) -> bool:
        """Wait for the writes in progress; whether every accepted id reached the ledger."""
        if self._writer is not None:
            try:
                await self._writer
            except StorageError as exc:
                log.warning(
                    "could not record %d posted message(s) of %s in the ledger: %s",
                    len(self.accepted) - self._written,
                    self.claim.period,
                    exc.message,
                )
        return self.written

    async def _write(self) -> None:
        # One write at a time, each with the whole list: ids accepted meanwhile ride along.
        while self._written < len(self.accepted):
            ids = list(self.accepted)
            await retry_write(
                f"record the messages of {self.claim.period}",
                partial(self.ledger.record, self.claim, ids),
                within=self.within,
                fallback=partial(self.ledger.note_sent, self.claim, ids),
            )
            self._written = max(self._written, len(ids))


@dataclass(frozen=True)
class Pending:
    """A ledger write about a post whose messages went out, not made yet."""

    what: str
    write: Callable[[], object]
    message_ids: tuple[str, ...]


class Unsettled:
    """Ledger writes that failed after their messages went out, by subscription id."""

    def __init__(self) -> None:
        self._pending: dict[str, Pending] = {}

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def keep(
        self, sub_id: str, what: str, write: Callable[[], object], message_ids: Sequence[str]
    ) -> None:
        """Keep ``write`` to make later (replacing any older one for the subscription)."""
        self._pending[sub_id] = Pending(what, write, tuple(message_ids))
        log.error(
            "subscription %s: could not %s in the ledger; %d message(s) went out and will not"
            " be sent again: recording it on the next attempt",
            sub_id,
            what,
            len(message_ids),
        )

    async def settle(self, sub_id: str) -> bool:
        """Make the subscription's pending write, if any; whether none is left."""
        pending = self._pending.get(sub_id)
        if pending is None:
            return True
        try:
            await asyncio.to_thread(pending.write)
        except StorageError as exc:
            log.warning("subscription %s: still cannot %s: %s", sub_id, pending.what, exc.message)
            return False
        if self._pending.get(sub_id) is pending:
            del self._pending[sub_id]
        log.info("subscription %s: recorded at last: %s", sub_id, pending.what)
        return True

    async def settle_all(self) -> None:
        """Try every pending write once; log what is still left (it is lost on exit)."""
        for sub_id in list(self._pending):
            await self.settle(sub_id)
        for sub_id, pending in self._pending.items():
            log.error(
                "subscription %s: could not %s before exiting (the sent journal has it unless"
                " it could not be written either); these messages went out: %s",
                sub_id,
                pending.what,
                ", ".join(pending.message_ids) or "(none)",
            )
