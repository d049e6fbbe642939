"""Subscriptions: targets, config (with clear errors), the CLI contract and ``/digest``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from app.cli import main
from bot.commands import CommandContext, Commands
from bot.config import Settings, load_settings
from bot.engine import Engine
from bot.errors import ConfigError
from bot.models import TextReply
from bot.schedule.admin import DigestAdmin, parse_options
from bot.schedule.subscriptions import Subscriptions
from bot.targets import Target, TargetError, parse_target
from bot.timing import SystemClock

SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
DISCORD_HOOK = "https://discord.com/api/webhooks/123456789012345678/tokenSECRET"


# --- targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "where"),
    [
        ("slack:C0123ABCD", "slack", "C0123ABCD"),
        ("slack:c0123abcd", "slack", "C0123ABCD"),
        ("discord:123456789012345678", "discord", "123456789012345678"),
        ("console", "console", ""),
        ("CONSOLE", "console", ""),
        (SLACK_HOOK, "slack-webhook", SLACK_HOOK),
        (DISCORD_HOOK, "discord-webhook", DISCORD_HOOK),
        (f"slack-webhook:{SLACK_HOOK}", "slack-webhook", SLACK_HOOK),
        (f"discord-webhook:{DISCORD_HOOK}", "discord-webhook", DISCORD_HOOK),
        ("webhook:https://example.org/hook?x=1", "webhook", "https://example.org/hook?x=1"),
        ("webhook:http://127.0.0.1:8080/hook", "webhook", "http://127.0.0.1:8080/hook"),
    ],
)
def test_targets(text: str, kind: str, where: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.where) == (kind, where)
    assert parse_target(str(target)) == target  # round-trips


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no target"),
        ("slack:general", "Slack channel id"),
        ("discord:general", "Discord channel id"),
        ("teams:abc", "not a target"),
        ("https://example.org/hook", "webhook:URL"),
        ("webhook:ftp://example.org", "http(s) URL"),
        ("webhook:", "http(s) URL"),
        ("slack-webhook:not a url", "URL"),
    ],
)
def test_bad_targets(text: str, message: str) -> None:
    with pytest.raises(TargetError, match="(?i)" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_target(text)


def test_redacted_targets_hide_webhook_credentials() -> None:
    assert "SECRET" not in parse_target(SLACK_HOOK).redacted
    assert "SECRET" not in parse_target(DISCORD_HOOK).redacted
    assert parse_target(DISCORD_HOOK).redacted.startswith(
        "discord-webhook:https://discord.com/api/webhooks/123456789012345678"
    )
    assert Target("slack", "C1").redacted == "slack:C1"


# --- config ------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[[subscriptions]]\ntarget = "slack:nope"', "subscriptions.0.target"),
        ('[[subscriptions]]\ntarget = "console"\nday = "funday"', "subscriptions.0.day"),
        ('[[subscriptions]]\ntarget = "console"\ntime = "6pm"', "subscriptions.0.time"),
        ('[[subscriptions]]\ntarget = "console"\ntz = "Mars/Base"', "subscriptions.0.tz"),
        ('[[subscriptions]]\ntarget = "console"\nmode = "daily"', "subscriptions.0.mode"),
        ('[[subscriptions]]\nday = "friday"', "subscriptions.0"),
        ('[[subscriptions]]\ntarget_env = "NOT_SET_ANYWHERE"', "subscriptions.0.target_env"),
        ("[schedule]\nhold_hours = -1", "schedule.hold_hours"),
        ('[schedule]\nday = "someday"', "schedule.day"),
        ("[schedule]\nholdhours = 3", "schedule.holdhours"),
        ('timezone = "Nowhere/Land"', "timezone"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert f"'{key}'" in str(caught.value)


def test_env_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGESTBOT_SCHEDULE__HOLD_HOURS", "6")
    monkeypatch.setenv("MY_HOOK", SLACK_HOOK)
    settings = load_settings(
        write(
            tmp_path,
            "[schedule]\nhold_hours = 30\ngrace_hours = 2\n"
            '[[subscriptions]]\ntarget_env = "MY_HOOK"\nday = "fri"\n',
        )
    )
    assert settings.schedule.hold_hours == 6 and settings.schedule.grace_hours == 2
    assert settings.subscriptions[0].day == "friday"
    assert settings.subscriptions[0].resolved_target() == SLACK_HOOK
    assert "SECRET" not in repr(settings)  # the URL is read when needed, never kept


def test_example_config_is_valid_and_documents_every_setting() -> None:
    root = Path(__file__).resolve().parents[1]
    example = root / "config.example.toml"
    settings = load_settings(example)
    assert settings.schedule.hold_hours == 24 and settings.poll_minutes == 30
    text = example.read_text(encoding="utf-8")

    def keys(model: type, prefix: str = "") -> list[str]:
        return [prefix + name for name in model.model_fields]  # type: ignore[attr-defined]

    documented = keys(Settings)
    for section in ("store", "fetch", "llm", "schedule"):
        documented += keys(type(getattr(settings, section)), f"{section}.")
    for name in documented:
        assert name.rsplit(".", 1)[-1] in text, f"config.example.toml does not mention {name}"
    for env in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        assert env in text


def test_config_subscriptions_sync(engine: Engine, tmp_path: Path) -> None:
    subs = Subscriptions(engine.store)
    now = SystemClock().now()
    settings = load_settings(
        write(tmp_path, '[[subscriptions]]\ntarget = "console"\ntime = "09:00"\n')
    )
    [first], removed = subs.sync_config(settings, now=now)
    assert removed == [] and first.origin == "config" and first.time == "09:00"
    edited = load_settings(
        write(tmp_path, '[[subscriptions]]\ntarget = "console"\ntime = "10:00"\n')
    )
    [second], _ = subs.sync_config(edited, now=now)
    assert (
        second.id == first.id and second.time == "10:00" and second.created_at == first.created_at
    )
    _, removed = subs.sync_config(Settings(), now=now)
    assert removed == [first.id] and subs.all() == []


# --- the CLI contract -------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_feed: Path) -> list[str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGESTBOT_CONFIG", raising=False)
    config = write(tmp_path, f'feeds = ["{sample_feed}"]\ntimezone = "America/Los_Angeles"\n')
    return ["--db", str(tmp_path / "cli.db"), "--config", str(config)]


def test_cli_subscribe_list_post_unsubscribe(
    cli: list[str], sample_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli, "ingest", str(sample_feed)]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                *cli,
                "subscribe",
                "console",
                "--day",
                "fri",
                "--time",
                "9:30",
                "--tz",
                "Europe/Berlin",
                "--keyword",
                "kokoro",
            ]
        )
        == 0
    )
    sub_id = capsys.readouterr().out.strip()
    assert sub_id.startswith("s") and len(sub_id.split()) == 1  # just the id

    assert main([*cli, "subscriptions", "--json"]) == 0
    [doc] = json.loads(capsys.readouterr().out)
    assert list(doc)[:4] == ["id", "target", "mode", "next_post"]
    assert doc["id"] == sub_id and doc["target"] == "console" and doc["mode"] == "weekly"
    next_post = datetime.fromisoformat(doc["next_post"])
    assert next_post.utcoffset() is not None and next_post.strftime("%a %H:%M") == "Fri 09:30"
    assert doc["keywords"] == ["kokoro"] and doc["tz"] == "Europe/Berlin"

    assert main([*cli, "post", sub_id]) == 0
    out = capsys.readouterr().out
    assert "Kokoro" in out and "posted 1 message" in out
    assert main([*cli, "post", sub_id]) == 0
    out = capsys.readouterr().out
    assert "already posted" in out and "Kokoro" not in out
    assert main([*cli, "post", sub_id, "--force"]) == 0
    assert "Kokoro" in capsys.readouterr().out

    assert main([*cli, "unsubscribe", sub_id]) == 0
    assert "unsubscribed" in capsys.readouterr().out
    assert main([*cli, "subscriptions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*cli, "unsubscribe", sub_id]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["slack:general"], "Slack channel id"),
        (["console", "--day", "funday"], "day of the week"),
        (["console", "--time", "25:00"], "HH:MM"),
        (["console", "--tz", "Moon/Base"], "time zone"),
    ],
)
def test_cli_subscribe_refuses_clearly(
    cli: list[str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*cli, "subscribe", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("digestbot: error:") and message in err and len(err.splitlines()) == 1


def test_cli_bad_mode_is_a_usage_error(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*cli, "subscribe", "console", "--mode", "daily"])
    assert caught.value.code == 2


def test_cli_invalid_config_is_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, '[schedule]\ngrace_hours = "soon"\n')
    assert main(["--db", str(tmp_path / "x.db"), "--config", str(config), "subscriptions"]) == 1
    err = capsys.readouterr().err
    assert "'schedule.grace_hours'" in err and len(err.splitlines()) == 1


def test_cli_post_unknown_id(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cli, "post", "nope"]) == 1
    assert "No subscription 'nope'" in capsys.readouterr().err


# --- /digest --------------------------------------------------------------------------------


def test_parse_options_accepts_flags_and_bare_words() -> None:
    options = parse_options(
        ["on-publish", "fri", "9:00", "Europe/Berlin", "--feed=x", "--keyword", "tts"]
    )
    assert (options.mode, options.day, options.time, options.tz) == (
        "on-publish",
        "fri",
        "9:00",
        "Europe/Berlin",
    )
    assert options.feeds == ["x"] and options.keywords == ["tts"] and options.words == []


def test_digest_command_in_a_slack_channel(sample_engine: Engine) -> None:
    posted: list[tuple[str, bool]] = []

    def post_now(sub_id: str, force: bool) -> str:
        posted.append((sub_id, force))
        return f"{sub_id}: posted"

    admin = DigestAdmin(sample_engine, Settings(), clock=SystemClock(), post_now=post_now)
    commands = Commands(sample_engine, admin=admin)
    ctx = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=True)
    channel = Subscriptions(sample_engine.store)

    def ask(text: str, context: CommandContext = ctx) -> TextReply:
        reply = commands.handle("digest", text, context)
        assert isinstance(reply, TextReply)
        return reply

    reply = ask("subscribe friday 09:00 Europe/Berlin")
    assert not reply.error and "friday 09:00 Europe/Berlin" in reply.text, reply
    [sub] = channel.for_target("slack:C0123ABCD")
    assert "Updated" in ask("subscribe --time 10:00").text  # changes it, same id
    [changed] = channel.for_target("slack:C0123ABCD")
    assert changed.id == sub.id and changed.time == "10:00" and changed.day == 4

    status = ask("status").text
    assert sub.id in status and "next post" in status
    assert "Polled every" in ask("feeds").text
    assert ask("post --force").text == f"{sub.id}: posted"
    assert posted == [(sub.id, True)]

    bad = ask("subscribe --day funday")
    assert bad.error and "day of the week" in bad.text
    assert ask('subscribe "unbalanced').error
    not_admin = CommandContext(platform="slack", channel_id="C0123ABCD", is_admin=False)
    assert ask("unsubscribe", not_admin).error
    assert channel.for_target("slack:C0123ABCD") != []

    assert not ask("unsubscribe").error
    assert channel.for_target("slack:C0123ABCD") == []
