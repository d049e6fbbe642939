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
    from bot.lookup import open_lookup
    from bot.store.open import names_postgres
    from bot.store.sqlite import SourceState

    rng = random.Random(7)
    settings = Settings()  # a running bot has its settings before its first lookup
    start, start_cpu = time.perf_counter(), time.thread_time()
    engine = make_engine(settings, db_path=db)
    try:
        engine.release(names[0])  # cold: the engine's open and first lookup
    except LookupError:
        pass
    cold, cold_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    # What `digestbot release` does (no engine, no models), in a database a lookup has
    # seen before (the engine's first lookup above linked a fresh ingest's entities).
    # PostgreSQL is always served by the engine (the CLI's light path is SQLite only).
    light: tuple[float, float] | None = None
    if not names_postgres(str(db)):
        start, start_cpu = time.perf_counter(), time.thread_time()
        lookup = open_lookup(str(db))
        try:
            lookup.release(names[1])
        except LookupError:
            pass
        lookup.store.close()
        light = (time.perf_counter() - start, time.thread_time() - start_cpu)
    release_queries = []
    for _ in range(500):
        name = rng.choice(names)
        release_queries.append(
            rng.choice([name, name.lower(), name.upper().replace("-", " "), _typo(name, rng)])
        )
    search_queries = [" ".join(rng.sample(words, rng.choice([1, 1, 2]))) for _ in range(500)]

    cpu: dict[str, list[float]] = {}

    def timed(
        fn: Callable[[str], object], queries: list[str], label: str, write: bool = False
    ) -> list[float]:
        samples = []
        cpu[label] = []
        for n, query in enumerate(queries):
            if write:  # a post and a subscription change between lookups, as in a running bot
                engine.store.save_source_state(
                    SourceState(f"bench-write-{n % 7}", content_hash=str(n))
                )
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                fn(query)
            except LookupError:
                pass
            samples.append(time.perf_counter() - start)
            cpu[label].append(time.thread_time() - start_cpu)
        return samples

    release = percentiles_ms(timed(engine.release, release_queries, "release"))
    written = percentiles_ms(timed(engine.release, release_queries[:200], "written", write=True))
    search = percentiles_ms(timed(lambda q: engine.search(q, limit=10), search_queries, "search"))
    engine.close()

    def on_cpu(label: str) -> str:
        # CPU time of the lookup's own thread: what wall time is on an idle machine (the
        # two shared cores here preempt a process for ~10 ms when loaded eight deep).
        p50, p99 = percentiles_ms(cpu[label])
        return f"; CPU {p50:.2f} / {p99:.2f} ms"

    rows: list[Row] = [
        (
            f"release cold (open + first lookup), {label}",
            f"{cold * 1000:.1f} ms; CPU {cold_cpu * 1000:.1f} ms  (goal < 50)",
        )
    ]
    if light is not None:
        rows.append(
            (
                f"  the same without the engine (bot.lookup, as the CLI), {label}",
                f"{light[0] * 1000:.1f} ms; CPU {light[1] * 1000:.1f} ms  (goal < 50)",
            )
        )
    return [
        *rows,
        (
            f"release p50/p99, {label}",
            f"{release[0]:.2f} / {release[1]:.2f} ms{on_cpu('release')}  (goal p99 < 10)",
        ),
        (
            f"release p50/p99 with a write before each, {label}",
            f"{written[0]:.2f} / {written[1]:.2f} ms{on_cpu('written')}  (goal p99 < 10)",
        ),
        (f"search  p50/p99, {label}", f"{search[0]:.2f} / {search[1]:.2f} ms{on_cpu('search')}"),
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
    names = [str(n) for (n,) in engine.store.query("SELECT name FROM names")]
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

_READER_PROBE = """
import sys
from pathlib import Path
from reader import make_reader
feed = Path(sys.argv[1])
r = make_reader(sys.argv[2], feed_root=str(feed.parent))
r.add_feed(feed.name)
r.update_feeds()
"""
#: A search the semantic blend ranks (few items hold all three words: ``semantic_pays``).
BLENDED_QUERY = "small vision model"
_FEEDPARSER_PROBE = "import sys, feedparser; feedparser.parse(open(sys.argv[1], 'rb').read())"
#: Prints the process's peak resident memory and what it held once imports were done.
#: VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's size (kept across exec).
_MEMORY_PROBE = """
import sys
from bot.config import FetchSettings, Settings
from bot.engine import make_engine
from bot.summarise import make_summariser
import bot.feeds.parse, bot.summarise.extractive

def peak():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM"))

before = peak()
settings = Settings(fetch=FetchSettings(max_bytes=200_000_000))  # the x10 feed is 40 MB
engine = make_engine(settings, db_path=sys.argv[2], summariser=make_summariser())
engine.ingest(sys.argv[1])
print(before, peak())
"""


def _cpu_of(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process run to completion."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _without_newest_item(data: bytes) -> bytes:
    """The feed as it was before its newest episode (the first ``<item>``) came out."""
    start = data.find(b"<item>")
    end = data.find(b"</item>", start)
    return data[:start] + data[end + len(b"</item>") :] if start >= 0 and end >= 0 else data


def _times_ten(data: bytes) -> bytes:
    """A feed ten times as long: every episode ten times over, each copy its own guid."""
    start, end = data.find(b"<item>"), data.rfind(b"</item>") + len(b"</item>")
    items = data[start:end]
    copies = [items.replace(b"<guid", b"<guid data-copy", 0)]
    for n in range(1, 10):
        copy = items.replace(b"</guid>", b"-copy%d</guid>" % n)
        copy = copy.replace(b"<title>", b"<title>(copy %d) " % n)
        copies.append(copy)
    return data[:start] + b"".join(copies) + data[end:]


def bench_processes() -> list[Row]:
    """Whole processes as a user runs them, interleaved, medians: ratios next to their goals.

    Ratios are of CPU time (user + system): on this shared machine wall time swings
    with the neighbours' load, CPU time much less.  Wall medians are printed too.
    """
    if not THURSDAI.exists():
        return [("processes", "skipped: ../shared is absent")]
    tmp = Path(tempfile.mkdtemp(prefix="digestbot-bench-"))
    exe = str(Path(sys.executable).with_name("digestbot"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("DIGESTBOT", "SLACK_", "DISCORD_"))
    }
    env["DIGESTBOT_DB"] = str(tmp / "lookups.db")
    data = THURSDAI.read_bytes()
    # Our modules compiled to bytecode once, as an installed package is (and as feedparser
    # and reader are in site-packages): with PYTHONDONTWRITEBYTECODE set, as here, every
    # process would otherwise compile digestbot's sources again (~60 ms of CPU each).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            *(str(ROOT / p) for p in ("bot", "app", "adapters")),
        ],
        check=False,
        capture_output=True,
    )
    older = tmp / "older.rss"
    older.write_bytes(_without_newest_item(data))
    feed = tmp / "feed.rss"
    feed.write_bytes(data)
    subprocess.run([exe, "ingest", str(feed)], env=env, check=True, capture_output=True)
    counter = iter(range(10_000))

    def fresh_db() -> str:
        return str(tmp / f"i{next(counter)}.db")

    def ingest_fresh() -> list[str]:
        return [exe, "--db", fresh_db(), "ingest", str(feed)]

    def one_new() -> list[str]:
        db = fresh_db()  # the feed as it was last week, then with this week's episode
        subprocess.run(
            [exe, "--db", db, "ingest", str(older)], env=env, check=True, capture_output=True
        )
        return [exe, "--db", db, "ingest", str(feed)]

    def first_blend() -> list[str]:
        db = fresh_db()  # a fresh ingest: its items have no semantic vectors yet
        subprocess.run(
            [exe, "--db", db, "ingest", str(feed)], env=env, check=True, capture_output=True
        )
        return [exe, "--db", db, "search", BLENDED_QUERY]

    py = sys.executable
    commands: dict[str, Callable[[], list[str]]] = {
        "pass": lambda: [py, "-c", "pass"],
        "release": lambda: [exe, "release", "kokoro"],
        "search": lambda: [exe, "search", "open source tts"],
        "reingest": lambda: [exe, "ingest", str(feed)],
        "blend": lambda: [exe, "search", BLENDED_QUERY],
        "one_new": one_new,
        "ingest": ingest_fresh,
        "feedparser": lambda: [py, "-c", _FEEDPARSER_PROBE, str(feed)],
        "reader": lambda: [py, "-c", _READER_PROBE, str(feed), fresh_db()],
        "first_blend": first_blend,
    }
    try:
        import reader  # noqa: F401  (the dev extra installs it)
    except ImportError:
        del commands["reader"]
    from bot.store.semantic import available

    if available():  # the lookups' database embedded once: "blend" is a search with vectors
        subprocess.run([exe, "index"], env=env, check=True, capture_output=True)
    else:
        del commands["blend"], commands["first_blend"]
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(5):  # interleaved: every command sees the same machine
        for key, make in commands.items():
            w, c = _cpu_of(make(), env)
            wall[key].append(w)
            cpu[key].append(c)
    w = {k: statistics.median(v) for k, v in wall.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}

    def figure(key: str, base: str | None = None, goal: str = "") -> str:
        text = f"{w[key] * 1000:.0f} ms wall, {c[key] * 1000:.0f} ms CPU"
        if base is not None and base in c:
            text += f" = {c[key] / c[base]:.2f}x {base}"
        return text + (f"  (goal {goal})" if goal else "")

    rows = [
        ("`python -c pass`", figure("pass")),
        ("`digestbot release kokoro`", figure("release", "pass", "<= 5x")),
        ("`digestbot search 'open source tts'`", figure("search", "pass", "<= 5x")),
        ("feedparser.parse of the ThursdAI feed, as a process", figure("feedparser")),
    ]
    if "reader" in c:
        rows.append(("lemon24/reader update of the same file, as a process", figure("reader")))
    rows += [
        (
            "ingest ThursdAI (with summaries), as a process",
            figure("ingest", "feedparser", "<= 0.5x"),
        ),
    ]
    if "reader" in c:
        rows.append(
            ("  the same against reader", f"{c['ingest'] / c['reader']:.2f}x  (goal <= 0.2x)")
        )
    rows += [
        ("re-ingest of the unchanged feed", figure("reingest", "release", "<= 1.2x")),
        (
            "ingest of the feed with one new episode",
            figure("one_new", "reingest") + f"; the new episode's own cost "
            f"{(c['one_new'] - c['reingest']) * 1000:.0f} ms CPU",
        ),
    ]
    if "blend" in c:
        rows += [
            (f"`digestbot search '{BLENDED_QUERY}'` (semantic blend)", figure("blend", "pass")),
            (
                "  the same, first after an ingest (embeds the feed's items)",
                figure("first_blend", "blend") + f"; the embedding's own cost "
                f"{(c['first_blend'] - c['blend']) * 1000:.0f} ms CPU",
            ),
        ]
    return rows + _memory_rows(tmp, data, env)


def _memory_rows(tmp: Path, data: bytes, env: dict[str, str]) -> list[Row]:
    """Peak resident memory of an ingest process, against the feed's size."""
    if not Path("/proc/self/status").exists():
        return [("ingest peak memory", "skipped: needs Linux /proc")]
    rows = []
    for label, content in (("1x", data), ("x10", _times_ten(data))):
        path = tmp / f"memory-{label}.rss"
        path.write_bytes(content)
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(path), str(tmp / f"m{label}.db")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        before, peak = int(out[0]), int(out[1])
        rows.append(
            (
                f"ingest peak memory, {label} feed ({len(content) / 1e6:.0f} MB)",
                f"{peak / 1e6:.0f} MB peak RSS, {(peak - before) / 1e6:.0f} MB above the imports"
                f" = {(peak - before) / len(content):.1f}x the feed  (goal <= 4x)",
            )
        )
    return rows


def run() -> list[Row]:
    """All core figures."""
    rows: list[Row] = []
    for part in (bench_ingest, bench_lookups_real, bench_lookups_synthetic, bench_processes):
        rows += part()
    return rows
