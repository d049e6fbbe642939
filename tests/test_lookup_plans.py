"""Lookups read through indexes: every statement a ``release`` runs, by the engine or
by ``bot.lookup``, is planned as index searches, never a scan of a whole table (at 1M
items a scan is seconds; the name index lives in the database and is never rebuilt)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.engine import Engine
from bot.lookup import Lookup

#: A scan SQLite may plan: the partial index of items not linked to an entity yet
#: (empty once linked), and the walk of one FTS5 table.
_ALLOWED_SCANS = re.compile(
    r"SCAN (items USING (COVERING )?INDEX items_without_entity|\w+ VIRTUAL)"
)


def _statements(engine: Engine, action: Callable[[], object]) -> list[str]:
    seen: list[str] = []
    engine.store.connection.set_trace_callback(seen.append)
    try:
        action()
    finally:
        engine.store.connection.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def _scans(engine: Engine, statements: list[str]) -> list[tuple[str, str]]:
    found = []
    for statement in statements:
        for row in engine.store.query(f"EXPLAIN QUERY PLAN {statement}"):
            detail = str(row[-1])
            stops_at_one = statement.rstrip().endswith("LIMIT 1")  # "is there any?"
            if detail.startswith("SCAN") and not (_ALLOWED_SCANS.match(detail) or stops_at_one):
                found.append((statement, detail))
    return found


@pytest.mark.parametrize("query", ["kokoro", "Kokoro TTS", "kokorro", "phi 4", "qwen"])
def test_release_plans_only_index_searches(sample_engine: Engine, query: str) -> None:
    sample_engine.release("kokoro")  # links the entities once, as the first lookup does
    with sample_engine.store.transaction() as db:  # a write between lookups (a post)
        db.execute("INSERT INTO sources(source) VALUES ('a post')")
    engine_reads = _statements(sample_engine, lambda: sample_engine.release(query))
    lookup = Lookup(sample_engine.store)  # type: ignore[arg-type]
    light_reads = _statements(sample_engine, lambda: lookup.release(query))
    assert engine_reads and light_reads
    assert _scans(sample_engine, engine_reads + light_reads) == []


def test_the_probe_sees_a_scan(sample_engine: Engine) -> None:
    statements = ["SELECT name_key, name, max(published) FROM items GROUP BY name_key"]
    assert _scans(sample_engine, statements)  # the rebuild the database index replaced
