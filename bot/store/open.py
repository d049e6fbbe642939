"""Opening the store a path or URL names: SQLite for a file, PostgreSQL for a URL."""

from __future__ import annotations

from bot.store.protocol import StoreLike


def open_store(path: str) -> StoreLike:
    """``PgStore`` for ``postgresql://...``, the SQLite ``Store`` for anything else."""
    from bot.store.postgres import PgStore, is_postgres_url

    if is_postgres_url(path):
        return PgStore(path)
    from bot.store.sqlite import Store

    return Store(path)
