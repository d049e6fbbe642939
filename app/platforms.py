"""Chat platforms as seen by ``digestbot run`` and ``digestbot post``: runners and sinks.

The Slack and Discord adapters are optional installs.  Each adapter package
(``adapters.slack``, ``adapters.discord``) is cheap to import and exposes::

    def make_runner(commands: Commands, settings: Settings, *, store: StoreLike | None = None)
        -> PlatformRunner | None
        # None when the settings hold no credentials for the platform.

    def make_sink(settings: Settings, *, store: StoreLike | None = None)
        -> AbstractAsyncContextManager[Sink]
        # a sink usable without the chat connection, for `digestbot post`.

``store`` is digestbot's database, for an adapter that keeps state there
(Slack's installations into several workspaces); it is passed when given.

``PLATFORMS`` names them with plain imports, so every arrow into the
adapters is one a reader (and ``tests/test_layers.py``) can see.  Its SDK
loads when one of them is called.  A missing SDK, a broken adapter or a bad
token is logged (``digestbot run``) or reported as a ``ConfigError``
(``digestbot post``); the rest of the bot runs on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import adapters.discord
import adapters.slack
from bot.commands import Commands
from bot.config import Settings
from bot.errors import ConfigError
from bot.sinks import Sink
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)


@runtime_checkable
class PlatformRunner(Protocol):
    """A chat platform connection owned by ``digestbot run``."""

    platform: str

    @property
    def sink(self) -> Sink:
        """Where this platform's scheduled digests are posted."""
        ...

    async def start(self) -> None:
        """Connect (or start connecting in the background); return promptly."""
        ...

    async def stop(self) -> None:
        """Disconnect; called once at shutdown, also after a failed start."""
        ...


RunnerFactory = Callable[..., "PlatformRunner | None"]
SinkOpener = Callable[..., AbstractAsyncContextManager[Sink]]


@dataclass(frozen=True)
class Platform:
    """A chat platform's two entry points, from its adapter package."""

    make_runner: RunnerFactory
    make_sink: SinkOpener


#: The chat platforms, in start-up order.
PLATFORMS: Mapping[str, Platform] = {
    "slack": Platform(adapters.slack.make_runner, adapters.slack.make_sink),
    "discord": Platform(adapters.discord.make_runner, adapters.discord.make_sink),
}


def has_credentials(platform: str, settings: Settings) -> bool:
    """Whether the environment holds the credentials ``platform`` needs to post."""
    if platform == "slack":
        return settings.slack.can_post
    if platform == "discord":
        return settings.discord.can_post
    return False


def _why(platform: str, exc: Exception) -> str:
    """Why ``platform`` is unavailable, for one log line or error message (no secrets)."""
    if isinstance(exc, ImportError):
        return (
            f"the {platform} adapter cannot be loaded ({type(exc).__name__}: {exc});"
            f" install digestbot[{platform}]"
        )
    return f"could not set up {platform} ({type(exc).__name__}: {exc})"


def load_runners(
    commands: Commands,
    settings: Settings,
    *,
    store: StoreLike | None = None,
    platforms: Mapping[str, Platform] = PLATFORMS,
) -> list[PlatformRunner]:
    """A runner for each platform whose credentials are present and whose adapter loads."""
    runners: list[PlatformRunner] = []
    extra = {"store": store} if store is not None else {}
    for platform, entry in platforms.items():
        if not has_credentials(platform, settings):
            continue
        try:
            runner = entry.make_runner(commands, settings, **extra)
        except Exception as exc:  # optional extra not installed, or a broken adapter
            log.error("%s; continuing without %s", _why(platform, exc), platform.capitalize())
            continue
        if runner is not None:
            runners.append(runner)
    return runners


@asynccontextmanager
async def one_shot_sink(
    platform: str,
    settings: Settings,
    *,
    store: StoreLike | None = None,
    platforms: Mapping[str, Platform] = PLATFORMS,
) -> AsyncIterator[Sink]:
    """A sink for one post from the CLI, without serving commands.

    Raises ``ConfigError`` when the platform's credentials or adapter are
    missing, and whatever ``DigestbotError`` the adapter's ``make_sink`` raises
    on opening (a rejected token, the platform out of reach).
    """
    if not has_credentials(platform, settings):
        env = (
            "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
            if platform == "slack"
            else "DISCORD_TOKEN"
        )
        raise ConfigError(f"posting to {platform} needs {env} in the environment")
    try:
        context = platforms[platform].make_sink(
            settings, **({"store": store} if store is not None else {})
        )
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(_why(platform, exc)) from exc
    async with context as sink:
        yield sink
