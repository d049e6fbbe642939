"""Slack adapter: slash commands, Block Kit and the scheduler's sink, on slack-bolt.

The adapter only translates: slash commands become ``Commands.handle`` calls,
``Reply``/``Digest`` models become Block Kit payloads inside Slack's limits.

- ``render``: ``render_digest``/``render_reply`` (pure; no Slack libraries needed)
- ``app``: ``build_slack_app``/``SlackBot``, the bolt ``AsyncApp`` and its listeners
- ``run``: ``run_slack``, Socket Mode or HTTP mode at ``/slack/events``
- ``sink``: ``SlackSink``/``make_slack_sink``, where scheduled digests are posted
- ``runner``: ``SlackRunner``, Slack as ``digestbot run`` starts and stops it
- ``oauth``: installs into several workspaces, kept in digestbot's database

``make_runner`` and ``make_sink`` are the entry points ``app.platforms``
calls; import anything else from its module.  They import lazily: importing
this package loads no Slack library, so rendering, and the bot without
Slack, never load slack-bolt.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.slack.app import CommandHandler
    from adapters.slack.runner import SlackRunner
    from adapters.slack.sink import SlackSink
    from bot.config import Settings
    from bot.store.protocol import StoreLike

__all__ = ["make_runner", "make_sink"]


def make_runner(
    commands: CommandHandler, settings: Settings, *, store: StoreLike | None = None
) -> SlackRunner | None:
    """Slack for ``digestbot run``: posts, and serves commands when configured.

    ``None`` when neither ``SLACK_BOT_TOKEN`` nor ``SLACK_CLIENT_ID`` and
    ``SLACK_CLIENT_SECRET`` are set.  ``store`` (digestbot's database) holds
    the installations into several workspaces.
    """
    from adapters.slack.runner import make_runner as make

    return make(commands, settings, store=store)


def make_sink(
    settings: Settings, *, store: StoreLike | None = None
) -> AbstractAsyncContextManager[SlackSink]:
    """The Slack sink alone, for one post from the command line."""
    from adapters.slack.runner import make_sink as make

    return make(settings, store=store)
