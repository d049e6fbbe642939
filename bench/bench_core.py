"""Core figures: ingest against feedparser, re-ingest, lookups at real and 1M scale, CLI start.

Everything is measured in one run, medians (and p50/p99 for lookups) side by
side: this machine is two shared, noisy cores, so single timings mean little.
The 1M-item database is generated once into ``.bench/`` and reused.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
THURSDAI = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
CACHE = ROOT / ".bench"
SYNTHETIC_ITEMS = 1_000_000

Row = tuple[str, str]


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentiles_ms(samples: Sequence[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


def bench_ingest() -> list[Row]:
    """Whole-feed ingest vs feedparser's default parse of the same bytes; re-ingest."""
    import feedparser

    from bot.config import Settings
    from bot.engine import make_engine
    from bot.summarise import make_summariser

    if not THURSDAI.exists():
        return [("ingest", "skipped: ../shared is absent")]
    data = THURSDAI.read_bytes()
    settings = Settings()
    tmp = Path(tempfile.mkdtemp(prefix="digestbot-bench-"))
    counter = iter(range(1000))

    def fresh_ingest(summarise: bool) -> None:
        summariser = make_summariser(settings) if summarise else None
        engine = make_engine(  # semantic vectors: their overhead is bench_look's figure
            settings, db_path=tmp / f"i{next(counter)}.db", summariser=summariser, semantic=False
        )
        engine.ingest(str(THURSDAI))
        engine.close()

    fresh_ingest(True)  # warm imports and caches
    # Interleaved, so both see the same machine: it is shared and noisy.
    core_times: list[float] = []
    full_times: list[float] = []
    for _ in range(7):
        core_times.append(median_seconds(lambda: fresh_ingest(False), 1))
        full_times.append(median_seconds(lambda: fresh_ingest(True), 1))
    core, full = statistics.median(core_times), statistics.median(full_times)
    parse_default = median_seconds(lambda: feedparser.parse(data), 3)
    engine = make_engine(settings, db_path=tmp / "again.db", summariser=make_summariser(settings))
    engine.ingest(str(THURSDAI))
    again = median_seconds(lambda: engine.ingest(str(THURSDAI)), 15)
    engine.close()
    return [
        (
            f"ingest ThursdAI feed ({len(data) / 1e6:.2f} MB, 133 eps): parse, extract, clean,"
            " store, index",
            f"{core * 1000:.0f} ms  (goal < 500)",
        ),
        (
            "the same with extractive summaries (ingest's default)",
            f"{full * 1000:.0f} ms  (goal < 500)",
        ),
        ("feedparser.parse(same bytes), default options", f"{parse_default * 1000:.0f} ms"),
        (
            "ratio ours (with summaries) / feedparser default parse",
            f"{full / parse_default:.2f}x  (goal < 1)",
        ),
        ("re-ingest unchanged file, median of 15", f"{again * 1000:.1f} ms  (goal < 50)"),
    ]


# --- lookups -----------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i] + word[i:]  # a doubled letter, like "kokorro"


def _lookup_rows(label: str, db: Path, names: list[str], words: list[str]) -> list[Row]:
    from bot.config import Settings
    from bot.engine import make_engine

    rng = random.Random(7)
    engine = make_engine(Settings(), db_path=db)
    engine.release(names[0])  # build the name index once, as a running bot does
    release_queries = []
    for _ in range(500):
        name = rng.choice(names)
        release_queries.append(
            rng.choice([name, name.lower(), name.upper().replace("-", " "), _typo(name, rng)])
        )
    search_queries = [" ".join(rng.sample(words, rng.choice([1, 1, 2]))) for _ in range(500)]

    def timed(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
        samples = []
        for query in queries:
            start = time.perf_counter()
            try:
                fn(query)
            except LookupError:
                pass
            samples.append(time.perf_counter() - start)
        return percentiles_ms(samples)

    release = timed(engine.release, release_queries)
    search = timed(lambda q: engine.search(q, limit=10), search_queries)
    engine.close()
    return [
        (f"release p50/p99, {label}", f"{release[0]:.2f} / {release[1]:.2f} ms"),
        (f"search  p50/p99, {label}", f"{search[0]:.2f} / {search[1]:.2f} ms"),
    ]


def bench_lookups_real() -> list[Row]:
    """release/search latency over the real ThursdAI items."""
    from bot.config import Settings
    from bot.engine import make_engine

    if not THURSDAI.exists():
        return [("lookups (real)", "skipped: ../shared is absent")]
    db = Path(tempfile.mkdtemp(prefix="digestbot-bench-")) / "real.db"
    engine = make_engine(Settings(), db_path=db)
    engine.ingest(str(THURSDAI))
    names = [n for _, n, _ in engine.store.name_keys()]
    engine.close()
    words = [
        "tts",
        "open source",
        "video",
        "reasoning",
        "qwen",
        "agents",
        "image",
        "gemini",
        "voice",
        "coding",
        "benchmark",
        "kokoro",
        "llama",
        "vision model",
        "mcp",
    ]
    return _lookup_rows(f"real ({len(names):,} names)", db, names, words)


_SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "qwe",
    "no",
    "lu",
    "zen",
    "ta",
    "vex",
    "phi",
    "gem",
    "ly",
    "or",
    "sa",
    "dra",
    "ko",
    "ne",
    "tri",
    "xo",
    "ba",
]
_VOCAB = [
    "model",
    "open",
    "weights",
    "reasoning",
    "video",
    "voice",
    "tts",
    "image",
    "agent",
    "benchmark",
    "context",
    "license",
    "coding",
    "vision",
    "audio",
    "release",
    "api",
    "fast",
    "small",
    "diffusion",
    "robot",
    "chat",
    "search",
    "math",
    "embedding",
]


