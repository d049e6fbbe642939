"""The scheduling subcommands (``run``, ``subscribe``, ...), registered by ``bot.cli``."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
