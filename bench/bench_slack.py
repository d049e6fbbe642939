"""Latency of a signed ``/release`` through the Slack adapter's HTTP mode, on loopback.

The real slack-bolt app (signature verification on) and the real engine
(sample feed in a temporary SQLite file) serve ``/slack/events`` on an
ephemeral port; Web API calls go to the loopback stand-in.  Each request is
a slash-command body signed the way Slack signs it; the time is taken from
sending it to having read the response (the reply's Block Kit, in the ack).
Prints p50/p99 over ``--n`` requests (goal: p99 under 50 ms; Slack allows 3,000).

    python -m bench.bench_slack [--n 1000] [--feed PATH]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from adapters.slack.app import SlackBot  # noqa: E402
from adapters.slack.run import EVENTS_PATH, SlackHttpServer  # noqa: E402
from bot.commands import Commands  # noqa: E402
from bot.config import Settings, SlackSettings  # noqa: E402
from bot.engine import make_engine  # noqa: E402
from tests.standins.slack_api import LoopThread, SlackApiStandin, SlackSigner  # noqa: E402

SAMPLE_FEED = ROOT / "bot" / "data" / "sample_feed.rss"
GOAL_MS = 50.0
WARMUP = 20
SECRET = "bench-signing-secret"


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def measure(commands: Commands, names: Sequence[str], n: int) -> list[float]:
    """Milliseconds from sending each signed ``/release NAME`` to reading its response."""
    signer = SlackSigner(SECRET)
    loop = LoopThread()
    with SlackApiStandin() as standin:
        settings = SlackSettings(
            bot_token=SecretStr("xoxb-bench"),
            signing_secret=SecretStr(SECRET),
            api_url=standin.api_url,
        )
        bot = SlackBot(commands, settings)
        server = SlackHttpServer(bot.app, host="127.0.0.1", port=0)
        loop.run(server.start())
        url = f"http://127.0.0.1:{server.port}{EVENTS_PATH}"
        samples: list[float] = []
        try:
            with httpx.Client(timeout=5) as http:
                for i in range(n + WARMUP):
                    name = names[i % len(names)]
                    body = signer.command_body(
                        "/release", name, response_url=standin.response_url(f"b{i}")
                    )
                    headers = signer.headers(body)
                    started = time.perf_counter()
                    response = http.post(url, content=body, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200 or "blocks" not in response.json():
                        raise SystemExit(f"/release {name}: unexpected {response.status_code}")
                    if i >= WARMUP:
                        samples.append(elapsed)
            loop.run(bot.drain())
        finally:
            loop.run(server.stop())
            loop.close()
        if standin.violations:
            raise SystemExit(f"stand-in saw limit violations: {standin.violations[:3]}")
    return samples


def run(n: int = 1000, feed: Path = SAMPLE_FEED) -> dict[str, float]:
    """Ingest ``feed`` into a temporary database and time ``n`` signed requests."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(), db_path=Path(tmp) / "bench.sqlite3")
        engine.ingest(str(feed))
        names = [name.lower() for name in engine.release_names("", limit=25)] or ["kokoro"]
        samples = measure(Commands(engine), names, n)
        engine.close()
    return {
        "n": float(len(samples)),
        "p50": percentile(samples, 50),
        "p99": percentile(samples, 99),
        "mean": statistics.fmean(samples),
        "max": max(samples),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print p50/p99 latency; exit 1 when p99 misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="requests to time (default 1000)")
    parser.add_argument("--feed", type=Path, default=SAMPLE_FEED, help="feed to ingest first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    stats = run(args.n, args.feed)
    verdict = "ok" if stats["p99"] < GOAL_MS else f"MISSES the {GOAL_MS:g} ms goal"
    print(
        f"slack HTTP mode, signed /release x{int(stats['n'])}: "
        f"p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms "
        f"(mean {stats['mean']:.2f}, max {stats['max']:.2f}) - p99 goal < {GOAL_MS:g} ms: {verdict}"
    )
    return 0 if stats["p99"] < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
