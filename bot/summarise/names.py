"""Finding a release's name in text, in any spelling: "PHI4", "Phi-4" and "phi 4" are one name.

Names are compared on letters and digits only (``name_key``).  Every
spelling of a name starts with the same literal (its *anchor*), found with
``bytes.find``; the rest of the name is then checked byte by byte, letting
a few separators sit between its letters.  Text is searched as lower-cased
UTF-8 bytes: both conversions run in C.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.feeds.clean import name_key

_JOINERS = ("", " ", "-", "\u2011", ".", "&")
_SEGMENTS = re.compile(r"[^\W\d_]+|\d+")
_FIRST_WORD = re.compile(r"[\s\-_/.:]+")
_VERSION_SUFFIX = re.compile(r"[\d.]+$")
_TOKEN_EDGE = "\"'“”‘’()[]#*"


# Bytes that may sit between the letters of a name ("Phi-4", "K2 Thinking",
# "Maya‑1" with a non-breaking hyphen, which is three bytes of UTF-8).
_GAP_BYTES = frozenset(b" -._/'+:&") | frozenset(range(0x80, 0x100))
ALNUM_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")


@lru_cache(maxsize=4096)
def name_parts(name: str) -> tuple[str, str]:
    """The name's key and the literal its spellings start with (cached: names recur)."""
    key = name_key(name)
    return key, _anchor(name, key)


@lru_cache(maxsize=4096)
def search_terms(name: str) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
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
    key = name_parts(name)[0]
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


def match_key(text: bytes, pos: int, key: bytes, skip: int = 0) -> int:
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
    if j < size and text[j] in ALNUM_BYTES:
        if text[j] == 0x73 and (j + 1 >= size or text[j + 1] not in ALNUM_BYTES):  # "s"
            return j + 1
        return -1
    return j
