"""The ``digestbot`` command line.

Every user mistake (missing file, bad URL, unknown episode, empty database,
malformed feed, invalid config) ends as one line on stderr and a non-zero
exit, never a traceback.  Lookups import neither feed parsing nor any chat
SDK, so ``digestbot release kokoro`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import DigestbotError, NotFoundError
from bot.store.errors import DRIVER_ERRORS

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("digestbot")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import load_settings

    return load_settings(args.config)


def _engine(args: argparse.Namespace, settings: Settings | None = None):  # type: ignore[no-untyped-def]
    from bot.engine import make_engine

    return make_engine(settings or _settings(args), db_path=args.db)


def _lookup_engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """An engine for ``release``/``search``: without loading settings when they are
    certainly the defaults (no config file, no settings variable); else as ``_engine``."""
    from bot.config_defaults import settings_are_defaults

    if not settings_are_defaults(args.config):
        return _engine(args)
    from bot.engine import make_engine

    return make_engine(db_path=args.db, lazy_settings=True)


# --- commands -----------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    """Read feeds and documents into the database; one line per source."""
    from app.lookup_cli import UnchangedFiles

    unchanged = UnchangedFiles.open(args)  # files whose bytes did not change: no engine
    engine = None
    failed = 0
    try:
        for source in args.sources:
            if unchanged is not None and unchanged.skip(source):
                continue
            if engine is None:
                if unchanged is not None:
                    unchanged.close()
                    unchanged = None
                engine = _ingest_engine(args)
            try:
                report = engine.ingest(source, force=args.force)
            except DigestbotError as exc:
                failed += 1
                print(f"digestbot: error: {exc}", file=sys.stderr)
                continue
            for warning in report.warnings:
                print(f"digestbot: warning: {warning}", file=sys.stderr)
            print(report.line())
    finally:
        for opened in (engine, unchanged):
            if opened is not None:
                opened.close()
    return EXIT_ERROR if failed else EXIT_OK


def _ingest_engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.config_defaults import settings_are_defaults
    from bot.engine import make_engine
    from bot.summarise import make_summariser

    if settings_are_defaults(args.config):  # an unchanged file is skipped without settings
        return make_engine(db_path=args.db, summariser=make_summariser(), lazy_settings=True)
    settings = _settings(args)
    return make_engine(settings, db_path=args.db, summariser=make_summariser(settings))


def cmd_episodes(args: argparse.Namespace) -> int:
    """List stored episodes, newest first."""
    from bot.formats import episodes_json

    engine = _engine(args)
    try:
        episodes = engine.episodes()
    finally:
        engine.close()
    if args.json:
        _print_json(episodes_json(episodes))
        return EXIT_OK
    if not episodes:
        print(
            "digestbot: error: no episodes yet: run `digestbot ingest FEED` first", file=sys.stderr
        )
        return EXIT_ERROR
    from adapters.console.render import render
    from bot.models import EpisodesReply

    print(render(EpisodesReply(episodes=tuple(episodes))))
    return EXIT_OK


def cmd_tldr(args: argparse.Namespace) -> int:
    """Print an episode's TL;DR in the chosen format."""
    engine = _engine(args)
    try:
        digest = engine.tldr(args.episode)
    finally:
        engine.close()
    if args.format == "json":
        from bot.formats import digest_json

        _print_json(digest_json(digest))
    elif args.format == "markdown":
        from bot.formats import digest_markdown

        sys.stdout.write(digest_markdown(digest))
    elif args.format == "slack":
        from adapters.slack.render import render_digest as slack_digest

        _print_json(slack_digest(digest))
    elif args.format == "discord":
        from adapters.discord.render import render_digest as discord_digest

        _print_json(discord_digest(digest))
    else:
        from adapters.console.render import render_digest

        print(render_digest(digest))
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    """Tell what a release is, where it came up, and its links."""
    from app.lookup_cli import light_release

    code = light_release(args)  # without the engine and pydantic when nothing needs them
    if code is not None:
        return code
    engine = _lookup_engine(args)
    try:
        reply = engine.release(args.query)
    finally:
        engine.close()
    if args.json:
        from bot.formats import release_json

        _print_json(release_json(reply))
    else:
        from adapters.console.render import render

        print(render(reply))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """Ranked releases matching the query."""
    from app.lookup_cli import light_search

    code = light_search(args)
    if code is not None:
        return code
    engine = _lookup_engine(args)
    try:
        if engine.store.episode_count() == 0:
            from bot.errors import EmptyStoreError

            raise EmptyStoreError("no episodes yet: run `digestbot ingest FEED` first")
        hits = engine.search(args.query, limit=args.limit)
    finally:
        engine.close()
    if args.json:
        from bot.formats import search_json

        _print_json(search_json(hits))
        return EXIT_OK
    from adapters.console.render import render
    from bot.models import SearchReply

    print(render(SearchReply(query=args.query, hits=tuple(hits))))
    return EXIT_OK if hits else EXIT_ERROR


def sample_feed_path() -> Path:
    """The demo feed shipped inside the package."""
    from importlib import resources

    return Path(str(resources.files("bot") / "data" / "sample_feed.rss"))


DEMO_COMMANDS = (
    "/tldr jan 9",
    "/release kokoro",
    "/release phi 4",
    "/search tts",
    "/release kokorro",
)


