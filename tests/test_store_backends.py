"""The store on both backends: SQLite and a real throwaway PostgreSQL.

The same input gives the same ``episodes``, ``tldr``, ``release`` and
``search`` JSON (scores aside); subscriptions, the posting ledger, the LLM
cache and Slack installations behave the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.errors import StorageError
from bot.formats import digest_json, episodes_json, release_json, search_json
from bot.schedule.ledger import Claim, Ledger, Refused
from bot.schedule.subscriptions import Subscriptions, build
from bot.store.open import open_store
from bot.timing import ManualClock


def _outputs(engine: Engine) -> dict[str, object]:
    out: dict[str, object] = {
        "episodes": episodes_json(engine.episodes()),
        "tldr": digest_json(engine.tldr()),
    }
    for query in ("kokoro", "phi 4", "kokorro", "qwen"):
        out[f"release {query}"] = release_json(engine.release(query))
    for query in ("tts", "open source tts", "model", 'a "quoted" AND (x', "kok"):
        found = search_json(engine.search(query, limit=10))["results"]
        out[f"search {query}"] = [json.dumps(hit | {"score": 0}) for hit in found]
    return out


def test_json_outputs_are_identical_on_both_backends(
    tmp_path: Path, pg_url: str, sample_feed: Path
) -> None:
    results = []
    for db in (str(tmp_path / "a.db"), pg_url):
        engine = make_engine(Settings(), db_path=db, semantic=False)  # PostgreSQL: full text only
        report = engine.ingest(str(sample_feed))
        assert report.added > 0
        again = engine.ingest(str(sample_feed), force=True)
        assert again.added == 0
        results.append(_outputs(engine))
        engine.close()
    sqlite_out, pg_out = results
    for key in sqlite_out:
        assert pg_out[key] == sqlite_out[key], key
    assert sqlite_out["search tts"]


def test_ledger_and_subscriptions_on_each_backend(db_url: str, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=db_url)
    engine.ingest(str(sample_feed))
    subs = Subscriptions(engine.store)
    now = datetime(2025, 3, 1, tzinfo=UTC)
    sub = subs.add(
        build(
            "webhook:https://example.org/hook",
            created_at=now - timedelta(days=400),
            defaults=ScheduleSettings(),
            default_zone="UTC",
        )
    )
    assert [s.id for s in subs.all()] == [sub.id]
    ledger = Ledger(engine.store, clock=ManualClock(now))
    first = ledger.claim(sub, "2025-W09")
    assert isinstance(first, Claim) and first.episode_ids
    other = Ledger(engine.store, clock=ManualClock(now), owner="elsewhere:1:x")
    refused = other.claim(sub, "2025-W09")
    assert isinstance(refused, Refused) and refused.reason == "in-flight"
    assert ledger.record(first, ["m1"])
    assert not ledger.record(first, ["m1"])  # only a longer list is written
    ledger.complete(first, ["m1", "m2"])
    row = ledger.row(sub.id, "2025-W09")
    assert row is not None and row.state == "posted" and row.message_ids == ("m1", "m2")
    nothing = ledger.claim(sub, "2025-W10")
    assert isinstance(nothing, Refused) and nothing.reason == "nothing-new"
    assert ledger.skip(sub.id, "2025-W10", "nothing new")
    later = Ledger(engine.store, clock=ManualClock(now + timedelta(days=30)))
    assert later.last_posted(sub.id) is not None
    subs.remove(sub.id)
    assert subs.all() == [] and ledger.history(sub.id) == []
    engine.close()


def test_unreachable_server_is_one_line_naming_the_host() -> None:
    with pytest.raises(StorageError) as caught:
        make_engine(Settings(), db_path="postgresql://digestbot@127.0.0.1:9/none")
    text = str(caught.value)
    assert "127.0.0.1:9" in text and "\n" not in text


def test_a_password_is_never_in_the_unreachable_line() -> None:
    with pytest.raises(StorageError) as caught:
        make_engine(Settings(), db_path="postgresql://u:hunter2@127.0.0.1:9/none")
    assert "hunter2" not in str(caught.value)


def test_migrations_run_once_and_a_newer_schema_is_refused(pg_url: str) -> None:
    import psycopg

    from bot.store.postgres import PgStore
    from bot.store.postgres_schema import PG_SCHEMA_VERSION

    PgStore(pg_url).close()
    PgStore(pg_url).close()  # a second start finds it done
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT version FROM digestbot_schema").fetchall()
        assert rows == [(PG_SCHEMA_VERSION,)]
        conn.execute("UPDATE digestbot_schema SET version = 99")
    with pytest.raises(StorageError) as caught:
        PgStore(pg_url)
    assert "newer than this digestbot" in str(caught.value) and "\n" not in str(caught.value)


def test_llm_cache_and_slack_tables_on_each_backend(db_url: str) -> None:
    engine = make_engine(Settings(), db_path=db_url)
    store = engine.store
    cache = store.llm_cache_table()
    assert cache.get("k") is None
    cache.put("k", "m", '{"a": 1}', "2025-01-01T00:00:00+00:00")
    cache.put("k", "m", '{"a": 2}', "2025-01-01T00:00:00+00:00")
    assert cache.get("k") == '{"a": 2}'
    slack = store.slack_tables()
    slack.save_installation("c", "", "T1", "U1", 1.0, '{"i": 1}', ("", "T1", 1.0, '{"b": 1}'))
    slack.save_installation("c", "", "T1", "U2", 2.0, '{"i": 2}', None)
    assert slack.find_installation("c", "", "T1", None) == '{"i": 2}'
    assert slack.find_installation("c", "", "T1", "U1") == '{"i": 1}'
    slack.save_bot("c", "", "T1", 3.0, '{"b": 2}')
    assert slack.find_bot("c", "", "T1") == '{"b": 2}'
    slack.delete_bot("c", "", "T1")
    assert slack.find_bot("c", "", "T1") is None
    slack.delete_installation("c", "", "T1", "U2")
    assert slack.find_installation("c", "", "T1", None) == '{"i": 1}'
    slack.issue_state("s", 100.0, 700.0)
    assert slack.consume_state("s", 200.0) and not slack.consume_state("s", 200.0)
    seen = store.seen_signatures()
    assert seen is not None
    assert seen.first_sight("v0=abc", 400.0, 100.0)
    assert not seen.first_sight("v0=abc", 400.0, 200.0)
    assert seen.first_sight("v0=abc", 900.0, 500.0)  # expired: seen afresh
    seen.close()
    engine.close()


def test_the_cli_says_one_line_naming_an_unreachable_host(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    assert main(["--db", "postgresql://u:pw@127.0.0.1:9/x", "episodes"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "127.0.0.1:9" in err and "pw" not in err.replace("pw@", "")
    assert "Traceback" not in err


def test_run_against_an_unreachable_server_exits_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    assert main(["--db", "postgresql://u:pw@127.0.0.1:9/x", "run"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "127.0.0.1:9" in err and "Traceback" not in err


def test_the_cli_refuses_a_newer_schema_with_one_line(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    from app.cli import main
    from bot.store.postgres import PgStore

    PgStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE digestbot_schema SET version = 99")
    for command in (["episodes"], ["run"]):
        assert main(["--db", pg_url, *command]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "newer than this digestbot" in err, err


def test_imported_feeds_on_each_backend(db_url: str) -> None:
    # The listing once read SQLite's rowid: on PostgreSQL every `run` died at start-up
    # (the replicas' failover test) and `export --format opml` failed.
    store = open_store(db_url)
    try:
        assert store.imported_feeds() == []
        a, b = "https://a.example/f", "https://b.example/f"
        assert store.import_feeds([(b, "B"), (a, None)]) == 2
        assert store.import_feeds([(a, "A again")]) == 0
        assert store.imported_feeds() == [(a, None), (b, "B")]
    finally:
        store.close()
