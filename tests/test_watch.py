"""Watchlists: resolving what is watched, recording each alert once, delivering it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine import Engine, make_engine
from bot.errors import ConfigError, NotFoundError
from bot.factfilter import FactFilter, license_key
from bot.sinks import PostError
from bot.targets import TargetError
from bot.watch.delivery import WatchAlert, deliver_pending
from bot.watch.matching import record_new_alerts
from bot.watch.targets import parse_watch_target
from bot.watch.watches import NothingToWatch, Watches, build
from tests.watchfeeds import write_feed

NOW = datetime(2026, 1, 10, tzinfo=UTC)
EP1 = (1, "Thu, 01 Jan", ["Qwen3-Coder 480B - Apache 2.0 coding model", "Llama 4 - Meta model"])
EP2 = (
    2,
    "Thu, 08 Jan",
    [
        "Qwen3-Coder 30B - smaller coding model, Apache 2.0",
        "Qwen3-VL - vision model under the MIT license",
        "Mistral Small 4 - new open model",
    ],
)
EP3 = (3, "Thu, 15 Jan", ["QwQ-32B - reasoning model", "Gemma 4 - Google's open model"])


class Recorder:
    """An ``AlertSender`` that keeps what it was given (a platform stand-in)."""

    def __init__(self, fail: PostError | None = None) -> None:
        self.sent: list[tuple[str, str, WatchAlert]] = []
        self.fail = fail

    async def send_alert(self, kind: str, where: str, alert: WatchAlert) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((kind, where, alert))
        return f"m{len(self.sent)}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on each backend in turn (SQLite, then a throwaway PostgreSQL)."""
    engine = make_engine(Settings(), db_path=db_url)
    yield engine
    engine.close()


def _feed(tmp_path: Path, *episodes: tuple[int, str, list[str]]) -> str:
    return str(write_feed(tmp_path / "feed.rss", list(episodes)))


def _watch(engine: Engine, target: str, query: str, **kw: object) -> str:
    watch = build(engine.store, target, query, created_at=NOW, **kw)  # type: ignore[arg-type]
    return Watches(engine.store).add(watch).id


def _scan_and_send(engine: Engine, sender: Recorder) -> dict[str, int]:
    record_new_alerts(engine.store, now=NOW)
    senders = {"slack-user": sender, "discord-user": sender, "slack": sender}
    return asyncio.run(deliver_pending(engine.store, senders, now=NOW))


def test_family_watch_fires_once_per_release_and_episode(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    wid = _watch(engine, "slack-user:U0123ABCD", "qwen")
    sender = Recorder()
    assert _scan_and_send(engine, sender)["sent"] == 0  # episode 1 was there before the watch

    engine.ingest(_feed(tmp_path, EP1, EP2))
    assert _scan_and_send(engine, sender)["sent"] == 2  # Qwen3-Coder and Qwen3-VL
    names = sorted(a.release for _, _, a in sender.sent)
    assert names == ["Qwen3-Coder", "Qwen3-VL"]
    kind, where, alert = sender.sent[0]
    assert (kind, where, alert.watch_id) == ("slack-user", "U0123ABCD", wid)
    assert alert.episode.title.endswith("episode 2")
    assert alert.links and alert.links[0].url.startswith("https://huggingface.co/")

    # Re-ingest (forced) and another scan: nothing again.
    engine.ingest(_feed(tmp_path, EP1, EP2), force=True)
    assert _scan_and_send(engine, sender)["sent"] == 0
    assert len(sender.sent) == 2


def test_no_repeat_after_restart(engine: Engine, tmp_path: Path) -> None:
    path = engine.store.path
    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "discord-user:123456789012345678", "qwen")
    engine.ingest(_feed(tmp_path, EP1, EP2))
    sender = Recorder()
    assert _scan_and_send(engine, sender)["sent"] == 2
    engine.close()
    again = make_engine(Settings(), db_path=path)
    try:
        again.ingest(_feed(tmp_path, EP1, EP2), force=True)
        assert _scan_and_send(again, sender)["sent"] == 0
        again.ingest(_feed(tmp_path, EP1, EP2, EP3))
        assert _scan_and_send(again, sender)["sent"] == 1  # QwQ is the Qwen team's
    finally:
        again.close()


