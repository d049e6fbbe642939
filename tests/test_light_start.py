"""Fast starts: lookups and unchanged re-ingests import only what they use; config still counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config_defaults import settings_are_defaults

HEAVY = (
    "pydantic",
    "pydantic_settings",
    "feedparser",
    "httpx",
    "ftfy",
    "rapidfuzz",
    "asyncio",
    "nh3",
    "numpy",
    "wordllama",
    "prometheus_client",
)


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment without any settings variable, run from a directory without config."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("DIGESTBOT", "SLACK", "DISCORD"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _imported(tmp_path: Path, env: dict[str, str], *argv: str) -> tuple[int, list[str], str]:
    """Run the CLI in a fresh interpreter; its exit code, the heavy modules it imported, stdout."""
    probe = (
        "import sys\ncode = 0\n"
        "try:\n    from app.cli import main; code = main(sys.argv[1:])\n"
        f"finally:\n    heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "    print('IMPORTED', heavy)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    line = [x for x in result.stdout.splitlines() if x.startswith("IMPORTED")][-1]
    heavy = [m.strip(" '") for m in line.removeprefix("IMPORTED [").rstrip("]").split(",") if m]
    return result.returncode, heavy, result.stdout + result.stderr


def test_lookups_and_unchanged_reingest_import_only_what_they_use(
    tmp_path: Path, sample_feed: Path
) -> None:
    env = _clean_env(tmp_path)
    db = str(tmp_path / "l.db")
    code, heavy, out = _imported(tmp_path, env, "--db", db, "ingest", str(sample_feed))
    assert code == 0, out
    assert "nh3" in heavy  # the probe sees real imports
    # A well-formed RSS feed takes the fast path (bot.feeds.xmlfeed): no feedparser, no httpx.
    assert "feedparser" not in heavy and "httpx" not in heavy, heavy
    code, heavy, out = _imported(tmp_path, env, "--db", db, "ingest", str(sample_feed))
    assert (code, heavy) == (0, []), out
    assert "unchanged since last ingest" in out
    for argv in (("release", "kokoro"), ("release", "--json", "kokoro"), ("release", "kokorro")):
        code, heavy, out = _imported(tmp_path, env, "--db", db, *argv)
        assert code == 0, out
        assert "Kokoro" in out
        assert [m for m in heavy if m != "rapidfuzz" or argv[-1] != "kokorro"] == [], (argv, out)
    # Two items hold "tts" in the sample: the semantic blend ranks that search (when the
    # extra is installed), through the engine; the answer is the same either way.
    code, heavy, out = _imported(tmp_path, env, "--db", db, "search", "tts")
    assert code == 0, out
    assert "Kokoro" in out


def test_the_issue_lookups_on_the_real_feed_import_neither_models_nor_semantic(
    tmp_path: Path, shared: Path
) -> None:
    """Issue 12: ``release kokoro`` and ``search 'open source tts'`` start in a few times
    ``python -c pass``: no pydantic, feedparser, httpx, numpy or wordllama in the process."""
    env = _clean_env(tmp_path)
    db = str(tmp_path / "t.db")
    feed = str(shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss")
    code, heavy, out = _imported(tmp_path, env, "--db", db, "ingest", feed)
    assert code == 0, out
    assert {"pydantic", "nh3"} <= set(heavy)  # the probe sees real imports
    assert "feedparser" not in heavy  # well-formed RSS: the expat fast path (xmlfeed.py)
    runs = (
        ("release", "kokoro"),
        ("release", "--json", "kokoro"),
        ("search", "open source tts"),
        ("search", "--json", "tts"),
        ("search", "kokoro"),  # few items, but a release's name: the blend would not help
        ("ingest", feed),
    )
    for argv in runs:
        code, heavy, out = _imported(tmp_path, env, "--db", db, *argv)
        assert (code, heavy) == (0, []), (argv, out)
        assert ("Kokoro" in out) or argv[0] == "ingest", (argv, out)


def test_a_config_file_is_still_read_and_checked_by_lookups(
    tmp_path: Path, sample_feed: Path
) -> None:
    env = _clean_env(tmp_path)
    db = str(tmp_path / "c.db")
    assert _imported(tmp_path, env, "--db", db, "ingest", str(sample_feed))[0] == 0
    (tmp_path / "config.toml").write_text("poll_minutes = 'often'\n")
    for argv in (("release", "kokoro"), ("search", "tts"), ("ingest", str(sample_feed))):
        code, _, out = _imported(tmp_path, env, "--db", db, *argv)
        assert code == 1
        assert "invalid config key 'poll_minutes'" in out
    (tmp_path / "config.toml").unlink()
    bad = {**env, "DIGESTBOT_POLL_MINUTES": "often"}
    code, _, out = _imported(tmp_path, bad, "--db", db, "release", "kokoro")
    assert code == 1
    assert "poll_minutes" in out


def test_settings_are_defaults_only_without_file_or_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("DIGESTBOT", "SLACK", "DISCORD")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    assert settings_are_defaults()
    monkeypatch.setenv("DIGESTBOT_DB", str(tmp_path / "x.db"))  # read outside the settings
    assert settings_are_defaults()
    assert not settings_are_defaults(tmp_path / "other.toml")
    monkeypatch.setenv("slack_port", "4000")  # matched case-insensitively, as pydantic does
    assert not settings_are_defaults()
    monkeypatch.delenv("slack_port")
    (tmp_path / "config.toml").write_text("")
    assert not settings_are_defaults()


def test_a_core_command_parses_the_same_with_only_its_own_parser() -> None:
    from app.cli import build_parser, command_of

    assert command_of(["--db", "x.db", "-v", "release", "kokoro"]) == "release"
    assert command_of(["--config=c.toml", "search", "tts"]) == "search"
    assert command_of(["-h"]) is None and command_of([]) is None
    assert command_of(["--db"]) is None
    for argv in (
        ["--db", "x.db", "release", "--json", "phi 4"],
        ["-v", "search", "open source tts", "--limit", "3"],
        ["ingest", "--force", "a.rss", "b.rss"],
    ):
        full = vars(build_parser().parse_args(argv))
        assert vars(build_parser(command_of(argv)).parse_args(argv)) == full


def test_unchanged_files_are_skipped_in_order_before_the_engine_reads_the_rest(
    tmp_path: Path, sample_feed: Path
) -> None:
    env = _clean_env(tmp_path)
    db = str(tmp_path / "u.db")
    assert _imported(tmp_path, env, "--db", db, "ingest", str(sample_feed))[0] == 0
    missing = str(tmp_path / "missing.rss")
    code, heavy, out = _imported(tmp_path, env, "--db", db, "ingest", str(sample_feed), missing)
    assert code == 1
    assert out.index("unchanged since last ingest") < out.index("missing.rss: no such file")
    code, heavy, out = _imported(tmp_path, env, "--db", db, "ingest", "--force", str(sample_feed))
    assert code == 0 and "nh3" in heavy  # --force reads it again (on the expat fast path)
    assert "unchanged since last ingest" not in out
