"""The sent journal: messages that went out while the ledger could not be written.

When the database refuses a write after a platform accepted messages (its
write lock held by another process past the busy timeout, a full disk),
the poster appends what went out to a small file beside the database,
``<db>-sent.jsonl``, one JSON line per note::

    {"subscription_id": "s1", "period": "2025-01-16T18:00-08:00",
     "message_ids": ["1", "2"], "done": false}

Any process that claims a post first folds the journal into the ledger
(``Ledger.claim``): the ids become the post's recorded messages and a
``done`` post becomes ``posted``, so a retry or take-over, even by another
process after a restart, resumes after them instead of sending them again.

Appending and folding hold an exclusive ``flock`` on the file, so a note
added while another process folds the journal is never lost.  The file is
created 0600 like the database.  Writing it can fail too (the same full
disk); that is logged, and the poster still keeps the write in memory.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per database is the rule there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SUFFIX = "-sent.jsonl"


@dataclass(frozen=True)
class SentNote:
    """Messages of one post that went out (``done``: all of them; the post is complete)."""

    subscription_id: str
    period: str
    message_ids: tuple[str, ...]
    done: bool = False


class SentJournal:
    """The journal file beside a database (``path`` None: an in-memory database, no journal)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def beside(cls, db_path: str) -> SentJournal:
        """The journal of the database at ``db_path``."""
        if db_path == ":memory:" or db_path.startswith("file:") or "://" in db_path:
            # A server database (PostgreSQL) has no file to sit beside.
            return cls(None)
        return cls(Path(db_path).expanduser().with_name(Path(db_path).name + SUFFIX))

    def note(self, note: SentNote) -> bool:
        """Append ``note`` durably (flushed and fsynced); False, logged, when that fails."""
        if self.path is None:
            return False
        line = json.dumps(
            {
                "subscription_id": note.subscription_id,
                "period": note.period,
                "message_ids": list(note.message_ids),
                "done": note.done,
            }
        )
        try:
            with self._locked("a") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            log.error("could not write the sent journal %s either: %s", self.path, exc)
            return False
        return True

    def has_notes(self) -> bool:
        """Whether there is anything to fold into the ledger (cheap: one ``stat``)."""
        try:
            return self.path is not None and self.path.stat().st_size > 0
        except OSError:
            return False

    def fold(self, apply: Callable[[Sequence[SentNote]], None]) -> int:
        """Hand every note to ``apply`` (which writes them to the ledger), then empty the file.

        Nothing is removed when ``apply`` raises.  Returns how many notes were applied.
        """
        if not self.has_notes():
            return 0
        with self._locked("r+") as handle:
            notes = list(_parse(handle.read().splitlines()))
            if notes:
                apply(notes)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        return len(notes)

    @contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        assert self.path is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | (os.O_APPEND if mode == "a" else 0), 0o600)
        with os.fdopen(fd, mode, encoding="utf-8") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield handle  # the lock goes with the file's closing


def _parse(lines: Sequence[str]) -> Iterator[SentNote]:
    for line in lines:
        try:
            raw = json.loads(line)
            yield SentNote(
                str(raw["subscription_id"]),
                str(raw["period"]),
                tuple(str(i) for i in raw["message_ids"]),
                bool(raw.get("done", False)),
            )
        except (ValueError, KeyError, TypeError):
            # A line torn by a crash mid-append: what it said is lost, the rest still counts.
            log.warning("skipping an unreadable line of the sent journal: %.80r", line)
