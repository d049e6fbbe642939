"""Discord adapter: slash commands, embeds and the scheduler's sink, on discord.py.

The adapter only translates: interactions become ``Commands.handle`` calls,
``Reply``/``Digest`` models become embed payloads inside Discord's limits.
"""

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.render import render_digest, render_reply
from adapters.discord.sink import DiscordPostError, DiscordSink

__all__ = [
    "DigestClient",
    "DiscordPostError",
    "DiscordSink",
    "Endpoints",
    "render_digest",
    "render_reply",
]
