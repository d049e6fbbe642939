"""Watchlists: a direct message (or a channel post) when a new episode names a watched release.

``watches`` stores what is watched, ``matching`` finds the new mentions after an
ingest and records each alert once, ``delivery`` sends the recorded alerts.
"""
