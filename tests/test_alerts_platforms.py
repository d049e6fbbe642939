"""Health alerts from ``digestbot run`` through the real Slack and Discord clients.

The ``[alerts] target`` takes any target kind: here a person's direct messages
(``slack-user:``/``discord-user:``), against the loopback stand-ins.  A feed
that fails and a subscription a platform error disabled each give one alert,
and another health round repeats neither.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.runtime import DigestRuntime
from bot.config import load_settings
from tests.standins.discord_api import CHANNEL_ID, DiscordStandIn, Failure
from tests.standins.slack_api import SlackApiStandin

SLACK_USER = "U0123ABCD"
DISCORD_USER = "123456789012345678"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "DIGESTBOT_")):
            monkeypatch.delenv(name)


async def _until(predicate: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 20
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("target", [f"slack-user:{SLACK_USER}", f"discord-user:{DISCORD_USER}"])
def test_health_alerts_reach_a_persons_dms_once_per_incident(
    target: str,
    tmp_path: Path,
    sample_feed: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, config = tmp_path / "db.sqlite", tmp_path / "config.toml"
    config.write_text(
        f'feeds = ["{tmp_path / "gone.rss"}"]\n'
        "[schedule]\nshutdown_seconds = 2\nwebhook_retries = 0\n"
        f'[alerts]\ntarget = "{target}"\nfailures = 1\n',
        encoding="utf-8",
    )
    base = ["--db", str(db), "--config", str(config)]
    assert main([*base, "ingest", str(sample_feed)]) == 0
    capsys.readouterr()
    # The subscription is on the other platform: its failure never meets the DM alerts.
    on_slack = target.startswith("discord-user:")
    channel = "slack:C0123ABCD" if on_slack else f"discord:{CHANNEL_ID}"
    assert main([*base, "subscribe", channel]) == 0
    sub_id = capsys.readouterr().out.strip()

    async def scenario(slack: SlackApiStandin, discord: DiscordStandIn) -> None:
        for name, value in {
            "SLACK_BOT_TOKEN": "xoxb-alerts",
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_API_URL": slack.api_url,
            "SLACK_PORT": "0",
            "SLACK_HOST": "127.0.0.1",
            "DISCORD_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }.items():
            monkeypatch.setenv(name, value)
        runtime = DigestRuntime(load_settings(str(config)), db_path=str(db), interactive=False)
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 20)
        assert runtime.poster is not None and runtime.health is not None
        health = runtime.health
        # The subscription's channel is gone: the platform error disables it.
        if on_slack:
            slack.fail("chat.postMessage", "channel_not_found")
        else:
            gone = Failure(404, 10003, "Unknown Channel")
            discord.fail("POST", f"/channels/{CHANNEL_ID}/messages", gone)
        await runtime.poster.post_now(sub_id)
        assert runtime.poster.subscriptions.get(sub_id).disabled_reason
        await _until(lambda: any(f.last_error for f in health.feeds()), "the failed poll")
        for _ in range(3):
            await runtime.health_round()
        stop.set()
        await asyncio.wait_for(task, 20)

    async def go() -> tuple[list[str], SlackApiStandin, DiscordStandIn]:
        with SlackApiStandin() as slack:
            async with DiscordStandIn() as discord:
                await scenario(slack, discord)
                if target.startswith("slack-user:"):
                    texts = [json.dumps(c.data) for c in slack.messages("D" + SLACK_USER[1:])]
                else:
                    dm = str(int(DISCORD_USER) + 1)
                    texts = [json.dumps(m) for m in discord.channel_messages[dm]]
                return texts, slack, discord

    texts, slack, discord = asyncio.run(asyncio.wait_for(go(), 60))
    assert len(texts) == 2, texts  # one per incident, however many rounds
    assert any("gone.rss" in t and "failing" in t for t in texts)
    assert any(sub_id in t and "disabled" in t for t in texts)
    assert slack.violations == [] and discord.violations == []


def test_a_dm_alerts_target_is_checked_like_a_watch_target() -> None:
    from pydantic import ValidationError

    from bot.config import AlertsSettings

    assert AlertsSettings(target="slack-user:u0123abcd").target == "slack-user:U0123ABCD"
    assert AlertsSettings(target=f"discord-user:{DISCORD_USER}").target is not None
    with pytest.raises(ValidationError, match="not a Slack user id"):
        AlertsSettings(target="slack-user:nobody")


def test_a_health_alert_counts_no_releases() -> None:
    from adapters.discord.render import render_digest as discord_digest
    from adapters.slack.render import render_digest as slack_digest
    from bot.alerts import HealthMessage

    notice = HealthMessage(1, "feed", "https://example.org/feed", "HTTP 500", False).digest()
    assert "release" not in json.dumps(slack_digest(notice))
    assert "release" not in json.dumps(discord_digest(notice))
