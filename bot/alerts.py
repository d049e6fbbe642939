"""Feed health alerts: one message per incident to the ``[alerts] target``, one when it recovers.

Incidents (each a row of ``incidents``, so a restart neither repeats nor forgets one):

* ``feed`` - a feed failed ``[alerts] failures`` polls in a row (default 3);
  recovered by its next successful poll.
* ``markup`` - the newest episode of a show that usually has a release list
  yields none (its show-notes markup probably changed); recovered when a newer
  episode has items again.
* ``subscription`` - a subscription was disabled by a platform error;
  recovered when it is active again (re-subscribed) or removed.

``FeedHealth`` records each poll (``feed_health``: failures in a row, last
success, last error, shown by ``/digest status``) and opens or resolves
incidents; ``pending_messages`` lists the openings and recoveries not sent
yet, and ``mark_sent`` records each one sent, so each goes out once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.feedurls import redact_feed_url, redact_urls
from bot.models import Digest, DigestItem, DigestSection
from bot.sinks import PostError, Sink
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

Kind = Literal["feed", "markup", "subscription"]

#: Episodes before the newest one read to decide a show "usually has a release list".
HISTORY = 5
#: Of those, how many must have had a release list.
USUALLY = 3
#: Items that make a release list: an episode without one still gives one item (the
#: story its title names), so a list is two items or more.
LIST_ITEMS = 2


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed's health, for ``/digest status``."""

    feed: str
    failures: int
    last_ok: str | None
    last_error: str | None
    last_error_at: str | None


@dataclass(frozen=True, slots=True)
class HealthMessage:
    """An incident's opening (``recovered`` False) or recovery, to send once."""

    incident_id: int
    kind: str
    subject: str
    text: str
    recovered: bool

    def digest(self) -> Digest:
        """The message as a digest of one line, for any digest sink."""
        title = ("✅ Recovered: " if self.recovered else "⚠️ digestbot alert: ") + _what(self)
        # A feed's subject is its URL, which may carry a private feed's token.
        subject = redact_feed_url(self.subject)[:200]
        text = redact_urls(self.text)[:600]
        item = DigestItem(name=subject, headline=f"{subject} - {text}")
        return Digest(
            title=title[:140], episodes=(), sections=(DigestSection(name="Health", items=(item,)),)
        )


def _what(message: HealthMessage) -> str:
    return {
        "feed": "a feed is failing",
        "markup": "an episode came without a release list",
        "subscription": "a subscription was disabled",
    }.get(message.kind, message.kind)


class FeedHealth:
    """Feed health and incidents in the store (synchronous; call it off the event loop)."""

    def __init__(self, store: StoreLike, *, failures: int = 3) -> None:
        self.store = store
        self.tables = store.health_tables()
        self.threshold = max(1, failures)

    # --- polls -----------------------------------------------------------------------

    def failed(self, feed: str, error: str, *, now: datetime) -> None:
        """Record a failed poll; open a ``feed`` incident at the threshold."""
        error = redact_urls(error)  # stored for /digest status: no credential in it
        count = self.tables.record_failure(feed, error[:300], now.isoformat())
        if count >= self.threshold:
            self._open(
                "feed", feed, f"{count} polls in a row failed; last error: {error[:300]}", now
            )

    def succeeded(self, feed: str, *, now: datetime, changed: bool = True) -> None:
        """Record a successful poll; resolve the feed's incident; check the newest episode."""
        self.tables.record_success(feed, now.isoformat())
        self._resolve("feed", feed, now)
        if changed:
            self.check_markup(feed, now=now)

    def check_markup(self, feed: str, *, now: datetime) -> None:
        """Open (or resolve) the ``markup`` incident from the feed's newest episodes."""
        rows = self.tables.newest_item_counts(feed, HISTORY + 1)
        if not rows:
            return
        (title, newest), earlier = rows[0], rows[1:]
        if newest >= LIST_ITEMS:
            self._resolve("markup", feed, now)
        elif sum(1 for _, count in earlier if count >= LIST_ITEMS) >= USUALLY:
            self._open(
                "markup",
                feed,
                f"'{title[:120]}' yields no release list, where the show's earlier episodes had"
                " one: its show-notes markup may have changed",
                now,
            )

    def check_subscriptions(self, *, now: datetime) -> None:
        """Open an incident per disabled subscription; resolve those active again or gone."""
        disabled = self.tables.disabled_subscriptions()
        for sub_id, reason in disabled.items():
            self._open("subscription", sub_id, f"disabled: {reason[:300]}", now)
        for subject in self.tables.open_subjects("subscription"):
            if subject not in disabled:
                self._resolve("subscription", subject, now)

    def feeds(self) -> list[FeedStatus]:
        """Every feed polled so far, with its last success and last error."""
        return [FeedStatus(*row) for row in self.tables.feeds()]

    # --- messages ----------------------------------------------------------------------

    def pending_messages(self) -> list[HealthMessage]:
        """Openings and recoveries not sent yet, oldest first.

        A recovery is sent only for an incident whose opening went out (an
        incident that resolved before it was alerted is closed silently).
        """
        out = []
        for incident_id, kind, subject, message, alerted, _resolved in self.tables.unsent():
            recovered = alerted is not None
            text = "works again" if recovered else message
            out.append(HealthMessage(int(incident_id), kind, subject, text, recovered))
        return out

    def mark_sent(self, message: HealthMessage, *, now: datetime) -> None:
        """Record that ``message`` went out (it is never sent again)."""
        self.tables.mark_sent(message.incident_id, recovered=message.recovered, at=now.isoformat())

    # --- incidents ---------------------------------------------------------------------

    def _open(self, kind: Kind, subject: str, message: str, now: datetime) -> None:
        self.tables.open(f"{kind}:{subject}", kind, subject, message, now.isoformat())

    def _resolve(self, kind: Kind, subject: str, now: datetime) -> None:
        self.tables.resolve(f"{kind}:{subject}", now.isoformat())


async def send_pending(health: FeedHealth, sink: Sink, where: str, *, now: datetime) -> int:
    """Send every pending opening and recovery through ``sink`` to ``where``; returns how many.

    A failure stops the round (the rest wait for the next one): alerts go out in order.
    """
    import asyncio

    sent = 0
    for message in await asyncio.to_thread(health.pending_messages):
        try:
            await sink.post_digest(where, message.digest())
        except PostError as exc:
            log.warning("health alert to the [alerts] target failed: %s", exc.message)
            break
        await asyncio.to_thread(health.mark_sent, message, now=now)
        sent += 1
    return sent
