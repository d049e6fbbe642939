"""Slack incoming webhooks as a ``Sink``: the bot's Block Kit, posted to a webhook URL.

Feed text pings nobody: the Slack renderer escapes it (``&``, ``<``, ``>``,
control characters, ``@channel``/``@here``/``@everyone``).  Slack allows one
message per second per incoming webhook.
"""

from __future__ import annotations

from adapters.slack.render import render_digest
from adapters.webhook.sink import Payload, WebhookSink
from bot.models import Digest
from bot.targets import Kind


class SlackWebhookSink(WebhookSink):
    """Slack incoming webhooks: the Block Kit messages the bot would post."""

    platform = "slack-webhook"
    kind: Kind = "slack-webhook"
    min_interval = 1.0  # Slack: 1 message per second per incoming webhook

    def render(self, digest: Digest) -> list[Payload]:
        """Block Kit messages, links not unfurled."""
        return [
            {**message, "unfurl_links": False, "unfurl_media": False}
            for message in render_digest(digest)
        ]
