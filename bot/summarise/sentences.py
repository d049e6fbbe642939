"""Sentence choice: splitting a paragraph into sentences, scoring them, picking a summary.

A sentence scores by how much it says (numbers, parameter counts, licences,
benchmark scores, a list of what the release does) and loses for chat
(first person, "wow", questions, long quotes).  ``pick`` chooses the best
two or three, each whole, most informative first.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from bot.summarise.facts import Fact, facts_in

MAX_SENTENCES = 3
MIN_SENTENCES = 2
#: A third sentence is added only while the summary stays under this length.
SOFT_MAX_CHARS = 600
#: A sentence beyond the minimum must score at least this (a weak third one only dilutes).
EXTRA_SENTENCE_SCORE = 1.5
#: Sentences shorter or longer than these are never picked (fragments, run-ons).
MIN_SENTENCE_CHARS = 30
MAX_SENTENCE_CHARS = 450

NEVER = float("-inf")

NO_KINDS: frozenset[str] = frozenset()
#: What stating a fact of each kind adds to a sentence's score.
FACT_WORTH = {"parameters": 2.0, "license": 1.5, "context": 1.5, "scores": 1.5}

# --- text structure ---------------------------------------------------------

# A sentence ends at . ! ? (and closing quotes) before a capital, a digit or an
# opening quote, but not after an abbreviation or an initial ("e.g. Llama", "J. Doe").
_ABBREVIATIONS = (
    r"e\.g",
    r"i\.e",
    "vs",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Prof",
    "St",
    "Inc",
    "Ltd",
    "Jr",
    "Sr",
    "approx",
    "No",
    "Fig",
    "al",
    "[A-Z]",
)
# The pattern starts with the punctuation (a character class the engine skips to)
# and only then looks behind it for an abbreviation.
_SENTENCE_END = re.compile(
    r"[.!?]"
    + "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS)
    + r"[.!?]*[\"”’)\]]*(\s+)(?=[\"“‘(\[]?[A-Z0-9#$@])"
)
_DIGIT = re.compile(r"\d")
# Plain substring tests on the lower-cased sentence padded with spaces: far
# cheaper than a regex of alternatives, and these words need no finer edges.
_FLUFF = (
    " i ",
    " i'm ",
    " i’m ",
    " my ",
    "honestly",
    " wow",
    "folks",
    "joined us",
    "playground",
    "thank",
)
_DESCRIPTIVE = (
    "including",
    "feature",
    "capabilit",
    "support",
    "designed",
    "trained",
    "based on",
    "outperform",
)
_WEAK_OPENINGS = (
    "so ",
    "so,",
    "well",
    "also",
    "and ",
    "but ",
    "okay",
    "ok ",
    "ok,",
    "alright",
    "anyway",
    "oh ",
    "oh,",
    "now ",
    "now,",
    "here ",
    "it ",
    "it's",
    "it’s",
    "they",
    "there",
)
# Sentences about something else, set beside the release.
_ASIDE_OPENINGS = ("for comparison", "by comparison", "compared to", "in comparison", "meanwhile")
_LONG_QUOTE = re.compile(r"[\"“][^\"”]{40,}[\"”]")
_WORDS = re.compile(r"[^\W_]{4,}")
_COMMON = frozenset(
    (
        "with",
        "from",
        "that",
        "this",
        "their",
        "they",
        "have",
        "been",
        "into",
        "over",
        "more",
        "most",
        "very",
        "just",
        "also",
        "your",
        "about",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "than",
        "then",
        "them",
        "these",
        "those",
        "make",
        "makes",
        "made",
        "model",
        "models",
        "release",
        "releases",
        "released",
        "launch",
        "launches",
        "launched",
        "announces",
        "announced",
        "open",
        "source",
        "update",
        "updates",
        "updated",
        "available",
        "finally",
        "gets",
        "family",
        "chat",
        "week",
        "weeks",
    )
)


@dataclass(slots=True)
class Sentence:
    """One sentence of a paragraph, with its facts and its score on its own."""

    text: str
    lower: str
    start: int  # offsets in the paragraph
    end: int
    facts: Sequence[Fact]  # usually none: one shared empty tuple
    kinds: frozenset[str]  # the kinds of fact it states
    base: float  # how informative it is on its own; -inf when it is never picked


def split_sentences(paragraph: str) -> list[Sentence]:
    """The sentences of ``paragraph``, scored, with their facts.

    Word tests and fact patterns run once over the paragraph, not per
    sentence: most paragraphs hold none of the words, and one failed search
    of a paragraph costs what one of a sentence does.
    """
    bounds = _sentence_bounds(paragraph)
    lower = paragraph.lower()
    if len(lower) != len(paragraph):  # offsets must agree with the original
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in paragraph)
    starts = [b[0] for b in bounds]
    padded = f" {lower} "  # so " i " also matches at either edge
    fluff = _words_at(padded, _FLUFF, starts)
    descriptive = _words_at(padded, _DESCRIPTIVE, starts)
    facts: dict[int, list[Fact]] = {}  # sentence -> its facts
    for fact in facts_in(paragraph, lower):
        at = bisect_right(starts, fact.start) - 1
        if at >= 0 and fact.start < bounds[at][1]:
            fact.start -= bounds[at][0]
            facts.setdefault(at, []).append(fact)
    # Figures and quotes are looked for in the paragraph, not once per sentence:
    # the next figure found serves every sentence before it.
    figure = _DIGIT.search(paragraph)
    quotes = '"' in paragraph or "“" in paragraph
    out = []
    for i, (begin, end) in enumerate(bounds):
        text = paragraph[begin:end]
        own = facts.get(i, ())
        kinds = frozenset(f.kind for f in own) if own else NO_KINDS
        sentence = Sentence(text, lower[begin:end], begin, end, own, kinds, 0.0)
        if figure is not None and figure.start() < begin:
            figure = _DIGIT.search(paragraph, begin)
        sentence.base = _base_score(
            sentence,
            i in fluff,
            i in descriptive,
            figure is not None and figure.start() < end,
            quotes and _LONG_QUOTE.search(paragraph, begin, end) is not None,
        )
        out.append(sentence)
    return out


def overlap(sentence: Sentence, words: Sequence[str]) -> int:
    """How many of the headline's topic words the sentence uses (at most three)."""
    if not words:
        return 0
    lower = sentence.lower
    count = 0
    for word in words:
        if word in lower:
            count += 1
    return min(3, count)


