"""Extractive summaries: what an episode's body says about each of its items.

For every item the body is searched for the release's name, compared on
letters and digits only (``name_key``), so "PHI4", "Phi-4" and "phi 4" are
one name.  A heading naming the release opens its section (the prose
paragraphs up to the next heading); other paragraphs that mention it add
candidate sentences.  Sentences are ranked by how much they say (numbers,
parameter counts, licences, benchmark scores, a mention of the name) and
the best two or three, each copied whole from the source, make the
summary.  Facts are read from the same text with a handful of patterns and
are only ever spans of it: nothing is invented.  An item the body never
discusses keeps its headline as summary.

This runs on every ingest, over feeds of a hundred episodes, so the work
is bounded: the body is encoded and lower-cased once (in C) and a paragraph
is decoded only when read; each anchor of a name is found with ``bytes.find``
once per episode and the name checked byte by byte only at its hits; a
transcript after the notes is not searched; paragraphs are classified only
when a hit lands in them; and sentences and facts of a paragraph are computed
once, when an item first needs them, with word tests and fact patterns run
over the whole paragraph rather than sentence by sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Protocol

from bot.feeds.chapters import parse_timestamp
from bot.feeds.clean import name_key
from bot.feeds.orgs import KNOWN_ORGS, spellings
from bot.models import Chapter, Facts, ParsedEpisode, ParsedFeed

#: At most this many sentences make a summary, and at least this many when there are.
MAX_SENTENCES = 3
MIN_SENTENCES = 2
#: A third sentence is added only while the summary stays under this length.
SOFT_MAX_CHARS = 600
#: A sentence beyond the minimum must score at least this (a weak third one only dilutes).
EXTRA_SENTENCE_SCORE = 1.5
#: Sentences shorter or longer than these are never picked (fragments, run-ons).
MIN_SENTENCE_CHARS = 30
MAX_SENTENCE_CHARS = 450
#: How many paragraphs after a heading belong to its section.
SECTION_PARAGRAPHS = 3
#: How many other paragraphs mentioning the release are read.
MENTION_PARAGRAPHS = 2
#: Hits of a name examined per item (a family name can occur dozens of times).
MAX_HITS = 40

_PROSE, _HEADING, _NOTE, _CHAPTER = 0, 1, 2, 3
_NEVER = float("-inf")
_NO_FACTS = Facts()
_NO_KINDS: frozenset[str] = frozenset()
#: What stating a fact of each kind adds to a sentence's score.
_FACT_WORTH = {"parameters": 2.0, "license": 1.5, "context": 1.5, "scores": 1.5}

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
_COMPARISON = re.compile(
    r"compar|versus|\bvs\b|\bthan\b|\bbeat|\bwhile\b|\bwhereas\b|\bahead of\b|\bbehind\b"
    r"|predecessor|\bprevious\b|\bolder\b"
)
_ORGS = "|".join(re.escape(o) for o in sorted(KNOWN_ORGS, key=len, reverse=True))
_ORG_NEAR = re.compile(rf"\b({_ORGS})(?=['’]s\b|\s+[-–—:]\s|:)", re.I)

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
_CHAPTER_LINE = re.compile(r"^\(?((?:\d{1,2}:)?\d{1,3}:\d{2})\)?\s*(?:[-–—:|]\s*)?(\S.*)$")
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
_TITLE_SEPARATOR = re.compile(r" [-–—|] |: ")
# Link labels left at the end of a heading: "(HF, Demo)", "(blog, HF)".
_LINK_LABELS = re.compile(r"\((?:[\w .]{1,20},\s?)+[\w .]{1,20}\)$")
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
_JOINERS = ("", " ", "-", "\u2011", ".", "&")
_SEGMENTS = re.compile(r"[^\W\d_]+|\d+")
_FIRST_WORD = re.compile(r"[\s\-_/.:]+")
_VERSION_SUFFIX = re.compile(r"[\d.]+$")
_TOKEN_EDGE = "\"'“”‘’()[]#*"
_LICENSE_CANON = re.compile(r"[\s‑-]+")


class ItemLike(Protocol):
    """What the summariser reads of an item: parsed (``ParsedItem``) or stored (``Item``)."""

    @property
    def name(self) -> str: ...
    @property
    def org(self) -> str | None: ...
    @property
    def headline(self) -> str: ...
    @property
    def chapter(self) -> Chapter | None: ...


@dataclass(frozen=True, slots=True)
class Summary:
    """The summary and facts of one item, and whether the body discusses it."""

    summary: str
    facts: Facts
    discussed: bool


@dataclass(slots=True)
class _Fact:
    kind: str  # "parameters", "license", "context" or "scores"
    value: str
    start: int  # offset in the sentence
    parenthesised: bool  # inside "( ... )": it may describe the word before the bracket


@dataclass(slots=True)
class _Sentence:
    text: str
    lower: str
    start: int  # offsets in the paragraph
    end: int
    facts: Sequence[_Fact]  # usually none: one shared empty tuple
    kinds: frozenset[str]  # the kinds of fact it states
    base: float  # how informative it is on its own; -inf when it is never picked


@dataclass(slots=True)
class _Discussion:
    heading: int | None  # paragraph index of the heading naming the release
    section: list[int]  # paragraphs under that heading
    mentions: dict[int, list[int]]  # other paragraph -> offsets of hits in it
    hits: dict[int, list[int]]  # every paragraph mentioning the release -> offsets


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


def facts_in(text: str, lower: str | None = None) -> list[_Fact]:
    """Parameter counts, licences, context lengths and scores stated in ``text``."""
    if lower is None or len(lower) != len(text):
        lower = text.lower()
        if len(lower) != len(text):  # offsets must agree with the original
            return []
    found: list[_Fact] = []
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


def _fact(kind: str, value: str, start: int, text: str) -> _Fact:
    return _Fact(kind, value, start, _in_brackets(text, start))


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


# --- the episode index ------------------------------------------------------

# Bytes that may sit between the letters of a name ("Phi-4", "K2 Thinking",
# "Maya‑1" with a non-breaking hyphen, which is three bytes of UTF-8).
_GAP_BYTES = frozenset(b" -._/'+:&") | frozenset(range(0x80, 0x100))
_ALNUM_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
_PARAGRAPH_BREAK = re.compile(b"\n\n")
_TRANSCRIPT = re.compile(rb"\n\n\[(?:\d{1,2}:)?\d{1,2}:\d{2}\] [^\n:]{1,40}:")


class EpisodeText:
    """An episode's body, indexed once for finding and summarising its items.

    Names are searched in the body's UTF-8 bytes, lower-cased in ASCII: both
    conversions run in C at memory speed, where ``str.lower`` on text with
    curly quotes and emoji costs as much as the rest of the summary.
    """

    def __init__(self, body: str, headlines: Iterable[str] = ()) -> None:
        self._raw = body.encode("utf-8", "surrogatepass")
        self._bytes = self._raw.lower()  # bytes.lower() changes ASCII letters only
        # Where each paragraph starts, then one past the end.  A newline byte is never
        # inside a UTF-8 character, so byte and text paragraphs agree.  A paragraph's
        # text is decoded when first read, and most never are: splitting every body
        # into strings up front cost a tenth of the summariser's time.
        breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(self._raw)]
        self._starts = [0, *breaks] if body else []
        self._starts.append(len(self._raw) + 2)
        self.count = len(self._starts) - 1  # how many paragraphs
        # A full transcript ("[00:03:23] Alex Volkov: ...") can follow the notes: it is
        # talk, not description, and searching it would cost more than the rest.
        transcript = _TRANSCRIPT.search(self._bytes)
        self._end = transcript.start() if transcript else len(self._bytes)
        self._paragraphs: dict[int, str] = {}
        self._kinds: dict[int, int] = {}
        self._occurrences: dict[bytes, list[int]] = {}
        self._sentences: dict[int, list[_Sentence]] = {}
        self._fact_cache: dict[str, list[_Fact]] = {}
        # Show-notes lines repeat an item's headline (plus link labels): they are
        # the list itself, not a discussion of it.
        self._notes: dict[str, list[str]] = {}
        for headline in headlines:
            if len(headline) >= 8:
                self._notes.setdefault(headline[:8], []).append(headline)

    def paragraph(self, index: int) -> str:
        """The text of paragraph ``index`` (decoded once, when first asked for)."""
        text = self._paragraphs.get(index)
        if text is None:
            raw = self._raw[self._starts[index] : self._starts[index + 1] - 2]
            text = self._paragraphs[index] = raw.decode("utf-8", "surrogatepass")
        return text

    def kind(self, index: int) -> int:
        """What paragraph ``index`` is: prose, heading, show-notes line or chapter line."""
        kind = self._kinds.get(index)
        if kind is None:
            kind = self._kinds[index] = self._classify(self.paragraph(index))
        return kind

    def _classify(self, p: str) -> int:
        size = len(p)
        notes = self._notes.get(p[:8])
        if notes:
            for h in notes:
                if size <= len(h) + 60 and p.startswith(h):
                    return _NOTE
        if size > 160:
            return _PROSE
        if (p[:1].isdigit() or p[:1] == "(") and _CHAPTER_LINE.match(p):
            return _CHAPTER
        if p[-1:] not in ".,;:" and _heading_like(p):
            return _HEADING
        return _PROSE

    # --- finding a release --------------------------------------------------

    def _hits(self, key: bytes, anchors: tuple[bytes, ...]) -> dict[int, list[int]]:
        """Paragraph -> byte offsets (in the paragraph) where ``key`` is spelled.

        The first ``MAX_HITS`` places an anchor occurs are examined, in order;
        after a match the search goes on past it, after a show-notes or chapter
        line past that line.
        """
        text, starts, kinds = self._bytes, self._starts, self._kinds
        found: dict[int, list[int]] = {}
        seen = 0
        for anchor in anchors:
            # The anchor is spelled already: only the rest of the key is left to match.
            skip = len(anchor) if key.startswith(anchor) else 0
            after = 0  # occurrences before this are passed over
            for pos in self._occurrences_of(anchor):
                if pos < after:
                    continue
                if seen >= MAX_HITS:
                    break
                seen += 1
                if pos and text[pos - 1] in _ALNUM_BYTES:
                    continue  # inside a word
                end = _match_key(text, pos, key, skip)
                if end == -1:
                    continue
                index = bisect_right(starts, pos) - 1
                kind = kinds.get(index)
                if kind is None:
                    kind = self.kind(index)
                if kind <= _HEADING:
                    found.setdefault(index, []).append(pos - starts[index])
                    after = end
                else:  # a show-notes or chapter line: skip the rest of it
                    after = starts[index + 1]
        if len(anchors) > 1:
            for offsets in found.values():
                offsets.sort()
        return found

    def _occurrences_of(self, anchor: bytes) -> list[int]:
        """Every offset (overlaps included) where ``anchor`` occurs before any transcript.

        Kept per episode: items of one episode often share an anchor ("gpt", "qwen").
        """
        found = self._occurrences.get(anchor)
        if found is None:
            found = self._occurrences[anchor] = []
            find, stop = self._bytes.find, self._end
            pos = find(anchor, 0, stop)
            while pos != -1:
                found.append(pos)
                pos = find(anchor, pos + 1, stop)
        return found

    def locate(self, name: str) -> _Discussion | None:
        """Where the body discusses the release ``name``; ``None`` if it never does."""
        hits: dict[int, list[int]] = {}
        for key, anchors in _search_terms(name):
            hits = self._hits(key, anchors)
            if hits:
                break
        if not hits:
            return None
        kinds = self._kinds  # every paragraph with a hit is classified
        headings = [(offsets[0], i) for i, offsets in hits.items() if kinds[i] == _HEADING]
        heading: int | None = None
        section: list[int] = []
        if headings:
            # The heading that names the release first ("Phi-4: Microsoft's ...") wins.
            heading = min(headings)[1]
            j = heading + 1
            while j < self.count and len(section) < SECTION_PARAGRAPHS and self.kind(j) == _PROSE:
                section.append(j)
                j += 1
        mentions: dict[int, list[int]] = {}
        # Under its own heading a release is discussed; passing mentions elsewhere
        # would add little and cost as much again.
        for i in sorted(hits) if not section else ():
            if len(mentions) == MENTION_PARAGRAPHS:
                break
            if kinds[i] == _PROSE and i not in section:
                mentions[i] = self._char_offsets(i, hits[i])
        if not section and not mentions:
            return None
        named = {i: self._char_offsets(i, hits[i]) for i in section if i in hits}
        return _Discussion(heading, section, mentions, named)

    def _char_offsets(self, index: int, offsets: list[int]) -> list[int]:
        """Byte offsets in a paragraph as text offsets (they differ after non-ASCII)."""
        raw = self._bytes[self._starts[index] : self._starts[index + 1] - 2]
        if raw.isascii():
            return offsets
        return [len(raw[:o].decode("utf-8", "ignore")) for o in offsets]

    # --- sentences -------------------------------------------------------------

    def sentences(self, index: int) -> list[_Sentence]:
        """The sentences of paragraph ``index``, scored, with their facts (computed once).

        Word tests and fact patterns run once over the paragraph, not per
        sentence: most paragraphs hold none of the words, and one failed search
        of a paragraph costs what one of a sentence does.
        """
        cached = self._sentences.get(index)
        if cached is not None:
            return cached
        paragraph = self.paragraph(index)
        bounds = _sentence_bounds(paragraph)
        lower = paragraph.lower()
        if len(lower) != len(paragraph):  # offsets must agree with the original
            lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in paragraph)
        starts = [b[0] for b in bounds]
        padded = f" {lower} "  # so " i " also matches at either edge
        fluff = _words_at(padded, _FLUFF, starts)
        descriptive = _words_at(padded, _DESCRIPTIVE, starts)
        facts: dict[int, list[_Fact]] = {}  # sentence -> its facts
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
            kinds = frozenset(f.kind for f in own) if own else _NO_KINDS
            sentence = _Sentence(text, lower[begin:end], begin, end, own, kinds, 0.0)
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
        self._sentences[index] = out
        return out

    def passage(self, name: str, limit: int = 4000) -> str:
        """The text discussing ``name`` (heading, section, mentions), for an LLM prompt."""
        found = self.locate(name)
        if found is None:
            return ""
        indices = ([found.heading] if found.heading is not None else []) + found.section
        indices += list(found.mentions)
        text = "\n\n".join(self.paragraph(i) for i in indices)
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]

    # --- summaries ---------------------------------------------------------------

    def summarise(self, item: ItemLike) -> Summary:
        """Summary and facts of ``item`` from what this body says about it."""
        found = self.locate(item.name)
        timestamp = self._timestamp(item.chapter)
        if found is None:
            return Summary(item.headline, self._facts(item, [], None, timestamp), False)
        words = _topic_words(item.headline, _name_parts(item.name)[0])
        scored: list[tuple[float, int, _Sentence]] = []
        fact_sentences: list[_Sentence] = []
        for rank, index in enumerate(found.section):
            offsets = found.hits.get(index, ())
            for number, sentence in enumerate(self.sentences(index)):
                base = sentence.base
                named = bool(offsets) and _holds(sentence, offsets)
                # Facts deep in a section may be the host's wrap-up of the week.
                if rank <= 1 or named:
                    fact_sentences.append(sentence)
                if base == _NEVER:
                    continue
                score = base + 1.5 - 0.6 * rank - 0.15 * number + 0.6 * _overlap(sentence, words)
                if named:
                    score += 1.0
                elif rank >= 2:
                    score -= 1.0
                scored.append((score, len(scored), sentence))
        # Under its own heading the release is discussed; elsewhere it is in passing.
        bonus = 1.0 if found.section else 2.0
        for index, offsets in found.mentions.items():
            sentences = self.sentences(index)
            for number, sentence in enumerate(sentences):
                if not _holds(sentence, offsets):
                    continue
                overlap = _overlap(sentence, words)
                # A passing mention ("models like Phi-3-mini and Qwen 2.5") is not a
                # discussion: the name must lead the sentence or share the headline's words.
                if (
                    not overlap
                    and min(offsets) - sentence.start > 60
                    and not any(sentence.start <= o <= sentence.start + 60 for o in offsets)
                ):
                    continue
                fact_sentences.append(sentence)
                if sentence.base != _NEVER:
                    scored.append((sentence.base + bonus + 0.6 * overlap, len(scored), sentence))
                if number + 1 < len(sentences):  # the next sentence often goes on about it
                    follower = sentences[number + 1]
                    if follower.base != _NEVER:
                        score = follower.base - 0.5 + 0.6 * _overlap(follower, words)
                        scored.append((score, len(scored), follower))
        heading = self.paragraph(found.heading) if found.heading is not None else None
        facts = self._facts(item, fact_sentences, heading, timestamp)
        picked = _pick(scored)
        summary = " ".join(s.text for s in picked) if picked else item.headline
        return Summary(summary, facts, bool(picked) or heading is not None)

    def _timestamp(self, chapter: Chapter | None) -> str | None:
        """The chapter start as the show notes write it ("71:50"), else formatted."""
        if chapter is None:
            return None
        written = self._written_time(chapter)
        return written or format_timestamp(chapter.start_seconds)

    def _written_time(self, chapter: Chapter) -> str | None:
        title = chapter.title.lower().encode("utf-8", "surrogatepass")
        pos = self._bytes.find(title) if title else -1
        while pos != -1:
            index = bisect_right(self._starts, pos) - 1
            m = _CHAPTER_LINE.match(self.paragraph(index))
            if m and parse_timestamp(m.group(1)) == chapter.start_seconds:
                return m.group(1)
            pos = self._bytes.find(title, pos + 1)
        return None

    def _heading_facts(self, heading: str) -> list[_Fact]:
        cached = self._fact_cache.get(heading)
        if cached is None:
            cached = self._fact_cache[heading] = facts_in(heading)
        return cached

    def _facts(
        self,
        item: ItemLike,
        sentences: list[_Sentence],
        heading: str | None,
        timestamp: str | None,
    ) -> Facts:
        parameters: list[str] = []
        scores: list[str] = []
        license_: str | None = None
        context: str | None = None
        key, anchor = _name_parts(item.name)
        # The headline and the heading speak of the release itself: read them first.
        leading = facts_in(item.headline)
        if heading is not None:
            leading = leading + self._heading_facts(heading)
        pairs: list[tuple[_Fact, _Sentence | None]] = [(f, None) for f in leading]
        pairs += [(f, s) for s in sentences if s.facts for f in s.facts]
        for fact, owner in pairs:
            if owner is not None:
                if fact.parenthesised and not _names_before(owner, fact, anchor):
                    continue  # "Phi-3-mini (a tiny 3.8B model)": about Phi-3-mini
                if fact.kind == "scores" and _COMPARISON.search(owner.lower, 0, fact.start):
                    continue
            if fact.kind == "parameters":
                folded = fact.value.casefold()
                if len(parameters) < 3 and not any(folded in p.casefold() for p in parameters):
                    parameters.append(fact.value)
            elif fact.kind == "scores" and fact.value not in scores and len(scores) < 4:
                scores.append(fact.value)
            elif fact.kind == "license" and license_ is None:
                license_ = fact.value
            elif fact.kind == "context" and context is None:
                context = fact.value
        org = item.org
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


def _overlap(sentence: _Sentence, words: Sequence[str]) -> int:
    """How many of the headline's topic words the sentence uses (at most three)."""
    if not words:
        return 0
    lower = sentence.lower
    count = 0
    for word in words:
        if word in lower:
            count += 1
    return min(3, count)


