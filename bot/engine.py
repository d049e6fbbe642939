"""The facade of the core: ingest sources, look releases up, compose digests.

``make_engine`` builds an ``Engine`` from settings; tests and benchmarks
inject their own store or HTTP client by keyword.  Everything here is
synchronous: the CLI calls it directly, async adapters call it in a thread.
Feed parsing is imported lazily so that a lookup (``digestbot release``)
starts fast.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.digest import compose
from bot.errors import EmptyStoreError, NotFoundError, SourceError, StorageError
from bot.feedurls import redact_feed_url, redact_urls
from bot.lookup import (  # the one release/search, shared with the pydantic-free lookups
    RERANK_EXTRA,
    LookupCore,
    Scope,
    semantic_pays,
)
from bot.models import (
    Digest,
    Episode,
    Item,
    Mention,
    ParsedEpisode,
    ParsedFeed,
    ReleaseEntity,
    ReleaseReply,
    SearchHit,
)
from bot.store.metrics import timed
from bot.store.names import StoredNames
from bot.store.open import open_store
from bot.store.protocol import StoreLike
from bot.store.sqlite import (
    MentionRow,
    PreparedEpisode,
    SourceState,
    Store,
    UpsertResult,
    episode_id_for,
    prepare_episode,
)

if TYPE_CHECKING:
    import httpx

    from bot.config import Settings
    from bot.factfilter import FactFilter
    from bot.feeds.guard import FetchGuard
    from bot.feeds.parse import FeedStream
    from bot.store.semantic import SemanticIndex

log = logging.getLogger(__name__)

#: Episodes built, summarised and written at a time by an ingest (bounds its memory).
INGEST_BATCH = 32
#: podcast:chapters JSON files fetched per ingest at most, and their size cap.
MAX_CHAPTER_FETCHES = 20
CHAPTERS_MAX_BYTES = 1_000_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Turns a parsed feed's items into summarised ones (issue: summaries); identity by default.
Summariser = Callable[["ParsedFeed"], "ParsedFeed"]


@dataclass
class IngestReport:
    """What ingesting one source did."""

    source: str
    title: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    items: int = 0
    skipped: bool = False  # the bytes were the same as last time (or HTTP 304)
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One human line describing the outcome."""
        if self.skipped:
            from bot.unchanged import unchanged_line

            return unchanged_line(self.source)
        return (
            f"{redact_feed_url(self.source)}: {self.added} new, {self.updated} updated,"
            f" {self.unchanged} unchanged"
            f" episode(s); {self.items} item(s)"
        )


def default_db_path(settings: Settings | None = None) -> str:
    """Where the database lives: DIGESTBOT_DB, config, else the platform data directory."""
    from bot.config_defaults import default_data_path

    if settings is not None and settings.store.path and not os.environ.get("DIGESTBOT_DB"):
        return settings.store.path
    return default_data_path()


@dataclass
class _ChapterBudget:
    """What an ingest may still spend on ``podcast:chapters`` files: fetches and time."""

    seconds: float | None
    fetches: int = 0
    spent: float = 0.0  # seconds spent fetching so far (building between batches is not)

    def seconds_left(self) -> float | None:
        """The rest of the one deadline all of an ingest's chapter fetches share."""
        return None if self.seconds is None else max(0.0, self.seconds - self.spent)


