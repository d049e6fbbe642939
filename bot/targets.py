"""Where a subscription posts: parsing and showing targets, pure.

A target is written ``KIND:WHERE``: ``slack:C0123``, ``discord:1234567890``,
``slack-webhook:https://hooks.slack.com/services/...``,
``discord-webhook:https://discord.com/api/webhooks/...``,
``webhook:https://example.org/hook`` or just ``console``.  A bare Slack or
Discord webhook URL is recognised as its kind.  A Slack channel may name its
workspace, ``slack:T0123/C0123``: with installs into several workspaces the
Slack sink posts with that workspace's bot token (``/digest subscribe``
records it).

Webhook URLs carry their credential in the path or the query, so
``redact_url`` (and ``Target.redacted``, built on it) is what goes to logs,
chat, error messages and ``subscriptions --json``; only the database and
``digestbot subscriptions --show-secrets`` show the whole URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bot.errors import DigestbotError

Kind = Literal["slack", "discord", "slack-webhook", "discord-webhook", "webhook", "console"]
KINDS: tuple[Kind, ...] = (
    "slack",
    "discord",
    "slack-webhook",
    "discord-webhook",
    "webhook",
    "console",
)
WEBHOOK_KINDS = frozenset({"slack-webhook", "discord-webhook", "webhook"})

_SLACK_CHANNEL = re.compile(r"^[CGD](?=[A-Z]*\d)[A-Z0-9]{6,}$")  # ids have digits
_SLACK_TEAM = re.compile(r"^T(?=[A-Z]*\d)[A-Z0-9]{6,}$")
_DISCORD_SNOWFLAKE = re.compile(r"^\d{15,22}$")
_SLACK_HOOK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
_DISCORD_HOOK_HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")

USAGE = (
    "use slack:CHANNEL_ID (or slack:TEAM_ID/CHANNEL_ID), discord:CHANNEL_ID, slack-webhook:URL,"
    " discord-webhook:URL, webhook:URL or console"
)


class TargetError(DigestbotError, ValueError):
    """A subscription target that cannot be posted to."""


@dataclass(frozen=True)
class Target:
    """A parsed target: its kind and the channel id (Slack: maybe ``TEAM/CHANNEL``) or URL."""

    kind: Kind
    where: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == "console" else f"{self.kind}:{self.where}"

    @property
    def is_webhook(self) -> bool:
        """Whether posting needs no bot, only an HTTP POST."""
        return self.kind in WEBHOOK_KINDS

    @property
    def redacted(self) -> str:
        """The target with any webhook credential hidden, for logs and chat."""
        if not self.is_webhook:
            return str(self)
        return f"{self.kind}:{redact_url(self.where)}"


#: The public head of the well-known webhook paths (ids, not secrets): what stays visible.
_SLACK_HOOK_HEAD = re.compile(r"^/services/T[A-Z0-9]+/B[A-Z0-9]+/")
_DISCORD_HOOK_HEAD = re.compile(r"^/api/(?:v\d+/)?webhooks/\d+/")


def redact_url(url: str) -> str:
    """``url`` with every possible secret hidden: the one redaction for webhook URLs.

    Keeps the scheme, host and port; of the path only the public ids of a
    Slack (``/services/T…/B…/``) or Discord (``/api/webhooks/ID/``) webhook;
    drops user info, the rest of the path, the query and the fragment.
    Anything that does not parse as a URL is hidden whole.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "…"
    if not parts.scheme or not host:
        return "…"
    if ":" in host:
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    head = ""
    if parts.hostname in _SLACK_HOOK_HOSTS:
        match = _SLACK_HOOK_HEAD.match(parts.path)
        head = match.group(0).rstrip("/") if match else ""
    elif parts.hostname in _DISCORD_HOOK_HOSTS:
        match = _DISCORD_HOOK_HEAD.match(parts.path)
        head = match.group(0).rstrip("/") if match else ""
    hidden = parts.path.strip("/") or parts.query or parts.fragment or parts.username
    return f"{origin}{head}/…" if hidden else f"{origin}/"


def _is_slack_hook(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "") in _SLACK_HOOK_HOSTS


