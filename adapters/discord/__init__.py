"""Discord adapter: slash commands, embeds and the scheduler's sink, on discord.py.

The adapter only translates: interactions become ``Commands.handle`` calls,
``Reply``/``Digest`` models become embed payloads inside Discord's limits.

- ``client``: ``DigestClient``, the ``discord.Client`` owning the command tree
- ``slash``: the slash commands; ``render``: ``render_digest``/``render_reply``
- ``endpoints``: ``Endpoints``, the REST and gateway URLs discord.py talks to
- ``sink``: ``DiscordSink``, where scheduled digests are posted
- ``runner``: ``DiscordRunner``, Discord as ``digestbot run`` starts and stops it

``make_runner`` and ``make_sink`` are the entry points ``bot.schedule.platforms``
calls.  Everything is imported lazily: importing this package does not load
discord.py.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.discord.client import DigestClient
    from adapters.discord.endpoints import Endpoints
    from adapters.discord.render import render_digest, render_reply
    from adapters.discord.runner import DiscordRunner
    from adapters.discord.sink import DiscordSink
    from bot.commands import Commands
    from bot.config import Settings
    from bot.store.protocol import StoreLike

_EXPORTS = {
    "DigestClient": "adapters.discord.client",
    "DiscordRunner": "adapters.discord.runner",
    "DiscordSink": "adapters.discord.sink",
    "Endpoints": "adapters.discord.endpoints",
    "render_digest": "adapters.discord.render",
    "render_reply": "adapters.discord.render",
}

__all__ = [
    "DigestClient",
    "DiscordRunner",
    "DiscordSink",
    "Endpoints",
    "make_runner",
    "make_sink",
    "render_digest",
    "render_reply",
]


def make_runner(
    commands: Commands, settings: Settings, *, store: StoreLike | None = None
) -> DiscordRunner | None:
    """Discord for ``digestbot run``: answers slash commands and posts digests.

    ``None`` when ``DISCORD_TOKEN`` is not set.  Discord keeps nothing in the
    database, so ``store`` is not used.
    """
    from adapters.discord.runner import make_runner as make

    return make(commands, settings)


def make_sink(
    settings: Settings, *, store: StoreLike | None = None
) -> AbstractAsyncContextManager[DiscordSink]:
    """The Discord sink on a REST-only client, for one post from the command line."""
    from adapters.discord.runner import make_sink as make

    return make(settings)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'adapters.discord' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
