"""A loopback stand-in for Discord: REST under a configurable base plus the gateway websocket.

The real discord.py client connects to it exactly as it would to Discord
(``DISCORD_API_URL=<api_url>``, ``DISCORD_GATEWAY_URL=<gateway_url>``):

* REST under ``/api/v10``: ``users/@me``, ``oauth2/applications/@me``,
  ``gateway``/``gateway/bot``, bulk overwrite of global and guild commands,
  ``interactions/{id}/{token}/callback``, ``webhooks/{app}/{token}``
  follow-ups (and ``@original`` edits), ``channels/{id}/messages``, and
  threads as Discord has them: ``GET channels/{id}`` (a text channel, a forum
  in ``forum_channels`` (type 15), or a thread (type 11)),
  ``POST channels/{id}/messages/{message}/threads`` (a thread on a message,
  with the message's id, once: again is 400, code 160004) and
  ``POST channels/{forum}/threads`` (a forum post whose first message has the
  thread's id); both answer with the thread's channel object (type 11).
* The gateway at ``/gw``: HELLO (op 10), IDENTIFY (op 2) answered by a
  READY dispatch, heartbeats (op 1) acknowledged (op 11), RESUME (op 6)
  answered by RESUMED; tests push ``INTERACTION_CREATE`` dispatches shaped
  like Discord's (type 2 slash commands, type 4 autocomplete).

It checks what Discord checks (the bot token, embed limits, the 3-second
interaction window, one callback per interaction) plus the project's own
rule that every message pings nobody, and records every message posted.
Errors are injectable per route (403/404/429/5xx, ``times`` in a row; a route
may be written with ``*`` for its ids, ``/channels/*/messages``), and a
request can be held unanswered (``hold``, see ``hold.py``): one whose client
goes away meanwhile is dropped (listed in ``dropped``), never posted.  An
answer can be lost after the message was created (``lose_answer``: the
connection reset, or the answer sent late), which is when a client that
tries again would post twice.

Message nonces work as Discord documents them: a ``nonce`` longer than 25
characters is refused (400), and with ``enforce_nonce`` a nonce seen within
the last ``NONCE_WINDOW_SECONDS`` gets the message created with it back
instead of a new one (counted in ``deduplicated``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import discord
from aiohttp import BodyPartReader, WSMsgType, web

from tests.standins.hold import Hold

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gw"

APP_ID = "1100000000000000001"
BOT_USER_ID = APP_ID
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
USER_ID = "1400000000000000001"

#: Discord permission bits used by the stand-in's members.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | USE_APPLICATION_COMMANDS

#: Discord deduplicates an enforced nonce "in the past few minutes"; the stand-in keeps 2.
NONCE_WINDOW_SECONDS = 120.0
NONCE_MAX = 25

EPHEMERAL = 1 << 6
INTERACTION_WINDOW_SECONDS = 3.0

# Discord's documented limits (kept independent of the code under test).
LIMITS = {
    "content": 2000,
    "embeds": 10,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "total": 6000,
    "choices": 25,
    "choice": 100,
}

_RAW_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>|<#\d+>")

_snowflakes = itertools.count(1500000000000000001)


def snowflake() -> str:
    """A fresh, increasing id."""
    return str(next(_snowflakes))


@dataclass
class Failure:
    """An injected error answer for one route."""

    status: int
    code: int = 0
    message: str = "injected failure"
    retry_after: float | None = None
    times: int = 1
    after: int = 0  # let this many requests through first


@dataclass
class LostAnswer:
    """Create the message, then lose its answer: the connection reset, or answered late."""

    mode: Literal["reset", "late"] = "reset"
    delay: float = 0.0  # "late": seconds before the answer
    times: int = 1
    after: int = 0  # let this many requests through first


@dataclass
class Callback:
    """An interaction callback as received."""

    interaction_id: str
    type: int
    data: dict[str, Any] | None
    latency: float  # seconds since the INTERACTION_CREATE was sent

    @property
    def ephemeral(self) -> bool:
        """Whether the response was flagged ephemeral."""
        return bool((self.data or {}).get("flags", 0) & EPHEMERAL)


@dataclass
class _Interaction:
    payload: dict[str, Any]
    sent_at: float
    callback: asyncio.Future[Callback]
    followups: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Session:
    ws: web.WebSocketResponse
    session_id: str | None = None
    seq: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def message_violations(body: dict[str, Any]) -> list[str]:
    """Everything in a create-message body that Discord (or this project) rejects."""
    problems: list[str] = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not content and not embeds:
        problems.append("message has neither content nor embeds")
    if len(content) > LIMITS["content"]:
        problems.append(f"content longer than {LIMITS['content']}")
    if len(embeds) > LIMITS["embeds"]:
        problems.append(f"{len(embeds)} embeds (max {LIMITS['embeds']})")
    total = 0
    for i, embed in enumerate(embeds):
        title = embed.get("title", "")
        description = embed.get("description", "")
        footer = (embed.get("footer") or {}).get("text", "")
        author = (embed.get("author") or {}).get("name", "")
        fields = embed.get("fields") or []
        for key, value in (("title", title), ("description", description)):
            if len(value) > LIMITS[key]:
                problems.append(f"embed {i}: {key} {len(value)} > {LIMITS[key]}")
        if len(footer) > LIMITS["footer"]:
            problems.append(f"embed {i}: footer too long")
        if len(author) > LIMITS["author"]:
            problems.append(f"embed {i}: author name too long")
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embed {i}: {len(fields)} fields")
        for f in fields:
            if not f.get("name") or not f.get("value"):
                problems.append(f"embed {i}: empty field name or value")
            if len(f.get("name", "")) > LIMITS["field_name"]:
                problems.append(f"embed {i}: field name too long")
            if len(f.get("value", "")) > LIMITS["field_value"]:
                problems.append(f"embed {i}: field value {len(f.get('value', ''))} too long")
        url = embed.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            problems.append(f"embed {i}: url scheme not allowed: {url!r}")
        total += len(title) + len(description) + len(footer) + len(author)
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
    if total > LIMITS["total"]:
        problems.append(f"embeds total {total} > {LIMITS['total']}")
    # Project rule: nothing may ping anyone.
    mentions = body.get("allowed_mentions")
    if (
        not isinstance(mentions, dict)
        or mentions.get("parse") != []
        or mentions.get("users")
        or mentions.get("roles")
    ):
        problems.append(f"allowed_mentions must ping nobody, got {mentions!r}")
    text = json.dumps(body, ensure_ascii=False)
    if found := _RAW_MENTION.findall(text):
        problems.append(f"raw mentions in message: {found[:3]}")
    return problems


class DiscordStandIn:
    """Loopback Discord for tests and the bench; use as ``async with DiscordStandIn() as d:``."""

    def __init__(self, *, token: str = "standin-token", heartbeat_ms: int = 41_250) -> None:
        self.token = token
        self.heartbeat_ms = heartbeat_ms
        self.port = 0
        self.violations: list[str] = []
        self.requests: list[tuple[str, str]] = []
        #: Files sent with messages (multipart), as (filename, bytes), in order.
        self.uploads: list[tuple[str, bytes]] = []
        #: Held requests whose client went away before an answer (never posted).
        self.dropped: list[tuple[str, str]] = []
        self.channel_messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        #: DM channels opened with POST /users/@me/channels: channel id -> user id.
        self.dm_channels: dict[str, str] = {}
        #: Forum channels (tests add ids): posts there are threads (``POST .../threads``).
        self.forum_channels: set[str] = set()
        #: Threads started, by id (= the id of the message they were started on).
        self.threads: dict[str, dict[str, Any]] = {}
        self.synced_commands: dict[str, list[dict[str, Any]]] = {}
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.synced = asyncio.Event()
        self._failures: dict[str, list[Failure]] = defaultdict(list)
        self._lost: dict[str, list[LostAnswer]] = defaultdict(list)
        #: Messages created with an enforced nonce: nonce -> (when, the message).
        self._nonces: dict[str, tuple[float, dict[str, Any]]] = {}
        #: Requests answered with an earlier message because of their nonce.
        self.deduplicated = 0
        self._holds: dict[str, list[Hold]] = defaultdict(list)
        self._holds_lock = threading.Lock()  # ``hold`` may be called from another thread
        self._interactions: dict[str, _Interaction] = {}
        self._by_token: dict[str, str] = {}
        self._sessions: list[_Session] = []
        self._known_sessions: dict[str | None, _Session] = {}
        self._current: _Session | None = None
        self._ready = asyncio.Event()
        self._resumed = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Drop every connection and stop listening."""
        with self._holds_lock:
            for holds in self._holds.values():
                for hold in holds:
                    hold.release()
        for session in list(self._sessions):
            await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """Value for DISCORD_API_URL."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for DISCORD_GATEWAY_URL."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    # --- test controls -------------------------------------------------------

    def fail(self, method: str, path: str, failure: Failure) -> None:
        """Answer the next ``failure.times`` ``METHOD /path`` requests with an error."""
        self._failures[f"{method.upper()} {path}"].append(failure)

    def lose_answer(self, method: str, path: str, lost: LostAnswer) -> None:
        """Create the next ``lost.times`` messages of ``METHOD /path``, then lose the answers."""
        self._lost[f"{method.upper()} {path}"].append(lost)

    def hold(self, method: str, path: str, *, after: int = 0, limit: float = 30.0) -> Hold:
        """Hold the next ``METHOD /path`` request (once ``after`` went through) unanswered.

        It is answered when the returned ``Hold`` is released; if its client goes
        away first (or ``limit`` s pass) it is dropped: no answer, not posted.
        Thread-safe: tests may call it from outside the stand-in's loop.
        """
        hold = Hold(after=after, limit=limit)
        with self._holds_lock:
            self._holds[f"{method.upper()} {path}"].append(hold)
        return hold

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """Until a client has identified and been sent READY."""
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def wait_resumed(self, timeout: float = 5.0) -> None:
        """Until a client has resumed its session after a disconnect."""
        await asyncio.wait_for(self._resumed.wait(), timeout)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the current gateway connection the way Discord does on an outage."""
        session = self._current
        self._ready.clear()
        self._resumed.clear()
        if session is not None:
            self._current = None
            await session.ws.close(code=code)

    async def interact(self, payload: dict[str, Any], timeout: float = 5.0) -> Callback:
        """Send an INTERACTION_CREATE and wait for its callback."""
        interaction = self.send_interaction(payload)
        await self._dispatch("INTERACTION_CREATE", payload)
        return await asyncio.wait_for(asyncio.shield(interaction.callback), timeout)

    def send_interaction(self, payload: dict[str, Any]) -> _Interaction:
        """Register ``payload`` (dispatch it with ``dispatch_interaction``)."""
        loop = asyncio.get_running_loop()
        record = _Interaction(
            payload=payload, sent_at=time.perf_counter(), callback=loop.create_future()
        )
        self._interactions[payload["id"]] = record
        self._by_token[payload["token"]] = payload["id"]
        return record

    async def dispatch_interaction(self, payload: dict[str, Any]) -> None:
        """Send an already registered interaction over the gateway (restarting its clock)."""
        self._interactions[payload["id"]].sent_at = time.perf_counter()
        await self._dispatch("INTERACTION_CREATE", payload)

    def followups(self, interaction_id: str) -> list[dict[str, Any]]:
        """Follow-up messages (and edits of the original) sent for an interaction."""
        return self._interactions[interaction_id].followups

    async def wait_followups(
        self, interaction_id: str, count: int, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Until ``count`` follow-ups have arrived for an interaction."""
        deadline = time.monotonic() + timeout
        while len(self.followups(interaction_id)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.followups(interaction_id))} of {count} follow-ups")
            await asyncio.sleep(0.01)
        return self.followups(interaction_id)

    # --- interaction payloads ----------------------------------------------------

    def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        admin: bool = False,
        channel_id: str = CHANNEL_ID,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for a slash command (type 2), as Discord sends it."""
        opts = [_option(k, v) for k, v in (options or {}).items()]
        if sub is not None:
            opts = [{"type": 1, "name": sub, "options": opts}]
        return self._interaction(2, name, opts, admin=admin, channel_id=channel_id)

    def autocomplete(self, name: str, focused: str, value: str, **others: Any) -> dict[str, Any]:
        """An autocomplete interaction (type 4) while the user types ``value`` into ``focused``."""
        opts = [_option(k, v) for k, v in others.items()]
        opts.append({"type": 3, "name": focused, "value": value, "focused": True})
        return self._interaction(4, name, opts, admin=False, channel_id=CHANNEL_ID)

    def _interaction(
        self,
        kind: int,
        name: str,
        options: list[dict[str, Any]],
        *,
        admin: bool,
        channel_id: str,
    ) -> dict[str, Any]:
        command = next(
            (c for cmds in self.synced_commands.values() for c in cmds if c["name"] == name),
            {"id": snowflake()},
        )
        permissions = MEMBER_PERMISSIONS | (MANAGE_GUILD if admin else 0)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": options,
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return {
            "id": snowflake(),
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "guild_id": GUILD_ID,
            "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": {
                "id": channel_id,
                "type": 0,
                "guild_id": GUILD_ID,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            },
            "member": {
                "user": _user(USER_ID, "alice"),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "nick": None,
                "avatar": None,
                "premium_since": None,
                "communication_disabled_until": None,
                "permissions": str(permissions),
            },
            "token": "itok-" + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }

    # --- gateway -----------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = _Session(ws=ws)
        self._sessions.append(session)
        try:
            await self._send(session, op=10, d={"heartbeat_interval": self.heartbeat_ms})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                await self._on_frame(session, frame["op"], frame.get("d"))
        finally:
            self._sessions.remove(session)
        return ws

    async def _on_frame(self, session: _Session, op: int, d: Any) -> None:
        if op == 1:  # heartbeat
            self.heartbeats += 1
            await self._send(session, op=11, d=None)
        elif op == 2:  # identify
            if d.get("token") != self.token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identifies += 1
            session.session_id = "sess-" + secrets.token_hex(8)
            session.seq = 0
            self._known_sessions[session.session_id] = session
            await self._dispatch_to(session, "READY", self._ready_payload(session.session_id))
            self._current = session
            self._ready.set()
        elif op == 6:  # resume
            previous = self._known_sessions.get(d.get("session_id"))
            if d.get("token") != self.token or previous is None:
                await self._send(session, op=9, d=False)
                return
            self.resumes += 1
            session.session_id, session.seq = previous.session_id, previous.seq
            self._known_sessions[session.session_id] = session
            await self._dispatch_to(session, "RESUMED", {})
            self._current = session
            self._ready.set()
            self._resumed.set()

    def _ready_payload(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10,
            "user": _user(BOT_USER_ID, "digestbot", bot=True),
            "guilds": [],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.wait_ready()
        assert self._current is not None
        await self._dispatch_to(self._current, event, data)

    async def _dispatch_to(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        await self._send(session, op=0, d=data, t=event, s=session.seq)

    @staticmethod
    async def _send(
        session: _Session,
        *,
        op: int,
        d: Any,
        t: str | None = None,
        s: int | None = None,
    ) -> None:
        await session.ws.send_str(json.dumps({"op": op, "d": d, "s": s, "t": t}))

    # --- REST ----------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        self.requests.append((method, path))
        if request.content_type == "multipart/form-data":  # a message with files
            body, files = await _multipart(request)
            self.uploads.extend(files)
        else:
            body = await request.json() if request.can_read_body else None

        # A control may name the route with ``*`` for ids not known in advance (a thread's).
        hold = self._take_hold(f"{method} {path}") or self._take_hold(f"{method} {_any_ids(path)}")
        if hold is not None and not await hold.block_async(lambda: _gone(request)):
            self.dropped.append((method, path))
            if request.transport is not None:
                request.transport.close()  # no answer: the client sees the connection drop
            return web.Response(status=499)  # written nowhere: the connection is gone

        failure = self._take_failure(f"{method} {path}") or self._take_failure(
            f"{method} {_any_ids(path)}"
        )
        if failure is not None:
            return _error_response(failure)

        parts = path.strip("/").split("/")
        if parts[0] == "interactions" and len(parts) == 4 and parts[3] == "callback":
            return self._interaction_callback(parts[1], parts[2], body, request)
        if parts[0] == "webhooks" and len(parts) >= 3:
            return self._webhook(method, parts, body)

        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)

        if method == "GET" and path == "/users/@me":
            return _json(_user(BOT_USER_ID, "digestbot", bot=True))
        if method == "POST" and path == "/users/@me/channels":  # open a DM with a user
            recipient = str((body or {}).get("recipient_id", "0"))
            dm_id = str(int(recipient) + 1)
            self.dm_channels[dm_id] = recipient
            return _json({"id": dm_id, "type": 1, "recipients": [_user(recipient, "someone")]})
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(self._application())
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return _json(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            guild = parts[3] if len(parts) == 5 and parts[2] == "guilds" else None
            return self._sync_commands(guild, body or [])
        if method == "GET" and parts[0] == "channels" and len(parts) == 2:
            return self._get_channel(parts[1])
        is_post = method == "POST" and parts[0] == "channels"
        if is_post and parts[2:] == ["messages"] and parts[1] in self.forum_channels:
            return _json(
                {"message": "Cannot send messages in a non-text channel", "code": 50008},
                status=400,
            )
        if is_post and len(parts) == 5 and parts[2] == "messages" and parts[4] == "threads":
            return self._start_thread(parts[1], parts[3], body or {})
        if is_post and parts[2:] == ["threads"]:
            return self._forum_post(parts[1], body or {})
        if method == "POST" and parts[0] == "channels" and parts[2:] == ["messages"]:
            lost = self._take_lost(f"{method} {path}")
            answer = self._channel_message(parts[1], body or {})
            if lost is not None and lost.mode == "late":
                await asyncio.sleep(lost.delay)  # the client may have given up meanwhile
            elif lost is not None:
                if request.transport is not None:
                    request.transport.close()  # created, and the client never hears of it
                return web.Response(status=499)
            return answer
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _take_hold(self, key: str) -> Hold | None:
        with self._holds_lock:
            queue = self._holds.get(key)
            if not queue or not queue[0].takes_this_one():
                return None
            return queue.pop(0)

    def _take_lost(self, key: str) -> LostAnswer | None:
        queue = self._lost.get(key)
        if not queue:
            return None
        lost = queue[0]
        if lost.after > 0:
            lost.after -= 1
            return None
        lost.times -= 1
        if lost.times <= 0:
            queue.pop(0)
        return lost

    def _take_failure(self, key: str) -> Failure | None:
        queue = self._failures.get(key)
        if not queue:
            return None
        failure = queue[0]
        if failure.after > 0:
            failure.after -= 1
            return None
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _application(self) -> dict[str, Any]:
        return {
            "id": APP_ID,
            "name": "digestbot",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": _user(USER_ID, "alice"),
            "verify_key": "00",
            "flags": 0,
            "interactions_endpoint_url": None,
        }

    def _sync_commands(self, guild: str | None, commands: list[dict[str, Any]]) -> web.Response:
        problems = [p for c in commands for p in _command_violations(c)]
        if problems:
            self.violations.extend(problems)
            return _json(
                {"message": "Invalid Form Body", "code": 50035, "errors": problems},
                status=400,
            )
        stored = []
        for command in commands:
            entry = {
                **command,
                "id": snowflake(),
                "application_id": APP_ID,
                "version": snowflake(),
            }
            if guild is not None:
                entry["guild_id"] = guild
            stored.append(entry)
        self.synced_commands[guild or "global"] = stored
        self.synced.set()
        return _json(stored)

    def _interaction_callback(
        self, interaction_id: str, token: str, body: Any, request: web.Request
    ) -> web.Response:
        record = self._interactions.get(interaction_id)
        if record is None or record.payload["token"] != token:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        latency = time.perf_counter() - record.sent_at
        if latency > INTERACTION_WINDOW_SECONDS:
            self.violations.append(f"interaction {interaction_id} answered after {latency:.2f}s")
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if record.callback.done():
            return _json(
                {
                    "message": "Interaction has already been acknowledged.",
                    "code": 40060,
                },
                status=400,
            )
        kind, data = body.get("type"), body.get("data")
        problems: list[str] = []
        if kind == 4:
            problems = message_violations(data or {})
        elif kind == 8:
            problems = _choice_violations((data or {}).get("choices"))
        elif kind != 5:
            problems = [f"unexpected callback type {kind}"]
        if problems:
            self.violations.extend(problems)
            return _json(
                {"message": "Invalid Form Body", "code": 50035, "errors": problems},
                status=400,
            )
        record.callback.set_result(Callback(interaction_id, kind, data, latency))
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        flags = (data or {}).get("flags", 0)
        return _json(
            {
                "interaction": {
                    "id": interaction_id,
                    "type": record.payload["type"],
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(flags & EPHEMERAL),
                }
            }
        )

    def _webhook(self, method: str, parts: list[str], body: Any) -> web.Response:
        app_id, token = parts[1], parts[2]
        interaction_id = self._by_token.get(token)
        if app_id != APP_ID or interaction_id is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        record = self._interactions[interaction_id]
        if not record.callback.done():
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        if method in ("POST", "PATCH"):
            problems = message_violations(body or {})
            if problems:
                self.violations.extend(problems)
                return _json(
                    {"message": "Invalid Form Body", "code": 50035, "errors": problems},
                    status=400,
                )
            record.followups.append({"method": method, **(body or {})})
            channel = record.payload["channel_id"]
            return _json(_message(channel, body or {}, webhook=True))
        return web.Response(status=204)

    # --- threads ---------------------------------------------------------------------

    def _get_channel(self, channel_id: str) -> web.Response:
        """``GET /channels/{id}``: a forum (15), a thread (11) or a text channel (0)."""
        if channel_id in self.threads:
            return _json(self.threads[channel_id])
        kind = 15 if channel_id in self.forum_channels else 0
        return _json(
            {"id": channel_id, "type": kind, "guild_id": GUILD_ID, "name": "digests", "nsfw": False}
        )

    def add_thread(self, parent_id: str, thread_id: str, name: str, archive: Any) -> dict[str, Any]:
        """A thread channel object (type 11), recorded; its id is its first message's."""
        thread = {
            "id": thread_id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": parent_id,
            "owner_id": BOT_USER_ID,
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": archive or 4320,
                "archive_timestamp": "2025-01-09T18:00:00.000000+00:00",
                "locked": False,
            },
        }
        self.threads[thread_id] = thread
        return thread

    def _start_thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """``POST /channels/{c}/messages/{m}/threads``: a thread on a message, once per message."""
        problems = _thread_name_violations(body.get("name"))
        if body.get("auto_archive_duration") not in (None, 60, 1440, 4320, 10080):
            problems.append(f"auto_archive_duration {body.get('auto_archive_duration')!r}")
        if problems:
            self.violations.extend(problems)
            return _json({"message": "Invalid Form Body", "code": 50035}, status=400)
        if not any(m["id"] == message_id for m in self.channel_messages.get(channel_id, [])):
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if message_id in self.threads:
            return _json(
                {"message": "A thread has already been created for this message", "code": 160004},
                status=400,
            )
        thread = self.add_thread(
            channel_id, message_id, body["name"], body.get("auto_archive_duration")
        )
        return _json({**thread, "member": {"id": thread["id"], "user_id": BOT_USER_ID}})

    def _forum_post(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        """``POST /channels/{forum}/threads``: a forum post, its first message with it."""
        if channel_id not in self.forum_channels:
            # Discord would start a thread without a message here; nothing digestbot sends.
            return _json({"message": "Not a forum channel in the stand-in", "code": 0}, status=400)
        message_body = body.get("message")
        problems = _thread_name_violations(body.get("name"))
        if not isinstance(message_body, dict):
            problems.append("forum post without a message")
        else:
            problems += message_violations(message_body)
        if problems:
            self.violations.extend(problems)
            return _json({"message": "Invalid Form Body", "code": 50035}, status=400)
        assert isinstance(message_body, dict)
        thread_id = snowflake()
        thread = self.add_thread(
            channel_id, thread_id, body["name"], body.get("auto_archive_duration")
        )
        message = _message(thread_id, message_body)
        message["id"] = thread_id  # a forum post's first message has the thread's id
        self.channel_messages[thread_id].append({**message_body, "id": thread_id})
        return _json({**thread, "message": message})

    def _channel_message(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        problems = message_violations(body)
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > NONCE_MAX:
            problems.append(f"nonce longer than {NONCE_MAX} characters")
        if problems:
            self.violations.extend(problems)
            return _json(
                {"message": "Invalid Form Body", "code": 50035, "errors": problems},
                status=400,
            )
        enforced = nonce is not None and body.get("enforce_nonce") is True
        if enforced:
            seen = self._nonces.get(str(nonce))
            if seen is not None and time.monotonic() - seen[0] < NONCE_WINDOW_SECONDS:
                self.deduplicated += 1
                return _json(seen[1])  # the message this nonce created: no new one
        message = _message(channel_id, body)
        if nonce is not None:
            message["nonce"] = str(nonce)
        if enforced:
            self._nonces[str(nonce)] = (time.monotonic(), message)
        self.channel_messages[channel_id].append({**body, "id": message["id"]})
        return _json(message)


def _thread_name_violations(name: Any) -> list[str]:
    """A thread name Discord refuses (1-100 characters), or one that would ping."""
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        return [f"thread name must be 1-100 characters, got {name!r}"]
    if _RAW_MENTION.search(name):
        return [f"raw mention in thread name: {name!r}"]
    return []


def _any_ids(path: str) -> str:
    """``path`` with every id written ``*``: ``/channels/*/messages/*/threads``."""
    return "/".join("*" if part.isdigit() else part for part in path.split("/"))


def _gone(request: web.Request) -> bool:
    """Whether the client of ``request`` has closed its connection."""
    transport = request.transport
    return transport is None or transport.is_closing()


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response typed exactly ``application/json`` (discord.py compares it verbatim)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _option(name: str, value: Any) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    return {"type": kind, "name": name, "value": value}


def _user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
    }
    if bot:
        user["bot"] = True
    return user


def _message(channel_id: str, body: dict[str, Any], *, webhook: bool = False) -> dict[str, Any]:
    message = {
        "id": snowflake(),
        "channel_id": channel_id,
        "author": _user(BOT_USER_ID, "digestbot", bot=True),
        "content": body.get("content") or "",
        "timestamp": "2025-01-09T18:00:00.000000+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "pinned": False,
        "type": 0,
        "flags": body.get("flags", 0),
        "components": [],
    }
    if webhook:
        message["webhook_id"] = APP_ID
    return message


def _error_response(failure: Failure) -> web.Response:
    body: dict[str, Any] = {"message": failure.message, "code": failure.code}
    headers: dict[str, str] = {}
    if failure.status == 429:
        retry = failure.retry_after if failure.retry_after is not None else 0.05
        body.update(retry_after=retry, **{"global": False})
        # Discord's real 429s come through its proxy; discord.py treats one without Via as a ban.
        headers = {
            "Retry-After": str(retry),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "user",
        }
    return _json(body, status=failure.status, headers=headers)


def _command_violations(command: dict[str, Any]) -> list[str]:
    name = command.get("name", "")
    problems = []
    if not re.fullmatch(r"[-_\w]{1,32}", name) or name.lower() != name:
        problems.append(f"bad command name {name!r}")
    if not 1 <= len(command.get("description", "")) <= 100:
        problems.append(f"/{name}: description must be 1-100 characters")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"/{name}: more than 25 options")
    for option in options:
        if option.get("type") in (1, 2):
            problems.extend(_command_violations(option))
        elif not 1 <= len(option.get("description", "")) <= 100:
            problems.append(f"/{name} {option.get('name')}: description must be 1-100 characters")
    return problems


def _choice_violations(choices: Any) -> list[str]:
    if not isinstance(choices, list):
        return ["autocomplete result without choices"]
    problems = []
    if len(choices) > LIMITS["choices"]:
        problems.append(f"{len(choices)} autocomplete choices (max 25)")
    for choice in choices:
        if not 1 <= len(choice.get("name", "")) <= LIMITS["choice"]:
            problems.append(f"choice name length {len(choice.get('name', ''))}")
        if len(str(choice.get("value", ""))) > LIMITS["choice"]:
            problems.append("choice value longer than 100")
    return problems


@asynccontextmanager
async def connected(
    client: discord.Client, standin: DiscordStandIn, timeout: float = 10.0
) -> AsyncIterator[None]:
    """Run ``client`` against ``standin`` for the block: logged in, commands synced, READY.

    A client that crashes (rather than stopping on ``close``) fails the test.
    """
    task = asyncio.create_task(client.start(standin.token), name="discord-client")
    try:
        ready = asyncio.ensure_future(standin.wait_ready(timeout))
        await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()  # the client's start-up error
            raise RuntimeError("the client stopped before READY")
        if not ready.done():
            ready.cancel()
            raise TimeoutError("the client did not connect to the stand-in")
        ready.result()
        yield
    finally:
        await asyncio.wait_for(client.close(), timeout)
        await asyncio.wait_for(task, timeout)


async def _multipart(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    """A multipart message: its ``payload_json`` and its files as (filename, bytes)."""
    reader = await request.multipart()
    body: Any = None
    files: list[tuple[str, bytes]] = []
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            body = json.loads(await part.text())
        else:
            files.append((part.filename or "", bytes(await part.read(decode=False))))
    return body, files
