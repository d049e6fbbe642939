"""Small feeds written for the watch and alert tests (Substack-style show notes)."""

from __future__ import annotations

from pathlib import Path

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
    "<title>Watch Test Weekly</title><link>https://example.org/show</link>"
)

#: (episode number, day, lines): each line is "Name - detail" under Open Source LLMs.
Episode = tuple[int, str, list[str]]


def episode_xml(number: int, day: str, lines: list[str]) -> str:
    """One feed entry whose show notes list ``lines``."""
    bullets = "".join(
        f'<p>* {line} (<a href="https://huggingface.co/example/m{number}-{i}">HF</a>)</p>'
        for i, line in enumerate(lines)
    )
    body = (
        f"<p>Episode {number} of the show.</p><p>TL;DR and Show Notes</p>"
        f"<p>* <strong>Open Source LLMs</strong></p>{bullets}"
        if lines
        else f"<p>Episode {number}: just a conversation this week, no list.</p>"
    )
    return (
        f"<item><title>Watch Test Weekly - episode {number}</title>"
        f"<link>https://example.org/show/{number}</link>"
        f"<guid>watch-test-{number}</guid>"
        f"<pubDate>{day} 2026 16:00:00 GMT</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
    )


def write_feed(path: Path, episodes: list[Episode]) -> Path:
    """Write a feed of ``episodes`` (newest first, as feeds list them) to ``path``."""
    entries = "".join(episode_xml(n, d, lines) for n, d, lines in reversed(episodes))
    path.write_text(_HEAD + entries + "</channel></rss>", encoding="utf-8")
    return path
