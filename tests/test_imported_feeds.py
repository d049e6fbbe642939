"""``digestbot run`` polls the feeds ``digestbot import FILE.opml`` stored, as configured ones.

The OPML file is imported by the real CLI, then a real ``DigestRuntime`` on each
backend reads the feed from a loopback HTTP server.  On PostgreSQL the listing of
imported feeds once read SQLite's ``rowid``, so every ``run`` died at start-up.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.runtime import DigestRuntime
from bot.config import ScheduleSettings, Settings
from bot.exports.opml import opml_document
from bot.schedule.poller import feeds_to_poll
from bot.store.open import open_store
from tests.test_schedule_poller import FeedServer


@pytest.fixture
def server(sample_feed: Path) -> Iterator[FeedServer]:
    s = FeedServer(sample_feed.read_bytes())
    yield s
    s.close()


def import_opml(tmp_path: Path, db: str, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    opml = tmp_path / f"feeds-{len(list(tmp_path.iterdir()))}.opml"
    opml.write_bytes(opml_document([(url, "Sample AI Weekly")]))
    config = tmp_path / "empty.toml"
    config.write_text("feeds = []\n", encoding="utf-8")
    assert main(["--config", str(config), "--db", db, "import", str(opml)]) == 0
    assert "1 new" in capsys.readouterr().out


def episode_count(db: str) -> int:
    store = open_store(db)
    try:
        return store.episode_count()
    finally:
        store.close()


async def run_until(runtime: DigestRuntime, done: object, timeout: float = 20) -> None:
    """Run ``runtime`` until ``done()`` holds (polled), then stop it cleanly."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    try:
        await asyncio.wait_for(runtime.ready.wait(), timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await asyncio.to_thread(done):  # type: ignore[arg-type]
            assert loop.time() < deadline, "timed out"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def runtime_for(db: str) -> DigestRuntime:
    settings = Settings(feeds=[], schedule=ScheduleSettings(sweep_seconds=1))
    return DigestRuntime(
        settings, db_path=db, console_out=io.StringIO(), load_platforms=False, interactive=False
    )


def test_run_polls_a_feed_imported_from_opml(
    db_url: str, tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/ok")
    import_opml(tmp_path, db_url, url, capsys)
    runtime = runtime_for(db_url)
    asyncio.run(run_until(runtime, lambda: episode_count(db_url) > 0))
    assert runtime.poller is not None and runtime.poller.feeds[url].guarded is False
    assert [path for path, _ in server.hits] == ["/ok"]  # polled once, at start
    assert episode_count(db_url) == 3


def test_a_feed_imported_while_run_runs_is_polled_at_the_next_sweep(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "live.db")
    runtime = runtime_for(db)
    imported = False

    def done() -> bool:
        nonlocal imported
        if not imported and runtime.poller is not None:
            import_opml(tmp_path, db, server.url("/ok"), capsys)
            imported = True
        return episode_count(db) > 0

    asyncio.run(run_until(runtime, done))
    assert [path for path, _ in server.hits] == ["/ok"]


def test_an_imported_path_is_never_read_as_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "notes.rss"
    secret.write_text("<rss/>")
    polled = feeds_to_poll(Settings(feeds=[]), [], [str(secret), "https://x.example/f"])
    assert polled == {"https://x.example/f": False}
