"""Discord adapter: slash commands, embeds and the scheduler's sink, on discord.py.

The adapter only translates: interactions become ``Commands.handle`` calls,
``Reply``/``Digest`` models become embed payloads inside Discord's limits.

- ``client``: ``DigestClient``, the ``discord.Client`` owning the command tree
- ``slash``: the slash commands; ``render``: ``render_digest``/``render_reply``
- ``endpoints``: ``Endpoints``, the REST and gateway URLs discord.py talks to
- ``sink``: ``DiscordSink``, where scheduled digests are posted
- ``runner``: ``DiscordRunner``, Discord as ``digestbot run`` starts and stops it

``make_runner`` and ``make_sink`` are the entry points ``app.platforms``
calls; import anything else from its module.  They import lazily: importing
this package does not load discord.py.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.discord.runner import DiscordRunner
    from adapters.discord.sink import DiscordSink
    from bot.commands import Commands
    from bot.config import Settings
    from bot.store.protocol import StoreLike

__all__ = ["make_runner", "make_sink"]


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
