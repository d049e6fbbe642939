"""A small HTTP server for ``/healthz`` and ``/metrics``, on a thread of its own.

It runs beside the asyncio runtime rather than on its loop: a scrape never
waits behind chat traffic, and it needs no web framework.  Only GET (and
HEAD) of the two paths are answered: other paths are 404, other methods 501.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.store.metrics import Health

log = logging.getLogger(__name__)


class MetricsServer:
    """Serve ``health`` on ``host:port`` until ``close()`` (port 0: any free port)."""

    def __init__(self, health: Health, *, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"health": health})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="digestbot-metrics", daemon=True
        )

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def start(self) -> MetricsServer:
        """Start serving in the background."""
        self._thread.start()
        log.info("metrics: /healthz and /metrics on port %d", self.port)
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    health: Health
    server_version = "digestbot"
    sys_version = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, self.health.scrape(), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            problems = self.health.problems()
            body = ("ok\n" if not problems else "\n".join(problems) + "\n").encode()
            self._send(503 if problems else 200, body, "text/plain; charset=utf-8")
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("metrics %s", format % args)
