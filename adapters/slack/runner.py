"""Slack as ``digestbot run`` and ``digestbot post`` see it: a runner and a sink.

``make_runner`` gives the scheduler a ``SlackRunner``: its ``sink`` posts
digests through the Web API, and ``start`` serves slash commands in the
background (Socket Mode or HTTP mode, see ``run.py``).  A Slack app with a
bot token only posts.  ``make_sink`` opens the sink alone, for one post from
the command line.  Installs into several workspaces (``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET``) keep their bot tokens in digestbot's database, the
``store`` both are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.slack.app import CommandHandler, SlackBot
from adapters.slack.run import SlackHttpServer, run_slack, slack_mode
from adapters.slack.sink import SlackSink, make_slack_sink
from bot.config import Settings, SlackSettings
from bot.store.protocol import StoreLike
from bot.tasks import log_failure

log = logging.getLogger(__name__)

#: Seconds ``start`` waits for the command connection before leaving it to connect in the
#: background; ``stop`` waits as long for it to close.
START_TIMEOUT = 10.0


class SlackRunner:
    """Posts digests to Slack and, when configured, serves its slash commands."""

    platform = "slack"

    def __init__(
        self, commands: CommandHandler, settings: SlackSettings, *, store: StoreLike | None = None
    ) -> None:
        self.sink: SlackSink = make_slack_sink(settings, store=store)
        self._commands = commands
        self._settings = settings
        self._store = store
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        #: The HTTP-mode port once listening (``SLACK_PORT=0`` picks a free one).
        self.port: int | None = None

    async def start(self) -> None:
        """Start serving commands; in HTTP mode, return once listening.

        A command connection that fails is logged; posting goes on regardless.
        """
        mode = slack_mode(self._settings)
        if mode is None:
            need = (
                "SLACK_SIGNING_SECRET"
                if self._settings.oauth_enabled
                else "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET"
            )
            log.info("slack: posting only (commands need %s)", need)
            return
        self._task = asyncio.create_task(
            run_slack(
                self._commands,
                self._settings,
                host=self._settings.host,
                store=self._store,
                on_ready=self._on_ready,
            ),
            name="digestbot-slack",
        )
        self._task.add_done_callback(
            log_failure(log, "slack commands", "scheduled posts still go out")
        )
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait(
                {ready, self._task}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if not self._ready.is_set() and not self._task.done():
            log.warning("slack: %s mode is still connecting; carrying on", mode)

    def _on_ready(self, bot: SlackBot, server: SlackHttpServer | None) -> None:
        self.port = server.port if server is not None else None
        self._ready.set()

    async def stop(self) -> None:
        """Stop serving commands (replies in flight get a moment to finish)."""
        task, self._task = self._task, None
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, START_TIMEOUT)


def make_runner(
    commands: CommandHandler, settings: Settings, *, store: StoreLike | None = None
) -> SlackRunner | None:
    """A ``SlackRunner``, or ``None`` when neither a bot token nor OAuth installs are set up."""
    if not settings.slack.can_post:
        return None
    return SlackRunner(commands, settings.slack, store=store)


@asynccontextmanager
async def make_sink(
    settings: Settings, *, store: StoreLike | None = None
) -> AsyncIterator[SlackSink]:
    """The Slack sink alone (no command connection), for ``digestbot post``."""
    yield make_slack_sink(settings.slack, store=store)
