"""The optional LLM summariser against a loopback stand-in of a chat-completions API.

The stand-in is a real HTTP server on 127.0.0.1 that records each request and
answers from a queue (a JSON reply, an HTTP error, garbage, or silence past
the timeout).  Nothing reaches the network.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from bot.config import LLMSettings
from bot.feeds.parse import parse_source
from bot.models import Facts, ParsedEpisode
from bot.store.sqlite import Store
from bot.summarise.extractive import summarise_items
from bot.summarise.llm import (
    API_KEY_ENV,
    LLMAnswer,
    LLMError,
    LLMSummariser,
    check_answer,
    parse_answer,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "summarise_episode.md"
SECRET = "sk-test-not-a-real-key-0123456789"

GOOD = {
    "summary": "Nova X is a 12B parameter dense model from Mistral with a 32K context window.",
    "facts": {
        "org": "Mistral",
        "parameters": ["12B", "70B"],  # 70B is invented: it must be dropped
        "license": "Apache 2",
        "context": "32K",
        "scores": ["71.5 on MMLU", "99.9 on HumanEval"],  # the second is invented
    },
}


class StandIn:
    """A chat-completions endpoint on loopback: ``replies`` are served in order."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[tuple[int, Any, float]] = []  # (status, body, delay seconds)
        self.default: tuple[int, Any, float] = (200, GOOD, 0.0)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                standin.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": payload}
                )
                status, body, delay = standin.replies.pop(0) if standin.replies else standin.default
                if delay:
                    time.sleep(delay)
                if isinstance(body, dict):  # an answer: wrap it as a chat completion
                    body = {
                        "choices": [{"message": {"role": "assistant", "content": json.dumps(body)}}]
                    }
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def episode() -> ParsedEpisode:
    (parsed,) = parse_source(FIXTURE.read_bytes(), str(FIXTURE)).episodes
    return parsed


def _summariser(
    standin: StandIn, store: Store | None = None, timeout: float = 5.0
) -> LLMSummariser:
    settings = LLMSettings(base_url=standin.base_url, model="test-model", timeout_seconds=timeout)
    return LLMSummariser(settings, store=store)


def test_answer_is_used_and_held_to_the_text(
    standin: StandIn, episode: ParsedEpisode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    llm = _summariser(standin)
    results = llm.summarise_items(episode.body, episode.items)
    names = [i.name for i in episode.items]
    nova = results[names.index("NOVA-X")]
    assert nova.summary == GOOD["summary"]
    assert nova.facts == Facts(
        org="Mistral",
        parameters=("12B",),
        license="Apache 2.0",
        context="32K",
        scores=("71.5 on MMLU",),
        timestamp="04:12",  # from the chapter markers, not the model
    )
    # The undiscussed item is not sent: the model would have nothing to read.
    assert len(standin.requests) == 2
    request = standin.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["json"]["model"] == "test-model"
    assert "Authorization" not in request["headers"]
    user = request["json"]["messages"][-1]["content"]
    assert "Release: NOVA-X" in user and "12B parameter dense model" in user
    assert results[names.index("Zorblax")].summary == "Zorblax - a release nobody talks about"
    llm.close()


def test_api_key_comes_from_the_environment_and_is_never_logged(
    standin: StandIn,
    episode: ParsedEpisode,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    standin.replies = [(500, {"error": "boom"}, 0.0), (401, {"error": f"bad key {SECRET}"}, 0.0)]
    with caplog.at_level(logging.DEBUG):
        llm = _summariser(standin)
        results = llm.summarise_items(episode.body, episode.items)
        llm.close()
    assert standin.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in caplog.text
    assert "HTTP 500" in caplog.text and "HTTP 401" in caplog.text
    # Both failures fell back to the extractive summaries.
    extractive = summarise_items(episode.body, episode.items)
    assert [r.summary for r in results] == [r.summary for r in extractive]
    assert llm.stats.fallbacks == 2


def test_timeout_falls_back_once_and_stops_asking(
    standin: StandIn, episode: ParsedEpisode, caplog: pytest.LogCaptureFixture
) -> None:
    standin.default = (200, GOOD, 1.0)
    llm = _summariser(standin, timeout=0.2)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        results = llm.summarise_items(episode.body, episode.items)
    elapsed = time.perf_counter() - started
    llm.close()
    assert len(standin.requests) == 1  # after a timeout, no more calls this run
    assert elapsed < 1.0
    assert "within 0.2s" in caplog.text
    extractive = summarise_items(episode.body, episode.items)
    assert [(r.summary, r.facts) for r in results] == [(r.summary, r.facts) for r in extractive]


def test_unreachable_server_falls_back(episode: ParsedEpisode) -> None:
    with StandIn() as gone:
        url = gone.base_url
    llm = LLMSummariser(LLMSettings(base_url=url, timeout_seconds=2))
    results = llm.summarise_items(episode.body, episode.items)
    llm.close()
    assert llm.stats.asked == 1 and llm.stats.fallbacks == 2
    assert results[0].summary.startswith("Mistral released Nova X today")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ((200, b"not json at all", 0.0), "chat completion"),
        (
            (200, json.dumps({"choices": [{"message": {"content": "Sure!"}}]}).encode(), 0.0),
            "no JSON",
        ),
        ((200, {"summary": "", "facts": {}}, 0.0), "summary"),
        ((200, {"summary": "Nova X has 405 experts.", "facts": {}}, 0.0), "'405'"),
    ],
)
def test_unusable_answers_fall_back_with_the_reason(
    standin: StandIn,
    episode: ParsedEpisode,
    caplog: pytest.LogCaptureFixture,
    reply: tuple[int, Any, float],
    reason: str,
) -> None:
    standin.replies = [reply]
    llm = _summariser(standin)
    with caplog.at_level(logging.WARNING):
        results = llm.summarise_items(episode.body, episode.items)
    llm.close()
    assert reason in caplog.text
    assert results[0].summary.startswith("Mistral released Nova X today")  # extractive
    assert results[2].summary == GOOD["summary"]  # the next item's answer was fine


