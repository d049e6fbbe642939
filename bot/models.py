"""Data that crosses module boundaries: parsed episodes, stored items, and replies.

Everything here is a frozen pydantic model. Parsed data (``ParsedEpisode``)
is kept apart from stored, public data (``Episode``, ``Item``): the parser
knows nothing of ids or storage, the store knows nothing of feed markup.

Replies (``ReleaseReply``, ``SearchReply``, ``DigestReply``, ``TextReply``,
``EpisodesReply``) are platform-neutral: adapters render them for a
terminal, Slack Block Kit or Discord embeds and enforce their own limits.
All text in them is plain text (already cleaned of HTML); adapters escape
it for their platform.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.headlines import headline_detail


class Frozen(BaseModel):
    """Base for every immutable model in digestbot."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Link(Frozen):
    """A labelled link from the show notes ("HF" -> https://huggingface.co/...)."""

    label: str
    url: str


class Chapter(Frozen):
    """A chapter marker of an episode: where in the audio a topic starts."""

    title: str
    start_seconds: int


class Facts(Frozen):
    """Facts about a release, each one found verbatim in the episode text."""

    org: str | None = None
    parameters: tuple[str, ...] = ()
    license: str | None = None
    context: str | None = None
    scores: tuple[str, ...] = ()
    timestamp: str | None = None


# --- parsed (pre-storage) -------------------------------------------------


class ParsedItem(Frozen):
    """One release line of an episode's show notes, as extracted."""

    name: str
    org: str | None = None
    section: str
    section_original: str
    headline: str
    links: tuple[Link, ...] = ()
    chapter: Chapter | None = None
    summary: str = ""
    facts: Facts = Facts()
    #: The item's sub-bullets as plain text: details of this release, not releases of
    #: their own ("70B and 8B", "128K context"). Facts are read from here first.
    details: tuple[str, ...] = ()


class ParsedEpisode(Frozen):
    """One episode as read from a feed entry or a single document."""

    key: str  # stable identity before storage: canonical link, guid or title+date
    title: str
    published: datetime | None = None
    url: str | None = None
    duration_seconds: int | None = None
    audio_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    items: tuple[ParsedItem, ...] = ()
    body: str = ""  # cleaned plain-text body, paragraphs separated by blank lines
    content_hash: str = ""  # hash of the source entry, to skip unchanged episodes
    chapters_url: str | None = None  # podcast:chapters JSON, fetched by the engine


class ParsedFeed(Frozen):
    """A feed (or single document) as parsed, with any warnings raised on the way."""

    title: str
    source: str
    episodes: tuple[ParsedEpisode, ...]
    warnings: tuple[str, ...] = ()


# --- stored (public) ------------------------------------------------------


class EpisodeRef(Frozen):
    """The short form of an episode used inside replies."""

    id: str
    title: str
    published: datetime | None = None
    url: str | None = None


class Episode(Frozen):
    """A stored episode."""

    id: str
    feed: str
    title: str
    published: datetime | None = None
    url: str | None = None
    duration_seconds: int | None = None
    audio_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    item_count: int = 0

    def ref(self) -> EpisodeRef:
        """The short reference used inside replies."""
        return EpisodeRef(id=self.id, title=self.title, published=self.published, url=self.url)


class ReleaseEntity(Frozen):
    """The canonical release an item names (see ``bot.entities``): "Qwen3-Coder", family
    "Qwen".  ``id`` is stable across spellings ("Veo 3", "VEO3")."""

    id: str
    name: str
    family: str
    org: str | None = None


class Item(Frozen):
    """A stored release item."""

    id: str
    episode: EpisodeRef
    position: int
    name: str
    org: str | None = None
    section: str
    section_original: str
    headline: str
    summary: str
    facts: Facts = Facts()
    links: tuple[Link, ...] = ()
    chapter: Chapter | None = None
    entity: ReleaseEntity | None = None

    @property
    def detail(self) -> str:
        """The headline minus the name it opens with (see ``headline_detail``)."""
        return headline_detail(self.name, self.org, self.headline)


class Mention(Frozen):
    """Another place a release came up; ``entity`` is the name of the release it names
    (mentions of a family come grouped by it)."""

    name: str
    headline: str
    episode: EpisodeRef
    entity: str | None = None


class SearchHit(Frozen):
    """One ranked search result."""

    item: Item
    score: float


# --- digests and replies --------------------------------------------------


