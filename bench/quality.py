"""Extraction quality against hand-checked episodes: ``make quality``.

Each fixture under ``tests/quality/<show>/<episode>.toml`` names one episode in
../shared (a feed file and the entry's link, title or date, or a Markdown/HTML
document) and the releases a careful reader expects from it.  This module
ingests the sources through the real engine (``make_engine`` / ``Engine.ingest``
into a temporary SQLite file, with the extractive summariser), reads the stored
items back, matches them against the expectations and prints, per show, item
precision and recall, link recall, items without a link, bad or malformed names
and summaries that do not name their item; then the same whole-feed figures over
the shared ThursdAI feed.  docs/quality.md explains the rules.

``python -m bench.quality [--show NAME] [--verbose]``; exit 0 always (a measurement).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.quality import (  # noqa: E402  (the path above makes `python bench/quality.py` work)
    BAD,
    name_problems,
    normalise,
    summary_names_item,
)

SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "quality"
THURSDAI_FEED = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"

#: rapidfuzz token_sort_ratio at or above which two names are the same release.
FUZZY_THRESHOLD = 90.0


# --- fixtures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """One release a reader expects from an episode."""

    name: str
    aliases: tuple[str, ...] = ()
    section: str = ""
    links: tuple[str, ...] = ()
    optional: bool = False  # a borderline line: neither counted as found nor as missed


@dataclass(frozen=True)
class Fixture:
    """A hand-checked episode: where it is, and what a reader expects from it."""

    path: Path
    show: str
    source: Path  # a feed file or one episode document under ../shared
    link: str = ""
    title: str = ""
    date: str = ""  # YYYY-MM-DD of the entry's publication date
    items: tuple[Expected, ...] = ()

    @property
    def label(self) -> str:
        """A short name for reports: show/file stem."""
        return f"{self.path.parent.name}/{self.path.stem}"


class FixtureError(ValueError):
    """A fixture file that cannot be read or names nothing."""


def load_fixture(path: Path, shared: Path = SHARED) -> Fixture:
    """Read one fixture TOML file (see docs/quality.md for its fields)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FixtureError(f"{path}: {exc}") from exc
    episode = data.get("episode", {})
    source = episode.get("source", "")
    if not data.get("show") or not source:
        raise FixtureError(f"{path}: needs `show` and `episode.source`")
    items = tuple(
        Expected(
            name=str(raw["name"]),
            aliases=tuple(str(a) for a in raw.get("aliases", ())),
            section=str(raw.get("section", "")),
            links=tuple(str(u) for u in raw.get("links", ())),
            optional=bool(raw.get("optional", False)),
        )
        for raw in data.get("item", ())
    )
    if not items:
        raise FixtureError(f"{path}: no [[item]]")
    return Fixture(
        path=path,
        show=str(data["show"]),
        source=shared / source,
        link=str(episode.get("link", "")),
        title=str(episode.get("title", "")),
        date=str(episode.get("date", "")),
        items=items,
    )


def load_fixtures(root: Path = FIXTURES, shared: Path = SHARED) -> list[Fixture]:
    """Every fixture under ``root``, sorted by path."""
    return [load_fixture(path, shared) for path in sorted(root.glob("*/*.toml"))]


# --- matching ---------------------------------------------------------------------


@dataclass(frozen=True)
class Got:
    """An extracted item as stored, reduced to what is measured."""

    name: str
    headline: str = ""
    summary: str = ""
    links: tuple[str, ...] = ()
    section: str = ""
    org: str = ""  # the maker the extractor read off the line ("Mistral" for "Tokenizer")


def _squash(text: str) -> str:
    return normalise(text).replace(" ", "")


def name_score(expected: Expected, got_name: str, org: str = "") -> float:
    """How well an extracted name matches an expected item: 0 (no match) to 3.

    3: equal normalised names (case, punctuation and spacing ignored) or an alias;
    2: the expected name (or an alias) is the leading words of the extracted name;
    1..2: rapidfuzz token_sort_ratio of at least FUZZY_THRESHOLD (scaled into 1-2).
    With ``org`` (the maker the extractor stored apart from the name), the name with
    its org in front is scored too: "Tokenizer" by Mistral is "Mistral tokenizer".
    """
    score = _name_score(expected, got_name)
    got = normalise(got_name)
    # The org as stored ("Nous Research") and its first word as lines write it ("Nous").
    for prefix in {normalise(org), normalise(org).split(" ", 1)[0]} if org else ():
        if prefix and not got.startswith(prefix):
            score = max(score, _name_score(expected, f"{prefix} {got_name}"))
    return score


