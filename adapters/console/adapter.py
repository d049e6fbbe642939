"""The console adapter: commands typed on a terminal, replies and posts printed there.

Like the Slack and Discord adapters it only translates: a typed line goes to
``bot.commands.Commands``, the reply is rendered for the terminal.  It is
also a ``Sink`` so scheduled digests can be "posted" to the console when no
chat platform is configured.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from adapters.console.render import render, render_digest
from bot.commands import CommandContext, Commands
from bot.models import Digest, Reply
from bot.sinks import post_in_order


class ConsoleAdapter:
    """Runs commands and posts digests on a text stream (stdout by default)."""

    platform = "console"

    def __init__(self, commands: Commands, *, out: TextIO | None = None) -> None:
        self._commands = commands
        self._out = out or sys.stdout
        self._context = CommandContext(platform="console", channel_id="console", is_admin=True)

    def run_line(self, line: str) -> Reply:
        """Run one typed command (``/release kokoro``), print and return its reply."""
        reply = self._commands.handle_line(line, self._context)
        self._print(f"> {line.strip()}")
        self._print(render(reply))
        self._print("")
        return reply

    def render(self, digest: Digest) -> list[str]:
        """A digest is printed as one message."""
        return [render_digest(digest)]

    async def post_digest(
        self,
        channel_id: str,
        digest: Digest,
        *,
        already: Sequence[str] = (),
        on_posted: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Print a scheduled digest (the ``Sink`` protocol): one message, skipped if ``already``."""

        async def send(index: int, text: str, posted: tuple[str, ...]) -> str:
            self._print(text)
            self._print("")
            return f"console-{channel_id}"

        return await post_in_order(self.render(digest), send, already=already, on_posted=on_posted)

    def repl(self, stdin: TextIO | None = None) -> None:
        """Read commands until end of input (``digestbot console``)."""
        source = stdin or sys.stdin
        for line in source:
            if line.strip():
                self.run_line(line)

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()