def holds(sentence: Sentence, offsets: Sequence[int]) -> bool:
    return any(sentence.start <= o < sentence.end for o in offsets)


def _names_before(owner: Sentence, fact: Fact, anchor: str) -> bool:
    """Whether the words before the bracket holding ``fact`` name the release."""
    opening = owner.lower.rfind("(", 0, fact.start)
    return bool(anchor) and anchor in owner.lower[max(0, opening - 40) : max(0, opening)]


def _sentence_bounds(paragraph: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``paragraph``, without white space at either edge.

    A sentence break consumes the white space after it and is followed by a
    visible character, so only the paragraph's own edges need trimming.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        end, after = m.span(1)  # the white space after the sentence
        bounds.append((start, end))
        start = after
    if start < len(paragraph):
        bounds.append((start, len(paragraph)))
    if bounds and (paragraph[0].isspace() or paragraph[-1].isspace()):
        bounds[0] = _trim(paragraph, *bounds[0])
        bounds[-1] = _trim(paragraph, *bounds[-1])
    return bounds


def _trim(paragraph: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed past white space at either edge."""
    while start < end and paragraph[start].isspace():
        start += 1
    while end > start and paragraph[end - 1].isspace():
        end -= 1
    return start, end


def _words_at(padded: str, words: tuple[str, ...], starts: list[int]) -> set[int]:
    """Indices of the sentences (starting at ``starts``) holding any of ``words``.

    ``padded`` is the lower-cased paragraph with a space added at either end.
    """
    found: set[int] = set()
    for word in [w for w in words if w in padded]:  # most paragraphs hold none
        pos = padded.find(word)
        while pos != -1:
            found.add(bisect_right(starts, max(0, pos - 1 + len(word) // 2)) - 1)
            pos = padded.find(word, pos + 1)
    return found


def _base_score(
    sentence: Sentence, fluff: bool, descriptive: bool, figures: bool, long_quote: bool
) -> float:
    """How informative ``sentence`` is on its own; ``NEVER`` when it is never picked.

    ``figures``: it holds a digit; ``long_quote``: it quotes forty characters or more.
    """
    text = sentence.text
    size = len(text)
    if size < MIN_SENTENCE_CHARS or size > MAX_SENTENCE_CHARS or text.endswith("?"):
        return NEVER
    score = 0.0
    for kind in sentence.kinds:
        score += FACT_WORTH[kind]
    for fact in sentence.facts:
        if fact.parenthesised:  # "(a huge 1.2B model)" is said of something else
            score -= FACT_WORTH[fact.kind] / 2
    if sentence.lower.startswith(_ASIDE_OPENINGS):
        score -= 1.5
    if figures:
        score += 0.5  # sizes, dates, prices
    if fluff:
        score -= 1.5
    if sentence.lower.startswith(_WEAK_OPENINGS):
        score -= 0.5
    if text[0].islower():
        score -= 1.0
    if descriptive:
        score += 1.5 if text.count(",") >= 2 else 1.0  # a list of what it does or has
    if long_quote:
        score -= 0.7  # quoted speech is conversation, not description
    if text.endswith((":", "!")):
        score -= 0.7
    elif text[-1] not in '.!?"”’)':
        score -= 0.3  # a paragraph without a full stop reads as run-on inside a summary
    if size < 60:
        score -= 0.5
    elif size > 300:
        score -= 1.0
    return score


def pick(scored: list[tuple[float, int, Sentence]]) -> list[Sentence]:
    """The best sentences, most informative first, each once, within the length budget.

    Greedy: a sentence stating only kinds of fact an already chosen one states
    loses their worth, so the summary says more things rather than the same
    thing twice.
    """
    # Best first, ties in the order found (the sort is stable, reversed or not).
    pool = sorted(scored, key=itemgetter(0), reverse=True)
    picked: list[Sentence] = []
    covered: frozenset[str] = frozenset()
    total = 0
    while pool and len(picked) < MAX_SENTENCES:
        best_index, best_score = 0, NEVER
        for i, (score, _, sentence) in enumerate(pool):
            if score <= best_score:
                break  # sorted: no later candidate can do better, even unpenalised
            if covered and sentence.kinds & covered:
                score -= sum(FACT_WORTH[k] for k in sentence.kinds & covered)
            if score > best_score:
                best_index, best_score = i, score
        sentence = pool.pop(best_index)[2]
        if sentence.text in [p.text for p in picked]:
            continue
        if len(picked) >= MIN_SENTENCES:
            if best_score < EXTRA_SENTENCE_SCORE:
                break
            if total + len(sentence.text) > SOFT_MAX_CHARS:
                continue
        picked.append(sentence)
        covered |= sentence.kinds
        total += len(sentence.text) + 1
    return picked


@lru_cache(maxsize=4096)
def topic_words(headline: str, key: str) -> tuple[str, ...]:
    """The headline's words that say what the release is, cut to a stem of six letters."""
    out: list[str] = []
    for word in _WORDS.findall(headline.lower()):
        if word in _COMMON or word in key:
            continue
        stem = word[:6]
        if stem not in out:
            out.append(stem)
            if len(out) == 8:
                break
    return tuple(out)
