"""Cutting a scheduled digest to at most so many messages.

A feed with thousands of items would otherwise post dozens of messages to
every channel (3,000 items: 66 Slack or 110 Discord messages).  A digest
that a sink renders into more than ``[schedule] max_messages_per_post``
messages keeps its first releases, in order, and ends with a note saying
how many were left out, from which sections, and where to read them all
(the renderers add the episode link; see ``Digest.left_out``).

The count comes from the sink's own rendering, so the cap means the same on
every platform; sinks that always send one message (generic JSON webhooks,
the console) are never cut.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from bot.models import Digest, DigestSection, LeftOut


@runtime_checkable
class Renders(Protocol):
    """A sink that can say which messages it would send for a digest."""

    def render(self, digest: Digest) -> Sequence[object]:
        """The messages (payloads) ``digest`` is posted as, in order."""
        ...


def cap_digest(
    digest: Digest, max_messages: int, render: Callable[[Digest], Sequence[object]]
) -> Digest:
    """``digest`` cut so that ``render`` makes at most ``max_messages`` messages of it.

    Keeps the longest run of leading releases that fits (with the "left
    out" note); returns ``digest`` itself when it already fits.  Rendering
    is deterministic, so a resumed post cuts the same way.
    """
    messages = len(render(digest))
    if messages <= max_messages:
        return digest
    total = digest.item_count
    # The most releases kept such that the cut digest fits: a binary search, as
    # the message count only grows with the releases kept.  Messages fill about
    # evenly, so the answer lies near total * max / messages: bracketing it first
    # saves rendering large digests (a third of the time for 3,000 releases).
    low, high = 0, total - 1
    guess = min(high, total * max_messages // messages + 16)
    if len(render(keep_first(digest, guess))) <= max_messages:
        low = guess
    else:
        high = guess - 1
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(keep_first(digest, middle))) <= max_messages:
            low = middle
        else:
            high = middle - 1
    return keep_first(digest, low)


def keep_first(digest: Digest, count: int) -> Digest:
    """``digest`` listing only its first ``count`` releases, the rest as ``left_out``."""
    kept: list[DigestSection] = []
    dropped: dict[str, int] = {}
    room = count
    for section in digest.sections:
        items = section.items[: max(room, 0)]
        room -= len(items)
        if items:
            kept.append(section.model_copy(update={"items": items}))
        if len(items) < len(section.items):
            dropped[section.name] = dropped.get(section.name, 0) + len(section.items) - len(items)
    left = sum(dropped.values())
    if left == 0:
        return digest
    return digest.model_copy(
        update={"sections": tuple(kept), "left_out": LeftOut(items=left, sections=tuple(dropped))}
    )


#: Recent cuts: (id of the digest, sink class, cap) -> (that digest, its cut).  The
#: Poster hands every subscription of a period the same Digest object, so a thousand
#: webhooks of one kind cut it once (a cut of 3,000 releases takes a few tenths of a
#: second of rendering).
_recent: dict[tuple[int, type, int], tuple[Digest, Digest]] = {}
_recent_lock = threading.Lock()
_RECENT_MAX = 64


def cap_for(digest: Digest, sink: object, max_messages: int) -> Digest:
    """``digest`` cut to ``max_messages`` as ``sink`` renders it (unchanged if it cannot say)."""
    if not isinstance(sink, Renders):
        return digest
    key = (id(digest), type(sink), max_messages)
    with _recent_lock:
        known = _recent.get(key)
    if known is not None and known[0] is digest:  # the id alone may be a reused one
        return known[1]
    cut = cap_digest(digest, max_messages, sink.render)
    with _recent_lock:
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
        _recent[key] = (digest, cut)
    return cut
