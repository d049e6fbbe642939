"""Killed mid-post and started again, digestbot posts each digest to Slack and Discord once.

The real ``digestbot run`` (and ``digestbot post ID``) runs as a subprocess on
a real SQLite file, posting to the Slack and Discord stand-ins, which run in
this process on loopback.  The digest (one synthetic episode of 150 releases)
takes several messages on both platforms: Slack a top-level message and
replies in its thread, Discord consecutive channel messages.

What the ledger covers (see ``bot/schedule/ledger.py``): a post is claimed in
a ``BEGIN IMMEDIATE`` transaction before anything is sent, and recorded as
``posted`` after the platform accepted its last message.  A claim left by a
process that died on this host is taken over at once by the next run (the
lease here is 10 minutes, so only that detection can explain a prompt repost).

* Killed while the platform holds the digest's first message, not yet
  accepted: nothing reached the channel, the claim is taken over and the
  digest is posted exactly once (``test_killed_before_the_platform_accepts...``).
* Killed after two messages, the episode edited and re-ingested, restarted:
  the post sends the rest of the digest it began (kept in the ledger), not a
  digest composed again from the edited episode
  (``test_a_post_resumed_after_its_episode_was_edited...``).
* Killed after the platform accepted part of the digest (its first message):
  the poster records each message's id in the ledger as the platform
  accepts it, so the next run takes the claim over with that id and resumes
  after it (Slack: the rest still go into the first message's thread).  The
  digest appears exactly once, no message twice
  (``test_killed_after_the_platform_accepted...``).
* Killed after the platform accepted a message but before its id reached the
  ledger (a worker thread's write, milliseconds): the at-least-once window.
  Slack's ``chat.postMessage`` takes no idempotency key, so that message is
  posted again; on Discord the message's ``nonce`` (with ``enforce_nonce``)
  gets the existing message back within a few minutes (``test_discord_sink.py``;
  ``bench.bench_schedule`` counts both).  Like the next case it is not
  attempted here: it would pass or fail by timing alone.
* Killed after the platform accepted the last message but before the ledger
  write (a few milliseconds, inside the process): the same window, with the
  whole digest repeated.  Nothing outside the process can stop it at that
  point (the stand-in's answer is the last thing the test controls), so that
  kill is not attempted here: it would pass or fail by timing alone.

A held request whose client is killed is *dropped* by the stand-in (see
``tests/standins/hold.py``): the platform never accepted it, as when a
connection dies before Slack or Discord has the whole request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from adapters.discord.render import render_digest as discord_render
from adapters.slack.render import render_digest as slack_render
from bot.config import ScheduleSettings, Settings
from bot.engine import make_engine
from bot.schedule.subscriptions import Subscriptions, build
from bot.store.sqlite import Store
from bot.timing import DAYS
from tests.standins import runlog
from tests.standins.discord_api import DiscordStandIn
from tests.standins.hold import Hold
from tests.standins.slack_api import LoopThread, SlackApiStandin

ROOT = Path(__file__).resolve().parents[1]
WAIT = 20.0  # longest wait for anything; a test that hits it has failed, not hung

SLACK_TOKEN = "xoxb-crash-test-secret-token"
SLACK_CHANNEL = "C0123ABCD"
DISCORD_CHANNEL = "123456789012345678"
SUB = "s0"
ITEMS = 150
TITLE = "Long Weekly - Jan 16"

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
    pytest.mark.timeout(60),
]


# --- the platforms, as the tests see them ----------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message the platform accepted."""

    id: str
    header: str | None  # the digest title when this message starts a digest
    thread: str | None  # Slack: the message it replies to
    fingerprint: str  # what it shows, to compare with the rendered digest


class Platform(Protocol):
    name: str
    target: str
    env: dict[str, str]
    secret: str

    def hold_message(self, *, after: int) -> Hold: ...

    def messages(self) -> list[Message]: ...

    def problems(self) -> list[str]: ...

    def rendered(self, digest: Any) -> list[str]: ...


