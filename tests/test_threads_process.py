"""Killed with SIGKILL mid-thread and started again, a threaded post resumes inside its thread.

The real ``digestbot run`` runs as a subprocess on a real SQLite file with a
weekly subscription that posts threads (``--threads``), to the Slack and
Discord stand-ins (real slack_sdk and discord.py in the process).  The
digest (three sections of 40 releases) is a parent message and a reply (or
two) per section.  A request is held by the stand-in, the process killed,
the held request dropped (its client is gone: never posted), and a second
process started: it takes the dead process's claim over and resumes with
the ids the ledger recorded, the parent's first.  Each case ends with one
parent, one thread, every reply once and in order, and the ledger holding
exactly those ids.

* killed between two replies (Slack, a Discord text channel, a Discord forum);
* Discord: killed while the thread's start was held (parent out, no thread
  yet): the resumed post starts it on the recorded parent;
* Discord: killed after the thread was started, before the first reply:
  starting it again is refused with 160004, and the replies go into it.

Waits are on the stand-ins and the ledger (and the poster's log lines),
never fixed sleeps.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.thread_render import render_thread as discord_thread
from adapters.slack.threads import render_thread as slack_thread
from bot.config import ScheduleSettings, Settings
from bot.engine import make_engine
from bot.schedule.subscriptions import Subscriptions, build
from bot.store.sqlite import Store
from bot.timing import DAYS
from tests.standins import runlog
from tests.standins.discord_api import DiscordStandIn
from tests.standins.hold import Hold
from tests.standins.slack_api import LoopThread, SlackApiStandin
from tests.test_run_process_platforms import (
    DISCORD_CHANNEL,
    SLACK_CHANNEL,
    SLACK_TOKEN,
    SUB,
    WAIT,
    Setup,
    finish,
    held,
    kill,
    launch,
    ledger,
    posted,
    wait_until,
)

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
    pytest.mark.timeout(90),
]

SECTIONS = ("Open Source LLMs", "Vision & Video", "Voice & Audio")
PER_SECTION = 40
TITLE = "Threaded Weekly - Jan 16"


@dataclass(frozen=True)
class Posted:
    """A message the platform accepted, as the test compares it."""

    id: str
    thread: str | None  # the parent it replies in (None: the parent itself)
    fingerprint: str


class SlackSide:
    name = "slack"
    target = f"slack:{SLACK_CHANNEL}"
    secret = SLACK_TOKEN

    def __init__(self, standin: SlackApiStandin) -> None:
        self.standin = standin
        self.env = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_API_URL": standin.api_url}

    def hold_reply(self, *, after: int) -> Hold:
        return self.standin.hold("chat.postMessage", after=after, limit=WAIT)

    def messages(self) -> list[Posted]:
        out = []
        for call in self.standin.messages(SLACK_CHANNEL):
            assert call.response is not None
            thread = call.data.get("thread_ts") or None
            if thread is not None:  # Slack's answer says which thread the reply is in
                assert call.response["message"]["thread_ts"] == thread
            out.append(Posted(str(call.response["ts"]), thread, _fingerprint(call.data)))
        return out

    def threads(self) -> list[str]:
        return sorted({m.thread for m in self.messages() if m.thread})

    def rendered(self, digest: Any) -> list[str]:
        return [_fingerprint(m) for m in slack_thread(digest)]

    def problems(self) -> list[str]:
        return self.standin.violations + self.standin.pings


class DiscordSide:
    name = "discord"
    target = f"discord:{DISCORD_CHANNEL}"

    def __init__(self, standin: DiscordStandIn) -> None:
        self.standin = standin
        self.secret = standin.token
        self.env = {
            "DISCORD_TOKEN": standin.token,
            "DISCORD_API_URL": standin.api_url,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
        }

    def hold_reply(self, *, after: int) -> Hold:
        # Any channel's messages: the parent's channel and the thread (whose id comes later).
        return self.standin.hold("POST", "/channels/*/messages", after=after, limit=WAIT)

    def hold_thread_start(self) -> Hold:
        return self.standin.hold("POST", "/channels/*/messages/*/threads", limit=WAIT)

    def messages(self) -> list[Posted]:
        out = []
        parents = list(self.standin.channel_messages.get(DISCORD_CHANNEL, []))
        for parent in parents:
            out.append(Posted(str(parent["id"]), None, _fingerprint(parent)))
            for reply in list(self.standin.channel_messages.get(str(parent["id"]), [])):
                out.append(Posted(str(reply["id"]), str(parent["id"]), _fingerprint(reply)))
        return out

    def threads(self) -> list[str]:
        return sorted(self.standin.threads)

    def rendered(self, digest: Any) -> list[str]:
        return [_fingerprint(p) for p in discord_thread(digest)]

    def problems(self) -> list[str]:
        return list(self.standin.violations)


class ForumSide(DiscordSide):
    """A Discord forum channel: the parent is the first message of a forum post."""

    name = "discord-forum"

    def __init__(self, standin: DiscordStandIn) -> None:
        super().__init__(standin)
        standin.forum_channels.add(DISCORD_CHANNEL)

    def hold_reply(self, *, after: int) -> Hold:
        # The parent is no channel message here (it comes with the forum post).
        return self.standin.hold("POST", "/channels/*/messages", after=after - 1, limit=WAIT)

    def messages(self) -> list[Posted]:
        assert self.standin.channel_messages.get(DISCORD_CHANNEL, []) == []  # a forum takes none
        out = []
        for thread_id in list(self.standin.threads):
            first, *replies = list(self.standin.channel_messages[thread_id])
            assert str(first["id"]) == thread_id  # the post's first message is the parent
            out.append(Posted(thread_id, None, _fingerprint(first)))
            out += [Posted(str(r["id"]), thread_id, _fingerprint(r)) for r in replies]
        return out


def _fingerprint(body: dict[str, Any]) -> str:
    """What a message shows: Slack blocks, or Discord embeds' titles and texts."""
    if "blocks" in body:
        return repr(body["blocks"])
    return repr([(e.get("title"), e.get("description")) for e in body.get("embeds") or []])


