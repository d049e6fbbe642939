"""The watch subcommands, registered by ``app.cli``.

    digestbot watch add TARGET QUERY [--org NAME]... [--license NAME]... [--anyway]
    digestbot watch list [--json]
    digestbot watch remove ID

TARGET is a subscription target (``slack:C0123``, ``discord:ID``, a webhook)
or ``slack-user:UID`` / ``discord-user:UID`` for direct messages.  Mistakes
raise ``DigestbotError``s, printed by ``app.cli.main`` as one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

# Imported by every command's parser (``digestbot release`` too): the settings, the
# engine and the watches are imported by the handlers that use them.
if TYPE_CHECKING:
    from bot.watch.watches import Watches

EXIT_OK = 0


def register(sub: Any) -> None:
    """Add ``watch`` and its actions to the CLI's subparsers."""
    p = sub.add_parser("watch", help="a message whenever a new episode names a release")
    actions = p.add_subparsers(dest="watch_action", metavar="ACTION", required=True)

    a = actions.add_parser("add", help="watch a release or family; prints the watch id")
    a.add_argument(
        "target",
        metavar="TARGET",
        help="slack-user:USER_ID or discord-user:USER_ID (direct messages), or a subscription"
        " target: slack:CHANNEL_ID, discord:CHANNEL_ID, a webhook, console",
    )
    a.add_argument("query", metavar="QUERY", help='a release or family, e.g. "qwen"')
    a.add_argument("--org", action="append", default=[], metavar="NAME")
    a.add_argument("--license", action="append", default=[], metavar="NAME")
    a.add_argument(
        "--anyway", action="store_true", help="keep a watch on a name no episode has named yet"
    )
    a.set_defaults(handler=cmd_watch_add)

    a = actions.add_parser("list", help="list watches")
    a.add_argument("--json", action="store_true", help="a JSON list")
    a.set_defaults(handler=cmd_watch_list)

    a = actions.add_parser("remove", help="remove a watch")
    a.add_argument("id", metavar="ID")
    a.set_defaults(handler=cmd_watch_remove)


def _watches(args: argparse.Namespace) -> tuple[Any, Watches]:
    from bot.config import load_settings
    from bot.engine import make_engine
    from bot.watch.watches import Watches

    engine = make_engine(load_settings(args.config), db_path=args.db)
    return engine, Watches(engine.store)


def cmd_watch_add(args: argparse.Namespace) -> int:
    """Create a watch and print its id."""
    from bot.timing import SystemClock
    from bot.watch.watches import build

    engine, watches = _watches(args)
    try:
        watch = build(
            engine.store,
            args.target,
            args.query,
            created_at=SystemClock().now(),
            orgs=args.org,
            licenses=args.license,
            anyway=args.anyway,
        )
        added = watches.add(watch)
    finally:
        engine.close()
    print(added.id)
    already = "already " if added.id != watch.id else ""
    print(f"digestbot: {already}watching {added.describe()}", file=sys.stderr)
    return EXIT_OK


def cmd_watch_list(args: argparse.Namespace) -> int:
    """List watches (``--json``: a JSON list)."""
    engine, watches = _watches(args)
    try:
        found = watches.all()
    finally:
        engine.close()
    if args.json:
        sys.stdout.write(json.dumps([w.as_json() for w in found], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return EXIT_OK
    if not found:
        print("No watches. Add one with `digestbot watch add TARGET QUERY`.")
    for watch in found:
        print(watch.describe())
    return EXIT_OK


def cmd_watch_remove(args: argparse.Namespace) -> int:
    """Remove a watch and its alert history."""
    engine, watches = _watches(args)
    try:
        watch = watches.remove(args.id)
    finally:
        engine.close()
    print(f"removed watch {watch.id} ({watch.query})")
    return EXIT_OK
