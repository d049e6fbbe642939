"""Render payloads (plain dicts) turned into discord.py ``send`` arguments.

The one place rendering meets the SDK, kept apart so ``adapters.discord.render``
stays pure (``digestbot tldr --format discord`` runs without discord.py).
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.render import Payload


def to_send_kwargs(payload: Payload) -> dict[str, Any]:
    """discord.py keyword arguments (content, embeds, allowed_mentions) for a payload."""
    return {
        "content": payload.get("content"),
        "embeds": [discord.Embed.from_dict(e) for e in payload.get("embeds", ())],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
