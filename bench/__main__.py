"""Run every benchmark and print the figures side by side.

Benchmarks are measurements, not tests: they print and exit 0 (a part that
fails prints its error and the rest still run).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Row = tuple[str, str]

#: (title, module, how to call it). Modules either expose ``run() -> rows`` or ``main(argv)``.
PARTS = (
    ("Core: ingest, lookups, CLI", "bench.bench_core", "rows"),
    ("Summaries", "bench.bench_summarise", "rows"),
    (
        "Slack: signed /release over HTTP mode, 1,000 requests (real items)",
        "bench.bench_slack",
        "main",
    ),
    ("Discord: interaction to callback, 1,000 each (real items)", "bench.bench_discord", "main"),
    ("Scheduling: one weekly digest to 1,000 webhooks", "bench.bench_schedule", "rows"),
    ("Extraction quality (make quality for the details)", "bench.quality", "rows"),
    ("Polling: one slow feed next to a fast one", "bench.bench_poll", "rows"),
    ("Fuzz: 2,000 hostile or mutated feeds parsed and rendered", "bench.bench_fuzz", "rows"),
    ("PostgreSQL: ingest, lookups at 1M, replica failover", "bench.bench_postgres", "rows"),
    ("Web archive: pages over loopback, digestbot site", "bench.bench_web", "rows"),
)


def _run_part(module_name: str, style: str) -> list[Row]:
    module = importlib.import_module(module_name)
    if style == "rows":
        return list(module.run())
    buffer = io.StringIO()
    # Lookups over the real ThursdAI items when ../shared is there, else the sample feed.
    real = ROOT.parent / "shared" / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
    with contextlib.redirect_stdout(buffer):
        module.main(["--feed", str(real)] if real.exists() else [])
    return [
        (line.split(":", 1)[0].strip(), line.split(":", 1)[1].strip())
        if ":" in line
        else (line.strip(), "")
        for line in buffer.getvalue().splitlines()
        if line.strip()
    ]


def main() -> int:
    started = time.perf_counter()
    print(f"digestbot benchmarks on {sys.platform}, Python {sys.version.split()[0]}")
    for title, module_name, style in PARTS:
        print(f"\n== {title}")
        try:
            rows = _run_part(module_name, style)
        except ModuleNotFoundError as exc:
            print(f"  (not available: {exc.name})")
            continue
        except Exception:  # a broken part must not hide the others' figures
            print("  failed:\n" + traceback.format_exc(limit=3))
            continue
        width = max((len(label) for label, _ in rows), default=0)
        for label, value in rows:
            print(f"  {label.ljust(width)}  {value}")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
