"""Watch matching: the cost per ingested episode with 10,000 watches.

Episodes of the ThursdAI feed (the sample feed without ../shared) are stored
one at a time; after each, ``record_new_alerts`` links the new items to their
entities, looks up the watches on them and records the alerts.  The watches
are a mix: a family or release of the feed for one in ten, names no episode
mentions for the rest.  The figure is the median over the episodes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

Row = tuple[str, str]

WATCHES = 10_000
EPISODES = 40
BUDGET_MS = 50.0
ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
SAMPLE = ROOT / "bot" / "data" / "sample_feed.rss"


def run() -> list[Row]:
    """Median and worst matching time per episode, with ``WATCHES`` watches."""
    from bot.entities import entity_for
    from bot.feeds.parse import parse_source
    from bot.store.sqlite import Store
    from bot.watch.matching import record_new_alerts

    source = REAL if REAL.exists() else SAMPLE
    feed = parse_source(source.read_bytes(), str(source))
    episodes = list(reversed(feed.episodes))[:EPISODES]
    now = datetime.now(UTC)
    # Watches made before the first episode: every episode is news (none is backfill).
    made = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    keys: list[tuple[str, str]] = []
    for episode in episodes:
        for item in episode.items:
            entity = entity_for(item.name, item.org, item.headline)
            if entity is not None:
                keys += [("entity", entity.id), ("family", entity.family_key)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        rows = []
        for n in range(WATCHES):
            kind, key = keys[n % len(keys)] if n % 10 == 0 and keys else ("entity", f"zz{n}")
            rows.append((f"w{n}", f"slack-user:U{n:08d}", key, kind, key, "cli", made))
        with store.transaction() as db:
            db.executemany(
                "INSERT INTO watches(id, target, query, kind, key, origin, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        timings: list[float] = []
        alerts = 0
        for episode in episodes:
            store.upsert_episodes(feed.source, [episode])
            started = time.perf_counter()
            alerts += record_new_alerts(store, now=now)
            timings.append((time.perf_counter() - started) * 1000)
        store.close()
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    return [
        (
            f"watch matching per episode, {WATCHES:,} watches ({len(episodes)} episodes)",
            f"median {median:.1f} ms, p95 {p95:.1f} ms, worst {max(timings):.1f} ms"
            f" (budget {BUDGET_MS:.0f} ms); {alerts:,} alerts recorded",
        )
    ]


if __name__ == "__main__":
    for label, value in run():
        print(f"{label}: {value}")