def test_answers_are_cached_by_content_hash(
    standin: StandIn, episode: ParsedEpisode, tmp_path: Path
) -> None:
    store = Store(tmp_path / "cache.db")
    try:
        first = _summariser(standin, store=store)
        one = first.summarise_items(episode.body, episode.items)
        first.close()
        assert len(standin.requests) == 2
        second = _summariser(standin, store=store)
        two = second.summarise_items(episode.body, episode.items)
        second.close()
        assert len(standin.requests) == 2  # no new calls
        assert second.stats.cached == 2 and second.stats.asked == 0
        assert one == two
        # A changed passage is a new question.
        edited = episode.body.replace("already on Hugging Face", "on Hugging Face since May")
        third = _summariser(standin, store=store)
        third.summarise_items(edited, episode.items)
        third.close()
        assert len(standin.requests) == 3
    finally:
        store.close()


def test_parse_answer_accepts_fences_and_loose_types() -> None:
    answer = parse_answer(
        '```json\n{"summary": " A  model. ", "facts": {"parameters": "7B", "license": null,'
        ' "scores": null, "org": "none"}}\n```'
    )
    assert answer == LLMAnswer.model_validate(
        {"summary": "A model.", "facts": {"parameters": ["7B"]}}
    )
    with pytest.raises(LLMError):
        parse_answer('{"facts": {}}')


def test_cli_summarise_llm_end_to_end(
    standin: StandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGESTBOT_LLM__BASE_URL", standin.base_url)
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "ingest", str(FIXTURE)]) == 0
    assert main(["--db", db, "summarise", "--llm"]) == 0
    out = capsys.readouterr().out
    assert "LLM: 2 asked, 0 from cache, 0 kept the extractive summary" in out
    assert main(["--db", db, "release", "nova x", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == GOOD["summary"]
    assert doc["facts"]["parameters"] == ["12B"]
    assert main(["--db", db, "summarise", "--llm"]) == 0
    assert "LLM: 0 asked, 2 from cache" in capsys.readouterr().out
    assert SECRET not in Path(db).read_bytes().decode("utf-8", "ignore")


def test_llm_facts_pass_the_same_checks_as_extractive_ones(episode: ParsedEpisode) -> None:
    """A size in the episode but not the item's (the rival's 1.2B) is dropped, a score
    said twice in other words is kept once."""
    nova = next(i for i in episode.items if i.name == "NOVA-X")
    fallback = summarise_items(episode.body, [nova])[0]
    answer = LLMAnswer.model_validate(
        {
            "summary": "Nova X is an open 12B model from Mistral.",
            "facts": {
                "parameters": ["12B", "1.2B"],
                "scores": ["71.5 on MMLU", "71.5 on mmlu"],
            },
        }
    )
    checked = check_answer(answer, episode.body, fallback, nova)
    assert checked.facts.parameters == ("12B",)
    assert checked.facts.scores == ("71.5 on MMLU",)
