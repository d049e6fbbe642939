"""The database file and its -wal/-shm are created private (0600): they hold tokens."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.sqlite import Store


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files are created 0644 unless asked otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "data" / "digestbot.db"
    store = Store(path)
    try:
        with store.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS t (x)")
            db.execute("INSERT INTO t VALUES (1)")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        store.close()


def test_an_existing_file_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "shared.db"
    Store(path).close()
    path.chmod(0o640)  # the operator's choice
    Store(path).close()
    assert _mode(path) == 0o640


def test_a_path_that_cannot_be_a_database_is_still_one_clear_error(tmp_path: Path) -> None:
    from bot.errors import StorageError

    (tmp_path / "a-directory.db").mkdir()
    with pytest.raises(StorageError):
        Store(tmp_path / "a-directory.db")
