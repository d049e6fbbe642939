"""Summarisers: turn each item's show-notes line into a short, faithful summary.

``make_summariser(settings)`` returns the callable the engine runs over a
parsed feed before storing it: the extractive summariser, which copies the
episode's own sentences and reads facts from its text.  The optional LLM
summariser (``bot.summarise.llm``) is used by ``digestbot summarise --llm``.

Importing this package imports nothing else: the CLI loads
``app.summarise_cli`` to build its parser, and lookups must start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.engine import Summariser
    from bot.models import ParsedFeed


def make_summariser(settings: Settings | None = None) -> Summariser | None:
    """The summariser ``ingest`` runs: extractive (fast, offline, deterministic)."""
    return _extractive


def _extractive(feed: ParsedFeed) -> ParsedFeed:
    """The extractive summariser, imported on first use: an unchanged feed never needs it."""
    from bot.summarise.extractive import ExtractiveSummariser

    return ExtractiveSummariser()(feed)


__all__ = ["make_summariser"]
