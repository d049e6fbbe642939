"""An episode's body, indexed once: its paragraphs, what each is, where a release is discussed.

``EpisodeText.locate`` finds the heading naming a release and the prose
under it, or the paragraphs mentioning it; ``sentences`` and ``passage``
read them.  Paragraphs are decoded, classified and split into sentences
only when first needed, and each at most once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from bot.feeds.chapters import parse_timestamp
from bot.feeds.orgs import KNOWN_ORGS
from bot.models import Chapter
from bot.summarise.facts import Fact, facts_in, format_timestamp
from bot.summarise.names import ALNUM_BYTES, family_fits, maker_key, match_key, search_terms
from bot.summarise.sentences import Sentence, split_sentences

SECTION_PARAGRAPHS = 3
#: How many other paragraphs mentioning the release are read.
MENTION_PARAGRAPHS = 2
#: Hits of a name examined per item (a family name can occur dozens of times).
MAX_HITS = 40

_PROSE, _HEADING, _NOTE, _CHAPTER = 0, 1, 2, 3

_CHAPTER_LINE = re.compile(r"^\(?((?:\d{1,2}:)?\d{1,3}:\d{2})\)?\s*(?:[-–—:|]\s*)?(\S.*)$")

_TITLE_SEPARATOR = re.compile(r" [-–—|] |: ")
# Link labels left at the end of a heading: "(HF, Demo)", "(blog, HF)".
_LINK_LABELS = re.compile(r"\((?:[\w .]{1,20},\s?)+[\w .]{1,20}\)$")


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


@dataclass(slots=True)
class Discussion:
    """Where an episode discusses a release."""

    heading: int | None  # paragraph index of the heading naming the release
    section: list[int]  # paragraphs under that heading
    mentions: dict[int, list[int]]  # other paragraph -> offsets of hits in it
    hits: dict[int, list[int]]  # every paragraph mentioning the release -> offsets
    others: dict[int, list[int]]  # paragraph -> offsets where other items are named
    shared: bool  # the heading names another item of the episode first
    #: Found by its maker's name alone ("Anthropic" for "Anthropic Computer use"): a
    #: sentence is about it only when it names no other item.
    loose: bool = False


_CAPITALS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_PARAGRAPH_BREAK = re.compile(b"\n\n")
_TRANSCRIPT = re.compile(rb"\n\n\[(?:\d{1,2}:)?\d{1,2}:\d{2}\] [^\n:]{1,40}:")


class EpisodeText:
    """An episode's body, indexed once for finding and summarising its items.

    Names are searched in the body's UTF-8 bytes, lower-cased in ASCII: both
    conversions run in C at memory speed, where ``str.lower`` on text with
    curly quotes and emoji costs as much as the rest of the summary.

    ``names`` are the episode's items: a sentence naming another of them
    before (or instead of) the release is about its neighbour, not about it.
    """

    def __init__(self, body: str, headlines: Iterable[str] = (), names: Iterable[str] = ()) -> None:
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
        self._sentences: dict[int, list[Sentence]] = {}
        self._fact_cache: dict[str, list[Fact]] = {}
        # Show-notes lines repeat an item's headline (plus link labels): they are
        # the list itself, not a discussion of it.
        self._hit_cache: dict[tuple[bytes, bytes], dict[int, list[int]]] = {}
        self._names = tuple(dict.fromkeys(names))
        self._keyed: dict[int, list[tuple[int, bytes]]] | None = None
        self._squashed: str | None = None
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

    def _hits(
        self, key: bytes, anchors: tuple[bytes, ...], rest: bytes = b""
    ) -> dict[int, list[int]]:
        """Paragraph -> byte offsets (in the paragraph) where ``key`` is spelled.

        The first ``MAX_HITS`` places an anchor occurs are examined, in order;
        after a match the search goes on past it, after a show-notes or chapter
        line past that line.  With ``rest`` (``key`` is a family word) a hit
        followed by another product's word is passed over.  Kept per key: the
        names of an episode's items are looked up again for their neighbours.
        """
        cached = self._hit_cache.get((key, rest))
        if cached is None:
            cached = self._hit_cache[(key, rest)] = self._find_hits(key, anchors, rest)
        return cached

    def _find_hits(
        self, key: bytes, anchors: tuple[bytes, ...], rest: bytes
    ) -> dict[int, list[int]]:
        text, starts, kinds, raw = self._bytes, self._starts, self._kinds, self._raw
        size = len(raw)
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
                if pos and text[pos - 1] in ALNUM_BYTES:
                    continue  # inside a word
                end = match_key(text, pos, key, skip)
                if end == -1:
                    continue
                if rest:
                    if not family_fits(raw, end, rest):
                        continue
                elif end + 1 < size and raw[end] == 0x2D and 0x41 <= raw[end + 1] <= 0x5A:
                    continue  # "DeepSeek-R1-Distill": a longer name (``family_fits``)
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

    def _family_in(
        self, term: tuple[bytes, tuple[bytes, ...], bytes], first: int, last: int
    ) -> dict[int, list[int]]:
        """Paragraph -> byte offsets of the family word ``term`` in paragraphs ``first..last``.

        Only those paragraphs' bytes are searched: a family word occurs all over
        an episode ("Qwen"), a section is short.
        """
        key, anchors, rest = term
        text, raw, starts = self._bytes, self._raw, self._starts
        low, high = starts[first], starts[last + 1]
        found: dict[int, list[int]] = {}
        find = text.find
        for anchor in anchors:
            skip = len(anchor) if key.startswith(anchor) else 0
            pos = find(anchor, low, high)
            while pos != -1:
                if not (pos and text[pos - 1] in ALNUM_BYTES):
                    end = match_key(text, pos, key, skip)
                    if end != -1 and family_fits(raw, end, rest):
                        index = bisect_right(starts, pos) - 1
                        found.setdefault(index, []).append(pos - starts[index])
                pos = find(anchor, pos + 1, high)
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

    def locate(self, name: str) -> Discussion | None:
        """Where the body discusses the release ``name``; ``None`` if it never does.

        A heading naming another item of the episode before this one opens
        that item's section: its sentences count only where they name this one.
        """
        hits: dict[int, list[int]] = {}
        own_key = b""
        terms = search_terms(name)
        loose = False
        for key, anchors, rest in terms:
            hits = self._hits(key, anchors, rest)
            if hits:
                own_key = key if not rest else key + rest
                loose = key == maker_key(name)
                break
        if not hits:
            return None
        kinds = self._kinds  # every paragraph with a hit is classified
        hits = dict(hits)  # a copy: the cache is shared, and a longer name may take hits
        others: dict[int, list[int]] = {}  # filled for the paragraphs read, as they are
        headings = []
        for i in [i for i in hits if kinds[i] == _HEADING]:
            around = others[i] = self._other_names(i, hits, own_key)
            if i in hits:  # not all taken by a longer name
                headings.append((not _leads(hits[i], around), hits[i][0], i))
        heading: int | None = None
        section: list[int] = []
        shared = False
        if headings:
            # The heading that names the release first ("Phi-4: Microsoft's ...") wins,
            # one naming it before any other item of the episode before all.
            shared, _, heading = min(headings)
            j = heading + 1
            while j < self.count and len(section) < SECTION_PARAGRAPHS and self.kind(j) == _PROSE:
                section.append(j)
                if j not in others:
                    others[j] = self._other_names(j, hits, own_key)
                j += 1
        mentions: dict[int, list[int]] = {}
        # Under its own heading a release is discussed; passing mentions elsewhere
        # would add little and cost as much again.
        for i in sorted(hits) if not section else ():
            if len(mentions) == MENTION_PARAGRAPHS:
                break
            if kinds[i] == _PROSE:
                others[i] = self._other_names(i, hits, own_key)
                if i in hits:
                    mentions[i] = self._char_offsets(i, hits[i])
        if not section and not mentions:
            return None
        if section and own_key == terms[0][0] and len(terms) > 1:
            # Under its own heading the family word names it too ("Qwen shipped ..."
            # under "Qwen Image Edit (20B)").
            family = self._family_in(terms[1], section[0], section[-1])
            for i, offsets in family.items():
                hits[i] = sorted({*hits.get(i, ()), *offsets})
        named = {i: self._char_offsets(i, hits[i]) for i in section if i in hits}
        neighbours = {
            i: self._char_offsets(i, others[i]) for i in (*section, *mentions) if others.get(i)
        }
        return Discussion(heading, section, mentions, named, neighbours, shared, loose)

    def _other_names(self, j: int, hits: dict[int, list[int]], own_key: bytes) -> list[int]:
        """Byte offsets in paragraph ``j`` where other items of the episode are named.

        A name holding this one ("Qwen3-Coder" for "Qwen3") at the same place
        takes that hit from it (``hits`` is updated); one held in it ("Qwen3" in
        "Qwen3-Coder") is not another item.
        """
        keyed = self._keyed
        if keyed is None:
            keyed = self._keyed = self._index_names()
        here = keyed.get(j)
        if not here:
            return []
        own = hits.get(j, ())
        found = []
        taken = []
        for pos, key in here:
            if key == own_key:
                continue
            if pos in own:
                if own_key.startswith(key):
                    continue
                if key.startswith(own_key):
                    taken.append(pos)  # the longer name is meant here
            found.append(pos)
        if taken:
            left = [o for o in own if o not in taken]
            if left:
                hits[j] = left
            else:
                del hits[j]
        return found

    def _index_names(self) -> dict[int, list[tuple[int, bytes]]]:
        """Paragraph -> (byte offset, key) of every item name of the episode, spelled whole."""
        keyed: dict[int, list[tuple[int, bytes]]] = {}
        raw, starts = self._raw, self._starts
        for name in self._names:
            term = _neighbour_term(name)
            if term is None:
                continue
            key, anchors, capital = term
            for index, offsets in self._hits(key, anchors).items():
                at = starts[index]
                here = keyed.get(index)
                if here is None:
                    here = keyed[index] = []
                for o in offsets:
                    # "Gemini" names a product where "gemini" in a word may not.
                    if not capital or raw[at + o] in _CAPITALS:
                        here.append((o, key))
        for found in keyed.values():
            if len(found) > 1:
                found.sort()
        return keyed

    def contains(self, value: str) -> bool:
        """Whether the body holds ``value``, up to case and spacing."""
        plain = " ".join(value.split())
        if plain.isascii() and plain.lower().encode() in self._bytes:
            # Spelled as is: the common case, answered without squashing the whole body
            # (that cost ~10 ms over the ThursdAI feed).  ASCII only: there ``lower``
            # and ``casefold`` agree, and the body's bytes are lower-cased in ASCII.
            return True
        if self._squashed is None:
            self._squashed = " ".join(self._raw.decode("utf-8", "surrogatepass").split()).casefold()
        return plain.casefold() in self._squashed

    def _char_offsets(self, index: int, offsets: list[int]) -> list[int]:
        """Byte offsets in a paragraph as text offsets (they differ after non-ASCII)."""
        raw = self._bytes[self._starts[index] : self._starts[index + 1] - 2]
        if raw.isascii():
            return offsets
        return [len(raw[:o].decode("utf-8", "ignore")) for o in offsets]

    # --- sentences -------------------------------------------------------------

    def sentences(self, index: int) -> list[Sentence]:
        """The sentences of paragraph ``index``, scored, with their facts (computed once)."""
        cached = self._sentences.get(index)
        if cached is None:
            cached = self._sentences[index] = split_sentences(self.paragraph(index))
        return cached

    def passage(self, name: str, limit: int = 4000) -> str:
        """The text discussing ``name`` (heading, section, mentions), for an LLM prompt."""
        found = self.locate(name)
        if found is None:
            return ""
        indices = ([found.heading] if found.heading is not None else []) + found.section
        indices += list(found.mentions)
        text = "\n\n".join(self.paragraph(i) for i in indices)
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]

    def timestamp(self, chapter: Chapter | None) -> str | None:
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

    def heading_facts(self, heading: str) -> list[Fact]:
        cached = self._fact_cache.get(heading)
        if cached is None:
            cached = self._fact_cache[heading] = facts_in(heading)
        return cached


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
def _neighbour_term(name: str) -> tuple[bytes, tuple[bytes, ...], bool] | None:
    """(key, anchors, written with a capital) to find ``name`` as a neighbour by, if any.

    An org named is the maker, not a neighbouring release; a plain lower-case
    word ("waitlist") names no product.
    """
    terms = search_terms(name)
    stripped = name.strip()
    if not terms or terms[0][2] or stripped.casefold() in KNOWN_ORGS:
        return None
    capital = stripped[:1].isupper()
    if not capital and not any(c.isdigit() or c.isupper() for c in stripped):
        return None
    return terms[0][0], terms[0][1], capital


def _leads(own: Sequence[int], others: Sequence[int]) -> bool:
    """Whether the release (at ``own``) is named before any other item (at ``others``)."""
    return not others or (bool(own) and min(own) < min(others))