def _name_score(expected: Expected, got_name: str) -> float:
    from rapidfuzz import fuzz

    got = normalise(got_name)
    if not got:
        return 0.0
    names = [n for n in (expected.name, *expected.aliases) if normalise(n)]
    if any(_squash(n) == got.replace(" ", "") for n in names):
        return 3.0
    got_words = got.split()
    for n in names:
        words = normalise(n).split()
        if got_words[: len(words)] == words:
            return 2.0
    best = max(fuzz.token_sort_ratio(normalise(n), got) for n in names)
    return 1.0 + best / 100.0 if best >= FUZZY_THRESHOLD else 0.0


def match(expected: Sequence[Expected], got: Sequence[Got]) -> dict[int, int]:
    """Pairs (expected index -> extracted index): best scores first, each used once."""
    scored = [
        (score, -ei, -gi, ei, gi)
        for ei, exp in enumerate(expected)
        for gi, item in enumerate(got)
        if (score := name_score(exp, item.name, item.org)) > 0
    ]
    scored.sort(reverse=True)
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _score, _e, _g, ei, gi in scored:
        if ei in pairs or gi in used:
            continue
        pairs[ei] = gi
        used.add(gi)
    return pairs


def link_key(url: str) -> str:
    """A URL as compared: no scheme, www., trailing slash or utm_*; x.com = twitter.com."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.").removeprefix("mobile.")
    if host == "twitter.com":
        host = "x.com"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")])
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{query}" if query else "")


# --- scores -----------------------------------------------------------------------


@dataclass
class Score:
    """Counts for one show (or one episode), summed over its fixtures."""

    episodes: int = 0
    found: int = 0  # expected items matched
    missed: int = 0  # expected items not matched
    spurious: int = 0  # extracted items matching nothing expected (duplicates included)
    links_expected: int = 0  # key links of matched items
    links_found: int = 0
    items: int = 0  # extracted items measured
    no_link: int = 0
    bad_names: list[str] = field(default_factory=list)
    malformed_names: list[str] = field(default_factory=list)
    summaries: int = 0  # non-headline summaries
    summaries_naming: int = 0
    unnamed: list[str] = field(default_factory=list)  # "name: summary" not naming it
    missed_names: list[str] = field(default_factory=list)
    spurious_names: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        """Sum another score into this one."""
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)

    @property
    def precision(self) -> float:
        """Matched extracted items over extracted items (optional matches left out)."""
        total = self.found + self.spurious
        return self.found / total if total else 1.0

    @property
    def recall(self) -> float:
        """Matched expected items over expected items (optional ones left out)."""
        total = self.found + self.missed
        return self.found / total if total else 1.0

    @property
    def link_recall(self) -> float:
        """Expected key links present on their matched item."""
        return self.links_found / self.links_expected if self.links_expected else 1.0

    @property
    def no_link_share(self) -> float:
        """Share of extracted items without any link."""
        return self.no_link / self.items if self.items else 0.0

    @property
    def naming_share(self) -> float:
        """Share of non-headline summaries that name their item."""
        return self.summaries_naming / self.summaries if self.summaries else 1.0


def score_items(got: Iterable[Got], aliases_of: dict[int, tuple[str, ...]] | None = None) -> Score:
    """Name, link and summary figures of extracted items (no expectations needed)."""
    score = Score()
    for index, item in enumerate(got):
        score.items += 1
        if not item.links:
            score.no_link += 1
        problems = name_problems(item.name)
        if any(p in BAD for p in problems):
            score.bad_names.append(item.name)
        elif problems:
            score.malformed_names.append(item.name)
        summary = item.summary.strip()
        if summary and summary != item.headline.strip():
            score.summaries += 1
            aliases = (aliases_of or {}).get(index, ())
            if summary_names_item(summary, item.name, aliases):
                score.summaries_naming += 1
            else:
                score.unnamed.append(f"{item.name}: {summary[:120]}")
    return score


def score_episode(expected: Sequence[Expected], got: Sequence[Got]) -> Score:
    """Precision, recall and link recall of one episode's items, plus the item figures."""
    pairs = match(expected, got)
    matched_got = {gi: ei for ei, gi in pairs.items()}
    aliases_of = {gi: (expected[ei].name, *expected[ei].aliases) for gi, ei in matched_got.items()}
    score = score_items(got, aliases_of)
    score.episodes = 1
    for ei, exp in enumerate(expected):
        if ei not in pairs:
            if not exp.optional:
                score.missed += 1
                score.missed_names.append(exp.name)
            continue
        if not exp.optional:
            score.found += 1
        have = {link_key(u) for u in got[pairs[ei]].links}
        for url in exp.links:
            score.links_expected += 1
            score.links_found += link_key(url) in have
    for gi, item in enumerate(got):
        if gi not in matched_got:
            score.spurious += 1
            score.spurious_names.append(item.name)
    return score


