"""Lookups: release (robust to case, punctuation and typos), search, tldr, episodes."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.errors import EmptyStoreError, NotFoundError


@pytest.mark.parametrize("query", ["kokoro", "Kokoro", "KOKORO", "kokorro", "kokoro!", " kokoro "])
def test_release_is_robust_to_case_punctuation_and_typos(sample_engine: Engine, query: str) -> None:
    reply = sample_engine.release(query)
    assert reply.item.name == "Kokoro"
    assert reply.item.section == "Voice & Audio"
    assert [link.label for link in reply.item.links] == ["HF", "Demo"]


@pytest.mark.parametrize("query", ["phi 4", "PHI4", "phi-4", "Phi4"])
def test_release_phi4_spellings(sample_engine: Engine, query: str) -> None:
    reply = sample_engine.release(query)
    assert reply.item.name == "Phi-4"
    assert reply.item.org == "Microsoft"
    assert reply.item.chapter is not None and reply.item.chapter.start_seconds == 585


def test_release_mentions_other_episodes_newest_first(sample_engine: Engine) -> None:
    reply = sample_engine.release("kokoro")
    assert reply.item.episode.title.startswith("📆 Sample AI Weekly - Jan 9")
    assert [m.name for m in reply.mentions] == ["Kokoro v1.0"]
    dates = [m.episode.published for m in reply.mentions]
    assert dates == sorted(dates, reverse=True)


def test_unknown_release_suggests_nearest_names(sample_engine: Engine) -> None:
    with pytest.raises(NotFoundError) as caught:
        sample_engine.release("zzqxv")
    assert "No release matches 'zzqxv'" in str(caught.value)
    assert len(caught.value.suggestions) > 0


def test_empty_store(engine: Engine) -> None:
    with pytest.raises(EmptyStoreError):
        engine.release("kokoro")
    with pytest.raises(EmptyStoreError):
        engine.tldr()


def test_search_ranks_matches(sample_engine: Engine) -> None:
    names = [hit.item.name for hit in sample_engine.search("tts")]
    assert set(names[:2]) == {"Kokoro", "EchoVox"}
    scores = [hit.score for hit in sample_engine.search("tts")]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced',
        "AND OR NOT",
        "NEAR(a b)",
        "col:umn",
        "*",
        "a*b^c",
        "(",
        "",
        " ",
        "x" * 10_000,
        "kokoro " * 2000,
        "\x00\x1b[2J",
        "💥🤯",
        "-kokoro",
        "'; DROP TABLE items; --",
    ],
)
def test_search_accepts_any_text(sample_engine: Engine, query: str) -> None:
    hits = sample_engine.search(query)
    assert isinstance(hits, list)
    assert sample_engine.store.query("SELECT count(*) FROM items")[0][0] == 11


def test_search_prefix_of_last_word(sample_engine: Engine) -> None:
    assert "PaperLens" in [h.item.name for h in sample_engine.search("paperl")]


def test_tldr_default_is_latest_and_grouped(sample_engine: Engine) -> None:
    digest = sample_engine.tldr()
    assert digest.title.startswith("📆 Sample AI Weekly - Jan 16")
    assert [s.name for s in digest.sections] == [
        "Open Source LLMs",
        "Big CO LLMs + APIs",
        "Voice & Audio",
    ]
    assert digest.item_count == 4


@pytest.mark.parametrize("selector", ["2025-01-10", "Phi-4 lands", "jan 9"])
def test_tldr_by_date_or_title_words(sample_engine: Engine, selector: str) -> None:
    assert "Jan 9" in sample_engine.tldr(selector).title


def test_tldr_by_id(sample_engine: Engine) -> None:
    episode = sample_engine.episodes()[-1]
    assert sample_engine.tldr(episode.id).episodes[0].id == episode.id


def test_tldr_unknown_episode(sample_engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="No episode matches"):
        sample_engine.tldr("1999-01-01")


def test_episodes_newest_first(sample_engine: Engine) -> None:
    dates = [e.published for e in sample_engine.episodes()]
    assert dates == sorted(dates, reverse=True)
    assert [e.item_count for e in sample_engine.episodes()] == [4, 6, 1]


def test_autocomplete_names(sample_engine: Engine) -> None:
    names = sample_engine.release_names("koko")
    assert names[:2] == ["Kokoro v1.0", "Kokoro"]  # most recent first
    assert len(sample_engine.release_names("")) <= 25


def test_digest_merges_the_same_release_across_episodes(sample_engine: Engine) -> None:
    episodes = sample_engine.episodes()
    digest = sample_engine.digest(episodes)
    names = [i.name for s in digest.sections for i in s.items]
    assert len(names) == len(set(n.lower() for n in names))
    assert len(digest.episodes) == 3


def test_common_words_rank_the_newest_matches(
    sample_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SEARCH_WINDOW matches, only the newest are ranked (by where the words occur)."""
    import bot.lookup  # the one release/search (LookupCore) reads its windows there

    exact = [h.item.name for h in sample_engine.search("model")]
    assert len(exact) >= 3
    monkeypatch.setattr(bot.lookup, "SEARCH_WINDOW", 2)
    monkeypatch.setattr(bot.lookup, "BM25_ALWAYS_BELOW", 0)  # as in a large store
    windowed = sample_engine.search("model")
    assert len(windowed) == 2
    newest_two = sample_engine.store.newest_matches('"model"', 2)
    expected = sample_engine.store.items_by_rowid(newest_two).values()
    assert {h.item.id for h in windowed} == {i.id for i in expected}
    assert windowed[0].score >= windowed[1].score > 0


def test_a_small_store_ranks_every_query_by_bm25(
    sample_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below BM25_ALWAYS_BELOW items, many matches are still ranked exactly (it is cheap)."""
    import bot.lookup  # the one release/search (LookupCore) reads its windows there

    exact = [h.item.id for h in sample_engine.search("model")]
    monkeypatch.setattr(bot.lookup, "SEARCH_WINDOW", 2)
    assert [h.item.id for h in sample_engine.search("model")] == exact
