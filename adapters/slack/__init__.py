"""Slack adapter: slash commands, Block Kit and the scheduler's sink, on slack-bolt.

The adapter only translates: slash commands become ``Commands.handle`` calls,
``Reply``/``Digest`` models become Block Kit payloads inside Slack's limits.

- ``render``: ``render_digest``/``render_reply`` (pure; no Slack libraries needed)
- ``app``: ``build_slack_app``/``SlackBot``, the bolt ``AsyncApp`` and its listeners
- ``run``: ``run_slack``, Socket Mode or HTTP mode at ``/slack/events``
- ``sink``: ``SlackSink``/``make_slack_sink``, where scheduled digests are posted

Names are imported lazily so that rendering does not load slack-bolt.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "render_digest": "adapters.slack.render",
    "render_reply": "adapters.slack.render",
    "SlackBot": "adapters.slack.app",
    "build_slack_app": "adapters.slack.app",
    "run_slack": "adapters.slack.run",
    "slack_mode": "adapters.slack.run",
    "SlackSink": "adapters.slack.sink",
    "SlackPostError": "adapters.slack.sink",
    "make_slack_sink": "adapters.slack.sink",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'adapters.slack' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
