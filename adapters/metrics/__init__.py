"""/healthz and /metrics over HTTP for ``digestbot run`` (``[metrics] port``)."""