def test_entity_watch_and_license_filter(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "slack-user:U0123ABCD", "Qwen3-Coder")
    _watch(engine, "slack-user:U0999ZZZZ", "qwen", licenses=["mit"])
    engine.ingest(_feed(tmp_path, EP1, EP2))
    sender = Recorder()
    _scan_and_send(engine, sender)
    got = sorted((where, a.release) for _, where, a in sender.sent)
    assert got == [("U0123ABCD", "Qwen3-Coder"), ("U0999ZZZZ", "Qwen3-VL")]


def test_blocked_user_disables_the_watch(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    wid = _watch(engine, "slack-user:U0123ABCD", "qwen")
    engine.ingest(_feed(tmp_path, EP1, EP2))
    blocked = Recorder(PostError("Slack: cannot_dm_bot (the user blocked the bot)", permanent=True))
    counts = _scan_and_send(engine, blocked)
    assert counts["disabled"] == 1 and counts["sent"] == 0
    watch = Watches(engine.store).get(wid)
    assert not watch.active and "cannot_dm_bot" in watch.describe()
    assert _scan_and_send(engine, Recorder())["sent"] == 0  # disabled: nothing goes out


def test_transient_failure_is_retried(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "slack-user:U0123ABCD", "Qwen3-Coder")
    engine.ingest(_feed(tmp_path, EP1, EP2))
    assert _scan_and_send(engine, Recorder(PostError("timeout")))["failed"] == 1
    ok = Recorder()
    assert _scan_and_send(engine, ok)["sent"] == 1
    assert _scan_and_send(engine, ok)["sent"] == 0


def test_watch_on_nothing_needs_anyway(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    with pytest.raises(NothingToWatch, match="--anyway"):
        _watch(engine, "slack-user:U0123ABCD", "zzqx")
    wid = _watch(engine, "slack-user:U0123ABCD", "zzqx", anyway=True)
    assert Watches(engine.store).get(wid).kind == "family"
    with pytest.raises(ConfigError):
        _watch(engine, "slack-user:U0123ABCD", "  !!  ")


def test_bad_targets_and_ids(engine: Engine) -> None:
    for bad in ("slack-user:nobody", "discord-user:12", "telegram:1", ""):
        with pytest.raises(TargetError):
            parse_watch_target(bad)
    assert parse_watch_target("slack-user:u0123abcd") == "slack-user:U0123ABCD"
    assert parse_watch_target("slack:C0123ABCD") == "slack:C0123ABCD"
    with pytest.raises(NotFoundError):
        Watches(engine.store).remove("w-nope")


def test_license_names_normalise() -> None:
    keys = {license_key(x) for x in ("Apache 2.0", "apache-2.0", "Apache-2", "Apache License 2.0")}
    assert keys == {"apache-2"}
    assert license_key("MIT License") == "mit"
    both = FactFilter.build(licenses=["apache-2.0", "mit"])
    assert both.matches(None, "Apache 2.0") and both.matches(None, "MIT")
    assert not both.matches(None, "CC-BY-NC 4.0") and not both.matches(None, None)
    org = FactFilter.build(orgs=["alibaba"])
    assert org.matches("Alibaba Qwen", None) and not org.matches("Meta", None)


def test_digest_keeps_only_releases_passing_the_fact_filter(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1, EP2))
    episodes = engine.store.episodes()
    every = engine.digest(episodes)
    open_only = engine.digest(episodes, facts=FactFilter.build(licenses=["apache-2.0", "mit"]))
    mit_only = engine.digest(episodes, facts=FactFilter.build(licenses=["MIT License"]))
    names = {i.name for s in open_only.sections for i in s.items}
    assert every.item_count == 5
    assert names == {"Qwen3-Coder 480B", "Qwen3-Coder 30B", "Qwen3-VL"}
    assert {i.name for s in mit_only.sections for i in s.items} == {"Qwen3-VL"}


def test_org_filter_on_a_watch(engine: Engine, tmp_path: Path) -> None:
    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "slack-user:U0123ABCD", "qwen", orgs=["alibaba"])
    _watch(engine, "slack-user:U0999ZZZZ", "qwen", orgs=["Meta"])
    orgs = (4, "Thu, 22 Jan", ["Alibaba - Qwen3-Max - flagship via API", "Meta - Llama 5 - new"])
    engine.ingest(_feed(tmp_path, EP1, orgs))
    assert ("Qwen3-Max", "Alibaba") in engine.store.query("SELECT name, org FROM items")
    sender = Recorder()
    _scan_and_send(engine, sender)
    assert [(where, a.release) for _, where, a in sender.sent] == [("U0123ABCD", "Qwen3-Max")]


