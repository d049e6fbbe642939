"""Facts an episode states about a release: parameter counts, licences, context, scores.

``facts_in`` finds them in a piece of text with a handful of patterns; every
value is a span of that text, so nothing is invented.  ``choose_facts`` picks
an item's facts from the candidates found in its own lines and sentences, and
``verify_facts`` holds any claimed facts (the LLM's too) to the episode text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.feeds.chapters import parse_timestamp
from bot.feeds.clean import name_key
from bot.feeds.orgs import KNOWN_ORGS, spellings
from bot.models import Chapter, Facts

_NO_FACTS = Facts()
_LICENSE_CANON = re.compile(r"[\s‑-]+")

# --- fact patterns ----------------------------------------------------------
#
# Patterns run on lower-cased text without re.IGNORECASE (which costs CPython's
# engine several times more) and start with a character class or a letter, so
# the engine skips ahead to where a match could start instead of trying the
# whole pattern at every character (an alternative that starts with anything
# else, "\d+" or a look-behind, turns that off); word edges are checked in
# code at the few matches.  Values are cut from the original text at the same
# offsets.

_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
# The same number with its first character taken by a class, then checked behind.
_NUMBER_FIRST = r"[\d.](?:(?<=\d)\d*(?:\.\d+)?|(?<=\.)\d+)"
_UNIT = r" ?(?:[bmt]|billion|million|trillion)(?![a-z0-9])"
_PARAMS = re.compile(
    rf"{_NUMBER_FIRST}{_UNIT}(?:\s*(?:,|and|&|/|or|to)\s*{_NUMBER}{_UNIT})*"
    r"(?=!?\)?\s*[-‑]?\s*(?:total\s+)?(?:param|sizes?\b))"
)
_CONTEXT = re.compile(
    r"(\d+(?:[.,]\d+)? ?(?:[km](?![a-z0-9])|million|thousand)|\d{1,3}(?:,\d{3})+(?= ?tokens?))"
    r"\)?[\s‑-]*(?:tokens?[\s‑-]*)?(?:of\s+)?context"
    r"|context(?:[\s‑-]*(?:window|length))?(?:\s+(?:of|to|is|still|up|at|now|with))*"
    r"\s+~?(\d+(?:\.\d+)? ?[km])(?![a-z0-9])"
)
# Every alternative starts with a plain letter (a look-behind goes after "mit", not
# before it), so the engine skips to the few places one could start.
_LICENSE = re.compile(
    r"apache(?:[\s‑-]*(?:licen[sc]e[\s‑-]*)?(?:v(?:ersion)?\s?)?2(?:\.0)?(?!\d)|[\s‑-]+licen[sc]e)"
    r"|mit(?:(?=[\s‑-]*licen[sc])|(?<=under mit)|(?<=under the mit)|(?<=licen[sc]e: mit))"
    r"|cc[\s‑-]?by(?:[\s‑-](?:nc|sa|nd))*(?:[\s‑-]\d\.\d)?"
    r"|agpl[\s‑-]?v?\d(?:\.\d)?|lgpl[\s‑-]?v?\d(?:\.\d)?|gpl[\s‑-]?v?\d(?:\.\d)?"
    r"|openrail(?:[\s‑-]?m)?"
)
_LICENSE_HINTS = ("apache", "licen", "gpl", "cc-by", "cc by", "openrail")
# Benchmark words keep inner dots ("Math-500", "v2.5") but not a full stop.
_BENCH_WORD = r"[A-Z][\w+‑-]*(?:\.\w+)*(?:[’']s)?"
_SCORE = re.compile(
    r"([#\d](?:(?<=#)\d+|(?<=\d)\d*(?:\.\d+)?%?))\s+on\s+(?:the\s+)?"  # "#1", "80.4", "90%"
    rf"(?:{_BENCH_WORD}|math\b|[a-z][\w‑-]*\s(?:arena|leaderboard)\b)"
    r"(?:[\s‑-](?:[A-Z0-9][\w+‑-]*(?:\.\w+)*|verified|diamond|bench|arena|leaderboard|pro|lite"
    r"|hard)\b)*"
)
# Scores after these words in a sentence belong to what the release is compared with.
COMPARISON = re.compile(
    r"compar|versus|\bvs\b|\bthan\b|\bbeat|\bwhile\b|\bwhereas\b|\bahead of\b|\bbehind\b"
    r"|predecessor|\bprevious\b|\bolder\b"
)
_ORGS = "|".join(re.escape(o) for o in sorted(KNOWN_ORGS, key=len, reverse=True))
_ORG_NEAR = re.compile(rf"\b({_ORGS})(?=['’]s\b|\s+[-–—:]\s|:)", re.I)


@dataclass(slots=True)
class Fact:
    """A fact found in a text, with where it was found."""

    kind: str  # "parameters", "license", "context" or "scores"
    value: str
    start: int  # offset in the sentence
    parenthesised: bool  # inside "( ... )": it may describe the word before the bracket


# --- facts -----------------------------------------------------------------


def canonical_license(text: str) -> str:
    """One spelling per licence: "Apache 2", "Apache-2.0", "apache license" -> "Apache 2.0"."""
    lowered = text.casefold()
    if lowered.startswith("apache"):
        return "Apache 2.0"
    if lowered == "mit":
        return "MIT"
    return _LICENSE_CANON.sub(" ", text.strip()).upper().replace("CC BY", "CC-BY")


def licenses_in(text: str) -> set[str]:
    """Every licence ``text`` names, in canonical spelling."""
    return {f.value for f in facts_in(text) if f.kind == "license"}


def _squash_space(text: str) -> str:
    return " ".join(text.split()).casefold()


def fact_in_text(kind: str, value: str, text: str) -> bool:
    """Whether a fact appears in ``text``: verbatim up to case and spacing.

    A licence counts when the text names the same licence in any spelling
    ("Apache 2" supports "Apache 2.0"), since licences are stored canonically.
    """
    value = value.strip()
    if not value:
        return False
    if kind == "license":
        return canonical_license(value) in licenses_in(text)
    if kind == "org":  # orgs are stored canonically ("NVIDIA"), the text has any spelling
        squashed = _squash_space(text)
        return any(_squash_space(s) in squashed for s in spellings(value))
    return _squash_space(value) in _squash_space(text)


def verify_facts(facts: Facts, text: str, *, chapter: Chapter | None = None) -> Facts:
    """``facts`` without any value that ``text`` does not contain.

    The timestamp is kept only when it is the item's chapter start (chapters
    may come from feed tags rather than the text).
    """
    return Facts(
        org=facts.org if facts.org and fact_in_text("org", facts.org, text) else None,
        parameters=tuple(p for p in facts.parameters if fact_in_text("parameters", p, text)),
        license=(
            canonical_license(facts.license)
            if facts.license and fact_in_text("license", facts.license, text)
            else None
        ),
        context=facts.context
        if facts.context and fact_in_text("context", facts.context, text)
        else None,
        scores=tuple(s for s in facts.scores if fact_in_text("scores", s, text)),
        timestamp=(
            facts.timestamp
            if chapter is not None
            and facts.timestamp
            and parse_timestamp(facts.timestamp) == chapter.start_seconds
            else None
        ),
    )


def format_timestamp(seconds: int) -> str:
    """ "MM:SS" under an hour, "H:MM:SS" after."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def facts_in(text: str, lower: str | None = None) -> list[Fact]:
    """Parameter counts, licences, context lengths and scores stated in ``text``."""
    if lower is None or len(lower) != len(text):
        lower = text.lower()
        if len(lower) != len(text):  # offsets must agree with the original
            return []
    found: list[Fact] = []
    if "param" in lower or "size" in lower:
        for m in _PARAMS.finditer(lower):
            if _word_start(lower, m.start()):
                found.append(_fact("parameters", text[m.start() : m.end()], m.start(), text))
    for hint in _LICENSE_HINTS:
        if hint not in lower:
            continue
        for m in _LICENSE.finditer(lower):
            start, end = m.start(), m.end()
            if not _word_start(lower, start) or (end < len(lower) and lower[end].isalnum()):
                continue
            raw = text[start:end]
            if raw.casefold() == "mit" and raw != "MIT":
                continue  # "mit" is only the licence when written as one
            found.append(_fact("license", canonical_license(raw), start, text))
        break  # one pass of the pattern finds every licence
    if "context" in lower:
        for m in _CONTEXT.finditer(lower):
            group = 1 if m.group(1) else 2
            start = m.start(group)
            if _word_start(lower, start):
                found.append(_fact("context", text[start : m.end(group)], start, text))
    if _has_score_hint(lower):
        for m in _SCORE.finditer(text):
            if _plausible_score(text, m):
                found.append(_fact("scores", m.group(0).rstrip(".,‑-’'"), m.start(), text))
    return found