def _holds(sentence: _Sentence, offsets: Sequence[int]) -> bool:
    return any(sentence.start <= o < sentence.end for o in offsets)


def _names_before(owner: _Sentence, fact: _Fact, anchor: str) -> bool:
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
    sentence: _Sentence, fluff: bool, descriptive: bool, figures: bool, long_quote: bool
) -> float:
    """How informative ``sentence`` is on its own; ``_NEVER`` when it is never picked.

    ``figures``: it holds a digit; ``long_quote``: it quotes forty characters or more.
    """
    text = sentence.text
    size = len(text)
    if size < MIN_SENTENCE_CHARS or size > MAX_SENTENCE_CHARS or text.endswith("?"):
        return _NEVER
    score = 0.0
    for kind in sentence.kinds:
        score += _FACT_WORTH[kind]
    for fact in sentence.facts:
        if fact.parenthesised:  # "(a huge 1.2B model)" is said of something else
            score -= _FACT_WORTH[fact.kind] / 2
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


def _pick(scored: list[tuple[float, int, _Sentence]]) -> list[_Sentence]:
    """The best sentences, most informative first, each once, within the length budget.

    Greedy: a sentence stating only kinds of fact an already chosen one states
    loses their worth, so the summary says more things rather than the same
    thing twice.
    """
    # Best first, ties in the order found (the sort is stable, reversed or not).
    pool = sorted(scored, key=itemgetter(0), reverse=True)
    picked: list[_Sentence] = []
    covered: frozenset[str] = frozenset()
    total = 0
    while pool and len(picked) < MAX_SENTENCES:
        best_index, best_score = 0, _NEVER
        for i, (score, _, sentence) in enumerate(pool):
            if score <= best_score:
                break  # sorted: no later candidate can do better, even unpenalised
            if covered and sentence.kinds & covered:
                score -= sum(_FACT_WORTH[k] for k in sentence.kinds & covered)
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


