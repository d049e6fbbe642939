"""The web archive: page latency over loopback HTTP, and ``digestbot site`` for a feed.

Pages are the real feed's: the episode list, episodes, release and family pages and
searches, 1,000 requests in turn on one keep-alive connection (p50/p99 of each
request as the client sees it).  ``digestbot site`` runs as a process, as a user
would run it; its CPU time is printed next to the wall time, which a loaded machine
stretches.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from adapters.web.render import Pages
from adapters.web.server import make_server
from bench.bench_core import percentiles_ms
from bot.archive import Archive
from bot.config import Settings
from bot.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
SAMPLE = ROOT / "bot" / "data" / "sample_feed.rss"
REQUESTS = 1000
SEARCHES = ("tts", "open source", "kokorro", "qwen coder", "vision model", "gemini flash")

Row = tuple[str, str]


def _paths(archive: Archive, rng: random.Random) -> list[str]:
    pages = ["/"]
    pages += [f"/episode/{e}" for e in archive.episode_ids()]
    pages += [f"/release/{e}" for e in archive.entity_ids()]
    pages += [f"/family/{f}" for f in archive.family_keys()]
    pages += [f"/search?q={q.replace(' ', '+')}" for q in SEARCHES]
    rng.shuffle(pages)
    return [pages[i % len(pages)] for i in range(REQUESTS)]


def run() -> list[Row]:
    feed = REAL if REAL.exists() else SAMPLE
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="digestbot-bench-web-") as tmp:
        db = Path(tmp) / "web.db"
        engine = make_engine(Settings(), db_path=db)
        engine.ingest(str(feed))
        archive = Archive(engine)
        paths = _paths(archive, random.Random(15))
        server = make_server(Pages(archive), "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        samples: list[float] = []
        try:
            with httpx.Client(base_url=server.url) as http:
                http.get("/")  # warm: entities linked, templates compiled
                for path in paths:
                    started = time.perf_counter()
                    response = http.get(path)
                    samples.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: HTTP {response.status_code}")
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)
            engine.close()
        p50, p99 = percentiles_ms(samples)
        distinct = len(set(paths))
        rows.append(
            (
                f"page p50/p99, {REQUESTS:,} requests over {distinct:,} pages ({feed.name})",
                f"{p50:.2f} / {p99:.2f} ms (target p99 < 50 ms)",
            )
        )
        out = Path(tmp) / "site"
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [str(Path(sys.executable).with_name("digestbot")), "--db", str(db), "site", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        written = done.stdout.strip().split(": ", 1)[-1] or done.stderr.strip()
        rows.append(
            (
                f"digestbot site, whole feed ({feed.name})",
                f"{elapsed:.2f} s wall, {cpu:.2f} s CPU; {written} (target < 10 s)",
            )
        )
    return rows


if __name__ == "__main__":
    for label, value in run():
        print(f"{label}: {value}")