class DigestItem(Frozen):
    """A release inside a digest, with every episode that covered it."""

    name: str
    org: str | None = None
    headline: str
    links: tuple[Link, ...] = ()
    sources: tuple[EpisodeRef, ...] = ()
    entity: ReleaseEntity | None = None

    @property
    def detail(self) -> str:
        """The headline minus the name it opens with (see ``headline_detail``)."""
        return headline_detail(self.name, self.org, self.headline)


class DigestSection(Frozen):
    """A canonical section of a digest and its items, in show order.

    ``original`` is the header the episode itself gave them ("AI Nobel Prizes"); in
    "Other" every distinct original header is a section of its own.
    """

    name: str
    items: tuple[DigestItem, ...]
    original: str | None = None

    @property
    def heading(self) -> str:
        """What to show as the section's header: the episode's own where the canonical
        one says nothing ("Other")."""
        return self.original if self.name == "Other" and self.original else self.name


class LeftOut(Frozen):
    """What a digest cut to a size does not list: how many releases, from which sections."""

    items: int
    sections: tuple[str, ...]

    def text(self) -> str:
        """``…and 2,950 more releases (Open Source LLMs, Vision & Video)``, unescaped."""
        noun = "release" if self.items == 1 else "releases"
        where = f" ({', '.join(self.sections)})" if self.sections else ""
        return f"…and {self.items:,} more {noun}{where}"


class Digest(Frozen):
    """A TL;DR of one or more episodes, grouped by section.

    ``left_out`` is set on a digest cut to fit a post (``bot.schedule.capping``):
    renderers end it with that note and a link to the episode.
    """

    title: str
    episodes: tuple[EpisodeRef, ...]
    sections: tuple[DigestSection, ...]
    left_out: LeftOut | None = None
    #: Posted as a parent message and a reply per section (``bot.threads``).  Kept with a
    #: post's digest in the ledger, so a post resumes in the layout it began with.
    threaded: bool = False

    @property
    def item_count(self) -> int:
        """How many releases the digest lists."""
        return sum(len(s.items) for s in self.sections)


class ReleaseReply(Frozen):
    """Answer to ``/release NAME``."""

    kind: Literal["release"] = "release"
    item: Item
    mentions: tuple[Mention, ...] = ()
    #: What the answer covers: one release entity, or its whole family ("release qwen").
    entity: ReleaseEntity | None = None
    scope: Literal["entity", "family"] = "entity"
    #: Every other mention in scope; ``mentions`` holds the first ``MAX_MENTIONS`` of them.
    mentions_total: int = 0
    #: The web archive's page for this answer, when ``[web] base_url`` is set.
    page_url: str | None = None

    @property
    def more_mentions(self) -> int:
        """How many mentions are not listed in ``mentions``."""
        return max(0, self.mentions_total - len(self.mentions))

    def mention_label(self, mention: Mention) -> str:
        """The release a mention names, shown in a family's timeline ("" otherwise)."""
        return (mention.entity or "") if self.scope == "family" else ""


def more_mentions_line(count: int) -> str:
    """The line that says a timeline goes on: "and 28 more mentions"."""
    return f"and {count} more mention{'s' if count != 1 else ''}"


class SearchReply(Frozen):
    """Answer to ``/search QUERY``."""

    kind: Literal["search"] = "search"
    query: str
    hits: tuple[SearchHit, ...]


class DigestReply(Frozen):
    """Answer to ``/tldr`` and the body of a scheduled post."""

    kind: Literal["digest"] = "digest"
    digest: Digest
    #: The web archive's page for this TL;DR, when ``[web] base_url`` is set.
    page_url: str | None = None


class EpisodesReply(Frozen):
    """Answer to ``episodes``: stored episodes, newest first."""

    kind: Literal["episodes"] = "episodes"
    episodes: tuple[Episode, ...]


class TextReply(Frozen):
    """A plain message: a confirmation, a status, or a polite error.

    ``error`` replies are user mistakes (unknown release, bad option) and
    adapters show them privately; ``suggestions`` lists nearest names.
    """

    kind: Literal["text"] = "text"
    text: str
    error: bool = False
    suggestions: tuple[str, ...] = ()


class ImageReply(Frozen):
    """A picture (``/timeline qwen``): PNG bytes, a title and alt text for screen readers."""

    kind: Literal["image"] = "image"
    title: str
    alt: str
    png: bytes
    filename: str = "image.png"


Reply = Annotated[
    ReleaseReply | SearchReply | DigestReply | EpisodesReply | TextReply | ImageReply,
    Field(discriminator="kind"),
]
