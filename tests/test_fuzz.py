"""A bounded fuzz suite over parsing, extraction and rendering (bench/fuzzfeeds.py).

Seeded, so a failure names a case that replays: ``cases(SEED, n)``.  Each
case must end in a parsed feed or one of digestbot's own errors, inside a
CPU bound, and every payload it renders must ping nobody and carry no raw
markup, bidi override, control character or ``javascript:`` link.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.fuzzfeeds import (
    Case,
    cases,
    deep_nesting,
    long_line,
    many_bullets,
    run_case,
)
from bot.config import Settings
from bot.engine import make_engine
from bot.errors import DigestbotError
from bot.feeds.parse import parse_source
from bot.safetext import BIDI_CONTROLS
from tests.standins.discord_api import message_violations
from tests.standins.slack_api import check_message, find_pings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # feedparser, mutated dates

SEED = 11
COUNT = 200
#: CPU seconds one case may take (the bench's target is 2 s; cases here are smaller).
CASE_BOUND = 2.0

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A link to javascript: as each platform would make one: Slack's <url|label>, Discord's
# masked [label](url) and embed urls.  Escaped text that merely reads "javascript:" is fine.
_SLACK_JS_LINK = re.compile(r"<\s*javascript:", re.I)
_DISCORD_JS_LINK = re.compile(r"(?<!\\)\]\(\s*javascript:|\"url\": \"\s*javascript:", re.I)


def _bidi(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if ord(c) in BIDI_CONTROLS})


def _console_problems(text: str) -> list[str]:
    problems = [f"bidi {b}" for b in _bidi(text)]
    if _CONTROL.search(text.replace("\n", "")):
        problems.append("control character")
    return problems


def _slack_problems(message: dict[str, Any]) -> list[str]:
    text = json.dumps(message, ensure_ascii=False)
    problems = [f"ping {p!r}" for p in find_pings(message)] + check_message(message)
    problems += [f"bidi {b}" for b in _bidi(text)]
    if _SLACK_JS_LINK.search(text):
        problems.append("javascript: link")
    return problems


def _discord_problems(payload: dict[str, Any]) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    problems = message_violations({**payload, "allowed_mentions": {"parse": []}})
    if payload.get("allowed_mentions") not in (None, {"parse": []}):
        problems.append(f"allowed_mentions {payload['allowed_mentions']!r}")
    problems += [f"bidi {b}" for b in _bidi(text)]
    if _DISCORD_JS_LINK.search(text):
        problems.append("javascript: link")
    return problems


CHECKS: dict[str, Callable[[Any], list[str]]] = {
    "console": _console_problems,
    "slack": _slack_problems,
    "discord": _discord_problems,
}


def _check(case: Case) -> list[str]:
    """Every problem with one case, as readable lines."""
    try:
        outcome = run_case(case)
    except Exception as exc:  # anything not ours is a traceback in production
        return [f"{case.label}: {type(exc).__name__}: {exc}"[:300]]
    problems = []
    if outcome.cpu > CASE_BOUND:
        problems.append(f"{case.label}: {outcome.cpu:.2f} s of CPU")
    for platform, payloads in outcome.payloads.items():
        for payload in payloads:
            problems += [f"{case.label}: {platform}: {p}" for p in CHECKS[platform](payload)][:3]
    return problems


def test_fuzzed_feeds_parse_and_render_safely(shared: object) -> None:
    """Fixtures and mutated real feeds: no traceback, no slow case, no unsafe payload."""
    problems: list[str] = []
    seen = 0
    for case in cases(SEED, COUNT):
        problems += _check(case)
        seen += 1
    assert seen == COUNT
    assert not problems, "\n".join(problems[:20])


def test_fuzzed_fixtures_without_shared_feeds() -> None:
    """The written fixtures alone (runs where ../shared is absent too)."""
    problems: list[str] = []
    for case in cases(SEED + 1, 60, real=False):
        problems += _check(case)
    assert not problems, "\n".join(problems[:20])


def test_the_generator_covers_the_hostile_inputs() -> None:
    """The suite is only as good as its inputs: each kind shows up."""
    blob = b"".join(c.data for c in cases(SEED, COUNT, real=False))
    for needle in (
        b"@everyone",
        b"<!channel>",
        b"\xe2\x80\xae",  # U+202E
        b"\xe2\x80\x8b",  # U+200B
        b"&#xD800;",
        b"&#x110000;",
        b"javascript:",
        b"<div><div><div>",
    ):
        assert needle in blob, needle
    labels = " ".join(c.label for c in cases(SEED, COUNT))
    for kind in ("rss", "atom", "markdown", "html", "mutated"):
        assert kind in labels


# --- hostile shapes: linear time --------------------------------------------------

FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>S</title>'
    "<item><title>E</title><link>https://example.org/1</link>"
    "<description><![CDATA[{body}]]></description></item></channel></rss>"
)


def _cpu_to_parse(body: str) -> float:
    data = FEED.format(body=body).encode()
    best = float("inf")
    for _ in range(2):  # the better of two: a loaded machine adds noise, never removes it
        start = time.process_time()
        parse_source(data, "shape.rss")
        best = min(best, time.process_time() - start)
    return best


SHAPES: dict[str, Callable[[float], str]] = {
    "deep nesting": lambda scale: deep_nesting(int(40_000 * scale)),
    "10,000 bullets": lambda scale: many_bullets(int(10_000 * scale)),
    "one 5 MB line": lambda scale: long_line(int(5_000_000 * scale)),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_shapes_are_parsed_in_linear_time(shape: str) -> None:
    """Issue 10's "Bad input": each shape in bounded time, 2x input about 2x time."""
    make = SHAPES[shape]
    half, full = _cpu_to_parse(make(0.5)), _cpu_to_parse(make(1.0))
    assert full < 3.0, f"{shape}: {full:.2f} s"
    assert full < 3.0 * half + 0.1, f"{shape}: {half:.2f} s -> {full:.2f} s (superlinear)"


def test_fuzzed_feeds_through_the_engine(tmp_path: Path) -> None:
    """Ingest (store and summariser included), TL;DR, release and search on a real file."""
    engine = make_engine(Settings(), db_path=tmp_path / "fuzz.db")
    problems: list[str] = []
    try:
        for case in cases(SEED + 2, 40):
            path = tmp_path / case.name
            path.write_bytes(case.data)
            start = time.process_time()
            try:
                engine.ingest(str(path), force=True)
                for episode in engine.episodes(limit=3):
                    engine.tldr(episode.id)
                engine.search("model @here <!channel>")
                engine.release("model")
            except DigestbotError:
                pass
            except Exception as exc:
                problems.append(f"{case.label}: {type(exc).__name__}: {exc}"[:300])
            if time.process_time() - start > CASE_BOUND:
                problems.append(f"{case.label}: over {CASE_BOUND} s")
    finally:
        engine.close()
    assert not problems, "\n".join(problems)
