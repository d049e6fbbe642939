"""Webhook secrets never shown: one redaction (``redact_url``) for logs, chat, errors and JSON.

Only ``digestbot subscriptions --show-secrets`` prints a webhook URL whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.webhook.sink import JsonWebhookSink, RetryPolicy
from app.cli import main
from bot.models import Digest, DigestItem, DigestSection, EpisodeRef
from bot.sinks import PostError
from bot.targets import TargetError, parse_target, redact_url
from tests.standins.webhook import Reply, WebhookReceiver

#: Webhook URLs with their secret in every place one hides.
SECRET_URLS = [
    "https://hooks.slack.com/services/T000/B000/SECRETSECRET",
    "https://hooks.slack.com/services/SECRETSECRET",
    "https://hooks.slack.com/triggers/T000/12345/SECRETSECRET",
    "https://discord.com/api/webhooks/123456789012345678/SECRETSECRET",
    "https://discord.com/api/v10/webhooks/123456789012345678/SECRETSECRET/slack",
    "https://example.org/v1/SECRETSECRET/x/y",
    "https://example.org/hook?token=SECRETSECRET",
    "https://example.org/hook#SECRETSECRET",
    "https://user:SECRETSECRET@example.org/hook",
    "http://127.0.0.1:8080/SECRETSECRET",
    "https://mattermost.example.org/hooks/SECRETSECRET",
]


@pytest.mark.parametrize("url", SECRET_URLS)
def test_redact_url_hides_every_secret(url: str) -> None:
    shown = redact_url(url)
    assert "SECRET" not in shown and shown.endswith("/…")
    for kind in ("webhook", "slack-webhook", "discord-webhook"):
        assert "SECRET" not in parse_target(f"{kind}:{url}").redacted


def test_redact_url_keeps_the_public_ids() -> None:
    assert (
        redact_url("https://hooks.slack.com/services/T000/B000/XXXX")
        == "https://hooks.slack.com/services/T000/B000/…"
    )
    assert (
        redact_url("https://discord.com/api/webhooks/1234/TOKEN")
        == "https://discord.com/api/webhooks/1234/…"
    )
    assert redact_url("https://example.org:8443/a/b") == "https://example.org:8443/…"
    assert redact_url("not a url") == "…"


@pytest.mark.parametrize(
    "text",
    [
        "https://example.org/v1/SECRETSECRET/x",  # a bare URL that is no known webhook
        "webhok:https://example.org/v1/SECRETSECRET/x",  # a mistyped kind
        "webhook:ftp://example.org/v1/SECRETSECRET/x",  # a wrong scheme
    ],
)
def test_target_errors_do_not_echo_the_secret(text: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(text)
    assert "SECRET" not in str(caught.value)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


def test_a_failing_webhook_logs_and_reports_no_secret(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/v1/SECRETSECRET/x/y"
    receiver.script(path, Reply(500), Reply(429, headers={"Retry-After": "9"}))
    sink = JsonWebhookSink(policy=RetryPolicy(retries=1, backoff=0.01, max_retry_after=1))
    digest = Digest(
        title="W",
        episodes=(EpisodeRef(id="e", title="S"),),
        sections=(DigestSection(name="T", items=(DigestItem(name="X", headline="y"),)),),
    )

    async def go() -> None:
        try:
            await sink.post_digest(receiver.url(path), digest)
        finally:
            await sink.aclose()

    caplog.set_level(logging.DEBUG)
    with pytest.raises(PostError) as caught:
        asyncio.run(go())
    assert "SECRET" not in caught.value.message
    # httpx logs request URLs itself: the CLI keeps it at warnings (`_quiet_http`).
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert ours and not any("SECRET" in line for line in ours)


def test_subscriptions_json_hides_secrets_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGESTBOT_CONFIG", raising=False)
    cli = ["--db", str(tmp_path / "r.db")]
    url = "https://example.org/v1/SECRETSECRET/x/y?token=SECRETSECRET"
    assert main([*cli, "subscribe", f"webhook:{url}"]) == 0
    said = capsys.readouterr()
    assert main([*cli, "subscriptions", "--json"]) == 0
    listed = capsys.readouterr()
    assert json.loads(listed.out)[0]["target"] == "webhook:https://example.org/…"
    assert main([*cli, "subscriptions"]) == 0
    text = capsys.readouterr()
    assert "SECRET" not in said.out + said.err + listed.out + listed.err + text.out + text.err

    assert main([*cli, "subscriptions", "--json", "--show-secrets"]) == 0
    [doc] = json.loads(capsys.readouterr().out)
    assert doc["target"] == f"webhook:{url}"
    assert main([*cli, "subscriptions", "--show-secrets"]) == 0
    assert url in capsys.readouterr().out
