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
    renamed over it once complete: a failure leaves the old file (or none).

    The file gets the mode a plain write would give it (the old file's, else
    0666 less the umask), not the temporary file's 0600: an export is made to be
    published, and a web server must be able to read it.
    """
    target = Path(path)
    mode = _mode_for(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
