"""Render payloads (plain dicts) turned into discord.py ``send`` arguments.

The one place rendering meets the SDK, kept apart so ``adapters.discord.render``
stays pure (``digestbot tldr --format discord`` runs without discord.py).
"""

from __future__ import annotations

import io
from typing import Any

import discord

from adapters.discord.render import Payload


def to_send_kwargs(payload: Payload) -> dict[str, Any]:
    """discord.py keyword arguments (content, embeds, allowed_mentions, files) for a payload."""
    kwargs: dict[str, Any] = {
        "content": payload.get("content"),
        "embeds": [discord.Embed.from_dict(e) for e in payload.get("embeds", ())],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if payload.get("attachments"):  # pictures: sent as multipart files, described (alt text)
        kwargs["files"] = [
            discord.File(
                io.BytesIO(a["data"]), filename=a["filename"], description=a["description"]
            )
            for a in payload["attachments"]
        ]
    return kwargs
