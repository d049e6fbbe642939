"""The command line: contracts of the JSON outputs and one-line errors, never tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "cli.db")
    code, out, _ = run(capsys, "--db", path, "ingest", str(sample_feed))
    assert code == 0 and "3 new" in out
    return path


def test_release_json_contract(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "release", "kokoro", "--json")
    assert code == 0
    doc = json.loads(out)
    assert {
        "name",
        "org",
        "section",
        "headline",
        "summary",
        "links",
        "episode",
        "chapter",
        "mentions",
        "facts",
    } <= set(doc)
    assert doc["name"] == "Kokoro"
    assert doc["links"][0] == {"label": "HF", "url": "https://huggingface.co/example/kokoro-82m"}
    assert set(doc["episode"]) == {"id", "title", "published", "url"}
    assert doc["episode"]["published"] == "2025-01-10T02:00:00+00:00"
    assert doc["chapter"] == {
        "title": "Kokoro TTS: High-Quality Text-to-Speech",
        "start_seconds": 1290,
    }
    assert [m["name"] for m in doc["mentions"]] == ["Kokoro v1.0"]
    assert set(doc["mentions"][0]["episode"]) == {"id", "title", "published", "url"}
    # Added by release entities: the family answered, its size, each mention's release.
    assert doc["entity"] == {"id": "kokoro", "name": "Kokoro", "family": "Kokoro", "org": None}
    assert doc["scope"] == "family"
    assert doc["mentions_total"] == 1
    assert doc["mentions"][0]["entity"] == "Kokoro v1.0"


def test_tldr_json_contract(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "tldr", "2025-01-10", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["episode"]["title"].startswith("📆 Sample AI Weekly - Jan 9")
    first = doc["sections"][0]
    assert first["name"] == "Open Source LLMs"
    assert first["original"] == "Open Source LLMs"
    assert set(first["items"][0]) == {"name", "org", "headline", "links", "entity"}
    assert first["items"][0]["entity"] == {
        "id": "phi4",
        "name": "Phi-4",
        "family": "Phi",
        "org": "Microsoft",
    }


def test_tldr_markdown_escapes_feed_text(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "tldr", "jan 9", "--format", "markdown")
    assert code == 0
    assert out.startswith("# ")
    assert "* Kokoro - \\#1 TTS" in out
    assert "\\<\\!channel\\>" in out  # feed text cannot inject markup
    assert "[HF](https://huggingface.co/example/kokoro-82m)" in out


def test_search_json_contract(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "search", "tts", "--json", "--limit", "1")
    assert code == 0
    (result,) = json.loads(out)["results"]
    assert {"name", "headline", "episode", "score"} <= set(result)
    assert isinstance(result["score"], float)


def test_episodes_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "episodes", "--json")
    assert code == 0
    episodes = json.loads(out)["episodes"]
    assert [e["items"] for e in episodes] == [4, 6, 1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ingest", "/no/such/file.rss"], "no such file"),
        (["ingest", "ftp://example.org/feed"], "only http(s) URLs"),
        (["ingest", str(FIXTURES)], "is a directory"),
        (["tldr", "1999-01-01"], "No episode matches"),
        (["release", "zzqxv"], "No release matches 'zzqxv'"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "--db", db, *argv)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = str(tmp_path / "empty.db")
    for argv in (["release", "kokoro"], ["tldr"], ["search", "tts"], ["episodes"]):
        code, _, err = run(capsys, "--db", empty, *argv)
        assert code == 1, argv
        assert "no episodes yet" in err.lower()


def test_malformed_feed_is_read_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.rss"
    broken.write_bytes(
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>B</title><item><title>One</title>"
        b"<link>https://example.org/1</link><description>x &nbsp; &bogus; y</description></item>"
    )
    code, out, err = run(capsys, "--db", str(tmp_path / "b.db"), "ingest", str(broken))
    assert code == 0
    assert "1 new" in out
    assert "warning" in err and "malformed feed" in err


def test_one_bad_source_does_not_stop_the_others(
    tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--db", str(tmp_path / "m.db"), "ingest", "/missing.rss", str(sample_feed)
    )
    assert code == 1
    assert "3 new" in out
    assert "missing.rss: no such file" in err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["search"])
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_invalid_config_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("poll_minutes = 'often'\n")
    code, _, err = run(capsys, "--config", str(config), "--db", str(tmp_path / "c.db"), "episodes")
    assert code == 1
    assert "poll_minutes" in err


def test_release_process_is_fast_and_imports_no_chat_sdk(db: str) -> None:
    probe = (
        "import sys, runpy; sys.argv = ['digestbot', '--db', sys.argv[1], 'release', 'kokoro'];"
        "code = 0\n"
        "try:\n    from app.cli import main; code = main(sys.argv[1:])\n"
        "finally:\n    bad = [m for m in sys.modules if m.split('.')[0] in "
        "('discord', 'slack_bolt', 'slack_sdk', 'feedparser', 'httpx')]\n"
        "    print('IMPORTED', bad)\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe, db], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Kokoro" in result.stdout
    assert "IMPORTED []" in result.stdout


def test_environment_overrides_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text("poll_minutes = 45\n[slack]\nport = 3000\n[discord]\ndev_guild_id = 1\n")
    monkeypatch.setenv("SLACK_PORT", "4000")
    monkeypatch.setenv("DIGESTBOT_POLL_MINUTES", "5")
    settings = load_settings(config)
    assert settings.slack.port == 4000
    assert settings.poll_minutes == 5
    assert settings.discord.dev_guild_id == 1  # not in the environment: the file's value
