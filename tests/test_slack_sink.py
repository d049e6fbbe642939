"""The scheduler's Slack sink: threads for long digests, every Slack error a PostError."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr

from adapters.slack.render import render_digest
from adapters.slack.sink import PERMANENT_ERRORS, SlackSink, make_slack_sink
from bot.config import SlackSettings
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, Link
from bot.sinks import PostError, Sink
from tests.standins.slack_api import SlackApiStandin

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def standin() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def sink_for(api_url: str, **kw: Any) -> SlackSink:
    settings = SlackSettings(bot_token=SecretStr("xoxb-sink-token"), api_url=api_url)
    return make_slack_sink(settings, **kw)


def digest(items: int = 3) -> Digest:
    episode = EpisodeRef(id="e1", title="ThursdAI <!here>", url="https://sub.thursdai.news/p/e1")
    section = DigestSection(
        name="Voice",
        items=tuple(
            DigestItem(
                name=f"Release {i} <!channel>",
                headline="a TTS model " * 10,
                links=(Link(label="HF", url=f"https://huggingface.co/r{i}"),),
            )
            for i in range(items)
        ),
    )
    return Digest(title="Weekly TL;DR", episodes=(episode,), sections=(section,))


def test_sink_is_a_sink(standin: SlackApiStandin) -> None:
    sink = sink_for(standin.api_url)
    assert isinstance(sink, Sink)
    assert sink.platform == "slack"


def test_posts_a_digest_to_the_channel(standin: SlackApiStandin) -> None:
    ids = run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    [call] = standin.calls_to("chat.postMessage")
    assert ids == [call_ts(standin, 0)]
    assert call.data["channel"] == "C0NEWS"
    assert call.data["unfurl_links"] is False and call.data["unfurl_media"] is False
    assert "thread_ts" not in call.data
    assert call.data["blocks"][0]["text"]["text"] == "Weekly TL;DR"
    assert call.headers["authorization"] == "Bearer xoxb-sink-token"
    assert standin.violations == [] and standin.pings == []


def call_ts(standin: SlackApiStandin, n: int) -> str:
    return f"1700000000.{n + 1:06d}"


def test_long_digest_continues_in_a_thread(standin: SlackApiStandin) -> None:
    ids = run(sink_for(standin.api_url).post_digest("C0NEWS", digest(300)))
    calls = standin.calls_to("chat.postMessage")
    assert len(ids) == len(calls) > 1
    assert "thread_ts" not in calls[0].data
    assert all(c.data["thread_ts"] == ids[0] for c in calls[1:])
    assert standin.violations == [] and standin.pings == []


@pytest.mark.parametrize("error", sorted(PERMANENT_ERRORS))
def test_permanent_errors_disable_with_a_reason(standin: SlackApiStandin, error: str) -> None:
    standin.fail("chat.postMessage", error)
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert caught.value.permanent is True
    assert error in caught.value.message
    assert len(standin.calls_to("chat.postMessage")) == 1  # no pointless retries


def test_not_in_channel_reason_names_the_channel(standin: SlackApiStandin) -> None:
    standin.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(PostError, match=r"not a member of C0NEWS: invite it"):
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))


def test_short_rate_limit_is_retried_in_place(standin: SlackApiStandin) -> None:
    standin.rate_limit("chat.postMessage", retry_after=0, times=2)
    ids = run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert len(ids) == 1
    assert len(standin.calls_to("chat.postMessage")) == 3


def test_persistent_rate_limit_hands_back_retry_after(standin: SlackApiStandin) -> None:
    standin.rate_limit("chat.postMessage", retry_after=0, times=10)
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert caught.value.permanent is False
    assert caught.value.retry_after == 0
    assert "ratelimited" in caught.value.message
    assert len(standin.calls_to("chat.postMessage")) == 3  # first try + 2 retries


def test_long_rate_limit_goes_back_to_the_scheduler_at_once(standin: SlackApiStandin) -> None:
    standin.rate_limit("chat.postMessage", retry_after=120)
    started = time.monotonic()
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert time.monotonic() - started < 2
    assert caught.value.retry_after == 120
    assert caught.value.permanent is False


def test_a_server_error_is_retried_once(standin: SlackApiStandin) -> None:
    standin.fail("chat.postMessage", "fatal_error", status=500)
    assert len(run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))) == 1
    assert len(standin.calls_to("chat.postMessage")) == 2


def test_persistent_server_errors_are_transient(standin: SlackApiStandin) -> None:
    standin.fail("chat.postMessage", "service_unavailable", status=503, times=5)
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert caught.value.permanent is False
    assert len(standin.calls_to("chat.postMessage")) == 2


def test_unknown_errors_are_transient(standin: SlackApiStandin) -> None:
    standin.fail("chat.postMessage", "internal_error", status=200)
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest()))
    assert caught.value.permanent is False
    assert "internal_error" in caught.value.message


def test_unreachable_slack_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    with pytest.raises(PostError) as caught:
        run(sink_for(f"http://127.0.0.1:{port}/api/").post_digest("C0NEWS", digest()))
    assert caught.value.permanent is False
    assert "could not reach Slack" in caught.value.message


def test_interrupted_thread_is_resumed_not_reposted(standin: SlackApiStandin) -> None:
    sink = sink_for(standin.api_url)
    long = digest(300)
    standin.fail("chat.postMessage", "service_unavailable", after=1)
    with pytest.raises(PostError) as caught:
        run(sink.post_digest("C0NEWS", long))
    assert caught.value.permanent is False
    [first_ts] = caught.value.posted

    # The scheduler passes what went out as ``already``: the thread is resumed.
    ids = run(sink.post_digest("C0NEWS", long, already=caught.value.posted))
    assert ids[0] == first_ts
    calls = standin.calls_to("chat.postMessage")
    roots = [c for c in calls if "thread_ts" not in c.data]
    assert len(roots) == 1  # the channel message was not posted twice
    assert len(ids) == len(calls) - 1  # every part posted once, plus the failed attempt
    assert standin.violations == []


def test_already_posted_messages_are_skipped_and_the_rest_go_in_their_thread(
    standin: SlackApiStandin,
) -> None:
    long = digest(300)
    total = len(render_digest(long))
    assert total >= 3
    already = ("1600000000.000001", "1600000000.000002")  # an earlier attempt's root and reply
    standin.existing("C0NEWS", *already)  # Slack knows them: a reply may name them
    heard: list[str] = []

    ids = run(
        sink_for(standin.api_url).post_digest(
            "C0NEWS", long, already=already, on_posted=heard.append
        )
    )

    calls = standin.calls_to("chat.postMessage")
    assert len(calls) == total - len(already)  # only the rest was sent
    assert all(c.data["thread_ts"] == already[0] for c in calls)  # in the first message's thread
    assert [c.data["text"] for c in calls] == [m["text"] for m in render_digest(long)[2:]]
    assert ids[: len(already)] == list(already) and len(ids) == total
    assert heard == ids[len(already) :]  # each new message reported as it was accepted
    assert standin.violations == []


def test_on_posted_hears_each_message_before_a_failure(standin: SlackApiStandin) -> None:
    heard: list[str] = []
    standin.fail("chat.postMessage", "service_unavailable", after=2)
    with pytest.raises(PostError) as caught:
        run(sink_for(standin.api_url).post_digest("C0NEWS", digest(300), on_posted=heard.append))
    assert heard == list(caught.value.posted) and len(heard) == 2


def test_a_digest_already_wholly_posted_sends_nothing(standin: SlackApiStandin) -> None:
    short = digest()
    ids = run(
        sink_for(standin.api_url).post_digest("C0NEWS", short, already=("1600000000.000001",))
    )
    assert ids == ["1600000000.000001"]
    assert standin.calls_to("chat.postMessage") == []