def _has_score_hint(lower: str) -> bool:
    """Whether " on " follows a number somewhere ("80.4 on", "90% on"): cheaper than the pattern."""
    pos = lower.find(" on ")
    while pos > 0:
        before = lower[pos - 1]
        if before.isdigit() or before == "%":
            return True
        pos = lower.find(" on ", pos + 1)
    return False


def _fact(kind: str, value: str, start: int, text: str) -> Fact:
    return Fact(kind, value, start, _in_brackets(text, start))


def _word_start(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == ".")


def _plausible_score(text: str, m: re.Match[str]) -> bool:
    """Reject "Sonnet 4.5 on Artificial Analysis": a bare number after a name is a version."""
    number = m.group(1)
    before = text[max(0, m.start() - 24) : m.start()]
    if before and not before[-1].isspace() and before[-1] not in "(~:":
        return False
    if "%" in number or number.startswith("#"):
        return True
    words = before.split()
    return not words or not (words[-1][:1].isupper() or any(c.isdigit() for c in words[-1]))


def _in_brackets(text: str, pos: int) -> bool:
    opening = text.rfind("(", 0, pos)
    return opening != -1 and text.rfind(")", opening, pos) == -1


@lru_cache(maxsize=1024)
def _org_in_heading(heading: str) -> str | None:
    """A known org the heading names as owner ("Microsoft's", "Baidu - ..."), if any."""
    m = _ORG_NEAR.search(heading)
    return m.group(1) if m else None


