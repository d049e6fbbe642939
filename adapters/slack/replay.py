"""Slack request verification that also refuses replays.

slack-bolt's own check accepts a correctly signed request as often as it is
sent within five minutes of its timestamp, so a captured ``/digest
subscribe`` could be sent again to undo an unsubscribe; and a non-numeric
``X-Slack-Request-Timestamp`` raised inside it (500).  ``ReplayGuard``
replaces that middleware: a missing or malformed timestamp or signature, a
bad signature, or one older or newer than the window gets 401, and so does
a signature already seen inside the window.

Seen signatures are kept where every process serving the same database sees
them: a small table in digestbot's SQLite file (``bot.store.seen.SqliteSeen``), one short
write per request on its own connection.  Without a database file (tests,
``:memory:``) or while the database is locked, ``MemorySeen`` keeps them in
this process only.  Only signatures that verified are recorded, so the set
grows with real Slack traffic, never with an attacker's; entries expire
with the window.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.errors import StorageError
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

#: Seconds a request's timestamp may be off from now (Slack's documented window).
WINDOW_SECONDS = 300
#: How many signatures ``MemorySeen`` keeps at most (oldest dropped first).
MEMORY_LIMIT = 100_000


class SeenSignatures(Protocol):
    """Where signatures already accepted are remembered until they expire."""

    def first_sight(self, signature: str, expires_at: float, now: float) -> bool:
        """Record ``signature``; ``False`` when it was already recorded and not expired."""
        ...

    def close(self) -> None:
        """Release what the record holds (a database connection)."""
        ...


class MemorySeen:
    """Seen signatures in this process: bounded, oldest out first."""

    def __init__(self, limit: int = MEMORY_LIMIT) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def first_sight(self, signature: str, expires_at: float, now: float) -> bool:
        """Record ``signature``; ``False`` when it was already recorded and not expired."""
        with self._lock:
            # Entries go in roughly by expiry, so the expired ones sit at the front.
            while self._seen:
                oldest, expiry = next(iter(self._seen.items()))
                if expiry > now and len(self._seen) < self._limit:
                    break
                del self._seen[oldest]
            known = self._seen.get(signature)
            if known is not None and known > now:
                return False
            self._seen[signature] = expires_at
            return True

    def close(self) -> None:
        """Nothing to release."""


class ReplayGuard(AsyncMiddleware):
    """bolt middleware: verify the signature and timestamp, and refuse replays (401).

    Put in place of bolt's ``RequestVerification``
    (``request_verification_enabled=False, before_authorize=guard``), so a
    refused request is answered before any authorisation work.
    """

    def __init__(
        self,
        signing_secret: str,
        seen: SeenSignatures | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret.encode()
        self._seen = seen or MemorySeen()
        self._fallback = MemorySeen()
        self._clock = clock

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt calls it by this name
    ) -> BoltResponse:
        """Call ``next`` for a fresh, correctly signed request; answer 401 otherwise."""
        if req.mode == "socket_mode":  # authenticated by the app-level token instead
            return await next()
        timestamp = _first(req.headers.get("x-slack-request-timestamp"))
        signature = _first(req.headers.get("x-slack-signature"))
        now = self._clock()
        problem = self._problem(req.raw_body, timestamp, signature, now)
        if problem is None:
            expires_at = float(timestamp) + WINDOW_SECONDS + 1
            if not await self._first_sight(signature, expires_at, now):
                problem = "replayed (signature already seen)"
        if problem is not None:
            log.info("slack: refused a request: %s", problem)
            return BoltResponse(status=401, body={"error": "invalid request"})
        return await next()

    def _problem(self, body: str, timestamp: str, signature: str, now: float) -> str | None:
        """Why the request is refused, or ``None`` when its signature and timestamp hold."""
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return "missing or malformed timestamp"
        if abs(now - int(timestamp)) > WINDOW_SECONDS:
            return "stale timestamp"
        if not signature.startswith("v0=") or not signature.isascii():
            return "missing or malformed signature"
        base = f"v0:{timestamp}:{body}".encode()
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "bad signature"
        return None

    async def _first_sight(self, signature: str, expires_at: float, now: float) -> bool:
        if isinstance(self._seen, MemorySeen):
            return self._seen.first_sight(signature, expires_at, now)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                None, self._seen.first_sight, signature, expires_at, now
            )
        except StorageError as exc:
            # A locked or broken database must not refuse Slack's real requests:
            # this process still refuses what it has seen itself.
            log.warning("slack: could not record a request signature (%s): checking in memory", exc)
            return self._fallback.first_sight(signature, expires_at, now)


def seen_store(store: StoreLike | None) -> SeenSignatures:
    """The store's shared record of seen signatures; ``MemorySeen`` without one."""
    if store is None:
        return MemorySeen()
    try:
        shared = store.seen_signatures()
    except StorageError as exc:
        log.warning("slack: keeping request signatures in memory only (%s)", exc)
        return MemorySeen()
    return shared if shared is not None else MemorySeen()


def _first(values: object) -> str:
    """The first header value as text ('' when absent)."""
    if isinstance(values, list | tuple) and values:
        return str(values[0])
    return values if isinstance(values, str) else ""
