"""Sending recorded watch alerts: each pending ``watch_alerts`` row, once.

The alert is a platform-neutral ``WatchAlert`` (the item's line, links and
episode); an ``AlertSender`` of the target's platform renders and sends it.
A row becomes ``sent`` as soon as the platform accepted the message; a
transient failure leaves it pending for the next round; a permanent one (the
user blocked the bot, the channel is gone) disables the watch with the
platform's reason, shown by ``watch list``.

A crash between the platform's answer and the row's update resends that one
alert on the next start (chat APIs take no idempotency key for messages):
the window is one HTTP call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, Frozen, Link
from bot.sinks import PostError, Sink
from bot.store.protocol import StoreLike
from bot.watch.targets import shown_target, split_target
from bot.watch.watches import Watches

log = logging.getLogger(__name__)

#: A watch target's kind in SQL ("slack-user" of "slack-user:U0123", "console").
#: Alerts sent per round at most (the rest wait for the next round).
MAX_PER_ROUND = 500


class WatchAlert(Frozen):
    """One alert: a watched release came up in an episode."""

    watch_id: str
    entity_id: str
    query: str
    release: str
    name: str
    headline: str
    section: str
    links: tuple[Link, ...] = ()
    episode: EpisodeRef


@runtime_checkable
class AlertSender(Protocol):
    """Sends watch alerts on one platform (``where``: a user id for DMs, else a channel)."""

    async def send_alert(self, kind: str, where: str, alert: WatchAlert) -> str:
        """Send ``alert``; return the message id.  Raises ``PostError`` on failure."""
        ...


class SinkAlertSender:
    """Sends alerts to channels and webhooks through a digest ``Sink``, as a one-release digest.

    Channel watches (``slack:C…``, ``discord:…``, webhooks, the console) need no
    renderer of their own: each platform's digest rendering (and its escaping
    and limits) applies.
    """

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    async def send_alert(self, kind: str, where: str, alert: WatchAlert) -> str:
        """Post ``alert`` as a digest to ``where``; returns the first message id."""
        ids = await self._sink.post_digest(where, alert_digest(alert))
        return ids[0] if ids else ""


def alert_digest(alert: WatchAlert) -> Digest:
    """The alert as a digest of one release (for digest sinks)."""
    item = DigestItem(
        name=alert.name, headline=alert.headline, links=alert.links, sources=(alert.episode,)
    )
    return Digest(
        title=f"👀 {alert.release} came up (watch: {alert.query})",
        episodes=(alert.episode,),
        sections=(DigestSection(name=alert.section, items=(item,)),),
    )


def pending_alerts(
    store: StoreLike, kinds: Sequence[str] | None = None, limit: int = MAX_PER_ROUND
) -> list[tuple[str, WatchAlert]]:
    """``(target, alert)`` of the alerts recorded but not sent yet, oldest first.

    ``kinds``: only targets of these kinds (those this process can send to), so
    alerts waiting for a platform that is not configured never crowd out the rest.
    """
    rows = store.watch_tables().pending(kinds, limit)
    out = []
    for r in rows:
        alert = WatchAlert(
            watch_id=r[1],
            entity_id=r[12],
            query=r[2],
            release=r[3],
            name=r[4],
            headline=r[5],
            section=r[6],
            links=tuple(Link(**link) for link in json.loads(r[7])),
            episode=EpisodeRef(
                id=r[8],
                title=r[9],
                published=datetime.fromisoformat(r[10]) if r[10] else None,
                url=r[11],
            ),
        )
        out.append((r[0], alert))
    return out


async def deliver_pending(
    store: StoreLike, senders: Mapping[str, AlertSender], *, now: datetime
) -> dict[str, int]:
    """Send every pending alert whose platform has a sender; returns counts by outcome.

    Outcomes: ``sent``, ``failed`` (transient: retried next round), ``disabled``
    (a permanent failure disabled the watch), ``no-sender`` (left pending).
    """
    counts = {"sent": 0, "failed": 0, "disabled": 0, "no-sender": 0}
    watches = Watches(store)
    disabled: set[str] = set()
    for target, alert in pending_alerts(store, sorted(senders)):
        if alert.watch_id in disabled:
            continue
        kind, where = split_target(target)
        sender = senders.get(kind)
        if sender is None:
            counts["no-sender"] += 1
            continue
        try:
            message_id = await sender.send_alert(kind, where, alert)
        except PostError as exc:
            if exc.permanent:
                watches.disable(alert.watch_id, exc.message)
                disabled.add(alert.watch_id)
                counts["disabled"] += 1
                log.warning(
                    "watch %s to %s disabled: %s", alert.watch_id, shown_target(target), exc
                )
            else:
                _note_error(store, alert, exc.message)
                counts["failed"] += 1
            continue
        _mark_sent(store, alert, message_id, now)
        counts["sent"] += 1
    return counts


def _key(alert: WatchAlert) -> tuple[str, str, str]:
    return alert.watch_id, alert.entity_id, alert.episode.id


def _mark_sent(store: StoreLike, alert: WatchAlert, message_id: str, now: datetime) -> None:
    store.watch_tables().mark_sent(_key(alert), message_id, now.isoformat())


def _note_error(store: StoreLike, alert: WatchAlert, error: str) -> None:
    store.watch_tables().note_error(_key(alert), error)
