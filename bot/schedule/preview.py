"""What a subscription's next post would hold, now: answers "subscribed, and then nothing?".

``preview`` picks the episodes the ledger would choose for the next post
(read-only, nothing is claimed) and composes the digest the poster would
send, filters included.  ``preview_lines`` says it for people: when the
first post goes out and the releases it would list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.changes_chat import SECTION_NAME
from bot.engine import Engine
from bot.models import Digest, Episode
from bot.schedule.changes_head import with_changes
from bot.schedule.ledger import Ledger
from bot.schedule.subscriptions import Subscription
from bot.timing import Clock, SystemClock

#: Releases named in a chat preview at most.
PREVIEW_ITEMS = 8


@dataclass(frozen=True)
class Preview:
    """The next post of a subscription: when, and what it would hold now (``None``: nothing)."""

    subscription: Subscription
    next_post: datetime | None
    digest: Digest | None
    #: Releases the next post's episodes hold before the subscription's filters.
    unfiltered: int = 0


def preview(engine: Engine, sub: Subscription, *, clock: Clock | None = None) -> Preview:
    """The digest ``sub``'s next post would send if it went out now (read-only)."""
    clock = clock or SystemClock()
    ledger = Ledger(engine.store, clock=clock)
    episodes: list[Episode] = []
    for candidate in ledger.candidates(sub):
        episode = engine.store.episode(candidate.id)
        if episode is not None:
            episodes.append(episode)
    digest: Digest | None = None
    unfiltered = 0
    if episodes:
        episodes.sort(key=lambda e: e.published.timestamp() if e.published else 0, reverse=True)
        digest = engine.digest(
            episodes, sections=sub.sections, keywords=sub.keywords, facts=sub.facts
        )
        unfiltered = digest.item_count
        if digest.item_count == 0:
            unfiltered = engine.digest(episodes).item_count
            digest = None
        elif sub.changes:  # as the poster heads it (``changes_head``)
            digest = with_changes(engine.store, digest, episodes)
    return Preview(sub, sub.next_post(clock.now()), digest, unfiltered)


def preview_lines(found: Preview) -> list[str]:
    """The preview for people (plain text; adapters escape it)."""
    sub = found.subscription
    if found.next_post is not None:
        when = f"First post: {found.next_post:%a %d %b %H:%M %Z}."
    elif not sub.active:
        when = "This subscription is disabled."
    else:
        when = "Posts as soon as a new episode comes out."
    digest = found.digest
    if digest is None and found.unfiltered:
        # There is news, but the filters keep all of it out: say so, or the subscription
        # looks like one that will post with the next episode (and may never).
        noun = "release" if found.unfiltered == 1 else "releases"
        return [
            when,
            f"Nothing would go out now: none of the {found.unfiltered:,} {noun} waiting passes"
            " this subscription's filters (sections, keywords, --org, --license).",
        ]
    if digest is None:
        return [when, "Nothing new to post yet: the next episode will be the first post."]
    # The "what changed" head (``--changes``) lists families, not releases.
    sections = [s for s in digest.sections if s.name != SECTION_NAME]
    count = sum(len(s.items) for s in sections)
    noun = "release" if count == 1 else "releases"
    source = digest.episodes[0].title if digest.episodes else digest.title
    lines = [when, f"If it went out now: {count} {noun} from {source[:120]}"]
    shown = 0
    for section in sections:
        for item in section.items:
            if shown == PREVIEW_ITEMS:
                break
            detail = f" - {item.detail[:100]}" if item.detail else ""
            lines.append(f"• {item.name[:80]}{detail}")
            shown += 1
    if count > shown:
        lines.append(f"…and {count - shown} more")
    return lines
