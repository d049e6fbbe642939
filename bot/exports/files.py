"""Writing an export so a reader never sees half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bot.errors import DigestbotError


class ExportError(DigestbotError):
    """An export or import could not be done (unwritable path, malformed file)."""


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory,
    renamed over it once complete: a failure leaves the old file (or none)."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
