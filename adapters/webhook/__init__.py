"""Generic JSON webhooks, and the HTTP posting the Slack and Discord webhook sinks share."""
