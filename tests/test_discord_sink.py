"""The scheduler's Discord sink: posts through the real client to the stand-in, errors mapped."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.render import render_digest
from adapters.discord.sink import DiscordSink
from bot.commands import Commands
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, Link
from bot.sinks import PostContext, PostError, Sink, post_context
from tests.standins.discord_api import (
    CHANNEL_ID,
    DiscordStandIn,
    Failure,
    LostAnswer,
    connected,
)

T = TypeVar("T")
ROUTE = f"/channels/{CHANNEL_ID}/messages"
EP = EpisodeRef(
    id="ep1",
    title="ThursdAI - Jan 9th",
    published=datetime(2025, 1, 10, tzinfo=UTC),
    url="https://sub.thursdai.news/p/jan-9",
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run ``coro`` on a fresh loop, never for longer than ``timeout``."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def digest(items: int = 3, *, text: str = "") -> Digest:
    return Digest(
        title="ThursdAI TL;DR",
        episodes=(EP,),
        sections=(
            DigestSection(
                name="Open Source",
                items=tuple(
                    DigestItem(
                        name=f"Model {i} {text}",
                        headline=f"Headline {i} {text}" + " words" * 60,
                        links=(Link(label="HF", url=f"https://hf.co/m{i}"),),
                    )
                    for i in range(items)
                ),
            ),
        ),
    )


class NoCore:
    """The sink never touches the core; commands are not used in these tests."""


async def with_sink(
    body: Any,
    *,
    failures: Sequence[Failure] = (),
    **client_options: Any,
) -> DiscordStandIn:
    async with DiscordStandIn() as standin:
        client = DigestClient(
            Commands(NoCore()),  # type: ignore[arg-type]
            endpoints=Endpoints(standin.api_url, standin.gateway_url),
            guild_ready_timeout=0,
            **client_options,
        )
        async with connected(client, standin):
            for failure in failures:
                standin.fail("POST", ROUTE, failure)
            await body(DiscordSink(client), standin)
        assert standin.violations == []
        return standin


def test_the_sink_is_a_sink() -> None:
    sink = DiscordSink(object())  # type: ignore[arg-type]
    assert isinstance(sink, Sink) and sink.platform == "discord"


def test_posts_a_digest_and_returns_message_ids() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, digest())
        posted = standin.channel_messages[CHANNEL_ID]
        assert ids == [m["id"] for m in posted]
        assert len(ids) == 1
        assert posted[0]["allowed_mentions"] == {"parse": []}
        assert posted[0]["embeds"][0]["title"] == "ThursdAI TL;DR"

    run(with_sink(body))


def test_a_long_digest_becomes_several_valid_messages() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, digest(300, text="@everyone <@&1234567>"))
        assert len(ids) == len(standin.channel_messages[CHANNEL_ID]) > 1
        # stand-in checked every message against Discord's limits and for pings

    run(with_sink(body))


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (Failure(403, 50013, "Missing Permissions"), "missing permissions"),
        (Failure(403, 50001, "Missing Access"), "no access"),
        (Failure(404, 10003, "Unknown Channel"), "unknown channel"),
        (Failure(401, 0, "401: Unauthorized"), "token"),
    ],
)
def test_permanent_failures(failure: Failure, words: str) -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(CHANNEL_ID, digest())
        assert info.value.permanent
        assert words in info.value.message.lower()
        assert standin.channel_messages[CHANNEL_ID] == []

    run(with_sink(body, failures=[failure]))


def test_a_short_429_is_waited_out_by_discord_py() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, digest())
        assert len(ids) == 1
        assert standin.requests.count(("POST", ROUTE)) == 3

    run(with_sink(body, failures=[Failure(429, 0, "You are being rate limited.", 0.05, times=2)]))


def test_a_long_429_is_a_retryable_post_error() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(CHANNEL_ID, digest())
        assert not info.value.permanent
        assert info.value.retry_after == 120.0

    run(with_sink(body, failures=[Failure(429, 0, "slow down", retry_after=120.0)]))


def test_persistent_429_is_a_retryable_post_error() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(CHANNEL_ID, digest())
        assert not info.value.permanent
        assert info.value.retry_after == pytest.approx(0.01)

    run(with_sink(body, failures=[Failure(429, 0, "slow down", retry_after=0.01, times=10)]))


def test_server_error_is_retryable() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(CHANNEL_ID, digest())
        assert not info.value.permanent and "503" in info.value.message

    run(with_sink(body, failures=[Failure(503, 0, "unavailable")]))


def test_partial_post_reports_what_went_out() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(CHANNEL_ID, digest(300))
        posted = [m["id"] for m in standin.channel_messages[CHANNEL_ID]]
        assert list(info.value.posted) == posted and len(posted) == 2
        assert info.value.permanent

    run(with_sink(body, failures=[Failure(403, 50013, "Missing Permissions", after=2)]))


def test_bad_channel_id_is_permanent() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest("general", digest())
        assert info.value.permanent

    run(with_sink(body))


def test_not_logged_in_is_retryable() -> None:
    async def go() -> None:
        client = DigestClient(Commands(NoCore()))  # type: ignore[arg-type]
        with pytest.raises(PostError) as info:
            await DiscordSink(client).post_digest(CHANNEL_ID, digest())
        assert not info.value.permanent
        await client.close()

    run(go())


def test_already_posted_messages_are_skipped() -> None:
    long = digest(300)
    total = len(render_digest(long))
    assert total >= 3
    already = ("111", "222")
    heard: list[str] = []

    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, long, already=already, on_posted=heard.append)
        sent = standin.channel_messages[CHANNEL_ID]
        assert len(sent) == total - len(already)  # only the rest was sent
        third = render_digest(long)[2]["embeds"][0]["description"]
        assert sent[0]["embeds"][0]["description"] == third  # it starts at the third message
        assert ids == [*already, *(m["id"] for m in sent)]
        assert heard == ids[len(already) :]

    run(with_sink(body))


def test_a_failed_resume_reports_the_earlier_messages_too() -> None:
    heard: list[str] = []

    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        with pytest.raises(PostError) as info:
            await sink.post_digest(
                CHANNEL_ID, digest(300), already=("111",), on_posted=heard.append
            )
        sent = [m["id"] for m in standin.channel_messages[CHANNEL_ID]]
        assert len(sent) == 1 and heard == sent
        assert list(info.value.posted) == ["111", *sent]
        assert not info.value.permanent

    run(with_sink(body, failures=[Failure(503, 0, "unavailable", after=1)]))


# --- nonces: a lost answer is not a second message --------------------------------------------

POST = PostContext("s1", "2025-01-16T18:00-08:00")


async def posting(
    sink: DiscordSink, body: Digest, *, already: Sequence[str] = (), post: PostContext = POST
) -> list[str]:
    """``post_digest`` as the scheduler calls it: inside its post's context."""
    token = post_context.set(post)
    try:
        return await sink.post_digest(CHANNEL_ID, body, already=already)
    finally:
        post_context.reset(token)