class Slack:
    name = "slack"
    target = f"slack:{SLACK_CHANNEL}"
    secret = SLACK_TOKEN

    def __init__(self, standin: SlackApiStandin) -> None:
        self.standin = standin
        self.env = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_API_URL": standin.api_url}

    def hold_message(self, *, after: int) -> Hold:
        return self.standin.hold("chat.postMessage", after=after, limit=WAIT)

    def messages(self) -> list[Message]:
        out = []
        for call in self.standin.messages(SLACK_CHANNEL):
            assert call.response is not None
            first = call.data["blocks"][0]
            header = first["text"]["text"] if first["type"] == "header" else None
            out.append(
                Message(
                    str(call.response["ts"]),
                    header,
                    call.data.get("thread_ts"),
                    _slack_fingerprint(call.data["text"], call.data["blocks"]),
                )
            )
        return out

    def problems(self) -> list[str]:
        return self.standin.violations + self.standin.pings

    def rendered(self, digest: Any) -> list[str]:
        return [_slack_fingerprint(m["text"], m["blocks"]) for m in slack_render(digest)]


def _slack_fingerprint(text: str, blocks: list[dict[str, Any]]) -> str:
    return json.dumps([text, blocks], sort_keys=True)


class Discord:
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

    def hold_message(self, *, after: int) -> Hold:
        path = f"/channels/{DISCORD_CHANNEL}/messages"
        return self.standin.hold("POST", path, after=after, limit=WAIT)

    def messages(self) -> list[Message]:
        out = []
        for body in list(self.standin.channel_messages.get(DISCORD_CHANNEL, [])):
            assert body["allowed_mentions"] == {"parse": []}  # pings nobody
            embeds = body.get("embeds") or []
            header = embeds[0].get("title") if embeds else None
            out.append(
                Message(
                    str(body["id"]),
                    header if header == TITLE else None,
                    None,
                    _discord_fingerprint(body),
                )
            )
        return out

    def problems(self) -> list[str]:
        return list(self.standin.violations)

    def rendered(self, digest: Any) -> list[str]:
        return [_discord_fingerprint(p) for p in discord_render(digest)]


def _discord_fingerprint(body: dict[str, Any]) -> str:
    return json.dumps(
        [(e.get("title"), e.get("description")) for e in body.get("embeds") or []],
        sort_keys=True,
    )


@pytest.fixture
def slack() -> Iterator[Slack]:
    with SlackApiStandin() as standin:
        yield Slack(standin)


@pytest.fixture
def discord() -> Iterator[Discord]:
    loop = LoopThread()
    standin = DiscordStandIn()
    try:
        loop.run(standin.start())
        yield Discord(standin)
    finally:
        loop.run(standin.close())
        loop.close()


@pytest.fixture(params=["slack", "discord"])
def platform(request: pytest.FixtureRequest) -> Platform:
    chosen: Platform = request.getfixturevalue(request.param)
    return chosen


# --- the process ---------------------------------------------------------------------------


