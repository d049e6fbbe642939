"""Threaded posts: a weekly digest as one short parent message and a reply per section.

A subscription with ``threads`` (``digestbot subscribe --threads``, ``/digest
subscribe threads``) posts its digest as a parent message (title, date,
releases per section, the web archive's link) and, in the parent's thread,
one reply per section (a section too long for one message takes several).
This module holds the platform-neutral part: which targets can thread, the
parent's facts and the per-section digests.  Each platform renders them
(``adapters/*/threads.py``) and posts them with its own thread mechanism
(Slack ``thread_ts``, a Discord thread on the parent or a forum post).

Exactly once holds as for any split digest: the parent is message 0 of the
post, so its id (Slack ``ts``; Discord message id, which is also the id of
the thread started on it or of the forum post) is the first id the ledger
records, and a post resumed after a crash sends the remaining replies into
that same thread instead of starting a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.errors import ConfigError
from bot.models import Digest
from bot.sinks import Sink
from bot.targets import Target
from bot.weblinks import digest_page_url

#: Target kinds that can post a thread (Discord webhooks: into forum channels only).
THREAD_KINDS = frozenset({"slack", "discord", "discord-webhook"})

#: Why the others cannot, said at subscribe time.
_NO_THREADS = {
    "slack-webhook": "Slack incoming webhooks cannot reply in a thread: subscribe the channel"
    " with the bot (slack:CHANNEL_ID, or /digest subscribe threads in it) instead",
    "webhook": "generic JSON webhooks get the whole digest in one request: there is no thread",
    "console": "the console has no threads",
}


def check_threads(target: Target) -> None:
    """Raise ``ConfigError`` (one line) when ``target`` cannot post threaded digests."""
    if target.kind not in THREAD_KINDS:
        reason = _NO_THREADS.get(target.kind, f"{target.kind} targets cannot post threads")
        raise ConfigError(f"threaded posts are not available for {target.kind} targets: {reason}")


@dataclass(frozen=True)
class SectionCount:
    """One line of the parent message: a section and how many releases it lists."""

    name: str
    count: int


@dataclass(frozen=True)
class ThreadParent:
    """What the parent message says, before any platform's escaping."""

    title: str
    published: datetime | None
    sections: tuple[SectionCount, ...]
    total: int
    page_url: str | None
    #: The show notes of a one-episode digest (the link when there is no archive page).
    episode_url: str | None = None
    #: Releases a capped digest does not list (``Digest.left_out``), 0 when none.
    left_out: int = 0


def thread_parent(digest: Digest, *, base_url: str | None = None) -> ThreadParent:
    """The parent message of ``digest``: its title, newest date, counts and archive link.

    The link is the episode's page for a one-episode digest, else the
    archive's front page; none without ``[web] base_url`` (renderers then
    link a single episode's show notes).
    """
    dates = [e.published for e in digest.episodes if e.published is not None]
    page = digest_page_url(base_url, digest)
    if page is None and base_url and digest.episodes:
        page = base_url.rstrip("/") + "/"
    return ThreadParent(
        title=digest.title,
        published=max(dates) if dates else None,
        sections=tuple(SectionCount(s.heading, len(s.items)) for s in digest.sections if s.items),
        total=digest.item_count,
        page_url=page,
        episode_url=digest.episodes[0].url if len(digest.episodes) == 1 else None,
        left_out=digest.left_out.items if digest.left_out is not None else 0,
    )


def section_digests(digest: Digest) -> list[Digest]:
    """One digest per non-empty section of ``digest``, in order: the thread's replies.

    Each keeps the episodes (a release two shows covered still names both)
    and the title; the last carries ``left_out`` (a capped digest's note).
    """
    parts = [
        digest.model_copy(update={"sections": (section,), "left_out": None})
        for section in digest.sections
        if section.items
    ]
    if parts and digest.left_out is not None:
        parts[-1] = parts[-1].model_copy(update={"left_out": digest.left_out})
    return parts


def total_line(parent: ThreadParent) -> str:
    """``12 releases`` (``, 40 more not shown`` for a capped digest), plain text."""
    noun = "release" if parent.total == 1 else "releases"
    line = f"{parent.total} {noun}"
    return f"{line}, {parent.left_out:,} more not shown" if parent.left_out else line


@runtime_checkable
class ThreadingSink(Protocol):
    """A sink that can post a digest as a thread: ``threaded()`` gives that view of it."""

    def threaded(self, base_url: str | None = None) -> Sink:
        """This sink, posting a parent message and one threaded reply per section."""
        ...


def sink_for(sink: Sink, *, threads: bool, base_url: str | None = None) -> Sink:
    """The sink a subscription posts through: the threaded view when it asks for threads.

    A sink that cannot thread posts the digest as usual (``check_threads``
    keeps such subscriptions from being made).
    """
    if threads and isinstance(sink, ThreadingSink):
        return sink.threaded(base_url)
    return sink
