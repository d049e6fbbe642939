"""Local sources: reading a feed file and telling a URL from a path, without httpx.

Split from ``bot.feeds.fetch`` so a re-ingest of an unchanged file compares its
hash without importing the HTTP stack (``fetch`` re-exports these names).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import FetchError, InvalidSourceError
from bot.feedurls import redact_feed_url


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
        raise InvalidSourceError(
            f"{redact_feed_url(source)}: only http(s) URLs and local files can be ingested"
        )
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
