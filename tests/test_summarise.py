"""Extractive summaries and facts: a small fixture, the seed episode, and whole real feeds.

The property tests run over every item of every episode of the real ThursdAI
feed and of the Markdown exports: summaries are whole sentences of the
episode body, facts appear in its text, nothing is invented.
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import cache
from pathlib import Path

import pytest

from app.cli import main
from bot.config import Settings
from bot.engine import make_engine
from bot.feeds.clean import name_key
from bot.feeds.parse import parse_source
from bot.formats import release_json
from bot.models import Chapter, Facts, ParsedEpisode, ParsedFeed, ParsedItem
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from bot.store.sqlite import Store
from bot.summarise import make_summariser
from bot.summarise.extractive import (
    EpisodeText,
    ExtractiveSummariser,
    canonical_license,
    fact_in_text,
    facts_in,
    format_timestamp,
    summarise_items,
    verify_facts,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "summarise_episode.md"
SHARED = Path(__file__).resolve().parents[2] / "shared"
FEED = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
EXPORTS = SHARED / "episodes-md"
SEED = SHARED / "seeds" / "000_a5e4428470c6ebdd.txt"

needs_shared = pytest.mark.skipif(
    not FEED.is_file(), reason="../shared (the real ThursdAI feed and exports) is absent"
)


def _parse(path: Path) -> ParsedFeed:
    return parse_source(path.read_bytes(), str(path))


@cache
def _summarised(path: Path) -> ParsedFeed:
    return ExtractiveSummariser()(_parse(path))


def _item(feed: ParsedFeed, name: str) -> ParsedItem:
    for episode in feed.episodes:
        for item in episode.items:
            if name_key(item.name) == name_key(name):
                return item
    raise AssertionError(f"no item named {name!r}")


def _sentences_in_body(summary: str, body: str) -> bool:
    """Whether ``summary`` is made of whole stretches of ``body`` joined by spaces."""
    rest = summary
    while rest:
        for end in sorted({m.end() for m in re.finditer(r"(?=\s|$)", rest)}, reverse=True):
            if end and rest[:end] in body:
                rest = rest[end:].lstrip()
                break
        else:
            return False
    return True


# --- fact patterns -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("it's a 14B parameter, dense decoder-only model", "parameters", "14B"),
        ("tiny (82M! params) TTS", "parameters", "82M"),
        ("comes in 2B and 0.5B parameter sizes", "parameters", "2B and 0.5B"),
        ("an open-source 1T-parameter MoE", "parameters", "1T"),
        ("a 1.2 trillion‑parameter Gemini", "parameters", "1.2 trillion"),
        ("with a 16K token context length", "context", "16K"),
        ("doubling its context window to 256K", "context", "256K"),
        ("It scored 80.4 on math and more", "scores", "80.4 on math"),
        ("hits 73.1% on SWE-Bench Verified.", "scores", "73.1% on SWE-Bench Verified"),
        ("Kokoro being #1 on TTS arena and", "scores", "#1 on TTS arena"),
        ("officialy MIT licensed which is great", "license", "MIT"),
        ("It's Apache 2 license and", "license", "Apache 2.0"),
        ("weights are Apache-2.0 licensed", "license", "Apache 2.0"),
    ],
)
def test_facts_found(text: str, kind: str, value: str) -> None:
    assert (kind, value) in [(f.kind, f.value) for f in facts_in(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Claude Sonnet 4.5 on Artificial Analysis is fast",  # a version, not a score
        "GPT-5 on LMArena",
        "we submit limits to the committee",  # "mit" inside words
        "R1 on math benchmarks",
        "Phi-4 14B on HugginFace",  # a size, not a score; no "parameter" either
        "they spent $3,000 on it",
    ],
)
def test_no_false_facts(text: str) -> None:
    assert facts_in(text) == []


def test_licences_are_canonical_and_checked_in_any_spelling() -> None:
    assert canonical_license("Apache-2.0") == canonical_license("apache 2") == "Apache 2.0"
    assert fact_in_text("license", "Apache 2.0", "released under Apache 2 today")
    assert not fact_in_text("license", "MIT", "released under Apache 2 today")
    assert fact_in_text("scores", "80.4 on MATH", "It scored 80.4 on  math.")
    assert not fact_in_text("parameters", "13B", "a 14B parameter model")


def test_verify_facts_drops_what_the_text_lacks() -> None:
    claimed = Facts(
        org="Acme",
        parameters=("7B", "70B"),
        license="GPL-3",
        scores=("90 on X",),
        timestamp="12:00",
    )
    text = "Acme shipped a 7B parameter model."
    assert verify_facts(claimed, text) == Facts(org="Acme", parameters=("7B",))
    chapter = Chapter(title="Acme", start_seconds=720)
    assert verify_facts(claimed, text, chapter=chapter).timestamp == "12:00"


def test_format_timestamp() -> None:
    assert format_timestamp(1221) == "20:21"
    assert format_timestamp(4109) == "1:08:29"


# --- the fixture ------------------------------------------------------------------


def test_fixture_items_summaries_and_facts() -> None:
    feed = _summarised(FIXTURE)
    (episode,) = feed.episodes
    body = episode.body
    nova = _item(feed, "NOVA-X")
    # The heading says "NOVA-X", the prose "Nova X": one name.
    assert nova.summary.startswith("Mistral released Nova X today")
    assert nova.facts == Facts(
        org="Mistral",
        parameters=("12B",),
        license="Apache 2.0",
        context="32K",
        scores=("71.5 on MMLU", "64.2% on GPQA Diamond"),  # not Nova 1's 50.1
        timestamp="04:12",
    )
    glimmer = _item(feed, "Glimmer 2")
    assert glimmer.facts.parameters == ("45M",)  # not the rival's 1.2B
    assert glimmer.facts.license == "MIT"
    assert glimmer.facts.scores == ("#1 on Voice Arena",)
    assert "For comparison" not in glimmer.summary
    assert "Honestly" not in nova.summary
    # Never discussed: the headline stays, with no facts beyond what it says.
    zorblax = _item(feed, "Zorblax")
    assert zorblax.summary == zorblax.headline
    assert zorblax.facts == Facts()
    for item in episode.items:
        assert _sentences_in_body(item.summary, body) or item.summary == item.headline


def test_summary_sentences_are_whole_and_most_informative_first() -> None:
    nova = _item(_summarised(FIXTURE), "NOVA-X")
    sentences = re.split(r"(?<=[.!?])\s+", nova.summary)
    assert 2 <= len(sentences) <= 3
    assert all(s[0].isupper() and s[-1] in ".!?" for s in sentences)
    assert "12B parameter" in sentences[0]  # the sentence with the most facts leads


def test_stored_items_summarise_the_same_as_parsed_ones(tmp_path: Path) -> None:
    settings = Settings()
    engine = make_engine(settings, db_path=tmp_path / "s.db", summariser=make_summariser(settings))
    try:
        engine.ingest(str(FIXTURE))
        episode = engine.episodes()[0]
        stored = engine.store.items_of_episode(episode.id)
        again = summarise_items(engine.store.episode_body(episode.id), stored)
        assert [(r.summary, r.facts) for r in again] == [(i.summary, i.facts) for i in stored]
    finally:
        engine.close()


def test_items_of_an_empty_body_keep_their_headlines() -> None:
    item = ParsedItem(
        name="Kokoro",
        section="Voice & Audio",
        section_original="Voice",
        headline="Kokoro - #1 TTS with Apache 2 license",
    )
    (result,) = summarise_items("", [item])
    assert result.summary == item.headline and not result.discussed
    assert result.facts == Facts(license="Apache 2.0")  # read from the headline itself


def test_passage_for_the_llm_is_the_discussion() -> None:
    (episode,) = _parse(FIXTURE).episodes
    text = EpisodeText(episode.body, [i.headline for i in episode.items])
    passage = text.passage("NOVA-X")
    assert passage.startswith("NOVA-X: Mistral's")
    assert "12B parameter" in passage and "Glimmer 2 is" not in passage
    assert text.passage("Zorblax") == ""


# --- ingest, release JSON, CLI ------------------------------------------------------


def test_ingest_summarises_and_release_json_has_facts(tmp_path: Path) -> None:
    settings = Settings()
    engine = make_engine(settings, db_path=tmp_path / "r.db", summariser=make_summariser(settings))
    try:
        engine.ingest(str(FIXTURE))
        doc = release_json(engine.release("nova x"))
    finally:
        engine.close()
    assert doc["summary"].startswith("Mistral released Nova X today")
    assert doc["facts"] == {
        "org": "Mistral",
        "parameters": ["12B"],
        "license": "Apache 2.0",
        "context": "32K",
        "scores": ["71.5 on MMLU", "64.2% on GPQA Diamond"],
        "timestamp": "04:12",
    }
    json.dumps(doc)  # plain JSON: lists, strings


def test_cli_summarise_rebuilds_stored_summaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    assert main(["--db", db, "ingest", str(FIXTURE)]) == 0
    store = Store(db)
    try:
        (item,) = [i for i in store.items_of_episode(store.episodes()[0].id) if i.name == "NOVA-X"]
        store.update_item_summary(item.id, "stale", Facts())
    finally:
        store.close()
    capsys.readouterr()
    assert main(["--db", db, "summarise", "2025-03-03"]) == 0
    out = capsys.readouterr().out
    assert "3 item(s), 2 discussed in the text, 1 updated" in out
    assert main(["--db", db, "release", "nova-x", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["facts"]["parameters"] == ["12B"]


def test_cli_summarise_llm_without_endpoint_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGESTBOT_LLM__BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "c.db")
    assert main(["--db", db, "ingest", str(FIXTURE)]) == 0
    assert main(["--db", db, "summarise", "--llm"]) == 1
    assert "llm.base_url" in capsys.readouterr().err


def test_cli_summarise_on_empty_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "e.db"), "summarise"]) == 1
    assert "ingest" in capsys.readouterr().err


def test_llm_cache_migration_upgrades_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:2]):  # before llm_cache
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version + 1}; COMMIT;")
    db.close()
    store = Store(path)
    try:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert store.query("SELECT count(*) FROM llm_cache") == [(0,)]
    finally:
        store.close()


# --- the seed episode ------------------------------------------------------------------


@pytest.mark.skipif(not SEED.is_file(), reason="../shared (the seed episode) is absent")
def test_seed_examples() -> None:
    feed = _summarised(SEED)
    kokoro = _item(feed, "Kokoro")
    assert kokoro.facts.parameters == ("82M",)
    assert kokoro.facts.license == "Apache 2.0"
    assert kokoro.facts.scores[0].casefold() == "#1 on tts arena"
    phi = _item(feed, "Phi-4")
    assert (phi.facts.parameters, phi.facts.license, phi.facts.context) == (("14B",), "MIT", "16K")
    assert phi.facts.org == "Microsoft"
    assert "80.4 on math" in phi.facts.scores
    assert phi.facts.timestamp == "20:21"
    assert "14B parameter" in phi.summary
    assert _item(feed, "MetaGENE-1").facts.parameters == ("7B",)
    moondream = _item(feed, "Moondream 2")
    assert moondream.facts.parameters == ("2B and 0.5B",)
    assert "gaze detection" in moondream.summary
    # rStar-Math's section quotes Phi-3-mini's size: not rStar-Math's.
    assert _item(feed, "rStar-Math").facts.parameters == ()
    # Qwen is only named in passing (inside other releases' sections): headline stays.
    qwen = _item(feed, "Qwen web portal")  # "Qwen has a new web portal ..."
    assert qwen.summary == qwen.headline


# --- whole real feeds: properties ---------------------------------------------------------


def _check_episode(episode: ParsedEpisode) -> tuple[int, int]:
    body = episode.body
    discussed = facts = 0
    for item in episode.items:
        assert item.summary, item.name
        if item.summary != item.headline:
            discussed += 1
            assert _sentences_in_body(item.summary, body), (episode.title, item.name)
            assert len(item.summary) <= 1400
            assert not item.summary.endswith((" ", "-"))
        f = item.facts
        for kind, values in (
            ("org", [f.org] if f.org else []),
            ("parameters", list(f.parameters)),
            ("license", [f.license] if f.license else []),
            ("context", [f.context] if f.context else []),
            ("scores", list(f.scores)),
        ):
            for value in values:
                facts += 1
                assert fact_in_text(kind, value, body), (episode.title, item.name, kind, value)
        if f.timestamp is not None:
            assert item.chapter is not None
            assert format_timestamp(item.chapter.start_seconds).lstrip("0") == (
                format_timestamp(_seconds(f.timestamp)).lstrip("0")
            )
    return discussed, facts


def _seconds(stamp: str) -> int:
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


@needs_shared
def test_every_fact_and_summary_of_the_real_feed_is_in_its_episode() -> None:
    feed = _summarised(FEED)
    items = sum(len(e.items) for e in feed.episodes)
    discussed = facts = 0
    for episode in feed.episodes:
        d, f = _check_episode(episode)
        discussed += d
        facts += f
    # Most releases are discussed in the text and many carry facts: the property is not vacuous.
    assert items > 1500
    # (A summary must name its item, or the headline stays: about 45% have one.)
    assert discussed > items * 2 // 5
    assert facts > items // 3


@needs_shared
def test_every_markdown_export_holds_the_same_properties() -> None:
    paths = sorted(EXPORTS.glob("*.md"))
    assert paths
    discussed = 0
    for path in paths:
        for episode in _summarised(path).episodes:
            discussed += _check_episode(episode)[0]
    assert discussed > 100


@needs_shared
def test_feed_and_export_agree_on_the_same_episode() -> None:
    """Names drift between forms ("PHI4", "Phi-4"); what each form says about them agrees."""
    (export,) = _summarised(SEED).episodes
    matches = [e for e in _summarised(FEED).episodes if e.title == export.title]
    assert matches, "the seed episode is in the feed"
    feed_items = {name_key(i.name): i for i in matches[0].items}
    compared = 0
    for item in export.items:
        other = feed_items.get(name_key(item.name))
        if other is None:
            continue
        compared += 1
        assert (item.summary == item.headline) == (other.summary == other.headline), item.name
        assert other.facts.parameters == item.facts.parameters, item.name
        assert other.facts.license == item.facts.license, item.name
    assert compared >= 10
