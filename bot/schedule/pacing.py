"""Pacing requests to a platform across the whole process, and Discord's rate-limit headers.

Discord limits webhook requests to 50 per second per IP address, over every
webhook together: 1,000 Discord webhook subscriptions posting at once put
156 requests into one second.  ``RateWindow`` lets at most ``rate`` requests
arrive in any window of one second, for every task, event loop and thread of
the process (one shared instance, ``discord_webhook_window``), a little under
the limit by default.

``DiscordLimits`` reads what Discord says on every answer
(``X-RateLimit-Remaining``, ``-Reset-After``, ``-Bucket``, ``-Global``,
``-Scope``): a bucket with nothing remaining is not used again until it
resets, and a global limit pauses every Discord webhook request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.retry_after import parse_retry_after

#: Discord's documented limit for webhook requests from one address, per second.
DISCORD_WEBHOOK_LIMIT = 50.0
#: The default pace: under the limit, so late arrivals still fit.
DISCORD_WEBHOOK_RATE = 45.0


@dataclass
class Slot:
    """One request's place in a ``RateWindow``: booked start, and when its answer came."""

    start: float
    expires: float  # taken as answered by then even if never told (a timeout, a crash)
    done: float | None = None


#: How often a request waiting for an earlier one's answer looks again, in seconds.
POLL_SECONDS = 0.01


class RateWindow:
    """At most ``rate`` requests *arriving* in any ``window`` seconds; thread-safe, loop-agnostic.

    Discord counts arrivals, and a request arrives somewhere between its start
    and its answer (a new connection's first request arrives late).  So a
    request may start only ``window`` seconds after the *answer* to the one
    ``rate`` requests before it: whatever the delays, no ``rate + 1`` of them
    can arrive within one window.  Bursts of ``rate`` go at once.

    ``reserve()`` books a start and says how long to wait for it (the caller
    sleeps in its own event loop), or says to ask again shortly while that
    earlier request is still unanswered; ``finish(slot)`` records the answer.
    """

    def __init__(
        self, rate: float, *, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._window = window
        self._lock = threading.Lock()
        self._slots: deque[Slot] = deque()
        self._paused_until = 0.0
        self._rate = 1
        self.set_rate(rate)

    @property
    def rate(self) -> int:
        """Requests allowed per window."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the rate (whole requests per window, at least one)."""
        with self._lock:
            self._rate = max(1, math.floor(rate))
            self._slots = deque(self._slots, maxlen=self._rate)

    def pause_until(self, when: float) -> None:
        """Let no request start before ``when`` (a clock reading): a global rate limit."""
        with self._lock:
            self._paused_until = max(self._paused_until, when)

    def reserve(self, max_flight: float = 60.0) -> tuple[float, Slot | None]:
        """Book the next start: (seconds to wait, the slot), or (seconds to ask again, ``None``).

        ``max_flight``: after this long a request is taken as answered even if
        ``finish`` is never called (it timed out or its task was cancelled).
        """
        with self._lock:
            now = self._clock()
            start = max(now, self._paused_until)
            if self._slots:
                start = max(start, self._slots[-1].start)  # starts stay in order
                if len(self._slots) == self._rate:
                    oldest = self._slots[0]
                    answered = oldest.done if oldest.done is not None else oldest.expires
                    if oldest.done is None and now < oldest.expires:
                        return POLL_SECONDS, None
                    start = max(start, answered + self._window)
            slot = Slot(start=start, expires=start + max_flight)
            self._slots.append(slot)
            return start - now, slot

    def finish(self, slot: Slot) -> None:
        """The request of ``slot`` was answered (or failed) now."""
        with self._lock:
            if slot.done is None:
                slot.done = max(self._clock(), slot.start)


_discord_window: RateWindow | None = None
_discord_lock = threading.Lock()


def discord_webhook_window(rate: float | None = None) -> RateWindow:
    """The process-wide ``RateWindow`` of Discord webhook requests (``rate`` updates it)."""
    global _discord_window
    with _discord_lock:
        if _discord_window is None:
            _discord_window = RateWindow(rate or DISCORD_WEBHOOK_RATE)
        elif rate is not None:
            _discord_window.set_rate(rate)
        return _discord_window


#: The longest wait taken from a rate-limit header: Discord's resets are seconds, and a
#: huge value must neither overflow a timedelta nor stop posting for good.
MAX_HEADER_SECONDS = 3600.0


def _number(value: str | None) -> float | None:
    """A header's non-negative number of seconds, at most ``MAX_HEADER_SECONDS``."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return min(number, MAX_HEADER_SECONDS) if math.isfinite(number) and number >= 0 else None


class DiscordLimits:
    """What Discord's ``X-RateLimit-*`` headers say about each webhook and about everyone.

    ``observe`` is fed every answer; ``wait_for(url)`` says how long to hold
    the next request to ``url``.  A global limit goes to ``window``.
    """

    def __init__(self, window: RateWindow, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._bucket_of: dict[str, str] = {}
        self._reset_at: dict[str, float] = {}

    def observe(self, url: str, status: int, headers: Mapping[str, str]) -> float | None:
        """Note an answer's headers; the seconds everything must wait for a global limit, if any."""
        now = self._clock()
        bucket = headers.get("x-ratelimit-bucket") or url
        reset_after = _number(headers.get("x-ratelimit-reset-after"))
        remaining = _number(headers.get("x-ratelimit-remaining"))
        scope = (headers.get("x-ratelimit-scope") or "").lower()
        is_global = (headers.get("x-ratelimit-global") or "").lower() == "true" or scope == "global"
        with self._lock:
            self._bucket_of[url] = bucket
            if remaining == 0 and reset_after is not None:
                self._reset_at[bucket] = max(self._reset_at.get(bucket, 0.0), now + reset_after)
            if len(self._reset_at) > 4096:  # forget buckets long reset
                self._reset_at = {b: t for b, t in self._reset_at.items() if t > now}
        if status == 429 and is_global:
            delay = parse_retry_after(headers.get("retry-after"), maximum=MAX_HEADER_SECONDS)
            delay = reset_after if delay is None else delay
            if delay is not None:
                self._window.pause_until(now + delay)
                return delay
        return None

    def wait_for(self, url: str) -> float:
        """Seconds until ``url``'s bucket has requests left (0 when it has)."""
        with self._lock:
            bucket = self._bucket_of.get(url, url)
            reset_at = self._reset_at.get(bucket, 0.0)
        return max(0.0, reset_at - self._clock())