def choose_facts(
    *,
    org: str | None,
    leading: Sequence[Fact],
    said: Sequence[tuple[Fact, str]],
    held: Sequence[Fact] = (),
    key: str,
    anchor: str,
    heading: str | None,
    timestamp: str | None,
    sizes: frozenset[float] = frozenset(),
) -> Facts:
    """An item's facts: first its own lines' (``leading``, then ``held``), then what
    sentences say of it.

    ``held`` are facts of the item's sub-bullets and heading: its own, but a
    parameter count there that the headline's ``sizes`` do not include is a
    sibling release's ("Llama 3.2 tiny models 1B & 3B" under the 11B & 90B line).

    ``said`` holds each fact found in a sentence with that sentence lower-cased:
    a fact in brackets after another name, a score after a comparison word, or
    a parameter count the headline's ``sizes`` do not include (``sizes_in``)
    belongs to something else.  The same value said twice in other words
    ("1.5B", "1.5 billion"; "#1 on TTS arena", "#1 on the TTS Arena
    leaderboard") is kept once, as first said.  ``key`` and ``anchor`` are the
    item name's.
    """
    parameters: list[str] = []
    scores: list[str] = []
    seen_sizes: list[frozenset[float]] = []
    seen_scores: set[str] = set()
    license_: str | None = None
    context: str | None = None
    pairs: list[tuple[Fact, str | None]] = [(f, None) for f in leading]
    pairs += [(f, "") for f in held]
    pairs += said
    for fact, owner in pairs:
        if owner:
            if fact.parenthesised and not _names_before(owner, fact, anchor):
                continue  # "Phi-3-mini (a tiny 3.8B model)": about Phi-3-mini
            if fact.kind == "scores" and COMPARISON.search(owner, 0, fact.start):
                continue
        if fact.kind == "parameters":
            values = sizes_in(fact.value)
            if owner is not None and sizes and values and values.isdisjoint(sizes):
                continue  # "1B to 27B" said near a release the headline calls 111B
            folded = fact.value.casefold()
            if (
                len(parameters) < 3
                and not any(folded in p.casefold() for p in parameters)
                and (not values or values not in seen_sizes)
            ):
                parameters.append(fact.value)
                seen_sizes.append(values)
        elif fact.kind == "scores" and len(scores) < 4 and fact.value not in scores:
            if scores:  # keys only once there is something to be the same as
                if not seen_scores:
                    seen_scores.update(score_key(v) for v in scores)
                same = score_key(fact.value)
                if same in seen_scores:
                    continue
                seen_scores.add(same)
            scores.append(fact.value)
        elif fact.kind == "license" and license_ is None:
            license_ = fact.value
        elif fact.kind == "context" and context is None:
            context = fact.value
    if org is None and heading:
        found = _org_in_heading(heading)
        if found and name_key(found) not in key:
            org = found
    if not (org or parameters or license_ or context or scores or timestamp):
        return _NO_FACTS
    # Validation runs in pydantic-core and costs less than model_construct's Python.
    return Facts(
        org=org,
        parameters=tuple(parameters),
        license=license_,
        context=context,
        scores=tuple(scores),
        timestamp=timestamp,
    )


