"""Point discord.py at a configurable REST base URL and gateway URL.

discord.py 2.x reads both from class attributes: every REST call (and the
interaction-callback and webhook routes, which share ``Route``) is built
from ``discord.http.Route.BASE``, and a non-sharded ``Client`` opens its
first gateway connection at ``DiscordWebSocket.DEFAULT_GATEWAY`` (it does
not ask ``GET /gateway/bot``; READY's ``resume_gateway_url`` is used for
resumes).  The library itself changes ``Route.BASE`` this way when the API
version is set, so setting these two attributes is the supported lever.

They are process-wide: one process talks to one Discord (or one
stand-in/proxy) at a time.  ``Endpoints.apply`` returns the previous
values so a client can put them back when it closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.errors import ConfigError

DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


@dataclass(frozen=True)
class Endpoints:
    """A REST base (``.../api/v10``) and a gateway websocket URL."""

    api_url: str
    gateway_url: str

    @classmethod
    def current(cls) -> Endpoints:
        """The endpoints discord.py uses right now."""
        return cls(api_url=Route.BASE, gateway_url=str(DiscordWebSocket.DEFAULT_GATEWAY))

    @classmethod
    def from_settings(cls, api_url: str | None, gateway_url: str | None) -> Endpoints:
        """Configured endpoints, each falling back to Discord's own; validated."""
        api = (api_url or DISCORD_API_URL).rstrip("/")
        gateway = gateway_url or DISCORD_GATEWAY_URL
        if yarl.URL(api).scheme not in ("http", "https"):
            raise ConfigError(f"DISCORD_API_URL must be an http(s) URL, got {api!r}")
        if yarl.URL(gateway).scheme not in ("ws", "wss"):
            raise ConfigError(f"DISCORD_GATEWAY_URL must be a ws(s) URL, got {gateway!r}")
        return cls(api_url=api, gateway_url=gateway)

    def apply(self) -> Endpoints:
        """Make discord.py use these endpoints; return the ones they replace."""
        previous = Endpoints.current()
        Route.BASE = self.api_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        return previous