class Engine(LookupCore[ReleaseReply, SearchHit]):
    """Ingest, store and look up release items (the lookups: ``LookupCore``)."""

    store: StoreLike

    def __init__(
        self,
        settings: Settings | None,
        store: StoreLike,
        *,
        http_client: httpx.Client | None = None,
        summariser: Summariser | None = None,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self._settings = settings
        #: Semantic ranking (the ``semantic`` extra), or None: full text only.
        self.semantic = semantic
        self.store = store
        self._http = http_client
        self._guarded_http: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._summariser = summariser
        self._names = store.stored_names()  # in the database: nothing to build or rebuild

    @property
    def settings(self) -> Settings:
        """The settings; loaded on first use by an engine opened for lookups only
        (``make_engine(lazy_settings=True)``)."""
        if self._settings is None:
            from bot.config import load_settings

            self._settings = load_settings()
        return self._settings

    def _max_bytes(self) -> int:
        """The size cap of a source; the default's without loading settings that are
        certainly the defaults (an unchanged file is then skipped with no settings)."""
        if self._settings is None:
            from bot.config_defaults import DEFAULT_MAX_BYTES

            return DEFAULT_MAX_BYTES
        return self._settings.fetch.max_bytes

    def close(self) -> None:
        """Release the database and the HTTP client."""
        for client in (self._http, self._guarded_http):
            if client is not None:
                client.close()
        self.store.close()

    # --- ingest -------------------------------------------------------------

    def ingest(self, source: str, *, force: bool = False, guarded: bool = False) -> IngestReport:
        """Read one feed URL, feed file or episode document into the store.

        Unchanged input (same bytes, or HTTP 304) is skipped unless ``force``.
        ``guarded`` (a feed added from chat): only an http(s) URL to a public
        host, checked again on every redirect and connection, chapters included.
        Raises ``SourceError`` subclasses for unreadable or refused sources.
        """
        from bot.feeds.local import is_url, read_file

        client = None
        if guarded:
            client = self._guarded_client()
            self._guard().check_url(source)  # the early, clear refusal (the client checks too)
        state = None if force else self.store.source_state(source)
        max_bytes = self._max_bytes()
        if is_url(source):
            from bot.feeds.fetch import fetch_url

            fetched = fetch_url(
                client or self._client(),
                source,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                max_bytes=max_bytes,
                deadline_seconds=self.settings.fetch.deadline_seconds,
            )
        else:
            fetched = read_file(source, max_bytes=max_bytes)
        report = IngestReport(source=source)
        if fetched.content is None or (
            state is not None and state.content_hash == fetched.content_hash
        ):
            report.skipped = True
            return report
        from bot.feeds.parse import stream_source  # feedparser: only for bytes that changed

        with _gc_paused():  # tens of thousands of small objects, no cycles among them
            stream = stream_source(fetched.content, source)
            results = self._store_feed(stream, online=is_url(source), client=client)
            self._embed(results)
        self.store.save_source_state(
            SourceState(source, fetched.content_hash, fetched.etag, fetched.last_modified),
            title=stream.title,
        )
        report.title = stream.title
        report.warnings = [redact_urls(warning) for warning in stream.warnings]
        for result in results:
            report.items += result.items
            if result.status == "added":
                report.added += 1
            elif result.status == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        if not results:
            report.warnings.append(f"{redact_feed_url(source)}: no episodes found")
        return report

    def _embed(self, results: list[UpsertResult]) -> None:
        """Semantic vectors are not computed at ingest (numpy and the model would be most
        of its time and memory): new items have none yet, and the vectors of edited
        episodes are dropped; ``index_vectors`` or the first blended search embeds them."""
        if self.semantic is None:
            return
        try:
            self.semantic.forget([r.episode_id for r in results if r.status == "updated"])
        except StorageError as exc:  # search still works on full text
            log.warning("semantic vectors not dropped: %s", exc)

    def index_vectors(self, stop: Callable[[], bool] | None = None) -> int:
        """Embed the items that have no semantic vectors yet (``digestbot index``, and
        ``digestbot run`` after its poller ingests); how many were.  0 when semantic
        search is off or not installed.  ``stop``: asked between batches."""
        if self.semantic is None:
            return 0
        return self.semantic.index_pending(stop=stop)

    def _store_feed(
        self, stream: FeedStream, *, online: bool, client: httpx.Client | None = None
    ) -> list[UpsertResult]:
        """Build, summarise and store a feed's episodes (oldest first), a batch at a time.

        Each batch is built outside the store's lock and written in a short transaction
        of its own: lookups of a running bot never wait for a feed being extracted, and
        memory holds one batch, not the feed.  A crash between batches leaves whole
        episodes stored and the source's state unsaved, so the next poll goes on.

        Measured: a writer thread overlapping the building does not pay here;
        SQLite's statements hand the GIL back and forth with the building thread
        and the convoy costs more than the overlap saves.
        """
        # A poll usually brings one new episode: the others are recognised by the hash of
        # their raw fields before any extraction, and need no summary or write either.
        identities = stream.identities()
        ids = [episode_id_for(key) for key, _ in identities]
        stored = self.store.content_hashes(ids)
        same = [
            (episode_id, key, content_hash)
            for (key, content_hash), episode_id in zip(identities, ids, strict=True)
            if stored.get(episode_id) == content_hash
        ]
        counts = self.store.item_counts([episode_id for episode_id, _, _ in same])
        unchanged = [UpsertResult(e, "unchanged", counts.get(e, 0)) for e, _, _ in same]
        changed = stream.episodes(skip={(key, h) for _, key, h in same})
        results = unchanged
        for batch in self._prepared_batches(stream, changed, online=online, client=client):
            results += self.store.upsert_prepared([batch])
        return results

    def _prepared_batches(
        self,
        stream: FeedStream,
        episodes: Iterator[ParsedEpisode],
        *,
        online: bool,
        client: httpx.Client | None,
    ) -> Iterator[list[PreparedEpisode]]:
        """Episodes built, summarised and turned into rows ``INGEST_BATCH`` at a time: a
        feed's episodes are never all held at once (peak memory stays a few times the
        feed's bytes, whatever its length)."""
        chapters = _ChapterBudget(self.settings.fetch.deadline_seconds) if online else None
        while batch := list(itertools.islice(episodes, INGEST_BATCH)):
            if chapters is not None:  # a feed read from a file never reaches the network
                batch = self._with_json_chapters(
                    batch, stream.warnings, client=client, budget=chapters
                )
            yield self._prepared(stream, batch)

    def _with_json_chapters(
        self,
        episodes: list[ParsedEpisode],
        warnings: list[str],
        *,
        client: httpx.Client | None = None,
        budget: _ChapterBudget | None = None,
    ) -> list[ParsedEpisode]:
        """Fetch the ``podcast:chapters`` JSON of (new or changed) episodes and attach it.

        At most ``MAX_CHAPTER_FETCHES`` per ingest (a feed's back catalogue must
        not cost a request per episode every time), all within one fetch
        deadline (twenty slow servers must not hold the feed for twenty); a
        failure is a warning.  ``budget`` carries both across an ingest's batches.
        """
        from bot.feeds.chapters import attach_chapters, chapters_from_json, merge_chapters
        from bot.feeds.fetch import fetch_url
        from bot.feeds.transport import deadline, past_deadline

        out = []
        budget = budget or _ChapterBudget(self.settings.fetch.deadline_seconds)
        seconds = budget.seconds_left()
        started = time.monotonic()
        with deadline(seconds):
            for episode in episodes:
                url = episode.chapters_url
                if url is None or budget.fetches >= MAX_CHAPTER_FETCHES or past_deadline():
                    out.append(episode)
                    continue
                budget.fetches += 1
                try:
                    fetched = fetch_url(
                        client or self._client(),
                        url,
                        max_bytes=CHAPTERS_MAX_BYTES,
                        deadline_seconds=seconds,
                    )
                    found = chapters_from_json(fetched.content or b"{}")
                except (SourceError, ValueError) as exc:
                    warnings.append(f"{episode.title[:60]}: chapters not read ({exc})")
                    out.append(episode)
                    continue
                chapters = merge_chapters(episode.chapters, found)
                items = tuple(attach_chapters(episode.items, chapters))
                out.append(episode.model_copy(update={"chapters": chapters, "items": items}))
        budget.spent += time.monotonic() - started
        return out

    def _prepared(self, stream: FeedStream, batch: list[ParsedEpisode]) -> list[PreparedEpisode]:
        """Summarise a batch and turn it into rows, on the building thread."""
        return [prepare_episode(stream.title, e) for e in self._summarised(stream, batch)]

    def _summarised(self, stream: FeedStream, batch: list[ParsedEpisode]) -> list[ParsedEpisode]:
        if self._summariser is None:
            return batch
        feed = ParsedFeed(title=stream.title, source=stream.source, episodes=tuple(batch))
        return list(self._summariser(feed).episodes)

    def _guarded_client(self) -> httpx.Client:
        """The client for feeds added from chat: every address checked, save ``allow_private``."""
        with self._client_lock:  # ingest runs in worker threads: build it once
            if self._guarded_http is None:
                from bot.feeds.fetch import make_client

                self._guarded_http = make_client(
                    timeout=self.settings.fetch.timeout_seconds,
                    user_agent=self.settings.fetch.user_agent,
                    guard=self._guard(),
                )
            return self._guarded_http

    def _guard(self) -> FetchGuard:
        from bot.feeds.guard import FetchGuard

        return FetchGuard.from_allowlist(self.settings.fetch.allow_private)

    def _client(self) -> httpx.Client:
        if self._http is None:
            from bot.feeds.fetch import make_client

            self._http = make_client(
                timeout=self.settings.fetch.timeout_seconds,
                user_agent=self.settings.fetch.user_agent,
            )
        return self._http

    # --- lookups ------------------------------------------------------------

    def episodes(self, limit: int | None = None) -> list[Episode]:
        """Stored episodes, newest first."""
        return self.store.episodes(limit)

    def find_episode(self, query: str | None = None) -> Episode:
        """An episode by id, date (YYYY-MM-DD) or words of its title; default the latest."""
        query = (query or "").strip()
        if not query:
            latest = self.store.episodes(1)
            if not latest:
                raise EmptyStoreError("No episodes yet: run `digestbot ingest FEED` first.")
            return latest[0]
        found = self.store.episode(query)
        if found is not None:
            return found
        if _DATE.match(query):
            on_day = self.store.episodes_on(query)
            if on_day:
                return on_day[0]
        words = re.findall(r"\w+", query.casefold())[:12]
        matches = self.store.episodes_titled(words) if words else []
        if matches:
            return matches[0]
        if self.store.episode_count() == 0:
            raise EmptyStoreError("No episodes yet: run `digestbot ingest FEED` first.")
        raise NotFoundError(
            f"No episode matches '{query[:80]}'. Use an id, a date (YYYY-MM-DD) or title words."
        )

    def tldr(self, episode: str | None = None) -> Digest:
        """The TL;DR of one episode (default: the latest), grouped by section."""
        found = self.find_episode(episode)
        self._link_entities()
        return compose([(found, self.store.items_of_episode(found.id))])

    def digest(
        self,
        episodes: Sequence[Episode],
        *,
        title: str | None = None,
        sections: Sequence[str] = (),
        keywords: Sequence[str] = (),
        facts: FactFilter | None = None,
    ) -> Digest:
        """One digest over several episodes, the same release merged across shows.

        ``facts`` keeps only the releases by its organisations / under its licences.
        """
        self._link_entities()
        return compose(
            [(e, _passing(self.store.items_of_episode(e.id), facts)) for e in episodes],
            title=title,
            sections=sections,
            keywords=keywords,
        )

    @timed("release")
    def release(self, query: str) -> ReleaseReply:
        """The best matching release and its other mentions (``LookupCore.release``)."""
        return super().release(query)

    # What LookupCore builds its answers of: the models.
    def _answer(
        self,
        item: Item,
        mentions: tuple[Mention, ...],
        entity: ReleaseEntity | None,
        scope: Scope,
        total: int,
    ) -> ReleaseReply:
        return ReleaseReply(
            item=item, mentions=mentions, entity=entity, scope=scope, mentions_total=total
        )

    def _item_answer(self, item: Item) -> ReleaseReply:
        return ReleaseReply(item=item)

    def _mention(self, row: MentionRow, entity: str | None) -> Mention:
        return Mention(name=row.name, headline=row.headline, episode=row.episode, entity=entity)

    def _family(self, key: str, family: str) -> ReleaseEntity:
        return ReleaseEntity(id=key, name=family, family=family, org=None)

    def _hit(self, item: Item, score: float) -> SearchHit:
        return SearchHit(item=item, score=score)

    @timed("search")
    def search(self, query: str, limit: int = 10, *, any_word: bool = False) -> list[SearchHit]:
        """Items matching ``query``, best first (any text is safe): the full-text ranking,
        blended with the semantic one when the ``semantic`` extra is enabled and the full
        text finds few items with every word (``bot.lookup.semantic_pays``).
        ``any_word``: items matching any of the words, not all first (related releases)."""
        if self.semantic is None or (not any_word and not semantic_pays(self.store, query)):
            return self._text_search(query, limit, any_word=any_word)
        from bot.store.semantic import blend

        limit = max(1, min(limit, 100))
        hits = self._text_search(query, limit + RERANK_EXTRA, any_word=any_word)
        rowids = self.semantic.store.rowids_of([h.item.id for h in hits])
        text = {rowids[h.item.id]: h.score for h in hits if h.item.id in rowids}
        from bot.store.semantic import SEMANTIC_CANDIDATES

        semantic = self.semantic.scores(query, list(text), top=SEMANTIC_CANDIDATES)
        return self._hits(blend(text, semantic, limit))

    def release_names(self, prefix: str, limit: int = 25) -> list[str]:
        """Release names for autocomplete: prefix matches newest first, then close ones."""
        return self._name_index().complete(prefix, limit)

    def _name_index(self) -> StoredNames:
        return self._names


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work that makes no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_engine(
    settings: Settings | None = None,
    *,
    db_path: str | os.PathLike[str] | None = None,
    store: StoreLike | None = None,
    http_client: httpx.Client | None = None,
    summariser: Summariser | None = None,
    lazy_settings: bool = False,
    semantic: bool | None = None,
) -> Engine:
    """Build an engine: settings from the environment/config unless given.

    ``db_path`` (or ``store``) overrides where the database lives; ``":memory:"``
    works for tests.  ``lazy_settings``: when the settings are certainly the defaults
    (``settings_are_defaults``) they are loaded only if used: a lookup or the
    re-ingest of an unchanged file never does (pydantic-settings is 150 ms of a
    250 ms ``digestbot release``).
    """
    if settings is None:
        from bot.config_defaults import settings_are_defaults

        if not (lazy_settings and settings_are_defaults()):
            from bot.config import load_settings

            settings = load_settings()
    if store is None:
        store = open_store(str(db_path) if db_path is not None else default_db_path(settings))
    return Engine(
        settings,
        store,
        http_client=http_client,
        summariser=summariser,
        semantic=_semantic_index(store, settings, semantic),
    )


def _semantic_index(
    store: StoreLike, settings: Settings | None, wanted: bool | None
) -> SemanticIndex | None:
    """The semantic index when asked for (default: ``[search] semantic``, on when the
    settings are the defaults) and installed."""
    from bot.store import semantic

    if wanted is None:
        wanted = settings.search.semantic if settings is not None else True
    if not wanted or type(store) is not Store or not semantic.available():
        return None  # the side tables are SQLite's (a PostgreSQL store: full text only)
    try:
        return semantic.SemanticIndex(store)
    except StorageError as exc:  # a read-only database: full text only
        log.warning("semantic search off: %s", exc)
        return None


__all__ = ["Engine", "IngestReport", "SourceError", "default_db_path", "make_engine"]


def _passing(items: list[Item], facts: FactFilter | None) -> list[Item]:
    """``items`` that pass the fact filter (all of them without one)."""
    return [i for i in items if facts.matches_item(i)] if facts else items
