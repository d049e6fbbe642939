"""Threaded posts (issue 14, point 2): the option, the rendering, and posting into one thread.

The sinks run the real slack_sdk and discord.py clients against the loopback
stand-ins, which speak the thread endpoints as Slack and Discord do
(``chat.postMessage`` with ``thread_ts``; Discord's start-thread and
forum-post endpoints answering with a type 11 channel; a webhook's
``thread_name``/``thread_id``) and check every payload as for any post.
Killed-and-restarted processes are in ``test_threads_process.py``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr

from adapters.discord.client import DigestClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.sink import DiscordSink
from adapters.discord.thread_render import render_thread as discord_thread
from adapters.discord.thread_render import thread_name
from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack.sink import make_slack_sink
from adapters.slack.threads import render_thread as slack_thread
from adapters.webhook.sink import RetryPolicy
from app.cli import main
from bot.commands import CommandContext, Commands
from bot.config import ScheduleSettings, Settings, SlackSettings
from bot.engine import Engine, make_engine
from bot.errors import ConfigError
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef, LeftOut, Link, TextReply
from bot.schedule.admin import DigestAdmin
from bot.schedule.journal import SUFFIX
from bot.schedule.ledger import Claim, Ledger
from bot.schedule.posting import Poster, Sinks
from bot.schedule.subscriptions import Subscriptions, build
from bot.sinks import PostContext, PostError, post_context
from bot.store.schema import MIGRATIONS
from bot.store.sqlite import Store
from bot.targets import parse_target
from bot.threads import check_threads, section_digests, thread_parent
from bot.timing import ManualClock, SystemClock
from tests.standins.discord_api import CHANNEL_ID, DiscordStandIn, Failure, connected
from tests.standins.discord_api import message_violations as discord_violations
from tests.standins.slack_api import SlackApiStandin, check_message, find_pings
from tests.standins.webhook import Reply, WebhookReceiver

T = TypeVar("T")
HOSTILE = "<!channel> @everyone <@U123> *bold* [x](javascript:alert(1))"
SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
EP = EpisodeRef(
    id="ep1",
    title=f"ThursdAI - Jan 9 {HOSTILE}",
    published=datetime(2025, 1, 9, 18, tzinfo=UTC),
    url="https://sub.thursdai.news/p/jan-9",
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def digest(sections: int = 3, items: int = 4, *, title: str = "ThursdAI TL;DR") -> Digest:
    names = ["Open Source LLMs", "Vision & Video", f"Voice {HOSTILE}", "Tools", "Hardware"]
    return Digest(
        title=title,
        episodes=(EP,),
        sections=tuple(
            DigestSection(
                name=names[s],
                items=tuple(
                    DigestItem(
                        name=f"Model {s}.{i} {HOSTILE}",
                        headline=f"Model {s}.{i} {HOSTILE} does things" + " well" * 30,
                        links=(Link(label="HF", url=f"https://hf.co/m{s}-{i}"),),
                    )
                    for i in range(items)
                ),
            )
            for s in range(sections)
        ),
    )


# --- the option ----------------------------------------------------------------------------


def test_only_targets_that_can_thread_accept_the_option() -> None:
    for target in (
        "slack:C0123ABCD",
        "discord:123456789012345678",
        "discord-webhook:https://discord.com/api/webhooks/1/x",
    ):
        check_threads(parse_target(target))
    for target, words in (
        (SLACK_HOOK, "Slack incoming webhooks cannot reply in a thread"),
        ("webhook:https://example.org/x", "one request"),
        ("console", "no threads"),
    ):
        with pytest.raises(ConfigError) as caught:
            build(
                target,
                created_at=datetime.now(UTC),
                defaults=ScheduleSettings(),
                default_zone="UTC",
                threads=True,
            )
        assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n', encoding="utf-8")
    return ["--db", str(tmp_path / "cli.db"), "--config", str(config)]


def test_cli_subscribe_threads(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cli, "subscribe", "slack:C0123ABCD", "--threads"]) == 0
    sub_id = capsys.readouterr().out.strip()
    assert main([*cli, "subscribe", "discord:123456789012345678"]) == 0
    capsys.readouterr()
    assert main([*cli, "subscriptions", "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [(d["id"] == sub_id, d["threads"]) for d in docs] == [(True, True), (False, False)]
    assert main([*cli, "subscriptions"]) == 0
    assert "| threads" in capsys.readouterr().out

    assert main([*cli, "subscribe", SLACK_HOOK, "--threads"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot reply in a thread" in err
    assert "XXXXSECRET" not in err


def test_chat_subscribe_threads_keeps_it_until_switched_off(sample_engine: Engine) -> None:
    admin = DigestAdmin(sample_engine, Settings(), clock=SystemClock())
    commands = Commands(sample_engine, admin=admin)
    subs = Subscriptions(sample_engine.store)

    def ask(platform: str, channel: str, text: str) -> TextReply:
        ctx = CommandContext(platform=platform, channel_id=channel, is_admin=True)
        reply = commands.handle("digest", text, ctx)
        assert isinstance(reply, TextReply)
        return reply

    for platform, channel in (("slack", "C0123ABCD"), ("discord", "123456789012345678")):
        reply = ask(platform, channel, "subscribe threads friday 09:00")
        assert not reply.error and "threads" in reply.text, reply
        [sub] = subs.for_target(f"{platform}:{channel}")
        assert sub.threads and sub.day == 4
        assert not ask(platform, channel, "subscribe --time 10:00").error  # kept
        assert subs.get(sub.id).threads and subs.get(sub.id).time == "10:00"
        assert not ask(platform, channel, "subscribe no-threads").error
        assert not subs.get(sub.id).threads
        assert not ask(platform, channel, "subscribe --threads").error
        assert subs.get(sub.id).threads


def test_config_subscriptions_take_threads(engine: Engine) -> None:
    settings = Settings.model_validate(
        {"subscriptions": [{"target": "slack:C0123ABCD", "threads": True}]}
    )
    [sub], _ = Subscriptions(engine.store).sync_config(settings, now=datetime.now(UTC))
    assert sub.threads and Subscriptions(engine.store).get(sub.id).threads


def test_a_database_from_before_threads_is_migrated_with_threads_off(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for version, script in enumerate(MIGRATIONS[:-1]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version + 1}; COMMIT;")
    db.execute(
        "INSERT INTO subscriptions(id, target, mode, day, time, tz, feeds, sections, keywords,"
        " origin, created_at) VALUES ('s1', 'slack:C0123ABCD', 'weekly', 3, '18:00', 'UTC',"
        " '[]', '[]', '[]', 'cli', '2025-01-01T00:00:00+00:00')"
    )
    db.commit()
    db.close()
    store = Store(path)
    try:
        assert Subscriptions(store).get("s1").threads is False
    finally:
        store.close()


# --- rendering -------------------------------------------------------------------------------


def test_the_parent_counts_sections_and_links_the_archive() -> None:
    whole = digest(3, 4).model_copy(update={"left_out": LeftOut(items=7, sections=("Tools",))})
    parent = thread_parent(whole, base_url="https://digest.example.org/")
    assert [(s.count) for s in parent.sections] == [4, 4, 4] and parent.total == 12
    assert parent.page_url == "https://digest.example.org/episode/ep1"
    assert parent.left_out == 7 and parent.published == EP.published
    assert thread_parent(whole).page_url is None  # no [web] base_url: no archive link
    assert thread_parent(whole).episode_url == EP.url  # ... the show notes instead
    assert "Show notes" in json.dumps(slack_thread(whole)[0])
    assert "Show notes" in json.dumps(discord_thread(whole)[0])
    parts = section_digests(whole)
    assert [p.sections[0].name for p in parts] == [s.name for s in whole.sections]
    assert [p.left_out for p in parts] == [None, None, whole.left_out]


def test_slack_thread_messages_are_valid_and_ping_nobody() -> None:
    messages = slack_thread(digest(3, 40, title=HOSTILE), base_url="https://digest.example.org")
    parent = messages[0]
    assert parent["blocks"][0]["type"] == "header"
    parent_text = json.dumps(parent)
    assert "Open in the web archive" in parent_text and "Vision &amp; Video*: 40" in parent_text
    assert "Model 0.0" not in parent_text  # the parent is short: counts, no releases
    assert len(messages) >= 4  # a reply (or more) per section
    for double in ("&amp;amp;", "&amp;lt;"):  # escaped once, not twice
        assert all(double not in m["text"] for m in messages)
    for message in messages:
        assert check_message(message) == [] and find_pings(message) == []


def test_discord_thread_payloads_are_valid_and_ping_nobody() -> None:
    payloads = discord_thread(digest(3, 40, title=HOSTILE), base_url="https://digest.example.org")
    assert "Open in the web archive" in payloads[0]["embeds"][0]["description"]
    assert len(payloads[0]["embeds"]) == 1 and len(payloads) >= 4
    for payload in payloads:
        assert discord_violations(payload) == []
    name = thread_name(digest(title=HOSTILE + " x" * 200))
    assert len(name) <= 100 and "@everyone" not in name and "<@U123>" not in name


# --- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackApiStandin]:
    with SlackApiStandin() as server:
        yield server


def slack_sink(api_url: str) -> Any:
    settings = SlackSettings(bot_token=SecretStr("xoxb-thread-token"), api_url=api_url)
    return make_slack_sink(settings).threaded("https://digest.example.org")


def test_slack_posts_a_parent_and_a_reply_per_section_in_its_thread(
    slack: SlackApiStandin,
) -> None:
    ids = run(slack_sink(slack.api_url).post_digest("C0NEWS", digest(3, 4)))
    calls = slack.messages("C0NEWS")
    assert [str(c.response["ts"]) for c in calls if c.response] == ids and len(ids) == 4
    parent, *replies = calls
    assert "thread_ts" not in parent.data or parent.data["thread_ts"] is None
    assert all(c.data["thread_ts"] == ids[0] for c in replies)
    assert all(c.response and c.response["message"]["thread_ts"] == ids[0] for c in replies)
    assert [r.data["blocks"][0]["text"]["text"].split("*")[1] for r in replies][:2] == [
        "Open Source LLMs",
        "Vision &amp; Video",
    ]
    assert slack.violations == [] and slack.pings == []


def test_slack_resumes_inside_the_same_thread(slack: SlackApiStandin) -> None:
    sink = slack_sink(slack.api_url)
    slack.fail("chat.postMessage", "service_unavailable", after=2)
    with pytest.raises(PostError) as caught:
        run(sink.post_digest("C0NEWS", digest(4, 4)))
    assert len(caught.value.posted) == 2  # the parent and one reply went out
    parent_ts = caught.value.posted[0]

    ids = run(sink.post_digest("C0NEWS", digest(4, 4), already=caught.value.posted))
    calls = slack.messages("C0NEWS")
    assert len([c for c in calls if not c.data.get("thread_ts")]) == 1  # one parent, ever
    assert ids[0] == parent_ts and len(ids) == len(calls) == 5
    assert all(c.data["thread_ts"] == parent_ts for c in calls[1:])
    assert slack.violations == [] and slack.pings == []


# --- Discord (bot) -----------------------------------------------------------------------------


class NoCore:
    """The sink never touches the core."""


async def with_discord(
    body: Callable[[DiscordSink, DiscordStandIn], Awaitable[None]], *, forum: bool = False
) -> DiscordStandIn:
    async with DiscordStandIn() as standin:
        if forum:
            standin.forum_channels.add(CHANNEL_ID)
        client = DigestClient(
            Commands(NoCore()),  # type: ignore[arg-type]
            endpoints=Endpoints(standin.api_url, standin.gateway_url),
            guild_ready_timeout=0,
        )
        async with connected(client, standin):
            token = post_context.set(PostContext("s1", "2025-W02"))
            try:
                await body(DiscordSink(client).threaded("https://digest.example.org"), standin)
            finally:
                post_context.reset(token)
        assert standin.violations == []
        return standin


def test_discord_starts_a_thread_on_the_parent_and_replies_in_it() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, digest(3, 4))
        [parent] = standin.channel_messages[CHANNEL_ID]  # only the parent in the channel
        assert ids[0] == parent["id"]
        thread = standin.threads[parent["id"]]  # the thread has the parent's id
        assert thread["type"] == 11 and thread["parent_id"] == CHANNEL_ID
        assert thread["name"] == "ThursdAI TL;DR"
        replies = standin.channel_messages[parent["id"]]
        assert [r["id"] for r in replies] == ids[1:] and len(replies) == 3
        assert all(r["allowed_mentions"] == {"parse": []} for r in [parent, *replies])
        assert len({r["nonce"] for r in [parent, *replies]}) == 4  # each its own nonce

    run(with_discord(body))


def test_discord_resumes_a_post_cut_before_its_thread_was_started() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.fail("POST", "/channels/*/messages/*/threads", Failure(503, 0, "oops", times=1))
        with pytest.raises(PostError) as caught:
            await sink.post_digest(CHANNEL_ID, digest(3, 4))
        [parent_id] = caught.value.posted
        assert standin.threads == {}

        ids = await sink.post_digest(CHANNEL_ID, digest(3, 4), already=caught.value.posted)
        assert list(standin.threads) == [parent_id] and ids[0] == parent_id
        assert len(standin.channel_messages[CHANNEL_ID]) == 1
        assert [r["id"] for r in standin.channel_messages[parent_id]] == ids[1:]

    run(with_discord(body))


def test_discord_resumes_in_a_thread_already_started() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        # The thread is started; its first reply fails (as if the process died there).
        standin.fail("POST", "/channels/*/messages", Failure(503, 0, "oops", times=1, after=1))
        with pytest.raises(PostError) as caught:
            await sink.post_digest(CHANNEL_ID, digest(3, 4))
        [parent_id] = caught.value.posted
        assert list(standin.threads) == [parent_id]

        ids = await sink.post_digest(CHANNEL_ID, digest(3, 4), already=caught.value.posted)
        starts = [r for r in standin.requests if r[1].endswith(f"/{parent_id}/threads")]
        assert len(starts) == 2  # asked again, refused with 160004: the same thread
        assert list(standin.threads) == [parent_id]
        assert [r["id"] for r in standin.channel_messages[parent_id]] == ids[1:]
        assert len(ids) == 4

    run(with_discord(body))


def test_discord_forum_channel_gets_a_forum_post() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        ids = await sink.post_digest(CHANNEL_ID, digest(3, 4))
        assert standin.channel_messages[CHANNEL_ID] == []  # nothing posted to the forum itself
        [thread_id] = standin.threads
        assert ids[0] == thread_id and standin.threads[thread_id]["parent_id"] == CHANNEL_ID
        first, *replies = standin.channel_messages[thread_id]
        assert first["id"] == thread_id and "Open in the web archive" in json.dumps(first)
        assert [r["id"] for r in replies] == ids[1:] and len(replies) == 3

    run(with_discord(body, forum=True))


def test_discord_missing_thread_permission_disables_with_the_reason() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.fail(
            "POST", "/channels/*/messages/*/threads", Failure(403, 50013, "Missing Permissions")
        )
        with pytest.raises(PostError) as caught:
            await sink.post_digest(CHANNEL_ID, digest(2, 2))
        assert caught.value.permanent and "Create Public Threads" in caught.value.message
        assert len(caught.value.posted) == 1

    run(with_discord(body))


# --- Discord webhooks --------------------------------------------------------------------------


def test_a_forum_webhook_gets_a_forum_post_and_replies_with_thread_id() -> None:
    with WebhookReceiver() as receiver:
        receiver.forum_paths.add("/api/webhooks/1/tok")
        url = receiver.url("/api/webhooks/1/tok")

        async def go() -> list[str]:
            flat = DiscordWebhookSink()
            try:
                return await flat.threaded(None).post_digest(url, digest(3, 4))
            finally:
                await flat.aclose()

        ids = run(go())
        first, *replies = receiver.accepted()
        assert first.body["thread_name"] == "ThursdAI TL;DR" and "thread_id" not in first.query
        assert ids[0] in receiver.threads  # the parent's id is its forum post's thread
        assert all(f"thread_id={ids[0]}" in r.query for r in replies) and len(replies) == 3
        assert receiver.pings() == [] and receiver.thread_violations == []


def test_a_webhook_resumes_inside_its_forum_post() -> None:
    with WebhookReceiver() as receiver:
        path = "/api/webhooks/2/tok"
        receiver.forum_paths.add(path)
        url = receiver.url(path)
        heard: list[str] = []
        # The parent and a reply go out; then a reply is refused (a 403), so the post stops.
        receiver.script(path, Reply(), Reply(), Reply(403))

        async def go() -> tuple[PostError, list[str]]:
            flat = DiscordWebhookSink()
            sink = flat.threaded(None)
            try:
                with pytest.raises(PostError) as caught:
                    await sink.post_digest(url, digest(3, 4), on_posted=heard.append)
                ids = await sink.post_digest(url, digest(3, 4), already=caught.value.posted)
                return caught.value, ids
            finally:
                await flat.aclose()

        error, ids = run(go())
        assert heard == list(error.posted) and len(heard) == 2
        assert ids[:2] == heard and len(ids) == 4 and len(receiver.threads) == 1
        started = [r for r in receiver.accepted() if "thread_name" in r.body]
        assert len(started) == 1  # one forum post, the rest in it
        assert all(f"thread_id={ids[0]}" in r.query for r in receiver.accepted()[1:])


def test_a_webhook_of_a_text_channel_refuses_threads_and_nothing_is_posted() -> None:
    with WebhookReceiver() as receiver:
        url = receiver.url("/api/webhooks/3/tok")

        async def go() -> None:
            flat = DiscordWebhookSink()
            try:
                await flat.threaded(None).post_digest(url, digest(2, 2))
            finally:
                await flat.aclose()

        with pytest.raises(PostError) as caught:
            run(go())
        assert caught.value.permanent and "forum channels" in caught.value.message
        assert receiver.accepted() == [] and "/tok" not in caught.value.message


# --- the poster --------------------------------------------------------------------------------


def test_the_poster_records_the_parent_first_and_posts_threads_only_when_asked(
    sample_engine: Engine, slack: SlackApiStandin
) -> None:
    subs = Subscriptions(sample_engine.store)
    now = datetime.now(UTC)
    threaded = subs.add(
        build(
            "slack:C0THREADS1", created_at=now, defaults=ScheduleSettings(), default_zone="UTC"
        ).model_copy(update={"threads": True})
    )
    flat = subs.add(
        build("slack:C0FLAT123", created_at=now, defaults=ScheduleSettings(), default_zone="UTC")
    )
    settings = SlackSettings(bot_token=SecretStr("xoxb-thread-token"), api_url=slack.api_url)
    poster = Poster(sample_engine, Sinks({"slack": make_slack_sink(settings)}), clock=SystemClock())

    outcome = run(poster.post_now(threaded.id))
    assert outcome.status == "posted", outcome
    calls = slack.messages("C0THREADS1")
    assert outcome.message_ids[0] == str(calls[0].response["ts"] if calls[0].response else "")
    assert len(calls) > 1 and all(c.data["thread_ts"] == outcome.message_ids[0] for c in calls[1:])
    row = poster.ledger.last_posted(threaded.id)
    assert row is not None and row.message_ids == outcome.message_ids

    assert run(poster.post_now(flat.id)).status == "posted"
    [flat_call] = slack.messages("C0FLAT123")  # the sample digest fits one flat message
    assert "thread_ts" not in flat_call.data or not flat_call.data["thread_ts"]
    assert slack.violations == [] and slack.pings == []


def test_preview_prints_the_parent_then_the_replies(
    cli: list[str], sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli, "ingest", str(sample_feed)]) == 0
    for target in ("slack:C0123ABCD", "discord:123456789012345678"):
        assert main([*cli, "subscribe", target, "--threads"]) == 0
        sub_id = capsys.readouterr().out.strip().splitlines()[-1]
        assert main([*cli, "preview", sub_id]) == 0
        messages = json.loads(capsys.readouterr().out)["messages"]
        assert len(messages) > 2
        if target.startswith("slack"):
            parent = json.dumps(messages[0])
            assert messages[0]["blocks"][0]["type"] == "header" and "in the thread" in parent
            assert all(m["blocks"][0]["type"] != "header" for m in messages[1:])
            assert all(check_message(m) == [] for m in messages)
        else:
            assert "in the thread" in messages[0]["embeds"][0]["description"]
            assert all(discord_violations(m) == [] for m in messages)


def test_a_post_begun_as_a_thread_resumes_as_one_after_threads_are_switched_off(
    sample_engine: Engine, slack: SlackApiStandin
) -> None:
    subs = Subscriptions(sample_engine.store)
    clock = ManualClock(datetime.now(UTC))
    sub = subs.add(
        build(
            "slack:C0THREADS1",
            created_at=clock.now() - timedelta(days=30),
            defaults=ScheduleSettings(),
            default_zone="UTC",
            threads=True,
        )
    )
    settings = SlackSettings(bot_token=SecretStr("xoxb-thread-token"), api_url=slack.api_url)
    poster = Poster(sample_engine, Sinks({"slack": make_slack_sink(settings)}), clock=clock)
    slack.fail("chat.postMessage", "service_unavailable", after=2)
    assert run(poster.post_now(sub.id)).status == "retry"
    assert len(slack.messages("C0THREADS1")) == 2  # the parent and one reply

    subs.add(subs.get(sub.id).model_copy(update={"threads": False}))  # switched off meanwhile
    clock.set(clock.now() + timedelta(hours=1))
    outcome = run(poster.post_now(sub.id))

    assert outcome.status == "posted", outcome
    calls = slack.messages("C0THREADS1")
    parent_ts = outcome.message_ids[0]
    assert [c.data.get("thread_ts") or None for c in calls] == [None] + [parent_ts] * (
        len(calls) - 1
    )
    digest = sample_engine.digest([sample_engine.store.episodes(1)[0]])
    assert [c.data["blocks"] for c in calls] == [m["blocks"] for m in slack_thread(digest)]
    assert slack.violations == [] and slack.pings == []


def test_a_thread_cut_short_while_the_ledger_is_locked_resumes_from_the_sent_journal(
    tmp_path: Path, sample_feed: Path
) -> None:
    from tests.test_schedule_recording import Locker

    db = tmp_path / "journal.db"
    engine = make_engine(Settings(), store=Store(db, busy_timeout=0.1))
    engine.ingest(str(sample_feed))
    clock = ManualClock(datetime.now(UTC))
    settings = ScheduleSettings(ledger_retry_seconds=0.3)
    path = "/api/webhooks/9/tok"
    try:
        with WebhookReceiver() as receiver:
            receiver.forum_paths.add(path)
            sub = Subscriptions(engine.store).add(
                build(
                    f"discord-webhook:{receiver.url(path)}",
                    created_at=clock.now() - timedelta(days=30),
                    defaults=settings,
                    default_zone="UTC",
                    threads=True,
                )
            )
            locker = Locker(db)
            receiver.on_request = locker.lock  # locked the instant the parent arrives
            receiver.script(path, Reply(200), Reply(503))  # the first reply fails

            def evaluate(owner: str) -> Any:
                async def go() -> Any:
                    flat = DiscordWebhookSink(policy=RetryPolicy(retries=0, timeout=5))
                    ledger = Ledger(engine.store, clock=clock, owner=owner)
                    poster = Poster(
                        engine,
                        Sinks({"discord-webhook": flat}),
                        clock=clock,
                        settings=settings,
                        ledger=ledger,
                    )
                    try:
                        return await poster.post_now(sub.id)
                    finally:
                        await flat.aclose()

                return run(go(), 30)

            assert evaluate("thishost:1:first").status == "retry"
            receiver.on_request = None
            [parent] = receiver.accepted()
            [thread_id] = receiver.threads  # the forum post the parent started
            journal = db.with_name(db.name + SUFFIX)
            assert journal.stat().st_size > 0 and str(thread_id) in journal.read_text()
            locker.unlock()

            clock.set(clock.now() + timedelta(hours=1))
            outcome = evaluate("otherhost:2:restarted")
            assert outcome.status == "posted", outcome
            accepted = receiver.accepted()
            assert [r for r in accepted if "thread_name" in r.body] == [parent]  # one parent
            assert all(f"thread_id={thread_id}" in r.query for r in accepted[1:])
            assert outcome.message_ids[0] == thread_id and len(accepted) == len(outcome.message_ids)
            assert receiver.pings() == []
    finally:
        engine.close()


def test_a_config_subscription_with_threads_to_a_slack_webhook_is_one_clear_error(
    engine: Engine,
) -> None:
    settings = Settings.model_validate({"subscriptions": [{"target": SLACK_HOOK, "threads": True}]})
    with pytest.raises(ConfigError) as caught:
        Subscriptions(engine.store).sync_config(settings, now=datetime.now(UTC))
    message = str(caught.value)
    assert "'subscriptions.0'" in message and "cannot reply in a thread" in message
    assert "XXXXSECRET" not in message and "\n" not in message


# --- chat, through the real slack_bolt and discord.py -------------------------------------------


def test_slack_digest_subscribe_threads_through_bolt(
    slack: SlackApiStandin, sample_engine: Engine
) -> None:
    from adapters.slack.app import SlackBot
    from tests.standins.slack_api import SlackSigner
    from tests.test_slack_app import SECRET, ack_body, dispatch, make_settings

    admin = DigestAdmin(sample_engine, Settings(), clock=SystemClock())
    slack.add_user("U0ADMIN", owner=True)
    bot = SlackBot(Commands(sample_engine, admin=admin), make_settings(slack))
    command = SlackSigner.command_body(
        "/digest",
        "subscribe threads",
        user_id="U0ADMIN",
        channel_id="C0123ABCD",
        response_url=slack.response_url(),
    )
    body = ack_body(run(dispatch(bot, SlackSigner(SECRET).request(command))))
    assert "threads" in json.dumps(body) and "Subscribed" in json.dumps(body)
    [sub] = Subscriptions(sample_engine.store).all()
    assert sub.threads and sub.target == "slack:T0STANDIN/C0123ABCD"
    assert slack.violations == [] and slack.pings == []


def test_discord_digest_subscribe_threads_option_through_discord_py(sample_engine: Engine) -> None:
    admin = DigestAdmin(sample_engine, Settings(), clock=SystemClock())

    async def go() -> None:
        async with DiscordStandIn() as standin:
            client = DigestClient(
                Commands(sample_engine, admin=admin),
                endpoints=Endpoints(standin.api_url, standin.gateway_url),
                guild_ready_timeout=0,
            )
            async with connected(client, standin):
                for value in (True, False):
                    payload = standin.command(
                        "digest", {"threads": value}, sub="subscribe", admin=True
                    )
                    callback = await standin.interact(payload)
                    assert callback.ephemeral and callback.data is not None
                    assert not callback.data["content"].startswith("Sorry")
                    [sub] = Subscriptions(sample_engine.store).all()
                    assert sub.threads is value
            assert standin.violations == []

    run(go())


def test_discord_a_deleted_parent_cuts_this_post_short_without_disabling_or_a_second_parent() -> (
    None
):
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.fail("POST", "/channels/*/messages/*/threads", Failure(503, 0, "oops"))
        with pytest.raises(PostError) as caught:
            await sink.post_digest(CHANNEL_ID, digest(2, 2))
        [parent_id] = caught.value.posted
        standin.channel_messages[CHANNEL_ID].clear()  # a moderator deleted the parent

        with pytest.raises(PostError) as again:
            await sink.post_digest(CHANNEL_ID, digest(2, 2), already=caught.value.posted)
        assert not again.value.permanent and "deleted" in again.value.message
        assert list(again.value.posted) == [parent_id]
        assert standin.channel_messages[CHANNEL_ID] == [] and standin.threads == {}

    run(with_discord(body))


def test_threaded_subscriptions_and_their_kept_digest_on_each_backend(
    db_url: str, sample_feed: Path
) -> None:
    engine = make_engine(Settings(), db_path=db_url)
    try:
        engine.ingest(str(sample_feed))
        subs = Subscriptions(engine.store)
        now = datetime(2025, 3, 1, tzinfo=UTC)
        sub = subs.add(
            build(
                "discord:123456789012345678",
                created_at=now - timedelta(days=400),
                defaults=ScheduleSettings(),
                default_zone="UTC",
                threads=True,
            )
        )
        assert subs.get(sub.id).threads and [s.threads for s in subs.all()] == [True]
        ledger = Ledger(engine.store, clock=ManualClock(now))
        claim = ledger.claim(sub, "2025-W09")
        assert isinstance(claim, Claim)
        kept = engine.digest([e for e in engine.store.episodes(1)]).model_copy(
            update={"threaded": True}
        )
        assert ledger.keep_digest(claim, kept)
        assert ledger.record(claim, ["parent", "reply-1"])
        # The process dies; another takes the claim over once the lease ends.
        later = Ledger(engine.store, clock=ManualClock(now + timedelta(hours=1)), owner="b:2:x")
        resumed = later.claim(sub, "2025-W09")
        assert isinstance(resumed, Claim) and resumed.message_ids == ("parent", "reply-1")
        assert resumed.digest is not None and resumed.digest.threaded  # resumes as a thread
    finally:
        engine.close()


def test_discord_a_thread_as_the_target_is_refused_before_anything_is_posted() -> None:
    async def body(sink: DiscordSink, standin: DiscordStandIn) -> None:
        standin.add_thread(CHANNEL_ID, CHANNEL_ID, "a thread", None)  # the channel is a thread
        with pytest.raises(PostError) as caught:
            await sink.post_digest(CHANNEL_ID, digest(2, 2))
        assert caught.value.permanent and "itself a thread" in caught.value.message
        assert standin.channel_messages[CHANNEL_ID] == [] and caught.value.posted == ()

    run(with_discord(body))
