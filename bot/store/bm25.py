"""FTS5's bm25, computed in Python for a backend without it (``postgres.py``).

The same formula as SQLite's ``bm25(items_fts, 10, 3, 5, 1, 1)``
(``fts5_aux.c``): per phrase of the query, its IDF over the whole table
times a saturating weighted term frequency, with the document length
normalised by the average.  Tokens as FTS5's ``unicode61 remove_diacritics
2`` cuts them: runs of letters and digits, lower case, accents removed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.search import FIELD_WEIGHTS

K1 = 1.2
B = 0.75
_TOKEN = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"(\*?)')


def tokens(text: str | None) -> list[str]:
    """``text`` as FTS5's unicode61 tokenizer reads it."""
    if not text:
        return []
    if text.isascii():  # the common case: nothing to fold
        return _TOKEN.findall(text.lower())
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _TOKEN.findall(plain)


@dataclass(frozen=True)
class Phrase:
    """One quoted phrase of an FTS5 expression."""

    words: tuple[str, ...]
    prefix: bool

    def hits(self, toks: Sequence[str]) -> int:
        """How many times the phrase occurs in ``toks``."""
        n = len(self.words)
        if n == 0:
            return 0
        if n == 1:  # the common case, at C speed
            word = self.words[0]
            if self.prefix:
                return sum(1 for t in toks if t.startswith(word))
            return toks.count(word)
        count = 0
        for start in range(len(toks) - n + 1):
            if all(toks[start + i] == self.words[i] for i in range(n - 1)) and (
                toks[start + n - 1].startswith(self.words[-1])
                if self.prefix
                else toks[start + n - 1] == self.words[-1]
            ):
                count += 1
        return count


def phrases(match: str) -> list[Phrase]:
    """The phrases of an FTS5 expression built by ``bot.store.search.fts_query``."""
    found = []
    for m in _PHRASE.finditer(match):
        words = tuple(w for part in m.group(1).split() for w in tokens(part))
        found.append(Phrase(words, bool(m.group(2))))
    return found


def bm25(
    columns: Sequence[Sequence[str]],
    found: Sequence[Phrase],
    doc_freq: Sequence[int],
    total: int,
    avg_len: float,
) -> float:
    """The bm25 score (positive: higher is better) of one row's tokenised columns."""
    freqs = [
        sum(w * phrase.hits(c) for w, c in zip(FIELD_WEIGHTS, columns, strict=True))
        for phrase in found
    ]
    return score(freqs, sum(len(c) for c in columns), doc_freq, total, avg_len)


def score(
    freqs: Sequence[float], length: int, doc_freq: Sequence[int], total: int, avg_len: float
) -> float:
    """bm25 from each phrase's weighted hit count in a row of ``length`` tokens."""
    result = 0.0
    for freq, df in zip(freqs, doc_freq, strict=True):
        idf = max(math.log((total - df + 0.5) / (df + 0.5)), 1e-6)
        result += idf * (freq * (K1 + 1)) / (freq + K1 * (1 - B + B * length / max(avg_len, 1e-9)))
    return result
