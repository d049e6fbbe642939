"""``release`` and ``search``: the one algorithm, and its answers without pydantic.

``LookupCore`` is how a release is found and a search ranked, over whatever reads
the lookups (``_reads``) and building whatever answers (the ``_answer``/``_hit``/...
hooks).  ``Engine`` extends it with the models, any store backend and the semantic
blend; ``Lookup`` builds plain rows over SQLite (``bot.store.lookup``), for a process
that starts, answers and exits: importing pydantic and building the models costs
more than everything else ``digestbot release kokoro`` does.  ``Lookup`` leaves to
the engine a search the semantic blend should rank (``semantic_pays``).
``tests/test_lookup_light.py`` checks the two answer alike, query by query.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

from bot.errors import EmptyStoreError, NotFoundError, StorageError
from bot.feeds.clean import name_key
from bot.releases import best_mention, has_version, timeline
from bot.store.lookup import EntityRow, ItemRow, LookupReader, MentionLine, RefRow
from bot.store.names import StoredNames
from bot.store.search import (
    Term,
    fact_weight,
    field_score,
    fts_query,
    query_terms,
    query_words,
    without_filler,
    without_longer_forms,
)
from bot.store.sqlite import Store

log = logging.getLogger(__name__)

Scope = Literal["entity", "family"]
#: What a lookup answers with: the models (``Engine``) or the rows (``Lookup``).
AnswerT = TypeVar("AnswerT")
HitT = TypeVar("HitT")

MAX_MENTIONS = 25
#: Mentions of an entity or family read per lookup at most (newest first).
MENTION_WINDOW = 1000
#: A query matching more items than this ranks only the newest this many (see search()).
SEARCH_WINDOW = 300
#: Below this many stored items (by rowid) bm25 ranks every query: it is cheap there.
BM25_ALWAYS_BELOW = 20_000
#: bm25's best ``limit + RERANK_EXTRA`` are re-ranked with the facts stated about them.
RERANK_EXTRA = 20
#: The semantic blend runs when the full text finds fewer items holding every word:
#: then it finds what the words miss ("small vision model": Moondream); with more, the
#: full text ranks them ("open source tts") and loading the model (numpy, 16 MB of
#: vectors, ~0.3 s of a process) would reorder little.
SEMANTIC_BELOW = 5


@dataclass(frozen=True, slots=True)
class Mention:
    """Another place a release came up (``bot.models.Mention``)."""

    name: str
    headline: str
    episode: RefRow
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseAnswer:
    """The answer to ``release QUERY`` (``bot.models.ReleaseReply``)."""

    item: ItemRow
    mentions: tuple[Mention, ...] = ()
    entity: EntityRow | None = None
    scope: Literal["entity", "family"] = "entity"
    mentions_total: int = 0

    @property
    def more_mentions(self) -> int:
        """How many mentions are not listed in ``mentions``."""
        return max(0, self.mentions_total - len(self.mentions))

    def mention_label(self, mention: Mention) -> str:
        """The release a mention names, shown in a family's timeline ("" otherwise)."""
        return (mention.entity or "") if self.scope == "family" else ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked search result (``bot.models.SearchHit``)."""

    item: ItemRow
    score: float


class NeedsEngine(Exception):
    """The answer needs what only the engine has (the semantic model): ask it instead."""


class _Matches(Protocol):
    def newest_matches(self, match: str, limit: int) -> list[int]: ...
    def stored_names(self) -> StoredNames: ...


def semantic_pays(store: _Matches, query: str) -> bool:
    """Whether the semantic blend should rank ``query``: fewer than ``SEMANTIC_BELOW``
    items hold all of its words, and it is not a release's name (static embeddings know
    nothing of "kokoro": the full text finds it, the blend only reorders)."""
    match = fts_query(query_terms(without_filler(query_words(query))))
    if match is None or len(store.newest_matches(match, SEMANTIC_BELOW)) >= SEMANTIC_BELOW:
        return False
    return not store.stored_names().has(name_key(query))


class _Reads(Protocol):
    """The reads of a lookup: ``StoreLike`` (models) or ``LookupReader`` (plain rows)."""

    def entity(self, entity_id: str) -> Any: ...
    def family_entities(self, family_key: str) -> Sequence[Any]: ...
    def items_named(self, key: str, limit: int = 50) -> Sequence[Any]: ...
    def item(self, item_id: str) -> Any: ...
    def items_by_rowid(self, rowids: Sequence[int]) -> Mapping[int, Any]: ...
    def search_ranks(self, match: str, limit: int) -> Sequence[tuple[int, float, Any]]: ...
    def entity_mentions(self, entity_ids: Sequence[str], limit: int) -> Sequence[Any]: ...


class _Store(_Matches, Protocol):
    def fill_entities(self) -> int: ...
    def entity_mention_count(self, entity_ids: Sequence[str]) -> int: ...
    def search_fields(self, rowids: Sequence[int]) -> list[tuple[int, tuple[str | None, ...]]]: ...


class LookupCore(Generic[AnswerT, HitT]):
    """The one ``release`` and full-text ``search``: ``Engine`` answers with the models over
    any store, ``Lookup`` with plain rows over SQLite.  What they build differs (the
    ``_answer``/``_hit``/... hooks) and what they read (``_reads``); the choices do not."""

    store: _Store

    def _reads(self) -> _Reads:
        return cast(_Reads, self.store)

    def _name_index(self) -> StoredNames:
        raise NotImplementedError

    # What an answer is built of: the models or the rows.
    def _answer(
        self, item: Any, mentions: tuple[Any, ...], entity: Any, scope: Scope, total: int
    ) -> AnswerT:
        raise NotImplementedError

    def _item_answer(self, item: Any) -> AnswerT:
        raise NotImplementedError

    def _mention(self, row: Any, entity: str | None) -> Any:
        raise NotImplementedError

    def _family(self, key: str, family: str) -> Any:
        raise NotImplementedError

    def _hit(self, item: Any, score: float) -> HitT:
        raise NotImplementedError

    def _link_entities(self) -> None:
        """Link items stored since the last lookup to their release entities (lazily: ingest
        pays nothing; a lookup after a poll links its few new items)."""
        try:
            self.store.fill_entities()
        except StorageError as exc:  # a read-only database still answers, without entities
            log.warning("release entities not linked: %s", exc)

    def release(self, query: str) -> AnswerT:
        """The best matching release and its other mentions, newest first.

        A family name ("qwen") answers with the family as a timeline grouped by
        release; a release's name ("qwen3-coder", "phi 4") with that release;
        anything else is resolved robustly (case, punctuation, typos, then full
        text) to an item and answered with its release.  Raises ``NotFoundError``
        (with the nearest names) when nothing matches.
        """
        self._link_entities()
        key = name_key(query)
        named = self._named(key)
        if named is None and key:  # "claude 3.5 sonnet", "llama 3.1 405b": as entities
            from bot.entities import entity_for

            entity = entity_for(query[:200])
            named = self._named(entity.id) if entity and entity.id != key else None
        if named is not None:
            return named
        names = self._name_index()
        if len(names) == 0:
            raise EmptyStoreError("No episodes yet: run `digestbot ingest FEED` first.")
        keys = names.resolve(query)
        best: Any = None
        if keys:
            named = self._named(keys[0])  # "kokorro" resolved to "kokoro": its family
            if named is not None:
                return named
            candidates = self._reads().items_named(keys[0], limit=1)
            best = candidates[0] if candidates else None
        if best is None:
            hits = self.search(query, limit=1)
            best = hits[0].item if hits and hits[0].score > 0 else None  # type: ignore[attr-defined]
        if best is None:
            raise NotFoundError(
                f"No release matches '{query[:80]}'.", suggestions=tuple(names.nearest(query))
            )
        if best.entity is None:
            return self._item_answer(best)
        return self._entity_answer(best.entity.id, [best.entity], scope="entity", opening=best)

    def _named(self, key: str) -> AnswerT | None:
        """The answer when ``key`` is a family's or a release entity's key exactly."""
        if not key:
            return None
        family = self._reads().family_entities(key)
        if family and (len(family) > 1 or family[0].id != key):
            return self._entity_answer(key, family, scope="family")
        entity = self._reads().entity(key)
        if entity is not None:
            return self._entity_answer(key, [entity], scope="entity")
        return None

    def _entity_answer(
        self, query_key: str, entities: Sequence[Any], *, scope: Scope, opening: Any = None
    ) -> AnswerT:
        """The answer over ``entities``: the best line to open on and the timeline."""
        ids = [e.id for e in entities]
        rows = self._reads().entity_mentions(ids, MENTION_WINDOW)
        if opening is None:
            versioned = {e.id for e in entities if has_version(e.name)}
            picked = best_mention(
                rows, query_key=query_key, family=scope == "family", versioned=versioned
            )
            opening = self._reads().item(picked.item_id) if picked is not None else None
        if opening is None:  # a race with a delete: the entity has no items left
            raise NotFoundError(f"No release matches '{query_key[:80]}'.")
        names = {e.id: e.name for e in entities}
        listed = timeline(rows, skip=opening.id)[:MAX_MENTIONS]
        total = self.store.entity_mention_count(ids) if len(rows) >= MENTION_WINDOW else len(rows)
        entity = opening.entity
        if scope == "family":  # the family itself: its key ("qwen", "o") and its name
            entity = self._family(query_key, entities[0].family)
        mentions = tuple(self._mention(r, names.get(r.entity_id)) for r in listed)
        return self._answer(opening, mentions, entity, scope, max(0, total - 1))

    def search(self, query: str, limit: int = 10) -> list[HitT]:
        """Items matching ``query``, best first (any text is safe)."""
        return self._text_search(query, limit)

    def _text_search(self, query: str, limit: int = 10, *, any_word: bool = False) -> list[HitT]:
        """Items matching the words of ``query``, best first (any text is safe).

        Synonyms and abbreviations match each other ("tts", "text to speech"; see
        ``SYNONYMS``); words every release shares ("models", "new") narrow nothing and
        are dropped when the query has others (``FILLER_WORDS``).  All terms first; then
        the last word as a prefix ("paperl"); then any term.  Prefix and OR queries cost
        more, so they only run when needed.  ``any_word``: only the last (any term).
        """
        limit = max(1, min(limit, 100))
        terms = query_terms(without_filler(query_words(query)))
        passes = ((False, False), (True, False), (True, True))
        for prefix, any_term in passes[2:] if any_word else passes:
            match = fts_query(terms, prefix=prefix, any_word=any_term)
            if match is None:
                return []
            newest = self.store.newest_matches(match, SEARCH_WINDOW + 1)
            if not newest:
                continue
            # Few matches, or a store too small for any word to be costly: exact bm25
            # (measured: 1 ms for 900 matches, where the window's scoring takes 15 ms).
            if len(newest) <= SEARCH_WINDOW or newest[0] <= BM25_ALWAYS_BELOW:
                return self._ranked(terms, match, prefix=prefix, any_word=any_term, limit=limit)
            # Many matches (a common word): rank the newest ones by where the words occur.
            scored = [
                (field_score(terms, fields, prefix=prefix), rowid)
                for rowid, fields in self.store.search_fields(newest[:SEARCH_WINDOW])
            ]
            scored.sort(key=lambda pair: pair[0], reverse=True)  # stable: newest first on ties
            top = scored[:limit]
            return self._hits([(rowid, score) for score, rowid in top])
        return []

    def _ranked(
        self, terms: list[Term], match: str, *, prefix: bool, any_word: bool, limit: int
    ) -> list[HitT]:
        """bm25 ranking, re-ranked by the facts stated about each item.

        Items matching only through a synonym longer than what was typed come after the
        others: the phrase is rarer than the word ("text to speech" than "tts"), and
        bm25 would otherwise rank it above the very word asked for.
        """
        want = limit + RERANK_EXTRA
        narrow = without_longer_forms(terms)
        tiers: list[list[tuple[int, float]]] = []
        seen: set[int] = set()
        for expression in (
            fts_query(narrow, prefix=prefix, any_word=any_word) if narrow != terms else None,
            match,
        ):
            if expression is None:
                continue
            tier = [
                (rowid, score * fact_weight(facts))
                for rowid, score, facts in self._reads().search_ranks(expression, want + len(seen))
                if rowid not in seen
            ]
            tier.sort(key=lambda pair: pair[1], reverse=True)
            if tiers and tiers[0] and tier:  # keep scores falling from one tier to the next
                factor = min(1.0, 0.99 * tiers[0][-1][1] / max(tier[0][1], 1e-9))
                tier = [(rowid, score * factor) for rowid, score in tier]
            seen.update(rowid for rowid, _ in tier)
            tiers.append(tier)
            if len(seen) >= limit:
                break
        return self._hits([pair for tier in tiers for pair in tier][:limit])

    def _hits(self, ranked: list[tuple[int, float]]) -> list[HitT]:
        """Hits of (rowid, score) pairs, in their order (those whose item exists)."""
        items = self._reads().items_by_rowid([rowid for rowid, _ in ranked])
        return [self._hit(items[r], round(s, 4)) for r, s in ranked if r in items]


class Lookup(LookupCore[ReleaseAnswer, Hit]):
    """``release`` and full-text ``search`` over a SQLite store, as the engine answers them."""

    store: Store

    def __init__(self, store: Store, *, semantic: bool = False) -> None:
        """``semantic``: whether the engine would blend semantic scores into searches
        (the ``semantic`` extra installed and enabled); a search where that pays then
        raises ``NeedsEngine``."""
        self.store = store
        self.semantic = semantic
        self.rows = LookupReader(store)
        self.names = store.stored_names()

    def _reads(self) -> LookupReader:
        return self.rows

    def _name_index(self) -> StoredNames:
        return self.names

    def _answer(
        self,
        item: ItemRow,
        mentions: tuple[Mention, ...],
        entity: EntityRow | None,
        scope: Scope,
        total: int,
    ) -> ReleaseAnswer:
        return ReleaseAnswer(item, mentions, entity, scope, total)

    def _item_answer(self, item: ItemRow) -> ReleaseAnswer:
        return ReleaseAnswer(item=item)

    def _mention(self, row: MentionLine, entity: str | None) -> Mention:
        return Mention(row.name, row.headline, row.episode, entity)

    def _family(self, key: str, family: str) -> EntityRow:
        return EntityRow(id=key, name=family, family=family, org=None)

    def _hit(self, item: ItemRow, score: float) -> Hit:
        return Hit(item, score)

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """As ``Engine.search`` (which see); raises ``NeedsEngine`` where it would blend
        in the semantic ranking."""
        if self.semantic and semantic_pays(self.store, query):
            raise NeedsEngine(query)
        return self._text_search(query, limit)


def open_lookup(path: str) -> Lookup:
    """A ``Lookup`` over the SQLite database at ``path`` (created and migrated as
    ``Store`` does), with the engine's default semantic setting.

    Raises ``NeedsEngine`` for a PostgreSQL URL: taken as a path, it would create an
    empty SQLite file of that name and answer from it.
    """
    from importlib.util import find_spec

    from bot.store.open import names_postgres

    if names_postgres(path):
        raise NeedsEngine(f"{path.split('://', 1)[0]}: PostgreSQL is served by the engine")

    # As bot.store.semantic.available(), without importing that module's setup.
    return Lookup(Store(path), semantic=find_spec("wordllama") is not None)
