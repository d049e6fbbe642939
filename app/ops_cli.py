"""``digestbot status`` (the replicas and their leader) and ``digestbot migrate-db``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

EXIT_OK = 0


def register(sub: Any) -> None:
    """Add ``status`` and ``migrate-db`` to the CLI's subcommands."""
    p = sub.add_parser("status", help="the running replicas and which one leads")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
    p = sub.add_parser(
        "migrate-db", help="copy this SQLite database into PostgreSQL (safe to repeat)"
    )
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://... target")
    p.set_defaults(handler=cmd_migrate_db)


def _path(args: argparse.Namespace) -> str:
    from bot.config import load_settings
    from bot.engine import default_db_path

    if args.db:
        return str(args.db)
    return default_db_path(load_settings(getattr(args, "config", None)))


def cmd_status(args: argparse.Namespace) -> int:
    """List the replicas heard from in the last ``STALE_SECONDS``, leader first."""
    from bot.schedule.leader import STALE_SECONDS
    from bot.store.open import open_store

    store = open_store(_path(args))
    try:
        after = datetime.now(UTC) - timedelta(seconds=STALE_SECONDS)
        replicas = store.replica_table().listing(after.isoformat())
    finally:
        store.close()
    if args.json:
        print(json.dumps({"replicas": [r.as_json() for r in replicas]}, indent=2))
        return EXIT_OK
    if not replicas:
        print("no `digestbot run` is running on this database")
    for r in replicas:
        role = f"leader since {r.since}" if r.leader else "follower"
        print(f"{r.id}  {role}  (host {r.host}, pid {r.pid}, last seen {r.last_seen})")
    return EXIT_OK


def cmd_migrate_db(args: argparse.Namespace) -> int:
    """Copy the SQLite database (``--db``) into the PostgreSQL database ``--to``."""
    from bot.errors import ConfigError
    from bot.store.copy import copy_sqlite_to_postgres
    from bot.store.postgres import PgStore, is_postgres_url
    from bot.store.sqlite import Store

    source_path = _path(args)
    if is_postgres_url(source_path):
        raise ConfigError("migrate-db copies a SQLite file: give it with --db PATH")
    if not is_postgres_url(args.to):
        raise ConfigError("--to must be a postgresql:// URL")
    source = Store(source_path)
    try:
        target = PgStore(args.to)
        try:
            report = copy_sqlite_to_postgres(source, target)
        finally:
            target.close()
    finally:
        source.close()
    for line in report.lines():
        print(line)
    print("counts verified: every table holds the same rows on both sides")
    return EXIT_OK
