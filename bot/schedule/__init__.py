"""Scheduled digests: subscriptions, feed polling, exactly-once posting and ``digestbot run``."""
