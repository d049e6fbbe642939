"""Where a watch alert goes: a subscription target, or a user's direct messages.

``slack-user:U0123ABCD`` and ``discord-user:123456789012345678`` are direct
messages; anything else is parsed as a subscription target
(``bot.targets``): ``slack:C0123``, ``discord:ID``, webhooks, console.
"""

from __future__ import annotations

import re

from bot.targets import USAGE, Target, TargetError, parse_target

_SLACK_USER = re.compile(r"^[UW](?=[A-Z]*\d)[A-Z0-9]{4,}$")
_DISCORD_SNOWFLAKE = re.compile(r"^\d{15,22}$")

WATCH_USAGE = f"{USAGE}, or slack-user:USER_ID / discord-user:USER_ID for direct messages"


def parse_watch_target(text: str) -> str:
    """The canonical target string of a watch; raises ``TargetError`` saying what is accepted."""
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
        raise TargetError(exc.message.replace(USAGE, WATCH_USAGE)) from None


def split_target(target: str) -> tuple[str, str]:
    """``(kind, where)`` of a stored watch target (``("console", "")`` for the console)."""
    kind, _, where = target.partition(":")
    return kind, where


def shown_target(target: str) -> str:
    """The target for people and logs, any webhook credential hidden."""
    if is_direct(target):
        return target
    try:
        return parse_target(target).redacted
    except TargetError:
        return split_target(target)[0]


def is_direct(target: str) -> bool:
    """Whether alerts go to a user's direct messages."""
    return split_target(target)[0] in ("slack-user", "discord-user")


__all__ = ["WATCH_USAGE", "Target", "is_direct", "parse_watch_target", "shown_target"]
