"""The bolt app in-process: signed requests through ``app.async_dispatch``, the real verification,
the real engine on the sample feed, and Web API / response_url calls into the loopback stand-in."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.slack.app import SlackBot
from adapters.slack.render import SHARE_ACTION_ID, Share
from bot.commands import CommandContext, Commands
from bot.config import SlackSettings
from bot.models import (
    Digest,
    DigestItem,
    DigestReply,
    DigestSection,
    EpisodeRef,
    Reply,
    TextReply,
)
from tests.standins.slack_api import SlackApiStandin, SlackSigner, check_message, find_pings

T = TypeVar("T")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "bot" / "data" / "sample_feed.rss"


def run(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run ``coro`` on a fresh loop, never for longer than ``timeout``."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_PORT",
        "SLACK_API_URL",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def make_settings(standin: SlackApiStandin, *, admins: tuple[str, ...] = ()) -> SlackSettings:
    return SlackSettings(
        bot_token=SecretStr("xoxb-test-token"),
        signing_secret=SecretStr(SECRET),
        api_url=standin.api_url,
        admin_users=list(admins),
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from bot.config import Settings
    from bot.engine import make_engine

    db = tmp_path_factory.mktemp("slack") / "digestbot.sqlite3"
    eng = make_engine(Settings(), db_path=str(db))
    eng.ingest(str(SAMPLE_FEED))
    yield eng
    eng.close()


class Admin:
    """A stand-in for the scheduler's /digest handler that records what reached it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, CommandContext]] = []

    def __call__(self, text: str, ctx: CommandContext) -> Reply:
        self.calls.append((text, ctx))
        return TextReply(text=f"Subscribed {ctx.channel_id}.")


class FakeCommands:
    """A core that answers what it is told, as slowly as it is told, recording every call."""

    def __init__(
        self, reply: Reply | None = None, *, delay: float = 0.0, crash: bool = False
    ) -> None:
        self.reply = reply or TextReply(text="ok")
        self.delay = delay
        self.crash = crash
        self.calls: list[tuple[str, str, CommandContext]] = []
        self.threads: set[str] = set()

    def handle(self, command: str, text: str, ctx: CommandContext) -> Reply:
        self.calls.append((command, text, ctx))
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        if self.crash:
            raise RuntimeError("boom: secret internals")
        return self.reply


def signed_command(
    standin: SlackApiStandin,
    command: str,
    text: str = "",
    *,
    user_id: str = "U0USER",
    timestamp: int | None = None,
    signer: SlackSigner | None = None,
) -> AsyncBoltRequest:
    body = SlackSigner.command_body(
        command, text, user_id=user_id, response_url=standin.response_url()
    )
    return (signer or SlackSigner(SECRET)).request(body, timestamp=timestamp)


async def dispatch(bot: SlackBot, request: AsyncBoltRequest) -> BoltResponse:
    response = await bot.app.async_dispatch(request)
    await bot.drain()
    return response


def ack_body(response: BoltResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def big_digest(items: int = 300) -> Digest:
    episode = EpisodeRef(id="e", title="Ep", url="https://example.com/ep")
    releases = tuple(
        DigestItem(name=f"R{i}", headline="h " * 40, sources=(episode,)) for i in range(items)
    )
    return Digest(
        title="Long TL;DR",
        episodes=(episode,),
        sections=(DigestSection(name="All", items=releases),),
    )


# --- verification -------------------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    ["bad-signature", "no-signature", "old-timestamp", "other-secret", "future-timestamp"],
)
def test_unverified_requests_get_401_and_do_nothing(standin: SlackApiStandin, tamper: str) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    if tamper == "old-timestamp":
        request = signed_command(standin, "/release", "kokoro", timestamp=int(time.time()) - 301)
    elif tamper == "future-timestamp":
        request = signed_command(standin, "/release", "kokoro", timestamp=int(time.time()) + 301)
    elif tamper == "other-secret":
        request = signed_command(
            standin, "/release", "kokoro", signer=SlackSigner("not-the-secret")
        )
    else:
        request = signed_command(standin, "/release", "kokoro")
        if tamper == "bad-signature":
            request.headers["x-slack-signature"] = ["v0=" + "0" * 64]
        else:
            del request.headers["x-slack-signature"]
    response = run(dispatch(bot, request))
    assert response.status == 401
    assert commands.calls == []
    assert standin.calls == []