def _is_discord_hook(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and (parts.hostname or "") in _DISCORD_HOOK_HOSTS
        and parts.path.startswith("/api/webhooks/")
    )


def _check_url(kind: Kind, url: str, *, allow_http: bool) -> str:
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        need = "an http(s)" if allow_http else "an https"
        raise TargetError(f"{kind} target needs {need} URL, not '{redact_url(url)[:80]}'")
    if any(c.isspace() for c in url):
        raise TargetError(f"{kind} target URL must not contain spaces")
    return url


def parse_target(text: str, *, allow_http: bool = True) -> Target:
    """Parse a target; raises ``TargetError`` with the accepted forms.

    ``allow_http`` lets webhook URLs be plain http (loopback receivers in tests
    and benches, or an internal relay); Slack and Discord only serve https.
    """
    raw = (text or "").strip()
    if not raw:
        raise TargetError(f"no target given: {USAGE}")
    if raw.lower() == "console":
        return Target("console")
    if raw.lower().startswith(("http://", "https://")):
        if _is_slack_hook(raw):
            return Target("slack-webhook", raw)
        if _is_discord_hook(raw):
            return Target("discord-webhook", raw)
        raise TargetError(
            f"'{redact_url(raw)[:80]}' is not a Slack or Discord webhook URL: for any other"
            " URL write webhook:URL"
        )
    kind_text, sep, where = raw.partition(":")
    kind = kind_text.strip().lower()
    where = where.strip()
    if not sep or kind not in KINDS:
        shown = redact_url(raw) if "://" in raw else raw[:80]  # a mistyped kind before a URL
        raise TargetError(f"'{shown[:80]}' is not a target: {USAGE}")
    if kind == "console":
        return Target("console")
    if kind == "slack":
        team, slash, channel = where.rpartition("/")
        if not _SLACK_CHANNEL.match(channel.upper()):
            raise TargetError(
                f"'{channel[:40]}' is not a Slack channel id (like C0123ABCD): open the channel's"
                " details to copy it"
            )
        if slash and not _SLACK_TEAM.match(team.upper()):
            raise TargetError(f"'{team[:40]}' is not a Slack workspace id (like T0123ABCD)")
        return Target("slack", where.upper())
    if kind == "discord":
        if not _DISCORD_SNOWFLAKE.match(where):
            raise TargetError(
                f"'{where[:40]}' is not a Discord channel id (a long number): enable Developer"
                " Mode and use Copy Channel ID"
            )
        return Target("discord", where)
    # An explicit kind takes any http(s) URL: Slack-compatible hosts (Mattermost, relays)
    # and loopback receivers in tests speak the same payloads.
    return Target(kind, _check_url(kind, where, allow_http=allow_http))


_SLACK_USER = re.compile(r"^[UW](?=[A-Z]*\d)[A-Z0-9]{4,}$")
_DISCORD_SNOWFLAKE = re.compile(r"^\d{15,22}$")

#: What a target that may also be a person's direct messages can be (watches, ``[alerts]``).
USER_USAGE = f"{USAGE}, or slack-user:USER_ID / discord-user:USER_ID for direct messages"


def parse_target_or_user(text: str) -> str:
    """A subscription target, or ``slack-user:U…``/``discord-user:…`` (a person's DMs), as
    its canonical string; raises ``TargetError`` saying what is accepted."""
    raw = (text or "").strip()
    kind, sep, where = raw.partition(":")
    kind = kind.strip().lower()
    where = where.strip()
    if sep and kind == "slack-user":
        if not _SLACK_USER.match(where.upper()):
            raise TargetError(f"'{where[:40]}' is not a Slack user id (like U0123ABCD)")
        return f"slack-user:{where.upper()}"
    if sep and kind == "discord-user":
        if not _DISCORD_SNOWFLAKE.match(where):
            raise TargetError(f"'{where[:40]}' is not a Discord user id (a long number)")
        return f"discord-user:{where}"
    try:
        return str(parse_target(raw))
    except TargetError as exc:
        raise TargetError(exc.message.replace(USAGE, USER_USAGE)) from None
