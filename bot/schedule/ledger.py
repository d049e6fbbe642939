"""The posting ledger: what was posted where, so each post happens once.

One ``posts`` row per (subscription, period), its primary key the guard.
Posting is claim, post, record:

1. ``claim`` runs in one ``BEGIN IMMEDIATE`` transaction (SQLite's write
   lock, so it is atomic across threads *and* processes on the same file):
   it picks the episodes the post covers, reserves them in ``covered`` and
   writes the row as ``claimed`` by this process, with a lease.  A second
   claimant (a double-fired job, another process) finds the row and backs off.
2. The caller posts, recording each message's id with ``record`` as the
   platform accepts it (a digest may take several messages).
3. ``complete`` marks the row ``posted``; ``release`` hands a transient failure
   back for a later retry (same episodes, so the retry posts the same digest);
   ``fail`` records a permanent one.

A claim left ``claimed`` by a process that died is taken over when its lease
ends, or at once when its owner was a process on this host that no longer
runs (the owner is ``host:pid:token``).  A retry or take-over gets the
ids recorded so far in ``Claim.message_ids`` and the digest the first
attempt began (``keep_digest``, in ``Claim.digest``), and resumes that
digest after them rather than posting it again or composing it anew from
an episode edited meanwhile.

Ids that could not be written (the database locked or full) go to the sent
journal beside the database (``journal.py``); ``claim`` folds it in first.
The window left is an answer lost after the platform accepted a message
(a timeout, a reset, a crash before the id reached the ledger): that message
is sent again, i.e. at-least-once there and exactly-once everywhere else.
Discord bot messages carry a nonce Discord deduplicates, and generic
webhooks an ``Idempotency-Key`` a receiver can use, to close even that.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.models import Digest
from bot.schedule.journal import SentJournal, SentNote
from bot.schedule.subscriptions import Subscription
from bot.store.ledger import DONE_STATES, Candidate, Kind, LedgerRow, State
from bot.timing import Clock

if TYPE_CHECKING:
    from bot.store.protocol import LedgerUnit, StoreLike

__all__ = [
    "DONE_STATES",
    "Candidate",
    "Claim",
    "FirstRule",
    "Kind",
    "Ledger",
    "LedgerRow",
    "Refused",
    "State",
    "make_owner",
    "owner_is_dead",
]

log = logging.getLogger(__name__)

#: How the episodes of a post are chosen when the subscription has not posted yet.
FirstRule = Literal["latest", "since-created"]

#: A first post lists each feed's newest episode, if within this long of the newest of all.
FIRST_POST_SPAN = timedelta(days=7)
#: An on-publish subscription posts episodes published at most this long before it was made
#: (and ingested after): a fresh database's backlog is not posted.
ON_PUBLISH_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class Claim:
    """The right to post one period of one subscription, held until recorded."""

    subscription_id: str
    period: str
    kind: Kind
    episode_ids: tuple[str, ...]
    attempt: int
    owner: str
    #: Ids of the digest's messages an earlier attempt got accepted, in order: resume after them.
    message_ids: tuple[str, ...] = ()
    #: The digest an earlier attempt rendered and began to send (``keep_digest``): a retry
    #: resumes these very messages, not a digest composed again from edited episodes.
    digest: Digest | None = None


Refusal = Literal["done", "in-flight", "nothing-new", "later", "gone"]


@dataclass(frozen=True)
class Refused:
    """Why a claim was not granted (``row`` is the ledger entry in the way, if any)."""

    reason: Refusal
    row: LedgerRow | None = None


def make_owner() -> str:
    """This process's owner token: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_dead(owner: str | None) -> bool:
    """Whether ``owner`` was a process on this host that no longer runs.

    Only a definite answer counts: another host, this very process, or a
    pid we may not signal all count as alive (the lease decides then).
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


class Ledger:
    """Claims and records posts (synchronous; call it off the event loop)."""

    def __init__(
        self,
        store: StoreLike,
        *,
        clock: Clock,
        lease: timedelta = timedelta(minutes=10),
        owner: str | None = None,
        journal: SentJournal | None = None,
    ) -> None:
        self.store = store
        self.tables = store.ledger_tables()
        self.clock = clock
        self.lease = lease
        self.owner = owner or make_owner()
        #: Where sent messages go when this ledger cannot be written (see ``journal.py``).
        self.journal = journal or SentJournal.beside(store.path)

    # --- reading ------------------------------------------------------------------

    def row(self, sub_id: str, period: str) -> LedgerRow | None:
        """The ledger entry of one period, if any."""
        return self.tables.reads().row(sub_id, period)

    def history(self, sub_id: str, limit: int = 20) -> list[LedgerRow]:
        """A subscription's ledger entries, most recent first."""
        return self.tables.reads().history(sub_id, limit)

    def last_posted(self, sub_id: str) -> LedgerRow | None:
        """The most recent successful post of a subscription."""
        return self.tables.reads().last_posted(sub_id)

    def unfinished(self) -> list[LedgerRow]:
        """Entries waiting for a retry or held by a claim (for the sweep)."""
        return self.tables.reads().unfinished()

    def candidates(self, sub: Subscription, *, first: FirstRule = "latest") -> list[Candidate]:
        """The episodes a post for ``sub`` would cover now (read-only preview)."""
        return _choose(self.tables.reads(), sub.id, first)

    # --- claiming -------------------------------------------------------------------

    def claim(
        self,
        sub: Subscription,
        period: str,
        *,
        kind: Kind = "digest",
        first: FirstRule = "latest",
        episode_ids: Sequence[str] | None = None,
    ) -> Claim | Refused:
        """Claim ``period`` of ``sub`` for this process, choosing and reserving its episodes.

        ``episode_ids`` fixes the episodes (a forced re-post, which reserves
        nothing); a ``note`` covers none.  Returns ``Refused`` when the period
        is done, held by a live claim, waiting to retry, or has nothing new.
        """
        now = self.clock.now()
        self.fold_journal()
        with self.tables.transaction() as tx:
            row = tx.row(sub.id, period)
            if not tx.subscription_exists(sub.id):
                return Refused("gone")
            if row is not None:
                if row.done:
                    return Refused("done", row)
                if row.state == "claimed" and not self._can_take_over(row, now):
                    return Refused("in-flight", row)
                if row.state == "retry" and row.next_attempt_at and row.next_attempt_at > now:
                    return Refused("later", row)
                if row.state == "claimed":
                    log.warning(
                        "taking over the post of %s for %s: its claim by %s %s",
                        sub.id,
                        period,
                        row.owner,
                        "ended with that process" if owner_is_dead(row.owner) else "expired",
                    )
                tx.take(sub.id, period, self.owner, now + self.lease, now)
                return Claim(
                    sub.id,
                    period,
                    row.kind,
                    row.episode_ids,
                    row.attempts + 1,
                    self.owner,
                    row.message_ids,
                    _kept_digest(tx.kept_digest(sub.id, period), sub.id, period),
                )
            if kind == "note":
                chosen: tuple[str, ...] = ()
            elif episode_ids is not None:
                chosen = tuple(episode_ids)
            else:
                picked = _choose(tx, sub.id, first)
                if not picked:
                    return Refused("nothing-new")
                chosen = tuple(c.id for c in picked)
                self._reserve(tx, sub.id, period, picked)
            tx.insert_claim(sub.id, period, kind, self.owner, now + self.lease, now, chosen)
            return Claim(sub.id, period, kind, chosen, 1, self.owner)

    def _can_take_over(self, row: LedgerRow, now: datetime) -> bool:
        if row.owner == self.owner:
            return False  # our own post, still in flight in this process
        expired = row.lease_until is None or row.lease_until <= now
        return expired or owner_is_dead(row.owner)

    def _reserve(
        self, tx: LedgerUnit, sub_id: str, period: str, picked: Sequence[Candidate]
    ) -> None:
        tx.reserve(sub_id, period, [c.id for c in picked])
        # The first post fixes the baseline: later posts list only what is newer.
        tx.set_baseline(sub_id, max(c.when for c in picked))

    # --- recording --------------------------------------------------------------------

    def note_sent(self, claim: Claim, message_ids: Sequence[str], *, done: bool = False) -> bool:
        """Note sent messages in the journal when the ledger cannot take them (``journal.py``)."""
        return self.journal.note(
            SentNote(claim.subscription_id, claim.period, tuple(message_ids), done)
        )

    def fold_journal(self) -> int:
        """Write the journal's notes into the ledger and empty it; how many there were."""
        if not self.journal.has_notes():
            return 0
        folded = self.journal.fold(self._apply_notes)
        if folded:
            log.info("recorded %d note(s) of sent messages from the sent journal", folded)
        return folded

    def _apply_notes(self, notes: Sequence[SentNote]) -> None:
        now = self.clock.now()
        with self.tables.transaction() as tx:
            for note in notes:
                tx.grow_message_ids(note.subscription_id, note.period, note.message_ids)
                if note.done:
                    tx.mark_posted(note.subscription_id, note.period, now, unfinished_only=True)

    def keep_digest(self, claim: Claim, digest: Digest) -> bool:
        """Keep the digest ``claim`` is about to send until the post is done.

        Written once, before the first message goes out; a retry or take-over
        gets it back in ``Claim.digest`` and resumes its messages.  Returns
        whether it was written (False: the claim is no longer ours, or a digest
        was already kept).
        """
        with self.tables.transaction() as tx:
            return tx.keep_digest(
                claim.subscription_id, claim.period, claim.owner, digest.model_dump_json()
            )

    def complete(
        self, claim: Claim, message_ids: Sequence[str], *, detail: str | None = None
    ) -> None:
        """Record a successful post (or one that needed no message, with ``detail``)."""
        now = self.clock.now()
        with self.tables.transaction() as tx:
            updated = tx.mark_posted(
                claim.subscription_id,
                claim.period,
                now,
                owner=claim.owner,
                message_ids=message_ids,
                detail=detail,
            )
            if not updated and _folded_already(tx, claim, message_ids):
                return  # the sent journal recorded this very post (the ledger was busy)
            if not updated:
                # Our lease ran out and another process took the post over: both posted.
                log.error(
                    "post of %s for %s completed after its claim was taken over:"
                    " it may have been posted twice",
                    claim.subscription_id,
                    claim.period,
                )
                tx.mark_posted(claim.subscription_id, claim.period, now)

    def record(self, claim: Claim, message_ids: Sequence[str]) -> bool:
        """Record the ids of the messages of ``claim`` accepted so far (all of them, in order).

        Called as each message goes out, so a retry or a take-over after a
        crash resumes the digest instead of repeating it.  Only a longer list
        is written (writes from worker threads may land out of order) and only
        while the claim is still ours; returns whether it was written.
        """
        with self.tables.transaction() as tx:
            return tx.grow_message_ids(
                claim.subscription_id,
                claim.period,
                message_ids,
                owner=claim.owner,
                claimed_only=True,
            )

    def release(
        self,
        claim: Claim,
        error: str,
        *,
        retry_at: datetime,
        message_ids: Sequence[str] | None = None,
    ) -> None:
        """Hand a transiently failed (or abandoned) post back, to retry at ``retry_at``.

        ``message_ids``: the digest's messages accepted so far (the retry resumes after them).
        """
        with self.tables.transaction() as tx:
            if message_ids:
                tx.grow_message_ids(
                    claim.subscription_id, claim.period, message_ids, owner=claim.owner
                )
            tx.mark_retry(
                claim.subscription_id,
                claim.period,
                claim.owner,
                retry_at,
                error,
                self.clock.now(),
            )

    def fail(self, claim: Claim, error: str, *, message_ids: Sequence[str] = ()) -> None:
        """Record a post that cannot succeed; its episodes are free for a later post.

        ``message_ids``: what went out of it before the failure, kept for the record.
        """
        with self.tables.transaction() as tx:
            if message_ids:
                tx.grow_message_ids(claim.subscription_id, claim.period, message_ids)
            tx.mark_failed(claim.subscription_id, claim.period, error, self.clock.now())

    def skip(self, sub_id: str, period: str, detail: str) -> bool:
        """Record that a period gets no post (missed, or nothing new); False if already done.

        Episodes a skipped period did not reserve stay uncovered: the next post lists them.
        """
        self.fold_journal()  # a post the journal says went out is not skipped
        now = self.clock.now()
        with self.tables.transaction() as tx:
            row = tx.row(sub_id, period)
            if row is not None and (
                row.done or (row.state == "claimed" and not self._can_take_over(row, now))
            ):
                return False
            if row is None:
                tx.insert_skipped(sub_id, period, detail, now)
            else:
                # A retry that ran out of time: its episodes go to the next post.
                tx.mark_skipped(sub_id, period, detail, now)
            return True


