"""The archive's read model: what the web pages show, read from the store.

Pure reads over an ``Engine`` (no HTML here): the shows and their episodes,
an episode's TL;DR, a release entity with every mention, a family, and
search.  ``adapters.web`` renders these; ``digestbot site`` walks
``episode_ids``, ``entity_ids`` and ``family_keys`` to write every page.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from bot.engine import Engine
from bot.errors import StorageError
from bot.exports.items import atom_feed
from bot.feeds.clean import name_key
from bot.feedurls import redact_urls
from bot.models import Digest, Episode, Item, ReleaseEntity, SearchHit
from bot.related import related_releases
from bot.releases import best_mention, has_version
from bot.store.sqlite import MentionRow

log = logging.getLogger(__name__)

#: Mentions listed on a release or family page at most (newest first).
MAX_PAGE_MENTIONS = 2000
#: Search results on the search page.
SEARCH_LIMIT = 25
#: Related releases on a release page at most.
RELATED_LIMIT = 5
#: Items in the served Atom feed (newest first): a reader polls it, so it stays small;
#: ``digestbot export --format atom`` writes every item.
FEED_ITEMS = 200


@dataclass(frozen=True, slots=True)
class Show:
    """A feed and its stored episodes, newest first."""

    feed: str
    title: str
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One mention of a release on a page's timeline, with the show it came from."""

    mention: MentionRow
    show: str
    entity_name: str


@dataclass(frozen=True, slots=True)
class ReleasePage:
    """A release entity: what it is (its best line), and every mention, newest first."""

    entity: ReleaseEntity
    family_key: str
    item: Item
    timeline: tuple[TimelineEntry, ...]
    shows: tuple[str, ...]
    related: tuple[ReleaseEntity, ...] = ()  # other families' releases, most related first


@dataclass(frozen=True, slots=True)
class FamilyPage:
    """A family: its releases (newest mention first) and every mention, newest first."""

    key: str
    name: str
    releases: tuple[tuple[ReleaseEntity, int], ...]  # entity, mention count
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """Search results; ``suggestions`` are release names near a query that matched nothing."""

    query: str
    hits: tuple[SearchHit, ...]
    suggestions: tuple[tuple[str, str], ...] = ()  # (entity id, name)
    corrected: str | None = None


def _sql(store: object) -> Any:
    """The store, for the two listings the store protocol has no method for yet
    (``family_names``, ``linked_entity_ids``: SQLite's ``Store`` has them); a backend
    without them (PostgreSQL, issue 14) gets one clear line until they are added."""
    if not hasattr(store, "family_names"):
        raise StorageError("the web archive reads a SQLite database only (for now)")
    return store


