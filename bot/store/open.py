"""Opening the store a path or URL names: SQLite for a file, PostgreSQL for a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.protocol import StoreLike

#: What a PostgreSQL URL starts with (``bot.store.postgres.is_postgres_url``): told here
#: without importing the PostgreSQL store, which a SQLite process never needs.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def names_postgres(path: str) -> bool:
    """Whether ``path`` is a PostgreSQL URL rather than a SQLite file."""
    return path.startswith(POSTGRES_SCHEMES)


def open_store(path: str) -> StoreLike:
    """``PgStore`` for ``postgresql://...``, the SQLite ``Store`` for anything else."""
    if names_postgres(path):
        from bot.store.postgres import PgStore

        return PgStore(path)
    from bot.store.sqlite import Store

    return Store(path)
