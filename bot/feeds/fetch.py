"""Getting a source's bytes: local files, or HTTP with httpx.

HTTP fetches have a timeout per read, a total deadline (``deadline_seconds``:
a dripping body is cut off), a size cap (counted while streaming, so a huge
or endless body is cut off), a redirect limit and conditional GET
(ETag / Last-Modified).  Every failure is a ``FetchError`` with one clear
line; a 429 or 503 carries the server's Retry-After (clamped, see
``bot.retry_after``).  A client made with a ``FetchGuard`` (feeds added from
chat) checks every request and redirect and every connection's address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.errors import FetchError, InvalidSourceError
from bot.feeds.guard import FetchGuard
from bot.feeds.transport import deadline, feed_transport, past_deadline
from bot.retry_after import parse_retry_after

MAX_REDIRECTS = 5
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class Fetched:
    """A source's bytes (``None`` when the server said 304 Not Modified)."""

    source: str
    content: bytes | None
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        """Whether the server answered 304."""
        return self.content is None


def is_url(source: str) -> bool:
    """Whether ``source`` is an http(s) URL (anything else is taken as a path)."""
    return urlsplit(source).scheme.lower() in ("http", "https")


def read_file(source: str, *, max_bytes: int) -> Fetched:
    """Read a local feed or document."""
    path = Path(source).expanduser()
    if "://" in source and not is_url(source):
        raise InvalidSourceError(f"{source}: only http(s) URLs and local files can be ingested")
    if not path.exists():
        raise InvalidSourceError(f"{source}: no such file")
    if path.is_dir():
        raise InvalidSourceError(f"{source}: is a directory, not a feed file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FetchError(f"{source}: file is {size:,} bytes, over the {max_bytes:,}-byte cap")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidSourceError(f"{source}: cannot read ({exc.strerror or exc})") from None
    return Fetched(source, data, hashlib.sha256(data).hexdigest())


def fetch_url(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    deadline_seconds: float | None = None,
) -> Fetched:
    """GET ``url`` with conditional headers; raise ``FetchError`` on any failure.

    The whole fetch, redirects and body included, ends within ``deadline_seconds``.
    """
    with deadline(deadline_seconds):
        return _fetch(client, url, etag, last_modified, max_bytes, deadline_seconds)


def _fetch(
    client: httpx.Client,
    url: str,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    deadline_seconds: float | None,
) -> Fetched:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(url, None, None, etag, last_modified)
            if response.status_code >= 400:
                raise FetchError(
                    f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    f"{url}: {int(declared):,} bytes is over the {max_bytes:,}-byte cap"
                )
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                if past_deadline():  # a client without our transport still stops here
                    raise _deadline_error(url, deadline_seconds)
                total += len(chunk)
                if total > max_bytes:
                    raise FetchError(f"{url}: body is over the {max_bytes:,}-byte cap")
                chunks.append(chunk)
            data = b"".join(chunks)
            return Fetched(
                url,
                data,
                hashlib.sha256(data).hexdigest(),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                response.headers.get("Content-Type"),
            )
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        if past_deadline(margin=0.1):  # the last read was cut to end at the deadline
            raise _deadline_error(url, deadline_seconds) from None
        raise FetchError(f"{url}: timed out") from None
    except httpx.InvalidURL as exc:
        raise InvalidSourceError(f"{url}: invalid URL ({exc})") from None
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise FetchError(f"{url}: {reason}") from None


def _deadline_error(url: str, seconds: float | None) -> FetchError:
    took = f" after {seconds:g} s" if seconds is not None else ""
    return FetchError(f"{url}: gave up{took} (the fetch deadline): the server is too slow")


def make_client(
    *, timeout: float, user_agent: str, guard: FetchGuard | None = None
) -> httpx.Client:
    """An httpx client with digestbot's timeouts, redirect limit and user agent.

    With ``guard`` (feeds added from chat) every request and every redirect is
    checked before it is sent, and every connection's address when it is made.
    A guarded client ignores the environment's proxy settings: a proxy would
    connect on our behalf, past the address check.
    """
    hooks: dict[str, list[object]] = {}
    if guard is not None:

        def check(request: httpx.Request) -> None:
            guard.check_url(str(request.url))

        hooks["request"] = [check]
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent,
            "Accept": _ACCEPT,
        },
        transport=feed_transport(guard=guard),
        trust_env=guard is None,
        event_hooks=hooks,  # type: ignore[arg-type]
    )
