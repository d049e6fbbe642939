"""What changed per release family (``digestbot changes``), from stored items and facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main
from bot.changes import changes_since
from bot.models import EpisodeRef, Facts, Item, ReleaseEntity

CUT = datetime(2025, 2, 1, tzinfo=UTC)


def item(name: str, family: str, day: datetime, **facts: object) -> Item:
    return Item(
        id=f"it-{name}-{day:%m%d}",
        episode=EpisodeRef(id=f"ep{day:%m%d}", title=f"Episode {day:%b %d}", published=day),
        position=0,
        name=name,
        section="Open Source LLMs",
        section_original="Open Source LLMs",
        headline=name,
        summary="",
        facts=Facts(**facts),  # type: ignore[arg-type]
        entity=ReleaseEntity(id=name.lower().replace(" ", ""), name=name, family=family),
    )


OLD = datetime(2025, 1, 9, tzinfo=UTC)
NEW = datetime(2025, 2, 6, tzinfo=UTC)


def test_new_releases_families_and_moved_facts() -> None:
    items = [
        item("Kokoro", "Kokoro", OLD, license="Apache 2.0", parameters=("82M",)),
        item("Phi-4", "Phi", OLD, license="MIT", parameters=("14B",), scores=("80.4 on MATH",)),
        item("Kimi K2", "Kimi", OLD, parameters=("1T",)),
        # After the cut-off:
        item("Kokoro", "Kokoro", NEW, license="MIT", parameters=("82 M",)),
        item("Kokoro v1.0", "Kokoro", NEW),
        item("Qwen 2.5 Max", "Qwen", NEW),
        item("Phi-4", "Phi", NEW, license="MIT License", scores=("81.0 on MATH",)),
        item("Kimi K2", "Kimi", NEW, parameters=("1 trillion",)),  # the same count, reworded
    ]
    changes = changes_since(items, CUT)
    by_family = {f.family: f for f in changes.families}
    assert set(by_family) == {"Kokoro", "Qwen", "Phi"}  # Kimi: only mentioned again
    assert by_family["Qwen"].first_seen and by_family["Qwen"].new_releases == ("Qwen 2.5 Max",)
    kokoro = by_family["Kokoro"]
    assert not kokoro.first_seen and kokoro.new_releases == ("Kokoro v1.0",)
    assert [(c.release, c.fact, c.before, c.after) for c in kokoro.fact_changes] == [
        ("Kokoro", "license", "Apache 2.0", "MIT")
    ]
    phi = by_family["Phi"]
    assert phi.new_releases == ()
    assert [(c.fact, c.before, c.after) for c in phi.fact_changes] == [
        ("scores", "80.4 on MATH", "81.0 on MATH")
    ]
    assert changes.families[0].family == "Qwen"  # new families first
    doc = changes.as_json()
    assert doc["basis"] == "since" and doc["since"] == "2025-02-01T00:00:00+00:00"
    assert doc["families"][0]["fact_changes"] == []


def test_nothing_after_the_cut_off_is_no_news() -> None:
    assert changes_since([item("Kokoro", "Kokoro", OLD)], CUT).families == ()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def setup(tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("feeds = []\n")
    db = str(tmp_path / "c.db")
    assert run(capsys, "--config", str(config), "--db", db, "ingest", str(sample_feed))[0] == 0
    return str(config), db


def test_changes_cli_since_date(setup: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, db = setup
    code, out, _ = run(
        capsys, "--config", config, "--db", db, "changes", "--since", "2025-01-12", "--json"
    )
    assert code == 0
    doc = json.loads(out)
    families = {f["family"]: f for f in doc["families"]}
    assert families["Kokoro"]["first_seen"] is False
    assert families["Kokoro"]["new_releases"] == ["Kokoro v1.0"]
    assert families["Qwen"]["first_seen"] is True
    assert "Phi" not in families  # only in the Jan 9 episode
    code, out, _ = run(capsys, "--config", config, "--db", db, "changes", "--since", "2025-01-12")
    assert code == 0 and "Kokoro: " in out and "new: Kokoro v1.0" in out
    assert out.splitlines()[0] == "What changed since 2025-01-12:"


def test_changes_default_to_the_last_weekly_post(
    setup: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = setup
    _, out, _ = run(capsys, "--config", config, "--db", db, "changes", "--json")
    doc = json.loads(out)  # nothing posted yet: what the latest episode brought
    assert doc["basis"] == "latest-episode" and doc["since"].startswith("2025-01-17")
    assert {f["family"] for f in doc["families"]} >= {"Qwen", "Kokoro"}
    assert run(capsys, "--config", config, "--db", db, "subscribe", "console")[0] == 0
    _, out, _ = run(capsys, "--config", config, "--db", db, "subscriptions", "--json")
    sub_id = json.loads(out)[0]["id"]
    assert run(capsys, "--config", config, "--db", db, "post", sub_id)[0] == 0
    _, out, _ = run(capsys, "--config", config, "--db", db, "changes", "--json")
    doc = json.loads(out)
    assert doc["basis"] == "last-post" and doc["families"] == []


def test_bad_since_is_one_line(setup: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, db = setup
    code, _, err = run(capsys, "--config", config, "--db", db, "changes", "--since", "x")
    assert code == 1 and err.count("\n") == 1 and "bad --since" in err
