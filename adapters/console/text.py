"""Terminal-safe text: what every console rendering passes feed text through.

Apart from ``render`` (which imports the pydantic models) so that the lookups a
process answers without them (``lookup_render``) render the same way.
"""

from __future__ import annotations

import re

from bot.safetext import strip_bidi

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WIDTH = 100


def safe(text: str) -> str:
    """Text without control characters (terminal escapes) or bidirectional overrides."""
    return strip_bidi(_CONTROL.sub("", text))


def date_of(item_or_ref: object) -> str:
    """The ``published`` date of an item or episode as YYYY-MM-DD, or "undated"."""
    published = getattr(item_or_ref, "published", None)
    return published.date().isoformat() if published else "undated"
