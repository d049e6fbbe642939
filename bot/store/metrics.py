"""Prometheus metrics of one digestbot process, and the health check.

The instruments live in one registry of their own (``REGISTRY``, not the
client's global one, so tests and several engines in one process never clash
over names).  Parts of the core record into them with the small functions
below (``record_poll``, ``record_post``, ``timed``), which cost a dictionary
lookup and an addition: they run whether or not anything serves them.
``digestbot run`` serves them on ``[metrics] port`` (``adapters/metrics``).

Feed labels are the feed URL without its query, fragment or user info: a
private feed's token never reaches a scrape.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.feedurls import redact_feed_url

P = ParamSpec("P")
R = TypeVar("R")

REGISTRY = CollectorRegistry(auto_describe=True)

POSTS = Counter(
    "digestbot_posts",
    "Scheduled posts by platform and outcome (sent, failed, retried).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
FEED_POLLS = Counter("digestbot_feed_polls", "Feed polls by feed.", ["feed"], registry=REGISTRY)
FEED_FAILURES = Counter(
    "digestbot_feed_poll_failures", "Failed feed polls by feed.", ["feed"], registry=REGISTRY
)
FEED_LAST_SUCCESS = Gauge(
    "digestbot_feed_last_success_timestamp_seconds",
    "Unix time of the last successful poll, by feed.",
    ["feed"],
    registry=REGISTRY,
)
INGEST_SECONDS = Histogram(
    "digestbot_ingest_seconds",
    "Time to poll and ingest one feed.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
LOOKUP_SECONDS = Histogram(
    "digestbot_lookup_seconds",
    "Time of an engine lookup (release, search, timeline).",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "digestbot_command_seconds",
    "Chat command latency, from the command to its reply, by command.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
LEDGER_PENDING = Gauge(
    "digestbot_ledger_claims_pending",
    "Ledger entries claimed or waiting for a retry (read at scrape time).",
    registry=REGISTRY,
)

#: Commands measured under their own label; anything else is "other" (bounded labels).
KNOWN_COMMANDS = frozenset({"release", "search", "tldr", "digest", "timeline", "help"})
#: Post outcomes as ``Outcome.status`` names them, mapped to the metric's label.
_POST_OUTCOMES = {"posted": "sent", "failed": "failed", "retry": "retried"}


def feed_label(source: str) -> str:
    """A feed as a label: a URL loses its query, fragment, user info and path tokens."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        # A private feed's token may sit in the path as well: the one feed-URL rule hides it.
        return redact_feed_url(urlunsplit((parts.scheme, host, parts.path, "", "")))[:200]
    return source[:200]


def record_poll(source: str, *, ok: bool, seconds: float) -> None:
    """One feed poll's outcome and duration."""
    feed = feed_label(source)
    FEED_POLLS.labels(feed=feed).inc()
    INGEST_SECONDS.observe(seconds)
    if ok:
        FEED_LAST_SUCCESS.labels(feed=feed).set(time.time())
    else:
        FEED_FAILURES.labels(feed=feed).inc()


def record_post(target: str, status: str) -> None:
    """A subscription's outcome: counted when it sent, failed or will retry."""
    outcome = _POST_OUTCOMES.get(status)
    if outcome is not None:
        platform = target.split(":", 1)[0] or "unknown"
        POSTS.labels(platform=platform[:40], outcome=outcome).inc()


def record_command(command: str, seconds: float) -> None:
    """One chat command's latency."""
    name = command.strip().lstrip("/").lower()
    COMMAND_SECONDS.labels(command=name if name in KNOWN_COMMANDS else "other").observe(seconds)


def timed(kind: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an engine lookup so its duration lands in ``digestbot_lookup_seconds``."""
    histogram = LOOKUP_SECONDS.labels(kind=kind)

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - start)

        return wrapper

    return decorate


class Health:
    """Whether the process is healthy: its scheduler runs and its database answers.

    The database is asked on a connection of its own (read-only, short timeout),
    so a check neither waits for the store's lock during a long ingest nor
    succeeds on a connection to a file that is gone.
    """

    def __init__(self, db_path: str, scheduler_running: Callable[[], bool]) -> None:
        self.db_path = db_path
        self.scheduler_running = scheduler_running

    def _query(self, sql: str) -> int:
        if self.db_path in ("", ":memory:"):
            raise sqlite3.OperationalError("an in-memory database cannot be checked")
        uri = f"file:{self.db_path}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=1.0)
        try:
            return int(db.execute(sql).fetchone()[0])
        finally:
            db.close()

    def problems(self) -> list[str]:
        """What is wrong, one short reason each (empty: healthy)."""
        found = []
        if not self.scheduler_running():
            found.append("scheduler: not running")
        try:
            self._query("SELECT count(*) FROM sqlite_master")
        except sqlite3.Error as exc:
            found.append(f"database: {exc}")
        return found

    def scrape(self) -> bytes:
        """The metrics in Prometheus' text format, the ledger gauge read now."""
        try:
            LEDGER_PENDING.set(
                self._query("SELECT count(*) FROM posts WHERE state IN ('claimed', 'retry')")
            )
        except sqlite3.Error:
            pass  # the gauge keeps its last value; /healthz says what is wrong
        return generate_latest(REGISTRY)
