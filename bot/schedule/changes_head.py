"""The "what changed" block heading a subscription's post (``subscribe --changes``).

Per release family, what the post's episodes bring that was not known before
the earliest of them: releases named for the first time, a family seen for the
first time, a licence, parameter count or score that moved (``bot.changes``).
Measured against everything stored before, and listing only the families the
post itself lists, so a subscription's filters (sections, keywords, orgs,
licences, feeds) hold for the block too.  It is the post's first section, so the
cap (``bot.schedule.capping``) keeps it before any release, and it is part of the
digest the ledger keeps before the first message: a resumed post resends the
very same block.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.changes import MAX_ITEMS
from bot.changes_chat import changes_section
from bot.models import Digest, Episode

if TYPE_CHECKING:
    from bot.models import Item
    from bot.store.protocol import StoreLike


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def with_changes(store: StoreLike, digest: Digest, episodes: Sequence[Episode]) -> Digest:
    """``digest`` (of ``episodes``) headed by what changed; itself when nothing did."""
    dates = [_aware(e.published) for e in episodes if e.published is not None]
    if not dates:
        return digest
    since = min(dates)
    ours = {e.id for e in episodes}
    listed = {i.entity.family for s in digest.sections for i in s.items if i.entity}

    def counts(item: Item) -> bool:
        published = item.episode.published
        if published is None or item.entity is None:
            return False
        if _aware(published) < since:
            return True  # what was known before the post's episodes
        return item.episode.id in ours and item.entity.family in listed

    section = changes_section(
        [i for i in store.items_since(None, limit=MAX_ITEMS) if counts(i)], since
    )
    if section is None:
        return digest
    return digest.model_copy(update={"sections": (section, *digest.sections)})