class Archive:
    """Everything the web archive shows, over one engine (thread-safe reads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self._lock = threading.Lock()
        self._generation = -1
        self._show_of: dict[str, str] = {}
        self._families: dict[str, str] = {}
        self._family_key: dict[str, str] = {}  # family name -> key
        # Related releases by entity id: a search each (milliseconds), so kept until the
        # store changes; a served page asked again answers from here.
        self._related: dict[str, tuple[ReleaseEntity, ...]] = {}

    def _refresh(self) -> None:
        """Re-read the small lookup tables when the store changed since last time."""
        with self._lock:
            if self._generation == self.store.generation and self._show_of:
                return
            try:  # items stored since the last look get their release entity
                self.store.fill_entities()
            except StorageError as exc:  # a read-only database still shows, without entities
                log.warning("release entities not linked: %s", exc)
            titles = {s: t for s, t, _ in self.store.sources()}
            self._show_of = {
                e.id: redact_urls(titles.get(e.feed) or e.feed) for e in self.store.episodes()
            }
            self._families = dict(_sql(self.store).family_names())
            self._family_key = {name: key for key, name in sorted(self._families.items())}
            self._related = {}
            self._generation = self.store.generation

    def show_title(self, episode_id: str) -> str:
        """The title of the show an episode belongs to."""
        self._refresh()
        return self._show_of.get(episode_id, "")

    def shows(self) -> list[Show]:
        """Every show with its episodes, newest first; shows by their newest episode."""
        self._refresh()
        titles = {s: t for s, t, _ in self.store.sources()}
        by_feed: dict[str, list[Episode]] = {}
        for episode in self.store.episodes():
            by_feed.setdefault(episode.feed, []).append(episode)
        return [
            Show(feed=feed, title=redact_urls(titles.get(feed) or feed), episodes=tuple(eps))
            for feed, eps in by_feed.items()
        ]

    def episode(self, episode_id: str) -> tuple[Episode, Digest] | None:
        """An episode by id and its TL;DR by section, or None."""
        found = self.store.episode(episode_id)
        if found is None:
            return None
        self._refresh()
        return found, self.engine.digest([found])

    def release(self, entity_id: str) -> ReleasePage | None:
        """A release entity's page, or None when no such entity has mentions."""
        self._refresh()
        entity = self.store.entity(entity_id)
        if entity is None:
            return None
        rows = self.store.entity_mentions([entity.id], MAX_PAGE_MENTIONS)
        versioned = {entity.id} if has_version(entity.name) else set()
        picked = best_mention(rows, query_key=entity.id, family=False, versioned=versioned)
        item = self.store.item(picked.item_id) if picked is not None else None
        if item is None:
            return None
        timeline = self._timeline(rows, {entity.id: entity.name})
        shows = tuple(dict.fromkeys(entry.show for entry in timeline))
        family_key = self._family_key.get(entity.family) or name_key(entity.family)
        related = self._related.get(entity.id)
        if related is None:
            related = tuple(related_releases(self.engine, entity.id, RELATED_LIMIT))
            self._related[entity.id] = related
        return ReleasePage(
            entity=entity,
            family_key=family_key,
            item=item,
            timeline=timeline,
            shows=shows,
            related=related,
        )

    def family(self, key: str) -> FamilyPage | None:
        """A family's page (by family key, "qwen"), or None."""
        self._refresh()
        entities = self.store.family_entities(key)
        if not entities:
            return None
        names = {e.id: e.name for e in entities}
        rows = self.store.entity_mentions(list(names), MAX_PAGE_MENTIONS)
        counts = self.store.entity_counts(list(names))
        newest: dict[str, int] = {}
        for index, row in enumerate(rows):
            newest.setdefault(row.entity_id, index)
        ordered = sorted(
            (e for e in entities if counts.get(e.id)), key=lambda e: newest.get(e.id, len(rows))
        )
        return FamilyPage(
            key=key,
            name=entities[0].family,
            releases=tuple((e, counts[e.id]) for e in ordered),
            timeline=self._timeline(rows, names),
        )

    def search(self, query: str) -> SearchPage:
        """The same ranking as ``/search``; a query matching nothing gets near names and
        the results of the nearest ("kokorro" -> Kokoro)."""
        query = query.strip()[:200]
        if not query:
            return SearchPage(query="", hits=())
        self._refresh()
        hits = self.engine.search(query, limit=SEARCH_LIMIT)
        if hits:
            return SearchPage(query=query, hits=tuple(hits))
        names = self.engine.release_names(query, limit=5)
        suggestions: list[tuple[str, str]] = []
        for name in names:
            named = self.store.items_named(name_key(name), limit=1)
            if named and named[0].entity is not None:
                suggestions.append((named[0].entity.id, name))
        corrected = names[0] if names else None
        fixed = self.engine.search(corrected, limit=SEARCH_LIMIT) if corrected else []
        return SearchPage(
            query=query,
            hits=tuple(fixed),
            suggestions=tuple(dict.fromkeys(suggestions)),
            corrected=corrected if fixed else None,
        )

    def atom(self, limit: int = FEED_ITEMS) -> bytes:
        """The newest ``limit`` release items as an Atom feed (as ``digestbot export``)."""
        return atom_feed(self.store.items_since(None, limit=limit))

    def episode_ids(self) -> list[str]:
        """Every stored episode's id."""
        return [e.id for e in self.store.episodes()]

    def entity_ids(self) -> list[str]:
        """Every release entity that has a mention."""
        self._refresh()
        return list(_sql(self.store).linked_entity_ids())

    def family_keys(self) -> list[str]:
        """Every family key."""
        self._refresh()
        return sorted(self._families)

    def _timeline(self, rows: list[MentionRow], names: dict[str, str]) -> tuple[TimelineEntry, ...]:
        return tuple(
            TimelineEntry(
                mention=row,
                show=self._show_of.get(row.episode.id, ""),
                entity_name=names.get(row.entity_id, row.name),
            )
            for row in rows
        )
