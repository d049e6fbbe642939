"""``DigestRuntime`` in-process: the whole loop on the console, and how platforms are loaded."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.platforms import PLATFORMS, Platform, PlatformRunner, load_runners, one_shot_sink
from app.runtime import DigestRuntime
from bot.commands import Commands
from bot.config import DiscordSettings, ScheduleSettings, Settings, SlackSettings
from bot.engine import make_engine
from bot.errors import ConfigError
from bot.schedule.subscriptions import Subscriptions, build
from bot.timing import SystemClock
from tests.standins.webhook import RecordingSink


def test_console_loop_posts_on_publish_and_stops_cleanly(tmp_path: Path, sample_feed: Path) -> None:
    db = tmp_path / "rt.db"
    engine = make_engine(Settings(), db_path=db)
    Subscriptions(engine.store).add(
        build(
            "console",
            created_at=SystemClock().now(),
            defaults=ScheduleSettings(),
            default_zone="UTC",
            mode="on-publish",
            sub_id="s-console",
        )
    )
    engine.close()  # the sample episodes are old: only `post` (the latest episode) posts
    settings = Settings(feeds=[str(sample_feed)], schedule=ScheduleSettings(sweep_seconds=1))
    out = io.StringIO()

    async def go() -> None:
        runtime = DigestRuntime(
            settings, db_path=str(db), console_out=out, load_platforms=False, interactive=False
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 10)
        assert runtime.poster is not None
        outcome = await runtime.poster.post_now("s-console")
        assert outcome.posted, outcome
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(go(), 20))
    printed = out.getvalue()
    assert "Kokoro" in printed
    assert printed.count("Sample AI Weekly - Jan 16") == 1  # the backlog was not posted
    assert "Jan 9" not in printed


class FakeRunner:
    platform = "slack"

    def __init__(self) -> None:
        self.sink = RecordingSink("slack")
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False


def test_platforms_load_from_the_adapters_entry_point(sample_engine: Any) -> None:
    import adapters.discord
    import adapters.slack

    assert PLATFORMS["slack"].make_runner is adapters.slack.make_runner
    assert PLATFORMS["discord"].make_sink is adapters.discord.make_sink
    made: list[FakeRunner] = []

    def make_runner(commands: Commands, settings: Settings) -> FakeRunner:
        made.append(FakeRunner())
        return made[-1]

    fake = {"slack": Platform(make_runner, PLATFORMS["slack"].make_sink)}
    settings = Settings(slack=SlackSettings(SLACK_BOT_TOKEN=SecretStr("xoxb-test")))
    runners = load_runners(Commands(sample_engine), settings, platforms=fake)
    assert runners == made and isinstance(runners[0], PlatformRunner)
    no_token = Settings(slack=SlackSettings())
    assert load_runners(Commands(sample_engine), no_token, platforms=fake) == []


def test_a_broken_adapter_is_logged_and_skipped(
    sample_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(commands: Commands, settings: Settings) -> None:
        raise RuntimeError("boom")

    fake = {"discord": Platform(broken, PLATFORMS["discord"].make_sink)}
    settings = Settings(discord=DiscordSettings(DISCORD_TOKEN=SecretStr("t")))
    with caplog.at_level(logging.ERROR):
        assert load_runners(Commands(sample_engine), settings, platforms=fake) == []
    assert "could not set up discord" in caplog.text and "t'" not in caplog.text


def test_a_missing_sdk_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, sample_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ["slack_bolt", *(m for m in sys.modules if m.startswith("slack_bolt."))]:
        monkeypatch.setitem(sys.modules, name, None)  # as without digestbot[slack]
    for name in ("runner", "run", "app", "sink"):  # the adapter modules that load slack_bolt
        monkeypatch.delitem(sys.modules, f"adapters.slack.{name}", raising=False)
    settings = Settings(slack=SlackSettings(SLACK_BOT_TOKEN=SecretStr("xoxb-secret")))
    with caplog.at_level(logging.ERROR):
        assert load_runners(Commands(sample_engine), settings) == []
    assert "install digestbot[slack]" in caplog.text and "xoxb-secret" not in caplog.text

    async def open_sink() -> None:
        async with one_shot_sink("slack", settings):
            raise AssertionError("opened a sink without slack_bolt")

    with pytest.raises(ConfigError, match=r"install digestbot\[slack\]"):
        asyncio.run(open_sink())


def test_with_nothing_configured_the_latest_tldr_shows_on_the_console(
    tmp_path: Path, sample_feed: Path
) -> None:
    settings = Settings(feeds=[str(sample_feed)])
    out = io.StringIO()

    async def go() -> None:
        runtime = DigestRuntime(
            settings,
            db_path=str(tmp_path / "empty.db"),
            console_out=out,
            load_platforms=False,
            interactive=False,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 10)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(go(), 20))
    printed = out.getvalue()
    assert printed.count("Sample AI Weekly - Jan 16") == 1
    assert "## Open Source LLMs" in printed and "Kokoro v1.0" in printed