def _choose(tx: LedgerUnit, sub_id: str, first: FirstRule) -> list[Candidate]:
    """The not-yet-covered episodes of a subscription's feeds that its next post lists."""
    basis = tx.basis(sub_id)
    if basis is None:
        return []
    feeds = set(basis.feeds)
    titles: set[str] = set()
    if feeds:
        # Episodes record their feed's title; the subscription names feeds by URL (or title).
        titles = {
            str(title) for source, title in tx.source_titles() if title and source in feeds
        } | feeds
    pool = [c for c in tx.uncovered(sub_id) if not titles or c.feed in titles]
    if basis.baseline is not None:
        baseline = basis.baseline
        picked = [c for c in pool if c.when >= baseline]
    elif first == "since-created":
        created_at = basis.created_at
        picked = [
            c for c in pool if c.arrived > created_at and c.when > created_at - ON_PUBLISH_LOOKBACK
        ]
    else:
        newest: dict[str, Candidate] = {}
        for c in pool:
            if c.feed not in newest or c.when > newest[c.feed].when:
                newest[c.feed] = c
        if not newest:
            return []
        top = max(c.when for c in newest.values())
        picked = [c for c in newest.values() if top - c.when <= FIRST_POST_SPAN]
    return sorted(picked, key=lambda c: (c.when, c.id))


def _folded_already(tx: LedgerUnit, claim: Claim, message_ids: Sequence[str]) -> bool:
    """Whether the row is ``posted`` with exactly ``message_ids`` (folded from the journal)."""
    found = tx.posted_with(claim.subscription_id, claim.period)
    return bool(found and found[0] == "posted" and list(found[1]) == list(message_ids))


def _kept_digest(text: str | None, sub_id: str, period: str) -> Digest | None:
    """A kept digest; one that no longer reads (an older format) is composed again."""
    if not text:
        return None
    try:
        return Digest.model_validate_json(text)
    except ValueError as exc:
        log.warning("the kept digest of %s for %s is unreadable (%s)", sub_id, period, exc)
        return None
