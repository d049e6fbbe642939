"""The scheduling subcommands, registered by ``app.cli``.

    digestbot run
    digestbot subscribe TARGET [--mode weekly|on-publish] [--day DAY] [--time HH:MM]
                               [--tz ZONE] [--feed URL]... [--section NAME]... [--keyword WORD]...
                               [--org NAME]... [--license NAME]... [--threads]
    digestbot unsubscribe ID
    digestbot subscriptions [--json] [--show-secrets]
    digestbot post ID [--force]
    digestbot preview ID

Every command first syncs the config file's ``[[subscriptions]]`` into the
database, so what they show and do matches what ``run`` would.  Mistakes
(bad target, day, time or zone, unknown id) raise ``DigestbotError``s, which
``app.cli.main`` prints as one line with a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

# Imported by every command's parser (``digestbot release`` too): the engine, the
# settings, asyncio and the subscriptions are imported by the handlers that use them.
if TYPE_CHECKING:
    from bot.config import Settings
    from bot.engine import Engine
    from bot.schedule.subscriptions import Subscriptions
    from bot.timing import SystemClock

EXIT_OK = 0
EXIT_ERROR = 1

#: Outcomes of ``post`` that are not failures.
_FINE = frozenset({"posted", "already", "nothing-new", "filtered", "in-flight"})


def register(sub: Any) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    p = sub.add_parser(
        "run", help="poll feeds, post scheduled digests and answer chat commands until stopped"
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("subscribe", help="post digests to a channel or webhook; prints the id")
    p.add_argument(
        "target",
        metavar="TARGET",
        help="slack:CHANNEL_ID (slack:TEAM_ID/CHANNEL_ID with several workspaces),"
        " discord:CHANNEL_ID, slack-webhook:URL, discord-webhook:URL, webhook:URL or console"
        " (a bare Slack/Discord webhook URL works too)",
    )
    p.add_argument("--mode", choices=("weekly", "on-publish"), default="weekly")
    p.add_argument("--day", help="weekly post day (default: thursday, or [schedule] day)")
    p.add_argument("--time", help="weekly post time HH:MM (default: 18:00, or [schedule] time)")
    p.add_argument("--tz", help="time zone, e.g. America/Los_Angeles (default: config timezone)")
    p.add_argument("--feed", action="append", default=[], metavar="URL", help="only this feed")
    p.add_argument("--section", action="append", default=[], metavar="NAME")
    p.add_argument("--keyword", action="append", default=[], metavar="WORD")
    p.add_argument(
        "--org", action="append", default=[], metavar="NAME", help="only releases by NAME"
    )
    p.add_argument(
        "--license",
        action="append",
        default=[],
        metavar="NAME",
        help="only releases under licence NAME (repeatable: --license apache-2.0 --license mit)",
    )
    p.add_argument(
        "--changes",
        action="store_true",
        help="open each post with what changed per release family (digestbot changes)",
    )
    p.add_argument(
        "--threads",
        action="store_true",
        help="post a short parent message and one threaded reply per section"
        " (slack:, discord:, discord-webhook: of a forum channel)",
    )
    p.set_defaults(handler=cmd_subscribe)

    p = sub.add_parser("unsubscribe", help="remove a subscription")
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=cmd_unsubscribe)

    p = sub.add_parser("subscriptions", help="list subscriptions and their next post")
    p.add_argument("--json", action="store_true", help="a JSON list")
    p.add_argument(
        "--show-secrets",
        action="store_true",
        help="show webhook URLs whole (they hold credentials; hidden by default)",
    )
    p.set_defaults(handler=cmd_subscriptions)

    p = sub.add_parser(
        "preview", help="print the payload a subscription's next post would send, as of now"
    )
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=cmd_preview)

    p = sub.add_parser("post", help="post a subscription's current digest now")
    p.add_argument("id", metavar="ID")
    p.add_argument("--force", action="store_true", help="post even if this period's was posted")
    p.set_defaults(handler=cmd_post)


def _clock() -> SystemClock:
    from bot.timing import SystemClock

    return SystemClock()


def _open(args: argparse.Namespace) -> tuple[Settings, Engine, Subscriptions]:
    from bot.config import load_settings
    from bot.engine import make_engine
    from bot.schedule.subscriptions import Subscriptions

    settings = load_settings(args.config)
    engine = make_engine(settings, db_path=args.db)
    subs = Subscriptions(engine.store)
    try:
        subs.sync_config(settings, now=_clock().now())
    except BaseException:
        engine.close()
        raise
    return settings, engine, subs


def cmd_subscribe(args: argparse.Namespace) -> int:
    """Create a subscription and print its id."""
    from bot.schedule.subscriptions import build

    settings, engine, subs = _open(args)
    try:
        now = _clock().now()
        sub = build(
            args.target,
            created_at=now,
            defaults=settings.schedule,
            default_zone=settings.timezone,
            mode=args.mode,
            day=args.day,
            time=args.time,
            tz=args.tz,
            feeds=args.feed,
            sections=args.section,
            keywords=args.keyword,
            origin="cli",
            orgs=args.org,
            licenses=args.license,
            changes=args.changes,
            threads=args.threads,
        )
        subs.add(sub)
    finally:
        engine.close()
    print(sub.id)
    next_post = sub.next_post(now)
    when = f"; next post {next_post.isoformat(timespec='minutes')}" if next_post else ""
    print(f"digestbot: subscribed {sub.describe()}{when}", file=sys.stderr)
    from bot.feedurls import redact_feed_url

    unknown = [redact_feed_url(f) for f in sub.feeds if f not in settings.feeds]
    if unknown:
        print(
            f"digestbot: note: {', '.join(unknown)} is not among the configured feeds;"
            " `digestbot run` polls it too when it is a URL or a file",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    """Remove a subscription and its posting history."""
    _, engine, subs = _open(args)
    try:
        sub = subs.remove(args.id)
    finally:
        engine.close()
    print(f"unsubscribed {sub.id} ({sub.parsed_target.redacted})")
    if sub.origin == "config":
        print(
            "digestbot: note: it comes from the config file and returns on the next start;"
            " remove it there",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_subscriptions(args: argparse.Namespace) -> int:
    """List subscriptions (``--json``: the documented JSON list)."""
    _, engine, subs = _open(args)
    try:
        found = subs.all()
    finally:
        engine.close()
    now = _clock().now()
    if args.json:
        sys.stdout.write(
            json.dumps(
                [s.as_json(now, show_secrets=args.show_secrets) for s in found],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        return EXIT_OK
    if not found:
        print("No subscriptions. Add one with `digestbot subscribe TARGET`.")
        return EXIT_OK
    for sub in found:
        next_post = sub.next_post(now)
        when = f" | next post {next_post.isoformat(timespec='minutes')}" if next_post else ""
        whole = f" | {sub.target}" if args.show_secrets and sub.parsed_target.is_webhook else ""
        if args.show_secrets and sub.feeds:  # describe() hides private feeds' tokens
            whole += " | feeds: " + ", ".join(sub.feeds)
        print(f"{sub.describe()}{when}{whole}")
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    """Print, as JSON, the messages the subscription's next post would send if it went out now."""
    from bot.schedule.capping import cap_digest
    from bot.schedule.preview import preview, preview_lines

    settings, engine, subs = _open(args)
    try:
        found = preview(engine, subs.get(args.id), clock=_clock())
    finally:
        engine.close()
    sub = found.subscription
    messages: list[Any] = []
    if found.digest is not None:
        render = _renderer(settings, sub.parsed_target.kind)
        if sub.threads:  # the parent message, then the replies in its thread
            render = _thread_renderer(settings, sub.parsed_target.kind) or render
        digest = cap_digest(found.digest, settings.schedule.max_messages_per_post, render)
        messages = list(render(digest))
    doc = {
        "id": sub.id,
        "target": sub.parsed_target.redacted,
        "next_post": found.next_post.isoformat() if found.next_post else None,
        "messages": messages,
    }
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    for line in preview_lines(found)[:2]:
        print(f"digestbot: {line}", file=sys.stderr)
    return EXIT_OK


