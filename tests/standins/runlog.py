"""Waiting on a ``digestbot run`` process's log lines instead of sleeping.

``command`` starts the CLI with the poster's per-sweep debug line switched on
(only that logger: ``-v`` would turn on every library's debug output), so a
test can wait for "two more sweeps" to have happened rather than for 2.5 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

#: Logged by ``Poster.sweep`` at debug level, once per sweep.
SWEEP_LINE = "sweep done:"

_MAIN = (
    "import logging, sys; logging.getLogger('bot.schedule.posting').setLevel(logging.DEBUG);"
    "from app.cli import main; sys.exit(main(sys.argv[1:]))"
)


def command(*args: str) -> list[str]:
    """``digestbot ARGS`` as a process that logs each sweep."""
    return [sys.executable, "-c", _MAIN, *args]


def sweeps(log: Path) -> int:
    """How many sweeps the log records so far."""
    return log.read_text(errors="replace").count(SWEEP_LINE) if log.exists() else 0


def wait_for_sweeps(log: Path, count: int, *, timeout: float = 30.0) -> None:
    """Block until ``count`` more sweeps than now are in ``log``; fail with the log if not."""
    target = sweeps(log) + count
    deadline = time.monotonic() + timeout
    while sweeps(log) < target:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"fewer than {count} sweep(s) in {timeout:g} s; the output was:\n"
                + log.read_text(errors="replace")
            )
        time.sleep(0.02)
