"""A full transcript after an episode's notes, found so that it is not read.

Substack podcast posts may end with the whole talk, one paragraph per turn:
``<p>[00:03:23] <strong>Alex Volkov:</strong> ...</p>``.  It is speech, not
description: show notes, chapters and summaries come from what precedes it,
and in the ThursdAI feed it is half of all episode text: sanitising,
splitting and storing it cost about 40 ms of a 470 ms ingest.

A timestamped line is not enough: chapter lists read "[00:36:55] BREAKING
NEWS: Mistral YaRN 7B".  A transcript starts at a turn with its speaker in
bold, after which every paragraph is timestamped, bar a footer or two
("Thank you for subscribing").  A transcript written otherwise is kept and
read as before: the summariser still stops searching at its first turn.
"""

from __future__ import annotations

import re

_STAMP = r"\[(?:\d{1,2}:)?\d{1,2}:\d{2}\]"
# The speaker in bold, as Substack writes every transcript turn; chapter lines are not.
_SPEAKER_LINE = re.compile(rf"<p>\s*{_STAMP}\s*<(strong|b)>[^<>\n:]{{1,40}}:\s*</\1>", re.I)
_UNSTAMPED_PARAGRAPH = re.compile(rf"<p>(?!\s*{_STAMP})", re.I)
#: Paragraphs without a timestamp allowed after the transcript's start (footers).
MAX_TRAILING = 2


def transcript_start(html: str) -> int | None:
    """Where a trailing transcript begins in an episode's (raw) HTML, if it has one."""
    first = _SPEAKER_LINE.search(html)
    if first is None:
        return None
    unstamped = [m.start() for m in _UNSTAMPED_PARAGRAPH.finditer(html, first.start())]
    if len(unstamped) <= MAX_TRAILING:
        return first.start()
    # Timestamped lines that are not a transcript come first (a chapter list): a
    # transcript can only start after the last paragraphs that carry no timestamp.
    later = _SPEAKER_LINE.search(html, unstamped[-MAX_TRAILING - 1])
    return later.start() if later is not None else None


def without_transcript(html: str) -> str:
    """``html`` up to its trailing transcript (all of it when there is none)."""
    start = transcript_start(html)
    return html if start is None else html[:start]
