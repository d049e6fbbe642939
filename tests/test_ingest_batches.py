"""Ingest streams a feed's episodes: built, summarised and written a batch at a time.

Peak memory must not grow with everything a feed holds at once (issue 12: at most
4x the feed's bytes), and a running bot's lookups must not wait on the store's lock
while a feed is extracted.  The store is a real SQLite store; it only records, per
batch it is handed, how many episodes the feed had built by then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from bot import engine as engine_module
from bot.config import Settings
from bot.engine import make_engine
from bot.feeds import parse
from bot.store.sqlite import PreparedEpisode, Store, UpsertResult
from bot.summarise import make_summariser


class _RecordingStore(Store):
    """A SQLite store that notes how far the feed was built when each batch arrived."""

    built = 0
    seen: list[tuple[int, int]] = []

    def upsert_prepared(self, batches: Iterable[Sequence[PreparedEpisode]]) -> list[UpsertResult]:
        def noted() -> Iterable[Sequence[PreparedEpisode]]:
            for batch in batches:
                self.seen.append((len(batch), _RecordingStore.built))
                yield batch

        return super().upsert_prepared(noted())


def test_a_feed_is_built_and_written_a_batch_at_a_time(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = parse._episode_from_entry

    def counting(*args: object, **kwargs: object) -> object:
        _RecordingStore.built += 1
        return built(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "_episode_from_entry", counting)
    _RecordingStore.built = 0
    _RecordingStore.seen = []
    store = _RecordingStore(tmp_path / "b.db")
    engine = make_engine(Settings(), store=store, summariser=make_summariser(), semantic=False)
    feed = shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
    report = engine.ingest(str(feed))
    engine.close()
    assert report.added == 133
    size = engine_module.INGEST_BATCH
    assert [n for n, _ in store.seen] == [size] * (133 // size) + [133 % size]
    # When a batch reaches the store (a transaction of its own), the feed has built that
    # batch and no more.
    total = 0
    for count, built_then in store.seen:
        total += count
        assert built_then == total
