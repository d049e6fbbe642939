"""Characters no chat message or terminal line should carry from feed or user text.

Bidirectional controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069
isolates, the LRM/RLM/ALM marks) reorder what follows them: "gpt‮txt.exe"
shows as "gptexe.txt", and a label can be made to read as another link or
another name.  Every renderer (console, Slack, Discord, webhooks) strips them
through ``strip_bidi`` so the rule lives in one place.

Links follow one rule too, ``linkable``: each renderer then encodes what
passes for its own link syntax.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: The bidirectional formatting characters ``strip_bidi`` removes.
BIDI_CONTROLS = frozenset(
    [
        *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
        *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
        0x200E,  # LRM
        0x200F,  # RLM
        0x061C,  # ALM (Arabic letter mark)
    ]
)
_DROP = dict.fromkeys(BIDI_CONTROLS)


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional controls (see the module)."""
    return text.translate(_DROP)


def linkable(url: str | None) -> str | None:
    """``url`` without surrounding white space when it may become a link, else ``None``.

    The rule every renderer applies before its own encoding: an absolute
    http(s) URL with a host and no ``user:password@`` part
    (``https://trusted.example@evil.example/`` reads as one site and opens another).
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # a malformed netloc ("http://[::1") or port
        return None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return url
