"""Summaries: the extractive summariser's share of ingesting the whole ThursdAI feed.

Ingest runs end to end into a fresh SQLite file, with and without the
summariser, several times each (medians: this machine is two shared, noisy
cores); the summariser is also timed alone over the parsed feed, and so is
the store's extra work for the longer summaries (they are full-text indexed).

    python -m bench.bench_summarise
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bot.models import ParsedFeed

SHARED = ROOT.parent / "shared"
THURSDAI = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
RUNS = 7
GOAL_INGEST_S = 0.5

Row = tuple[str, str]
GOAL_NAMED = 0.98


def faithfulness(feed: ParsedFeed) -> tuple[int, int, int, int]:
    """(summaries naming their item, summaries that are not the headline,
    parameter facts contradicting their item's headline, parameter facts).

    A summary names its item as ``bot.quality.summary_names_item`` says (the one
    definition ``make quality`` uses too: the name or an alias of it, case, spacing
    and hyphens aside, or its family word: "Qwen" for "Qwen3-Coder");
    a parameter fact contradicts the headline when it names none of the sizes
    the name and headline state ("1.5 billion" for a "671B" release).
    """
    from bot.quality import summary_names_item
    from bot.summarise.facts import contradicts, sizes_in

    named = own = wrong = facts = 0
    for episode in feed.episodes:
        for item in episode.items:
            summary = item.summary.strip()
            if summary and summary != item.headline.strip():
                own += 1
                named += summary_names_item(summary, item.name)
            sizes = sizes_in(f"{item.name} {item.headline}")
            for value in item.facts.parameters:
                facts += 1
                wrong += contradicts(value, sizes)
    return named, own, wrong, facts


def _median(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(runs: int = RUNS) -> list[Row]:
    """(label, value) rows: ingest with and without summaries, and the summariser alone."""
    from bot.config import Settings
    from bot.engine import make_engine
    from bot.feeds.parse import parse_source
    from bot.summarise.extractive import ExtractiveSummariser

    if not THURSDAI.exists():
        return [("summaries", "skipped: ../shared is absent")]
    data = THURSDAI.read_bytes()
    settings = Settings()
    summariser = ExtractiveSummariser()
    tmp = Path(tempfile.mkdtemp(prefix="digestbot-bench-summarise-"))
    counter = iter(range(10_000))

    def ingest(with_summaries: bool) -> None:
        engine = make_engine(
            settings,
            db_path=tmp / f"ingest-{next(counter)}.db",
            summariser=summariser if with_summaries else None,
        )
        try:
            engine.ingest(str(THURSDAI))
        finally:
            engine.close()

    parsed = parse_source(data, str(THURSDAI))
    items = sum(len(e.items) for e in parsed.episodes)
    summarised = summariser(parsed)  # warm-up, and the figures below
    discussed = sum(1 for e in summarised.episodes for i in e.items if i.summary != i.headline)
    with_facts = sum(
        1
        for e in summarised.episodes
        for i in e.items
        if i.facts.model_dump(exclude_defaults=True, exclude={"org", "timestamp"})
    )
    named, own, wrong, params = faithfulness(summarised)
    ingest(True)  # warm caches (imports, page cache) before timing
    # Interleaved, so drifts in machine load hit both sides alike.
    plain: list[float] = []
    full: list[float] = []
    for _ in range(runs):
        plain.append(_median(lambda: ingest(False), 1))
        full.append(_median(lambda: ingest(True), 1))
    alone = _median(lambda: summariser(parsed), runs)
    plain_s, full_s = statistics.median(plain), statistics.median(full)
    share = (full_s - plain_s) / full_s if full_s else 0.0
    verdict = "within" if full_s <= GOAL_INGEST_S else "over"
    return [
        (
            "feed",
            f"{THURSDAI.name} ({len(data) / 1e6:.2f} MB, {len(parsed.episodes)} episodes,"
            f" {items} items)",
        ),
        ("items discussed in the text", f"{discussed} ({discussed / max(items, 1):.0%})"),
        ("items with parameter/licence/context/score facts", str(with_facts)),
        (
            "summaries (not the headline) naming their item",
            f"{named} of {own} ({named / max(own, 1):.1%};"
            f" {'at or above' if named >= GOAL_NAMED * own else 'below'} the"
            f" {GOAL_NAMED:.0%} goal)",
        ),
        ("parameter facts contradicting their headline", f"{wrong} of {params}"),
        (
            "summariser alone, median",
            f"{alone * 1000:.0f} ms ({alone / max(items, 1) * 1e6:.0f} µs per item)",
        ),
        ("ingest without summaries, median", f"{plain_s * 1000:.0f} ms"),
        (
            "ingest with summaries, median",
            f"{full_s * 1000:.0f} ms ({verdict} the {GOAL_INGEST_S:g} s goal)",
        ),
        (
            "summarising share of ingest",
            f"{share:.0%} (+{(full_s - plain_s) * 1000:.0f} ms,"
            " store's indexing of longer summaries included)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the rows."""
    rows = run()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
