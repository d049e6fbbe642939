"""Finding releases: safe FTS5 queries and a forgiving name index.

``fts_query`` turns any user text (quotes, FTS operators, 10,000 characters,
nothing at all) into a valid FTS5 expression of quoted words.  ``NameIndex``
resolves a release name robustly to case, punctuation and typos: exact key,
then key prefix, then fuzzy (rapidfuzz) over the keys sharing the first
letter, then over all keys.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.feeds.clean import name_key

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 24
FUZZY_CUTOFF = 72.0


def query_words(text: str) -> list[str]:
    """The words of a user's query (any text: quotes and FTS syntax are just characters)."""
    return [w.casefold() for w in _WORD.findall(text[:2000])[:MAX_QUERY_WORDS]]


def fts_query(words: list[str], *, prefix: bool = False, any_word: bool = False) -> str | None:
    """A safe FTS5 MATCH expression for ``words``; ``None`` when there are none.

    Every word is quoted, so AND, NEAR, ``*``, ``:`` and quotes are plain text.
    ``prefix`` lets the last word match as a prefix ("paperl" finds PaperLens).
    """
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    if prefix:
        quoted[-1] = f"{quoted[-1]}*"
    return (" OR " if any_word else " ").join(quoted)


#: Field weights, as for bm25 in the store: a word in the name counts most.
FIELD_WEIGHTS = (10.0, 3.0, 5.0, 1.0, 1.0)  # name, org, headline, summary, section


def field_score(words: list[str], fields: tuple[str | None, ...], *, prefix: bool) -> float:
    """A relevance score for one item: weighted count of query words found per field.

    Used instead of bm25 when a query matches more items than can be ranked
    quickly; every candidate then holds every word (AND), so the words' rarity
    would not change the order, only where they occur does.
    """
    score = 0.0
    for weight, text in zip(FIELD_WEIGHTS, fields, strict=True):
        if not text:
            continue
        tokens = _WORD.findall(text.casefold())
        for i, word in enumerate(words):
            last = prefix and i == len(words) - 1
            hits = sum(1 for t in tokens if t == word or (last and t.startswith(word)))
            if hits:
                score += weight * (1.0 + min(hits, 3) / (hits + 1.2))
    return score


@dataclass(frozen=True)
class NameEntry:
    """One distinct release name."""

    key: str
    name: str
    newest: str  # ISO date of its newest mention, "" when unknown


class NameIndex:
    """Distinct release names, for lookups and autocomplete."""

    def __init__(self, entries: list[NameEntry]) -> None:
        self._by_key = {e.key: e for e in entries}
        self._keys = sorted(self._by_key)
        self._by_first: dict[str, list[str]] = {}
        for key in self._keys:
            self._by_first.setdefault(key[:1], []).append(key)
        self._recent = sorted(entries, key=lambda e: e.newest, reverse=True)

    def __len__(self) -> int:
        return len(self._keys)

    def resolve(self, query: str) -> list[str]:
        """Keys that ``query`` names, best first (empty when nothing is close)."""
        key = name_key(query)
        if not key:
            return []
        if key in self._by_key:
            return [key]
        prefixed = self._prefixed(key, 10)
        if prefixed:
            return sorted(prefixed, key=len)
        for pool in (self._by_first.get(key[:1], []), self._keys):
            found = process.extract(
                key, pool, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF
            )
            if found:
                return [k for k, _, _ in found]
        return []

    def nearest(self, query: str, limit: int = 5) -> list[str]:
        """Display names closest to ``query``, for "did you mean" replies."""
        key = name_key(query)
        if not key or not self._keys:
            return []
        found = process.extract(key, self._keys, scorer=fuzz.WRatio, limit=limit)
        return [self._by_key[k].name for k, _, _ in found]

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Names for autocomplete: prefix matches, most recent first, then fuzzy ones."""
        key = name_key(prefix)
        if not key:
            return [e.name for e in self._recent[:limit]]
        picked = self._prefixed(key, 500)
        picked.sort(key=lambda k: self._by_key[k].newest, reverse=True)
        out = picked[:limit]
        if len(out) < limit:
            pool = self._by_first.get(key[:1], [])
            for k, _, _ in process.extract(
                key, pool, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=FUZZY_CUTOFF
            ):
                if k not in out:
                    out.append(k)
                if len(out) >= limit:
                    break
        return [self._by_key[k].name for k in out]

    def _prefixed(self, key: str, limit: int) -> list[str]:
        start = bisect_left(self._keys, key)
        out = []
        for k in self._keys[start : start + limit]:
            if not k.startswith(key):
                break
            out.append(k)
        return out
