"""A loopback webhook receiver: what Slack, Discord and generic webhooks look like to digestbot.

``WebhookReceiver`` is a threading HTTP server on 127.0.0.1.  Every POST is
recorded; by default it answers like the platforms do (Slack: ``200 ok``;
Discord with ``?wait=true``: the message JSON with an ``id``; anything else:
``200 {"id": ...}``).  Tests script failures per path, in order:

    receiver.script("/hook/1", Reply(429, headers={"Retry-After": "0.1"}), Reply(200))
    receiver.script("/hook/2", HANG)   # read the request, never answer (until stop)
    receiver.script("/hook/3", Reply(lose="reset"))  # posted, then the answer is lost

A request counts as *accepted* only when it was answered with a 2xx: that is
what "posted" means to a platform, and what exactly-once is checked against.
It also flags any payload that could ping people (``pings``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

_SLACK_PINGS = re.compile(r"<(?:!(?:channel|here|everyone)|@[UW])")


@dataclass(frozen=True)
class Reply:
    """A scripted answer."""

    status: int = 200
    body: Any = None  # dict/list -> JSON, str -> text, None -> platform default
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: The platform has the message (it counts as accepted) but its answer is lost:
    #: "reset" closes the connection at once, "late" answers after ``delay`` seconds.
    lose: Literal["", "reset", "late"] = ""


#: Read the request and never answer it (until the receiver stops, or 30 s pass).
HANG = Reply(status=0)


@dataclass
class Request:
    """One recorded POST."""

    path: str
    query: str
    headers: dict[str, str]
    body: Any
    at: float
    status: int | None = None  # what it was answered with (None: never answered)

    @property
    def accepted(self) -> bool:
        """Whether the receiver answered 2xx, i.e. the message counts as posted."""
        return self.status is not None and 200 <= self.status < 300


class WebhookReceiver:
    """Loopback webhook receiver for tests and benches."""

    def __init__(self, *, hang_limit: float = 30.0) -> None:
        self.requests: list[Request] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._ids = itertools.count(1)
        #: Paths of Discord webhooks of forum channels (tests add them): posts there are threads.
        self.forum_paths: set[str] = set()
        #: Forum posts started with ``thread_name``: thread id -> name.
        self.threads: dict[str, str] = {}
        self.thread_violations: list[str] = []
        self._hang_limit = hang_limit
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: Called (in the server thread) with each request after it is recorded and before
        #: it is answered: a test acts at the instant the platform has a message.
        self.on_request: Callable[[Request], None] | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free loopback port."""
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung requests and stop listening."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        """The URL of ``path`` on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    # --- scripting and inspecting -------------------------------------------------------

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies``, in order."""
        with self._lock:
            self._scripts[path].extend(replies)

    def release_hung(self) -> None:
        """Let hung requests end (they get no answer: the connection closes)."""
        self._release.set()

    def to(self, path: str) -> list[Request]:
        """Requests to ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def accepted(self, path: str | None = None) -> list[Request]:
        """Requests answered 2xx (to ``path``, or anywhere)."""
        with self._lock:
            return [r for r in self.requests if r.accepted and (path is None or r.path == path)]

    def busiest_window(self, seconds: float = 1.0, *, prefix: str = "") -> int:
        """The most requests (to paths starting with ``prefix``) that arrived within ``seconds``."""
        with self._lock:
            times = sorted(r.at for r in self.requests if r.path.startswith(prefix))
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= seconds:
                first += 1
            most = max(most, last - first + 1)
        return most

    def pings(self) -> list[str]:
        """Texts in any payload that would notify people on Slack or Discord."""
        found: list[str] = []
        with self._lock:
            bodies = [r.body for r in self.requests]
        for body in bodies:
            if not isinstance(body, dict):
                continue
            discord = "embeds" in body or "content" in body
            slack = not discord and ("blocks" in body or "text" in body) and "digest" not in body
            if slack:
                found += _SLACK_PINGS.findall(json.dumps(body))
            if discord and body.get("allowed_mentions") != {"parse": []}:
                found.append("Discord payload without allowed_mentions {'parse': []}")
        return found

    def wait_for(self, predicate: Any, *, timeout: float = 10.0, what: str = "condition") -> None:
        """Block until ``predicate(self)`` is true; raise ``TimeoutError`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"webhook receiver: timed out waiting for {what}")
            time.sleep(0.02)

    # --- the server side ------------------------------------------------------------------

    def _discord(self, path: str, query: str, body: Any, message_id: str) -> tuple[int, Any]:
        """Discord's execute-webhook answer, threads as Discord has them.

        ``thread_name`` starts a forum post (only for a webhook of a forum
        channel, ``forum_paths``; else 400, code 220003), whose thread has the
        id of its first message; ``thread_id`` posts into that thread (into a
        thread the webhook's channel does not have: 400, code 10003).  A forum
        webhook needs one of the two (else 400, code 220001).
        """
        fields = dict(parse_qsl(query))
        name = body.get("thread_name") if isinstance(body, dict) else None
        thread = fields.get("thread_id")
        channel = "1"
        with self._lock:
            forum = path in self.forum_paths
            if name is not None:
                if not forum:
                    return 400, {
                        "message": "Webhooks can only create threads in forum channels",
                        "code": 220003,
                    }
                if not isinstance(name, str) or not 1 <= len(name) <= 100:
                    self.thread_violations.append(f"thread_name {name!r}")
                    return 400, {"message": "Invalid Form Body", "code": 50035}
                channel = message_id
                self.threads[message_id] = name
            elif thread is not None:
                if thread not in self.threads:
                    return 400, {"message": "Unknown Channel", "code": 10003}
                channel = thread
            elif forum:
                return 400, {
                    "message": "Webhooks posted to forum channels must have a thread_name or"
                    " thread_id",
                    "code": 220001,
                }
        return 200, {"id": message_id, "channel_id": channel, "content": ""}

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else None

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _answered(self, request: Request, status: int | None) -> None:
        with self._lock:
            request.status = status

    def _default(self, path: str, query: str, body: Any = None) -> tuple[int, Any]:
        message_id = str(next(self._ids))
        if "wait=true" in query:
            return self._discord(path, query, body, message_id)
        if "slack" in path:
            return 200, "ok"
        return 200, {"id": message_id}


class _Server(ThreadingHTTPServer):
    # A platform accepts many connections at once; the default backlog of 5 made a
    # burst of new connections wait a second or more for SYN retransmits.
    request_queue_size = 256


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            request = Request(
                parts.path,
                parts.query,
                {k.lower(): v for k, v in self.headers.items()},
                body,
                time.monotonic(),
            )
            receiver._record(request)
            if receiver.on_request is not None:
                receiver.on_request(request)
            reply = receiver._next_reply(parts.path)
            if reply is HANG or (reply is not None and reply.status == 0):
                receiver._release.wait(receiver._hang_limit)
                self.close_connection = True
                return
            if reply is not None and reply.lose:
                receiver._answered(request, reply.status)  # posted; the client never hears
                if reply.lose == "reset":
                    self.close_connection = True
                    return
            if reply is None:
                status, payload = receiver._default(parts.path, parts.query, body)
                headers: dict[str, str] = {}
            else:
                if reply.delay:
                    time.sleep(reply.delay)
                status, headers = reply.status, reply.headers
                payload = reply.body
                if payload is None and 200 <= status < 300:
                    payload = receiver._default(parts.path, parts.query, body)[1]
            data = (
                payload.encode()
                if isinstance(payload, str)
                else json.dumps(payload).encode()
                if payload is not None
                else b""
            )
            if reply is None or not reply.lose:
                # Marked before the answer goes out, so a client that has its answer finds it
                # accepted; taken back if the answer cannot be written (the client left).
                receiver._answered(request, status)
            try:
                self.send_response(status)
                content_type = "text/plain" if isinstance(payload, str) else "application/json"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                if reply is None or not reply.lose:
                    receiver._answered(request, None)  # the client went away: not accepted

    return Handler


class RecordingSink:
    """An in-memory ``Sink``: records each digest; ``fail_with`` queues errors to raise first."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.posts: list[tuple[str, Any]] = []
        self.attempts: list[tuple[str, Any]] = []
        #: The ``already`` of each attempt.
        self.resumed: list[tuple[str, ...]] = []
        self.fail_with: deque[Exception] = deque()
        self.delay = 0.0

    async def post_digest(
        self,
        channel_id: str,
        digest: Any,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Record the post (or raise the next queued error); ``already`` is kept in ``resumed``."""
        import asyncio

        self.attempts.append((channel_id, digest))
        self.resumed.append(tuple(already))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with:
            raise self.fail_with.popleft()
        self.posts.append((channel_id, digest))
        message_id = f"{self.platform}-{len(self.posts)}"
        if on_posted is not None:
            on_posted(message_id)
        return [*already, message_id]