# A size: "111B", "1.5 billion", "A35B" (active), not "$10B" nor "1M context".
_SIZE = re.compile(
    r"(?<![\w$.,])a?(\d+(?:\.\d+)?)\s?(b|bn|billion|m|million|t|trillion)(?![a-z0-9])"
    r"(?!\s*(?:tokens?|context|ctx|downloads?|users?|devices?|samples?|examples?|rows?|hours?))",
    re.I,
)
_SIZE_SCALE = {"b": 1e3, "bn": 1e3, "billion": 1e3, "m": 1.0, "million": 1.0, "t": 1e6}
_SIZE_SCALE["trillion"] = 1e6


@lru_cache(maxsize=4096)
def sizes_in(text: str) -> frozenset[float]:
    """Model sizes ``text`` states, in millions of parameters ("111B" -> 111000.0)."""
    if not any(c.isdigit() for c in text):
        return frozenset()
    return frozenset(
        round(float(m.group(1)) * _SIZE_SCALE[m.group(2).lower()], 3) for m in _SIZE.finditer(text)
    )


def contradicts(value: str, sizes: frozenset[float]) -> bool:
    """Whether the parameter fact ``value`` names none of the sizes a headline states."""
    values = sizes_in(value)
    return bool(sizes and values) and values.isdisjoint(sizes)


def hold_to_headline(facts: Facts, name: str, headline: str) -> Facts:
    """``facts`` without parameter counts the item's name and headline contradict,
    and with each score once (``score_key``): the check every summariser's facts pass.
    """
    sizes = sizes_in(f"{name} {headline}")
    parameters = tuple(p for p in facts.parameters if not contradicts(p, sizes))
    scores: dict[str, str] = {}
    for score in facts.scores:
        scores.setdefault(score_key(score), score)
    if parameters == facts.parameters and len(scores) == len(facts.scores):
        return facts
    return facts.model_copy(update={"parameters": parameters, "scores": tuple(scores.values())})


# Words that say where a score stands but not which claim it is: "#1 on the LMArena
# WebDev arena" is "#1 on LMArena WebDev" ("arena" only as a word: "LMArena" stays).
_SCORE_NOISE = re.compile(r"\b(?:the|leaderboard|benchmarks?|arena)\b|[\s‑-]+")


def score_key(score: str) -> str:
    """A score up to case, spacing, "the", "leaderboard" and "arena": one key for one claim."""
    return _SCORE_NOISE.sub("", score.casefold())


def _names_before(owner: str, fact: Fact, anchor: str) -> bool:
    """Whether the words before the bracket holding ``fact`` (in ``owner``) name the release."""
    opening = owner.rfind("(", 0, fact.start)
    return bool(anchor) and anchor in owner[max(0, opening - 40) : max(0, opening)]
