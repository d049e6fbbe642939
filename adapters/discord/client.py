"""The Discord client: a ``discord.Client`` that owns the slash-command tree.

It is given the core (``Commands``) rather than built around it; every
command only translates (see ``slash.py``).  Commands sync in
``setup_hook`` (to a development guild when configured, else globally).
The REST and gateway URLs come from settings (see ``endpoints.py``).

Usage (``digestbot run`` does the same in two steps, see ``runner.py``)::

    client = DigestClient.from_settings(commands, settings.discord)
    sink = DiscordSink(client)          # hand to the scheduler
    async with client:
        await client.serve()            # log in, sync the commands, then the gateway
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from pydantic import SecretStr

from adapters.discord.endpoints import Endpoints
from adapters.discord.slash import DigestGroup, DigestTree, Responder, lookup_commands
from bot.commands import Commands
from bot.config import DiscordSettings
from bot.errors import ConfigError

log = logging.getLogger(__name__)


class DigestClient(discord.Client):
    """digestbot on Discord: ``/tldr``, ``/release``, ``/search`` and the admin ``/digest``."""

    def __init__(
        self,
        commands: Commands,
        *,
        endpoints: Endpoints | None = None,
        dev_guild_id: int | None = None,
        token: SecretStr | None = None,
        defer_after: float = 1.5,
        **options: Any,
    ) -> None:
        # Slash commands need no privileged intents; guilds keeps discord.py's cache coherent.
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("max_ratelimit_timeout", 30.0)  # longer waits surface as RateLimited
        super().__init__(**options)
        self.endpoints = endpoints or Endpoints.from_settings(None, None)
        self.dev_guild_id = dev_guild_id
        self.responder = Responder(commands, defer_after=defer_after)
        self.tree = DigestTree(self)
        for command in lookup_commands(self.responder):
            self.tree.add_command(command)
        self.tree.add_command(DigestGroup(self.responder))
        self._token = token
        self._previous_endpoints: Endpoints | None = None

    @classmethod
    def from_settings(
        cls, commands: Commands, settings: DiscordSettings, **options: Any
    ) -> DigestClient:
        """A client configured from ``[discord]`` settings and the environment.

        With ``shard_count`` set, it connects only its ``shard_ids`` (all of them when
        none are named): replicas split a large bot's guilds between them.
        """
        if settings.shard_count is not None:
            ids = list(settings.shard_ids) or list(range(settings.shard_count))
            options.setdefault("shard_count", settings.shard_count)
            if len(ids) == 1:
                options.setdefault("shard_id", ids[0])
            elif cls is DigestClient:
                options.setdefault("shard_ids", ids)
                cls = ShardedDigestClient
        return cls(
            commands,
            endpoints=Endpoints.from_settings(settings.api_url, settings.gateway_url),
            dev_guild_id=settings.dev_guild_id,
            token=settings.token,
            **options,
        )

    async def serve(self, *, reconnect: bool = True) -> None:
        """Log in with the configured token and run until closed."""
        if self._token is None or not self._token.get_secret_value().strip():
            raise ConfigError("DISCORD_TOKEN is not set")
        await self.start(self._token.get_secret_value(), reconnect=reconnect)

    async def login(self, token: str) -> None:
        """Point discord.py at the configured endpoints, then log in."""
        if self._previous_endpoints is None:
            self._previous_endpoints = self.endpoints.apply()
        await super().login(token)

    async def setup_hook(self) -> None:
        """Sync the commands: to the development guild if configured, else globally."""
        guild = discord.Object(id=self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            # e.g. 403 when invited without the applications.commands scope: keep running
            # with whatever was synced before, and say why.
            log.error(
                "could not sync slash commands (%s %s): %s",
                exc.status,
                exc.code,
                exc.text,
            )
            return
        where = f"guild {self.dev_guild_id}" if guild else "globally"
        log.info("synced %d slash commands %s", len(synced), where)

    async def close(self) -> None:
        """Disconnect and give discord.py its previous endpoints back."""
        try:
            await super().close()
        finally:
            if self._previous_endpoints is not None:
                self._previous_endpoints.apply()
                self._previous_endpoints = None

    async def on_ready(self) -> None:
        """Log the connection (never the token)."""
        log.info("connected to Discord as %s", self.user)

    async def on_resumed(self) -> None:
        """Log a resumed gateway session."""
        log.info("Discord gateway session resumed")

    async def on_disconnect(self) -> None:
        """discord.py reconnects (and resumes) by itself unless closing; just note it."""
        log.info("Discord gateway disconnected")


class ShardedDigestClient(DigestClient, discord.AutoShardedClient):
    """``DigestClient`` connecting several shards (``[discord] shard_ids``)."""
