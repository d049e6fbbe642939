"""A loopback stand-in for Slack: its Web API, its response URLs, and how it signs requests.

``SlackApiStandin`` is a threading HTTP server on 127.0.0.1 that answers the
Web API methods digestbot calls (``auth.test``, ``chat.postMessage``,
``users.info``, ``apps.connections.open``, and ``oauth.v2.access`` for
installs into several workspaces) and the ``response_url`` endpoints Slack
hands to slash commands and buttons.  ``install_code`` plays a workspace
admin approving an install: its code exchanges, once, for a bot token of
that workspace, which ``auth.test`` and ``users.info`` then answer for.
It records every call, checks every message payload against Slack's limits
(``violations``), notes any text that would ping people (``pings``), and can
be told to fail a method with a Slack error or a rate limit (HTTP 429 with
``Retry-After``), or to hold a call unanswered (``hold``, see ``hold.py``):
a held call whose client goes away is dropped, never posted; or to post a
message and lose its answer (``lose_answer``: the connection reset, or the
answer sent late), when a client that tries again posts twice.  ``messages``
lists the ``chat.postMessage`` calls Slack accepted, i.e. what the channel shows.
A reply (``thread_ts``) must name a message of its channel (else
``thread_not_found``) and its answer carries ``thread_ts``, as Slack's does.

``SlackSigner`` builds request bodies and ``X-Slack-Signature`` headers the
way Slack does, so tests drive the real slack_bolt verification.

The limits are written out here independently of ``adapters/slack/render.py``
so the stand-in checks the renderer instead of agreeing with it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import select
import socket
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, urlencode

from slack_bolt.request.async_request import AsyncBoltRequest

from tests.standins.hold import Hold

T = TypeVar("T")

BLOCKS_PER_MESSAGE = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
MESSAGE_BLOCK_TEXT = 12_000
FALLBACK_TEXT = 40_000
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255

_PINGS = re.compile(
    r"<(?:!(?:channel|here|everyone|subteam\^)[^>]*|@[UW][A-Z0-9]*[^>]*|#C[A-Z0-9]*[^>]*)>"
)
_SEQUENCE = re.compile(r"<([^<>]*)>")
_LINK = re.compile(r"^https?://[^\s|<>]+(?:\|[^<>]*)?$")
_BARE_BROADCAST = re.compile(r"(?<![\w\u2060])@(channel|here|everyone)\b", re.IGNORECASE)

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0BOT"
APP_ID = "A0APP"
#: The Slack app's OAuth credentials the stand-in accepts in ``oauth.v2.access``.
CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "standin-client-secret-5ab0c1"


# --- payload checks -------------------------------------------------------------


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        out: list[str] = []
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                out.append(value)
            else:
                out.extend(_texts(value))
        return out
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def find_pings(payload: dict[str, Any]) -> list[str]:
    """Every mention or broadcast in ``payload`` that would notify someone."""
    found = [m.group(0) for t in _texts(payload) for m in _PINGS.finditer(t)]
    found += [m.group(0) for t in _texts(payload) for m in _BARE_BROADCAST.finditer(t)]
    return found


def _check_text_object(obj: Any, where: str, limit: int, problems: list[str]) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{where}: not a text object: {obj!r:.80}")
        return
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
        return
    if len(text) > limit:
        problems.append(f"{where}: {len(text)} chars > {limit}")
    for match in _SEQUENCE.finditer(text):
        inner = match.group(1)
        if not _LINK.match(inner) and not _PINGS.match(match.group(0)):
            problems.append(f"{where}: raw control sequence {match.group(0)!r:.80}")
    stripped = _SEQUENCE.sub("", text)
    if "<" in stripped or ">" in stripped:
        problems.append(f"{where}: unescaped angle bracket")


def check_message(payload: dict[str, Any]) -> list[str]:
    """Everything in a message payload that Slack would reject or mis-render."""
    problems: list[str] = []
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks: not JSON"]
    text = payload.get("text")
    if not blocks and not text and not payload.get("delete_original"):
        problems.append("message: neither text nor blocks")
    if isinstance(text, str) and len(text) > FALLBACK_TEXT:
        problems.append(f"text: {len(text)} chars > {FALLBACK_TEXT}")
    if blocks and not text:
        problems.append("text: no fallback text with blocks")
    if not blocks:
        return problems
    if len(blocks) > BLOCKS_PER_MESSAGE:
        problems.append(f"blocks: {len(blocks)} > {BLOCKS_PER_MESSAGE}")
    total = sum(len(t) for t in _texts(blocks))
    if total > MESSAGE_BLOCK_TEXT:
        problems.append(f"blocks: {total} chars of text > {MESSAGE_BLOCK_TEXT}")
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"blocks[{n}]"
        kind = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > BLOCK_ID or block_id in block_ids:
                problems.append(f"{where}: bad or duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        if kind == "header":
            _check_text_object(block.get("text"), where, HEADER_TEXT, problems)
            if block["text"].get("type") != "plain_text":
                problems.append(f"{where}: header text must be plain_text")
        elif kind == "section":
            if "text" in block:
                _check_text_object(block["text"], where, SECTION_TEXT, problems)
            elif not block.get("fields"):
                problems.append(f"{where}: section without text or fields")
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > CONTEXT_ELEMENTS:
                problems.append(f"{where}: {len(elements)} context elements")
            for m, element in enumerate(elements):
                _check_text_object(element, f"{where}.elements[{m}]", SECTION_TEXT, problems)
        elif kind == "actions":
            for m, element in enumerate(block.get("elements") or []):
                spot = f"{where}.elements[{m}]"
                _check_text_object(element.get("text"), spot, BUTTON_TEXT, problems)
                if len(element.get("value", "")) > BUTTON_VALUE:
                    problems.append(f"{spot}: value > {BUTTON_VALUE}")
                if not element.get("action_id") or len(element["action_id"]) > ACTION_ID:
                    problems.append(f"{spot}: bad action_id")
        elif kind != "divider":
            problems.append(f"{where}: unexpected block type {kind!r}")
    return problems


# --- signing -------------------------------------------------------------------

_TRIGGERS = itertools.count(1)


class SlackSigner:
    """Builds request bodies and signature headers the way Slack does (v0 signing)."""

    def __init__(self, signing_secret: str) -> None:
        self.secret = signing_secret

    def signature(self, timestamp: str, body: str) -> str:
        base = f"v0:{timestamp}:{body}".encode()
        return "v0=" + hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()

    def headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": self.signature(ts, body),
        }

    def request(self, body: str, *, timestamp: int | None = None) -> AsyncBoltRequest:
        """``body`` signed, as the request slack-bolt's ``async_dispatch`` takes."""
        headers: dict[str, str | Sequence[str]] = dict(self.headers(body, timestamp=timestamp))
        return AsyncBoltRequest(body=body, headers=headers)

    @staticmethod
    def command_body(
        command: str,
        text: str = "",
        *,
        user_id: str = "U0USER",
        channel_id: str = "C0CHAN",
        team_id: str = TEAM_ID,
        response_url: str = "",
        trigger_id: str | None = None,
    ) -> str:
        # Slack gives every request a trigger_id of its own, so two commands typed
        # alike are never the same signed request (digestbot refuses replays).
        trigger_id = trigger_id or f"123.{next(_TRIGGERS)}.abc"
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": team_id,
                "team_domain": "standin",
                "channel_id": channel_id,
                "channel_name": "general",
                "user_id": user_id,
                "user_name": "someone",
                "command": command if command.startswith("/") else "/" + command,
                "text": text,
                "api_app_id": "A0APP",
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": trigger_id,
            }
        )

    @staticmethod
    def button_body(
        action_id: str,
        value: str,
        *,
        user_id: str = "U0USER",
        channel_id: str = "C0CHAN",
        team_id: str = TEAM_ID,
        response_url: str = "",
    ) -> str:
        payload = {
            "type": "block_actions",
            "team": {"id": team_id, "domain": "standin"},
            "user": {"id": user_id, "username": "someone", "team_id": team_id},
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": {"type": "message", "is_ephemeral": True, "channel_id": channel_id},
            "trigger_id": f"123.{next(_TRIGGERS)}.abc",
            "channel": {"id": channel_id, "name": "general"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "digestbot_share",
                    "value": value,
                    "text": {"type": "plain_text", "text": "Share in channel"},
                    "action_ts": "1700000000.000100",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})


