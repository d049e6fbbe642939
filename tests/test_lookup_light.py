"""The pydantic-free lookups (``bot.lookup``) answer what the engine answers, query by query.

Over the real ThursdAI feed: ``release`` of every stored name (and typos, families,
words that are no name), ``search`` of a spread of queries, compared as the CLI
prints them (``--json`` documents and terminal text).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.console.lookup_render import render_release, render_search
from adapters.console.render import render
from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.errors import NotFoundError
from bot.formats import release_json, search_json
from bot.lookup import Lookup, NeedsEngine, semantic_pays
from bot.lookup_json import release_doc, search_doc
from bot.models import SearchReply
from bot.store.sqlite import Store
from bot.summarise import make_summariser
from tests.conftest import SHARED

THURSDAI = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
SEARCHES = (
    "open source tts",
    "tts",
    "text to speech",
    "video",
    "qwen",
    "reasoning model",
    "vision model",
    "small vision model",
    "kokoro",
    "paperl",
    "voice cloning",
    "apache 2",
    "gemini 2.5 pro",
    '"quoted" AND or NEAR(*)',
    "",
    "zzzzqqq",
    "llama 3.1 405b",
    "mcp",
)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Lookup]]:
    if not THURSDAI.is_file():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    db = tmp_path_factory.mktemp("light") / "t.db"
    settings = Settings()  # as `digestbot ingest` stores it: with extractive summaries
    engine = make_engine(settings, db_path=db, summariser=make_summariser(settings))
    engine.ingest(str(THURSDAI))
    lookup = Lookup(Store(db), semantic=engine.semantic is not None)
    yield engine, lookup
    lookup.store.close()
    engine.close()


def _engine_release(engine: Engine, query: str) -> tuple[object, str] | str:
    try:
        reply = engine.release(query)
    except NotFoundError as exc:
        return f"{type(exc).__name__}: {exc} {exc.suggestions}"
    return release_json(reply), render(reply)


def _light_release(lookup: Lookup, query: str) -> tuple[object, str] | str:
    try:
        answer = lookup.release(query)
    except NotFoundError as exc:
        return f"{type(exc).__name__}: {exc} {exc.suggestions}"
    return release_doc(answer), render_release(answer)


def test_release_answers_every_name_as_the_engine_does(both: tuple[Engine, Lookup]) -> None:
    engine, lookup = both
    names = [str(n) for (n,) in lookup.store.query("SELECT name FROM names ORDER BY key")]
    lookup.store.fill_entities()  # linked lazily, by the first lookup
    families = [str(f) for (f,) in lookup.store.query("SELECT DISTINCT family FROM entities")]
    assert len(names) > 1000 and len(families) > 100
    queries = [*names, *families, "kokorro", "Qwen 3", "PHI-4", "gpt 4o", "zzzzqqq", "#"]
    compared = 0
    for query in queries:
        try:
            light = _light_release(lookup, query)
        except NeedsEngine:  # its search fallback wants the semantic blend
            continue
        assert light == _engine_release(engine, query), query
        compared += 1
    assert compared > 0.9 * len(queries)


def test_search_ranks_as_the_engine_does_where_it_need_not_blend(
    both: tuple[Engine, Lookup],
) -> None:
    engine, lookup = both
    blended = []
    for query in SEARCHES:
        for limit in (1, 10, 25):
            try:
                hits = lookup.search(query, limit=limit)
            except NeedsEngine:
                blended.append(query)
                continue
            expected = engine.search(query, limit=limit)
            assert search_doc(hits) == search_json(expected), (query, limit)
            assert render_search(query, hits) == render(
                SearchReply(query=query, hits=tuple(expected))
            )
    if engine.semantic is not None:  # the model loads only where the full text finds little
        assert "small vision model" in blended
        assert "open source tts" not in blended and "tts" not in blended
        assert "kokoro" not in blended  # a name: the model knows nothing of it


def test_tts_searches_still_rank_kokoro_near_the_top(both: tuple[Engine, Lookup]) -> None:
    engine, lookup = both
    for query in ("open source tts", "tts", "open source text to speech"):
        assert not semantic_pays(lookup.store, query)
        names = [h.item.name for h in lookup.search(query)]
        assert "Kokoro" in names[:3], (query, names)
        assert names == [h.item.name for h in engine.search(query)]


def test_a_search_the_full_text_barely_matches_still_gets_the_semantic_blend(
    both: tuple[Engine, Lookup],
) -> None:
    engine, lookup = both
    assert semantic_pays(lookup.store, "small vision model")
    if engine.semantic is None:
        pytest.skip("the semantic extra is not installed")
    with pytest.raises(NeedsEngine):
        lookup.search("small vision model")
    assert any("Moondream" in h.item.name for h in engine.search("small vision model"))


def test_a_postgresql_url_is_never_opened_as_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taken as a path, the URL made an empty SQLite file named after it and answered from it."""
    from bot.lookup import NeedsEngine, open_lookup

    monkeypatch.chdir(tmp_path)
    with pytest.raises(NeedsEngine):
        open_lookup("postgresql://postgres:@/t3?host=/tmp/nowhere")
    assert list(tmp_path.iterdir()) == []
