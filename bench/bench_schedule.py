"""Scheduling figures: one weekly digest posted to 1,000 webhook subscriptions, loopback.

The real path end to end: subscriptions in a temporary SQLite file (the sample
feed ingested), ``Poster.sweep()`` at the slot (ledger claim, digest, HTTP POST,
ledger record for each), the loopback receiver answering like the platforms.
Measured for generic JSON webhooks, Slack-format webhooks (Block Kit payloads)
and Discord webhooks (embeds; with the most requests the receiver got within
any one second, against Discord's 50 per second per IP), at the default
``max_concurrent_posts`` and at a higher one, then set against the platforms'
documented rate limits.

    python -m bench.bench_schedule [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.config import ScheduleSettings, Settings  # noqa: E402
from bot.engine import make_engine  # noqa: E402
from bot.schedule.posting import Poster, Sinks  # noqa: E402
from bot.schedule.runner import webhook_sinks  # noqa: E402
from bot.schedule.subscriptions import Subscriptions, build  # noqa: E402
from bot.schedule.timing import ManualClock  # noqa: E402
from tests.standins.webhook import WebhookReceiver  # noqa: E402

SAMPLE_FEED = ROOT / "bot" / "data" / "sample_feed.rss"
SLOT = datetime(2025, 1, 17, 2, 0, tzinfo=UTC)  # Thursday 16 Jan 2025 18:00 Los Angeles

Row = tuple[str, str]

#: Documented limits (messages per second) the figures are compared with.
SLACK_PER_CHANNEL = 1.0  # chat.postMessage: ~1 message per second per channel (bursts allowed)
SLACK_PER_WEBHOOK = 1.0  # incoming webhooks: 1 message per second per webhook
DISCORD_PER_WEBHOOK = 2.5  # 5 requests per 2 seconds per channel / webhook
DISCORD_GLOBAL = 50.0  # 50 requests per second per bot, across all channels


def busiest_second(times: Sequence[float]) -> int:
    """The most of ``times`` (seconds) within any one second."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def measure(n: int, kind: str, concurrency: int) -> tuple[float, int, int, int]:
    """Post one weekly digest to ``n`` subscriptions: (seconds, posted, accepted, busiest second).

    The busiest second is the most requests the receiver got within any one second.
    """
    with tempfile.TemporaryDirectory(prefix="digestbot-bench-") as tmp, WebhookReceiver() as rx:
        settings = Settings(schedule=ScheduleSettings(max_concurrent_posts=concurrency))
        engine = make_engine(settings, db_path=Path(tmp) / "bench.db")
        try:
            engine.ingest(str(SAMPLE_FEED))
            subs = Subscriptions(engine.store)
            for i in range(n):
                path = f"/slack/{i}" if kind == "slack-webhook" else f"/hook/{i}"
                subs.add(
                    build(
                        f"{kind}:{rx.url(path)}",
                        created_at=SLOT - timedelta(days=14),
                        defaults=settings.schedule,
                        default_zone="America/Los_Angeles",
                    )
                )
            clock = ManualClock(SLOT + timedelta(minutes=1))

            async def sweep() -> tuple[float, int]:
                sinks = webhook_sinks(settings)
                poster = Poster(engine, Sinks(sinks), clock=clock, settings=settings.schedule)
                try:
                    start = time.perf_counter()
                    outcomes = await poster.sweep()
                    elapsed = time.perf_counter() - start
                finally:
                    for sink in sinks.values():
                        await sink.aclose()
                return elapsed, sum(o.posted for o in outcomes)

            elapsed, posted = asyncio.run(sweep())
            busiest = busiest_second([r.at for r in rx.requests])
            return elapsed, posted, len(rx.accepted()), busiest
        finally:
            engine.close()


def _versus(rate: float, limit: float, what: str) -> str:
    return f"{rate / limit:,.0f}x {what} ({limit:g}/s)"


def run(n: int = 1000) -> list[Row]:
    """The figures, as (label, value) rows."""
    logging.getLogger("bot").setLevel(logging.ERROR)
    rows: list[Row] = []
    default = ScheduleSettings().max_concurrent_posts
    results: dict[tuple[str, int], float] = {}
    for kind, concurrency in (
        ("webhook", default),
        ("slack-webhook", default),
        ("webhook", 32),
        ("discord-webhook", default),
        ("discord-webhook", 32),
    ):
        elapsed, posted, accepted, busiest = measure(n, kind, concurrency)
        results[(kind, concurrency)] = elapsed
        rate = posted / elapsed if elapsed else 0.0
        label = f"{n:,} {kind} posts, max_concurrent_posts={concurrency}"
        rows.append(
            (label, f"{elapsed:.2f} s, {rate:,.0f} posts/s ({posted} posted, {accepted} accepted)")
        )
        if kind == "discord-webhook":
            paced = ScheduleSettings().discord_webhooks_per_second
            limits = f"Discord's limit {DISCORD_GLOBAL:g}/s per IP; paced at {paced:g}/s"
            rows.append(
                (
                    f"  busiest second of Discord webhook requests ({concurrency} at once)",
                    f"{busiest} requests ({limits})",
                )
            )
    rate = n / results[("webhook", default)]
    rows += [
        (
            "vs Slack chat.postMessage, per channel",
            _versus(rate, SLACK_PER_CHANNEL, "one channel's limit"),
        ),
        (
            "vs Slack incoming webhook, per webhook",
            _versus(rate, SLACK_PER_WEBHOOK, "one webhook's limit"),
        ),
        (
            "vs Discord, per channel or webhook",
            _versus(rate, DISCORD_PER_WEBHOOK, "one webhook's limit"),
        ),
        ("vs Discord global bot limit", _versus(rate, DISCORD_GLOBAL, "the global limit")),
        (
            "what limits apply",
            "each subscription is its own channel/webhook and gets one message, so only "
            "Discord's 50/s per IP binds (bot posts: discord.py paces those; webhooks: one "
            "process-wide window, [schedule] discord_webhooks_per_second, and the "
            "X-RateLimit-* headers); messages of one digest to one webhook are paced "
            "(Slack 1/s, Discord 2.5/s)",
        ),
    ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="subscriptions")
    args = parser.parse_args(argv)
    rows = run(args.n)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
