"""Chat commands, platform-neutral: command text in, a ``Reply`` out.

Every adapter (console, Slack, Discord) sends what the user typed here and
renders what comes back; no business rule lives in an adapter.  A user
mistake never raises: it becomes a ``TextReply(error=True)`` with a polite
message (and the nearest names, for an unknown release).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import DigestbotError, NotFoundError
from bot.models import ImageReply, Reply, SearchReply, TextReply
from bot.store.metrics import record_command

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)

#: Longest query accepted from chat; longer text is cut, never rejected.
MAX_QUERY_CHARS = 10_000

COMMAND_HELP: dict[str, str] = {
    "tldr": "/tldr [episode] - the TL;DR of an episode (default: the latest)",
    "release": "/release <name> - what a release is, where it came up, its links",
    "search": "/search <query> - releases matching words",
    "timeline": "/timeline <family> - a release family's timeline as a picture",
    "digest": "/digest subscribe|unsubscribe|status|feeds|post - channel subscriptions (admins)",
    "watch": "/watch <name> | list | remove ID - a message when a new episode names a release",
    "changes": "/changes [YYYY-MM-DD] - per release family, what is new since the last weekly post",
}


@dataclass(frozen=True)
class CommandContext:
    """Who asked, and where: filled in by the adapter from the platform event."""

    platform: str
    channel_id: str | None = None
    user_id: str | None = None
    workspace_id: str | None = None
    is_admin: bool = False


#: Handles ``/digest ...`` (subscriptions); provided by the scheduling layer.
AdminHandler = Callable[[str, CommandContext], Reply]


class Commands:
    """Route chat commands to the engine and shape the replies."""

    def __init__(
        self,
        engine: Engine,
        *,
        admin: AdminHandler | None = None,
        watch: AdminHandler | None = None,
    ) -> None:
        """``admin`` answers ``/digest``; ``watch`` answers ``/watch`` (default: the
        store's watchlists, ``bot.watch.chat``)."""
        self._engine = engine
        self._admin = admin
        self._watch = watch

    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        """Run ``command`` (without the slash) with its argument ``text``."""
        start = time.perf_counter()
        try:
            return self._handle(command, text, ctx)
        finally:
            record_command(command, time.perf_counter() - start)

    def _handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        name = command.strip().lstrip("/").lower()
        text = (text or "").strip()[:MAX_QUERY_CHARS]
        try:
            if name == "release":
                return self._release(text)
            if name == "search":
                return self._search(text)
            if name == "tldr":
                from bot.weblinks import digest_reply

                base_url = self._engine.settings.web.base_url
                return digest_reply(base_url, self._engine.tldr(text or None))
            if name == "digest":
                return self._digest(text, ctx)
            if name == "watch":
                return self._watches()(text, ctx)
            if name == "timeline":
                return self._timeline(text)
            if name == "changes":
                from bot.changes_chat import changes_reply

                return changes_reply(self._engine.store, text)
            if name in ("help", ""):
                return TextReply(text="\n".join(COMMAND_HELP.values()))
        except NotFoundError as exc:
            return TextReply(text=exc.message, error=True, suggestions=exc.suggestions)
        except DigestbotError as exc:
            log.warning("command /%s failed: %s", name, exc.message)
            return TextReply(text=exc.message, error=True)
        return TextReply(
            text=f"Unknown command /{name}. Try: " + ", ".join("/" + c for c in COMMAND_HELP),
            error=True,
        )

    def handle_line(self, line: str, ctx: CommandContext) -> Reply:
        """Run a whole typed line such as ``/release kokoro``."""
        head, _, rest = line.strip().partition(" ")
        return self.handle(head, rest, ctx)

    def complete_release(self, prefix: str, limit: int = 25) -> list[str]:
        """Release names for autocomplete: best and most recent first, at most ``limit``."""
        return self._engine.release_names(prefix[:200], limit=min(limit, 25))

    def _release(self, text: str) -> Reply:
        if not text:
            return TextReply(text="Usage: /release <name>, for example /release kokoro", error=True)
        from bot.weblinks import with_page

        return with_page(self._engine.settings.web.base_url, self._engine.release(text))

    def _timeline(self, text: str) -> Reply:
        if not text:
            return TextReply(
                text="Usage: /timeline <family>, for example /timeline qwen", error=True
            )
        from bot.timeline import ChartsMissingError, timeline_picture

        try:
            title, alt, png = timeline_picture(self._engine, text)
        except ChartsMissingError:
            return TextReply(text="Timelines are not available here (no charts extra).", error=True)
        name = "".join(c if c.isalnum() else "-" for c in title.casefold()).strip("-")
        return ImageReply(title=title, alt=alt, png=png, filename=f"{name or 'timeline'}.png")

    def _search(self, text: str) -> Reply:
        if not text:
            return TextReply(text="Usage: /search <words>, for example /search tts", error=True)
        hits = self._engine.search(text, limit=10)
        return SearchReply(query=text, hits=tuple(hits))

    def _watches(self) -> AdminHandler:
        if self._watch is None:
            from bot.watch.chat import WatchChat  # it imports this module

            self._watch = WatchChat(self._engine.store)
        return self._watch

    def _digest(self, text: str, ctx: CommandContext) -> Reply:
        if self._admin is None:
            return TextReply(text="Subscriptions are not available in this bot.", error=True)
        if not ctx.is_admin:
            return TextReply(
                text="Sorry, /digest is for workspace admins and the configured allow-list.",
                error=True,
            )
        return self._admin(text, ctx)
