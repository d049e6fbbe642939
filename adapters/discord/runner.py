"""Discord as ``digestbot run`` and ``digestbot post`` see it: a runner and a sink.

``make_runner`` gives the scheduler a ``DiscordRunner``: ``start`` logs in
over REST (the bot user, then the slash-command sync) and leaves the gateway
connection to a background task, which reconnects by itself; its ``sink``
posts digests through the same client.  ``make_sink`` logs a REST-only
client in, for one post from the command line: no gateway, no command sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.sink import DiscordSink
from bot.commands import Commands
from bot.config import DiscordSettings, Settings
from bot.errors import ConfigError
from bot.sinks import PostError
from bot.tasks import log_failure

log = logging.getLogger(__name__)

#: Seconds to log in (and sync the commands) before giving up on Discord for this run.
LOGIN_TIMEOUT = 30.0
#: Seconds to wait for the client to close.
STOP_TIMEOUT = 10.0


class DiscordRunner:
    """Posts digests to Discord and answers its slash commands."""

    platform = "discord"

    def __init__(self, commands: Commands, settings: DiscordSettings) -> None:
        self._token = _token(settings)
        self.client = DigestClient.from_settings(commands, settings)
        self.sink = DiscordSink(self.client)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in, then connect to the gateway in the background.

        Raises what logging in raised: ``discord.LoginFailure`` for a bad
        token, ``TimeoutError`` after ``LOGIN_TIMEOUT`` s.
        """
        await asyncio.wait_for(self.client.login(self._token), LOGIN_TIMEOUT)
        self._task = asyncio.create_task(
            self.client.connect(reconnect=True), name="digestbot-discord"
        )
        self._task.add_done_callback(
            log_failure(log, "discord gateway", "scheduled posts still go out")
        )

    async def stop(self) -> None:
        """Close the client (which ends the gateway task)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.close(), STOP_TIMEOUT)
        task, self._task = self._task, None
        if task is None:
            return
        _, pending = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
        for late in pending:
            late.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await late


def make_runner(commands: Commands, settings: Settings) -> DiscordRunner | None:
    """A ``DiscordRunner``, or ``None`` when ``DISCORD_TOKEN`` is not set."""
    if not settings.discord.can_post:
        return None
    return DiscordRunner(commands, settings.discord)


@asynccontextmanager
async def make_sink(settings: Settings) -> AsyncIterator[DiscordSink]:
    """A Discord sink on a REST-only client, for ``digestbot post``.

    Raises ``ConfigError`` for a missing or rejected token, ``PostError``
    when Discord cannot be reached.
    """
    token = _token(settings.discord)
    endpoints = Endpoints.from_settings(settings.discord.api_url, settings.discord.gateway_url)
    client = discord.Client(
        intents=discord.Intents.none(),
        allowed_mentions=discord.AllowedMentions.none(),
        max_ratelimit_timeout=30.0,
    )
    previous = endpoints.apply()
    try:
        try:
            await asyncio.wait_for(client.login(token), LOGIN_TIMEOUT)
        except discord.LoginFailure:
            raise ConfigError("Discord rejected the bot token: check DISCORD_TOKEN") from None
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostError(f"could not log in to Discord ({type(exc).__name__})") from exc
        yield DiscordSink(client)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), STOP_TIMEOUT)
        previous.apply()


def _token(settings: DiscordSettings) -> str:
    token = settings.token.get_secret_value().strip() if settings.token else ""
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set")
    return token
