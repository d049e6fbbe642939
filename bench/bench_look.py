"""Timelines, semantic search and metrics: a timeline PNG, the semantic indexing (an
ingest followed by ``digestbot index``'s work) next to the plain ingest, and a /metrics
scrape (real ThursdAI feed when ../shared is there).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

Row = tuple[str, str]

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
ROUNDS = 3


def _feed() -> Path:
    from app.cli import sample_feed_path

    return REAL if REAL.exists() else sample_feed_path()


def _ingest_seconds(feed: Path, db: Path, *, semantic: bool) -> float:
    from bot.config import Settings
    from bot.engine import make_engine
    from bot.summarise import make_summariser

    settings = Settings()
    start = time.perf_counter()
    engine = make_engine(  # as the CLI makes it: summaries on
        settings, db_path=db, summariser=make_summariser(settings), semantic=semantic
    )
    engine.ingest(str(feed))
    engine.index_vectors()  # computed after the ingest now (0 when ``semantic`` is off)
    seconds = time.perf_counter() - start
    engine.close()
    return seconds


def run() -> list[Row]:
    """Every figure of this part."""
    from bot.store import semantic

    feed = _feed()
    rows: list[Row] = [("feed", feed.name)]
    with tempfile.TemporaryDirectory() as tmp:
        plain: list[float] = []
        blended: list[float] = []
        if semantic.available():
            start = time.perf_counter()
            semantic.load_model()
            rows.append(
                ("semantic model load (once per process)", f"{time.perf_counter() - start:.2f} s")
            )
        for n in range(ROUNDS):  # interleaved: the machine is shared
            plain.append(_ingest_seconds(feed, Path(tmp) / f"p{n}.db", semantic=False))
            if semantic.available():
                blended.append(_ingest_seconds(feed, Path(tmp) / f"s{n}.db", semantic=True))
        p = statistics.median(plain)
        rows.append(("plain ingest, median of 3", f"{p:.2f} s"))
        if blended:
            s = statistics.median(blended)
            rows.append(
                (
                    "ingest then semantic indexing, median of 3",
                    f"{s:.2f} s ({(s / p - 1) * 100:+.0f}%, target +50%)",
                )
            )
            rows += _search_rows(Path(tmp) / "s0.db")
        rows += _timeline_rows(Path(tmp) / "p0.db")
        rows += _metrics_rows(Path(tmp) / "p0.db")
    return rows


def _search_rows(db: Path) -> list[Row]:
    from bot.config import Settings
    from bot.engine import make_engine

    engine = make_engine(Settings(), db_path=db, semantic=True)
    queries = ["open source text to speech", "small vision model", "tts", "kokoro"]
    engine.search(queries[0])  # the vectors are read once per store change
    seconds = []
    for _ in range(25):
        for query in queries:
            start = time.perf_counter()
            engine.search(query)
            seconds.append(time.perf_counter() - start)
    engine.close()
    seconds.sort()
    return [
        (
            "blended /search, 100 queries",
            f"p50 {seconds[len(seconds) // 2] * 1000:.1f} ms, p99 {seconds[98] * 1000:.1f} ms",
        )
    ]


def _timeline_rows(db: Path) -> list[Row]:
    from bot.config import Settings
    from bot.engine import make_engine
    from bot.timeline import render_timeline_png, timeline_points

    engine = make_engine(Settings(), db_path=db, semantic=False)
    start = time.perf_counter()
    points = timeline_points(engine, "qwen")
    png = render_timeline_png(points, title="Qwen releases")
    first = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        render_timeline_png(timeline_points(engine, "qwen"), title="Qwen releases")
        warm.append(time.perf_counter() - start)
    engine.close()
    return [
        (
            "timeline PNG, qwen (first, with matplotlib's import)",
            f"{first:.2f} s ({len(points)} mentions, {len(png) // 1024} KB; target 1 s)",
        ),
        ("timeline PNG, qwen (median of 5 after)", f"{statistics.median(warm):.2f} s"),
    ]


def _metrics_rows(db: Path) -> list[Row]:
    import httpx

    from adapters.metrics.server import MetricsServer
    from bot.store.metrics import Health, record_command, record_poll, record_post

    for n in range(20):  # label values as a busy process has them
        record_poll(f"https://feed{n}.example/rss", ok=n % 5 != 0, seconds=0.3)
        record_post(f"{('slack', 'discord', 'webhook')[n % 3]}:C{n}", "posted")
        record_command(("release", "search", "tldr")[n % 3], 0.01)
    server = MetricsServer(Health(str(db), lambda: True)).start()
    seconds = []
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        for _ in range(200):
            start = time.perf_counter()
            response = client.get("/metrics")
            seconds.append(time.perf_counter() - start)
            assert response.status_code == 200
    server.close()
    seconds.sort()
    return [
        (
            "/metrics scrape, 200 over loopback",
            f"p50 {seconds[100] * 1000:.1f} ms, p99 {seconds[197] * 1000:.1f} ms"
            f" ({len(response.content) // 1024} KB; target 20 ms)",
        )
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
