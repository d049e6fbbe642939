"""The ``digestbot web`` and ``digestbot site`` subcommands (registered by ``app.cli``).

Jinja2 is the ``.[web]`` extra: without it both commands say so in one line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bot.errors import DigestbotError

MISSING_EXTRA = "the web archive needs the web extra: pip install 'digestbot[web]'"


def register(sub: Any) -> None:
    """Add ``web`` and ``site`` to the CLI's subparsers."""
    p = sub.add_parser("web", help="serve the web archive (episodes, releases, search)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8080; 0: any free)")
    p.set_defaults(handler=cmd_web)

    p = sub.add_parser("site", help="write the web archive as static files")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (index.html at the top)")
    p.set_defaults(handler=cmd_site)


def _archive(args: argparse.Namespace) -> Any:
    try:
        import jinja2  # noqa: F401
    except ImportError:
        raise DigestbotError(MISSING_EXTRA) from None
    from bot.archive import Archive
    from bot.config import load_settings
    from bot.engine import make_engine

    settings = load_settings(args.config)
    return settings, Archive(make_engine(settings, db_path=args.db))


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the archive until interrupted."""
    settings, archive = _archive(args)
    from adapters.web.render import Pages
    from adapters.web.server import make_server

    host = args.host or settings.web.host
    port = settings.web.port if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise DigestbotError(f"port {port} is out of range (0-65535)")
    try:
        server = make_server(Pages(archive), host, port)
    except OSError as exc:
        raise DigestbotError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    print(f"digestbot web: serving on {server.url}/ (Ctrl-C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        archive.engine.close()
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """Write every page under OUT_DIR."""
    _, archive = _archive(args)
    from adapters.web.site import write_site

    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise DigestbotError(f"{out} exists and is not a folder")
    started = time.perf_counter()
    try:
        report = write_site(archive, out)
    except OSError as exc:
        raise DigestbotError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        archive.engine.close()
    print(f"{report.line(out)} in {time.perf_counter() - started:.1f} s")
    return 0
