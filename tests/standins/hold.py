"""Holding one request at a stand-in: the platform has it, and has not answered yet.

``SlackApiStandin.hold`` and ``DiscordStandIn.hold`` return a ``Hold``: the
next matching request (or the one after ``after`` others went through) is
recorded as usual and then held before it is answered.  While it is held the
client is "in the middle of posting", which is where the crash tests kill it.

* ``release()`` lets it through: it is answered (and counts as posted) as if
  it had never been held, provided its client is still connected.
* A client that goes away while its request is held (killed, timed out) gets
  no answer: the request is *dropped*, i.e. the platform never accepted it.
* Unreleased after ``limit`` seconds it is dropped too (and the connection
  closed), so a forgotten hold never hangs a test.

``arrived`` is set when the held request comes in, ``outcome`` says what
became of it (``None`` while held, then ``"answered"`` or ``"dropped"``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Literal

Outcome = Literal["answered", "dropped"]

#: How often a held request checks whether it was released or its client went away.
POLL_SECONDS = 0.01


class Hold:
    """One request to hold (the one after ``after`` matching requests went through)."""

    def __init__(self, *, after: int = 0, limit: float = 30.0) -> None:
        self.after = after
        self.limit = limit
        self.arrived = threading.Event()
        self.outcome: Outcome | None = None
        self._released = threading.Event()

    def release(self) -> None:
        """Let the held request (or the next one, if it has not come yet) through."""
        self._released.set()

    def wait_arrived(self, timeout: float) -> None:
        """Block until the held request has come in; ``TimeoutError`` after ``timeout``."""
        if not self.arrived.wait(timeout):
            raise TimeoutError(f"no request was held within {timeout:g} s")

    def wait_outcome(self, timeout: float) -> Outcome:
        """Block until the held request was answered or dropped."""
        deadline = time.monotonic() + timeout
        while self.outcome is None:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the held request was neither answered nor dropped in {timeout:g} s"
                )
            time.sleep(POLL_SECONDS)
        return self.outcome

    # --- the stand-ins' side ------------------------------------------------------------

    def takes_this_one(self) -> bool:
        """Whether the request now arriving is the one to hold (call under the stand-in's lock)."""
        if self.after > 0:
            self.after -= 1
            return False
        return True

    def block(self, gone: Callable[[], bool]) -> bool:
        """Hold a request in a server thread; True: answer it now, False: drop it."""
        self.arrived.set()
        deadline = time.monotonic() + self.limit
        while not self._released.wait(POLL_SECONDS):
            if gone() or time.monotonic() > deadline:
                return self._settle(answer=False)
        return self._settle(answer=not gone())

    async def block_async(self, gone: Callable[[], bool]) -> bool:
        """``block`` for a stand-in serving on an event loop."""
        self.arrived.set()
        deadline = time.monotonic() + self.limit
        while not self._released.is_set():
            if gone() or time.monotonic() > deadline:
                return self._settle(answer=False)
            await asyncio.sleep(POLL_SECONDS)
        return self._settle(answer=not gone())

    def _settle(self, *, answer: bool) -> bool:
        self.outcome = "answered" if answer else "dropped"
        return answer
