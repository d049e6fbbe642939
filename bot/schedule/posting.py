"""Deciding and making posts: the rules of when, over the ledger's guarantee of once.

``Poster.evaluate`` looks at one subscription at the current time and does
whatever is due: post, keep waiting for a late episode, catch up after
downtime, retry, or give up with a logged reason.  It is safe to call at any
moment, any number of times, from any number of processes: the cron job at
the slot, the periodic sweep, the poller after new episodes and the start-up
catch-up all call it, and the ledger lets one of them post.

Weekly rules, for the period starting at the latest slot ``S``:

* something new (not yet posted to this subscription) -> post it, if now is
  before ``S + grace`` (it was there at ``S``; this is downtime catch-up) or
  before ``S + hold`` (it arrived after ``S``: a late show);
* nothing new -> wait until ``S + hold``; then post a short "no new episode"
  note if configured (and still timely), else record the period as skipped;
* too late -> record the period as skipped and log it; what it would have
  listed goes into the next post.

On-publish subscriptions post whatever is new as soon as it is ingested.
Blocking work (SQLite, composing digests) runs in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.config import ScheduleSettings
from bot.engine import Engine
from bot.errors import DigestbotError, NotFoundError, StorageError
from bot.models import Digest, Episode
from bot.retry_after import clamp_delay
from bot.schedule.capping import cap_for
from bot.schedule.changes_head import with_changes
from bot.schedule.ledger import Claim, FirstRule, Ledger, LedgerRow, Refused
from bot.schedule.recording import Progress, Unsettled, retry_write
from bot.schedule.subscriptions import Subscription, Subscriptions
from bot.sinks import PostContext, PostError, Sink, post_context
from bot.store.metrics import record_post
from bot.targets import Target
from bot.threads import sink_for
from bot.timing import Clock, Windows, note_deadline, weekly_deadline

log = logging.getLogger(__name__)

Status = Literal[
    "posted",
    "filtered",
    "already",
    "nothing-new",
    "waiting",
    "not-due",
    "skipped",
    "retry",
    "failed",
    "in-flight",
    "disabled",
    "gone",
    "empty",
]

NOTE_TITLE = "No new episode this week"
DIGEST_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Outcome:
    """What evaluating or posting one subscription did."""

    subscription_id: str
    status: Status
    period: str | None = None
    detail: str = ""
    message_ids: tuple[str, ...] = ()

    @property
    def posted(self) -> bool:
        """Whether a message went out."""
        return self.status == "posted"

    def line(self) -> str:
        """One line for people."""
        period = f" (period {self.period})" if self.period else ""
        text = {
            "posted": f"posted {len(self.message_ids)} message(s)",
            "filtered": "nothing posted: no release matched the subscription's filters",
            "already": "nothing posted: this period's digest was already posted",
            "nothing-new": "nothing posted: no new episode since the previous post",
            "waiting": "waiting for this week's episode",
            "not-due": "nothing due yet",
            "skipped": "skipped",
            "retry": "posting failed; will retry",
            "failed": "posting failed for good; subscription disabled",
            "in-flight": "nothing posted: a post for this period is in progress",
            "disabled": "subscription is disabled",
            "gone": "subscription no longer exists",
            "empty": "nothing posted: no episodes yet (run `digestbot ingest FEED` first)",
        }[self.status]
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.subscription_id}: {text}{period}{detail}"


class SinkUnavailable(PostError):
    """No sink for a target's platform in this process (e.g. no Slack token)."""


class Sinks:
    """Which ``Sink`` posts to which kind of target."""

    def __init__(self, sinks: Mapping[str, Sink] | None = None) -> None:
        self._by_kind: dict[str, Sink] = dict(sinks or {})

    def add(self, kind: str, sink: Sink) -> None:
        """Post ``kind`` targets through ``sink``."""
        self._by_kind[kind] = sink

    def kinds(self) -> list[str]:
        """The kinds of target this process can post to."""
        return sorted(self._by_kind)

    def sink(self, kind: str) -> Sink:
        """The sink of ``kind`` targets (one of ``kinds()``)."""
        return self._by_kind[kind]

    def resolve(self, target: Target) -> tuple[Sink, str]:
        """The sink and channel id for ``target``; raises ``SinkUnavailable`` (transient)."""
        sink = self._by_kind.get(target.kind)
        if sink is None:
            hint = {
                "slack": "set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
                " (and install digestbot[slack])",
                "discord": "set DISCORD_TOKEN (and install digestbot[discord])",
            }.get(target.kind, "")
            where = f"cannot post to {target.kind} targets in this process"
            raise SinkUnavailable(f"{where}: {hint}" if hint else where)
        return sink, target.where or target.kind


