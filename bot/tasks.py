"""Small asyncio helpers shared by the runtime and the platform adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any


def log_failure(
    log: logging.Logger, what: str, consequence: str
) -> Callable[[asyncio.Task[Any]], None]:
    """A done-callback that logs a background task's crash (one line) instead of losing it.

    ``what`` names the task ("discord gateway"), ``consequence`` what still
    works ("scheduled posts still go out").
    """

    def report(task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s stopped (%s: %s); %s", what, type(exc).__name__, exc, consequence)

    return report
