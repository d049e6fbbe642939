"""Webhook sinks against a loopback receiver: payloads that ping nobody, and 2xx/4xx/5xx/429."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import JsonWebhookSink, RetryPolicy
from bot.engine import Engine
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, Link
from bot.sinks import PostContext, PostError, Sink, post_context
from tests.standins.webhook import HANG, Reply, WebhookReceiver

T = TypeVar("T")
FAST = RetryPolicy(retries=2, backoff=0.01, max_backoff=0.02, max_retry_after=1.0, timeout=2.0)

HOSTILE = Digest(
    title="Week <!channel> & friends",
    episodes=(EpisodeRef(id="ep1", title="Show @everyone"),),
    sections=(
        DigestSection(
            name="Tools",
            items=(
                DigestItem(
                    name="Linter",
                    headline="catches <!here> and <@U123> and @everyone pings",
                    links=(Link(label="Site", url="https://example.org/x"),),
                ),
            ),
        ),
    ),
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def post(sink: Any, url: str, digest: Digest = HOSTILE) -> list[str]:
    try:
        return list(await sink.post_digest(url, digest))
    finally:
        await sink.aclose()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(hang_limit=5) as r:
        yield r


def test_sinks_are_sinks() -> None:
    for cls in (SlackWebhookSink, DiscordWebhookSink, JsonWebhookSink):
        assert isinstance(cls(policy=FAST), Sink)


def test_slack_webhook_posts_block_kit_that_pings_nobody(receiver: WebhookReceiver) -> None:
    ids = run(post(SlackWebhookSink(policy=FAST), receiver.url("/slack/1")))
    assert ids and all(ids)
    [request] = receiver.to("/slack/1")
    assert request.accepted
    assert "blocks" in request.body and request.body["unfurl_links"] is False
    assert receiver.pings() == []


def test_slack_webhook_text_is_escaped_by_the_slack_renderer(receiver: WebhookReceiver) -> None:
    """One escaping for Slack: control characters and bare ``@channel`` are defused too.

    The webhook sink's own plain-text fallback (``slack_escape``) only escaped
    ``&``, ``<`` and ``>``; it is gone, the renderer's ``escape`` does it all.
    """
    digest = Digest(
        title="Week \x07<!channel> @channel",
        episodes=(EpisodeRef(id="ep1", title="Show"),),
        sections=(
            DigestSection(
                name="Tools",
                items=(
                    DigestItem(name="Linter @here\x1b[31m", headline="pings <@U1> & @everyone"),
                ),
            ),
        ),
    )
    run(SlackWebhookSink(policy=FAST).post_digest(receiver.url("/slack/2"), digest))
    [request] = receiver.to("/slack/2")
    body = json.dumps(request.body, ensure_ascii=False)
    assert "&lt;!channel&gt;" in body and "\\u0007" not in body and "\\u001b" not in body
    assert "@channel" not in body and "@here" not in body and "@everyone" not in body
    assert receiver.pings() == []


def test_discord_webhook_always_sends_no_mentions(receiver: WebhookReceiver) -> None:
    ids = run(post(DiscordWebhookSink(policy=FAST), receiver.url("/discord/1")))
    requests = receiver.to("/discord/1")
    assert requests and all(r.body["allowed_mentions"] == {"parse": []} for r in requests)
    assert all("wait=true" in r.query for r in requests)
    assert ids == [str(i) for i in range(1, len(requests) + 1)]  # ids from Discord's answers
    assert receiver.pings() == []


def test_generic_webhook_carries_the_digest_and_an_idempotency_key(
    receiver: WebhookReceiver,
) -> None:
    async def go() -> list[str]:
        token = post_context.set(PostContext("s1", "2025-01-16T18:00-08:00"))
        try:
            return await post(JsonWebhookSink(policy=FAST), receiver.url("/json"))
        finally:
            post_context.reset(token)

    assert run(go()) == ["1"]
    [request] = receiver.to("/json")
    assert request.headers["idempotency-key"] == "digestbot:s1:2025-01-16T18:00-08:00"
    assert request.body["subscription"] == "s1"
    assert request.body["digest"]["title"] == HOSTILE.title
    assert request.body["digest"]["sections"][0]["items"][0]["name"] == "Linter"


def test_5xx_is_retried_then_posted(receiver: WebhookReceiver) -> None:
    receiver.script("/json", Reply(502), Reply(503, body="busy"))
    assert run(post(JsonWebhookSink(policy=FAST), receiver.url("/json")))
    assert [r.status for r in receiver.to("/json")] == [502, 503, 200]


def test_5xx_that_persists_is_a_transient_error(receiver: WebhookReceiver) -> None:
    receiver.script("/json", *[Reply(500)] * 3)
    with pytest.raises(PostError) as caught:
        run(post(JsonWebhookSink(policy=FAST), receiver.url("/json")))
    assert not caught.value.permanent
    assert "HTTP 500" in caught.value.message and "3 attempts" in caught.value.message


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_4xx_is_permanent_and_the_url_stays_secret(receiver: WebhookReceiver, status: int) -> None:
    receiver.script("/services/T0/B0/SECRET", Reply(status, body="no_service"))
    with pytest.raises(PostError) as caught:
        run(post(SlackWebhookSink(policy=FAST), receiver.url("/services/T0/B0/SECRET")))
    assert caught.value.permanent
    assert f"HTTP {status}" in caught.value.message and "no_service" in caught.value.message
    assert "SECRET" not in caught.value.message
    assert len(receiver.to("/services/T0/B0/SECRET")) == 1  # not retried


def test_429_waits_retry_after_then_posts(receiver: WebhookReceiver) -> None:
    receiver.script("/discord/2", Reply(429, headers={"Retry-After": "0.2"}, body={}))
    run(post(DiscordWebhookSink(policy=FAST), receiver.url("/discord/2")))
    first, second, *_ = receiver.to("/discord/2")
    assert first.status == 429 and second.accepted
    assert second.at - first.at >= 0.2


def test_messages_to_one_webhook_are_paced(receiver: WebhookReceiver) -> None:
    sink = SlackWebhookSink(policy=FAST)
    sink.min_interval = 0.2

    async def two() -> None:
        try:
            await sink.post_digest(receiver.url("/slack/p"), HOSTILE)
            await sink.post_digest(receiver.url("/slack/p"), HOSTILE)
        finally:
            await sink.aclose()

    run(two())
    first, second = receiver.to("/slack/p")
    assert second.at - first.at >= 0.19


def test_429_with_discord_json_retry_after(receiver: WebhookReceiver) -> None:
    receiver.script("/discord/3", Reply(429, body={"retry_after": 0.15, "global": False}))
    run(post(DiscordWebhookSink(policy=FAST), receiver.url("/discord/3")))
    first, second, *_ = receiver.to("/discord/3")
    assert second.at - first.at >= 0.15


def test_long_429_goes_back_to_the_scheduler(receiver: WebhookReceiver) -> None:
    receiver.script("/json", Reply(429, headers={"Retry-After": "3600"}))
    with pytest.raises(PostError) as caught:
        run(post(JsonWebhookSink(policy=FAST), receiver.url("/json")))
    assert not caught.value.permanent and caught.value.retry_after == 3600


def test_a_hung_receiver_times_out_as_transient(receiver: WebhookReceiver) -> None:
    receiver.script("/json", HANG)
    policy = RetryPolicy(retries=0, timeout=0.3)
    with pytest.raises(PostError) as caught:
        run(post(JsonWebhookSink(policy=policy), receiver.url("/json")))
    assert not caught.value.permanent and "timed out" in caught.value.message


def test_a_digest_cut_short_resumes_instead_of_repeating(
    receiver: WebhookReceiver, sample_engine: Engine, sample_feed: Path
) -> None:
    # A digest long enough for several Discord messages; the second one fails once.
    digest = sample_engine.digest(sample_engine.episodes())
    big = digest.model_copy(update={"sections": digest.sections * 12})
    sink = DiscordWebhookSink(policy=RetryPolicy(retries=0, backoff=0.01))
    sink.min_interval = 0.0  # pacing has its own test; keep this one quick
    payloads = sink.render(big)
    assert len(payloads) >= 2
    receiver.script("/discord/4", Reply(200), Reply(503))

    async def twice() -> list[str]:
        try:
            with pytest.raises(PostError) as caught:
                await sink.post_digest(receiver.url("/discord/4"), big)
            assert len(caught.value.posted) == 1
            # The scheduler passes what went out as ``already``: the retry resumes.
            return await sink.post_digest(
                receiver.url("/discord/4"), big, already=caught.value.posted
            )
        finally:
            await sink.aclose()

    ids = run(twice(), timeout=20)
    assert len(ids) == len(payloads)
    assert len(receiver.accepted("/discord/4")) == len(payloads)  # none repeated


@pytest.mark.parametrize("sink_type", [SlackWebhookSink, DiscordWebhookSink])
def test_already_posted_messages_are_skipped_and_new_ones_reported(
    receiver: WebhookReceiver,
    sample_engine: Engine,
    sample_feed: Path,
    sink_type: type[SlackWebhookSink] | type[DiscordWebhookSink],
) -> None:
    digest = sample_engine.digest(sample_engine.episodes())
    big = digest.model_copy(update={"sections": digest.sections * 12})
    sink = sink_type(policy=FAST)
    sink.min_interval = 0.0
    payloads = sink.render(big)
    assert payloads == sink.render(big)  # deterministic: a retry splits it the same way
    assert len(payloads) >= 2
    heard: list[str] = []
    path = f"/{sink_type.kind}/resume"

    async def resume() -> list[str]:
        try:
            return await sink.post_digest(
                receiver.url(path), big, already=("earlier-0",), on_posted=heard.append
            )
        finally:
            await sink.aclose()

    ids = run(resume(), timeout=20)
    assert len(receiver.accepted(path)) == len(payloads) - 1  # the first was not sent again
    assert ids[0] == "earlier-0" and len(ids) == len(payloads)
    assert heard == ids[1:]


def test_generic_webhook_resumes_as_done_when_already_posted(receiver: WebhookReceiver) -> None:
    heard: list[str] = []

    async def resume() -> list[str]:
        sink = JsonWebhookSink(policy=FAST)
        try:
            return await sink.post_digest(
                receiver.url("/json/done"), HOSTILE, already=("x",), on_posted=heard.append
            )
        finally:
            await sink.aclose()

    assert run(resume()) == ["x"]
    assert receiver.accepted("/json/done") == [] and heard == []


def test_the_idempotency_key_is_the_same_for_retries_and_after_a_restart(
    receiver: WebhookReceiver, tmp_path: Path, sample_feed: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.config import ScheduleSettings, Settings
    from bot.engine import make_engine
    from bot.schedule.ledger import Ledger
    from bot.schedule.posting import Poster, Sinks
    from bot.schedule.subscriptions import Subscriptions, build
    from bot.timing import ManualClock

    engine = make_engine(Settings(), db_path=tmp_path / "key.db")
    try:
        engine.ingest(str(sample_feed))
        now = datetime(2025, 1, 20, tzinfo=UTC)
        sub = Subscriptions(engine.store).add(
            build(
                f"webhook:{receiver.url('/json')}",
                created_at=now - timedelta(days=30),
                defaults=ScheduleSettings(),
                default_zone="UTC",
            )
        )
        # Both answers lost after the receiver had the digest: reset, then too late.
        receiver.script("/json", Reply(lose="reset"), Reply(lose="late", delay=1.0))
        clock = ManualClock(now)
        policy = RetryPolicy(retries=1, backoff=0.01, timeout=0.3)

        def poster(owner: str) -> Poster:
            return Poster(
                engine,
                Sinks({"webhook": JsonWebhookSink(policy=policy)}),
                clock=clock,
                ledger=Ledger(engine.store, clock=clock, owner=owner),
            )

        assert run(poster("host:1:first").post_now(sub.id)).status == "retry"
        clock.advance(timedelta(hours=1))
        assert run(poster("host:2:restarted").post_now(sub.id)).posted
    finally:
        engine.close()

    requests = receiver.to("/json")
    assert len(requests) == 3 and all(r.accepted for r in requests)  # one digest, three times
    keys = {r.headers["idempotency-key"] for r in requests}
    assert len(keys) == 1  # ... so a receiver keeping the key drops two of them
    assert keys.pop().startswith(f"digestbot:{sub.id}:")
