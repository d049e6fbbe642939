"""``digestbot release`` and ``search`` answered without the engine, when nothing needs it.

A lookup process spends most of its time importing: pydantic (the models and the
settings) alone costs four times Python's own start.  When the settings are
certainly the defaults and the database is SQLite, ``bot.lookup`` answers from
plain rows and this prints what the engine's path prints, byte for byte; else
(a config file, settings in the environment, PostgreSQL, a search the semantic
model should rank) the handlers return ``None`` and the engine answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.lookup import Hit, Lookup
    from bot.store.sqlite import Store


T = TypeVar("T")


def _print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def _light_db(args: argparse.Namespace) -> str | None:
    """The SQLite database a light path may open: ``None`` when the settings may not be
    the defaults (they may name another database, or be invalid) or for PostgreSQL."""
    from bot.config_defaults import default_data_path, settings_are_defaults
    from bot.store.open import names_postgres

    if not settings_are_defaults(args.config):
        return None
    path = args.db if args.db is not None else default_data_path()
    if names_postgres(path):
        return None
    return str(path)


def _lookup(args: argparse.Namespace) -> Lookup | None:
    path = _light_db(args)
    if path is None:
        return None
    from bot.lookup import open_lookup

    return open_lookup(path)


class UnchangedFiles:
    """``ingest``'s check of files unchanged since their last ingest, before the engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, args: argparse.Namespace) -> UnchangedFiles | None:
        """The check, or ``None`` where the engine must decide (``--force``, a config
        file or settings variables, PostgreSQL)."""
        path = None if args.force else _light_db(args)
        if path is None:
            return None
        from bot.store.sqlite import Store

        return cls(Store(path))

    def skip(self, source: str) -> bool:
        """Whether ``source`` is an unchanged file; if so, its line is printed."""
        from bot.config_defaults import DEFAULT_MAX_BYTES
        from bot.unchanged import is_unchanged_file, unchanged_line

        if not is_unchanged_file(self.store, source, max_bytes=DEFAULT_MAX_BYTES):
            return False
        print(unchanged_line(source))
        return True

    def close(self) -> None:
        """Close the database."""
        self.store.close()


def _ask(args: argparse.Namespace, question: Callable[[Lookup], T]) -> tuple[T] | None:
    """``question``'s answer over a light lookup (closed after), or ``None`` when the
    engine should answer (not the default settings, PostgreSQL, ``NeedsEngine``)."""
    from bot.lookup import NeedsEngine

    lookup = _lookup(args)
    if lookup is None:
        return None
    try:
        return (question(lookup),)
    except NeedsEngine:
        return None
    finally:
        lookup.store.close()


def light_release(args: argparse.Namespace) -> int | None:
    """``release QUERY [--json]``: the exit code, or ``None`` when the engine should answer."""
    asked = _ask(args, lambda lookup: lookup.release(args.query))
    if asked is None:
        return None
    (answer,) = asked
    if args.json:
        from bot.lookup_json import release_doc

        _print_json(release_doc(answer))
    else:
        from adapters.console.lookup_render import render_release

        print(render_release(answer))
    return 0


def light_search(args: argparse.Namespace) -> int | None:
    """``search QUERY [--json] [--limit N]``: the exit code, or ``None`` when the engine
    should answer."""

    def search(lookup: Lookup) -> list[Hit]:
        from bot.errors import EmptyStoreError

        if lookup.store.episode_count() == 0:
            raise EmptyStoreError("no episodes yet: run `digestbot ingest FEED` first")
        return lookup.search(args.query, limit=args.limit)

    asked = _ask(args, search)
    if asked is None:
        return None
    (hits,) = asked
    if args.json:
        from bot.lookup_json import search_doc

        _print_json(search_doc(hits))
        return 0
    from adapters.console.lookup_render import render_search

    print(render_search(args.query, hits))
    return 0 if hits else 1