class Poster:
    """Evaluates subscriptions and posts what is due, exactly once per period."""

    def __init__(
        self,
        engine: Engine,
        sinks: Sinks,
        *,
        clock: Clock,
        settings: ScheduleSettings | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.engine = engine
        self.sinks = sinks
        self.clock = clock
        self.settings = settings or ScheduleSettings()
        self.subscriptions = Subscriptions(engine.store)
        self.ledger = ledger or Ledger(
            engine.store,
            clock=clock,
            lease=timedelta(minutes=self.settings.claim_lease_minutes),
        )
        self.windows = Windows(
            hold=timedelta(hours=self.settings.hold_hours),
            grace=timedelta(hours=self.settings.grace_hours),
        )
        self._limit: asyncio.Semaphore | None = None
        self._limit_loop: asyncio.AbstractEventLoop | None = None
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self._digests: dict[tuple[object, ...], tuple[float, Digest | None]] = {}
        #: Ledger writes about sent messages that failed even after the back-off.
        self.unsettled = Unsettled()

    # --- entry points --------------------------------------------------------------

    async def evaluate(self, sub: Subscription | str) -> Outcome:
        """Do whatever is due for one subscription now."""
        task = asyncio.ensure_future(self._evaluate(sub))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    async def sweep(self) -> list[Outcome]:
        """Evaluate every active subscription (start-up catch-up, periodic check, new episodes)."""
        subs = await asyncio.to_thread(self.subscriptions.all)
        outcomes = await asyncio.gather(*(self.evaluate(s) for s in subs if s.active))
        for outcome in outcomes:
            if outcome.status in ("posted", "skipped", "retry", "failed"):
                log.info("%s", outcome.line())
        # Debug only (``digestbot -v run``): what tests of the process wait on, not a clock.
        log.debug("sweep done: %d subscription(s) evaluated", len(outcomes))
        return list(outcomes)

    async def post_now(self, sub_id: str, *, force: bool = False) -> Outcome:
        """Post the current period's digest now (``digestbot post``, ``/digest post``).

        Without ``force`` a period already posted is not posted again.  A
        subscription's first post covers the latest episode.
        """
        sub = await asyncio.to_thread(self.subscriptions.get, sub_id)
        period = self._current_period(sub)
        if period is not None and not force:
            row = await asyncio.to_thread(self.ledger.row, sub.id, period)
            if row is not None and row.state == "posted":
                when = row.updated_at.astimezone(sub.schedule.zone).isoformat(timespec="minutes")
                return Outcome(
                    sub.id, "already", period, f"posted at {when}; use --force to post again"
                )
        claim: Claim | Refused
        if period is None:
            claim = await asyncio.to_thread(self._claim_publish, sub, "latest")
        else:
            claim = await asyncio.to_thread(self.ledger.claim, sub, period, first="latest")
        if isinstance(claim, Refused) and force and claim.reason in ("done", "nothing-new"):
            claim = await asyncio.to_thread(self._claim_forced, sub, claim.row)
        if isinstance(claim, Refused):
            return await self._refusal(sub, claim, period)
        return await self._post(sub, claim)

    async def drain(self, timeout: float) -> None:
        """Let posts in flight finish for up to ``timeout`` s, then abandon them safely.

        An abandoned post's claim is released for an immediate retry by the
        next run, with the ids of its messages the platform had accepted: that
        retry resumes after them.  Only a message accepted in the instant
        before its id reached the ledger is repeated (the at-least-once window).
        """
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            log.info("waiting up to %.0f s for %d post(s) in flight", timeout, len(pending))
            _, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=5)
        if self.unsettled:
            await self.unsettled.settle_all()

    # --- evaluation --------------------------------------------------------------------

    def _semaphore(self) -> asyncio.Semaphore:
        """The posting limit, bound to the running loop (tests run several loops)."""
        loop = asyncio.get_running_loop()
        if self._limit is None or self._limit_loop is not loop:
            self._limit = asyncio.Semaphore(self.settings.max_concurrent_posts)
            self._limit_loop = loop
        return self._limit

    async def _evaluate(self, target: Subscription | str) -> Outcome:
        sub_id = target if isinstance(target, str) else target.id
        if sub_id in self._busy:
            return Outcome(sub_id, "in-flight")
        self._busy.add(sub_id)
        try:
            if not await self.unsettled.settle(sub_id):
                # Its last post's messages went out but are not on record yet: do nothing
                # that could send them again.
                return Outcome(sub_id, "in-flight", detail="waiting to record the last post")
            async with self._semaphore():
                try:
                    sub = await asyncio.to_thread(self.subscriptions.get, sub_id)
                except NotFoundError:
                    return Outcome(sub_id, "gone")
                if not sub.active:
                    return Outcome(sub.id, "disabled", detail=sub.disabled_reason or "")
                if sub.mode == "weekly":
                    return await self._weekly(sub)
                return await self._on_publish(sub)
        except DigestbotError as exc:
            log.error("subscription %s: %s", sub_id, exc.message)
            return Outcome(sub_id, "retry", detail=exc.message)
        finally:
            self._busy.discard(sub_id)

    def _current_period(self, sub: Subscription) -> str | None:
        if sub.mode != "weekly":
            return None
        schedule = sub.schedule
        return schedule.period_key(schedule.previous(self.clock.now()))

    async def _weekly(self, sub: Subscription) -> Outcome:
        now = self.clock.now()
        schedule = sub.schedule
        slot = schedule.previous(now)
        period = schedule.period_key(slot)
        if slot < sub.created_at:
            return Outcome(sub.id, "not-due")
        row = await asyncio.to_thread(self.ledger.row, sub.id, period)
        if row is not None and row.done:
            return Outcome(sub.id, "already", period)
        last_chance = slot + max(self.windows.hold, self.windows.grace)
        if row is not None:  # a retry, or a claim that may have been abandoned
            if now > last_chance:
                reason = row.detail or "no answer"
                return await self._skip(
                    sub, period, f"gave up after {row.attempts} attempt(s): {reason}"
                )
            claim = await asyncio.to_thread(self.ledger.claim, sub, period)
            if isinstance(claim, Refused):
                return await self._refusal(sub, claim, period)
            return await self._post(sub, claim)
        candidates = await asyncio.to_thread(self.ledger.candidates, sub)
        if candidates:
            late = any(c.arrived > slot for c in candidates)
            deadline = weekly_deadline(slot, late_content=late, windows=self.windows)
            if now > deadline:
                return await self._skip(
                    sub,
                    period,
                    f"missed: due {schedule.local(slot).isoformat(timespec='minutes')}, outside"
                    f" the {self.settings.grace_hours:g} h grace window",
                    level=logging.WARNING,
                )
            claim = await asyncio.to_thread(self.ledger.claim, sub, period)
            if isinstance(claim, Refused):
                return await self._refusal(sub, claim, period)
            return await self._post(sub, claim)
        if now <= slot + self.windows.hold:
            return Outcome(sub.id, "waiting", period)
        if self.settings.no_episode_note and now <= note_deadline(slot, self.windows):
            claim = await asyncio.to_thread(self.ledger.claim, sub, period, kind="note")
            if isinstance(claim, Refused):
                return await self._refusal(sub, claim, period)
            return await self._post(sub, claim)
        return await self._skip(
            sub, period, f"no new episode within the {self.settings.hold_hours:g} h hold"
        )

    async def _on_publish(self, sub: Subscription) -> Outcome:
        now = self.clock.now()
        rows = await asyncio.to_thread(self.ledger.unfinished)
        for row in (r for r in rows if r.subscription_id == sub.id):
            started = row.first_claimed_at or row.updated_at
            if now > started + max(self.windows.hold, self.windows.grace):
                await self._skip(sub, row.period, f"gave up retrying: {row.detail or 'no answer'}")
                continue
            claim = await asyncio.to_thread(self.ledger.claim, sub, row.period)
            if isinstance(claim, Claim):
                return await self._post(sub, claim)
        claim = await asyncio.to_thread(self._claim_publish, sub, "since-created")
        if isinstance(claim, Refused):
            return await self._refusal(sub, claim, None)
        return await self._post(sub, claim)

    def _claim_publish(self, sub: Subscription, first: FirstRule) -> Claim | Refused:
        """Claim what is new for an on-publish subscription (period: its newest episode)."""
        candidates = self.ledger.candidates(sub, first=first)
        if not candidates:
            return Refused("nothing-new")
        return self.ledger.claim(sub, f"publish:{candidates[-1].id}", first=first)

    def _claim_forced(self, sub: Subscription, row: LedgerRow | None) -> Claim | Refused:
        """A forced post: what is new if anything, else the period's (or last, or latest) again."""
        period = f"forced:{self.clock.now().isoformat(timespec='seconds')}"
        claim = self.ledger.claim(sub, period, kind="forced", first="latest")
        if not isinstance(claim, Refused) or claim.reason != "nothing-new":
            return claim
        episodes: tuple[str, ...] = row.episode_ids if row is not None else ()
        if not episodes:
            last = self.ledger.last_posted(sub.id)
            episodes = last.episode_ids if last is not None else ()
        if not episodes:
            episodes = tuple(e.id for e in self.engine.store.episodes(1))
        if not episodes:
            return Refused("nothing-new")
        return self.ledger.claim(sub, period, kind="forced", episode_ids=episodes)

    async def _refusal(self, sub: Subscription, refused: Refused, period: str | None) -> Outcome:
        if refused.reason == "done":
            state = refused.row.state if refused.row else "posted"
            status: Status = "already" if state == "posted" else "skipped"
            detail = "" if state == "posted" else (refused.row.detail or "") if refused.row else ""
            return Outcome(sub.id, status, period, detail)
        if refused.reason == "in-flight":
            return Outcome(sub.id, "in-flight", period)
        if refused.reason == "later":
            when = refused.row.next_attempt_at if refused.row else None
            return Outcome(sub.id, "retry", period, f"next attempt at {when}" if when else "")
        if refused.reason == "gone":
            return Outcome(sub.id, "gone", period)
        count = await asyncio.to_thread(self.engine.store.episode_count)
        return Outcome(sub.id, "nothing-new" if count else "empty", period)

    async def _skip(
        self, sub: Subscription, period: str, detail: str, *, level: int = logging.INFO
    ) -> Outcome:
        recorded = await asyncio.to_thread(self.ledger.skip, sub.id, period, detail)
        if recorded:
            log.log(level, "subscription %s, period %s: no post (%s)", sub.id, period, detail)
        return Outcome(sub.id, "skipped", period, detail)

    # --- posting ---------------------------------------------------------------------

    async def _post(self, sub: Subscription, claim: Claim) -> Outcome:
        """Post a claimed digest, counted in the metrics by platform and outcome."""
        outcome = await self._send(sub, claim)
        record_post(sub.target, outcome.status)
        return outcome

    async def _send(self, sub: Subscription, claim: Claim) -> Outcome:
        target = sub.parsed_target
        # The digest's messages accepted so far, this attempt's and earlier ones' (resumed),
        # written to the ledger as they come so a crash from here on resumes after them.
        progress = Progress(self.ledger, claim, within=self.settings.ledger_retry_seconds)
        try:
            digest = claim.digest
            if digest is None:
                digest = await asyncio.to_thread(self._digest, sub, claim)
                if digest is None:
                    return await self._completed(
                        sub, claim, [], detail="no release matched the filters"
                    )
                if sub.threads and digest.sections:  # kept with it: a resumed post keeps it
                    digest = digest.model_copy(update={"threaded": True})
                try:
                    # Kept before the first message: a retry resumes these very messages even
                    # if an episode is edited meanwhile.
                    await asyncio.to_thread(self.ledger.keep_digest, claim, digest)
                except StorageError as exc:
                    return await self._failed(sub, claim, PostError(exc.message))
            sink, channel = self.sinks.resolve(target)
            # A threaded subscription: a parent message, then a reply per section in its thread.
            sink = sink_for(sink, threads=digest.threaded, base_url=self._base_url())
            limit = self.settings.max_messages_per_post
            digest = await asyncio.to_thread(cap_for, digest, sink, limit)
            token = post_context.set(PostContext(sub.id, claim.period, claim.attempt))
            try:
                if claim.message_ids:
                    log.info(
                        "resuming the post of %s to %s after %d message(s) already accepted",
                        claim.period,
                        target.redacted,
                        len(claim.message_ids),
                    )
                ids = await asyncio.wait_for(
                    sink.post_digest(
                        channel, digest, already=claim.message_ids, on_posted=progress.add
                    ),
                    self.settings.post_timeout_seconds,
                )
            finally:
                post_context.reset(token)
        except asyncio.CancelledError:
            # Shutting down mid-post: hand the claim back for the next run (quick, so inline),
            # with what went out, so that run resumes after it.
            try:
                self.ledger.release(
                    claim,
                    "abandoned at shutdown",
                    retry_at=self.clock.now(),
                    message_ids=progress.accepted,
                )
            except StorageError as exc:
                noted = bool(progress.accepted) and self.ledger.note_sent(claim, progress.accepted)
                log.error(
                    "could not hand back the post of %s for %s at shutdown (%s); messages that"
                    " went out%s: %s",
                    claim.period,
                    sub.id,
                    exc.message,
                    " (kept in the sent journal)" if noted else "",
                    ", ".join(progress.accepted) or "(none)",
                )
            raise
        except PostError as exc:
            await progress.settled()
            return await self._failed(sub, claim, exc, _longer(progress.accepted, exc.posted))
        except TimeoutError:
            await progress.settled()
            return await self._failed(
                sub,
                claim,
                PostError(f"no answer within {self.settings.post_timeout_seconds:g} s"),
                progress.accepted,
            )
        except Exception as exc:  # a bug in one sink must not stop the others
            log.exception("posting %s to %s crashed", claim.period, target.redacted)
            await progress.settled()
            return await self._failed(
                sub, claim, PostError(f"{type(exc).__name__}: {exc}"), progress.accepted
            )
        await progress.settled()
        outcome = await self._completed(sub, claim, ids)
        log.info(
            "posted %s to %s (%s, %d message(s))",
            claim.period,
            target.redacted,
            sub.id,
            len(ids),
        )
        return outcome

    async def _completed(
        self, sub: Subscription, claim: Claim, ids: Sequence[str], *, detail: str | None = None
    ) -> Outcome:
        """Record a post that went out (or needed no message, with ``detail``), come what may.

        A ledger that cannot be written is retried with back-off, then at every
        later evaluation: the post is never made again for that reason.
        """
        what = f"record the post of {claim.period} as done"
        if not await self._settle(
            sub.id,
            what,
            lambda: self.ledger.complete(claim, ids, detail=detail),
            ids,
            fallback=lambda: self.ledger.note_sent(claim, ids, done=True),
        ):
            return Outcome(
                sub.id, "posted", claim.period, "not on record yet", message_ids=tuple(ids)
            )
        if sub.last_error:
            await self._note_error(sub.id, None)
        if detail is not None and not ids:
            return Outcome(sub.id, "filtered", claim.period)
        return Outcome(sub.id, "posted", claim.period, message_ids=tuple(ids))

    async def _settle(
        self,
        sub_id: str,
        what: str,
        write: Callable[[], object],
        sent: Sequence[str],
        *,
        fallback: Callable[[], object] | None = None,
    ) -> bool:
        """Make a ledger write about sent messages, retried; kept for later if it still fails.

        ``fallback`` notes the messages in the sent journal at the first failure.
        """
        try:
            await retry_write(
                what, write, within=self.settings.ledger_retry_seconds, fallback=fallback
            )
        except StorageError:
            self.unsettled.keep(sub_id, what, write, sent)
            return False
        return True

    async def _note_error(self, sub_id: str, error: str | None) -> None:
        """Show (or clear) a subscription's last error; a busy database only costs the note."""
        try:
            await asyncio.to_thread(self.subscriptions.note_error, sub_id, error)
        except StorageError as exc:
            log.warning("subscription %s: could not note its last error: %s", sub_id, exc.message)

    async def _failed(
        self, sub: Subscription, claim: Claim, exc: PostError, accepted: Sequence[str] = ()
    ) -> Outcome:
        """Record a failed post; ``accepted``: its messages that went out (the retry resumes)."""
        if exc.permanent:
            log.error(
                "subscription %s disabled: posting to %s failed for good: %s",
                sub.id,
                sub.parsed_target.redacted,
                exc.message,
            )
            await self._settle(
                sub.id,
                f"record the post of {claim.period} as failed",
                lambda: self.ledger.fail(claim, exc.message, message_ids=accepted),
                accepted,
                fallback=lambda: self.ledger.note_sent(claim, accepted),
            )
            await asyncio.to_thread(self.subscriptions.disable, sub.id, exc.message)
            return Outcome(sub.id, "failed", claim.period, exc.message)
        backoff = timedelta(minutes=self.settings.retry_minutes * min(claim.attempt, 6))
        # Any sink's delay, clamped again here: this is what a timedelta is made of.
        asked = clamp_delay(exc.retry_after, maximum=self.settings.retry_after_max_minutes * 60)
        if asked is not None:
            backoff = max(timedelta(seconds=asked), timedelta(seconds=1))
        retry_at = self.clock.now() + backoff
        log.warning(
            "posting %s to %s failed (attempt %d): %s; retrying after %s",
            claim.period,
            sub.parsed_target.redacted,
            claim.attempt,
            exc.message,
            retry_at.isoformat(timespec="seconds"),
        )
        await self._settle(
            sub.id,
            f"hand back the post of {claim.period} for a retry",
            lambda: self.ledger.release(
                claim, exc.message, retry_at=retry_at, message_ids=accepted
            ),
            accepted,
            fallback=lambda: self.ledger.note_sent(claim, accepted),
        )
        await self._note_error(sub.id, exc.message)
        return Outcome(sub.id, "retry", claim.period, exc.message)

    def _base_url(self) -> str | None:
        """Where the web archive is published (``[web] base_url``), for threads' parents."""
        return self.engine.settings.web.base_url

    def _digest(self, sub: Subscription, claim: Claim) -> Digest | None:
        """The digest a claim posts (``None`` when the filters leave nothing)."""
        if claim.kind == "note":
            return Digest(title=NOTE_TITLE, episodes=(), sections=())
        key = (claim.episode_ids, sub.sections, sub.keywords, sub.orgs, sub.licenses, sub.changes)
        cached = self._digests.get(key)
        if cached is not None and time.monotonic() - cached[0] < DIGEST_CACHE_SECONDS:
            return cached[1]
        episodes: list[Episode] = []
        for episode_id in claim.episode_ids:
            episode = self.engine.store.episode(episode_id)
            if episode is not None:
                episodes.append(episode)
        digest: Digest | None = None
        if episodes:
            # Newest first, as the digest lists its sources.
            episodes.sort(key=_published_order, reverse=True)
            digest = self.engine.digest(
                episodes, sections=sub.sections, keywords=sub.keywords, facts=sub.facts
            )
            if (sub.sections or sub.keywords or sub.facts) and digest.item_count == 0:
                digest = None
            elif sub.changes:
                digest = with_changes(self.engine.store, digest, episodes)
        if len(self._digests) > 256:
            self._digests.clear()
        self._digests[key] = (time.monotonic(), digest)
        return digest


def _longer(accepted: Sequence[str], posted: Sequence[str]) -> list[str]:
    """What went out of a failed post: the longer of what we heard and what the error says."""
    return list(posted) if len(posted) > len(accepted) else list(accepted)


def _published_order(episode: Episode) -> float:
    return episode.published.timestamp() if episode.published else 0.0
