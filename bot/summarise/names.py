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
from bot.feeds.names import PRODUCT_FAMILIES
from bot.feeds.orgs import is_known_org

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
def search_terms(name: str) -> tuple[tuple[bytes, tuple[bytes, ...], bytes], ...]:
    """(key, anchors, rest) to look for, as lower-case bytes, best first (cached: names recur).

    ``rest`` is empty for the whole name; for its family word ("qwen" of
    "Qwen3-Coder") it is what the name adds ("3coder"), which a capitalised
    word or a number after the family word must agree with (``family_fits``).

    Every spelling of the name starts with its first run of letters or digits
    ("phi" for "Phi-4", "PHI4", "phi 4").  A run of one or two characters ("o",
    "k", "ai") is too common to search for alone: then the first two runs joined
    by nothing or one separator are searched instead ("o1", "o 1", "o-1").
    """
    terms: list[tuple[bytes, tuple[bytes, ...], bytes]] = []
    full = name_parts(name)[0]
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
            # The first run the key opens with: "hymba" for "hymba15b" of "NVIDIA Hymba 1.5B".
            single = next((seg for seg in segments if key.startswith(seg)), key)
            anchors = (single.encode(),)
        rest = full[len(key) :] if key != full and full.startswith(key) else ""
        terms.append((key.encode(), anchors, rest.encode()))
    return tuple(terms)


def _after_maker(words: list[str]) -> str:
    """The words after the longest known org opening ``words`` ("Nous Research Deep Hermes")."""
    for size in (3, 2):
        if len(words) > size and is_known_org(" ".join(words[:size])):
            return " ".join(words[size:]).strip(" -_/.:")
    return " ".join(words[1:]).strip(" -_/.:")


def _probes(name: str) -> list[str]:
    """Keys to look for: the whole name, then its brand ("Moondream 2" -> "moondream")."""
    key = name_parts(name)[0]
    probes = [key] if len(key) >= 2 else []
    words = _FIRST_WORD.split(name.strip())
    if len(words) > 1 and words[0][:1].isupper():
        family = name_key(_VERSION_SUFFIX.sub("", words[0]))
        # A maker's name is no family word: "Anthropic announced Claude 3.5 Haiku" is not
        # about "Anthropic Computer use" (a maker that is also a family, "Mistral", is).
        # What the maker makes is: "OpenAI Operator" is named by "... unveiled Operator";
        # the maker alone names it loosely, after that (``maker_key``).
        maker = family if family not in PRODUCT_FAMILIES and is_known_org(words[0]) else ""
        if maker:
            product = _after_maker(name.split())
            family = name_key(product) if product[:1].isupper() or product[:1].isdigit() else ""
        if len(family) >= 4 and family != key:
            probes.append(family)
        if len(maker) >= 4 and maker != key:
            probes.append(maker)  # last, and loose: see ``maker_key``
    return probes


@lru_cache(maxsize=4096)
def maker_key(name: str) -> bytes:
    """The key of the maker opening ``name`` ("anthropic" of "Anthropic Computer use"), or b"".

    A sentence naming only the maker may be about any of its releases ("Anthropic
    announced Claude 3.5 Haiku"): it is about this one only when it names no other item.
    """
    words = _FIRST_WORD.split(name.strip())
    if len(words) < 2 or not words[0][:1].isupper() or not is_known_org(words[0]):
        return b""
    maker = name_key(_VERSION_SUFFIX.sub("", words[0]))
    return maker.encode() if maker not in PRODUCT_FAMILIES else b""


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


_CAPITAL_OR_DIGIT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ALNUM_ANY = ALNUM_BYTES | _CAPITAL_OR_DIGIT
_SPACE_OR_HYPHEN = frozenset(b" -")


def family_fits(raw: bytes, end: int, rest: bytes) -> bool:
    """Whether a name (``rest`` empty) or family word ending at ``end`` of ``raw`` is this release.

    "Deep Research" is not "Deep Hermes 24B" and "Qwen 2.5" not "Qwen3-Coder":
    a capitalised word or a number right after the family word names another
    product unless it is how this name goes on (``rest``, lower-cased key).
    A lower-case word ("Qwen's team", "Moondream is") leaves it open.
    """
    size = len(raw)
    if not rest:
        # "DeepSeek-R1-Distill-Qwen" is not "DeepSeek R1": a capitalised word hyphened
        # onto the whole name makes a longer name, another product's.
        return not (end + 1 < size and raw[end] == 0x2D and 0x41 <= raw[end + 1] <= 0x5A)
    j = end
    while j < size and j - end < 2 and raw[j] in _SPACE_OR_HYPHEN:
        j += 1
    if j >= size or raw[j] not in _CAPITAL_OR_DIGIT:
        return True
    k = j
    while k < size and raw[k] in _ALNUM_ANY:
        k += 1
    word = raw[j:k].lower()
    if len(word) > 1 and word[0] == 0x30 and word[1] in _CAPITAL_OR_DIGIT:
        return True  # "Moondream 01-09": a date, not another version
    if word == rest:  # the whole name after all: "DeepSeek-R1", but not "DeepSeek-R1-Distill"
        return family_fits(raw, k, b"")
    return rest.startswith(word) or word.startswith(rest)


def find_name(text: str, name: str) -> int:
    """Offset (in ``text``'s lower-cased UTF-8) where ``text`` names ``name``, or -1.

    Any spelling of the whole name counts ("Phi-4", "PHI4", "phi 4"), and so
    does its family word where what follows does not name another product
    ("Qwen's" for "Qwen3-Coder", not "Qwen 2.5").
    """
    raw = text.encode("utf-8", "surrogatepass")
    lowered = raw.lower()
    for key, anchors, rest in search_terms(name):
        for anchor in anchors:
            skip = len(anchor) if key.startswith(anchor) else 0
            pos = lowered.find(anchor)
            while pos != -1:
                if not (pos and lowered[pos - 1] in ALNUM_BYTES):
                    end = match_key(lowered, pos, key, skip)
                    if end != -1 and family_fits(raw, end, rest):
                        return pos
                pos = lowered.find(anchor, pos + 1)
    return -1


def names_in(text: str, name: str) -> bool:
    """Whether ``text`` names the release ``name`` (or an alias of it, see ``find_name``)."""
    return find_name(text, name) != -1
