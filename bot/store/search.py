"""Finding releases: safe FTS5 queries and a forgiving name index.

``fts_query`` turns any user text (quotes, FTS operators, 10,000 characters,
nothing at all) into a valid FTS5 expression of quoted words.  Release names
are resolved by the name index kept in the database (``bot.store.names``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 24


def query_words(text: str) -> list[str]:
    """The words of a user's query (any text: quotes and FTS syntax are just characters)."""
    return [w.casefold() for w in _WORD.findall(text[:2000])[:MAX_QUERY_WORDS]]


#: Words that narrow nothing in a release search: every item is a model or a release
#: ("tts models" asks for TTS releases).  Dropped when the query has other words.
FILLER_WORDS = frozenset(
    """a an the of for about any some new latest model models release releases released""".split()
)


def without_filler(words: Sequence[str]) -> list[str]:
    """``words`` without ``FILLER_WORDS``, unless nothing else is left ("new models")."""
    kept = [w for w in words if w not in FILLER_WORDS]
    return kept or list(words)


#: One thing a query asks for, as its alternatives, each a tuple of words, the form
#: the user typed first: ``(("tts",), ("text", "to", "speech"))``.  A query matches
#: when every term matches.
Term = tuple[tuple[str, ...], ...]

#: Ways of saying the same thing: a query holding any of them matches any of them.
#: Words are as ``query_words`` gives them (lower case, no punctuation: "text-to-speech"
#: is "text to speech").
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("tts", "text to speech"),
    ("asr", "stt", "speech recognition", "speech to text"),
    ("llm", "llms", "large language model", "large language models"),
    ("vlm", "vlms", "vision language model", "vision language models"),
    (
        "open source",
        "opensource",
        "open sourced",
        "open sources",
        "oss",
        "open weights",
        "open weight",
        "apache",
    ),
    ("moe", "mixture of experts"),
    ("rag", "retrieval augmented generation"),
    ("ocr", "optical character recognition"),
    ("t2i", "text to image"),
    ("t2v", "text to video"),
    ("i2v", "image to video"),
    ("sota", "state of the art"),
)
_SYNONYM_GROUPS: dict[tuple[str, ...], Term] = {}
for _group in SYNONYMS:
    _term = tuple(tuple(form.split()) for form in _group)
    for _form in _term:
        _SYNONYM_GROUPS[_form] = _term
_LONGEST_FORM = max(len(form) for form in _SYNONYM_GROUPS)


def query_terms(words: Sequence[str]) -> list[Term]:
    """The terms of a query: synonym forms ("tts", "text to speech") become one term
    matching any of them; a plural also matches its singular ("llms", "models")."""
    terms: list[Term] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_FORM, len(words) - i), 0, -1):
            typed = tuple(words[i : i + size])
            group = _SYNONYM_GROUPS.get(typed)
            if group is not None:
                terms.append((typed, *(form for form in group if form != typed)))
                i += size
                break
        else:
            word = words[i]
            if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
                terms.append(((word,), (word[:-1],)))
            else:
                terms.append(((word,),))
            i += 1
    return terms


def without_longer_forms(terms: Sequence[Term]) -> list[Term]:
    """Each term without the forms longer than what the user typed ("tts" without
    "text to speech"; "open source" keeps "oss" and "apache")."""
    return [tuple(form for form in term if len(form) <= len(term[0])) for term in terms]


def fts_query(
    terms: Sequence[str | Term], *, prefix: bool = False, any_word: bool = False
) -> str | None:
    """A safe FTS5 MATCH expression for ``terms`` (words, or ``query_terms``' terms);
    ``None`` when there are none.

    Every word is quoted, so AND, NEAR, ``*``, ``:`` and quotes are plain text.
    ``prefix`` lets the last word match as a prefix ("paperl" finds PaperLens).
    """
    if not terms:
        return None
    parts = []
    for index, term in enumerate(terms):
        forms = ((term,),) if isinstance(term, str) else term
        quoted = [f'"{" ".join(form)}"' for form in forms]
        if prefix and index == len(terms) - 1 and len(forms) == 1 and len(forms[0]) == 1:
            quoted[0] += "*"
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return (" OR " if any_word else " AND ").join(parts)


#: Field weights, as for bm25 in the store: a word in the name counts most.
FIELD_WEIGHTS = (10.0, 3.0, 5.0, 1.0, 1.0)  # name, org, headline, summary, section


def field_score(
    terms: Sequence[str | Term], fields: tuple[str | None, ...], *, prefix: bool
) -> float:
    """A relevance score for one item: weighted count of query terms found per field.

    Used instead of bm25 when a query matches more items than can be ranked
    quickly; every candidate then holds every term (AND), so the terms' rarity
    would not change the order, only where they occur does.
    """
    score = 0.0
    last_index = len(terms) - 1 if prefix else -1
    for weight, text in zip(FIELD_WEIGHTS, fields, strict=True):
        if not text:
            continue
        tokens = _WORD.findall(text.casefold())
        joined = ""
        for i, term in enumerate(terms):
            forms = ((term,),) if isinstance(term, str) else term
            hits = 0
            for form in forms:
                if len(form) == 1:
                    word = form[0]
                    if i == last_index:  # the last word typed may be a prefix
                        hits += sum(1 for t in tokens if t.startswith(word))
                    else:
                        hits += tokens.count(word)
                elif form[0] in tokens:  # a phrase: only worth joining when its word is there
                    joined = joined or f" {' '.join(tokens)} "
                    hits += joined.count(f" {' '.join(form)} ")
            if hits:
                score += weight * (1.0 + min(hits, 3) / (hits + 1.2))
    return score


#: How much each stated fact (parameters, license, scores) raises an item's relevance:
#: a line the episode states facts about is a release, not news sharing its words
#: ("Kokoro: 82M, Apache 2.0, #1 on TTS arena" over "... also does TTS").
FACT_BOOST = 0.1


class StatedFacts(Protocol):
    """What ranking reads of an item's facts (``bot.models.Facts`` and ``bot.lookup``'s)."""

    @property
    def parameters(self) -> tuple[str, ...]: ...
    @property
    def license(self) -> str | None: ...
    @property
    def scores(self) -> tuple[str, ...]: ...


def fact_weight(facts: StatedFacts) -> float:
    """The factor a search score is multiplied by for the facts stated about an item."""
    stated = bool(facts.parameters) + bool(facts.license) + bool(facts.scores)
    return 1.0 + FACT_BOOST * stated
