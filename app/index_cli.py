"""``digestbot index``: compute the semantic vectors an ingest leaves to be computed.

An ingest stores items without their semantic vectors (numpy and the model would be
most of its time and memory); the first blended search embeds them, and so does
``digestbot run`` after each poll.  This command does it ahead, e.g. after a large import.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def register(sub: Any) -> None:
    """Add ``index`` to the CLI's subcommands."""
    p = sub.add_parser("index", help="compute the semantic search vectors of new items")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_index)


def cmd_index(args: argparse.Namespace) -> int:
    """Embed the items without semantic vectors; say how many and how long it took."""
    from bot.config import load_settings
    from bot.engine import make_engine

    settings = load_settings(args.config)
    engine = make_engine(settings, db_path=args.db)
    try:
        enabled = engine.semantic is not None
        start = time.perf_counter()
        count = engine.index_vectors()
        seconds = time.perf_counter() - start
    finally:
        engine.close()
    if args.json:
        doc = {"semantic": enabled, "embedded": count, "seconds": round(seconds, 3)}
        print(json.dumps(doc, indent=2))
    elif not enabled:
        print(
            "semantic search is off ([search] semantic = false, a PostgreSQL database,"
            " or the 'semantic' extra is not installed): nothing to index"
        )
    else:
        print(f"{count} items embedded in {seconds:.1f} s")
    return 0