def _heading_like(paragraph: str) -> bool:
    """Short, title-like paragraphs ("Phi-4: Microsoft's ... Debut", "Nemotrons again?").

    Called only for paragraphs of at most 160 characters not ending in a full stop.
    """
    if len(paragraph) <= 60 or _TITLE_SEPARATOR.search(paragraph, 0, 80):
        return True
    if _LINK_LABELS.search(paragraph):
        return True
    words = [w for w in paragraph.split() if w[:1].isalnum()]
    if not words:
        return False
    first = words[0]
    if any(c.isupper() or c.isdigit() for c in first[1:]):
        return True  # "KOKORO", "MetaGene-1", "rStar-Math" open a heading
    capitals = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitals * 5 >= len(words) * 2


@lru_cache(maxsize=4096)
def _topic_words(headline: str, key: str) -> tuple[str, ...]:
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


@lru_cache(maxsize=4096)
def _name_parts(name: str) -> tuple[str, str]:
    """The name's key and the literal its spellings start with (cached: names recur)."""
    key = name_key(name)
    return key, _anchor(name, key)


@lru_cache(maxsize=1024)
def _org_in_heading(heading: str) -> str | None:
    """A known org the heading names as owner ("Microsoft's", "Baidu - ..."), if any."""
    m = _ORG_NEAR.search(heading)
    return m.group(1) if m else None


