"""A scheduled post sends at most ``max_messages_per_post`` messages, ending with what was left out.

Each platform is driven through the real ``Poster`` and its real sink: Slack against the
Web API stand-in, Discord against the gateway/REST stand-in, Slack and Discord webhooks
against the loopback receiver, and the console.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr

from adapters.console.adapter import ConsoleAdapter
from adapters.console.render import render_digest as console_digest
from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.render import render_digest as discord_digest
from adapters.discord.sink import DiscordSink
from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack.render import render_digest as slack_digest
from adapters.slack.sink import make_slack_sink
from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import RetryPolicy
from bot.commands import Commands
from bot.config import ScheduleSettings, Settings, SlackSettings
from bot.engine import Engine, make_engine
from bot.models import (
    Digest,
    DigestItem,
    DigestSection,
    EpisodeRef,
    Link,
    ParsedEpisode,
    ParsedItem,
)
from bot.schedule.capping import cap_digest, cap_for, keep_first
from bot.schedule.posting import Outcome, Poster, Sinks
from bot.schedule.subscriptions import Subscriptions, build
from bot.sinks import Sink
from bot.timing import ManualClock
from tests.standins.discord_api import CHANNEL_ID, DiscordStandIn, connected
from tests.standins.slack_api import SlackApiStandin
from tests.standins.webhook import WebhookReceiver

T = TypeVar("T")
SLOT = datetime(2025, 1, 17, 2, 0, tzinfo=UTC)
EPISODE_URL = "https://show.example/p/huge-week"
SECTIONS = ("Open Source LLMs", "Big CO LLMs + APIs", "Vision & Video", "Voice & Audio")
ITEMS = 3_000
FAST = RetryPolicy(retries=1, backoff=0.01, max_backoff=0.02, max_retry_after=1.0, timeout=5.0)


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def huge_digest(items: int = ITEMS) -> Digest:
    per = items // len(SECTIONS)
    return Digest(
        title="A huge week",
        episodes=(EpisodeRef(id="ep1", title="A huge week", url=EPISODE_URL),),
        sections=tuple(
            DigestSection(
                name=name,
                items=tuple(
                    DigestItem(
                        name=f"Model {s}-{i}",
                        headline=f"Model {s}-{i} does a thing",
                        links=(Link(label="HF", url=f"https://hf.co/m{s}-{i}"),),
                    )
                    for i in range(per)
                ),
            )
            for s, name in enumerate(SECTIONS)
        ),
    )


@pytest.fixture(scope="module")
def huge_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one episode of 3,000 releases (built once, copied per test)."""
    path = tmp_path_factory.mktemp("capping") / "huge.db"
    engine = make_engine(Settings(), db_path=path)
    per = ITEMS // len(SECTIONS)
    items = tuple(
        ParsedItem(
            name=f"Model {s}-{i}",
            section=name,
            section_original=name,
            headline=f"Model {s}-{i} does a thing",
        )
        for s, name in enumerate(SECTIONS)
        for i in range(per)
    )
    parsed = ParsedEpisode(
        key="huge",
        title="A huge week",
        url=EPISODE_URL,
        published=SLOT - timedelta(hours=2),
        content_hash="huge",
        items=items,
    )
    engine.store.upsert_episodes("Show A", [parsed])
    engine.close()
    return path