def _renderer(settings: Settings, kind: str) -> Any:
    """How ``kind`` targets render a digest (the same functions the sinks post with)."""
    if kind == "slack":
        from adapters.slack.render import render_digest as slack_render

        return slack_render
    if kind == "discord":
        from adapters.discord.render import render_digest as discord_render

        return discord_render
    if kind == "console":
        from adapters.console.render import render_digest as console_render

        return lambda digest: [console_render(digest)]
    from app.runtime import webhook_sinks

    return webhook_sinks(settings)[kind].render


def _thread_renderer(settings: Settings, kind: str) -> Any:
    """How ``kind`` targets render a threaded digest (None: they post it as usual)."""
    base_url = settings.web.base_url
    if kind == "slack":
        from adapters.slack.threads import render_thread as slack_thread

        return lambda digest: slack_thread(digest, base_url=base_url)
    if kind == "discord":
        from adapters.discord.thread_render import render_thread as discord_thread

        return lambda digest: discord_thread(digest, base_url=base_url)
    if kind == "discord-webhook":
        from adapters.discord.webhook_threads import render_webhook_thread

        return lambda digest: render_webhook_thread(digest, base_url=base_url)
    return None


def _quiet_http() -> None:
    # httpx logs request URLs at INFO, and webhook URLs hold credentials: never show them.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def cmd_post(args: argparse.Namespace) -> int:
    """Post a subscription's current digest now; say so when it was already posted."""
    _quiet_http()
    settings, engine, subs = _open(args)
    try:
        import asyncio

        sub = subs.get(args.id)
        outcome = asyncio.run(_post(settings, engine, sub.id, sub.parsed_target.kind, args.force))
    finally:
        engine.close()
    print(outcome.line())
    return EXIT_OK if outcome.status in _FINE else EXIT_ERROR