@lru_cache(maxsize=4096)
def _search_terms(name: str) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """(key, anchors) to look for, as lower-case bytes, best first (cached: names recur).

    Every spelling of the name starts with its first run of letters or digits
    ("phi" for "Phi-4", "PHI4", "phi 4").  A run of one or two characters ("o",
    "k", "ai") is too common to search for alone: then the first two runs joined
    by nothing or one separator are searched instead ("o1", "o 1", "o-1").
    """
    terms = []
    segments = _SEGMENTS.findall(name.lower())
    for key in _probes(name):
        if (
            len(segments) >= 2
            and len(segments[0]) < 3
            and key.startswith(segments[0] + segments[1])
        ):
            first, second = segments[0], segments[1]
            anchors = tuple(dict.fromkeys((first + sep + second).encode() for sep in _JOINERS))
        else:
            single = segments[0] if segments and key.startswith(segments[0]) else key
            anchors = (single.encode(),)
        terms.append((key.encode(), anchors))
    return tuple(terms)


def _probes(name: str) -> list[str]:
    """Keys to look for: the whole name, then its brand ("Moondream 2" -> "moondream")."""
    key = _name_parts(name)[0]
    probes = [key] if len(key) >= 2 else []
    words = _FIRST_WORD.split(name.strip())
    if len(words) > 1 and words[0][:1].isupper():
        family = name_key(_VERSION_SUFFIX.sub("", words[0]))
        if len(family) >= 4 and family != key:
            probes.append(family)
    return probes


