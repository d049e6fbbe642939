"""Exports: Atom and JSON Feed 1.1 of the release items, the feed list as OPML in and out."""

from __future__ import annotations

import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import jsonschema
import pytest

from app.cli import main
from bot.config import Settings
from bot.exports.items import atom_feed, entry_id, json_feed
from bot.exports.opml import parse_opml
from bot.models import EpisodeRef, Item, Link
from bot.schedule.poller import feeds_to_poll

#: JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as a schema: its fields and types,
#: and its extension rule (any other key starts with "_").
_URL = {"type": "string", "format": "uri"}
_DATE = {"type": "string", "format": "date-time"}
_AUTHOR = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "url": _URL, "avatar": _URL},
    "patternProperties": {"^_": {}},
    "additionalProperties": False,
}
JSON_FEED_11 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": _URL,
        "feed_url": _URL,
        "description": {"type": "string"},
        "user_comment": {"type": "string"},
        "next_url": _URL,
        "icon": _URL,
        "favicon": _URL,
        "authors": {"type": "array", "items": _AUTHOR},
        "language": {"type": "string"},
        "expired": {"type": "boolean"},
        "hubs": {"type": "array"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": _URL,
                    "external_url": _URL,
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": _URL,
                    "banner_image": _URL,
                    "date_published": _DATE,
                    "date_modified": _DATE,
                    "authors": {"type": "array", "items": _AUTHOR},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "language": {"type": "string"},
                    "attachments": {"type": "array"},
                },
                "patternProperties": {"^_": {}},
                "additionalProperties": False,
            },
        },
    },
    "patternProperties": {"^_": {}},
    "additionalProperties": False,
}

#: jsonschema checks "date-time" and "uri" only with optional packages we do not install:
#: without these the formats above would be accepted unread.
FORMATS = jsonschema.FormatChecker([])


def _rfc3339(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
    ):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # a real date (no 31 Feb)
    return True


def _absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.scheme in ("tag", "urn", "mailto")))


FORMATS.checks("date-time", raises=ValueError)(_rfc3339)
FORMATS.checks("uri")(_absolute_uri)


HOSTILE = '</title><script>alert("x")</script> &amp; <!-- ]]> @everyone \x00\x1b\ufffe'


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text('feeds = ["https://example.org/a.rss", "https://example.org/b?x=1&y=2"]\n')
    return str(path)


@pytest.fixture
def db(tmp_path: Path, config: str, sample_feed: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "x.db")
    code, _, err = run(capsys, "--config", config, "--db", path, "ingest", str(sample_feed))
    assert code == 0, err
    return path


def hostile_item() -> Item:
    return Item(
        id="it0123456789",
        episode=EpisodeRef(
            id="ep1",
            title=f"Episode {HOSTILE}",
            published=datetime(2025, 1, 9, tzinfo=UTC),
            url="https://example.org/p/1?a=1&b=<2>",
        ),
        position=0,
        name=f"Name {HOSTILE}",
        section="Open Source LLMs",
        section_original="Open Source LLMs",
        headline=f"Headline {HOSTILE}",
        summary=f"Summary {HOSTILE}",
        links=(Link(label=f"HF {HOSTILE}", url='https://hf.co/x?"a"&b=<c>'),),
    )


