"""A poll with one new episode extracts that episode only: unchanged entries are recognised
by the hash of their raw fields before extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.feeds.parse as parse
from bot.config import Settings
from bot.engine import make_engine
from bot.feeds.parse import stream_source


def _without_newest_item(data: bytes) -> bytes:
    start = data.find(b"<item>")
    end = data.find(b"</item>", start) + len(b"</item>")
    assert start >= 0 and end > start
    return data[:start] + data[end:]


def test_identities_match_the_built_episodes_and_skip_skips(sample_feed: Path) -> None:
    stream = stream_source(sample_feed.read_bytes(), str(sample_feed))
    identities = stream.identities()
    built = list(stream.episodes())
    assert identities == [(e.key, e.content_hash) for e in built]
    assert len(identities) == 3
    rest = list(stream.episodes(skip=set(identities[:2])))
    assert [(e.key, e.content_hash) for e in rest] == identities[2:]


def test_one_new_episode_is_the_only_one_extracted(
    tmp_path: Path, sample_feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_feed.read_bytes()
    older = tmp_path / "older.rss"
    older.write_bytes(_without_newest_item(data))
    engine = make_engine(Settings(), db_path=tmp_path / "db.sqlite")
    first = engine.ingest(str(older))
    assert first.added == 2
    built: list[str] = []
    real = parse._build_episode

    def counting(**kwargs: object) -> object:
        built.append(str(kwargs["title"]))
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "_build_episode", counting)
    report = engine.ingest(str(sample_feed))
    assert (report.added, report.updated, report.unchanged) == (1, 0, 2)
    assert len(built) == 1
    total = engine.store.query("SELECT count(*) FROM items")[0][0]
    assert report.items == total  # unchanged episodes' items are counted from the store
    engine.close()
