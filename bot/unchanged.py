"""Whether a feed file is unchanged since its last ingest, told before anything heavy loads.

``digestbot ingest FILE`` of a file whose bytes did not change does nothing but
say so; deciding that needs the stored hash and the file's, not feedparser, the
extractor, pydantic or the engine (``Engine.ingest`` decides the same way, and
anything else, a URL or a changed file, goes to it).
"""

from __future__ import annotations

from bot.errors import DigestbotError
from bot.feeds.local import is_url, read_file
from bot.feedurls import redact_feed_url
from bot.store.sqlite import Store


def unchanged_line(source: str) -> str:
    """The line ``ingest`` prints for a source it skipped (``IngestReport.line``)."""
    return f"{redact_feed_url(source)}: unchanged since last ingest"


def is_unchanged_file(store: Store, source: str, *, max_bytes: int) -> bool:
    """Whether ``source`` is a local file holding the bytes last ingested into ``store``
    (False for URLs, unreadable files and new sources: the engine deals with those)."""
    if is_url(source):
        return False
    state = store.source_state(source)
    if state is None or state.content_hash is None:
        return False
    try:
        fetched = read_file(source, max_bytes=max_bytes)
    except DigestbotError:  # the engine reads it again and reports it
        return False
    return fetched.content_hash == state.content_hash
