"""Semantic search (the ``semantic`` extra): an offline model, vectors stored at ingest,
blended with the full-text ranking; without it, search is what it was."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import SearchSettings, Settings
from bot.engine import Engine, make_engine
from bot.store import semantic
from tests.conftest import SHARED

pytest.importorskip("wordllama", reason="the semantic extra: pip install -e '.[semantic]'")

THURSDAI = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"


@pytest.fixture(scope="module")
def thursdai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if not THURSDAI.is_file():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    eng = make_engine(Settings(), db_path=tmp_path_factory.mktemp("sem") / "s.db")
    assert eng.semantic is not None
    eng.ingest(str(THURSDAI))
    yield eng
    eng.close()


def test_the_model_loads_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the model reached for the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    semantic.load_model.cache_clear()
    model = semantic.load_model()
    vectors = model.embed(["small", "tiny", "banana"])
    assert vectors.shape == (3, 256)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_open_source_text_to_speech_ranks_kokoro_in_the_top_3(thursdai: Engine) -> None:
    names = [h.item.name for h in thursdai.search("open source text to speech")]
    assert any("Kokoro" in n for n in names[:3]), names


def test_small_vision_model_finds_moondream(thursdai: Engine) -> None:
    names = [h.item.name for h in thursdai.search("small vision model")]
    assert any("Moondream" in n for n in names), names


def test_full_text_alone_does_not_find_moondream(thursdai: Engine) -> None:
    # What the semantic blend adds: none of the three words is in Moondream's line.
    names = [h.item.name for h in thursdai._text_search("small vision model", 10)]
    assert not any("Moondream" in n for n in names), names


def test_an_unknown_name_brings_no_semantic_noise(thursdai: Engine) -> None:
    names = [h.item.name for h in thursdai.search("kokoro")]
    assert names and all("Kokoro" in n for n in names), names


def test_vectors_are_stored_for_every_item(thursdai: Engine) -> None:
    items = thursdai.store.query("SELECT count(*) FROM items")[0][0]
    vectors = thursdai.store.query("SELECT count(*) FROM item_vectors")[0][0]
    assert items == vectors > 1000
    (words,) = thursdai.store.query(
        "SELECT v.words FROM item_vectors v JOIN items i ON i.id = v.item_id"
        " WHERE i.name = 'Moondream1'"
    )[0]
    assert "vision" in words.split()  # "VLM" spelled out


def test_related_releases_are_of_other_families(thursdai: Engine) -> None:
    assert thursdai.semantic is not None
    related = thursdai.semantic.related_entities("kokoro", limit=5)
    assert len(related) == 5
    assert all(not entity_id.startswith("kokoro") for entity_id, _ in related)
    scores = [s for _, s in related]
    assert scores == sorted(scores, reverse=True)


def test_edited_and_removed_items_get_fresh_vectors(tmp_path: Path, sample_feed: Path) -> None:
    eng = make_engine(Settings(), db_path=tmp_path / "e.db")
    feed = tmp_path / "feed.rss"
    text = sample_feed.read_text(encoding="utf-8")
    feed.write_text(text, encoding="utf-8")
    eng.ingest(str(feed))
    count = eng.store.query("SELECT count(*) FROM item_vectors")[0][0]
    assert count == eng.store.query("SELECT count(*) FROM items")[0][0]
    assert "kokoro" in text.casefold()
    feed.write_text(text.replace("Kokoro", "Zephyrine"), encoding="utf-8")
    eng.ingest(str(feed))
    words = " ".join(r[0] for r in eng.store.query("SELECT words FROM item_vectors"))
    assert "zephyrine" in words and "kokoro" not in words
    orphans = eng.store.query(
        "SELECT count(*) FROM item_vectors WHERE item_id NOT IN (SELECT id FROM items)"
    )[0][0]
    assert orphans == 0
    eng.close()


def test_without_the_extra_search_is_full_text(
    tmp_path: Path, sample_feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic, "available", lambda: False)
    eng = make_engine(Settings(), db_path=tmp_path / "plain.db")
    assert eng.semantic is None
    eng.ingest(str(sample_feed))
    assert eng.store.query("SELECT count(*) FROM sqlite_master WHERE name = 'item_vectors'") == [
        (0,)
    ]
    assert [h.item.name for h in eng.search("tts")] == [
        h.item.name for h in eng._text_search("tts", 10)
    ]
    eng.close()


def test_the_setting_turns_it_off(tmp_path: Path) -> None:
    eng = make_engine(Settings(search=SearchSettings(semantic=False)), db_path=tmp_path / "o.db")
    assert eng.semantic is None
    eng.close()


@pytest.mark.parametrize("blended", [True, False])
def test_related_releases_of_kokoro_are_other_tts(thursdai: Engine, blended: bool) -> None:
    from bot.related import related_releases

    semantic_index = thursdai.semantic
    if not blended:
        thursdai.semantic = None  # the same engine, full text only
    try:
        related = related_releases(thursdai, "kokoro")
    finally:
        thursdai.semantic = semantic_index
    names = [e.name for e in related]
    headlines = [
        r.headline.casefold() for r in thursdai.store.entity_mentions([e.id for e in related], 50)
    ]
    # Another text-to-speech release is among them (Nari Labs Dia: "1.6B param OSS TTS").
    assert any("tts" in h for h in headlines), (names, headlines)
    assert not any(n.startswith("Kokoro") for n in names)
    assert related_releases(thursdai, "no-such-release") == []


def test_rows_read_from_the_weights_file_give_the_whole_matrix_vectors() -> None:
    # The model reads only the rows a text needs (and embeds in chunks): the vectors
    # must be those of the whole matrix loaded by safetensors, bit for bit.
    import numpy as np
    from safetensors import safe_open

    model = semantic.load_model()
    words = ["small", "tiny", "Kokoro", "open-source", "", "🎉", "vision model"] * 300
    with safe_open(str(model._weights), framework="np") as weights:
        matrix = np.asarray(weights.get_tensor("embedding.weight"))
    expected = np.zeros((len(words), model.dim), dtype=np.float32)
    for n, encoding in enumerate(model.tokenizer.encode_batch(words, add_special_tokens=False)):
        if encoding.ids:
            expected[n] = matrix[np.asarray(encoding.ids)].astype(np.float32).sum(axis=0)
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-9)
    assert np.allclose(model.embed(words), expected, atol=1e-6)
    assert model.embed(words).shape == (len(words), 256)
