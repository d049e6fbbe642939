"""The export and import subcommands, registered by ``app.cli``.

    digestbot export --format atom|jsonfeed [--since DATE] [--feed URL]... [--self-url URL]
                     [--out FILE]
    digestbot export --format opml [--redact] [--out FILE]
    digestbot import FILE.opml

Without ``--out`` an export goes to standard output; with it, to a temporary file
renamed over FILE once complete.  Mistakes (bad date, unwritable path, malformed
OPML) raise ``DigestbotError``s, printed by ``app.cli.main`` as one line.

The OPML export is the operator's copy of the feed list (a backup, or a move to
another reader), so it holds the whole URLs, private feeds' tokens included,
as ``subscriptions --show-secrets`` does; a note on standard error says how many
carry a credential.  ``--redact`` writes a list safe to share instead (those
URLs then no longer work).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.engine import Engine

EXIT_OK = 0


def register(sub: Any) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    p = sub.add_parser(
        "export", help="release items as Atom or JSON Feed, or the feed list as OPML"
    )
    p.add_argument("--format", choices=("atom", "jsonfeed", "opml"), required=True)
    p.add_argument(
        "--since", metavar="DATE", help="only items of episodes published on or after DATE"
    )
    p.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="only items of this feed"
    )
    p.add_argument(
        "--self-url", metavar="URL", help="where the export will be published (its own link)"
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="opml: hide private feeds' credentials (a list to share, not to import)",
    )
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="add the feeds of an OPML file to the feeds polled")
    p.add_argument("file", metavar="FILE.opml")
    p.set_defaults(handler=cmd_import)


def open_engine(args: argparse.Namespace) -> Engine:
    """The engine on the database the global ``--db``/``--config`` options name."""
    from bot.config import load_settings
    from bot.engine import make_engine

    return make_engine(load_settings(args.config), db_path=args.db)


def parse_since(text: str) -> datetime:
    """A ``--since`` value: YYYY-MM-DD or an ISO 8601 time (UTC when it names no zone)."""
    from bot.errors import DigestbotError

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DigestbotError(f"bad --since {text!r}: use YYYY-MM-DD") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _feed_list(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    from bot.config import load_settings
    from bot.engine import make_engine
    from bot.exports.opml import merge_feeds
    from bot.schedule.subscriptions import Subscriptions
    from bot.timing import SystemClock

    settings = load_settings(args.config)
    engine = make_engine(settings, db_path=args.db)
    try:
        subs = Subscriptions(engine.store)
        subs.sync_config(settings, now=SystemClock().now())  # as `subscriptions` lists them
        titles = engine.store.source_titles()
        sub_feeds = [feed for s in subs.all() for feed in s.feeds]
        imported = engine.store.imported_feeds()
    finally:
        engine.close()
    listed = [(url, titles.get(url)) for url in [*settings.feeds, *sub_feeds]]
    # Sorted by URL: the same feeds give the same file, whatever order they were added in.
    return sorted(merge_feeds(listed, imported), key=lambda feed: feed[0])


def _private_feeds(
    feeds: list[tuple[str, str | None]], *, redact: bool
) -> list[tuple[str, str | None]]:
    """``feeds`` with credentials hidden when ``redact``; else a note when some carry one."""
    from bot.feedurls import redact_feed_url, redact_urls

    private = sum(1 for url, _ in feeds if redact_feed_url(url) != url)
    if redact:
        return [(redact_feed_url(url), title and redact_urls(title)) for url, title in feeds]
    if private:
        print(
            f"digestbot: note: {private} feed URL(s) in this export carry a credential"
            " (a private feed's token): keep the file private, or use --redact to share it",
            file=sys.stderr,
        )
    return feeds


def _feed_names(engine: Engine, feeds: list[str]) -> list[str]:
    """What episodes record for ``feeds``: episodes keep their feed's title, and a feed
    is named by URL (or file, or that title), as in ``subscribe --feed``."""
    if not feeds:
        return []
    titles = engine.store.source_titles()
    return sorted({*feeds, *(titles[feed] for feed in feeds if feed in titles)})


def cmd_export(args: argparse.Namespace) -> int:
    """Write release items (Atom, JSON Feed) or the feed list (OPML)."""
    if args.format == "opml":
        from bot.exports.opml import opml_document

        data = opml_document(_private_feeds(_feed_list(args), redact=args.redact))
    else:
        from bot.exports.items import atom_feed, json_feed

        since = parse_since(args.since) if args.since else None
        engine = open_engine(args)
        try:
            items = engine.store.items_since(since, feeds=_feed_names(engine, args.feed))
        finally:
            engine.close()
        if args.feed and not items:
            # Still a valid (empty) export, but a mistyped --feed should not pass unseen.
            from bot.feedurls import redact_feed_url

            shown = ", ".join(redact_feed_url(feed)[:80] for feed in args.feed)
            print(
                f"digestbot: note: no stored item comes from {shown}: --feed takes a feed's URL,"
                " file or title as ingested",
                file=sys.stderr,
            )
        if args.format == "atom":
            data = atom_feed(items, self_url=args.self_url)
        else:
            doc = json_feed(items, self_url=args.self_url)
            data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
    if args.out:
        from bot.exports.files import write_atomically

        write_atomically(args.out, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Add an OPML file's feeds to the feeds ``run`` polls (and ``export --format opml`` lists)."""
    from bot.exports.files import ExportError
    from bot.exports.opml import parse_opml

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    feeds = parse_opml(data, name=str(path))
    engine = open_engine(args)
    try:
        added = engine.store.import_feeds(feeds)
    finally:
        engine.close()
    print(f"{path}: {len(feeds)} feeds, {added} new")
    return EXIT_OK
