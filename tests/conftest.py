"""Shared fixtures: the bundled sample feed, a fresh engine on a real SQLite file,
and the real feeds in ../shared (tests using them skip when it is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import sample_feed_path
from bot.config import Settings
from bot.engine import Engine, make_engine

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared() -> Path:
    """../shared with the real feeds and episodes; skips the test when absent."""
    if not (SHARED / "feeds").is_dir():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    return SHARED


@pytest.fixture
def sample_feed() -> Path:
    """The sample feed shipped for `digestbot demo`."""
    return sample_feed_path()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty SQLite file in a temporary directory."""
    eng = make_engine(Settings(), db_path=tmp_path / "test.db")
    yield eng
    eng.close()


@pytest.fixture
def sample_engine(engine: Engine, sample_feed: Path) -> Engine:
    """An engine that has ingested the sample feed."""
    engine.ingest(str(sample_feed))
    return engine


@pytest.fixture(scope="session")
def _pg_session() -> Iterator[None]:
    from tests.standins import postgres

    yield
    postgres.stop()


@pytest.fixture
def pg_url(_pg_session: None) -> str:
    """A fresh database on a throwaway PostgreSQL server (``tests/standins/postgres.py``)."""
    from tests.standins import postgres

    return postgres.fresh_database()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend in turn."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))
