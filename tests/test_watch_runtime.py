"""``digestbot run`` sends watch alerts after an ingest: to a loopback webhook, once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from app.runtime import DigestRuntime
from bot.config import ScheduleSettings, Settings
from bot.engine import make_engine
from bot.watch.watches import Watches, build
from tests.standins.webhook import WebhookReceiver
from tests.watchfeeds import write_feed

EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])
EP2 = (2, "Thu, 08 Jan", ["Qwen3-VL - a vision model", "Gemma 4 - open model"])
#: When the watch was made: the week of episode 2 (an older episode is backfill, no alert).
MADE = datetime(2026, 1, 5, tzinfo=UTC)


async def _run_once(settings: Settings, db: Path) -> None:
    runtime = DigestRuntime(settings, db_path=str(db), load_platforms=False, interactive=False)
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    await asyncio.wait_for(runtime.ready.wait(), 10)
    assert runtime.watches is not None
    await runtime.watches.round()  # what the spawned round does, awaited here
    stop.set()
    await asyncio.wait_for(task, 10)


def test_alert_goes_to_a_webhook_once_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "rt.db"
    feed = tmp_path / "feed.rss"
    write_feed(feed, [EP1])
    engine = make_engine(Settings(), db_path=db)
    engine.ingest(str(feed))
    with WebhookReceiver() as hooks:
        watch = build(engine.store, f"webhook:{hooks.url()}", "qwen", created_at=MADE)
        Watches(engine.store).add(watch)
        engine.close()
        write_feed(feed, [EP1, EP2])
        settings = Settings(feeds=[str(feed)], schedule=ScheduleSettings(sweep_seconds=1))
        asyncio.run(asyncio.wait_for(_run_once(settings, db), 30))
        assert len(hooks.accepted()) == 1
        assert "Qwen3-VL" in json.dumps(hooks.accepted()[0].body)
        feed.write_text(feed.read_text() + " ")  # new bytes: a re-ingest
        asyncio.run(asyncio.wait_for(_run_once(settings, db), 30))
        assert len(hooks.accepted()) == 1
