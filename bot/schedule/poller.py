"""The feed poller: refresh every feed every N minutes, each on its own.

``Engine.ingest`` does the fetching (conditional GET with the stored ETag and
Last-Modified, then the content hash), off the event loop.  Each feed has
its own next-due time, so a failing feed only delays itself: after an error
it backs off exponentially (from the poll interval up to a cap), or exactly
as long as the server's ``Retry-After`` asked when that is longer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.engine import Engine, IngestReport
from bot.errors import DigestbotError, FetchError
from bot.schedule.timing import Clock

log = logging.getLogger(__name__)

#: Called after a poll round that stored new or edited episodes.
OnNew = Callable[[list[IngestReport]], Awaitable[None]]


@dataclass
class FeedState:
    """What the poller knows of one feed."""

    source: str
    next_due: datetime
    failures: int = 0
    last_error: str | None = None
    last_ok: datetime | None = None


@dataclass
class PollResult:
    """One round: the reports of the feeds that were read, and the errors of the rest."""

    reports: list[IngestReport] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether any episode was added or updated."""
        return any(r.added or r.updated for r in self.reports)


class FeedPoller:
    """Polls feeds through an engine; ``run`` loops until stopped."""

    def __init__(
        self,
        engine: Engine,
        feeds: Sequence[str],
        *,
        clock: Clock,
        interval: timedelta = timedelta(minutes=30),
        max_backoff: timedelta = timedelta(hours=6),
        concurrency: int = 4,
        on_new: OnNew | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.interval = interval
        self.max_backoff = max(max_backoff, interval)
        self.on_new = on_new
        now = clock.now()
        self.feeds = {source: FeedState(source, now) for source in dict.fromkeys(feeds)}
        self._concurrency = concurrency
        self._wake: asyncio.Event | None = None

    def backoff(self, failures: int, retry_after: float | None) -> timedelta:
        """How long to leave a feed alone after its ``failures``-th failure in a row."""
        delay: timedelta = min(self.interval * 2 ** max(failures - 1, 0), self.max_backoff)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def poll_due(self) -> PollResult:
        """Read every feed that is due now, concurrently; never raises for a feed's failure."""
        now = self.clock.now()
        due = [state for state in self.feeds.values() if state.next_due <= now]
        result = PollResult()
        limit = asyncio.Semaphore(self._concurrency)
        outcomes = await asyncio.gather(*(self._poll(state, limit) for state in due))
        for state, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, IngestReport):
                result.reports.append(outcome)
            else:
                result.errors[state.source] = outcome
        if result.changed and self.on_new is not None:
            await self.on_new(result.reports)
        return result

    async def _poll(self, state: FeedState, limit: asyncio.Semaphore) -> IngestReport | str:
        async with limit:
            try:
                report = await asyncio.to_thread(self.engine.ingest, state.source)
            except DigestbotError as exc:
                state.failures += 1
                retry_after = exc.retry_after if isinstance(exc, FetchError) else None
                delay = self.backoff(state.failures, retry_after)
                state.next_due = self.clock.now() + delay
                state.last_error = exc.message
                log.warning(
                    "feed %s failed (%d in a row): %s; next try in %s",
                    state.source,
                    state.failures,
                    exc.message,
                    delay,
                )
                return exc.message
            except Exception as exc:  # a parser bug on one feed must not stop the others
                state.failures += 1
                state.next_due = self.clock.now() + self.backoff(state.failures, None)
                state.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("feed %s: unexpected error", state.source)
                return state.last_error
        state.failures = 0
        state.last_error = None
        state.last_ok = self.clock.now()
        state.next_due = state.last_ok + self.interval
        if report.added or report.updated:
            log.info("%s", report.line())
        else:
            log.debug("%s", report.line())
        return report

    def seconds_until_due(self) -> float:
        """Seconds until the next feed is due (0 if one is due now)."""
        if not self.feeds:
            return self.interval.total_seconds()
        soonest = min(state.next_due for state in self.feeds.values())
        return max(0.0, (soonest - self.clock.now()).total_seconds())

    def poke(self) -> None:
        """Wake the loop early (e.g. when a feed was added, or to stop)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set."""
        self._wake = wake = asyncio.Event()
        while not stop.is_set():
            wake.clear()  # before polling: a poke during the round is not lost
            await self.poll_due()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            try:
                await asyncio.wait(
                    waiters,
                    timeout=max(self.seconds_until_due(), 1.0),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()
