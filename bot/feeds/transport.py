"""The network layer under feed fetches: a total deadline and the connect-time address check.

httpx's timeouts bound each connect and each read, not a whole fetch: a
server dripping a byte every few seconds never trips them.  ``deadline``
sets a monotonic end time for the fetches made inside it (in this thread or
task), and every connect, read and write below shrinks its timeout to what
is left, so a fetch ends at the deadline, mid-body or not.

With a ``FetchGuard`` the backend also resolves the host itself, checks every
address, and connects to the checked address (TLS still verifies and sends
the host name): what was checked is what is connected to, with no second
DNS answer in between to rebind.
"""

from __future__ import annotations

import contextlib
import time
import typing
from collections.abc import Iterator
from contextvars import ContextVar

import httpcore
import httpx

from bot.feeds.guard import FetchGuard

_DEADLINE: ContextVar[float | None] = ContextVar("digestbot_fetch_deadline", default=None)

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[float | None]:
    """Fetches inside end within ``seconds`` (``None``: no overall deadline).

    Yields the monotonic end time.  Nested deadlines keep the earlier one.
    """
    outer = _DEADLINE.get()
    end = None if seconds is None else time.monotonic() + seconds
    if outer is not None and (end is None or outer < end):
        end = outer
    token = _DEADLINE.set(end)
    try:
        yield end
    finally:
        _DEADLINE.reset(token)


def past_deadline(margin: float = 0.0) -> bool:
    """Whether the current deadline (if any) has passed, or will within ``margin`` seconds."""
    end = _DEADLINE.get()
    return end is not None and time.monotonic() >= end - margin


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the deadline; raise ``error`` when none is left."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A stream whose reads and writes end by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class FeedNetworkBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with the deadline, and the address check when guarded."""

    def __init__(self, guard: FetchGuard | None = None) -> None:
        self.guard = guard
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        if self.guard is None:
            stream = self._tcp.connect_tcp(host, port, timeout, local_address, socket_options)
            return _DeadlineStream(stream)
        # Resolve, check every address, connect only to a checked one.
        addresses = self.guard.checked_addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._tcp.connect_tcp(
                    str(address),
                    port,
                    _bounded(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for feeds")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def feed_transport(*, guard: FetchGuard | None = None) -> httpx.HTTPTransport:
    """An httpx transport over ``FeedNetworkBackend`` (no proxies: the check must see the host)."""
    transport = httpx.HTTPTransport(retries=0)
    # httpx does not take a network backend; its pool is rebuilt with ours, same defaults.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        http1=True,
        http2=False,
        retries=0,
        network_backend=FeedNetworkBackend(guard),
    )
    return transport
