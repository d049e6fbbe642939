"""THE TIMELINE HOOK: a family's timeline as a PNG, when a renderer is installed.

The picture is drawn by ``bot.timeline.render_timeline_png`` (branch ``look``,
matplotlib).  Until that module exists this returns None and the family page
shows the timeline as an HTML list only; the page and ``/family/NAME.png``
switch to the picture as soon as it is importable.
"""

from __future__ import annotations

import importlib.util

from bot.archive import FamilyPage


def timeline_available() -> bool:
    """Whether the timeline picture can be drawn (``bot.timeline`` is installed)."""
    try:
        return importlib.util.find_spec("bot.timeline") is not None
    except (ImportError, ValueError):
        return False


def family_timeline_png(page: FamilyPage) -> bytes | None:
    """The family's timeline picture, or None when no renderer is available."""
    try:
        from bot.timeline import render_timeline_png  # type: ignore[import-not-found]
    except ImportError:
        return None
    points = [
        (entry.mention.published[:10], entry.entity_name, entry.show, entry.mention.name)
        for entry in page.timeline
    ]
    png: bytes = render_timeline_png(points)
    return png
