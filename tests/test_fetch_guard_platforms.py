"""Refusing an internal feed end to end: ``digestbot run`` with Slack and Discord stand-ins."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest

from tests.standins.discord_api import DiscordStandIn
from tests.standins.slack_api import SlackApiStandin
from tests.test_run_platforms import Cli, Running, due_slot, run, run_env


def test_chat_admins_get_one_clear_refusal_on_both_platforms(
    tmp_path: Path,
    sample_feed: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "DIGESTBOT_")):
            monkeypatch.delenv(name)
    cli = Cli(tmp_path, sample_feed, capsys)
    _, clock = due_slot()
    with SlackApiStandin() as slack:
        slack.add_user("U0USER", admin=True)
        _scenario(cli, clock, slack, monkeypatch)
    assert cli.subscriptions() == {}


def _scenario(cli: Cli, clock: object, slack: SlackApiStandin, mp: pytest.MonkeyPatch) -> None:
    monkeypatch = mp

    async def scenario() -> None:
        async with DiscordStandIn() as discord_api, httpx.AsyncClient(timeout=5) as http:
            run_env(monkeypatch, slack, discord_api)
            stop = asyncio.Event()
            running = Running(cli, clock)  # type: ignore[arg-type]
            await running.start(stop)
            for feed in ("http://169.254.169.254/latest/meta-data/", "/proc/self/environ"):
                answer = json.dumps(
                    await running.slash(http, slack, "/digest", f"subscribe --feed {feed}")
                )
                assert "Feed refused" in answer, answer
                callback = await discord_api.interact(
                    discord_api.command("digest", {"feed": feed}, sub="subscribe", admin=True)
                )
                assert callback.data is not None
                assert callback.data["content"].startswith("Feed refused"), callback.data
            stop.set()
            await asyncio.wait_for(running.task, 15)  # type: ignore[arg-type]

    run(scenario())
