"""Where a watch alert goes: a subscription target, or a user's direct messages.

``slack-user:U0123ABCD`` and ``discord-user:123456789012345678`` are direct
messages; anything else is parsed as a subscription target
(``bot.targets``): ``slack:C0123``, ``discord:ID``, webhooks, console.
"""

from __future__ import annotations

from bot.targets import USER_USAGE, Target, TargetError, parse_target, parse_target_or_user

WATCH_USAGE = USER_USAGE


def parse_watch_target(text: str) -> str:
    """The canonical target string of a watch; raises ``TargetError`` saying what is accepted."""
    return parse_target_or_user(text)


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
