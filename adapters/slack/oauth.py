"""Installing digestbot into several workspaces: slack-bolt's OAuth flow over digestbot's database.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, HTTP mode also serves
slack-bolt's install page (``install_path``, default ``/slack/install``) and
OAuth redirect (``redirect_uri_path``, default ``/slack/oauth_redirect``).  An
install stores the workspace's bot token in digestbot's own SQLite file;
every request from a workspace is then answered with that workspace's token,
and the Slack sink posts a ``slack:TEAM/CHANNEL`` subscription with it.

``SlackInstallations`` and ``OAuthStates`` are slack_sdk's ``AsyncInstallationStore``
and ``AsyncOAuthStateStore`` over ``bot.store.sqlite.Store``, in tables made by
the store's migrations.  (slack_sdk's ``SQLite3InstallationStore`` would also
open the file, but it creates unversioned tables of its own outside the
migrations, never upgrades them when slack_sdk adds columns, opens a
connection per call beside the store's, and runs SQLite on the event loop.)
SQLite work runs in worker threads.  Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings
from bot.errors import ConfigError, DigestbotError
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds an install started on the install page may take to come back.
STATE_SECONDS = 600

#: What a user of a workspace digestbot has no installation for is told.
NOT_INSTALLED = (
    "Sorry, digestbot is not installed in this Slack workspace (or its installation was lost)."
    " A workspace admin can install it from digestbot's install page."
)


def _key(value: str | None) -> str:
    return value or ""


def _from_json(cls: type[T], text: str) -> T:
    """An ``Installation``/``Bot`` from its stored ``__dict__``, ignoring fields it lacks."""
    data = json.loads(text)
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in data.items() if k in accepted})


class SlackInstallations(AsyncInstallationStore):
    """Installations and bot tokens per workspace, in digestbot's database.

    The newest installation of a workspace wins.  Rows are scoped by the
    app's ``client_id``, so one database can serve two Slack apps (say a
    staging app and the real one).  The synchronous methods may be called
    from any thread; the ``async_`` ones run them in a worker thread.
    """

    def __init__(self, store: StoreLike, client_id: str) -> None:
        self._store = store
        self._tables = store.slack_tables()
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    # --- synchronous -------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        """Store ``installation`` (replacing that user's earlier one) and its bot."""
        team = _key(None if installation.is_enterprise_install else installation.team_id)
        self._tables.save_installation(
            self.client_id,
            _key(installation.enterprise_id),
            team,
            _key(installation.user_id),
            float(installation.installed_at),
            json.dumps(vars(installation)),
            _bot_row(installation.to_bot()) if installation.bot_token is not None else None,
        )
        log.info(
            "slack: installed in workspace %s (%s)",
            installation.team_id or installation.enterprise_id,
            installation.team_name or installation.enterprise_name or "no name",
        )

    def save_bot(self, bot: Bot) -> None:
        """Store a workspace's bot (after an install, or a token rotation)."""
        self._tables.save_bot(self.client_id, *_bot_row(bot))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's bot, or ``None`` when digestbot is not installed there."""
        team = None if is_enterprise_install else team_id
        found = self._tables.find_bot(self.client_id, _key(enterprise_id), _key(team))
        return _from_json(Bot, found) if found is not None else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The workspace's newest installation (or ``user_id``'s), with the current bot token."""
        team = None if is_enterprise_install else team_id
        found = self._tables.find_installation(
            self.client_id, _key(enterprise_id), _key(team), user_id
        )
        if found is None:
            return None
        installation = _from_json(Installation, found)
        bot = self.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is not None and bot.bot_token != installation.bot_token:
            installation.bot_id = bot.bot_id
            installation.bot_user_id = bot.bot_user_id
            installation.bot_token = bot.bot_token
            installation.bot_scopes = bot.bot_scopes
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's bot (its token was revoked)."""
        self._tables.delete_bot(self.client_id, _key(enterprise_id), _key(team_id))

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget a workspace's installations (or ``user_id``'s)."""
        self._tables.delete_installation(
            self.client_id, _key(enterprise_id), _key(team_id), user_id
        )

    def bot_token(self, team_id: str) -> str | None:
        """The bot token of workspace ``team_id``, or ``None`` when not installed there."""
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    # --- the AsyncInstallationStore protocol ---------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        await _off_loop(self.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await _off_loop(self.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            lambda: self.find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            lambda: self.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await _off_loop(lambda: self.delete_bot(enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await _off_loop(
            lambda: self.delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        )

    async def async_bot_token(self, team_id: str) -> str | None:
        """``bot_token`` off the event loop (what ``SlackSink`` asks)."""
        return await asyncio.to_thread(self.bot_token, team_id)


def _bot_row(bot: Bot) -> tuple[str, str, float, str]:
    """A bot's key, install time and JSON, as ``SlackTables`` stores them."""
    return (
        _key(bot.enterprise_id),
        _key(None if bot.is_enterprise_install else bot.team_id),
        float(bot.installed_at),
        json.dumps(vars(bot)),
    )


