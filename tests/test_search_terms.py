"""Search terms: synonyms and abbreviations match each other; queries stay safe."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.store.search import (
    fts_query,
    query_terms,
    query_words,
    without_filler,
    without_longer_forms,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tts", '("tts" OR "text to speech")'),
        ("Text-to-Speech", '("text to speech" OR "tts")'),
        (
            "open source tts",
            '("open source" OR "opensource" OR "open sourced" OR "open sources"'
            ' OR "oss" OR "open weights" OR "open weight" OR "apache")'
            ' AND ("tts" OR "text to speech")',
        ),
        ("LLMs", '("llms" OR "llm" OR "large language model" OR "large language models")'),
        (
            "vision language model",
            '("vision language model" OR "vlm" OR "vlms" OR "vision language models")',
        ),
        ("speech recognition", '("speech recognition" OR "asr" OR "stt" OR "speech to text")'),
        ("models", '("models" OR "model")'),
        ("kokoro", '"kokoro"'),
    ],
)
def test_synonyms_become_one_term(query: str, expected: str) -> None:
    assert fts_query(query_terms(query_words(query))) == expected


def test_longer_forms_are_kept_apart_for_ranking() -> None:
    terms = query_terms(["tts", "open", "source"])
    assert without_longer_forms(terms) == [
        (("tts",),),
        (
            ("open", "source"),
            ("opensource",),
            ("open", "sourced"),
            ("open", "sources"),
            ("oss",),
            ("open", "weights"),
            ("open", "weight"),
            ("apache",),
        ),
    ]


def test_prefix_applies_to_a_plain_last_word_only() -> None:
    assert fts_query(query_terms(["paperl"]), prefix=True) == '"paperl"*'
    assert fts_query(query_terms(["tts"]), prefix=True) == '("tts" OR "text to speech")'


@pytest.mark.parametrize(
    "query", ['tts"', 'tts" OR "x', "NEAR(tts text)", "tts*", "text-to-speech:*", "llms) OR (x"]
)
def test_synonym_queries_stay_safe(sample_engine: Engine, query: str) -> None:
    sample_engine.search(query)  # never raises


def test_abbreviation_and_phrase_find_each_other(sample_engine: Engine) -> None:
    by_phrase = {h.item.name for h in sample_engine.search("text to speech")}
    by_abbreviation = {h.item.name for h in sample_engine.search("tts")}
    assert "Kokoro" in by_phrase and "Kokoro" in by_abbreviation


@pytest.mark.parametrize(
    ("words", "kept"),
    [
        (["tts", "models"], ["tts"]),
        (["the", "new", "tts", "model"], ["tts"]),
        (["new", "models"], ["new", "models"]),  # nothing else: kept as typed
        (["model", "context", "protocol"], ["context", "protocol"]),
    ],
)
def test_filler_words_narrow_nothing(words: list[str], kept: list[str]) -> None:
    assert without_filler(words) == kept


def test_a_filler_word_does_not_hide_a_release(sample_engine: Engine) -> None:
    # "tts models" asks for TTS releases: one whose line never says "model" is one.
    tts = [h.item.name for h in sample_engine.search("tts")]
    assert [h.item.name for h in sample_engine.search("tts models")] == tts
    assert [h.item.name for h in sample_engine.search("the new TTS model")] == tts
