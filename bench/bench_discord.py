"""Interaction-to-callback latency of the Discord adapter, through the loopback stand-in.

The real discord.py client and the real engine (sample feed in a temporary
SQLite file) answer INTERACTION_CREATE dispatches from the stand-in; the
time is taken from the dispatch leaving the stand-in to the callback
arriving at its interaction-callback route.  Prints p50/p99 for
``/release`` and for autocomplete (goal: p99 under 50 ms).

    python -m bench.bench_discord [--n 500] [--feed PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from adapters.discord.client import DigestClient  # noqa: E402
from adapters.discord.endpoints import Endpoints  # noqa: E402
from bot.commands import Commands  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine import make_engine  # noqa: E402
from tests.standins.discord_api import DiscordStandIn, connected  # noqa: E402

SAMPLE_FEED = ROOT / "bot" / "data" / "sample_feed.rss"
GOAL_MS = 50.0
RELEASES = ("kokoro", "phi-4", "deepseek", "qwen", "moondream", "gemini", "llama", "whisper")
PREFIXES = ("k", "ko", "kok", "p", "ph", "de", "q", "qw", "mo", "ge", "", "ll", "wh", "gpt")


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


async def measure(commands: Commands, n: int) -> dict[str, list[float]]:
    """Latencies in milliseconds per kind of interaction."""
    results: dict[str, list[float]] = {"/release": [], "autocomplete": []}
    async with DiscordStandIn() as standin:
        client = DigestClient(
            commands,
            endpoints=Endpoints(standin.api_url, standin.gateway_url),
            guild_ready_timeout=0,
        )
        async with connected(client, standin):
            for i in range(n + 20):  # the first 20 warm caches up and are not counted
                name = RELEASES[i % len(RELEASES)]
                release = await standin.interact(standin.command("release", {"name": name}))
                prefix = PREFIXES[i % len(PREFIXES)]
                choices = await standin.interact(standin.autocomplete("release", "name", prefix))
                if i >= 20:
                    results["/release"].append(release.latency * 1000)
                    results["autocomplete"].append(choices.latency * 1000)
        if standin.violations:
            raise SystemExit(f"stand-in rejected replies: {standin.violations[:3]}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print one line per interaction kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="interactions of each kind")
    parser.add_argument("--feed", type=Path, default=SAMPLE_FEED, help="feed to ingest")
    parser.add_argument("--strict", action="store_true", help="exit 1 if p99 misses the goal")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice-support notices

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(), db_path=Path(tmp) / "bench.db")
        try:
            engine.ingest(str(args.feed))
            results = asyncio.run(asyncio.wait_for(measure(Commands(engine), args.n), 600))
        finally:
            engine.close()

    worst = 0.0
    for kind, samples in results.items():
        p50, p99 = statistics.median(samples), percentile(samples, 99)
        worst = max(worst, p99)
        print(
            f"discord {kind:<13} interaction->callback  n={len(samples)}"
            f"  p50={p50:6.2f} ms  p99={p99:6.2f} ms  (goal p99 < {GOAL_MS:.0f} ms)"
        )
    return 1 if args.strict and worst >= GOAL_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())
