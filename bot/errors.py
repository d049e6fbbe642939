"""One error hierarchy for digestbot.

Every error the core raises on purpose derives from ``DigestbotError``; the
CLI and the adapters turn these into one-line messages or polite replies.
Anything else is a bug and propagates.  Errors also subclass a builtin where
one fits, so callers can catch them either way.
"""

from __future__ import annotations


class DigestbotError(Exception):
    """Root of every error digestbot raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(DigestbotError, ValueError):
    """The configuration is invalid; the message names the bad key."""


class SourceError(DigestbotError):
    """A feed or document could not be read (missing file, bad URL, HTTP failure)."""


class InvalidSourceError(SourceError, ValueError):
    """The source string is neither an http(s) URL nor an existing file."""


class FetchError(SourceError):
    """Fetching a feed over HTTP failed (timeout, status, size cap)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedParseError(SourceError):
    """The bytes are not a feed or an episode document at all."""


class StorageError(DigestbotError):
    """The database could not be opened, migrated or written."""


class NotFoundError(DigestbotError, LookupError):
    """A lookup matched nothing; ``suggestions`` holds the nearest names."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class EmptyStoreError(NotFoundError):
    """The database holds no episodes yet."""