async def _off_loop(call: Callable[..., None], *args: Any) -> None:
    """Run a write in a worker thread; a database failure becomes the ``BoltError`` bolt expects."""
    try:
        await asyncio.to_thread(call, *args)
    except DigestbotError as exc:
        raise BoltError(f"could not store the Slack installation: {exc}") from exc


class OAuthStates(AsyncOAuthStateStore):
    """The ``state`` of each install in progress: issued once, used once, gone after expiry."""

    def __init__(
        self,
        store: StoreLike,
        *,
        expiration_seconds: int = STATE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.expiration_seconds = expiration_seconds
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self) -> str:
        """A new random state, valid for ``expiration_seconds``."""
        state = secrets.token_urlsafe(24)
        now = self._clock()
        self._store.slack_tables().issue_state(state, now, now + self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        """Whether ``state`` was issued here and has not expired; it cannot be used again."""
        return self._store.slack_tables().consume_state(state, self._clock())

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.issue)

    async def async_consume(self, state: str) -> bool:
        try:
            return await asyncio.to_thread(self.consume, state)
        except DigestbotError as exc:
            log.warning("slack: could not check an install's state: %s", exc)
            return False


def oauth_kwargs(
    settings: SlackSettings, store: StoreLike | None, client: AsyncWebClient
) -> dict[str, Any]:
    """The ``AsyncApp`` arguments for installs into several workspaces.

    ``client`` (on ``SLACK_API_URL``) is the app's client: each request gets
    a copy carrying its workspace's bot token, checked once per token with
    ``auth.test``.  Codes (and rotated tokens) are exchanged at
    ``oauth.v2.access`` through a client of its own, whose logger never shows
    response bodies: they hold the new bot token.  Raises ``ConfigError``
    without a database.
    """
    if store is None:
        raise ConfigError("installing Slack into several workspaces needs digestbot's database")
    if settings.client_id is None or settings.client_secret is None:
        raise ConfigError(
            "installing Slack into several workspaces needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
        )
    client_id = settings.client_id.strip()
    client_secret = settings.client_secret.get_secret_value().strip()
    installations = SlackInstallations(store, client_id)
    oauth_settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(settings.scopes),
        user_scopes=[],
        install_path=settings.install_path,
        redirect_uri_path=settings.redirect_uri_path,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=OAuthStates(store),
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )
    exchange = AsyncWebClient(
        base_url=client.base_url,
        retry_handlers=list(client.retry_handlers),
        logger=_quiet_logger(),
    )
    return {
        "oauth_flow": AsyncOAuthFlow(client=exchange, logger=log, settings=oauth_settings),
        "installation_store": installations,
        "installation_store_bot_only": True,
        "authorize": AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=installations,
            client_id=client_id,
            client_secret=client_secret,
            bot_only=True,
            cache_enabled=True,
            client=exchange,  # only for token rotation, which calls oauth.v2.access too
        ),
        "user_facing_authorize_error_message": NOT_INSTALLED,
    }


def _quiet_logger() -> logging.Logger:
    """A logger for the code-exchange client that drops slack_sdk's request/response dumps."""
    quiet = logging.getLogger(f"{__name__}.exchange")
    quiet.setLevel(logging.INFO)  # slack_sdk builds its dumps only when this is DEBUG or lower
    return quiet
