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

import httpx

from bot.errors import FetchError, InvalidSourceError
from bot.feeds.guard import FetchGuard
from bot.feeds.local import Fetched
from bot.feeds.local import is_url as is_url  # re-exported: callers import them from here
from bot.feeds.local import read_file as read_file
from bot.feeds.transport import deadline, feed_transport, past_deadline
from bot.feedurls import redact_feed_url, redact_urls
from bot.retry_after import parse_retry_after

MAX_REDIRECTS = 5
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)


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
    shown = redact_feed_url(url)  # errors are shown and logged: no private feed's token
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
                    f"{shown}: HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    f"{shown}: {int(declared):,} bytes is over the {max_bytes:,}-byte cap"
                )
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                if past_deadline():  # a client without our transport still stops here
                    raise _deadline_error(shown, deadline_seconds)
                total += len(chunk)
                if total > max_bytes:
                    raise FetchError(f"{shown}: body is over the {max_bytes:,}-byte cap")
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
        raise FetchError(f"{shown}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        if past_deadline(margin=0.1):  # the last read was cut to end at the deadline
            raise _deadline_error(shown, deadline_seconds) from None
        raise FetchError(f"{shown}: timed out") from None
    except httpx.InvalidURL as exc:
        raise InvalidSourceError(f"{shown}: invalid URL ({redact_urls(str(exc))})") from None
    except httpx.HTTPError as exc:
        reason = redact_urls(str(exc)) or type(exc).__name__
        raise FetchError(f"{shown}: {reason}") from None


def _deadline_error(shown: str, seconds: float | None) -> FetchError:
    took = f" after {seconds:g} s" if seconds is not None else ""
    return FetchError(f"{shown}: gave up{took} (the fetch deadline): the server is too slow")


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
