"""``digestbot timeline FAMILY --out FILE.png``: a release family's timeline as a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.errors import DigestbotError


def register(sub: Any) -> None:
    """Add the ``timeline`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("timeline", help="a release family's timeline as a PNG image")
    p.add_argument("family", help='a family ("qwen") or one of its releases ("qwen3-coder")')
    p.add_argument("--out", help="where to write the PNG (default: FAMILY.png)")
    p.add_argument("--alt", action="store_true", help="also print the image's alt text")
    p.set_defaults(handler=cmd_timeline)


def cmd_timeline(args: argparse.Namespace) -> int:
    """Draw the family's timeline and write it to ``--out``."""
    from app.cli import _engine
    from bot.timeline import render_timeline_png, timeline_alt_text, timeline_points

    engine = _engine(args)
    try:
        points = timeline_points(engine, args.family)
    finally:
        engine.close()
    family = points[0].family
    png = render_timeline_png(points, title=f"{family} releases")
    out = Path(args.out or f"{_file_name(family)}.png")
    try:
        out.write_bytes(png)
    except OSError as exc:
        raise DigestbotError(f"cannot write {out}: {exc.strerror or exc}") from exc
    releases = len({p.entity_id for p in points})
    print(f"wrote {out}: {len(points)} mention(s) of {releases} release(s) of {family}")
    if args.alt:
        print(timeline_alt_text(points))
    sys.stdout.flush()
    return 0


def _file_name(family: str) -> str:
    """A safe file name for a family ("OpenAI o-series" -> "openai-o-series")."""
    name = "".join(c if c.isalnum() else "-" for c in family.casefold()).strip("-")
    return "-".join(part for part in name.split("-") if part) or "timeline"
