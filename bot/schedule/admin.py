"""``/digest subscribe|unsubscribe|status|feeds|post``: the chat side of subscriptions.

An ``AdminHandler`` for ``bot.commands.Commands``: command text in, a
``TextReply`` out, for the channel the command was typed in.  It accepts
the options of ``digestbot subscribe`` (``--day friday --time 09:00``) and,
because people type, bare words too: ``/digest subscribe friday 9:00
Europe/Berlin``.  Mistakes come back as polite error replies, never raise.

The handler is synchronous (adapters call ``Commands`` in a worker thread);
``post`` hands the actual posting to the running event loop.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.alerts import FeedHealth, FeedStatus
from bot.commands import AdminHandler, CommandContext
from bot.config import Settings
from bot.engine import Engine
from bot.errors import DigestbotError
from bot.feeds.guard import BlockedSourceError, FetchGuard
from bot.feedurls import redact_feed_url, redact_urls
from bot.models import Reply, TextReply
from bot.schedule.ledger import Ledger
from bot.schedule.preview import preview, preview_lines
from bot.schedule.subscriptions import Subscription, Subscriptions, build
from bot.timing import DAYS, Clock, ScheduleError, parse_day, parse_time, parse_zone

log = logging.getLogger(__name__)

#: Posts a subscription's current digest now (``force``), returning a line for people.
PostNow = Callable[[str, bool], str]
#: Told when subscriptions change, so the scheduler can rebuild its jobs.
OnChange = Callable[[], None]

USAGE = (
    "Usage: /digest subscribe [weekly|on-publish] [DAY] [HH:MM] [TIME_ZONE]"
    " [--feed URL] [--section NAME] [--keyword WORD] [--org NAME] [--license NAME]"
    " [changes|no-changes] [threads|no-threads]"
    " · /digest unsubscribe [ID]"
    " · /digest status · /digest feeds · /digest post [--force]"
)

_FLAGS = {
    "--mode": "mode",
    "--day": "day",
    "--time": "time",
    "--tz": "tz",
    "--zone": "tz",
    "--feed": "feeds",
    "--section": "sections",
    "--keyword": "keywords",
    "--org": "orgs",
    "--license": "licenses",
}


#: Words switching a subscription's threaded posts on or off (``bot.threads``).
_THREADS_WORDS = {
    "threads": True,
    "--threads": True,
    "threaded": True,
    "no-threads": False,
    "--no-threads": False,
    "nothreads": False,
}


class UsageError(DigestbotError, ValueError):
    """The ``/digest`` text could not be understood."""


@dataclass
class SubscribeOptions:
    """What ``/digest subscribe`` was asked for."""

    mode: str | None = None
    day: str | None = None
    time: str | None = None
    tz: str | None = None
    feeds: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    #: ``threads``/``--threads``: True; ``no-threads``/``--no-threads``: False; else unchanged.
    threads: bool | None = None
    force: bool = False
    #: Head posts with what changed (``changes``), or no longer (``no-changes``); None: as was.
    changes: bool | None = None
    words: list[str] = field(default_factory=list)


def parse_options(words: list[str]) -> SubscribeOptions:
    """Flags (``--day friday``, ``--day=friday``) and bare words, in any order."""
    options = SubscribeOptions()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        name, eq, inline = word.partition("=")
        if word == "--force":
            options.force = True
            continue
        if word in ("--changes", "--no-changes"):
            options.changes = word == "--changes"
            continue
        if word.lower() in _THREADS_WORDS:
            options.threads = _THREADS_WORDS[word.lower()]
            continue
        if name in _FLAGS:
            if eq:
                value = inline
            elif index < len(words):
                value = words[index]
                index += 1
            else:
                raise UsageError(f"{name} needs a value")
            attr = _FLAGS[name]
            if attr in ("feeds", "sections", "keywords", "orgs", "licenses"):
                getattr(options, attr).append(value)
            else:
                setattr(options, attr, value)
            continue
        if word.startswith("--"):
            raise UsageError(f"unknown option {word[:40]}")
        _bare_word(options, word)
    return options


def _bare_word(options: SubscribeOptions, word: str) -> None:
    lowered = word.lower()
    if lowered in ("changes", "no-changes"):
        options.changes = lowered == "changes"
        return
    if lowered in ("weekly", "on-publish", "onpublish", "publish"):
        options.mode = "weekly" if lowered == "weekly" else "on-publish"
        return
    for parse, attr in ((parse_time, "time"), (parse_day, "day"), (parse_zone, "tz")):
        try:
            parse(word)
        except ScheduleError:
            continue
        setattr(options, attr, word)
        return
    options.words.append(word)


class DigestAdmin:
    """The ``/digest`` handler; call the instance (it is an ``AdminHandler``)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Clock,
        post_now: PostNow | None = None,
        on_change: OnChange | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.subscriptions = Subscriptions(engine.store)
        self.ledger = Ledger(engine.store, clock=clock)
        self._post_now = post_now
        self._on_change = on_change

    def __call__(self, text: str, ctx: CommandContext) -> Reply:
        """Run ``/digest`` with ``text`` for the channel in ``ctx``."""
        try:
            words = shlex.split(text or "")
        except ValueError:
            return TextReply(text="Unbalanced quotes. " + USAGE, error=True)
        action = words[0].lower() if words else "status"
        try:
            if action == "subscribe":
                return self.subscribe(words[1:], ctx)
            if action == "unsubscribe":
                return self.unsubscribe(words[1:], ctx)
            if action == "status":
                return self.status(ctx)
            if action == "feeds":
                return self.feeds()
            if action == "post":
                return self.post(words[1:], ctx)
            if action == "help":
                return TextReply(text=USAGE)
        except (DigestbotError, ValueError) as exc:
            return TextReply(text=f"{exc} · {USAGE}", error=True)
        return TextReply(text=f"Unknown /digest action '{action[:40]}'. {USAGE}", error=True)

    # --- actions -----------------------------------------------------------------------

    def _target(self, ctx: CommandContext) -> str:
        """Where this channel's posts go; a Slack channel with its workspace (``slack:T/C``)."""
        if ctx.platform == "console":
            return "console"
        if ctx.platform not in ("slack", "discord") or not ctx.channel_id:
            raise UsageError("subscriptions can only be made from a Slack or Discord channel")
        if ctx.platform == "slack" and ctx.workspace_id:
            return f"slack:{ctx.workspace_id}/{ctx.channel_id}"
        return f"{ctx.platform}:{ctx.channel_id}"

    def _channel_subscriptions(self, ctx: CommandContext) -> list[Subscription]:
        """This channel's subscriptions, also those whose target does not name the workspace."""
        target = self._target(ctx)
        subs = self.subscriptions.for_target(target)
        bare = f"{ctx.platform}:{ctx.channel_id}"
        if bare != target:
            subs += self.subscriptions.for_target(bare)
        return subs

    def subscribe(self, words: list[str], ctx: CommandContext) -> Reply:
        """Subscribe this channel, or change its subscription (keeping its history)."""
        options = parse_options(words)
        if options.words:
            raise UsageError(f"I don't understand '{' '.join(options.words)[:60]}'")
        target = self._target(ctx)
        try:
            self._check_feeds(options.feeds)
        except BlockedSourceError as exc:
            log.warning("refused a feed from %s: %s", ctx.platform, exc)
            return TextReply(text=f"Feed refused: {exc}", error=True)
        now = self.clock.now()
        existing = [s for s in self._channel_subscriptions(ctx) if s.origin != "config"]
        base = existing[0] if existing else None
        sub = build(
            target,
            created_at=base.created_at if base else now,
            defaults=self.settings.schedule,
            default_zone=self.settings.timezone,
            mode=options.mode or (base.mode if base else "weekly"),
            day=options.day or (DAYS[base.day] if base else None),
            time=options.time or (base.time if base else None),
            tz=options.tz or (base.tz if base else None),
            feeds=options.feeds or (list(base.feeds) if base else []),
            sections=options.sections or (list(base.sections) if base else []),
            keywords=options.keywords or (list(base.keywords) if base else []),
            orgs=options.orgs or (list(base.orgs) if base else []),
            licenses=options.licenses or (list(base.licenses) if base else []),
            changes=options.changes if options.changes is not None else bool(base and base.changes),
            threads=options.threads if options.threads is not None else bool(base and base.threads),
            origin="chat",
            sub_id=base.id if base else None,
        )
        if base is not None:
            # Changing the schedule keeps what was posted; re-subscribing re-enables.
            sub = sub.model_copy(update={"baseline": base.baseline})
        self.subscriptions.add(sub)
        log.info("subscription %s %s from %s", sub.id, "updated" if base else "added", ctx.platform)
        self._changed()
        verb = "Updated" if base else "Subscribed"
        lines = [f"{verb}: {self._summary(sub)}"]
        try:
            lines += preview_lines(preview(self.engine, sub, clock=self.clock))
        except DigestbotError as exc:  # the subscription stands; only the preview failed
            log.warning("no preview for %s: %s", sub.id, exc)
        return TextReply(text="\n".join(lines))

    def unsubscribe(self, words: list[str], ctx: CommandContext) -> Reply:
        """Remove this channel's subscription(s), or the one with the given id."""
        subs = self._channel_subscriptions(ctx)
        if words:
            subs = [s for s in subs if s.id in words]
        if not subs:
            return TextReply(text="This channel has no subscription.", error=True)
        from_config = [s for s in subs if s.origin == "config"]
        removed = [self.subscriptions.remove(s.id).id for s in subs if s.origin != "config"]
        self._changed()
        text = f"Unsubscribed ({', '.join(removed)})." if removed else ""
        if from_config:
            ids = ", ".join(s.id for s in from_config)
            text += f" {ids} comes from the config file: remove it there."
        return TextReply(text=text.strip(), error=not removed)

    def status(self, ctx: CommandContext) -> Reply:
        """This channel's subscriptions (schedule, next, last post, last error), then each
        feed's last success and last error."""
        subs = self._channel_subscriptions(ctx)
        feeds = feed_status_lines(FeedHealth(self.engine.store).feeds(), self._polled_feeds())
        if not subs:
            return TextReply(text="\n".join(["This channel has no subscription. " + USAGE, *feeds]))
        lines = []
        for sub in subs:
            lines.append(self._summary(sub))
            last = self.ledger.last_posted(sub.id)
            if last is not None:
                when = last.updated_at.astimezone(parse_zone(sub.tz))
                lines.append(f"  last post: {when:%a %d %b %H:%M %Z}")
            if sub.last_error and sub.active:
                lines.append(f"  last error: {sub.last_error}")
        return TextReply(text="\n".join([*lines, *feeds]))

    def _polled_feeds(self) -> list[str]:
        """The feeds ``run`` polls (config, OPML imports, subscriptions' feeds)."""
        from bot.schedule.poller import feeds_to_poll

        imported = [url for url, _ in self.engine.store.imported_feeds()]
        return list(feeds_to_poll(self.settings, self.subscriptions.all(), imported))

    def feeds(self) -> Reply:
        """The feeds being followed, with their titles and when they were last read."""
        known = {
            str(source): (title, checked) for source, title, checked in self.engine.store.sources()
        }
        lines = [f"Polled every {self.settings.poll_minutes} min:"]
        for feed in self.settings.feeds:
            title, checked = known.get(feed, (None, None))
            seen = (
                f", last read {checked[:16].replace('T', ' ')} UTC" if checked else ", not read yet"
            )
            lines.append(f"• {redact_urls(title or feed)} ({redact_feed_url(feed)}{seen})")
        return TextReply(text="\n".join(lines))

    def post(self, words: list[str], ctx: CommandContext) -> Reply:
        """Post this channel's current digest now."""
        options = parse_options(words)
        subs = [s for s in self._channel_subscriptions(ctx) if s.active]
        if not subs:
            return TextReply(text="This channel has no active subscription.", error=True)
        if self._post_now is None:
            return TextReply(text="Posting needs the bot running (`digestbot run`).", error=True)
        lines = [self._post_now(sub.id, options.force) for sub in subs]
        return TextReply(text="\n".join(lines))

    # --- helpers -------------------------------------------------------------------------

    def _check_feeds(self, feeds: list[str]) -> None:
        """A feed named in chat: an http(s) URL to a public host, unless the operator polls it.

        The poller checks again on every fetch (redirects and connections too);
        this is the early, clear answer.
        """
        guard = FetchGuard.from_allowlist(self.settings.fetch.allow_private)
        for feed in feeds:
            if feed not in self.settings.feeds:
                guard.check_url(feed)

    def _summary(self, sub: Subscription) -> str:
        next_post = sub.next_post(self.clock.now())
        when = f"; next post {next_post:%a %d %b %H:%M %Z}" if next_post else ""
        return f"{sub.describe()}{when}"

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:  # rescheduling is best effort: the sweep catches up anyway
                log.exception("could not reschedule after a subscription change")


