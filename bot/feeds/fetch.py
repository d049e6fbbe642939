"""Getting a source's bytes: local files, or HTTP with httpx.

HTTP fetches have a timeout, a size cap (counted while streaming, so a huge
or endless body is cut off), a redirect limit and conditional GET
(ETag / Last-Modified).  Every failure is a ``FetchError`` with one clear
line; a 429 or 503 carries the server's Retry-After.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.errors import FetchError, InvalidSourceError

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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch_url(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
) -> Fetched:
    """GET ``url`` with conditional headers; raise ``FetchError`` on any failure."""
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
                    retry_after=_retry_after(response),
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    f"{url}: {int(declared):,} bytes is over the {max_bytes:,}-byte cap"
                )
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
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
        raise FetchError(f"{url}: timed out") from None
    except httpx.InvalidURL as exc:
        raise InvalidSourceError(f"{url}: invalid URL ({exc})") from None
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise FetchError(f"{url}: {reason}") from None


def make_client(*, timeout: float, user_agent: str) -> httpx.Client:
    """An httpx client with digestbot's timeouts, redirect limit and user agent."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent,
            "Accept": _ACCEPT,
        },
    )