# --- the server ----------------------------------------------------------------


@dataclass
class Call:
    """One request the stand-in received."""

    method: str  # Web API method, or "response_url"
    path: str
    data: dict[str, Any]
    headers: dict[str, str]
    violations: list[str] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)
    #: What the stand-in answered (``None`` while held, or when dropped).
    response: dict[str, Any] | None = None
    #: Held, and its client went away before an answer: Slack never saw it through.
    dropped: bool = False


@dataclass
class _Lost:
    mode: str  # "reset" or "late"
    delay: float
    times: int
    after: int = 0


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: float | str | None  # a str is sent as written (hostile values)
    times: int
    after: int = 0


class SlackApiStandin:
    """A recording, limit-checking Slack Web API and response_url server on loopback."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        #: Files announced by files.getUploadURLExternal, by id: bytes once uploaded.
        self.files: dict[str, dict[str, Any]] = {}
        self.socket_url: str | None = None
        #: Bot tokens issued by ``oauth.v2.access``, and their workspace.
        self.tokens: dict[str, str] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._holds: dict[str, list[Hold]] = {}
        self._lost: dict[str, list[_Lost]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        #: The ``ts`` of every message posted, by channel (what ``thread_ts`` may name).
        self._posted: dict[str, set[str]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            for holds in self._holds.values():
                for hold in holds:
                    hold.release()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        """The Web API base URL (``SLACK_API_URL``)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url such as Slack puts in commands and button clicks."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # behaviour
    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        status: int = 200,
        retry_after: float | str | None = None,
        after: int = 0,
    ) -> None:
        """Answer ``times`` calls of ``method`` with ``error``, once ``after`` calls went well."""
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, status, retry_after, times, after)
            )

    def hold(self, method: str, *, after: int = 0, limit: float = 30.0) -> Hold:
        """Hold the next call of ``method`` (once ``after`` went through) unanswered.

        It is answered when the returned ``Hold`` is released; if its client goes
        away first (or ``limit`` s pass) it is dropped: no answer, not posted.
        """
        hold = Hold(after=after, limit=limit)
        with self._lock:
            self._holds.setdefault(method, []).append(hold)
        return hold

    def lose_answer(
        self,
        method: str,
        *,
        mode: str = "reset",
        delay: float = 0.0,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Carry out ``times`` calls of ``method`` (once ``after`` went well), losing the answers.

        ``mode`` "reset" closes the connection at once; "late" answers after ``delay`` s.
        """
        with self._lock:
            self._lost.setdefault(method, []).append(_Lost(mode, delay, times, after))

    def rate_limit(self, method: str, *, retry_after: float = 0, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        self.fail(method, "ratelimited", times=times, status=429, retry_after=retry_after)

    def install_code(
        self, team_id: str, team_name: str = "", *, installer: str = "U0INSTALLER"
    ) -> str:
        """A code Slack would hand the OAuth redirect once ``installer`` approved the install."""
        code = f"code-{team_id.lower()}-{next(self._ts)}"
        with self._lock:
            self._codes[code] = {
                "team_id": team_id,
                "team_name": team_name or f"Workspace {team_id}",
                "installer": installer,
            }
        return code

    def token_of(self, team_id: str) -> str:
        """The newest bot token issued for ``team_id``."""
        with self._lock:
            issued = [t for t, team in self.tokens.items() if team == team_id]
        if not issued:
            raise AssertionError(f"no token was issued for {team_id}")
        return issued[-1]

    def add_user(
        self, user_id: str, *, admin: bool = False, owner: bool = False, team_id: str = TEAM_ID
    ) -> None:
        """Make ``users.info`` know ``user_id``, a member of ``team_id``."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": user_id.lower(),
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
        }

    # inspection
    def existing(self, channel: str, *ts: str) -> None:
        """Messages posted before this stand-in started (replies may name them in ``thread_ts``)."""
        with self._lock:
            self._posted.setdefault(channel, set()).update(ts)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[Call]:
        """``chat.postMessage`` calls answered ``ok`` (to ``channel``): the messages posted."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.response is not None
                and c.response.get("ok")
                and (channel is None or c.data.get("channel") == channel)
            ]

    @property
    def violations(self) -> list[str]:
        with self._lock:
            return [f"{c.method}: {v}" for c in self.calls for v in c.violations]

    @property
    def pings(self) -> list[str]:
        with self._lock:
            return [p for c in self.calls for p in c.pings]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (for replies sent after the ack)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.01)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} times, wanted {count}")

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    # request handling (runs in the server's threads)
    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _take_hold(self, method: str) -> Hold | None:
        with self._lock:
            queue = self._holds.get(method)
            if not queue or not queue[0].takes_this_one():
                return None
            return queue.pop(0)

    def _take_lost(self, method: str) -> _Lost | None:
        with self._lock:
            queue = self._lost.get(method)
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

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
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

    def _team_of(self, headers: dict[str, str]) -> str | None:
        """The workspace of an ``oauth.v2.access`` token in the request, if it is one."""
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            return self.tokens.get(token)

    def _answer(self, method: str, data: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        team = self._team_of(headers)
        if method == "auth.test":
            team_id = team or TEAM_ID
            suffix = "" if team is None else team_id[1:]
            return {
                "ok": True,
                "url": f"https://{team_id.lower()}.slack.com/",
                "team": "Standin" if team is None else f"Workspace {team_id}",
                "user": "digestbot",
                "team_id": team_id,
                "user_id": BOT_USER_ID + suffix,
                "bot_id": "B0BOT" + suffix,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            return self._post_message(data)
        if method == "conversations.open":  # a DM with a user: its channel id
            invitee = str(data.get("users") or "").split(",")[0]
            return {"ok": True, "channel": {"id": "D" + invitee[1:]}}
        if method == "users.info":
            user = self.users.get(str(data.get("user")))
            if user is None or (team is not None and user["team_id"] != team):
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "oauth.v2.access":
            return self._oauth_access(data, headers)
        if method == "files.getUploadURLExternal":
            return self._upload_url(data)
        if method == "files.completeUploadExternal":
            return self._complete_upload(data)
        if method == "apps.connections.open":
            if self.socket_url is None:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}

    def _post_message(self, data: dict[str, Any]) -> dict[str, Any]:
        """``chat.postMessage``: a new ``ts``; with ``thread_ts``, a reply in that thread.

        As Slack does: a ``thread_ts`` that is no message of the channel is
        ``thread_not_found``; a reply's answer carries ``thread_ts`` (the
        parent's) beside its own ``ts``.
        """
        channel = str(data.get("channel") or "")
        thread = data.get("thread_ts")
        with self._lock:
            if thread and str(thread) not in self._posted.get(channel, set()):
                return {"ok": False, "error": "thread_not_found"}
            ts = f"1700000000.{next(self._ts):06d}"
            self._posted.setdefault(channel, set()).add(ts)
        message: dict[str, Any] = {"ts": ts, "text": data.get("text", "")}
        if thread:
            message["thread_ts"] = str(thread)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _upload_url(self, data: dict[str, Any]) -> dict[str, Any]:
        """``files.getUploadURLExternal``: a file id and where to send its bytes."""
        if not data.get("filename") or not str(data.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        with self._lock:
            self.files[file_id] = {
                "filename": data["filename"],
                "length": int(data["length"]),
                "alt_txt": data.get("alt_txt"),
                "data": None,
            }
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _complete_upload(self, data: dict[str, Any]) -> dict[str, Any]:
        """``files.completeUploadExternal``: every file uploaded, with its announced length."""
        try:
            listed = json.loads(str(data.get("files") or "[]"))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        with self._lock:
            for entry in listed:
                stored = self.files.get(str(entry.get("id")))
                if stored is None or stored["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                if len(stored["data"]) != stored["length"]:
                    return {"ok": False, "error": "file_length_mismatch"}
                stored.update(title=entry.get("title"), channel=data.get("channel_id"))
                done.append({"id": entry["id"], "title": entry.get("title")})
        return {"ok": True, "files": done}

    def _oauth_access(self, data: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """``oauth.v2.access``: client credentials (HTTP Basic or form), a code used once."""
        client_id, client_secret = data.get("client_id"), data.get("client_secret")
        basic = headers.get("authorization", "")
        if basic.startswith("Basic "):
            decoded = base64.b64decode(basic[len("Basic ") :]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != CLIENT_ID:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != CLIENT_SECRET:
            return {"ok": False, "error": "bad_client_secret"}
        with self._lock:
            grant = self._codes.pop(str(data.get("code")), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            team_id = grant["team_id"]
            token = f"xoxb-{team_id.lower()}-{next(self._ts)}-standin"
            self.tokens[token] = team_id
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write,users:read",
            "bot_user_id": BOT_USER_ID + team_id[1:],
            "app_id": APP_ID,
            "team": {"name": grant["team_name"], "id": team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant["installer"]},
        }


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8")
    if "json" in content_type:
        data = json.loads(text)
        return data if isinstance(data, dict) else {"_": data}
    return dict(parse_qsl(text, keep_blank_values=True))


def _handler_for(standin: SlackApiStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _client_gone(self) -> bool:
            """Whether the client closed its end (it waits for an answer, so EOF means gone)."""
            try:
                readable, _, _ = select.select([self.connection], [], [], 0)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            headers = {k.lower(): v for k, v in self.headers.items()}
            if path.startswith("/api/"):
                data = dict(parse_qsl(query, keep_blank_values=True))
                self._web_api(path[len("/api/") :], data, headers)
            else:
                self._send(404, b"not found", {"content-type": "text/plain"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            path, _, query = self.path.partition("?")
            headers = {k.lower(): v for k, v in self.headers.items()}
            if path.startswith("/upload/"):  # a file's bytes, to the URL Slack gave
                self._upload(path[len("/upload/") :], raw)
                return
            try:
                data = _parse_body(raw, headers.get("content-type", ""))
            except ValueError:
                self._send(400, b"bad body", {"content-type": "text/plain"})
                return
            data.update(parse_qsl(query, keep_blank_values=True))
            if path.startswith("/response/"):
                self._response_url(data, headers)
            elif path.startswith("/api/"):
                self._web_api(path[len("/api/") :], data, headers)
            else:
                self._send(404, b"not found", {"content-type": "text/plain"})

        def _upload(self, file_id: str, raw: bytes) -> None:
            standin._record(Call("upload", self.path, {"length": len(raw)}, {}))
            with standin._lock:
                stored = standin.files.get(file_id)
                if stored is not None:
                    stored["data"] = raw
            if stored is None:
                self._send(404, b"unknown file", {"content-type": "text/plain"})
            else:
                self._send(200, f"OK - {len(raw)}".encode(), {"content-type": "text/plain"})

        def _response_url(self, data: dict[str, Any], headers: dict[str, str]) -> None:
            call = Call("response_url", self.path, data, headers)
            call.violations = check_message(data)
            call.pings = find_pings(data)
            standin._record(call)
            failure = standin._take_failure("response_url")
            if failure:
                self._send(
                    failure.status or 404, failure.error.encode(), {"content-type": "text/plain"}
                )
                return
            self._send(200, b"ok", {"content-type": "text/plain"})

        def _web_api(self, method: str, data: dict[str, Any], headers: dict[str, str]) -> None:
            call = Call(method, self.path, data, headers)
            if method == "chat.postMessage":
                call.violations = check_message(data)
                call.pings = find_pings(data)
                if not data.get("channel"):
                    call.violations.append("chat.postMessage: no channel")
            # oauth.v2.access authenticates the app (HTTP Basic), every other method a token.
            if method != "oauth.v2.access" and not headers.get("authorization", "").startswith(
                "Bearer "
            ):
                call.violations.append(f"{method}: no bearer token")
            standin._record(call)
            hold = standin._take_hold(method)
            if hold is not None and not hold.block(self._client_gone):
                call.dropped = True
                self.close_connection = True
                return
            failure = standin._take_failure(method)
            extra: dict[str, str] = {}
            if failure:
                body: dict[str, Any] = {"ok": False, "error": failure.error}
                status = failure.status
                if isinstance(failure.retry_after, str):
                    extra["retry-after"] = failure.retry_after
                elif failure.retry_after is not None:
                    extra["retry-after"] = str(int(failure.retry_after))
            else:
                body, status = standin._answer(method, data, headers), 200
            call.response = body
            lost = None if failure else standin._take_lost(method)
            if lost is not None and lost.mode == "reset":
                self.close_connection = True  # carried out; the client never hears of it
                return
            payload = json.dumps(body).encode()
            headers_out = {"content-type": "application/json; charset=utf-8", **extra}
            if lost is None:
                self._send(status, payload, headers_out)
                return
            time.sleep(lost.delay)  # the client may have given up meanwhile
            try:
                self._send(status, payload, headers_out)
            except OSError:
                self.close_connection = True  # it had: the answer is lost

    return Handler


# --- running coroutines on a loop in another thread --------------------------------


class LoopThread:
    """An asyncio event loop in a daemon thread, for servers that tests talk to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the loop and wait (at most ``timeout`` seconds) for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()