async def _post(settings: Settings, engine: Engine, sub_id: str, kind: str, force: bool) -> Any:
    from bot.schedule.posting import Poster

    async with _sinks(settings, engine, kind) as sinks:
        poster = Poster(engine, sinks, clock=_clock(), settings=settings.schedule)
        return await poster.post_now(sub_id, force=force)


@asynccontextmanager
async def _sinks(settings: Settings, engine: Engine, kind: str) -> AsyncIterator[Any]:
    from adapters.console.adapter import ConsoleAdapter
    from app.runtime import webhook_sinks
    from bot.commands import Commands
    from bot.schedule.posting import Sinks

    commands = Commands(engine)
    webhooks = webhook_sinks(settings)
    sinks = Sinks(webhooks)
    sinks.add("console", ConsoleAdapter(commands))
    async with AsyncExitStack() as stack:
        for sink in webhooks.values():
            stack.push_async_callback(sink.aclose)
        if kind in ("slack", "discord"):
            from app.platforms import one_shot_sink

            platform_sink = await stack.enter_async_context(
                one_shot_sink(kind, settings, store=engine.store)
            )
            sinks.add(kind, platform_sink)
        yield sinks


def cmd_run(args: argparse.Namespace) -> int:
    """Run the poller, the scheduler and the chat platforms until SIGINT/SIGTERM."""
    import asyncio

    from app.runtime import DigestRuntime
    from bot.config import load_settings

    settings = load_settings(args.config)
    if not args.verbose:
        # Say what the bot does (posts, waits, skips); keep libraries at warnings.
        for name in ("bot", "adapters"):
            logging.getLogger(name).setLevel(logging.INFO)
    _quiet_http()
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    asyncio.run(DigestRuntime(settings, db_path=args.db).run())
    return EXIT_OK
