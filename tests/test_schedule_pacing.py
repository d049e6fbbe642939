"""Discord webhooks paced process-wide and by Discord's X-RateLimit-* headers, on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from adapters.discord.webhook import DiscordWebhookSink
from adapters.webhook.sink import RetryPolicy
from app.runtime import webhook_sinks
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef
from bot.schedule.pacing import DiscordLimits, RateWindow, discord_webhook_window
from bot.sinks import PostError
from tests.standins.webhook import Reply, WebhookReceiver

T = TypeVar("T")
FAST = RetryPolicy(retries=1, backoff=0.01, max_backoff=0.02, max_retry_after=2.0, timeout=5.0)
SHORT = Digest(
    title="Week",
    episodes=(EpisodeRef(id="ep1", title="Show"),),
    sections=(DigestSection(name="Tools", items=(DigestItem(name="Linter", headline="lints"),)),),
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


async def post_all(sink: DiscordWebhookSink, urls: list[str]) -> None:
    """One short digest to each URL, all at once (as a sweep over many subscriptions does)."""
    try:
        await asyncio.gather(*(sink.post_digest(url, SHORT) for url in urls))
    finally:
        await sink.aclose()


# --- the process-wide window -------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def book(window: RateWindow, clock: FakeClock, latency: float = 0.0) -> float:
    """Reserve a start (asking again while told to), answer it after ``latency``; the start."""
    while True:
        delay, slot = window.reserve()
        if slot is not None:
            break
        clock.now += delay
    clock.now += latency
    window.finish(slot)
    clock.now -= latency
    return slot.start


def test_no_window_of_one_second_holds_more_than_the_rate() -> None:
    clock = FakeClock()
    window = RateWindow(5, clock=clock)
    starts = []
    for _ in range(23):
        starts.append(book(window, clock))
        clock.now += 0.01
    assert starts[:5] == pytest.approx([100.0, 100.01, 100.02, 100.03, 100.04])
    for i, start in enumerate(starts):
        assert sum(start <= other < start + 1.0 for other in starts[i:]) <= 5
    assert starts[-1] >= 104.0  # 23 starts at 5 per second take over four seconds


def test_the_window_counts_from_the_answer_of_the_request_rate_before() -> None:
    clock = FakeClock()
    window = RateWindow(2, clock=clock)
    first, first_slot = window.reserve()
    assert first == 0 and first_slot is not None
    assert book(window, clock) == 100.0
    assert window.reserve() == (pytest.approx(0.01), None)  # the first is still unanswered
    clock.now = 100.7  # it is answered late: it may have arrived just now
    window.finish(first_slot)
    delay, slot = window.reserve()
    assert slot is not None and slot.start == pytest.approx(101.7) and delay == pytest.approx(1.0)


def test_an_unanswered_request_stops_holding_its_place_after_max_flight() -> None:
    clock = FakeClock()
    window = RateWindow(1, clock=clock)
    assert window.reserve(max_flight=5.0)[1] is not None  # never finished
    assert window.reserve(max_flight=5.0)[1] is None
    clock.now = 105.0
    delay, slot = window.reserve(max_flight=5.0)
    assert slot is not None and delay == pytest.approx(1.0)


def test_a_global_pause_holds_every_start() -> None:
    clock = FakeClock()
    window = RateWindow(50, clock=clock)
    window.pause_until(101.5)
    assert window.reserve()[0] == pytest.approx(1.5)


def test_the_process_has_one_discord_window_and_settings_set_its_rate() -> None:
    from bot.config import ScheduleSettings, Settings

    settings = Settings(schedule=ScheduleSettings(discord_webhooks_per_second=30))
    sink = webhook_sinks(settings)["discord-webhook"]
    assert isinstance(sink, DiscordWebhookSink)
    try:
        assert discord_webhook_window() is discord_webhook_window()
        assert discord_webhook_window().rate == 30
        assert DiscordWebhookSink()._window is discord_webhook_window()
    finally:
        discord_webhook_window(ScheduleSettings().discord_webhooks_per_second)
    with pytest.raises(ValueError):
        ScheduleSettings(discord_webhooks_per_second=51)  # over Discord's limit


def test_many_discord_webhooks_stay_within_the_rate(receiver: WebhookReceiver) -> None:
    window = RateWindow(10)
    sink = DiscordWebhookSink(policy=FAST, window=window)
    urls = [receiver.url(f"/hook/{i}") for i in range(35)]
    run(post_all(sink, urls))
    assert len(receiver.accepted()) == 35
    assert receiver.busiest_window(1.0) <= 10
    first, last = receiver.requests[0].at, receiver.requests[-1].at
    assert last - first >= 3.0  # 35 at 10 per second


def test_the_default_pace_is_under_discords_limit(receiver: WebhookReceiver) -> None:
    sink = DiscordWebhookSink(policy=FAST)  # the process-wide window, 45 per second
    run(post_all(sink, [receiver.url(f"/hook/{i}") for i in range(120)]))
    assert len(receiver.accepted()) == 120
    assert receiver.busiest_window(1.0) <= 50


# --- X-RateLimit-* headers ---------------------------------------------------------------


def exhausted(reset_after: float, bucket: str = "b1") -> Reply:
    return Reply(
        200,
        headers={
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "1700000000.5",
            "X-RateLimit-Reset-After": f"{reset_after}",
            "X-RateLimit-Bucket": bucket,
        },
    )


def test_an_exhausted_bucket_is_not_used_until_it_resets(receiver: WebhookReceiver) -> None:
    receiver.script("/hook/a", exhausted(1.0))
    sink = DiscordWebhookSink(policy=FAST, window=RateWindow(50))

    async def twice() -> None:
        try:
            await sink.post_digest(receiver.url("/hook/a"), SHORT)
            await sink.post_digest(receiver.url("/hook/a"), SHORT)
        finally:
            await sink.aclose()

    run(twice())
    first, second = receiver.to("/hook/a")
    assert first.accepted and second.accepted
    assert second.at - first.at >= 0.95  # Reset-After, not the 0.4 s spacing


def test_a_bucket_with_requests_left_is_not_held(receiver: WebhookReceiver) -> None:
    receiver.script(
        "/hook/c",
        Reply(200, headers={"X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "5"}),
    )
    sink = DiscordWebhookSink(policy=FAST, window=RateWindow(50))

    async def twice() -> None:
        try:
            await sink.post_digest(receiver.url("/hook/c"), SHORT)
            await sink.post_digest(receiver.url("/hook/c"), SHORT)
        finally:
            await sink.aclose()

    run(twice())
    first, second = receiver.to("/hook/c")
    assert second.at - first.at < 2.0


def test_a_long_reset_goes_back_to_the_scheduler(receiver: WebhookReceiver) -> None:
    receiver.script("/hook/l", exhausted(600.0))
    sink = DiscordWebhookSink(policy=FAST, window=RateWindow(50))

    async def twice() -> None:
        try:
            await sink.post_digest(receiver.url("/hook/l"), SHORT)
            await sink.post_digest(receiver.url("/hook/l"), SHORT)
        finally:
            await sink.aclose()

    with pytest.raises(PostError) as caught:
        run(twice())
    assert not caught.value.permanent and caught.value.retry_after == pytest.approx(600, abs=1)
    assert len(receiver.to("/hook/l")) == 1  # the second request was never sent


def test_a_global_429_pauses_every_discord_webhook(receiver: WebhookReceiver) -> None:
    receiver.script(
        "/hook/g",
        Reply(
            429,
            body={"message": "You are being rate limited.", "retry_after": 0.8, "global": True},
            headers={"Retry-After": "0.8", "X-RateLimit-Global": "true"},
        ),
    )
    sink = DiscordWebhookSink(policy=FAST, window=RateWindow(50))

    async def go() -> None:
        try:
            await sink.post_digest(receiver.url("/hook/g"), SHORT)
            await sink.post_digest(receiver.url("/hook/other"), SHORT)
        finally:
            await sink.aclose()

    run(go())
    limited, retried = receiver.to("/hook/g")
    [other] = receiver.to("/hook/other")
    assert limited.status == 429 and retried.accepted and other.accepted
    assert other.at - limited.at >= 0.75


def test_scope_global_counts_as_global_and_garbage_headers_are_ignored() -> None:
    clock = FakeClock()
    window = RateWindow(50, clock=clock)
    limits = DiscordLimits(window, clock=clock)
    assert (
        limits.observe("u", 200, {"x-ratelimit-remaining": "x", "x-ratelimit-reset-after": "nan"})
        is None
    )
    assert limits.wait_for("u") == 0
    assert limits.observe("u", 429, {"x-ratelimit-scope": "global", "retry-after": "2"}) == 2
    assert window.reserve()[0] == pytest.approx(2.0)
    limits.observe("u", 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1e400"})
    assert limits.wait_for("u") == 0  # an infinite reset is not a number to wait for
    limits.observe("u", 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1e15"})
    assert limits.wait_for("u") == pytest.approx(3600)  # clamped: never a stop for good
    assert limits.observe("u", 429, {"x-ratelimit-global": "true", "retry-after": "1e15"}) == 3600


def test_a_huge_reset_after_is_a_bounded_retry(receiver: WebhookReceiver) -> None:
    receiver.script("/hook/h", exhausted(1e15))
    sink = DiscordWebhookSink(policy=FAST, window=RateWindow(50))

    async def twice() -> None:
        try:
            await sink.post_digest(receiver.url("/hook/h"), SHORT)
            await sink.post_digest(receiver.url("/hook/h"), SHORT)
        finally:
            await sink.aclose()

    with pytest.raises(PostError) as caught:
        run(twice())
    assert caught.value.retry_after is not None and caught.value.retry_after <= 3600
