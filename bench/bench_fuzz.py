"""Fuzzed feeds: 2,000 hostile or mutated inputs parsed, extracted and rendered.

Prints how many ended in a traceback (anything but digestbot's own errors),
the CPU seconds per feed (max and median) and how many went over 2 s:
the targets are 0 tracebacks and none over 2 s.  Seeded: the same feeds
every run (``bench/fuzzfeeds.py``).
"""

from __future__ import annotations

import statistics
import time
import traceback
from collections import Counter

from bench.fuzzfeeds import cases, real_feeds, run_case

SEED = 2026
COUNT = 2_000
BOUND = 2.0

Row = tuple[str, str]


def run(count: int = COUNT, seed: int = SEED) -> list[Row]:
    """Run ``count`` cases; rows of figures for ``make bench``."""
    cpus: list[tuple[float, str]] = []
    tracebacks: Counter[str] = Counter()
    own_errors = 0
    started = time.perf_counter()
    for case in cases(seed, count):
        start = time.process_time()
        try:
            outcome = run_case(case)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            tracebacks[f"{type(exc).__name__} at {where.filename}:{where.lineno}"] += 1
            cpus.append((time.process_time() - start, case.label))
            continue
        own_errors += outcome.error is not None
        cpus.append((outcome.cpu, case.label))
    cpus.sort()
    over = [label for cpu, label in cpus if cpu > BOUND]
    rows: list[Row] = [
        ("feeds", f"{count} (seed {seed}; written fixtures and {len(real_feeds())} real feeds)"),
        ("tracebacks", f"{sum(tracebacks.values())} (target 0)"),
        ("one-line feed errors (ours)", str(own_errors)),
        ("max CPU per feed", f"{cpus[-1][0]:.3f} s ({cpus[-1][1]})"),
        ("median CPU per feed", f"{statistics.median(c for c, _ in cpus):.4f} s"),
        (f"feeds over {BOUND:.0f} s CPU", f"{len(over)} (target 0)"),
        ("wall time", f"{time.perf_counter() - started:.0f} s"),
    ]
    rows += [(f"  traceback x{n}", kind) for kind, n in tracebacks.most_common(5)]
    return rows


if __name__ == "__main__":
    for label, value in run():
        print(f"{label}: {value}")
