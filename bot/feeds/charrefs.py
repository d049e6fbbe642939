"""Numeric character references that no parser should see, mended in the raw bytes.

Real feeds write an emoji as two UTF-16 surrogate references
(``&#xD83D;&#xDE00;``), and hostile ones write ``&#xD800;``, ``&#x110000;`` or
``&#99999999999999999999;``.  feedparser turns such a reference into a
surrogate or calls ``chr()`` out of range, and the whole feed fails with a
traceback on every poll.  References that XML forbids (``&#1;``, ``&#xFFFE;``)
are harmless but push the whole feed onto feedparser's slower loose parser.

``repair_char_refs`` runs once over the bytes, before parsing, in linear time:

* a high surrogate reference followed at once by a low one becomes the one
  character they spell (``&#x1F600;``);
* a lone surrogate, ``&#0;`` and anything past U+10FFFF become U+FFFD;
* references to C0 controls (bar tab, newline, carriage return) and to the
  non-characters U+FFFE/U+FFFF are dropped: nothing shows them.

Replacements are references again, never raw bytes, so a feed in any
ASCII-compatible encoding stays valid.  Everything else is left as it was.
"""

from __future__ import annotations

import re

# Any decimal or hexadecimal reference; the semicolon is optional in HTML (and
# in feedparser's loose parser).  Digit runs are unbounded on purpose: the value
# is judged by length first, never converted when absurdly long.
_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")
# Only references that can be wrong get a Python call: hex or decimal values that
# may be a surrogate (D800-DFFF = 55296-57343), a non-character (FFFE, FFFF), past
# U+10FFFF (6+ hex or 7+ decimal digits), or a control (0-1F = 0-31).
_SUSPECT = re.compile(
    rb"&#(?:[xX]0*(?:[dDfF][0-9a-fA-F]{3}|[0-9a-fA-F]{6,}|1?[0-9a-fA-F])(?![0-9a-fA-F])"
    rb"|0*(?:5[5-7][0-9]{3}|6553[45]|[0-9]{7,}|[0-2]?[0-9]|3[01])(?![0-9]))"
)
_REPLACEMENT = b"&#xFFFD;"
_KEPT_CONTROLS = frozenset({0x09, 0x0A, 0x0D})
_MAX_DIGITS = 8  # longer than any code point even in decimal (1114111 has 7)


def _value(match: re.Match[bytes]) -> int:
    """The code point a reference names, or -1 when it is far out of range."""
    hex_digits, dec_digits = match.group(1), match.group(2)
    digits = (hex_digits or dec_digits).lstrip(b"0") or b"0"
    if len(digits) > _MAX_DIGITS:
        return -1
    return int(digits, 16 if hex_digits else 10)


def _is_high(value: int) -> bool:
    return 0xD800 <= value <= 0xDBFF


def _is_low(value: int) -> bool:
    return 0xDC00 <= value <= 0xDFFF


def _fixed(value: int) -> bytes | None:
    """What a reference to ``value`` becomes, or ``None`` to leave it alone."""
    if value < 0 or value == 0 or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return _REPLACEMENT
    if (value < 0x20 and value not in _KEPT_CONTROLS) or value in (0xFFFE, 0xFFFF):
        return b""
    return None


def repair_char_refs(data: bytes) -> bytes:
    """``data`` with every broken numeric character reference mended (see the module)."""
    if b"&#" not in data:
        return data
    parts: list[bytes] = []
    pos = 0
    skip_to = -1  # the end of a low surrogate already joined to its high half
    for suspect in _SUSPECT.finditer(data):
        if suspect.start() < skip_to:
            continue
        match = _REF.match(data, suspect.start())
        if match is None:  # cannot happen: every suspect is a reference
            continue
        value = _value(match)
        if _is_high(value):
            after = _REF.match(data, match.end())
            if after is not None and _is_low(_value(after)):
                joined = 0x10000 + ((value - 0xD800) << 10) + (_value(after) - 0xDC00)
                parts += (data[pos : match.start()], b"&#x%X;" % joined)
                pos = skip_to = after.end()
                continue
        replacement = _fixed(value)
        if replacement is not None:
            parts += (data[pos : match.start()], replacement)
            pos = match.end()
    if not parts:
        return data
    parts.append(data[pos:])
    return b"".join(parts)
