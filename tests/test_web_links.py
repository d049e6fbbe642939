"""Chat answers link to the web archive's page when ``[web] base_url`` is set."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from adapters.console.render import render
from adapters.discord.render import render_reply as discord_reply
from adapters.slack.render import render_reply as slack_reply
from bot.commands import CommandContext, Commands
from bot.config import Settings, WebSettings
from bot.engine import Engine
from bot.models import DigestReply, ReleaseReply

CTX = CommandContext(platform="test")


def _release(engine: Engine, base_url: str | None, query: str) -> ReleaseReply:
    engine = Engine(Settings(web=WebSettings(base_url=base_url)), engine.store)
    reply = Commands(engine).handle("release", query, CTX)
    assert isinstance(reply, ReleaseReply)
    return reply


def test_no_base_url_no_link(sample_engine: Engine) -> None:
    reply = _release(sample_engine, None, "kokoro")
    assert reply.page_url is None
    assert "archive" not in render(reply).lower()


def test_release_and_family_answers_link_their_page(sample_engine: Engine) -> None:
    reply = _release(sample_engine, "https://digest.example.org/", "kokoro")
    assert reply.entity is not None
    kind = "family" if reply.scope == "family" else "release"
    assert reply.page_url == f"https://digest.example.org/{kind}/{reply.entity.id}"
    assert reply.page_url in render(reply)
    slack = json.dumps(slack_reply(reply))
    assert f"<{reply.page_url}|Open in the web archive>" in slack
    discord = json.dumps(discord_reply(reply))
    assert f"({reply.page_url})" in discord


def test_base_url_must_be_http() -> None:
    for bad in ("javascript:alert(1)", "ftp://x.org", "https://x.org/a b"):
        with pytest.raises(ValidationError):
            WebSettings(base_url=bad)


def test_tldr_answers_link_the_episode_page(sample_engine: Engine) -> None:
    linked = Engine(
        Settings(web=WebSettings(base_url="https://digest.example.org")), sample_engine.store
    )
    reply = Commands(linked).handle("tldr", "", CTX)
    assert isinstance(reply, DigestReply)
    episode = reply.digest.episodes[0].id
    assert reply.page_url == f"https://digest.example.org/episode/{episode}"
    assert reply.page_url in render(reply)
    assert f"<{reply.page_url}|Open in the web archive>" in json.dumps(slack_reply(reply))
    assert f"({reply.page_url})" in json.dumps(discord_reply(reply))
    plain = Commands(Engine(Settings(), sample_engine.store)).handle("tldr", "", CTX)
    assert isinstance(plain, DigestReply) and plain.page_url is None
    assert "web archive" not in json.dumps(slack_reply(plain)).lower()
