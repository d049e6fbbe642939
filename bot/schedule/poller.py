"""The feed poller: refresh every feed every N minutes, each on its own.

``Engine.ingest`` does the fetching (conditional GET with the stored ETag and
Last-Modified, then the content hash), off the event loop.  Each feed has
its own next-due time and, under ``run``, its own task: a slow feed (each
fetch ends by ``[fetch] deadline_seconds``) or a failing one only delays
itself.  After an error a feed backs off exponentially (from the poll
interval up to a cap), or as long as the server's ``Retry-After`` asked
when that is longer (never more than ``retry_after_max``).

Feeds that only chat subscriptions name are ``guarded``: ingested as
``Engine.ingest(..., guarded=True)``, so they never reach a file or an
internal address, on every poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.alerts import FeedHealth
from bot.config import Settings
from bot.engine import Engine, IngestReport
from bot.errors import DigestbotError, FetchError
from bot.feedurls import redact_feed_url, redact_urls
from bot.retry_after import DEFAULT_MAX_SECONDS, clamp_delay
from bot.schedule.subscriptions import Subscription
from bot.store.metrics import record_poll
from bot.timing import Clock

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
    #: Named only by chat subscriptions: fetched through the address check.
    guarded: bool = False
    #: Being fetched now (not due again until that ends).
    in_flight: bool = False


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
        feeds: Sequence[str] | Mapping[str, bool],
        *,
        clock: Clock,
        interval: timedelta = timedelta(minutes=30),
        max_backoff: timedelta = timedelta(hours=6),
        retry_after_max: timedelta = timedelta(seconds=DEFAULT_MAX_SECONDS),
        concurrency: int = 4,
        on_new: OnNew | None = None,
        health: FeedHealth | None = None,
    ) -> None:
        """``feeds``: sources, or a mapping of source to ``guarded`` (from chat).

        ``health`` records every poll's outcome (feed health alerts, ``/digest status``).
        """
        self.health = health
        self.engine = engine
        self.clock = clock
        self.interval = interval
        self.max_backoff = max(max_backoff, interval)
        self.retry_after_max = retry_after_max
        self.on_new = on_new
        self.feeds: dict[str, FeedState] = {}
        for source, guarded in _with_origin(feeds).items():
            self.add(source, guarded=guarded)
        self._limit = asyncio.Semaphore(concurrency)
        self._wake: asyncio.Event | None = None

    def add(self, source: str, *, guarded: bool = False) -> bool:
        """Start polling ``source`` now; False if it is polled already.

        Either way ``guarded`` is what holds from now on: a feed the operator
        stopped naming, that only chat still names, is guarded again.
        """
        state = self.feeds.get(source)
        if state is not None:
            state.guarded = guarded
            return False
        self.feeds[source] = FeedState(source, self.clock.now(), guarded=guarded)
        return True

    def backoff(self, failures: int, retry_after: float | None) -> timedelta:
        """How long to leave a feed alone after its ``failures``-th failure in a row."""
        delay: timedelta = min(self.interval * 2 ** max(failures - 1, 0), self.max_backoff)
        asked = clamp_delay(retry_after, maximum=self.retry_after_max.total_seconds())
        if asked is not None:
            delay = max(delay, timedelta(seconds=asked))
        return delay

    async def poll_due(self) -> PollResult:
        """Read every feed that is due now, concurrently; never raises for a feed's failure."""
        now = self.clock.now()
        due = [s for s in self.feeds.values() if s.next_due <= now and not s.in_flight]
        result = PollResult()
        outcomes = await asyncio.gather(*(self._poll(state) for state in due))
        for state, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, IngestReport):
                result.reports.append(outcome)
            else:
                result.errors[state.source] = outcome
        if result.changed:
            await self._tell(result.reports)
        return result

    async def _tell(self, reports: list[IngestReport]) -> None:
        if self.on_new is None:
            return
        try:
            await self.on_new(reports)
        except Exception:  # a failing listener must not stop polling
            log.exception("handling new episodes failed")

    async def _poll(self, state: FeedState) -> IngestReport | str:
        state.in_flight = True
        try:
            async with self._limit:
                start = time.perf_counter()
                result = await self._ingest(state)
                record_poll(
                    state.source,
                    ok=not isinstance(result, str),
                    seconds=time.perf_counter() - start,
                )
                return result
        finally:
            state.in_flight = False

    async def _ingest(self, state: FeedState) -> IngestReport | str:
        try:
            report = await asyncio.to_thread(
                self.engine.ingest, state.source, guarded=state.guarded
            )
        except DigestbotError as exc:
            state.failures += 1
            retry_after = exc.retry_after if isinstance(exc, FetchError) else None
            delay = self.backoff(state.failures, retry_after)
            state.next_due = self.clock.now() + delay
            state.last_error = message = redact_urls(exc.message)  # shown and logged
            log.warning(
                "feed %s failed (%d in a row): %s; next try in %s",
                redact_feed_url(state.source),
                state.failures,
                message,
                delay,
            )
            await self._record(state.source, message)
            return message
        except Exception as exc:  # a parser bug on one feed must not stop the others
            state.failures += 1
            state.next_due = self.clock.now() + self.backoff(state.failures, None)
            state.last_error = redact_urls(f"{type(exc).__name__}: {exc}")
            # The exception's text may quote the URL: its frames only, after the redacted line.
            log.error(
                "feed %s: unexpected error: %s\n%s",
                redact_feed_url(state.source),
                state.last_error,
                "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
            )
            await self._record(state.source, state.last_error)
            return state.last_error
        await self._record(state.source, None, changed=bool(report.added or report.updated))
        state.failures = 0
        state.last_error = None
        state.last_ok = self.clock.now()
        state.next_due = state.last_ok + self.interval
        if report.added or report.updated:
            log.info("%s", report.line())
        else:
            log.debug("%s", report.line())
        return report

    async def _record(self, source: str, error: str | None, *, changed: bool = False) -> None:
        """Tell ``health`` how the poll went; a failure to record never stops polling."""
        if self.health is None:
            return
        now = self.clock.now()
        try:
            if error is None:
                await asyncio.to_thread(self.health.succeeded, source, now=now, changed=changed)
            else:
                await asyncio.to_thread(self.health.failed, source, error, now=now)
        except DigestbotError as exc:
            log.warning(
                "could not record the health of %s: %s",
                redact_feed_url(source),
                redact_urls(str(exc)),
            )

    def seconds_until_due(self) -> float:
        """Seconds until the next feed not being fetched is due (0 if one is due now)."""
        waiting = [state.next_due for state in self.feeds.values() if not state.in_flight]
        if not waiting:
            return self.interval.total_seconds()
        return max(0.0, (min(waiting) - self.clock.now()).total_seconds())

    def poke(self) -> None:
        """Wake the loop early (e.g. when a feed was added, or to stop)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set: each due feed in a task of its own.

        A feed still being fetched is not started again, and the loop never
        waits for one: the others keep their own schedule meanwhile.
        """
        self._wake = wake = asyncio.Event()
        running: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            running.discard(task)
            wake.set()  # its next due time may now be the soonest

        try:
            while not stop.is_set():
                wake.clear()  # before starting: a poke meanwhile is not lost
                now = self.clock.now()
                for state in list(self.feeds.values()):
                    if state.next_due <= now and not state.in_flight:
                        state.in_flight = True  # at once: the task starts on the next turn
                        task = asyncio.create_task(self._poll_one(state))
                        running.add(task)
                        task.add_done_callback(finished)
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
                try:
                    await asyncio.wait(
                        waiters,
                        timeout=max(self.seconds_until_due(), 0.1),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    for waiter in waiters:
                        waiter.cancel()
        finally:
            for task in list(running):
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _poll_one(self, state: FeedState) -> None:
        outcome = await self._poll(state)
        if isinstance(outcome, IngestReport) and (outcome.added or outcome.updated):
            await self._tell([outcome])


def _with_origin(feeds: Sequence[str] | Mapping[str, bool]) -> dict[str, bool]:
    if isinstance(feeds, Mapping):
        return {str(source): bool(guarded) for source, guarded in feeds.items()}
    return dict.fromkeys(feeds, False)


def feeds_to_poll(
    settings: Settings, subs: list[Subscription], imported: Iterable[str] = ()
) -> dict[str, bool]:
    """Every feed to poll, mapped to whether it is guarded.

    The configured feeds and those imported from OPML (``digestbot import``, run by the
    operator; http(s) URLs only, never read as files), plus any feed URL (or file) a
    subscription names.
    A feed only chat subscriptions name is guarded (a chat admin is not the
    operator): it is never read as a file, and only from public addresses.
    """
    from bot.feeds.fetch import is_url

    feeds = dict.fromkeys(settings.feeds, False)
    # An OPML file's xmlUrl is a URL: one that is a path (a file from elsewhere) is no feed.
    feeds.update(dict.fromkeys((feed for feed in imported if is_url(feed)), False))
    for sub in subs:
        from_chat = sub.origin == "chat"
        for feed in sub.feeds:
            if from_chat:
                feeds.setdefault(feed, True)  # refused on every poll unless public http(s)
            elif is_url(feed) or Path(feed).is_file():
                feeds[feed] = False
    return feeds
