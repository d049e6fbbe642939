"""The one reader of server-given delays (``Retry-After``, Discord's ``retry_after``).

A server's delay is hostile input: ``Retry-After: 1e15`` overflows a
``timedelta``, ``nan`` compares false with everything, a date in the year
9999 means "never".  Every delay digestbot honours goes through here and
comes out finite, at least 0 and at most ``maximum`` seconds (the
``[schedule] retry_after_max_minutes`` setting; ``DEFAULT_MAX_SECONDS``
where a caller has no settings).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Six hours: the poller's longest backoff, and a cap no caller can exceed unconfigured.
DEFAULT_MAX_SECONDS = 6 * 3600.0


def clamp_delay(seconds: object, *, maximum: float = DEFAULT_MAX_SECONDS) -> float | None:
    """A number of seconds made safe: ``None`` unless a real number, else within [0, maximum].

    ``inf`` means "a long time" and becomes ``maximum``; ``nan`` and
    non-numbers mean nothing usable and become ``None``.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    try:
        value = float(seconds)
    except OverflowError:  # an int beyond float's range
        return max(0.0, maximum) if seconds > 0 else 0.0
    if math.isnan(value):
        return None
    return min(max(value, 0.0), max(0.0, maximum))


def parse_retry_after(
    value: object, *, maximum: float = DEFAULT_MAX_SECONDS, now: datetime | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), clamped.

    ``value`` may be a string, bytes, a number or a list of them (slack_sdk
    gives header values as lists; the first counts).  ``None`` when absent
    or unreadable, so the caller uses its own backoff.
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return clamp_delay(value, maximum=maximum)
    if not isinstance(value, str):
        return None
    text = value.strip()[:100]  # a header is short; a megabyte of digits is not worth parsing
    if not text:
        return None
    try:
        return clamp_delay(float(text), maximum=maximum)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return clamp_delay((when - (now or datetime.now(UTC))).total_seconds(), maximum=maximum)


def header_retry_after(
    headers: object, *, maximum: float = DEFAULT_MAX_SECONDS, now: datetime | None = None
) -> float | None:
    """``parse_retry_after`` of the ``Retry-After`` header in ``headers`` (any case of name)."""
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            return parse_retry_after(value, maximum=maximum, now=now)
    return None
