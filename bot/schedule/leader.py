"""Leadership among ``digestbot run`` replicas: who polls feeds and runs the scheduler.

``LeaderLoop`` asks the store's ``Leadership`` every ``beat`` seconds: a
follower tries to take it, the leader checks it still holds it.  Winning
calls ``on_elected`` (start the poller and the scheduler, catch up what is
due), losing calls ``on_deposed`` (pause them: the replica keeps answering
commands).  Each beat also writes this replica's heartbeat row for
``digestbot status``.  The posting ledger, not leadership, is what makes
each digest go out once: two leaders for a moment (a network split) still
post once.

A leader that loses its database connection steps down and waits
``HOLD_OFF_SECONDS`` before seeking leadership again, so a replica that
kept its connection takes over; a database that cannot be reached is
retried with back-off (``BACKOFF_MAX_SECONDS`` at most) while the replica
goes on answering commands.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.errors import DigestbotError, StorageError
from bot.store.protocol import StoreLike
from bot.timing import Clock

log = logging.getLogger(__name__)

#: Seconds between leadership checks and heartbeats (a takeover needs one of them).
BEAT_SECONDS = 1.0
#: After losing leadership, seconds before seeking it again (another replica takes over).
HOLD_OFF_SECONDS = 3.0
#: The longest wait between attempts to reach a database that is away.
BACKOFF_MAX_SECONDS = 8.0
#: A replica not heard from for this long is not listed by ``status``.
STALE_SECONDS = 30.0


def replica_id() -> str:
    """This process's replica id: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaderLoop:
    """Holds or seeks leadership for this replica and keeps its heartbeat row."""

    def __init__(
        self,
        store: StoreLike,
        *,
        clock: Clock,
        on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], Awaitable[None]],
        beat: float = BEAT_SECONDS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.leadership = store.leadership()
        self.replicas = store.replica_table()
        self.id = replica_id()
        self.leading = False
        self.since: datetime | None = None
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._beat = beat
        self._failures = 0
        self._next_try = 0.0  # time.monotonic() before which leadership is not sought

    async def step(self) -> None:
        """One beat: seek or check leadership, then write the heartbeat."""
        if self.leading:
            if not await asyncio.to_thread(self.leadership.still_leading):
                log.warning(
                    "leadership lost (database connection gone): pausing the scheduler;"
                    " seeking it again in %.0f s",
                    HOLD_OFF_SECONDS,
                )
                self.leading = False
                self.since = None
                self._next_try = time.monotonic() + HOLD_OFF_SECONDS
                await self._on_deposed()
        elif time.monotonic() >= self._next_try and await self._try_lead():
            self.leading = True
            self.since = self.clock.now()
            log.info("leader: this replica (%s) runs the poller and the scheduler", self.id)
            await self._on_elected()
        await self._heartbeat()

    async def _try_lead(self) -> bool:
        """Seek leadership; an unreachable database is retried with back-off."""
        try:
            got = await asyncio.to_thread(self.leadership.try_lead)
        except StorageError as exc:
            self._failures += 1
            delay = min(self._beat * 2 ** (self._failures - 1), BACKOFF_MAX_SECONDS)
            self._next_try = time.monotonic() + delay
            log.warning("%s: retrying in %.0f s", exc.message, delay)
            return False
        if self._failures:
            log.info("leadership: database reachable again (a follower until elected)")
        self._failures = 0
        return got

    async def _heartbeat(self) -> None:
        now = self.clock.now()
        try:
            await asyncio.to_thread(
                self.replicas.beat,
                self.id,
                socket.gethostname(),
                os.getpid(),
                self.leading,
                self.since.isoformat() if self.since else None,
                now.isoformat(),
            )
        except DigestbotError as exc:  # the database is away: keep answering, retry next beat
            log.warning("heartbeat not written: %s", exc)

    async def run(self, stop: asyncio.Event) -> None:
        """Beat until ``stop``; then resign and remove the heartbeat row."""
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except DigestbotError as exc:
                    log.warning("leadership check failed: %s", exc)
                try:
                    await asyncio.wait_for(stop.wait(), self._beat)
                except TimeoutError:
                    pass
        finally:
            await asyncio.to_thread(self.leadership.resign)
            try:
                await asyncio.to_thread(self.replicas.remove, self.id)
            except DigestbotError:
                pass
