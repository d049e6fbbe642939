"""Chat platforms as seen by ``digestbot run``: a runner to start and stop, and a ``Sink``.

The Slack and Discord adapters are optional installs and are imported only
here, lazily and defensively: a missing SDK, a broken adapter or a bad token
is logged and the rest of the bot runs on.

What an adapter package is expected to expose (``adapters.slack``,
``adapters.discord``)::

    def make_runner(commands: Commands, settings: Settings) -> PlatformRunner | None
        # None when the settings hold no credentials for the platform.

    def make_sink(settings: Settings) -> AbstractAsyncContextManager[Sink]   # optional
        # a sink usable without the chat connection, for `digestbot post`.

Until they do, the fallbacks below build both from the adapters' current
public pieces (``run_slack`` + ``make_slack_sink``; ``DigestClient`` +
``DiscordSink``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, runtime_checkable

from bot.commands import Commands
from bot.config import Settings
from bot.errors import ConfigError
from bot.sinks import Sink

log = logging.getLogger(__name__)

PLATFORMS = ("slack", "discord")


@runtime_checkable
class PlatformRunner(Protocol):
    """A chat platform connection owned by ``digestbot run``."""

    platform: str
    sink: Sink

    async def start(self) -> None:
        """Connect (or start connecting in the background); return promptly."""
        ...

    async def stop(self) -> None:
        """Disconnect; called once at shutdown, also after a failed start."""
        ...


RunnerFactory = Callable[[Commands, Settings], "PlatformRunner | None"]


def has_credentials(platform: str, settings: Settings) -> bool:
    """Whether the environment holds the credentials ``platform`` needs to post."""
    if platform == "slack":
        return bool(settings.slack.bot_token and settings.slack.bot_token.get_secret_value())
    if platform == "discord":
        return bool(settings.discord.token and settings.discord.token.get_secret_value())
    return False


def _adapter(platform: str) -> Any | None:
    try:
        return importlib.import_module(f"adapters.{platform}")
    except Exception as exc:  # optional extra not installed, or a broken adapter
        log.error(
            "%s credentials are set but the %s adapter cannot be loaded (%s: %s);"
            " install digestbot[%s]. Continuing without %s.",
            platform.capitalize(),
            platform,
            type(exc).__name__,
            exc,
            platform,
            platform.capitalize(),
        )
        return None


def load_runners(commands: Commands, settings: Settings) -> list[PlatformRunner]:
    """A runner for each platform whose credentials are present and whose adapter loads."""
    runners: list[PlatformRunner] = []
    for platform in PLATFORMS:
        if not has_credentials(platform, settings):
            continue
        module = _adapter(platform)
        if module is None:
            continue
        factory: RunnerFactory = getattr(module, "make_runner", None) or _FALLBACKS[platform]
        try:
            runner = factory(commands, settings)
        except Exception as exc:
            log.error(
                "could not set up %s (%s: %s); continuing without it",
                platform,
                type(exc).__name__,
                exc,
            )
            continue
        if runner is not None:
            runners.append(runner)
    return runners


@asynccontextmanager
async def one_shot_sink(
    platform: str, commands: Commands, settings: Settings
) -> AsyncIterator[Sink]:
    """A sink for one post from the CLI, without serving commands.

    Raises ``ConfigError`` when the platform's credentials or adapter are missing.
    """
    if not has_credentials(platform, settings):
        env = "SLACK_BOT_TOKEN" if platform == "slack" else "DISCORD_TOKEN"
        raise ConfigError(f"posting to {platform} needs {env} in the environment")
    module = _adapter(platform)
    if module is None:
        raise ConfigError(f"the {platform} adapter is not available: install digestbot[{platform}]")
    opener: Callable[[Settings], AbstractAsyncContextManager[Sink]] | None = getattr(
        module, "make_sink", None
    )
    if opener is not None:
        async with opener(settings) as sink:
            yield sink
        return
    if platform == "slack":
        from adapters.slack.sink import make_slack_sink

        yield make_slack_sink(settings.slack)
        return
    from adapters.discord import DigestClient, DiscordSink

    client = DigestClient.from_settings(commands, settings.discord)
    token = settings.discord.token
    assert token is not None  # has_credentials checked it
    try:
        await client.login(token.get_secret_value())  # REST only: no gateway for one post
        yield DiscordSink(client)
    finally:
        await client.close()


# --- fallbacks on the adapters' current public pieces ---------------------------------


class _TaskRunner:
    """Runs a platform's serve-forever coroutine as a background task."""

    platform = ""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._task: asyncio.Task[None] | None = None

    def _serve(self) -> Any | None:
        return None

    async def start(self) -> None:
        """Start serving in the background (failures are logged, never fatal)."""
        coro = self._serve()
        if coro is None:
            log.info("%s: posting only (no command connection configured)", self.platform)
            return
        self._task = asyncio.create_task(coro, name=f"digestbot-{self.platform}")
        self._task.add_done_callback(self._report)

    def _report(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("%s stopped: %s: %s", self.platform, type(exc).__name__, exc)

    async def stop(self) -> None:
        """Stop serving."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)


class _SlackRunner(_TaskRunner):
    platform = "slack"

    def __init__(self, commands: Commands, settings: Settings) -> None:
        from adapters.slack.sink import make_slack_sink

        super().__init__(make_slack_sink(settings.slack))
        self._commands = commands
        self._settings = settings

    def _serve(self) -> Any | None:
        from adapters.slack.run import run_slack, slack_mode

        if slack_mode(self._settings.slack) is None:
            return None
        return run_slack(self._commands, self._settings.slack)


class _DiscordRunner(_TaskRunner):
    platform = "discord"

    def __init__(self, commands: Commands, settings: Settings) -> None:
        from adapters.discord import DigestClient, DiscordSink

        self._client = DigestClient.from_settings(commands, settings.discord)
        super().__init__(DiscordSink(self._client))

    def _serve(self) -> Any | None:
        return self._client.serve()

    async def stop(self) -> None:
        """Close the client (ends ``serve``), then the task."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._client.close(), 10)
        await super().stop()


_FALLBACKS: dict[str, RunnerFactory] = {"slack": _SlackRunner, "discord": _DiscordRunner}