def cmd_demo(args: argparse.Namespace) -> int:
    """Offline tour: ingest the bundled sample feed, post its TL;DR, answer commands."""
    import asyncio

    from adapters.console.adapter import ConsoleAdapter
    from bot.commands import Commands
    from bot.config import Settings
    from bot.engine import make_engine
    from bot.summarise import make_summariser

    settings = Settings()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="digestbot-demo-") as tmp:
        db = args.db or str(Path(tmp) / "demo.db")
        engine = make_engine(settings, db_path=db, summariser=make_summariser(settings))
        try:
            report = engine.ingest(str(sample_feed_path()))
            print(f"Ingested the bundled sample feed: {report.line().split(': ', 1)[1]}\n")
            console = ConsoleAdapter(Commands(engine))
            print("Weekly TL;DR, as the scheduler posts it:\n")
            asyncio.run(console.post_digest("console", engine.tldr()))
            for line in DEMO_COMMANDS:
                console.run_line(line)
        finally:
            engine.close()
    return EXIT_OK


def cmd_console(args: argparse.Namespace) -> int:
    """Type slash commands on the terminal, one per line, until end of input."""
    from adapters.console.adapter import ConsoleAdapter
    from bot.commands import Commands

    engine = _engine(args)
    try:
        ConsoleAdapter(Commands(engine)).repl()
    finally:
        engine.close()
    return EXIT_OK


# --- parser ---------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"digestbot: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


#: Commands defined here: a process running one of them builds only their parser.
CORE_COMMANDS = frozenset({"ingest", "episodes", "tldr", "release", "search", "demo", "console"})
#: Options before the command that take a value.
_VALUED = frozenset({"--db", "--config"})


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, when plainly given (``None`` for anything unusual:
    the full parser then reads it)."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUED:
            next(args, None)
        elif arg.startswith(tuple(f"{o}=" for o in _VALUED)) or arg in ("-v", "--verbose"):
            continue
        else:
            return None if arg.startswith("-") else arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full command-line interface; only that command's when ``command`` is a core
    one (what it parses and prints is the same: the other parts' modules are then not
    imported)."""
    parser = _Parser(
        prog="digestbot", description="Weekly AI show notes, summarised and searchable."
    )
    parser.add_argument(
        "--db",
        help="SQLite database file or postgresql:// URL (default: DIGESTBOT_DB, config, data dir)",
    )
    parser.add_argument(
        "--config", help="config.toml path (default: DIGESTBOT_CONFIG, ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def wanted(name: str) -> bool:
        # A core command's process builds its own parser only: each costs ~2 ms of start.
        return command not in CORE_COMMANDS or name == command

    if wanted("ingest"):
        p = sub.add_parser("ingest", help="read feeds, feed files or episode documents")
        p.add_argument(
            "sources", nargs="+", metavar="SOURCE", help="http(s) URL, feed file, .md or .html"
        )
        p.add_argument("--force", action="store_true", help="re-read even if unchanged")
        p.set_defaults(handler=cmd_ingest)

    if wanted("episodes"):
        p = sub.add_parser("episodes", help="list stored episodes, newest first")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_episodes)

    if wanted("tldr"):
        p = sub.add_parser("tldr", help="an episode's TL;DR (default: the latest)")
        p.add_argument("episode", nargs="?", help="episode id, date YYYY-MM-DD, or title words")
        p.add_argument(
            "--format", choices=("text", "markdown", "json", "slack", "discord"), default="text"
        )
        p.set_defaults(handler=cmd_tldr)

    if wanted("release"):
        p = sub.add_parser("release", help="what a release is and where it came up")
        p.add_argument("query", help='release name, e.g. "kokoro" or "phi 4"')
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_release)

    if wanted("search"):
        p = sub.add_parser("search", help="ranked releases matching words")
        p.add_argument("query")
        p.add_argument("--json", action="store_true")
        p.add_argument("--limit", type=int, default=10, help="at most N results (1-100)")
        p.set_defaults(handler=cmd_search)

    if wanted("demo"):
        p = sub.add_parser("demo", help="offline tour on the bundled sample feed")
        p.set_defaults(handler=cmd_demo)

    if wanted("console"):
        p = sub.add_parser("console", help="type slash commands on the terminal")
        p.set_defaults(handler=cmd_console)

    if command in CORE_COMMANDS:
        return parser
    # Other parts of digestbot add their own subcommands (their modules import lightly).
    from app.changes_cli import register as register_changes
    from app.export_cli import register as register_export
    from app.ops_cli import register as register_ops
    from app.schedule_cli import register as register_schedule
    from app.summarise_cli import register as register_summarise
    from app.timeline_cli import register as register_timeline
    from app.watch_cli import register as register_watch
    from app.web_cli import register as register_web

    register_summarise(sub)
    register_timeline(sub)
    register_schedule(sub)
    register_watch(sub)
    register_export(sub)
    register_changes(sub)
    register_web(sub)
    register_ops(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``digestbot`` command."""
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(command_of(argv)).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="digestbot: %(levelname)s: %(message)s",
    )
    try:
        return int(args.handler(args))
    except NotFoundError as exc:
        hint = f" Did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        print(f"digestbot: {exc}{hint}", file=sys.stderr)
        return EXIT_ERROR
    except DigestbotError as exc:
        print(f"digestbot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except DRIVER_ERRORS as exc:  # a failure outside the store's wrap_errors: still one line
        print(f"digestbot: error: database error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
