"""One GIN scan per search on PostgreSQL: ``newest_matches`` scans the prefix form
along with the exact words and keeps both answers for the search's next passes,
which get exactly what a scan of their own would give."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from bot.store import postgres
from bot.store.postgres import PgStore, prefix_form

ROWS = 60


def _fill(url: str) -> None:
    """Row n says "alpha" when n is even, "beta" when odd; row 31 "alpha betamax"."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO episodes(id, key, feed, title, published, content_hash, ingested_at)"
            " VALUES ('ep', 'k', 'f', 't', '2025-01-01', '', '')"
        )
        conn.execute(
            "INSERT INTO items(id, episode_id, position, name, name_key, section,"
            " section_original, headline, summary, ntok, tsv)"
            " SELECT 'it' || g, 'ep', g, 'n', 'n', 's', 's', 'h', 's', 1,"
            " to_tsvector('simple', CASE WHEN g = 31 THEN 'alpha betamax'"
            " WHEN g %% 2 = 0 THEN 'alpha' ELSE 'beta' END) FROM generate_series(1, %s) g",
            (ROWS,),
        )


def _scans(store: PgStore) -> list[str]:
    """The full GIN scans ``store`` makes from now on."""
    seen: list[str] = []
    query = store.query

    def counted(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if "AS MATERIALIZED" in sql:
            seen.append(sql)
        return query(sql, params)

    store.query = counted  # type: ignore[method-assign]
    return seen


def test_the_prefix_form_is_the_search_engines_next_pass() -> None:
    assert prefix_form('"alpha" AND "beta"') == '"alpha" AND "beta"*'
    assert prefix_form('"beta"') == '"beta"*'
    assert prefix_form('"alpha" AND "ai"') is None  # too short a prefix to scan along
    assert prefix_form('"alpha" AND ("tts" OR "text to speech")') is None
    assert prefix_form('"alpha" AND "beta"*') is None


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window of 10 rows, so 60 rows reach the full scan as a million do."""
    monkeypatch.setattr(postgres, "RECENT_WINDOW", 10)


def test_words_that_never_meet_take_one_scan_for_all_passes(
    pg_url: str, small_window: None
) -> None:
    store = PgStore(pg_url)
    _fill(pg_url)
    fresh = PgStore(pg_url)
    scans = _scans(store)
    try:
        exact, prefixed = '"alpha" AND "beta"', '"alpha" AND "beta"*'
        assert store.newest_matches(exact, 5) == []  # the semantic check's question
        assert store.newest_matches(exact, 301) == []
        found = store.newest_matches(prefixed, 301)
        assert len(scans) == 1
        assert found == [31]
        assert found == fresh.newest_matches(prefixed, 301)  # what a scan of its own gives
    finally:
        store.close()
        fresh.close()


def test_a_new_row_is_seen_by_the_next_pass(pg_url: str, small_window: None) -> None:
    store = PgStore(pg_url)
    _fill(pg_url)
    scans = _scans(store)
    try:
        assert store.newest_matches('"alpha" AND "beta"', 301) == []
        with psycopg.connect(pg_url, autocommit=True) as conn:  # another replica's insert
            conn.execute(
                "INSERT INTO items(id, episode_id, position, name, name_key, section,"
                " section_original, headline, summary, ntok, tsv)"
                " VALUES ('new', 'ep', 99, 'n', 'n', 's', 's', 'h', 's', 1,"
                " to_tsvector('simple', 'alpha betacam'))"
            )
        found = store.newest_matches('"alpha" AND "beta"*', 301)
        assert len(scans) == 2
        assert found[1:] == [31] and found[0] > ROWS
    finally:
        store.close()


def _queries(store: PgStore) -> list[str]:
    """Every query ``store`` sends from now on."""
    sent: list[str] = []
    query = store.query

    def counted(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        sent.append(sql)
        return query(sql, params)

    store.query = counted  # type: ignore[method-assign]
    return sent


def test_a_release_entity_comes_with_its_family_in_one_round_trip(pg_url: str) -> None:
    store = PgStore(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO entities(id, name, family, family_key, org) VALUES"
            " ('qwen3coder', 'Qwen3-Coder', 'Qwen', 'qwen', 'Alibaba'),"
            " ('qwen25', 'Qwen2.5', 'Qwen', 'qwen', 'Alibaba')"
        )
    fresh = PgStore(pg_url)
    sent = _queries(store)
    try:
        assert store.family_entities("qwen3coder") == []
        assert store.entity("qwen3coder") == fresh.entity("qwen3coder")
        assert len(sent) == 1
        assert [e.id for e in store.family_entities("qwen")] == ["qwen25", "qwen3coder"]
        assert store.entity("qwen") is None
        assert store.entity("qwen25") == fresh.entity("qwen25")  # not the one read along
        assert len(sent) == 3
    finally:
        store.close()
        fresh.close()
