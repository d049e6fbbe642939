"""THE TIMELINE HOOK: a family's timeline as a PNG, when the picture renderer is installed.

The picture is drawn by ``bot.timeline`` (branch ``look``: ``timeline_points(store,
family)``, ``render_timeline_png(points, title=...)``, ``timeline_alt_text(points)``,
matplotlib from the ``.[charts]`` extra).  Until both are importable the family
page shows the timeline as an HTML list only (it always does, below the picture),
and ``/family/NAME.png`` answers 404.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache

from bot.archive import FamilyPage
from bot.errors import DigestbotError
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

#: A family gets a picture from this many releases on (one release: the list says it all).
MIN_RELEASES = 2


@lru_cache(maxsize=1)
def timeline_available() -> bool:
    """Whether timeline pictures can be drawn (``bot.timeline`` and matplotlib installed)."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("bot.timeline", "matplotlib"))
    except (ImportError, ValueError):
        return False


def has_picture(page: FamilyPage) -> bool:
    """Whether ``page`` shows a timeline picture."""
    return len(page.releases) >= MIN_RELEASES and timeline_available()


def family_timeline_alt(store: StoreLike, page: FamilyPage) -> str:
    """The picture's alt text: the renderer's own words, else a plain summary."""
    fallback = (
        f"Timeline of the {page.name} family: {len(page.releases)} releases over time,"
        " by show; every mention is listed below."
    )
    if not has_picture(page):
        return fallback
    from bot.timeline import timeline_alt_text, timeline_points

    try:
        return str(timeline_alt_text(timeline_points(store, page.key))) or fallback
    except DigestbotError:
        return fallback


def family_timeline_png(store: StoreLike, page: FamilyPage) -> bytes | None:
    """The family's timeline picture, or None when none can be drawn."""
    if not has_picture(page):
        return None
    from bot.timeline import render_timeline_png, timeline_points

    try:
        points = timeline_points(store, page.key)
        return bytes(render_timeline_png(points, title=f"The {page.name} family"))
    except DigestbotError as exc:  # no dated mentions, matplotlib missing after all
        log.info("no timeline picture for %s: %s", page.key, exc)
        return None