def test_signature_covers_the_body(standin: SlackApiStandin) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    good = signed_command(standin, "/release", "kokoro")
    forged = AsyncBoltRequest(body=good.raw_body.replace("kokoro", "phi-4"), headers=good.headers)
    assert run(dispatch(bot, forged)).status == 401
    assert commands.calls == []


# --- the real engine on the sample feed ------------------------------------------------


def test_signed_release_returns_the_release(standin: SlackApiStandin, engine: Any) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    response = run(dispatch(bot, signed_command(standin, "/release", "kokoro")))
    body = ack_body(response)
    assert body["response_type"] == "ephemeral"
    assert "kokoro" in body["blocks"][0]["text"]["text"].lower()
    assert check_message(body) == []
    button = body["blocks"][-1]["elements"][0]
    assert button["action_id"] == SHARE_ACTION_ID
    assert Share.parse(button["value"]) == Share("release", "kokoro")
    assert standin.violations == []


def test_unknown_release_gets_suggestions_privately(standin: SlackApiStandin, engine: Any) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/release", "zzqx"))))
    text = json.dumps(body["blocks"])
    assert body["response_type"] == "ephemeral"
    assert "zzqx" in text and text.count("Did you mean") == 1
    assert "Kokoro" in text
    assert all(b["type"] != "actions" for b in body["blocks"])


def test_tldr_and_search_stay_within_limits(standin: SlackApiStandin, engine: Any) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    for command, text in (
        ("/tldr", ""),
        ("/search", "tts"),
        ("/search", "<!channel>"),
        ("/release", ""),
    ):
        response = run(dispatch(bot, signed_command(standin, command, text)))
        assert response.status == 200
        payloads = [ack_body(response)] if response.body else []
        payloads += [c.data for c in standin.calls_to("response_url")]
        assert payloads, command
        for payload in payloads:
            assert check_message(payload) == [], (command, text)
            assert find_pings(payload) == [], (command, text)
        standin.reset()


# --- admin gating ---------------------------------------------------------------------