@pytest.fixture
def slack() -> Iterator[SlackSide]:
    with SlackApiStandin() as standin:
        yield SlackSide(standin)


@pytest.fixture
def discord() -> Iterator[DiscordSide]:
    loop = LoopThread()
    standin = DiscordStandIn()
    try:
        loop.run(standin.start())
        yield DiscordSide(standin)
    finally:
        loop.run(standin.close())
        loop.close()


@pytest.fixture
def forum() -> Iterator[ForumSide]:
    loop = LoopThread()
    standin = DiscordStandIn()
    try:
        loop.run(standin.start())
        yield ForumSide(standin)
    finally:
        loop.run(standin.close())
        loop.close()


@pytest.fixture(params=["slack", "discord", "forum"])
def side(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


def sectioned_feed(path: Path) -> Path:
    """One episode listing ``PER_SECTION`` releases under each of ``SECTIONS``."""
    body = ""
    for s, section in enumerate(SECTIONS):
        body += f"<p>* <strong>{section.replace('&', '&amp;')}</strong></p>"
        body += "".join(
            f"<p>* Release {s}-{i} - a model that does thing number {i} rather well"
            f' (<a href="https://example.org/r{s}-{i}">Blog</a>)</p>'
            for i in range(PER_SECTION)
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0"><channel><title>Threaded Weekly</title>'
        "<link>https://example.org/tw</link><description>Sections.</description>"
        f"<item><title>{TITLE}</title><link>https://example.org/p/tw-jan-16</link>"
        "<guid>tw-jan-16</guid><pubDate>Thu, 16 Jan 2025 17:00:00 GMT</pubDate>"
        "<description><![CDATA[<p>Intro.</p><p>TL;DR and Show Notes</p>"
        f"{body}]]></description></item></channel></rss>",
        encoding="utf-8",
    )
    return path


def prepare(tmp_path: Path, side: Any) -> Setup:
    """The feed ingested and one threaded weekly subscription to ``side``, due 5 min ago."""
    db = tmp_path / "run.db"
    feed = sectioned_feed(tmp_path / "tw.rss")
    slot = datetime.now(UTC) - timedelta(minutes=5)
    engine = make_engine(Settings(), db_path=db)
    try:
        engine.ingest(str(feed))
    finally:
        engine.close()
    store = Store(db)
    try:
        Subscriptions(store).add(
            build(
                side.target,
                created_at=slot - timedelta(days=14),
                defaults=ScheduleSettings(),
                default_zone="UTC",
                day=DAYS[slot.weekday()],
                time=f"{slot.hour:02d}:{slot.minute:02d}",
                sub_id=SUB,
                threads=True,
            )
        )
    finally:
        store.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'feeds = ["{feed}"]\n'
        'timezone = "UTC"\n'
        "[schedule]\n"
        "sweep_seconds = 1\n"
        "claim_lease_minutes = 10\n"  # long: a dead local owner must be detected, not waited out
        "shutdown_seconds = 1\n",
        encoding="utf-8",
    )
    return Setup(db, config, tmp_path / "run.log", side)


