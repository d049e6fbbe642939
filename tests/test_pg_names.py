"""The release-name index on PostgreSQL: a maintained table, typo-tolerant through pg_trgm.

The ``names`` table follows inserts, renames and deletes exactly as SQLite's
does, and a misspelt name among more keys than the trigram index proposes
(``pg_names.CANDIDATES``) resolves as on SQLite.
"""

from __future__ import annotations

import random
from pathlib import Path

from bot.config import Settings
from bot.engine import make_engine
from bot.store.pg_names import CANDIDATES
from bot.store.protocol import StoreLike


def _names(store: StoreLike) -> list[tuple[str, str, str]]:
    return [
        (str(k), str(n), str(d))
        for k, n, d in store.query("SELECT key, name, newest FROM names ORDER BY key")
    ]


def test_the_name_table_follows_edits_as_sqlites_does(
    tmp_path: Path, pg_url: str, sample_feed: Path
) -> None:
    seen = []
    for db in (str(tmp_path / "n.db"), pg_url):
        engine = make_engine(Settings(), db_path=db, semantic=False)
        engine.ingest(str(sample_feed))
        store = engine.store
        before = _names(store)
        (kokoro,) = store.query(
            "SELECT id FROM items WHERE name_key = ? ORDER BY published LIMIT 1", ("kokoro",)
        )
        (episode,) = store.query("SELECT episode_id FROM items ORDER BY rowid DESC LIMIT 1")
        with store.transaction() as tx:
            tx.execute(
                "UPDATE items SET name = ?, name_key = ? WHERE id = ?",
                ("Kokoro Renamed", "kokororenamed", kokoro[0]),
            )
            tx.execute("DELETE FROM items WHERE episode_id = ?", (episode[0],))
        seen.append((before, _names(store)))
        engine.close()
    (sqlite_before, sqlite_after), (pg_before, pg_after) = seen
    assert pg_before == sqlite_before and len(pg_before) > 10
    assert pg_after == sqlite_after
    assert any(k == "kokororenamed" for k, _, _ in pg_after)
    assert pg_after != pg_before


def test_a_typo_among_many_names_resolves_as_on_sqlite(
    tmp_path: Path, pg_url: str, sample_feed: Path
) -> None:
    rng = random.Random(5)
    syllables = ["ka", "ro", "mi", "ko", "ta", "ri", "no", "zen", "lu", "vo"]
    extra = sorted(
        {
            "k" + "".join(rng.choice(syllables) for _ in range(3)) + str(v)
            for v in range(4)
            for _ in range(800)
        }
    )
    typo = extra[1234][:4] + extra[1234][3:]  # a doubled letter, as "kokorro"
    answers = []
    for db in (str(tmp_path / "t.db"), pg_url):
        engine = make_engine(Settings(), db_path=db, semantic=False)
        engine.ingest(str(sample_feed))
        with engine.store.transaction() as tx:
            tx.executemany(
                "INSERT OR IGNORE INTO names(key, name, newest) VALUES (?, ?, '')",
                [(k, k.title()) for k in extra],
            )
        names = engine.store.stored_names()
        answers.append(
            (
                names.resolve("kokorro"),
                names.resolve(typo),
                names.nearest("kokorro"),
                engine.release("kokorro").item.name,
            )
        )
        if db == pg_url:
            pool = names._fuzzy_pool("kokorro", first_letter=True)
            assert len(pool) == CANDIDATES and "kokoro" in pool  # narrowed, not every k-key
        engine.close()
    assert answers[0] == answers[1]
    assert answers[1][0][0] == "kokoro" and answers[1][3].startswith("Kokoro")
    assert extra[1234] in answers[1][1]


def test_fuzzy_candidates_come_from_the_trigram_index(pg_url: str) -> None:
    import psycopg

    from bot.store.postgres import PgStore

    PgStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO names(key, name) SELECT 'k' || md5(g::text), 'x'"
            " FROM generate_series(1, 5000) g"
        )
        conn.execute("ANALYZE names")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT key FROM names ORDER BY key <-> %s LIMIT %s",
                ("kokorro", CANDIDATES),
            )
        )
    assert "names_trgm" in plan, plan


def test_bm25_from_the_tsvector_ranks_as_fts5(tmp_path: Path, pg_url: str, shared: Path) -> None:
    # Word-only queries are scored from the tsvector's weighted positions (no text sent):
    # the same order as SQLite's FTS5 bm25 over the real ThursdAI feed.
    from bot.store.search import fts_query, query_terms, query_words

    feed = shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
    ranked = []
    for db in (str(tmp_path / "r.db"), pg_url):
        engine = make_engine(Settings(), db_path=db, semantic=False)
        engine.ingest(str(feed))
        store = engine.store
        out = []
        for text, prefix in (("tts", False), ("open", False), ("qwen", False), ("kok", True)):
            match = fts_query(query_terms(query_words(text)), prefix=prefix)
            assert match is not None
            ranks = store.search_ranks(match, 40)
            ids = store.items_by_rowid([r for r, _, _ in ranks])
            out.append([(ids[r].id, s) for r, s, _ in ranks])
        ranked.append(out)
        engine.close()
    for fts5, pg in zip(*ranked, strict=True):
        assert [i for i, _ in pg] == [i for i, _ in fts5]  # the same items in the same order
    assert all(ranked[1])