# --- ingest through the engine -------------------------------------------------------


class Corpus:
    """Sources ingested once each through the real engine, items read back per episode."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._engines: dict[Path, object] = {}

    def _engine(self, source: Path) -> object:
        from bot.config import Settings
        from bot.engine import make_engine
        from bot.summarise import make_summariser

        if source not in self._engines:
            settings = Settings()
            db = self._workdir / f"q{len(self._engines)}.db"
            engine = make_engine(settings, db_path=db, summariser=make_summariser(settings))
            engine.ingest(str(source))
            self._engines[source] = engine
        return self._engines[source]

    def episodes(self, source: Path) -> list[list[Got]]:
        """Every stored episode of a source, each as its items in order."""
        from bot.engine import Engine

        engine = self._engine(source)
        assert isinstance(engine, Engine)
        return [
            [_got(i) for i in engine.store.items_of_episode(e.id)] for e in engine.store.episodes()
        ]

    def items(self, fixture: Fixture) -> list[Got]:
        """The stored items of the fixture's episode; raises FixtureError if not found."""
        from bot.engine import Engine

        engine = self._engine(fixture.source)
        assert isinstance(engine, Engine)
        episodes = engine.store.episodes()
        picked = [
            e
            for e in episodes
            if (not fixture.link or link_key(e.url or "") == link_key(fixture.link))
            and (not fixture.title or normalise(fixture.title) in normalise(e.title))
            and (
                not fixture.date
                or (e.published is not None and e.published.date().isoformat() == fixture.date)
            )
        ]
        if len(picked) != 1:
            raise FixtureError(
                f"{fixture.path.name}: {len(picked)} episodes of {fixture.source.name} match"
                f" link={fixture.link!r} title={fixture.title!r} date={fixture.date!r}"
            )
        return [_got(i) for i in engine.store.items_of_episode(picked[0].id)]

    def close(self) -> None:
        """Close every engine."""
        from bot.engine import Engine

        for engine in self._engines.values():
            assert isinstance(engine, Engine)
            engine.close()


def _got(item: object) -> Got:
    from bot.models import Item

    assert isinstance(item, Item)
    return Got(
        name=item.name,
        headline=item.headline,
        summary=item.summary,
        links=tuple(link.url for link in item.links),
        section=item.section_original,
        org=item.org or "",
    )


