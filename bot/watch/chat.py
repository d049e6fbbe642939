"""``/watch``: the chat side of watchlists (platform-neutral; adapters only translate).

/watch qwen                      DM me when a new episode names the Qwen family
/watch qwen --license apache-2.0 only Apache-licensed releases
/watch qwen #models              post to a channel instead (admins only)
/watch zzqx --anyway             keep a watch on a name nothing has named yet
/watch list                      my watches and this channel's
/watch remove ID
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime

from bot.commands import CommandContext
from bot.errors import DigestbotError
from bot.models import Reply, TextReply
from bot.store.protocol import StoreLike
from bot.timing import Clock, SystemClock
from bot.watch.targets import is_direct
from bot.watch.watches import NothingToWatch, Watch, Watches, build

USAGE = (
    "Usage: /watch NAME [--org NAME] [--license NAME] · /watch NAME #channel (admins)"
    " · /watch list · /watch remove ID"
)
# A channel as the platforms send it: Slack <#C0123|name>, Discord <#123>.
_CHANNEL = re.compile(r"^<#([A-Za-z0-9]+)(?:\|[^>]*)?>$")


class WatchChat:
    """Answers ``/watch`` for one store (synchronous; adapters call it off the event loop)."""

    def __init__(self, store: StoreLike, *, clock: Clock | None = None) -> None:
        self.watches = Watches(store)
        self.store = store
        self.clock = clock or SystemClock()

    def __call__(self, text: str, ctx: CommandContext) -> Reply:
        """Run ``/watch text`` for the user and channel of ``ctx``."""
        try:
            words = shlex.split(text)
        except ValueError:
            return TextReply(text="Unbalanced quotes. " + USAGE, error=True)
        if not words or words[0].lower() == "help":
            return TextReply(text=USAGE)
        head = words[0].lower()
        try:
            if head == "list" and len(words) == 1:
                return self._list(ctx)
            if head == "remove" and len(words) == 2:
                return self._remove(words[1], ctx)
            return self._add(words, ctx)
        except DigestbotError as exc:
            return TextReply(text=exc.message, error=True)

    # --- actions -------------------------------------------------------------------------

    def _add(self, words: list[str], ctx: CommandContext) -> Reply:
        query: list[str] = []
        orgs: list[str] = []
        licenses: list[str] = []
        channel: str | None = None
        anyway = False
        rest = iter(words)
        for word in rest:
            if word in ("--org", "--license"):
                value = next(rest, "")
                if not value:
                    return TextReply(text=f"{word} needs a name. " + USAGE, error=True)
                (orgs if word == "--org" else licenses).append(value)
            elif word == "--anyway":
                anyway = True
            elif word.startswith("<#") or word.startswith("#"):
                match = _CHANNEL.match(word)
                if match is None:
                    return TextReply(
                        text="Pick the channel from the list as you type #, so it arrives as a"
                        " channel link.",
                        error=True,
                    )
                channel = match.group(1)
            elif word.startswith("--"):
                return TextReply(text=f"Unknown option {word[:30]}. " + USAGE, error=True)
            else:
                query.append(word)
        if not query:
            return TextReply(text=USAGE, error=True)
        if channel is not None and not ctx.is_admin:
            return TextReply(
                text="Sorry, only admins can make a channel watch; /watch NAME sends you DMs.",
                error=True,
            )
        target = self._target(ctx, channel)
        if target is None:
            return TextReply(text="I cannot tell who you are here, so I cannot DM you.", error=True)
        try:
            watch = build(
                self.store,
                target,
                " ".join(query),
                created_at=self._now(),
                orgs=orgs,
                licenses=licenses,
                origin="chat",
                anyway=anyway,
            )
        except NothingToWatch as exc:
            shown = " ".join(query)[:60]
            meant = f" Did you mean /watch {exc.suggestion}?" if exc.suggestion else ""
            return TextReply(
                text=f"No release or family called '{shown}' has come up yet.{meant} To watch for"
                f" it all the same, send: /watch {shown} --anyway",
                error=True,
            )
        added = self.watches.add(watch)
        if added.id != watch.id:  # the same watch exists: one alert per release, not two
            return TextReply(
                text=f"Already watching {_what(added)} (id {added.id}; /watch remove {added.id})."
            )
        where = "you (a direct message)"
        if channel is not None:  # the channel picked, which need not be the one typed in
            where = "this channel" if channel == ctx.channel_id else "the channel you picked"
        return TextReply(
            text=f"Watching {_what(watch)}: I will tell {where} when a new episode names it."
            f" Id {watch.id} (/watch remove {watch.id})."
        )

    def _list(self, ctx: CommandContext) -> Reply:
        mine = self._target(ctx, None)
        here = self._target(ctx, ctx.channel_id) if ctx.channel_id else None
        found = [w for t in (mine, here) if t for w in self.watches.all(t)]
        if not found:
            return TextReply(text="No watches here. " + USAGE)
        return TextReply(text="\n".join(w.describe() for w in found))

    def _remove(self, watch_id: str, ctx: CommandContext) -> Reply:
        watch = self.watches.get(watch_id)
        mine = watch.target == self._target(ctx, None)
        # An admin may remove any channel watch of this platform, from any channel.
        channel_watch = not is_direct(watch.target) and watch.target.startswith(f"{ctx.platform}:")
        team, slash, _ = watch.target.partition(":")[2].rpartition("/")
        if slash and ctx.workspace_id and team != ctx.workspace_id:
            channel_watch = False  # another Slack workspace's channel
        if not (mine or (channel_watch and ctx.is_admin)):
            return TextReply(text=f"No watch '{watch_id[:40]}' of yours here.", error=True)
        self.watches.remove(watch.id)
        return TextReply(text=f"Removed watch {watch.id} ({watch.query}).")

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _target(ctx: CommandContext, channel: str | None) -> str | None:
        if channel is not None:
            if ctx.platform == "slack" and ctx.workspace_id:
                return f"slack:{ctx.workspace_id}/{channel}"
            return f"{ctx.platform}:{channel}"
        if not ctx.user_id or ctx.platform not in ("slack", "discord"):
            return None
        return f"{ctx.platform}-user:{ctx.user_id}"

    def _now(self) -> datetime:
        return self.clock.now()


def _what(watch: Watch) -> str:
    what = f"the {watch.query} family" if watch.kind == "family" else watch.query
    facts = watch.facts.describe()
    return f"{what} ({'; '.join(facts)})" if facts else what
