"""Related releases: other families' releases that the same words describe.

The release's own lines (headlines of its newest mentions, its name taken out)
become a query for ``Engine.search``, so related releases rank exactly as
``/search`` does: full text, blended with the semantic score when the
``semantic`` extra is on.  Kokoro ("#1 TTS with Apache 2 license") relates to
other open text-to-speech releases.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from bot.entities import family_key
from bot.errors import StorageError

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.models import ReleaseEntity

#: Mentions of the release read, and words of theirs searched for, at most.
MENTIONS = 20
QUERY_WORDS = 8
#: Search hits read to find ``limit`` releases of other families.
CANDIDATES = 20
_WORD = re.compile(r"[^\W\d_][\w\-]{2,}", re.UNICODE)
_COMMON = frozenset(
    "the and for with from new its this that release releases released model models"
    " launches announces open".split()
)


def related_releases(engine: Engine, entity_id: str, limit: int = 5) -> list[ReleaseEntity]:
    """Up to ``limit`` release entities of other families, most related first."""
    store = engine.store
    try:
        store.fill_entities()  # linking is lazy: items stored since the last lookup
    except StorageError:
        pass  # a read-only database: what is linked
    entity = store.entity(entity_id)
    if entity is None:
        return []
    mine = family_key(entity.name)
    own = {w.casefold() for w in _WORD.findall(entity.name)} | {mine}
    counts: Counter[str] = Counter()
    for row in store.entity_mentions([entity_id], MENTIONS):
        for word in dict.fromkeys(w.casefold() for w in _WORD.findall(row.headline)):
            if word not in own and word not in _COMMON and mine not in word:
                counts[word] += 1
    words = [w for w, _ in counts.most_common(QUERY_WORDS)]
    if not words:
        return []
    found: dict[str, ReleaseEntity] = {}
    # 20 candidates: four times the usual limit is enough once the own family is skipped
    # (1,444 of the feed's 1,479 lists are the same as with 50), and a third cheaper,
    # which matters to ``digestbot site`` (one search per release page).
    for hit in engine.search(" ".join(words), limit=CANDIDATES, any_word=True):
        other = hit.item.entity
        if other is None or other.id in found or family_key(other.name) == mine:
            continue
        found[other.id] = other
        if len(found) >= limit:
            break
    return list(found.values())
