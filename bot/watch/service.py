"""The watch round ``digestbot run`` does after every ingest: record new alerts, send them."""

from __future__ import annotations

import asyncio
import logging

from bot.sinks import Sink
from bot.store.protocol import StoreLike
from bot.timing import Clock
from bot.watch.delivery import AlertSender, SinkAlertSender, deliver_pending
from bot.watch.matching import record_new_alerts

log = logging.getLogger(__name__)


class WatchService:
    """Matches and delivers watch alerts; one round at a time (a pending alert is sent once)."""

    def __init__(self, store: StoreLike, *, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.senders: dict[str, AlertSender] = {}
        self._lock = asyncio.Lock()

    def add_sink(self, kind: str, sink: Sink) -> None:
        """Send alerts of channel watches of ``kind`` (``slack``, webhooks…) through ``sink``."""
        self.senders[kind] = SinkAlertSender(sink)

    def add_sender(self, kind: str, sender: AlertSender) -> None:
        """Send alerts of ``kind`` targets (``slack-user``, ``discord-user``) through ``sender``."""
        self.senders[kind] = sender

    async def round(self) -> dict[str, int]:
        """Record the alerts new items raise, then send every pending one; returns the counts."""
        async with self._lock:
            now = self.clock.now()
            recorded = await asyncio.to_thread(record_new_alerts, self.store, now=now)
            counts = await deliver_pending(self.store, self.senders, now=now)
        if recorded or counts["sent"] or counts["disabled"]:
            log.info(
                "watches: %d new alert(s); %d sent, %d failed, %d watch(es) disabled",
                recorded,
                counts["sent"],
                counts["failed"],
                counts["disabled"],
            )
        return counts
