"""/healthz and /metrics: served over loopback, parsed with prometheus-client's own parser."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics.server import MetricsServer
from bot.commands import CommandContext, Commands
from bot.engine import Engine
from bot.store.metrics import Health, feed_label, record_poll, record_post


@pytest.fixture
def running() -> list[bool]:
    return [True]


@pytest.fixture
def server(sample_engine: Engine, running: list[bool]) -> Iterator[MetricsServer]:
    health = Health(sample_engine.store.path, lambda: running[0])
    srv = MetricsServer(health, host="127.0.0.1", port=0).start()
    yield srv
    srv.close()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _get(server: MetricsServer, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{server.port}{path}", timeout=5)


def test_metrics_parse_and_count_what_happened(
    server: MetricsServer, sample_engine: Engine
) -> None:
    before = _samples(_get(server, "/metrics").text)
    commands = Commands(sample_engine)
    commands.handle("release", "kokoro", CommandContext(platform="console"))
    commands.handle("/nonsense", "x", CommandContext(platform="console"))
    record_poll("https://feed.example/rss?token=SECRET", ok=True, seconds=0.2)
    record_poll("https://feed.example/rss?token=SECRET", ok=False, seconds=0.1)
    record_post("slack:C123", "posted")
    record_post("discord:42", "retry")
    record_post("webhook:https://hooks.example/x", "failed")
    record_post("slack:C123", "skipped")  # not a send: not counted
    response = _get(server, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "SECRET" not in response.text
    after = _samples(response.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("digestbot_command_seconds_count", command="release") == 1
    assert grew("digestbot_command_seconds_count", command="other") == 1
    assert grew("digestbot_lookup_seconds_count", kind="release") == 1
    feed = "https://feed.example/rss"
    assert grew("digestbot_feed_polls_total", feed=feed) == 2
    assert grew("digestbot_feed_poll_failures_total", feed=feed) == 1
    assert after[("digestbot_feed_last_success_timestamp_seconds", (("feed", feed),))] > (
        time.time() - 60
    )
    assert grew("digestbot_posts_total", platform="slack", outcome="sent") == 1
    assert grew("digestbot_posts_total", platform="discord", outcome="retried") == 1
    assert grew("digestbot_posts_total", platform="webhook", outcome="failed") == 1
    assert grew("digestbot_ingest_seconds_count") == 2
    assert ("digestbot_ledger_claims_pending", ()) in after


def test_ledger_claims_pending_is_read_at_scrape_time(
    server: MetricsServer, sample_engine: Engine
) -> None:
    with sample_engine.store.transaction() as db:
        db.execute(
            "INSERT INTO posts(subscription_id, period, state, updated_at)"
            " VALUES ('s1', '2025-W02', 'retry', '2025-01-01T00:00:00+00:00'),"
            " ('s2', '2025-W02', 'posted', '2025-01-01T00:00:00+00:00')"
        )
    after = _samples(_get(server, "/metrics").text)
    assert after[("digestbot_ledger_claims_pending", ())] == 1


def test_healthz_is_200_when_healthy(server: MetricsServer) -> None:
    response = _get(server, "/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")


def test_healthz_is_503_when_the_scheduler_stops(
    server: MetricsServer, running: list[bool]
) -> None:
    running[0] = False
    response = _get(server, "/healthz")
    assert response.status_code == 503
    assert "scheduler: not running" in response.text


def test_healthz_is_503_when_the_database_is_unreachable(
    server: MetricsServer, sample_engine: Engine
) -> None:
    path = Path(sample_engine.store.path)
    os.rename(path, path.with_suffix(".moved"))  # the volume went away
    try:
        response = _get(server, "/healthz")
        assert response.status_code == 503
        assert response.text.startswith("database: ")
        assert _get(server, "/metrics").status_code == 200  # the scrape still answers
    finally:
        os.rename(path.with_suffix(".moved"), path)
    assert _get(server, "/healthz").status_code == 200


def test_other_paths_and_methods(server: MetricsServer) -> None:
    assert _get(server, "/").status_code == 404
    assert httpx.post(f"http://127.0.0.1:{server.port}/metrics", timeout=5).status_code == 501


def test_feed_labels_keep_no_secrets() -> None:
    assert feed_label("https://user:pw@sub.example:8443/feed?t=1#x") == (
        "https://sub.example:8443/feed"
    )
    assert feed_label("/var/feeds/a.rss") == "/var/feeds/a.rss"


def test_an_in_memory_database_is_reported_not_crashed() -> None:
    assert Health(":memory:", lambda: True).problems()[0].startswith("database: ")


def test_digestbot_run_serves_health_and_metrics(tmp_path: Path, sample_feed: Path) -> None:
    import asyncio
    import socket

    from app.runtime import DigestRuntime
    from bot.config import MetricsSettings, Settings

    with socket.socket() as probe:  # a free port for [metrics] port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(feeds=[str(sample_feed)], metrics=MetricsSettings(port=port))
    seen: dict[str, httpx.Response] = {}

    async def go() -> None:
        runtime = DigestRuntime(
            settings, db_path=str(tmp_path / "m.db"), load_platforms=False, interactive=False
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.wait_for(runtime.ready.wait(), 10)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            seen["healthz"] = await client.get("/healthz")
            seen["metrics"] = await client.get("/metrics")
            stop.set()
            await asyncio.wait_for(task, 10)
            with pytest.raises(httpx.ConnectError):  # the port is freed on shutdown
                await client.get("/healthz")

    asyncio.run(asyncio.wait_for(go(), 30))
    assert seen["healthz"].status_code == 200
    samples = _samples(seen["metrics"].text)
    assert samples[("digestbot_feed_polls_total", (("feed", str(sample_feed)),))] >= 1


def test_metrics_are_off_without_a_port() -> None:
    from bot.config import Settings

    assert Settings().metrics.port is None


def test_the_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import Settings

    monkeypatch.setenv("DIGESTBOT_METRICS__PORT", "9109")
    assert Settings().metrics.port == 9109
