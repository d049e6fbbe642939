"""Helpers for the web archive's tests: an archive server on a loopback port, in a thread."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.web.render import Pages
from adapters.web.server import ArchiveServer, make_server
from bot.archive import Archive
from bot.engine import Engine

#: The installed command (wherever the CLI module lives: bot/ today, app/ after issue 12).
DIGESTBOT = str(Path(sys.executable).with_name("digestbot"))


@contextmanager
def serving(engine: Engine, *, idle_timeout: float = 10.0) -> Iterator[ArchiveServer]:
    """The archive of ``engine`` served on 127.0.0.1 (any free port) while inside."""
    server = make_server(Pages(Archive(engine)), "127.0.0.1", 0, idle_timeout=idle_timeout)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