@pytest.fixture
def engine(huge_db: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "posting.db"
    path.write_bytes(huge_db.read_bytes())
    eng = make_engine(Settings(), db_path=path)
    yield eng
    eng.close()


async def post_once(engine: Engine, kind: str, sink: Sink, target: str, cap: int) -> Outcome:
    """Subscribe ``target`` and let the real ``Poster`` post the huge episode through ``sink``."""
    sub = build(
        target,
        created_at=SLOT - timedelta(days=28),
        defaults=ScheduleSettings(),
        default_zone="UTC",
    )
    Subscriptions(engine.store).add(sub)
    settings = ScheduleSettings(max_messages_per_post=cap)
    poster = Poster(engine, Sinks({kind: sink}), clock=ManualClock(SLOT), settings=settings)
    outcome = await poster.evaluate(sub.id)
    assert outcome.posted, outcome.line()
    return outcome


def assert_left_out(text: str, kept: int) -> None:
    """The last message says how many releases are not shown, and links the episode."""
    left = ITEMS - kept
    assert f"and {left:,} more releases" in text
    assert "Voice" in text  # the last section is the one certainly cut
    assert EPISODE_URL in text


def listed(text: str) -> int:
    return text.count("does a thing")


# --- the cut itself ------------------------------------------------------------------


@pytest.mark.parametrize("render", [slack_digest, discord_digest], ids=["slack", "discord"])
@pytest.mark.parametrize("cap", [1, 3, 10])
def test_a_huge_digest_is_cut_to_the_cap_with_a_last_line(render: Any, cap: int) -> None:
    digest = huge_digest()
    assert len(render(digest)) > 10  # uncut: many more messages than any cap below
    cut = cap_digest(digest, cap, render)
    messages = render(cut)
    assert len(messages) <= cap
    assert cut.left_out is not None
    assert cut.item_count + cut.left_out.items == ITEMS
    # as much as fits: one more release would need another message
    assert len(render(keep_first(digest, cut.item_count + 1))) > cap
    last = json.dumps(messages[-1], ensure_ascii=False)
    assert_left_out(last, cut.item_count)
    # the releases kept are the first ones, in order
    names = [i.name for s in cut.sections for i in s.items]
    assert names == [i.name for s in digest.sections for i in s.items][: len(names)]


def test_a_digest_that_fits_is_left_alone() -> None:
    digest = huge_digest(40)
    assert cap_digest(digest, 10, slack_digest) is digest


def test_the_note_names_only_sections_with_releases_left_out() -> None:
    cut = keep_first(huge_digest(), 800)  # all of the first section, 50 of the second
    assert cut.left_out is not None
    assert cut.left_out.sections == SECTIONS[1:]
    assert cut.left_out.items == 2_200


def test_the_console_prints_the_note_and_the_link() -> None:
    text = console_digest(keep_first(huge_digest(), 5))
    assert_left_out(text.splitlines()[-2] + text.splitlines()[-1], 5)
    assert listed(text) == 5


def test_feed_text_in_the_note_cannot_ping() -> None:
    digest = huge_digest(8).model_copy(
        update={
            "sections": (
                DigestSection(
                    name="<!channel> @everyone",
                    items=huge_digest(8).sections[0].items,
                ),
            )
        }
    )
    cut = keep_first(digest, 1)
    slack = json.dumps(slack_digest(cut))
    assert "<!channel>" not in slack
    discord = json.dumps(discord_digest(cut), ensure_ascii=False)
    assert "@everyone" not in discord.replace("@\u200beveryone", "")


# --- through the Poster, per platform ------------------------------------------------


def test_slack_post_is_capped(engine: Engine) -> None:
    with SlackApiStandin() as standin:
        settings = SlackSettings(bot_token=SecretStr("xoxb-cap"), api_url=standin.api_url)
        sink = make_slack_sink(settings)
        outcome = run(post_once(engine, "slack", sink, "slack:C0123ABCD", cap=4))
        calls = standin.calls_to("chat.postMessage")
        assert len(calls) == len(outcome.message_ids) == 4
        text = "".join(json.dumps(c.data.get("blocks")) for c in calls)
        assert_left_out(json.dumps(calls[-1].data.get("blocks")), listed(text))
        assert standin.violations == [] and standin.pings == []


def test_discord_post_is_capped(engine: Engine) -> None:
    async def go() -> tuple[Outcome, list[dict[str, Any]]]:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                outcome = await post_once(
                    engine, "discord", DiscordSink(client), f"discord:{CHANNEL_ID}", cap=3
                )
            assert standin.violations == []
            return outcome, list(standin.channel_messages[CHANNEL_ID])

    outcome, posted = run(go())
    assert len(posted) == len(outcome.message_ids) == 3
    text = json.dumps(posted, ensure_ascii=False)
    assert_left_out(json.dumps(posted[-1], ensure_ascii=False), listed(text))


@pytest.mark.parametrize("kind", ["slack-webhook", "discord-webhook"])
def test_webhook_posts_are_capped(engine: Engine, kind: str) -> None:
    sink: SlackWebhookSink | DiscordWebhookSink
    sink = (
        SlackWebhookSink(policy=FAST)
        if kind == "slack-webhook"
        else DiscordWebhookSink(policy=FAST)
    )
    sink.min_interval = 0.0  # pacing is tested elsewhere; here only the count matters
    with WebhookReceiver() as receiver:
        url = receiver.url(f"/{kind}/1")

        async def go() -> Outcome:
            try:
                return await post_once(engine, kind, sink, f"{kind}:{url}", cap=5)
            finally:
                await sink.aclose()

        outcome = run(go())
        requests = receiver.to(f"/{kind}/1")
        assert len(requests) == len(outcome.message_ids) == 5
        text = json.dumps([r.body for r in requests], ensure_ascii=False)
        assert_left_out(json.dumps(requests[-1].body, ensure_ascii=False), listed(text))
        assert receiver.pings() == []


def test_the_console_is_one_message_and_never_cut(engine: Engine) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(Commands(engine), out=out)
    outcome = run(post_once(engine, "console", console, "console", cap=1))
    assert len(outcome.message_ids) == 1
    assert listed(out.getvalue()) == ITEMS
    assert "more releases" not in out.getvalue()


def test_one_digest_is_cut_once_for_many_subscriptions() -> None:
    digest = huge_digest()
    sink = SlackWebhookSink(policy=FAST)
    first = cap_for(digest, sink, 3)
    assert first.left_out is not None
    assert cap_for(digest, sink, 3) is first  # the same object: not rendered again
    assert cap_for(digest, sink, 4).item_count > first.item_count
    assert cap_for(digest, object(), 3) is digest  # a sink that cannot render is left alone