def _anchor(name: str, key: str) -> str:
    """A literal that every spelling of ``key`` starts with, to ``find`` in lower-cased text.

    The leading run of letters (or digits) of the name survives any drift of
    separators ("phi" for "Phi-4", "PHI4", "phi 4"); when that run is too short
    to be selective the name's first word is used as written ("k2" of "K2 Thinking").
    """
    if not key:
        return ""
    lowered = name.strip().lower()
    first = lowered.lstrip(_TOKEN_EDGE)[:1]
    run = 0
    for c in lowered.lstrip(_TOKEN_EDGE):
        if not c.isalnum() or c.isdigit() != first.isdigit():
            break
        run += 1
    anchor = lowered.lstrip(_TOKEN_EDGE)[:run]
    if len(anchor) >= 3 or (anchor and len(anchor) == len(key)):
        return anchor if key.startswith(anchor) else key[:run]
    word = _FIRST_WORD.split(lowered.strip(_TOKEN_EDGE))[0]
    return word if len(word) >= 2 and key.startswith(name_key(word)) else key[: max(run, 1)]


def _match_key(text: bytes, pos: int, key: bytes, skip: int = 0) -> int:
    """End offset of ``key`` spelled at ``pos`` with any separators, or -1.

    The match must end at a word edge (the caller checks the start); a trailing
    plural "s" is allowed.  The first ``skip`` bytes of ``key`` are known to be
    spelled at ``pos`` already, without separators.
    """
    size = len(text)
    k = skip
    j = pos + skip
    gap = 0
    length = len(key)
    while k < length:
        if j >= size:
            return -1
        c = text[j]
        if c == key[k]:
            k += 1
            gap = 0
        elif k and gap < 3 and c in _GAP_BYTES:
            gap += 1
        else:
            return -1
        j += 1
    if j < size and text[j] in _ALNUM_BYTES:
        if text[j] == 0x73 and (j + 1 >= size or text[j + 1] not in _ALNUM_BYTES):  # "s"
            return j + 1
        return -1
    return j


# --- summarisers ---------------------------------------------------------------


def summarise_items(body: str, items: Sequence[ItemLike]) -> list[Summary]:
    """Summaries of ``items`` from one episode's ``body``, in the same order."""
    text = EpisodeText(body, (i.headline for i in items))
    return [text.summarise(item) for item in items]


def summarise_episode(episode: ParsedEpisode) -> ParsedEpisode:
    """``episode`` with every item's summary and facts filled in."""
    if not episode.items:
        return episode
    results = summarise_items(episode.body, episode.items)
    items = tuple(
        item.model_copy(update={"summary": result.summary, "facts": result.facts})
        for item, result in zip(episode.items, results, strict=True)
    )
    return episode.model_copy(update={"items": items})


class ExtractiveSummariser:
    """The default summariser: sentences copied from the episode body, facts read from it."""

    def __call__(self, feed: ParsedFeed) -> ParsedFeed:
        """``feed`` with every item of every episode summarised."""
        episodes = tuple(summarise_episode(e) for e in feed.episodes)
        return feed.model_copy(update={"episodes": episodes})