def feed_status_lines(feeds: list[FeedStatus], expected: list[str] | None = None) -> list[str]:
    """``Feeds:`` then one line per feed: last success, and last error when it failed.

    ``expected``: the feeds polled now; one not polled yet says so (each feed has its line).
    """
    polled = {feed.feed for feed in feeds}
    waiting = [feed for feed in expected or () if feed not in polled]
    if not feeds and not waiting:
        return []
    lines = ["Feeds:"]
    for feed in feeds:
        ok = (
            f"last success {feed.last_ok[:16].replace('T', ' ')} UTC"
            if feed.last_ok
            else "never read"
        )
        line = f"• {redact_feed_url(feed.feed)[:120]}: {ok}"
        if feed.last_error:
            when = (feed.last_error_at or "")[:16].replace("T", " ")
            line += f"; last error {when} UTC: {redact_urls(feed.last_error)[:200]}"
            if feed.failures:
                line += f" ({feed.failures} in a row)"
        lines.append(line)
    lines += [f"• {redact_feed_url(feed)[:120]}: not polled yet" for feed in waiting]
    return lines


def make_admin_handler(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    post_now: PostNow | None = None,
    on_change: OnChange | None = None,
) -> AdminHandler:
    """The ``AdminHandler`` to give ``Commands(engine, admin=...)``."""
    return DigestAdmin(engine, settings, clock=clock, post_now=post_now, on_change=on_change)
