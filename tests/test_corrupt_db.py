"""A corrupted database file gives one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory, sample_feed_module: Path) -> bytes:
    db = tmp_path_factory.mktemp("db") / "good.db"
    assert _cli("--db", str(db), "ingest", str(sample_feed_module)).returncode == 0
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    return db.read_bytes()


@pytest.fixture(scope="module")
def sample_feed_module() -> Path:
    from app.cli import sample_feed_path

    return sample_feed_path()


def _schema_text_overwritten(data: bytes) -> bytes:
    """Bytes that are not UTF-8 written into the first schema statement's SQL text."""
    start = re.search(rb"CREATE (?:TABLE|INDEX|TRIGGER|VIRTUAL)", data)
    assert start is not None
    out = bytearray(data)
    out[start.start() + 13 : start.start() + 20] = b"\xff" * 7
    return bytes(out)


def _title_overwritten(data: bytes) -> bytes:
    """An episode title's bytes made invalid UTF-8 in a data page."""
    at = data.find(b"Sample AI Weekly - Jan 9")
    assert at > 4096
    out = bytearray(data)
    out[at : at + 4] = b"\xff\xfe\xc3\x28"
    return bytes(out)


def _header_overwritten(data: bytes) -> bytes:
    return b"\x00" * 100 + data[100:]


@pytest.mark.parametrize("corrupt", [_schema_text_overwritten, _header_overwritten])
@pytest.mark.parametrize(
    "command", [["episodes"], ["release", "kokoro"], ["search", "tts"], ["subscriptions"]]
)
def test_a_corrupted_file_is_one_line(
    tmp_path: Path, good_db: bytes, corrupt: object, command: list[str]
) -> None:
    """The schema case was a UnicodeDecodeError traceback on every command."""
    db = tmp_path / "bad.db"
    db.write_bytes(corrupt(good_db))  # type: ignore[operator]
    result = _cli("--db", str(db), *command)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digestbot: error: database error"), lines


def test_unreadable_text_in_a_row_is_one_line(tmp_path: Path, good_db: bytes) -> None:
    db = tmp_path / "bad.db"
    db.write_bytes(_title_overwritten(good_db))
    result = _cli("--db", str(db), "episodes")
    assert "Traceback" not in result.stderr
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