def test_each_message_of_a_post_carries_a_stable_enforced_nonce() -> None:
    long = digest(300)
    bodies: list[list[dict[str, Any]]] = []

    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        await posting(sink, long)
        bodies.append(list(standin.channel_messages[CHANNEL_ID]))

    run(with_sink(body))
    run(with_sink(body))  # another process, another time: the same nonces
    first, second = bodies
    nonces = [m["nonce"] for m in first]
    assert len(first) >= 3 and len(set(nonces)) == len(nonces)
    assert all(isinstance(n, str) and 0 < len(n) <= 25 for n in nonces)
    assert all(m["enforce_nonce"] is True for m in first)
    assert [m["nonce"] for m in second] == nonces
    assert POST.nonce(0) != PostContext("s1", "2025-01-23T18:00-08:00").nonce(0)
    assert POST.nonce(0) != PostContext("s2", POST.period).nonce(0)


@pytest.mark.parametrize(
    "lost", [LostAnswer("reset", after=1), LostAnswer("late", delay=1.0, after=1)]
)
def test_a_lost_answer_is_sent_again_and_discord_returns_the_first_message(
    lost: LostAnswer,
) -> None:
    long = digest(300)

    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.lose_answer("POST", ROUTE, lost)
        ids = await posting(sink, long)
        sent = standin.channel_messages[CHANNEL_ID]
        assert len(sent) == len(render_digest(long))  # every message once, none twice
        assert ids == [m["id"] for m in sent]
        assert standin.deduplicated == 1

    async def go() -> None:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(NoCore()),  # type: ignore[arg-type]
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                await body(DiscordSink(client, timeout=0.5, lost_answer_retries=(0.05,)), standin)
            assert standin.violations == []

    run(go())


def test_a_post_killed_mid_answer_resumes_without_a_second_message() -> None:
    long = digest(300)

    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.lose_answer("POST", ROUTE, LostAnswer("reset", after=1))
        killed = DiscordSink(sink._client, lost_answer_retries=())  # dies with the answer lost
        with pytest.raises(PostError) as info:
            await posting(killed, long)
        assert len(info.value.posted) == 1  # the ledger knows of one; Discord has two
        assert len(standin.channel_messages[CHANNEL_ID]) == 2

        ids = await posting(sink, long, already=info.value.posted)  # the restarted process

        sent = standin.channel_messages[CHANNEL_ID]
        assert len(sent) == len(render_digest(long)) and ids == [m["id"] for m in sent]
        assert standin.deduplicated == 1

    run(with_sink(body))


def test_the_stand_in_deduplicates_enforced_nonces_only_and_refuses_long_ones() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        async with httpx.AsyncClient(
            base_url=standin.api_url, headers={"Authorization": f"Bot {standin.token}"}
        ) as http:

            async def send(**extra: Any) -> httpx.Response:
                payload = {"content": "hi", "allowed_mentions": {"parse": []}, **extra}
                return await http.post(ROUTE, json=payload)

            first = await send(nonce="n1", enforce_nonce=True)
            again = await send(nonce="n1", enforce_nonce=True)
            assert again.json()["id"] == first.json()["id"]
            loose = await send(nonce="n1")  # not enforced: a new message
            assert loose.json()["id"] != first.json()["id"]
            assert (await send(nonce="x" * 26, enforce_nonce=True)).status_code == 400
        assert len(standin.channel_messages[CHANNEL_ID]) == 2
        assert standin.deduplicated == 1
        standin.violations.clear()

    run(with_sink(body))
