"""``/watch`` through the Slack app: signed commands against the Web API stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.slack.app import SlackBot
from bot.commands import Commands
from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.watch.watches import Watches
from tests.standins.slack_api import SlackApiStandin
from tests.test_slack_app import ack_body, dispatch, make_settings, run, signed_command


@pytest.fixture
def standin() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path, sample_feed: Path) -> Iterator[Engine]:
    eng = make_engine(Settings(), db_path=str(tmp_path / "w.db"))
    eng.ingest(str(sample_feed))
    yield eng
    eng.close()


def test_watch_from_slack_is_a_private_dm_watch(standin: SlackApiStandin, engine: Engine) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/watch", "kokoro"))))
    assert body["response_type"] == "ephemeral" and "Watching" in json.dumps(body)
    (watch,) = Watches(engine.store).all()
    assert watch.target == "slack-user:U0USER"
    body = ack_body(run(dispatch(bot, signed_command(standin, "/watch", "list"))))
    assert watch.id in json.dumps(body)
    assert standin.pings == [] and standin.violations == []


def test_channel_watch_needs_an_admin(standin: SlackApiStandin, engine: Engine) -> None:
    standin.add_user("U0ADMIN", owner=True)
    bot = SlackBot(Commands(engine), make_settings(standin))
    text = "kokoro <#C0777AAAA|models>"
    refused = ack_body(run(dispatch(bot, signed_command(standin, "/watch", text))))
    assert "only admins" in json.dumps(refused) and Watches(engine.store).all() == []
    body = ack_body(run(dispatch(bot, signed_command(standin, "/watch", text, user_id="U0ADMIN"))))
    assert "the channel you picked" in json.dumps(body)
    (watch,) = Watches(engine.store).all()
    assert watch.target == "slack:T0STANDIN/C0777AAAA"
    # Removing it: from that channel, by an admin only.
    remove = f"remove {watch.id}"
    refused = ack_body(run(dispatch(bot, signed_command(standin, "/watch", remove))))
    assert "of yours" in json.dumps(refused)
    body = ack_body(
        run(dispatch(bot, signed_command(standin, "/watch", remove, user_id="U0ADMIN")))
    )
    assert "Removed" in json.dumps(body) and Watches(engine.store).all() == []


def test_hostile_watch_text_pings_nobody(standin: SlackApiStandin, engine: Engine) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    for text in ("<!channel> @everyone", "--org <!here>", "zzqx <@U0ADMIN>"):
        body = ack_body(run(dispatch(bot, signed_command(standin, "/watch", text))))
        assert "<!channel>" not in json.dumps(body) and "<!here>" not in json.dumps(body)
    assert Watches(engine.store).all() == []
