"""The ``changes`` subcommand, registered by ``app.cli``.

digestbot changes [--since DATE] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0


def register(sub: Any) -> None:
    """Add this module's subcommand to the CLI's subparsers."""
    p = sub.add_parser(
        "changes",
        help="per release family, what is new since the last weekly post (or --since)",
    )
    p.add_argument("--since", metavar="DATE", help="since DATE (YYYY-MM-DD) instead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_changes)


def cmd_changes(args: argparse.Namespace) -> int:
    """Print what changed per family: new releases, moved facts, new families."""
    from app.export_cli import open_engine, parse_since
    from bot.changes import render_changes, stored_changes

    since = parse_since(args.since) if args.since else None
    engine = open_engine(args)
    try:
        changes = stored_changes(engine.store, since)
    finally:
        engine.close()
    if args.json:
        sys.stdout.write(json.dumps(changes.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print(render_changes(changes))
    return EXIT_OK
