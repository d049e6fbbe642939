"""``--changes``: the weekly post opens with what changed per release family.

The option from the CLI, chat (Slack text, Discord's option), and the config;
the real ``Poster`` posting through a real Slack webhook sink to the loopback
receiver: the block heads the first message, the cap holds, a second
evaluation posts nothing, and a retry resends the block it first composed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import RetryPolicy
from app.cli import main
from bot.changes_chat import SECTION_NAME
from bot.commands import CommandContext, Commands
from bot.config import ScheduleSettings, Settings
from bot.engine import Engine, make_engine
from bot.models import Digest, Facts, ParsedEpisode, ParsedItem
from bot.schedule.admin import DigestAdmin
from bot.schedule.posting import Poster, Sinks
from bot.schedule.subscriptions import Subscription, Subscriptions, build
from bot.sinks import PostError
from bot.timing import ManualClock, SystemClock
from tests.standins.discord_api import DiscordStandIn, connected
from tests.standins.webhook import RecordingSink, WebhookReceiver

T = TypeVar("T")
SLOT = datetime(2025, 1, 17, 2, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
H = timedelta(hours=1)
FAST = RetryPolicy(retries=1, backoff=0.01, max_backoff=0.02, max_retry_after=1.0, timeout=5.0)
FILLER = 400  # releases enough for several Slack messages


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def item(name: str, section: str = "Open Source LLMs", **facts: Any) -> ParsedItem:
    return ParsedItem(
        name=name,
        section=section,
        section_original=section,
        headline=f"{name} <!channel> news",
        facts=Facts(**facts),
    )


def store_episode(engine: Engine, key: str, published: datetime, items: list[ParsedItem]) -> None:
    parsed = ParsedEpisode(
        key=key,
        title=f"Show A: {key}",
        url=f"https://show.example/{key}",
        published=published,
        content_hash=key,
        items=tuple(items),
    )
    engine.store.upsert_episodes("Show A", [parsed])


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(Settings(), db_path=tmp_path / "head.db", semantic=False)
    store_episode(
        eng,
        "jan9",
        SLOT - WEEK - H,
        [item("Qwen3-Coder", license="Apache 2.0"), item("Llama 4")],
    )
    store_episode(
        eng,
        "jan16",
        SLOT - 2 * H,
        [
            item("Qwen3-Coder", license="MIT"),
            item("Qwen3-VL", section="Vision & Video"),
            item("Kimi K2", parameters=("1T",)),
            item("Kokoro", section="Voice & Audio"),
            *(item(f"Filler{i} 7B", section="Big CO LLMs + APIs") for i in range(FILLER)),
        ],
    )
    yield eng
    eng.close()


def subscribe(engine: Engine, target: str, **options: Any) -> Subscription:
    sub = build(
        target,
        created_at=SLOT - 4 * WEEK,
        defaults=ScheduleSettings(),
        default_zone="UTC",
        day="thursday",
        time="18:00",
        **options,
    )
    return Subscriptions(engine.store).add(sub)


def head_of(digest: Digest) -> dict[str, str]:
    assert digest.sections[0].name == SECTION_NAME
    return {i.name: i.headline for i in digest.sections[0].items}


def test_the_post_opens_with_what_changed_capped_and_once(engine: Engine) -> None:
    sink = SlackWebhookSink(policy=FAST)
    sink.min_interval = 0.0
    with WebhookReceiver() as receiver:
        url = receiver.url("/hook")
        sub = subscribe(engine, f"slack-webhook:{url}", changes=True)
        settings = ScheduleSettings(max_messages_per_post=1)
        poster = Poster(
            engine, Sinks({"slack-webhook": sink}), clock=ManualClock(SLOT), settings=settings
        )

        async def go() -> list[str]:
            try:
                first = await poster.evaluate(sub.id)
                assert first.posted, first.line()
                again = await poster.evaluate(sub.id)
                assert again.status == "already"
                return list(first.message_ids)
            finally:
                await sink.aclose()

        ids = run(go())
        requests = receiver.to("/hook")
        assert len(requests) == len(ids) == 1  # capped, and nothing more on the second look
        first = json.dumps(requests[0].body, ensure_ascii=False)
        assert first.index(SECTION_NAME) < first.index("Filler0 7B")  # the block comes first
        assert "*Qwen*" in first and "Qwen3-Coder license: Apache 2.0 → MIT" in first
        assert "new family; new: Kimi K2" in first and "Llama" not in first.split("Filler0")[0]
        last = json.dumps(requests[-1].body, ensure_ascii=False)
        assert "more releases" in last  # the cap's note: the head was kept, fillers cut
        assert receiver.pings() == []


def test_a_retry_resends_the_block_it_first_composed(engine: Engine) -> None:
    sink = RecordingSink("console")
    sub = subscribe(engine, "console", changes=True)
    clock = ManualClock(SLOT)
    poster = Poster(engine, Sinks({"console": sink}), clock=clock)
    sink.fail_with.append(PostError("HTTP 503", retry_after=60, posted=["console-a"]))
    assert run(poster.evaluate(sub.id)).status == "retry"
    # Kimi is no longer new once an older episode names it; the retry must not notice.
    store_episode(engine, "dec", SLOT - 6 * WEEK, [item("Kimi K1.5")])
    clock.set(SLOT + timedelta(seconds=61))
    assert run(poster.evaluate(sub.id)).posted
    first, second = (digest for _, digest in sink.attempts)
    assert head_of(first) == head_of(second) and "Kimi" in head_of(second)
    assert head_of(second)["Kimi"].startswith("new family")
    assert sink.resumed == [(), ("console-a",)]


def test_filters_hold_for_the_block_and_no_option_no_block(engine: Engine) -> None:
    sink = RecordingSink("console")
    voice = subscribe(engine, "console", changes=True, sections=["Voice & Audio"])
    plain = subscribe(engine, "console")
    poster = Poster(engine, Sinks({"console": sink}), clock=ManualClock(SLOT))
    assert run(poster.evaluate(voice.id)).posted and run(poster.evaluate(plain.id)).posted
    (_, filtered), (_, unheaded) = sink.posts
    assert head_of(filtered) == {"Kokoro": "new family; new: Kokoro; 1 mention"}
    assert all(s.name != SECTION_NAME for s in unheaded.sections)


# --- where the option is set -----------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_subscribe_changes_and_preview(
    tmp_path: Path, sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.db")
    assert cli(capsys, "--db", db, "ingest", str(sample_feed))[0] == 0
    code, out, err = cli(capsys, "--db", db, "subscribe", "slack:C0123ABCD", "--changes")
    sub_id = out.strip()
    assert code == 0 and "headed by what changed" in err
    code, out, _ = cli(capsys, "--db", db, "subscriptions", "--json")
    (doc,) = json.loads(out)
    assert doc["changes"] is True
    code, out, err = cli(capsys, "--db", db, "preview", sub_id)
    messages = json.dumps(json.loads(out)["messages"], ensure_ascii=False)
    assert code == 0 and messages.index(SECTION_NAME) < messages.index("EchoVox")
    assert "If it went out now:" in err


def test_chat_subscribe_changes_and_no_changes(tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "chat.db")
    try:
        commands = Commands(engine, admin=DigestAdmin(engine, Settings(), clock=SystemClock()))
        ctx = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=True)
        reply = commands.handle("digest", "subscribe changes", ctx)
        assert not reply.error and "headed by what changed" in reply.text  # type: ignore[union-attr]
        subs = Subscriptions(engine.store)
        assert [s.changes for s in subs.all()] == [True]
        commands.handle("digest", "subscribe friday 09:00", ctx)  # other changes keep it
        assert [(s.changes, s.day) for s in subs.all()] == [(True, 4)]
        commands.handle("digest", "subscribe no-changes", ctx)
        assert [s.changes for s in subs.all()] == [False]
        commands.handle("digest", "subscribe --changes", ctx)
        assert [s.changes for s in subs.all()] == [True]
    finally:
        engine.close()


def test_discord_subscribe_option(tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "discord.db")
    admin = DigestAdmin(engine, Settings(), clock=SystemClock())

    async def go() -> None:
        from adapters.discord.client import DigestClient
        from adapters.discord.endpoints import Endpoints

        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine, admin=admin),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                callback = await standin.interact(
                    standin.command("digest", {"changes": True}, sub="subscribe", admin=True)
                )
                assert callback.data is not None
                assert "headed by what changed" in callback.data["content"]
            assert standin.violations == []

    try:
        run(go())
        assert [s.changes for s in Subscriptions(engine.store).all()] == [True]
    finally:
        engine.close()


def test_config_subscription_changes(tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "cfg.db")
    try:
        settings = Settings.model_validate(
            {"subscriptions": [{"target": "console", "changes": True}]}
        )
        (sub,), _ = Subscriptions(engine.store).sync_config(settings, now=SLOT)
        assert sub.changes and Subscriptions(engine.store).get(sub.id).changes
    finally:
        engine.close()


def test_discord_subscribe_fact_filters(tmp_path: Path) -> None:
    """``/digest subscribe license: apache-2.0, mit org: ...`` on Discord (issue 14, point 6)."""
    engine = make_engine(Settings(), db_path=tmp_path / "facts.db")
    admin = DigestAdmin(engine, Settings(), clock=SystemClock())

    async def go() -> None:
        from adapters.discord.client import DigestClient
        from adapters.discord.endpoints import Endpoints

        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(engine, admin=admin),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                options = {"license": "apache-2.0, MIT", "org": "Alibaba"}
                callback = await standin.interact(
                    standin.command("digest", options, sub="subscribe", admin=True)
                )
                assert callback.data is not None and "license" in callback.data["content"]
            assert standin.violations == []

    try:
        run(go())
        (sub,) = Subscriptions(engine.store).all()
        assert sub.licenses == ("apache-2.0", "MIT") and sub.orgs == ("Alibaba",)
    finally:
        engine.close()
