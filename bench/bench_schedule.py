"""Scheduling figures: one weekly digest to 1,000 webhooks, and duplicates from lost answers.

The real path end to end: subscriptions in a temporary SQLite file (the sample
feed ingested), ``Poster.sweep()`` at the slot (ledger claim, digest, HTTP POST,
ledger record for each), the loopback receiver answering like the platforms.
Measured for generic JSON webhooks, Slack-format webhooks (Block Kit payloads)
and Discord webhooks (embeds; with the most requests the receiver got within
any one second, against Discord's 50 per second per IP), at the default
``max_concurrent_posts`` and at a higher one, then set against the platforms'
documented rate limits.

Then the duplicate window, per platform kind (Slack and Discord bots through
their stand-ins, Slack/Discord/generic webhooks through the loopback
receiver): in each cycle a fresh subscription posts the sample digest and
the platform keeps its first message but the answer is lost, three ways:

* *late*: the answer comes after the client's timeout (0.3 s here, 15 s in
  production for webhooks);
* *reset*: the connection closes after the platform had the whole request;
* *kill*: the answer takes 1.5 s and the posting process dies meanwhile
  (its task is cancelled); a new process takes the post over at once.

A duplicate is a message the channel shows twice.  Generic webhooks also say
how many of theirs repeat an ``Idempotency-Key`` already seen (a receiver
keeping the keys drops exactly those).

    python -m bench.bench_schedule [--n 1000] [--cycles 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from app.runtime import webhook_sinks  # noqa: E402
from bot.config import ScheduleSettings, Settings  # noqa: E402
from bot.engine import make_engine  # noqa: E402
from bot.schedule.posting import Poster, Sinks  # noqa: E402
from bot.schedule.subscriptions import Subscriptions, build  # noqa: E402
from bot.sinks import Sink  # noqa: E402
from bot.timing import ManualClock  # noqa: E402
from tests.standins.webhook import Reply, WebhookReceiver  # noqa: E402

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


# --- the duplicate window -------------------------------------------------------------------

KINDS = ("slack", "discord", "slack-webhook", "discord-webhook", "webhook")
SCENARIOS = ("late", "reset", "kill")
LATE_TIMEOUT = 0.3  # the clients' timeout in the "late" scenario
KILL_ANSWER = 1.5  # how long the platform takes to answer in the "kill" scenario
WEEK_START = datetime(2025, 1, 20, 12, tzinfo=UTC)  # a Monday: far from the Thursday slot


class Platforms:
    """The stand-ins of every platform kind, and what each channel shows."""

    def __init__(self, slack: Any, discord: Any, receiver: WebhookReceiver) -> None:
        self.slack, self.discord, self.receiver = slack, discord, receiver

    def target(self, kind: str, n: int) -> str:
        if kind == "slack":
            return f"slack:C{n:08d}"
        if kind == "discord":
            return f"discord:{1300000000000000000 + n}"
        return f"{kind}:{self.receiver.url(f'/{kind}/{n}')}"

    def lose_next(self, kind: str, n: int, scenario: str) -> None:
        """Lose the answer to the next message to channel ``n`` (once the platform has it)."""
        mode = "reset" if scenario == "reset" else "late"
        delay = KILL_ANSWER if scenario == "kill" else 2 * LATE_TIMEOUT
        if kind == "slack":
            self.slack.lose_answer("chat.postMessage", mode=mode, delay=delay)
        elif kind == "discord":
            from tests.standins.discord_api import LostAnswer

            route = f"/channels/{1300000000000000000 + n}/messages"
            self.discord.lose_answer("POST", route, LostAnswer(mode, delay))  # type: ignore[arg-type]
        else:
            self.receiver.script(f"/{kind}/{n}", Reply(lose=mode, delay=delay))  # type: ignore[arg-type]

    def shown(self, kind: str, n: int) -> list[str]:
        """Fingerprints of the messages channel ``n`` shows, in order."""
        if kind == "slack":
            calls = self.slack.messages(f"C{n:08d}")
            return [json.dumps([c.data.get("text"), c.data.get("blocks")]) for c in calls]
        if kind == "discord":
            bodies = self.discord.channel_messages.get(str(1300000000000000000 + n), [])
            return [json.dumps(b.get("embeds"), sort_keys=True) for b in bodies]
        requests = self.receiver.accepted(f"/{kind}/{n}")
        return [json.dumps(r.body, sort_keys=True) for r in requests]

    def keys(self, kind: str, n: int) -> list[str]:
        return [
            r.headers.get("idempotency-key", "") for r in self.receiver.accepted(f"/{kind}/{n}")
        ]


def _sinks(platforms: Platforms, client: Any, settings: Settings) -> dict[str, Sink]:
    """The production sinks, timeouts from ``settings`` (the Slack client's as well)."""
    from pydantic import SecretStr

    from adapters.discord.sink import DiscordSink
    from adapters.slack.app import make_web_client
    from adapters.slack.sink import SlackSink
    from bot.config import SlackSettings

    timeout = settings.schedule.webhook_timeout_seconds
    slack_settings = SlackSettings(
        bot_token=SecretStr("xoxb-bench"), api_url=platforms.slack.api_url
    )
    slack_client = make_web_client(slack_settings)  # as in production: connection errors retried
    slack_client.timeout = timeout  # type: ignore[assignment]
    sinks: dict[str, Sink] = dict(webhook_sinks(settings))
    sinks["slack"] = SlackSink(slack_client)
    sinks["discord"] = DiscordSink(client, timeout=timeout)
    return sinks


async def _cycle(
    engine: Any,
    platforms: Platforms,
    make_sinks: Callable[[], dict[str, Sink]],
    clock: ManualClock,
    kind: str,
    scenario: str,
    n: int,
    settings: Settings,
) -> None:
    """One subscription's post with its first answer lost; done when the ledger says posted."""
    from bot.schedule.ledger import Ledger

    sub = Subscriptions(engine.store).add(
        build(
            platforms.target(kind, n),
            created_at=WEEK_START - timedelta(days=14),
            defaults=settings.schedule,
            default_zone="UTC",
            sub_id=f"s{n}",
        )
    )
    platforms.lose_next(kind, n, scenario)

    def poster(owner: str) -> tuple[Poster, dict[str, Sink]]:
        sinks = make_sinks()
        ledger = Ledger(engine.store, clock=clock, owner=owner)
        made = Poster(engine, Sinks(sinks), clock=clock, settings=settings.schedule, ledger=ledger)
        return made, sinks

    attempt = 0
    if scenario == "kill":
        first, sinks = poster(f"bench:{n}:killed")
        task = asyncio.ensure_future(first.post_now(sub.id))
        while not platforms.shown(kind, n):  # the platform has the first message
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        task.cancel()  # killed while the answer is on its way
        await asyncio.gather(task, return_exceptions=True)
        await _close(sinks)
    for attempt in range(6):
        current, sinks = poster(f"bench:{n}:{attempt}")
        try:
            outcome = await current.post_now(sub.id)
        finally:
            await _close(sinks)
        if outcome.status in ("posted", "already"):
            return
        clock.advance(timedelta(minutes=40))  # past the retry's back-off
    raise RuntimeError(f"{kind}/{scenario}: cycle {n} was never posted")


async def _close(sinks: dict[str, Sink]) -> None:
    for sink in sinks.values():
        close = getattr(sink, "aclose", None)
        if close is not None:
            await close()


async def _duplicates(cycles: int) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(kind, scenario) -> (duplicates shown, messages shown, repeats of a known key)."""
    from adapters.discord.client import DigestClient
    from adapters.discord.endpoints import Endpoints
    from bot.commands import Commands
    from tests.standins.discord_api import DiscordStandIn, connected
    from tests.standins.slack_api import SlackApiStandin

    results: dict[tuple[str, str], tuple[int, int, int]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="digestbot-bench-") as tmp,
        WebhookReceiver() as receiver,
        SlackApiStandin() as slack,
    ):
        async with DiscordStandIn() as discord:
            client = DigestClient(
                Commands(object()),  # type: ignore[arg-type]
                endpoints=Endpoints(discord.api_url, discord.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, discord):
                platforms = Platforms(slack, discord, receiver)
                n = 0
                for scenario in SCENARIOS:
                    timeout = LATE_TIMEOUT if scenario == "late" else 5.0
                    settings = Settings(
                        schedule=ScheduleSettings(
                            webhook_timeout_seconds=timeout, webhook_retries=3
                        )
                    )
                    engine = make_engine(settings, db_path=Path(tmp) / f"{scenario}.db")
                    engine.ingest(str(SAMPLE_FEED))
                    clock = ManualClock(WEEK_START)
                    try:
                        for kind in KINDS:
                            shown = dups = repeats = 0
                            for _ in range(cycles):
                                n += 1
                                await _cycle(
                                    engine,
                                    platforms,
                                    partial(_sinks, platforms, client, settings),
                                    clock,
                                    kind,
                                    scenario,
                                    n,
                                    settings,
                                )
                                messages = platforms.shown(kind, n)
                                shown += len(messages)
                                dups += len(messages) - len(set(messages))
                                if kind == "webhook":
                                    keys = Counter(platforms.keys(kind, n))
                                    repeats += sum(c - 1 for c in keys.values())
                            results[(kind, scenario)] = (dups, shown, repeats)
                    finally:
                        engine.close()
    return results


def duplicates(cycles: int = 20) -> list[Row]:
    """Duplicates per platform kind and way of losing an answer, as rows."""
    for name in ("bot", "adapters", "discord"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # lost answers are logged, by design
    results = asyncio.run(_duplicates(cycles))
    rows: list[Row] = []
    for kind in KINDS:
        parts = []
        for scenario in SCENARIOS:
            dups, _shown, repeats = results[(kind, scenario)]
            part = f"{scenario} {dups}"
            if kind == "webhook":
                part += f" ({repeats} repeat a known Idempotency-Key)"
            parts.append(part)
        rows.append((f"duplicates in {cycles} cycles each, {kind}", ", ".join(parts)))
    return rows


def run(n: int = 1000, cycles: int = 20) -> list[Row]:
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
    return rows + duplicates(cycles)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="subscriptions")
    parser.add_argument("--cycles", type=int, default=20, help="lost answers per kind and way")
    parser.add_argument(
        "--duplicates-only", action="store_true", help="only the duplicate-window figures"
    )
    args = parser.parse_args(argv)
    rows = duplicates(args.cycles) if args.duplicates_only else run(args.n, args.cycles)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