def build_synthetic(path: Path, items: int = SYNTHETIC_ITEMS) -> list[str]:
    """A database of ``items`` synthetic releases (cached); returns some of their names."""
    from bot.entities import entity_for
    from bot.feeds.clean import name_key
    from bot.store.sqlite import Store, index_items_after

    rng = random.Random(42)
    families = sorted(
        {"".join(rng.choice(_SYLLABLES) for _ in range(3)).title() for _ in range(6000)}
    )
    names = [f"{f}-{v}" for f in families for v in ("1", "2", "2.5", "3", "4 Pro", "Mini", "Max")]
    if path.exists():
        return names
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    Store(tmp).close()  # create the schema
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    per_episode = 20
    entities = {name: entity_for(name, "Synthetic") for name in names}
    db.executemany(
        "INSERT OR IGNORE INTO entities(id, name, family, family_key, org) VALUES (?, ?, ?, ?, ?)",
        [(e.id, e.name, e.family, e.family_key, e.org) for e in entities.values() if e],
    )
    with db:
        for e in range(items // per_episode):
            published = (
                f"{2015 + e // 5200:04d}-{1 + (e // 433) % 12:02d}-{1 + e % 28:02d}T17:00:00+00:00"
            )
            db.execute(
                "INSERT INTO episodes(id, key, feed, title, published, content_hash, ingested_at)"
                " VALUES (?, ?, 'synthetic', ?, ?, '', '')",
                (f"ep{e}", f"k{e}", f"Synthetic episode {e}", published),
            )
            rows = []
            for position in range(per_episode):
                name = rng.choice(names)
                headline = f"{name} - " + " ".join(rng.sample(_VOCAB, 6))
                rows.append(
                    (
                        f"it{e}-{position}",
                        f"ep{e}",
                        position,
                        name,
                        name_key(name),
                        "Synthetic",
                        "Open Source LLMs",
                        "Open Source LLMs",
                        headline,
                        headline,
                        published,
                        entity.id if (entity := entities[name]) else "",
                    )
                )
            db.executemany(
                "INSERT INTO items(id, episode_id, position, name, name_key, org, section,"
                " section_original, headline, summary, published, entity_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    index_items_after(db)  # no trigger indexes inserted items
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    db.commit()
    db.close()
    tmp.rename(path)
    return names


def bench_lookups_synthetic() -> list[Row]:
    """release/search latency over 1M synthetic items."""
    from bot.store.schema import SCHEMA_VERSION

    path = CACHE / f"synthetic-{SYNTHETIC_ITEMS}-v{SCHEMA_VERSION}.db"  # a new schema rebuilds
    built = not path.exists()
    start = time.perf_counter()
    names = build_synthetic(path)
    rows = _lookup_rows("1M synthetic items", path, names, _VOCAB)
    if built:
        rows.append(("(built the 1M-item database once)", f"{time.perf_counter() - start:.0f} s"))
    return rows


# --- whole process -----------------------------------------------------------


def bench_cli_process() -> list[Row]:
    """`digestbot release kokoro` as a whole process, and which chat SDKs it imported."""
    from app.cli import sample_feed_path

    db = Path(tempfile.mkdtemp(prefix="digestbot-bench-")) / "cli.db"
    exe = str(Path(sys.executable).with_name("digestbot"))
    env = {**os.environ, "DIGESTBOT_DB": str(db)}
    subprocess.run(
        [exe, "ingest", str(sample_feed_path())], env=env, check=True, capture_output=True
    )
    times = []
    for _ in range(11):
        start = time.perf_counter()
        subprocess.run([exe, "release", "kokoro"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    probe = (
        "import sys; from app.cli import main; main(['release', 'kokoro']);"
        "sdks = {'discord', 'slack_bolt', 'slack_sdk'};"
        "print(sorted({m.split('.')[0] for m in sys.modules} & sdks))"
    )
    imported = (
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return [
        (
            "`digestbot release kokoro` process, median of 11",
            f"{statistics.median(times) * 1000:.0f} ms  (goal < 300)",
        ),
        ("chat SDKs imported by it", imported),
    ]


def run() -> list[Row]:
    """All core figures."""
    rows: list[Row] = []
    for part in (bench_ingest, bench_lookups_real, bench_lookups_synthetic, bench_cli_process):
        rows += part()
    return rows