@contextmanager
def corpus() -> Iterator[Corpus]:
    """A Corpus on a temporary directory, closed and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="digestbot-quality-") as tmp:
        held = Corpus(Path(tmp))
        try:
            yield held
        finally:
            held.close()


# --- the report ---------------------------------------------------------------------


@dataclass
class Report:
    """Per-show scores over the fixtures, and the whole-feed ThursdAI figures."""

    shows: dict[str, Score]
    episodes: dict[str, Score]  # fixture label -> score
    feed: Score | None  # the whole shared ThursdAI feed
    feed_rich: int = 0  # episodes with 5 or more items
    seconds: float = 0.0


def measure(fixtures: Sequence[Fixture], *, whole_feed: bool = True) -> Report:
    """Ingest and score every fixture (and the whole ThursdAI feed)."""
    started = time.perf_counter()
    shows: dict[str, Score] = {}
    episodes: dict[str, Score] = {}
    feed: Score | None = None
    rich = 0
    with corpus() as held:
        for fixture in fixtures:
            score = score_episode(fixture.items, held.items(fixture))
            episodes[fixture.label] = score
            shows.setdefault(fixture.show, Score()).add(score)
        if whole_feed and THURSDAI_FEED.exists():
            feed = Score()
            for items in held.episodes(THURSDAI_FEED):
                part = score_items(items)
                part.episodes = 1
                feed.add(part)
                rich += len(items) >= 5
    return Report(shows, episodes, feed, rich, time.perf_counter() - started)


def _pct(value: float) -> str:
    return f"{value * 100:5.1f}%"


def _share(part: int, whole: int) -> str:
    """A percentage, or "-" when there is nothing to divide."""
    return _pct(part / whole) if whole else "    -"


def render(report: Report, *, verbose: bool = False) -> str:
    """The printed report."""
    lines = ["Extraction quality against hand-checked episodes (docs/quality.md)", ""]
    header = (
        f"{'show':<18}{'eps':>4}{'exp':>5}{'got':>5}{'precision':>10}{'recall':>8}"
        f"{'links':>8}{'no link':>8}{'bad':>5}{'malf':>5}{'naming':>8}"
    )
    lines.append(header)
    for show, s in sorted(report.shows.items()):
        lines.append(
            f"{show:<18}{s.episodes:>4}{s.found + s.missed:>5}{s.items:>5}"
            f"{_share(s.found, s.found + s.spurious):>10}{_share(s.found, s.found + s.missed):>8}"
            f"{_share(s.links_found, s.links_expected):>8}{_share(s.no_link, s.items):>8}"
            f"{len(s.bad_names):>5}{len(s.malformed_names):>5}"
            f"{_share(s.summaries_naming, s.summaries):>8}"
        )
    lines.append("")
    lines.append("per episode: found/expected, spurious")
    for label, s in report.episodes.items():
        lines.append(
            f"  {label:<52} {s.found:>3}/{s.found + s.missed:<3} spurious {s.spurious:>3}"
            f"  bad {len(s.bad_names)}"
        )
        if verbose:
            if s.missed_names:
                lines.append(f"      missed: {', '.join(s.missed_names)}")
            if s.spurious_names:
                lines.append(f"      spurious: {', '.join(s.spurious_names)}")
            for text in s.unnamed:
                lines.append(f"      summary not naming: {text}")
    if report.feed is not None:
        f = report.feed
        lines += [
            "",
            "Whole shared ThursdAI feed (targets from issue 10)",
            f"  episodes with 5+ items   {report.feed_rich} of {f.episodes}   (target >= 121)",
            f"  items without a link     {f.no_link} of {f.items} = {_pct(f.no_link_share)}"
            "   (target < 10%)",
            f"  bad names                {len(f.bad_names)}   (target 0; generic, possessive,"
            " number, link label, URL)",
            f"  malformed names          {len(f.malformed_names)}   (emoji, dangling connector)",
            f"  summaries naming item    {f.summaries_naming} of {f.summaries} ="
            f" {_pct(f.naming_share)}   (target >= 98%)",
        ]
        if verbose:
            lines.append(f"  bad: {sorted(set(f.bad_names))}")
            lines.append(f"  malformed: {sorted(set(f.malformed_names))}")
    lines += ["", f"measured in {report.seconds:.1f} s"]
    return "\n".join(lines)


def run() -> list[tuple[str, str]]:
    """The headline figures as (label, value) rows, for ``make bench``."""
    if not SHARED.is_dir():
        return [("quality", "skipped: ../shared is absent")]
    report = measure(load_fixtures())
    rows = [
        (
            show,
            f"precision {_share(s.found, s.found + s.spurious).strip()},"
            f" recall {_share(s.found, s.found + s.missed).strip()},"
            f" bad names {len(s.bad_names)}",
        )
        for show, s in sorted(report.shows.items())
    ]
    if report.feed is not None:
        f = report.feed
        rows += [
            ("ThursdAI feed: episodes with 5+ items", f"{report.feed_rich} of {f.episodes}"),
            ("ThursdAI feed: items without a link", _share(f.no_link, f.items).strip()),
            ("ThursdAI feed: bad names", str(len(f.bad_names))),
            (
                "ThursdAI feed: summaries naming item",
                _share(f.summaries_naming, f.summaries).strip(),
            ),
        ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the quality report."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("--show", help="only fixtures of this show (case-insensitive)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and extras")
    parser.add_argument("--no-feed", action="store_true", help="skip the whole-feed figures")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print("quality: ../shared (the real feeds) is not present; nothing to measure")
        return 0
    fixtures = load_fixtures()
    if args.show:
        fixtures = [f for f in fixtures if f.show.lower() == args.show.lower()]
    try:
        report = measure(fixtures, whole_feed=not args.no_feed)
    except FixtureError as exc:
        print(f"quality: {exc}")
        return 1
    print(render(report, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