def test_atom_export_parses_without_bozo(
    db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--config", config, "--db", db, "export", "--format", "atom")
    assert code == 0
    parsed = feedparser.parse(out.encode())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == 11  # one entry per item of the sample feed
    kokoro = next(e for e in parsed.entries if e.title.startswith("Kokoro v1.0"))
    assert kokoro.link == "https://huggingface.co/example/kokoro-v1"
    assert {link.href for link in kokoro.links} >= {
        "https://example.org/kokoro-demo",
        "https://example.org/p/sample-jan-16",
    }
    assert kokoro.published_parsed[:3] == (2025, 1, 17)
    # Ids are stable: a second export names the same entries the same way.
    _, again, _ = run(capsys, "--config", config, "--db", db, "export", "--format", "atom")
    assert [e.id for e in feedparser.parse(again.encode()).entries] == [
        e.id for e in parsed.entries
    ]


def test_since_and_feed_filter_items(
    db: str, config: str, sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--config", config, "--db", db, "export", "--format", "jsonfeed")
    _, out, _ = run(capsys, *base, "--since", "2025-01-12")
    assert len(json.loads(out)["items"]) == 4  # the Jan 16 episode only
    _, out, err = run(capsys, *base, "--feed", "https://elsewhere.example/feed")
    assert json.loads(out)["items"] == []
    assert "note: no stored item comes from https://elsewhere.example/feed" in err
    _, out, err = run(capsys, *base, "--feed", str(sample_feed))
    assert len(json.loads(out)["items"]) == 11 and err == ""


def test_json_feed_validates_against_the_schema(
    db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "--config",
        config,
        "--db",
        db,
        "export",
        "--format",
        "jsonfeed",
        "--self-url",
        "https://example.org/releases.json",
    )
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, JSON_FEED_11, format_checker=FORMATS)
    assert doc["feed_url"] == "https://example.org/releases.json"
    assert len(doc["items"]) == 11 and len({i["id"] for i in doc["items"]}) == 11
    first = doc["items"][0]
    assert first["_digestbot"]["episode"]["url"] == "https://example.org/p/sample-jan-16"
    assert first["date_published"] == "2025-01-17T02:00:00Z"


def test_hostile_text_stays_escaped_in_atom() -> None:
    item = hostile_item()
    data = atom_feed([item])
    assert b"<script>" not in data and b"<!--" not in data
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.fromstring(data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    title = root.find("a:entry/a:title", ns)
    assert title is not None and title.text is not None
    # The text comes back as written, minus what XML 1.0 cannot carry at all.
    assert title.text == "Headline " + HOSTILE.replace("\x00", "").replace("\x1b", "").replace(
        "\ufffe", ""
    )
    link = root.find("a:entry/a:link[@rel='alternate']", ns)
    assert link is not None and link.get("href") == 'https://hf.co/x?"a"&b=<c>'
    assert root.find("a:entry/a:id", ns) is not None
    jsonschema.validate(json_feed([item]), JSON_FEED_11, format_checker=FORMATS)
    assert json_feed([item])["items"][0]["id"] == entry_id(item)


def test_opml_round_trips(
    tmp_path: Path, db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "--config",
        config,
        "--db",
        db,
        "subscribe",
        "console",
        "--feed",
        "https://example.org/c.rss",
    )
    assert code == 0, err
    out_file = tmp_path / "feeds.opml"
    code, _, err = run(
        capsys, "--config", config, "--db", db, "export", "--format", "opml", "--out", str(out_file)
    )
    assert code == 0, err
    first = parse_opml(out_file.read_bytes())
    assert [url for url, _ in first] == [
        "https://example.org/a.rss",
        "https://example.org/b?x=1&y=2",
        "https://example.org/c.rss",
    ]
    # A fresh database with a config that lists no feeds gets them all from the file.
    empty = tmp_path / "empty.toml"
    empty.write_text("feeds = []\n")
    fresh = str(tmp_path / "fresh.db")
    code, out, err = run(capsys, "--config", str(empty), "--db", fresh, "import", str(out_file))
    assert code == 0, err
    assert "3 feeds, 3 new" in out
    code, out, _ = run(capsys, "--config", str(empty), "--db", fresh, "export", "--format", "opml")
    assert code == 0
    assert parse_opml(out.encode()) == first
    # Importing again adds nothing; the runtime polls what was imported, unguarded.
    _, out, _ = run(capsys, "--config", str(empty), "--db", fresh, "import", str(out_file))
    assert "3 feeds, 0 new" in out
    assert feeds_to_poll(Settings(feeds=[]), [], [url for url, _ in first]) == dict.fromkeys(
        [url for url, _ in first], False
    )


BAD_OPML = {
    "not xml": b"this is not xml <",
    "not opml": b"<?xml version='1.0'?><rss><channel/></rss>",
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline xmlUrl="https://x.example/&lol2;"/></body></opml>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.example/f"/></body></opml>""",
}


@pytest.mark.parametrize("kind", sorted(BAD_OPML))
def test_malformed_opml_is_one_line_and_imports_nothing(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.opml"
    path.write_bytes(BAD_OPML[kind])
    empty = tmp_path / "empty.toml"
    empty.write_text("feeds = []\n")
    dbp = str(tmp_path / "fresh.db")
    code, _, err = run(capsys, "--config", str(empty), "--db", dbp, "import", str(path))
    assert code == 1
    assert err.count("\n") == 1 and "malformed OPML" in err and "Traceback" not in err
    _, out, _ = run(capsys, "--config", str(empty), "--db", dbp, "export", "--format", "opml")
    assert parse_opml(out.encode()) == []


def test_missing_opml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "d.db"), "import", str(tmp_path / "no"))
    assert code == 1 and err.startswith("digestbot: error: cannot read") and err.count("\n") == 1


def test_unwritable_export_is_one_line_and_leaves_nothing(
    tmp_path: Path, db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    base = ("--config", config, "--db", db, "export", "--format", "atom", "--out")
    code, out, err = run(capsys, *base, str(blocker / "feed.xml"))
    assert code == 1 and out == "" and err.count("\n") == 1 and "cannot write" in err
    # Renaming onto a directory fails after the write: the temporary file goes too.
    target = tmp_path / "dir"
    target.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run(capsys, *base, str(target))
    assert code == 1 and "cannot write" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_export_replaces_a_file_whole(
    tmp_path: Path, db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "feed.json"
    out_file.write_text("old")
    base = ("--config", config, "--db", db, "export", "--format", "jsonfeed")
    assert run(capsys, *base, "--out", str(out_file))[0] == 0
    assert len(json.loads(out_file.read_text())["items"]) == 11


def test_bad_since_is_one_line(db: str, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--config", config, "--db", db, "export", "--format", "atom", "--since", "soon"
    )
    assert code == 1 and "bad --since" in err and err.count("\n") == 1


def test_export_is_readable_as_a_plain_write_would_make_it(
    tmp_path: Path, db: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Exports are published (a web server serves them): not the temporary file's 0600.
    base = ("--config", config, "--db", db, "export", "--format", "atom", "--out")
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "feed.xml"
        assert run(capsys, *base, str(fresh))[0] == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.xml"
        kept.write_text("old")
        kept.chmod(0o640)
        assert run(capsys, *base, str(kept))[0] == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_the_json_feed_schema_check_can_fail() -> None:
    """The schema above rejects what JSON Feed 1.1 rejects (so its pass means something)."""
    good: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [{"id": "1", "content_text": "x", "date_published": "2025-01-17T02:00:00Z"}],
    }
    jsonschema.validate(good, JSON_FEED_11, format_checker=FORMATS)
    bad_items = (
        {"date_published": "2025-01-17 02:00"},  # no T, no zone
        {"date_published": "2025-02-31T00:00:00Z"},
        {"url": "/relative/path"},
        {"author": {"name": "1.0's field"}},  # neither 1.1 nor an extension
    )
    for extra in bad_items:
        doc = {**good, "items": [{**good["items"][0], **extra}]}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, JSON_FEED_11, format_checker=FORMATS)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**good, "feed_url": "releases.json"}, JSON_FEED_11, format_checker=FORMATS
        )