def long_feed(path: Path, *, items: int = ITEMS, added: int = 0) -> Path:
    """A feed whose one episode lists ``items`` releases: a digest of several messages.

    ``added``: the episode as edited later, with that many releases added at the top.
    """
    bullets = "".join(
        f"<p>* Added {i} - a release the hosts added to the notes afterwards"
        f' (<a href="https://example.org/a{i}">Blog</a>)</p>'
        for i in range(added)
    ) + "".join(
        f"<p>* Release {i} - a model that does thing number {i} rather well"
        f' (<a href="https://example.org/r{i}">Blog</a>)</p>'
        for i in range(items)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0"><channel><title>Long Weekly</title>'
        "<link>https://example.org/long</link><description>A long one.</description>"
        f"<item><title>{TITLE}</title><link>https://example.org/p/long-jan-16</link>"
        "<guid>long-jan-16</guid><pubDate>Thu, 16 Jan 2025 17:00:00 GMT</pubDate>"
        "<description><![CDATA[<p>Intro.</p><p>TL;DR and Show Notes</p>"
        f"<p>* <strong>Open Source LLMs</strong></p>{bullets}]]></description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    return path


@dataclass
class Setup:
    db: Path
    config: Path
    log: Path
    platform: Platform


def prepare(tmp_path: Path, platform: Platform, *, items: int = ITEMS) -> Setup:
    """A database with the long feed and one weekly subscription to ``platform`` due 5 min ago."""
    db = tmp_path / "run.db"
    feed = long_feed(tmp_path / "long.rss", items=items)
    slot = datetime.now(UTC) - timedelta(minutes=5)
    engine = make_engine(Settings(), db_path=db)  # ingested already: `post` reads no feed
    try:
        engine.ingest(str(feed))
    finally:
        engine.close()
    store = Store(db)
    try:
        Subscriptions(store).add(
            build(
                platform.target,
                created_at=slot - timedelta(days=14),
                defaults=ScheduleSettings(),
                default_zone="UTC",
                day=DAYS[slot.weekday()],
                time=f"{slot.hour:02d}:{slot.minute:02d}",
                sub_id=SUB,
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
    return Setup(db, config, tmp_path / "run.log", platform)


def command(setup: Setup, *args: str) -> list[str]:
    """``digestbot --db DB --config CONFIG ARGS...``"""
    db, config = str(setup.db), str(setup.config)
    return runlog.command("--db", db, "--config", config, *args)


def environment(setup: Setup) -> dict[str, str]:
    """This environment without digestbot's settings, plus the platform's credentials."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DIGESTBOT_", "SLACK_", "DISCORD_"))
    }
    env.update(setup.platform.env)
    env.update(PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


def launch(setup: Setup, *args: str) -> subprocess.Popen[bytes]:
    """``digestbot ... ARGS`` in the background, its output appended to the log."""
    with setup.log.open("ab") as out:
        return subprocess.Popen(
            command(setup, *args),
            cwd=ROOT,
            env=environment(setup),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def held(hold: Hold, setup: Setup) -> None:
    """Wait for the held request to arrive; fail with the process's output if it does not."""
    try:
        hold.wait_arrived(WAIT)
    except TimeoutError:
        pytest.fail("nothing was held; the output was:\n" + setup.log.read_text(errors="replace"))


def finish(proc: subprocess.Popen[bytes], sig: int | None = signal.SIGTERM) -> int:
    """Send ``sig`` (None: none, just wait) and reap ``proc``; SIGKILL it if it lingers."""
    if sig is not None and proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def kill(proc: subprocess.Popen[bytes]) -> int:
    """SIGKILL: no handler, no cleanup, the claim stays in the ledger."""
    return finish(proc, signal.SIGKILL)


def ledger(db: Path) -> dict[str, Any]:
    """The subscription's one ledger row."""
    store = Store(db)
    try:
        rows = store.query(
            "SELECT state, attempts, owner, message_ids, episodes FROM posts"
            " WHERE subscription_id = ?",
            (SUB,),
        )
    finally:
        store.close()
    assert len(rows) <= 1, rows
    if not rows:
        return {}
    state, attempts, owner, message_ids, episodes = rows[0]
    return {
        "state": state,
        "attempts": attempts,
        "owner": owner,
        "message_ids": json.loads(message_ids),
        "episodes": json.loads(episodes),
    }


def wait_until(setup: Setup, predicate: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            output = setup.log.read_text(errors="replace")
            pytest.fail(f"timed out waiting for {what}; the output was:\n{output}")
        time.sleep(0.02)


def posted(setup: Setup) -> None:
    wait_until(setup, lambda: ledger(setup.db).get("state") == "posted", "the ledger to say posted")


def expected(setup: Setup, episode_ids: list[str]) -> list[str]:
    """The digest of the ledger's episodes as the platform's renderer writes it."""
    engine = make_engine(Settings(), db_path=setup.db)
    try:
        episodes = [engine.store.episode(e) for e in episode_ids]
        digest = engine.digest([e for e in episodes if e is not None])
    finally:
        engine.close()
    return setup.platform.rendered(digest)


def digests(messages: list[Message]) -> list[list[Message]]:
    """The messages grouped by the digest each belongs to (a header starts one)."""
    groups: list[list[Message]] = []
    for message in messages:
        if message.header is not None:
            groups.append([message])
        else:
            assert groups, "a digest's continuation came before its first message"
            groups[-1].append(message)
    return groups


def check_one_complete_digest(setup: Setup, group: list[Message], row: dict[str, Any]) -> None:
    """``group`` is the whole digest, in order, and the ledger recorded exactly its messages."""
    assert [m.fingerprint for m in group] == expected(setup, row["episodes"])
    assert row["message_ids"] == [m.id for m in group]
    root = group[0]
    if setup.platform.name == "slack":  # the rest continue in the first message's thread
        assert root.thread is None and all(m.thread == root.id for m in group[1:])


def check_log(setup: Setup) -> str:
    output = setup.log.read_text(errors="replace")
    assert setup.platform.secret not in output
    assert "taking over the post of s0" in output and "ended with that process" in output
    return output


# --- killed while the platform holds the first message ----------------------------------------


@pytest.mark.parametrize("cli", ["run", "post"])
def test_killed_before_the_platform_accepts_posts_the_digest_exactly_once(
    tmp_path: Path, platform: Platform, cli: str
) -> None:
    setup = prepare(tmp_path, platform)
    args = ("run",) if cli == "run" else ("post", SUB)
    hold = platform.hold_message(after=0)  # the platform takes the first message, holds it

    first = launch(setup, *args)
    try:
        held(hold, setup)
        assert ledger(setup.db)["state"] == "claimed"
    finally:
        code = kill(first)  # in the middle of posting: the first message is still unanswered
    assert code == -signal.SIGKILL
    assert hold.wait_outcome(5) == "dropped"  # its client is gone: the platform never posted it
    assert platform.messages() == []
    claimed = ledger(setup.db)
    assert claimed["state"] == "claimed" and claimed["owner"].split(":")[1] == str(first.pid)

    second = launch(setup, *args)
    try:
        posted(setup)
        if cli == "run":
            runlog.wait_for_sweeps(setup.log, 2)  # two more sweeps: nothing may be posted again
            assert finish(second) == 0
        else:
            assert finish(second, None) == 0
    finally:
        finish(second)
    if cli == "post":  # and a third call says it is done
        third = subprocess.run(
            command(setup, "post", SUB),
            cwd=ROOT,
            env=environment(setup),
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert third.returncode == 0, third.stderr
        assert "already posted" in third.stdout
        assert platform.secret not in third.stdout + third.stderr
    output = check_log(setup)

    messages = platform.messages()
    [digest] = digests(messages)  # exactly one digest: one header
    assert len(digest) > 1  # several messages, all posted once
    row = ledger(setup.db)
    assert row["state"] == "posted" and row["attempts"] == 2, output
    check_one_complete_digest(setup, digest, row)
    assert platform.problems() == []  # within the limits, and nothing pings


# --- killed after the platform accepted part of the digest -----------------------------------


def test_killed_after_the_platform_accepted_part_of_the_digest_resumes_it_once(
    tmp_path: Path, platform: Platform
) -> None:
    setup = prepare(tmp_path, platform)
    hold = platform.hold_message(after=1)  # the first message goes through, the second is held

    first = launch(setup, "run")
    try:
        held(hold, setup)
        [accepted_before] = platform.messages()  # the platform has the digest's first message
        # ... and the ledger learns it (a worker thread's write, racing the second request).
        wait_until(
            setup,
            lambda: ledger(setup.db).get("message_ids") == [accepted_before.id],
            "the ledger to record the first message",
        )
    finally:
        code = kill(first)
    assert code == -signal.SIGKILL
    assert hold.wait_outcome(5) == "dropped"
    assert platform.messages() == [accepted_before]
    assert accepted_before.header == TITLE
    killed = ledger(setup.db)
    assert killed["state"] == "claimed" and killed["message_ids"] == [accepted_before.id]

    second = launch(setup, "run")
    try:
        posted(setup)
        runlog.wait_for_sweeps(setup.log, 2)  # two more sweeps: nothing may be posted again
        assert finish(second) == 0
    finally:
        finish(second)
    output = check_log(setup)
    assert "resuming the post of" in output and "after 1 message(s) already accepted" in output

    # Exactly once: the header once, every message once, in order, resumed after the first.
    messages = platform.messages()
    [digest] = digests(messages)
    assert digest[0] == accepted_before and len(digest) > 1
    assert len({m.id for m in messages}) == len(messages)
    assert len({m.fingerprint for m in messages}) == len(messages)  # no message repeated
    row = ledger(setup.db)
    assert row["state"] == "posted" and row["attempts"] == 2, output
    check_one_complete_digest(setup, digest, row)  # Slack: replies in the first's thread
    assert platform.problems() == []


# --- killed mid-post, the episode edited, then resumed ----------------------------------------


def test_a_post_resumed_after_its_episode_was_edited_sends_the_rest_of_what_it_began(
    tmp_path: Path, platform: Platform
) -> None:
    setup = prepare(tmp_path, platform, items=3 * ITEMS)
    hold = platform.hold_message(after=2)  # two messages go through, the third is held

    first = launch(setup, "run")
    try:
        held(hold, setup)
        sent = platform.messages()
        assert len(sent) == 2
        wait_until(
            setup,
            lambda: ledger(setup.db).get("message_ids") == [m.id for m in sent],
            "the ledger to record the first two messages",
        )
    finally:
        kill(first)
    assert hold.wait_outcome(5) == "dropped"
    began = expected(setup, ledger(setup.db)["episodes"])  # the digest as it was rendered
    assert len(began) >= 4

    # The hosts edit the episode: releases added at the top shift every later message.
    long_feed(tmp_path / "long.rss", items=3 * ITEMS, added=40)
    ingest = subprocess.run(
        command(setup, "ingest", str(tmp_path / "long.rss")),
        cwd=ROOT,
        env=environment(setup),
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert expected(setup, ledger(setup.db)["episodes"]) != began

    second = launch(setup, "run")  # reads the (edited) feed before catching up
    try:
        posted(setup)
        assert finish(second) == 0
    finally:
        finish(second)

    # The rest of the digest that was begun: nothing lost, nothing repeated.
    messages = platform.messages()
    assert messages[:2] == sent
    assert [m.fingerprint for m in messages] == began
    assert ledger(setup.db)["message_ids"] == [m.id for m in messages]
    assert platform.problems() == []


# --- the stand-ins' hold ------------------------------------------------------------------------


def _post(platform: Platform, timeout: float) -> httpx.Response:
    if isinstance(platform, Slack):
        return httpx.post(
            platform.standin.api_url + "chat.postMessage",
            json={"channel": SLACK_CHANNEL, "text": "hi"},
            headers={"Authorization": f"Bearer {SLACK_TOKEN}"},
            timeout=timeout,
        )
    assert isinstance(platform, Discord)
    return httpx.post(
        f"{platform.standin.api_url}/channels/{DISCORD_CHANNEL}/messages",
        json={"content": "hi", "allowed_mentions": {"parse": []}},
        headers={"Authorization": f"Bot {platform.standin.token}"},
        timeout=timeout,
    )


def _count(platform: Platform) -> int:
    if isinstance(platform, Slack):
        return len(platform.standin.messages())
    assert isinstance(platform, Discord)
    return len(platform.standin.channel_messages.get(DISCORD_CHANNEL, []))


def test_a_held_request_is_answered_when_released(platform: Platform) -> None:
    hold = platform.hold_message(after=0)
    answers: list[httpx.Response] = []
    client = threading.Thread(target=lambda: answers.append(_post(platform, 10)))
    client.start()
    hold.wait_arrived(5)
    time.sleep(0.1)
    assert _count(platform) == 0 and hold.outcome is None
    hold.release()
    client.join(10)
    assert answers and answers[0].status_code == 200
    assert hold.outcome == "answered" and _count(platform) == 1
    assert _post(platform, 5).status_code == 200 and _count(platform) == 2  # held only once


def test_a_held_request_whose_client_leaves_is_dropped(platform: Platform) -> None:
    hold = platform.hold_message(after=0)
    with pytest.raises(httpx.ReadTimeout):
        _post(platform, 0.3)  # gives up and closes the connection
    assert hold.wait_outcome(5) == "dropped"
    hold.release()
    assert _count(platform) == 0
    if isinstance(platform, Slack):
        assert [c.dropped for c in platform.standin.calls_to("chat.postMessage")] == [True]
    else:
        assert isinstance(platform, Discord)
        assert platform.standin.dropped == [("POST", f"/channels/{DISCORD_CHANNEL}/messages")]
