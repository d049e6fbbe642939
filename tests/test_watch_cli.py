"""``digestbot watch`` and fact filters on the command line: ids, JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.watchfeeds import write_feed

EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "w.db")
    feed = write_feed(tmp_path / "feed.rss", [EP1])
    assert run(capsys, "--db", path, "ingest", str(feed))[0] == 0
    return path


def test_watch_add_list_remove(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db, "watch", "add", "slack-user:U0123ABCD", "qwen")
    assert code == 0 and out.strip().startswith("w") and "family" in err
    wid = out.strip()
    code, out, _ = run(
        capsys, "--db", db, "watch", "add", "discord-user:123456789012345678", "Qwen3-Coder",
        "--license", "Apache-2", "--license", "mit",
    )  # fmt: skip
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "watch", "list", "--json")
    doc = json.loads(out)
    assert [w["kind"] for w in doc] == ["family", "entity"]
    assert {"id", "target", "query", "kind", "active", "disabled_reason"} <= set(doc[0])
    assert doc[1]["licenses"] == ["Apache-2", "mit"]
    code, out, _ = run(capsys, "--db", db, "watch", "remove", wid)
    assert code == 0 and wid in out
    code, out, _ = run(capsys, "--db", db, "watch", "list")
    assert wid not in out and "license: apache-2, mit" in out


def test_watch_on_nothing_and_bad_input(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db, "watch", "add", "slack-user:U0123ABCD", "zzqx")
    assert code == 1 and out == "" and "--anyway" in err and "Traceback" not in err
    assert err.count("\n") == 1 and "Did you mean" not in err  # nothing is close to zzqx
    # A typo is not watched as a new name: it is answered with the name it most likely meant.
    code, out, err = run(capsys, "--db", db, "watch", "add", "slack-user:U0123ABCD", "lama 4")
    assert code == 1 and "Did you mean 'Llama 4'?" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "--db", db, "watch", "list", "--json")
    assert json.loads(out) == []  # nothing kept
    code, out, _ = run(
        capsys, "--db", db, "watch", "add", "slack-user:U0123ABCD", "zzqx", "--anyway"
    )
    assert code == 0
    for argv in (
        ("watch", "add", "slack-user:nobody", "qwen"),
        ("watch", "add", "telegram:1", "qwen"),
        ("watch", "add", "console", "qwen", "--license", "!!"),
        ("watch", "remove", "w-none"),
    ):
        code, out, err = run(capsys, "--db", db, *argv)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, argv


def test_subscribe_with_fact_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--db", db, "subscribe", "console", "--license", "Apache 2.0", "--org", "Alibaba"
    )
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "subscriptions", "--json")
    sub = json.loads(out)[0]
    assert sub["licenses"] == ["Apache 2.0"] and sub["orgs"] == ["Alibaba"]


def test_the_same_watch_twice_is_one_watch(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A second identical watch would send every alert twice: the first is kept and named."""
    add = ("--db", db, "watch", "add", "slack-user:U0123ABCD", "qwen")
    code, first, _ = run(capsys, *add)
    assert code == 0
    code, again, err = run(capsys, *add)
    assert code == 0 and again == first and "already watching" in err
    code, other, _ = run(capsys, *add, "--license", "mit")  # other filters: another watch
    assert code == 0 and other != first
    _, out, _ = run(capsys, "--db", db, "watch", "list", "--json")
    assert len(json.loads(out)) == 2
