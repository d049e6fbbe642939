"""Start the Slack app: Socket Mode, or HTTP mode at ``/slack/events``.

Socket Mode is used when ``SLACK_APP_TOKEN`` is set (no public URL needed);
HTTP mode when ``SLACK_SIGNING_SECRET`` is set and ``SLACK_APP_TOKEN`` is
not, listening on ``SLACK_PORT`` (default 3000; ``SLACK_HOST``, default
0.0.0.0, for ``digestbot run``).  In HTTP mode slack-bolt verifies every
request's signature and timestamp (``replay.py``): a bad or missing signature,
a timestamp more than five minutes off, or a request already received (a
replay) gets 401 and does nothing.

Installs into several workspaces (``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` set) use HTTP mode, which then also serves
slack-bolt's install page and OAuth redirect (``SlackSettings.install_path``
and ``redirect_uri_path``) next to ``/slack/events``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Literal

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp

from adapters.slack.app import CommandHandler, SlackBot, make_web_client
from bot.config import SlackSettings
from bot.errors import ConfigError
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

#: Where Slack sends commands and button clicks in HTTP mode.
EVENTS_PATH = "/slack/events"

Mode = Literal["socket", "http"]


def slack_mode(settings: SlackSettings) -> Mode | None:
    """Which mode the settings call for, or ``None`` when Slack is not configured.

    Installs into several workspaces need HTTP mode (the install page and the
    OAuth redirect are web pages), so they take it whenever the signing
    secret is set.
    """
    if settings.oauth_enabled:
        return "http" if settings.signing_secret else None
    if not settings.bot_token:
        return None
    if settings.app_token:
        return "socket"
    if settings.signing_secret:
        return "http"
    return None


class SlackHttpServer:
    """slack-bolt's aiohttp server for an ``AsyncApp``, started inside a running loop."""

    def __init__(self, app: AsyncApp, *, host: str = "0.0.0.0", port: int = 3000) -> None:
        self._server = AsyncSlackAppServer(port=port, path=EVENTS_PATH, app=app, host=host)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        """Listen (``port=0`` picks a free port, then available as ``.port``)."""
        runner = web.AppRunner(self._server.web_app, access_log=None)
        await runner.setup()
        sock = socket.create_server((self._host, self._port), reuse_port=False)
        self.port = int(sock.getsockname()[1])
        await web.SockSite(runner, sock).start()
        self._runner = runner
        log.info("Slack HTTP mode listening on %s:%d%s", self._host, self.port, EVENTS_PATH)
        flow = self._server.bolt_app.oauth_flow
        if flow is not None:
            log.info(
                "Slack installs: %s (install page), %s (OAuth redirect)",
                flow.install_path,
                flow.redirect_uri_path,
            )

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def run_slack(
    commands: CommandHandler,
    settings: SlackSettings,
    *,
    host: str = "0.0.0.0",
    store: StoreLike | None = None,
    executor: Executor | None = None,
    on_ready: Callable[[SlackBot, SlackHttpServer | None], None] | None = None,
) -> None:
    """Serve Slack until cancelled, in the mode the settings call for.

    Raises ``ConfigError`` when the tokens for neither mode are set.
    ``store`` is digestbot's database, needed for installs into several
    workspaces.  ``on_ready`` is called once listening (with the HTTP server,
    or ``None`` in Socket Mode).
    """
    mode = slack_mode(settings)
    if mode is None:
        if settings.oauth_enabled:
            raise ConfigError(
                "installing Slack into several workspaces (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET)"
                " needs SLACK_SIGNING_SECRET: it uses HTTP mode"
            )
        raise ConfigError(
            "Slack needs SLACK_BOT_TOKEN and either SLACK_APP_TOKEN (Socket Mode) "
            "or SLACK_SIGNING_SECRET (HTTP mode)"
        )
    if settings.oauth_enabled and settings.app_token:
        log.warning("slack: SLACK_APP_TOKEN is not used: installs into several workspaces use HTTP")
    bot = SlackBot(commands, settings, store=store, executor=executor)
    try:
        if mode == "socket":
            await _serve_socket_mode(bot, settings, on_ready)
        else:
            await _serve_http(bot, settings, host, on_ready)
    finally:
        await bot.drain()
        bot.seen.close()


async def _serve_socket_mode(
    bot: SlackBot,
    settings: SlackSettings,
    on_ready: Callable[[SlackBot, SlackHttpServer | None], None] | None,
) -> None:
    assert settings.app_token is not None
    handler = AsyncSocketModeHandler(
        bot.app,
        settings.app_token.get_secret_value(),
        web_client=make_web_client(settings, with_token=False),
    )
    await handler.connect_async()  # type: ignore[no-untyped-call,unused-ignore]
    log.info("Slack Socket Mode connected")
    try:
        if on_ready:
            on_ready(bot, None)
        await asyncio.Event().wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call,unused-ignore]


async def _serve_http(
    bot: SlackBot,
    settings: SlackSettings,
    host: str,
    on_ready: Callable[[SlackBot, SlackHttpServer | None], None] | None,
) -> None:
    server = SlackHttpServer(bot.app, host=host, port=settings.port)
    await server.start()
    try:
        if on_ready:
            on_ready(bot, server)
        await asyncio.Event().wait()
    finally:
        await server.stop()