def expected(setup: Setup, side: Any) -> list[str]:
    """The threaded post of the ledger's episodes as the platform's renderer writes it."""
    engine = make_engine(Settings(), db_path=setup.db)
    try:
        ids = ledger(setup.db)["episodes"]
        episodes = [engine.store.episode(e) for e in ids]
        digest = engine.digest([e for e in episodes if e is not None])
    finally:
        engine.close()
    return list(side.rendered(digest))


def restart_and_finish(setup: Setup) -> str:
    """A second ``run`` until the post is recorded and two more sweeps passed; its log."""
    second = launch(setup, "run")
    try:
        posted(setup)
        runlog.wait_for_sweeps(setup.log, 2)  # two more sweeps: nothing may be posted again
        assert finish(second) == 0
    finally:
        finish(second)
    output = setup.log.read_text(errors="replace")
    assert setup.platform.secret not in output
    assert "taking over the post of s0" in output and "resuming the post of" in output
    return output


def check_one_thread(setup: Setup, side: Any) -> None:
    """One parent, one thread, every reply once, in order, in it; the ledger says just that."""
    messages = side.messages()
    parents = [m for m in messages if m.thread is None]
    assert len(parents) == 1, messages
    parent = parents[0]
    assert side.threads() == [parent.id]
    assert all(m.thread == parent.id for m in messages[1:])
    assert len({m.id for m in messages}) == len(messages)
    assert [m.fingerprint for m in messages] == expected(setup, side)
    row = ledger(setup.db)
    assert row["state"] == "posted" and row["attempts"] == 2
    assert row["message_ids"] == [m.id for m in messages]  # the parent's id first
    assert len(messages) >= 1 + len(SECTIONS)
    assert side.problems() == []


def test_killed_between_two_replies_resumes_inside_the_same_thread(
    tmp_path: Path, side: Any
) -> None:
    setup = prepare(tmp_path, side)
    hold = side.hold_reply(after=2)  # the parent and the first reply go out, the second is held

    first = launch(setup, "run")
    try:
        held(hold, setup)
        sent = side.messages()
        assert len(sent) == 2 and sent[1].thread == sent[0].id
        wait_until(
            setup,
            lambda: ledger(setup.db).get("message_ids") == [m.id for m in sent],
            "the ledger to record the parent and the first reply",
        )
    finally:
        code = kill(first)
    assert code == -signal.SIGKILL
    assert hold.wait_outcome(5) == "dropped"  # never posted
    assert side.messages() == sent

    output = restart_and_finish(setup)
    assert "after 2 message(s) already accepted" in output
    check_one_thread(setup, side)


def test_discord_killed_before_its_thread_starts_it_on_the_recorded_parent(
    tmp_path: Path, discord: DiscordSide
) -> None:
    setup = prepare(tmp_path, discord)
    hold = discord.hold_thread_start()

    first = launch(setup, "run")
    try:
        held(hold, setup)
        [parent] = discord.messages()
        wait_until(
            setup,
            lambda: ledger(setup.db).get("message_ids") == [parent.id],
            "the ledger to record the parent",
        )
    finally:
        kill(first)
    assert hold.wait_outcome(5) == "dropped"
    assert discord.threads() == []  # the thread was never started

    restart_and_finish(setup)
    check_one_thread(setup, discord)


def test_discord_killed_after_its_thread_started_replies_in_that_thread(
    tmp_path: Path, discord: DiscordSide
) -> None:
    setup = prepare(tmp_path, discord)
    hold = discord.hold_reply(after=1)  # the parent goes out, the thread starts, a reply is held

    first = launch(setup, "run")
    try:
        held(hold, setup)
        [parent] = discord.messages()
        assert discord.threads() == [parent.id]
        wait_until(
            setup,
            lambda: ledger(setup.db).get("message_ids") == [parent.id],
            "the ledger to record the parent",
        )
    finally:
        kill(first)
    assert hold.wait_outcome(5) == "dropped"

    restart_and_finish(setup)
    starts = [r for r in discord.standin.requests if r[1].endswith(f"/{parent.id}/threads")]
    assert len(starts) == 2  # asked again after the restart; Discord said it exists (160004)
    check_one_thread(setup, discord)