def test_alerts_for_an_unconfigured_platform_wait_without_crowding_out(
    engine: Engine, tmp_path: Path
) -> None:
    from bot.watch.delivery import pending_alerts

    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "discord-user:123456789012345678", "qwen")
    _watch(engine, "slack-user:U0123ABCD", "qwen")
    _watch(engine, "console", "qwen")
    engine.ingest(_feed(tmp_path, EP1, EP2))
    record_new_alerts(engine.store, now=NOW)
    assert len(pending_alerts(engine.store)) == 6
    assert len(pending_alerts(engine.store, ["slack-user"], limit=2)) == 2
    assert {t for t, _ in pending_alerts(engine.store, ["slack-user"])} == {"slack-user:U0123ABCD"}
    assert {t for t, _ in pending_alerts(engine.store, ["console"])} == {"console"}
    slack = Recorder()
    counts = asyncio.run(deliver_pending(engine.store, {"slack-user": slack}, now=NOW))
    assert counts["sent"] == 2 and counts["no-sender"] == 0
    assert len(pending_alerts(engine.store)) == 4  # Discord's and the console's still wait


def test_migrate_db_carries_watches_alerts_and_fact_filters(tmp_path: Path, pg_url: str) -> None:
    from bot.config import ScheduleSettings
    from bot.schedule.subscriptions import Subscriptions
    from bot.schedule.subscriptions import build as build_subscription
    from bot.store.copy import copy_sqlite_to_postgres
    from bot.store.postgres import PgStore

    lite = make_engine(Settings(), db_path=str(tmp_path / "lite.db"))
    lite.ingest(_feed(tmp_path, EP1))
    wid = _watch(lite, "slack-user:U0123ABCD", "qwen", licenses=["apache-2.0"])
    lite.ingest(_feed(tmp_path, EP1, EP2))
    sender = Recorder()
    assert _scan_and_send(lite, sender)["sent"] == 1  # Qwen3-Coder 30B (Apache 2.0)
    sub = build_subscription(
        "webhook:https://example.org/hook",
        created_at=NOW,
        defaults=ScheduleSettings(),
        default_zone="UTC",
        orgs=["Alibaba"],
        licenses=["mit"],
    )
    Subscriptions(lite.store).add(sub)
    target = PgStore(pg_url)
    try:
        copy_sqlite_to_postgres(lite.store, target)  # type: ignore[arg-type]
    finally:
        target.close()
        lite.close()

    moved = make_engine(Settings(), db_path=pg_url)
    try:
        copied = Watches(moved.store).get(wid)
        assert copied.licenses == ("apache-2.0",)
        got = Subscriptions(moved.store).get(sub.id)
        assert (got.orgs, got.licenses) == (sub.orgs, sub.licenses)
        # Copied items (new rowids here) are not news again, and the sent alert stays sent.
        assert _scan_and_send(moved, sender)["sent"] == 0
        moved.ingest(_feed(tmp_path, EP1, EP2), force=True)
        assert _scan_and_send(moved, sender)["sent"] == 0
        ep4 = (4, "Thu, 22 Jan", ["Qwen3-Omni - Apache 2.0 speech model", "Phi 5 - small model"])
        moved.ingest(_feed(tmp_path, EP1, EP2, EP3, ep4))
        assert _scan_and_send(moved, sender)["sent"] == 1  # Qwen3-Omni; QwQ states no licence
        assert sender.sent[-1][2].release == "Qwen3-Omni"
    finally:
        moved.close()


def test_an_old_episode_read_late_is_no_news(engine: Engine, tmp_path: Path) -> None:
    """A feed added with its history: an episode published long before the watch is no DM."""
    engine.ingest(_feed(tmp_path, EP1))
    _watch(engine, "slack-user:U0123ABCD", "qwen")  # made on NOW, 10 Jan 2026
    # Another show's episode from November 2025, read only now (its feed was just added).
    history = write_feed(
        tmp_path / "history.rss",
        [(8, "Thu, 06 Nov", ["QwQ-32B - reasoning", "Gemma 3 - open model"])],
    )
    text = history.read_text(encoding="utf-8")
    history.write_text(
        text.replace("2026 16:00:00", "2025 16:00:00").replace("watch-test-", "history-"),
        encoding="utf-8",
    )
    engine.ingest(str(history))
    sender = Recorder()
    assert _scan_and_send(engine, sender)["sent"] == 0  # published Nov 2025: old news
    engine.ingest(_feed(tmp_path, EP1, EP2))  # published 8 Jan 2026: two days before
    assert _scan_and_send(engine, sender)["sent"] == 2
