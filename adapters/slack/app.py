"""The slack-bolt app: slash commands and the "Share in channel" button.

Listeners only translate: a slash command becomes ``Commands.handle(name,
text, CommandContext)``, the ``Reply`` becomes Block Kit (``render.py``).

Slack wants an answer within 3 seconds.  The core runs in a worker thread
(it is synchronous, SQLite); when it answers within ``reply_budget``
seconds the reply goes back in the acknowledgement itself (one round trip),
otherwise the command is acknowledged with "working on it" and the reply
follows through ``respond`` (the command's response_url).  Replies that need
several messages (a long digest) are always sent through ``respond`` in
order.  Lookup replies are ephemeral, with a button to share them in the
channel.

With one workspace the app uses the bot token (``SLACK_BOT_TOKEN``).  With
installs into several workspaces (``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET``,
see ``oauth.py``) each request is authorised with its workspace's token from
the installation store, so admin checks and replies work per workspace; a
workspace without an installation gets a polite refusal.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.oauth import oauth_kwargs
from adapters.slack.render import (
    MAX_BLOCKS,
    SHARE_ACTION_ID,
    SHAREABLE_COMMANDS,
    Message,
    Share,
    context,
    render_reply,
    text_of,
)
from adapters.slack.replay import ReplayGuard, SeenSignatures, seen_store
from bot.commands import CommandContext
from bot.config import SlackSettings
from bot.errors import ConfigError
from bot.models import ImageReply, Reply, TextReply
from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

#: The slash commands the app answers (the manifest declares exactly these).
SLASH_COMMANDS = ("tldr", "release", "search", "timeline", "digest", "watch", "changes")
#: Seconds to wait for the core before acknowledging without the reply.
DEFAULT_REPLY_BUDGET = 2.0
#: Seconds after which a slow reply is given up and the user told so.
DEFAULT_REPLY_TIMEOUT = 120.0
#: How often a response_url may be used (Slack's limit).
MAX_RESPONSES = 5
#: How long a users.info admin answer is trusted.
ADMIN_CACHE_SECONDS = 300.0

_FAILED = TextReply(
    text="Sorry, something went wrong on my side. Please try again later.", error=True
)
_TIMED_OUT = TextReply(text="Sorry, that took too long. Please try again later.", error=True)


class CommandHandler(Protocol):
    """What the app needs from the core: ``bot.commands.Commands`` fits."""

    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        """Run ``command`` with ``text``; user mistakes come back as error replies."""
        ...


def _may_need_admin(watch_text: str) -> bool:
    """Whether ``/watch`` text could touch a channel watch (names a channel, or removes)."""
    return "<#" in watch_text or watch_text.strip().lower().startswith("remove")


def make_web_client(settings: SlackSettings, *, with_token: bool = True) -> AsyncWebClient:
    """An async Web API client for ``settings.api_url`` (``SLACK_API_URL``).

    With ``with_token`` it carries the bot token; retries connection errors once.
    """
    base_url = settings.api_url if settings.api_url.endswith("/") else settings.api_url + "/"
    token = settings.bot_token.get_secret_value() if with_token and settings.bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1)],
    )


class SlackBot:
    """Owns the bolt ``AsyncApp`` and its listeners.

    ``commands`` is the core's command router; ``executor`` runs its
    synchronous calls (default: the event loop's default thread pool).
    ``store`` is digestbot's database, where installs into several workspaces
    are kept (needed when ``settings.oauth_enabled``).
    """

    def __init__(
        self,
        commands: CommandHandler,
        settings: SlackSettings,
        *,
        client: AsyncWebClient | None = None,
        store: StoreLike | None = None,
        executor: Executor | None = None,
        reply_budget: float = DEFAULT_REPLY_BUDGET,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        logger: logging.Logger | None = None,
    ) -> None:
        oauth: dict[str, Any] = {}
        if settings.oauth_enabled:
            client = client or make_web_client(settings, with_token=False)
            oauth = oauth_kwargs(settings, store, client)
        elif client is None and not settings.bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: the Slack app needs the bot token")
        self._commands = commands
        self._settings = settings
        self._executor = executor
        self._reply_budget = reply_budget
        self._reply_timeout = reply_timeout
        self._admins = frozenset(settings.admin_users)
        self._admin_cache: dict[tuple[str | None, str], tuple[float, bool]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        secret = settings.signing_secret.get_secret_value() if settings.signing_secret else ""
        #: Signatures already accepted, shared through the database when there is one.
        self.seen: SeenSignatures = seen_store(store)
        self.app = AsyncApp(
            client=client or make_web_client(settings),
            signing_secret=secret,
            # ReplayGuard does bolt's signature check and also refuses replays.
            request_verification_enabled=False,
            before_authorize=ReplayGuard(secret, self.seen),
            # The listener itself bounds its wait (reply_budget) and then acks,
            # so the HTTP response carries the ack without bolt's polling delay.
            process_before_response=True,
            logger=logger or log,
            name="digestbot",
            **oauth,
        )
        for name in SLASH_COMMANDS:
            self.app.command(f"/{name}")(self.on_command)
        self.app.action(SHARE_ACTION_ID)(self.on_share)

    # --- listeners ---------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Answer a slash command within Slack's 3 seconds, and share-ably."""
        name = str(body.get("command", "")).lstrip("/").lower()
        text = str(body.get("text") or "")
        job = asyncio.ensure_future(self._run(name, text, body, client))
        try:
            reply = await asyncio.wait_for(asyncio.shield(job), self._reply_budget)
        except TimeoutError:
            await ack(response_type="ephemeral", text=f"Working on /{name}…")
            self._spawn(self._reply_later(job, name, text, respond, client, body))
            return
        if isinstance(reply, ImageReply):  # a file cannot be ephemeral: it goes to the channel
            await ack(response_type="ephemeral", text=text_of(f"Posting {reply.title}…", 200))
            self._spawn(self._post_image(reply, body, respond, client))
            return
        messages = self._messages(reply, name, text)
        if len(messages) == 1:
            await ack({**messages[0], "response_type": "ephemeral"})
        else:
            await ack()
            self._spawn(self._send(respond, messages, response_type="ephemeral"))

    async def on_share(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Repost a shared lookup reply in the channel, for everyone to see."""
        await ack()
        actions = body.get("actions") or [{}]
        share = Share.parse(str(actions[0].get("value", "")))
        if share is None:
            log.warning("ignoring a share button with an unexpected value")
            return
        try:
            reply = await asyncio.wait_for(
                self._run(share.command, share.text, body, client), self._reply_timeout
            )
        except TimeoutError:
            reply = _TIMED_OUT
        if isinstance(reply, TextReply) and reply.error:
            await self._send(respond, render_reply(reply), response_type="ephemeral")
            return
        messages = _at_most(render_reply(reply), MAX_RESPONSES - 1)  # one use left to delete
        user_id = _user_id(body)
        if user_id and user_id.isalnum():
            first = messages[0]
            first["blocks"] = [*first["blocks"], context([f"Shared by <@{user_id}>"])]
        await self._send(respond, messages, response_type="in_channel", replace_original=False)
        await self._send(respond, [{"delete_original": True}])

    # --- work -------------------------------------------------------------------

    async def _run(
        self, name: str, text: str, body: dict[str, Any], client: AsyncWebClient
    ) -> Reply:
        """Run the command in the core, off the event loop; never raises."""
        try:
            user_id = _user_id(body)
            ctx = CommandContext(
                platform="slack",
                channel_id=_channel_id(body),
                user_id=user_id,
                workspace_id=_team_id(body),
                # /watch asks only to make or remove a channel watch: DM watches need no admin.
                is_admin=(name == "digest" or (name == "watch" and _may_need_admin(text)))
                and await self._is_admin(client, _team_id(body), user_id),
            )
            loop = asyncio.get_running_loop()
            call = functools.partial(self._commands.handle, name, text, ctx)
            return await loop.run_in_executor(self._executor, call)
        except Exception:
            log.exception("/%s failed", name)
            return _FAILED

    async def _is_admin(
        self, client: AsyncWebClient, team_id: str | None, user_id: str | None
    ) -> bool:
        """A workspace admin or owner (users.info, with the workspace's token), or allow-listed."""
        if not user_id:
            return False
        if user_id in self._admins:
            return True
        cached = self._admin_cache.get((team_id, user_id))
        now = time.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning(
                "users.info failed (%s): treating the user as no admin", exc.response.get("error")
            )
            return False
        user = response.get("user") or {}
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._admin_cache[(team_id, user_id)] = (now + ADMIN_CACHE_SECONDS, allowed)
        return allowed

    def _messages(self, reply: Reply, name: str, text: str) -> list[Message]:
        share = Share(name, text) if name in SHAREABLE_COMMANDS else None
        return _at_most(render_reply(reply, share=share), MAX_RESPONSES)

    async def _reply_later(
        self,
        job: asyncio.Future[Reply],
        name: str,
        text: str,
        respond: AsyncRespond,
        client: AsyncWebClient | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        try:
            reply = await asyncio.wait_for(job, self._reply_timeout)
        except TimeoutError:
            reply = _TIMED_OUT
        if isinstance(reply, ImageReply) and client is not None and body is not None:
            await self._post_image(reply, body, respond, client)
            return
        await self._send(respond, self._messages(reply, name, text), response_type="ephemeral")

    async def _post_image(
        self,
        reply: ImageReply,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        """Upload a picture to the command's channel (files.getUploadURLExternal, the bytes
        to the URL it gives, files.completeUploadExternal) with its alt text; a failure is
        told to the user privately."""
        channel = _channel_id(body)
        problem = None
        if not channel:
            problem = "There is no channel to post the picture in."
        else:
            try:
                await client.files_upload_v2(
                    channel=channel,
                    file=reply.png,
                    filename=reply.filename,
                    title=reply.title[:250],
                    alt_txt=reply.alt[:1000],
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "unknown")
                log.warning("files upload failed: %s", error)
                problem = (
                    "I can only post pictures in channels I am in: /invite me first."
                    if error in ("not_in_channel", "channel_not_found")
                    else f"Slack did not take the picture ({error})."
                )
            except (SlackRequestError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("files upload failed: %s", type(exc).__name__)
                problem = "The picture could not be uploaded; try again later."
        if problem is not None:
            await self._send(
                respond,
                render_reply(TextReply(text=problem, error=True)),
                response_type="ephemeral",
            )

    async def _send(
        self,
        respond: AsyncRespond,
        messages: Sequence[Message],
        *,
        response_type: str | None = None,
        replace_original: bool | None = None,
    ) -> None:
        """Send ``messages`` in order through the response_url; log, never raise."""
        for message in messages:
            payload = dict(message)
            if response_type:
                payload["response_type"] = response_type
            if replace_original is not None:
                payload["replace_original"] = replace_original
            try:
                result = await respond(payload)
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                log.warning("could not reply through response_url: %s", type(exc).__name__)
                return
            if result.status_code != 200:
                log.warning("response_url answered %s: %s", result.status_code, result.body[:200])
                return

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for replies still being sent (on shutdown, and in tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def build_slack_app(
    commands: CommandHandler,
    settings: SlackSettings,
    *,
    client: AsyncWebClient | None = None,
    store: StoreLike | None = None,
    executor: Executor | None = None,
    reply_budget: float = DEFAULT_REPLY_BUDGET,
) -> AsyncApp:
    """The bolt ``AsyncApp`` answering ``/tldr``, ``/release``, ``/search`` and ``/digest``."""
    return SlackBot(
        commands,
        settings,
        client=client,
        store=store,
        executor=executor,
        reply_budget=reply_budget,
    ).app


def _at_most(messages: list[Message], limit: int) -> list[Message]:
    """The first ``limit`` messages, the last one saying how many were left out.

    A trailing "Share in channel" button moves to the last message kept.
    """
    if len(messages) <= limit:
        return messages
    kept = messages[:limit]
    extra = [context([f"_Showing {limit} of {len(messages)} parts._"])]
    tail = messages[-1]["blocks"][-1]
    if tail.get("type") == "actions":
        extra.append(tail)
    last = kept[-1]
    last["blocks"] = [*last["blocks"], *extra][:MAX_BLOCKS]
    return kept


def _user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id")


def _channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return channel.get("id")
    return body.get("channel_id")


def _team_id(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id")
    return body.get("team_id")