def test_digest_is_refused_to_non_admins(standin: SlackApiStandin, engine: Any) -> None:
    admin = Admin()
    standin.add_user("U0USER", admin=False)
    bot = SlackBot(Commands(engine, admin=admin), make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/digest", "subscribe"))))
    assert "Sorry, /digest is for workspace admins" in json.dumps(body)
    assert admin.calls == []
    assert [c.data["user"] for c in standin.calls_to("users.info")] == ["U0USER"]


def test_digest_reaches_workspace_admins(standin: SlackApiStandin, engine: Any) -> None:
    admin = Admin()
    standin.add_user("U0ADMIN", owner=True)
    bot = SlackBot(Commands(engine, admin=admin), make_settings(standin))
    request = signed_command(standin, "/digest", "subscribe weekly", user_id="U0ADMIN")
    body = ack_body(run(dispatch(bot, request)))
    assert "Subscribed C0CHAN" in json.dumps(body)
    [(text, ctx)] = admin.calls
    assert text == "subscribe weekly"
    assert ctx == CommandContext(
        platform="slack",
        channel_id="C0CHAN",
        user_id="U0ADMIN",
        workspace_id="T0STANDIN",
        is_admin=True,
    )
    assert all(b["type"] != "actions" for b in body["blocks"])  # admin replies are not shareable


def test_digest_reaches_allow_listed_users_without_asking_slack(standin: SlackApiStandin) -> None:
    commands = FakeCommands(TextReply(text="Status: 1 subscription"))
    bot = SlackBot(commands, make_settings(standin, admins=("U0LISTED",)))
    run(dispatch(bot, signed_command(standin, "/digest", "status", user_id="U0LISTED")))
    assert commands.calls[0][2].is_admin is True
    assert standin.calls_to("users.info") == []


def test_users_info_failure_means_no_admin(standin: SlackApiStandin) -> None:
    commands = FakeCommands()
    standin.fail("users.info", "missing_scope")
    bot = SlackBot(commands, make_settings(standin))
    run(dispatch(bot, signed_command(standin, "/digest", "status")))
    assert commands.calls[0][2].is_admin is False


def test_lookups_never_ask_for_admin_rights(standin: SlackApiStandin) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    run(dispatch(bot, signed_command(standin, "/search", "tts")))
    assert commands.calls[0][2].is_admin is False
    assert standin.calls_to("users.info") == []


# --- timing and delivery ----------------------------------------------------------------


def test_core_runs_off_the_event_loop(standin: SlackApiStandin) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    run(dispatch(bot, signed_command(standin, "/release", "x")))
    assert threading.main_thread().name not in commands.threads


def test_slow_command_is_acked_at_once_then_answered_via_response_url(
    standin: SlackApiStandin,
) -> None:
    commands = FakeCommands(TextReply(text="finally"), delay=0.6)
    bot = SlackBot(commands, make_settings(standin), reply_budget=0.1)

    async def go() -> tuple[BoltResponse, float]:
        started = time.perf_counter()
        response = await bot.app.async_dispatch(signed_command(standin, "/tldr", ""))
        acked = time.perf_counter() - started
        await bot.drain()
        return response, acked

    response, acked = run(go())
    assert acked < 0.5
    assert "Working on /tldr" in json.dumps(ack_body(response))
    [call] = standin.calls_to("response_url")
    assert call.data["response_type"] == "ephemeral"
    assert "finally" in json.dumps(call.data)


def test_multi_message_reply_goes_through_response_url_in_order(standin: SlackApiStandin) -> None:
    bot = SlackBot(FakeCommands(DigestReply(digest=big_digest())), make_settings(standin))
    response = run(dispatch(bot, signed_command(standin, "/tldr", "")))
    assert response.status == 200 and not response.body
    calls = standin.calls_to("response_url")
    assert 1 < len(calls) <= 5
    for n, call in enumerate(calls, start=1):
        assert f"part {n} of " in call.data["text"]
        assert call.data["response_type"] == "ephemeral"
    assert standin.violations == []


def test_reply_longer_than_five_messages_is_cut_with_a_note(standin: SlackApiStandin) -> None:
    bot = SlackBot(FakeCommands(DigestReply(digest=big_digest(1200))), make_settings(standin))
    run(dispatch(bot, signed_command(standin, "/tldr", "")))
    calls = standin.calls_to("response_url")
    assert len(calls) == 5
    assert "Showing 5 of" in json.dumps(calls[-1].data)
    assert calls[-1].data["blocks"][-1]["type"] == "actions"  # the share button is kept
    assert standin.violations == []


def test_shared_long_reply_leaves_a_use_of_the_response_url_for_deleting(
    standin: SlackApiStandin,
) -> None:
    bot = SlackBot(FakeCommands(DigestReply(digest=big_digest(1200))), make_settings(standin))
    value = Share("tldr", "").value()
    assert value is not None
    run(dispatch(bot, signed_button(standin, value)))
    calls = standin.calls_to("response_url")
    assert len(calls) == 5
    assert [c.data.get("response_type") for c in calls[:4]] == ["in_channel"] * 4
    assert "Showing 4 of" in json.dumps(calls[3].data)
    assert calls[4].data.get("delete_original") is True
    assert standin.violations == []


def test_core_crash_becomes_a_polite_error(
    standin: SlackApiStandin, caplog: pytest.LogCaptureFixture
) -> None:
    bot = SlackBot(FakeCommands(crash=True), make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/release", "x"))))
    text = json.dumps(body)
    assert "something went wrong" in text and "boom" not in text
    assert "xoxb-test-token" not in caplog.text and SECRET not in caplog.text


def test_failing_response_url_is_logged_not_raised(
    standin: SlackApiStandin, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail("response_url", "expired_url", status=404, times=5)
    bot = SlackBot(FakeCommands(DigestReply(digest=big_digest())), make_settings(standin))
    assert run(dispatch(bot, signed_command(standin, "/tldr", ""))).status == 200
    assert len(standin.calls_to("response_url")) == 1  # stops at the first failure
    assert "response_url answered 404" in caplog.text


# --- sharing -------------------------------------------------------------------------------


def signed_button(standin: SlackApiStandin, value: str) -> AsyncBoltRequest:
    body = SlackSigner.button_body(
        SHARE_ACTION_ID, value, response_url=standin.response_url("share")
    )
    return SlackSigner(SECRET).request(body)


def test_share_button_reposts_in_channel(standin: SlackApiStandin, engine: Any) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    value = Share("release", "kokoro").value()
    assert value is not None
    response = run(dispatch(bot, signed_button(standin, value)))
    assert response.status == 200
    shared, deleted = standin.calls_to("response_url")
    assert shared.data["response_type"] == "in_channel"
    assert shared.data["replace_original"] is False
    assert "kokoro" in json.dumps(shared.data).lower()
    assert all(b["type"] != "actions" for b in shared.data["blocks"])
    assert find_pings(shared.data) == ["<@U0USER>"]  # "Shared by" names the sharer, nobody else
    assert deleted.data == {"text": "", "delete_original": True}
    assert standin.violations == []


@pytest.mark.parametrize("value", ['{"c": "digest", "t": "unsubscribe"}', "garbage"])
def test_share_button_with_a_bad_value_does_nothing(standin: SlackApiStandin, value: str) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    assert run(dispatch(bot, signed_button(standin, value))).status == 200
    assert commands.calls == []
    assert standin.calls_to("response_url") == []


def test_share_button_is_verified_too(standin: SlackApiStandin) -> None:
    commands = FakeCommands()
    bot = SlackBot(commands, make_settings(standin))
    request = signed_button(standin, '{"c": "release", "t": "x"}')
    request.headers["x-slack-signature"] = ["v0=" + "1" * 64]
    assert run(dispatch(bot, request)).status == 401
    assert commands.calls == []


def test_timeline_uploads_the_picture_with_its_alt_text(
    standin: SlackApiStandin, engine: Any
) -> None:
    commands = Commands(engine)
    commands.handle("timeline", "kokoro", CommandContext(platform="slack"))  # import matplotlib
    bot = SlackBot(commands, make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/timeline", "kokoro"))))
    assert body["response_type"] == "ephemeral"
    assert "Kokoro releases" in body["text"]
    methods = [c.method for c in standin.calls]
    assert methods[-3:] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [stored] = standin.files.values()
    assert stored["data"].startswith(b"\x89PNG\r\n\x1a\n")
    assert stored["filename"] == "kokoro-releases.png"
    assert stored["alt_txt"].startswith("Timeline of the Kokoro family: ")
    assert stored["title"] == "Kokoro releases" and stored["channel"] == "C0CHAN"
    assert standin.calls_to("response_url") == []  # nothing went wrong to tell
    assert standin.violations == []


def test_timeline_outside_the_bots_channels_is_explained_privately(
    standin: SlackApiStandin, engine: Any
) -> None:
    standin.fail("files.completeUploadExternal", "not_in_channel")
    bot = SlackBot(Commands(engine), make_settings(standin))
    run(dispatch(bot, signed_command(standin, "/timeline", "kokoro")))
    [call] = standin.calls_to("response_url")
    assert call.data["response_type"] == "ephemeral"
    assert "/invite" in json.dumps(call.data)


def test_unknown_timeline_is_a_private_error(standin: SlackApiStandin, engine: Any) -> None:
    bot = SlackBot(Commands(engine), make_settings(standin))
    body = ack_body(run(dispatch(bot, signed_command(standin, "/timeline", "zzqx"))))
    assert body["response_type"] == "ephemeral"
    assert "No release family" in json.dumps(body["blocks"])
    assert not any(c.method.startswith("files.") for c in standin.calls)
