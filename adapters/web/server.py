"""``digestbot web``: the archive served over HTTP.

The standard library's ``http.server`` with a small thread pool: pages are
read-only renders of a few milliseconds over one SQLite store (which
serialises reads anyway), so an ASGI stack would add dependencies and buy
nothing; the pool bounds concurrency where ``ThreadingHTTPServer`` would start
a thread per connection.  Only GET and HEAD; every answer carries a strict
Content-Security-Policy (no scripts at all) as a second line of defence
behind escaping.
"""

from __future__ import annotations

import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.web.render import HTML, Page, Pages

log = logging.getLogger(__name__)

#: Worker threads answering requests.
WORKERS = 8
#: Seconds an idle keep-alive connection may hold a worker before it is closed.
IDLE_TIMEOUT = 10.0
#: Longest request line + headers accepted (a URL this long is no page of ours).
MAX_URL = 2048
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class _Handler(BaseHTTPRequestHandler):
    server: ArchiveServer
    protocol_version = "HTTP/1.1"
    server_version = "digestbot"
    sys_version = ""
    # Headers and body go out as two writes: with Nagle's algorithm on, the second
    # waits for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        # An idle keep-alive connection holds a worker: it is closed after a while.
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        if len(self.path) > MAX_URL:
            page = Page(414, HTML, b"URL too long")
        else:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
            try:
                page = self.server.pages.get(parts.path, query)
            except Exception:  # one broken page must not take the server down
                log.exception("error rendering %s", parts.path[:200])
                page = Page(500, HTML, b"Internal error")
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class ArchiveServer(HTTPServer):
    """An HTTP server answering from ``pages`` on a pool of worker threads."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        pages: Pages,
        *,
        workers: int = WORKERS,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.pages = pages
        self.idle_timeout = idle_timeout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="web")
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._pool.submit(self._work, request, client_address)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def url(self) -> str:
        """The address this server answers on."""
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def make_server(
    pages: Pages, host: str = "127.0.0.1", port: int = 8080, *, idle_timeout: float = IDLE_TIMEOUT
) -> ArchiveServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving."""
    server_class = _ArchiveServer6 if ":" in host else ArchiveServer
    return server_class((host, port), pages, idle_timeout=idle_timeout)


class _ArchiveServer6(ArchiveServer):
    address_family = socket.AF_INET6
