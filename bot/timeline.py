"""A release family's timeline as data, a PNG and alt text.

``timeline_points(store, "qwen")`` reads every mention of the family's
releases (oldest first) with its show and the parameter counts the episode
states; ``render_timeline_png(points, title=...)`` draws them: time across,
one row per release, one marker style per show, parameter counts written
next to a release's first mention that states them.  ``timeline_alt_text``
says the same in words for screen readers and chat attachments.

matplotlib is an optional extra (``.[charts]``) imported only when drawing,
with its non-interactive Agg backend (no display, no GUI toolkit).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, cast

from bot.errors import NotFoundError, StorageError
from bot.feeds.clean import name_key
from bot.store.protocol import StoreLike

if TYPE_CHECKING:
    from bot.models import ReleaseEntity

#: Releases drawn at most (the most recently mentioned); the title says how many more.
MAX_RELEASES = 30
#: Characters of a release name drawn at most.
MAX_LABEL = 32
#: Characters of alt text at most (Discord's attachment description allows 1,024).
MAX_ALT = 1000
#: Marker shapes, one per show, in order of first appearance.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: A parameter count written in a release's name: "QvQ 72B", "Qwen3-Omni-30B-A3B", "82M".
_NAME_SIZE = re.compile(r"(?<![\w.])(?:\d+x)?\d+(?:\.\d+)?[BMT](?![\w.])|(?<=-)A\d+(?:\.\d+)?B\b")


class ChartsMissingError(NotFoundError):
    """matplotlib (the ``charts`` extra) is not installed."""


class _HasStore(Protocol):
    @property
    def store(self) -> StoreLike: ...


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One mention of a family's release: when, which release, which show."""

    published: datetime
    entity_id: str
    release: str  # the release entity's name ("Qwen3-Coder")
    family: str  # the family's display name ("Qwen")
    show: str  # the feed's title
    name: str  # the item's own name as the episode wrote it
    parameters: tuple[str, ...]  # e.g. ("480B", "A35B"), only when the episode states them
    episode_id: str
    episode_title: str


def family_entities(store: StoreLike, query: str) -> list[ReleaseEntity]:
    """The family ``query`` names ("qwen", or one of its releases, "qwen3-coder")."""
    from bot.entities import family_key

    key = name_key(query)
    if not key:
        return []
    try:
        store.fill_entities()  # linking is lazy: items stored since the last lookup
    except StorageError:
        pass  # a read-only database: draw what is linked
    found = store.family_entities(key)
    if found:
        return found
    entity = store.entity(key)
    if entity is None:
        from bot.entities import entity_for

        derived = entity_for(query[:200])
        entity = store.entity(derived.id) if derived else None
    if entity is None:
        return []
    return store.family_entities(family_key(entity.name)) or [entity]


def timeline_points(source: StoreLike | _HasStore, family: str) -> list[TimelinePoint]:
    """Every dated mention of ``family``'s releases, oldest first.

    ``source`` is a ``Store`` or anything holding one as ``.store`` (the engine).
    Raises ``NotFoundError`` when no family or release has that name.
    """
    store = cast("StoreLike", getattr(source, "store", source))  # an engine, or a store
    entities = family_entities(store, family)
    if not entities:
        raise NotFoundError(f"No release family matches '{family[:80]}'.")
    names = {e.id: e.name for e in entities}
    ids = list(names)[:500]
    from bot.store.sqlite import Store
    from bot.store.timelines import timeline_rows

    if not isinstance(store, Store):  # the PostgreSQL store: no timelines yet
        raise StorageError("Timelines are drawn from a SQLite database only.")
    rows = timeline_rows(store, ids)
    points = []
    for entity_id, name, facts, published, episode_id, title, feed in rows:
        when = datetime.fromisoformat(published)
        points.append(
            TimelinePoint(
                published=when if when.tzinfo else when.replace(tzinfo=UTC),
                entity_id=entity_id,
                release=names[entity_id],
                family=entities[0].family,
                show=feed or "?",
                name=name,
                parameters=_parameters(name, facts),
                episode_id=episode_id,
                episode_title=title,
            )
        )
    return points


def _parameters(name: str, facts: str) -> tuple[str, ...]:
    """Parameter counts the episode states: its facts, else those written in the name."""
    stated = json.loads(facts).get("parameters") or []
    if stated:
        return tuple(str(p) for p in stated)
    return tuple(_NAME_SIZE.findall(name[:200]))


def _releases(points: list[TimelinePoint]) -> list[str]:
    """Release ids, most recently mentioned first."""
    newest: dict[str, datetime] = {}
    for point in points:
        newest[point.entity_id] = max(newest.get(point.entity_id, point.published), point.published)
    return sorted(newest, key=lambda k: newest[k], reverse=True)


def _label(text: str) -> str:
    """A label safe for matplotlib: no mathtext ($...$), bounded length."""
    text = " ".join(text.split())
    text = text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"
    return text.replace("$", r"\$")


def render_timeline_png(points: list[TimelinePoint], *, title: str) -> bytes:
    """The timeline as PNG bytes: releases as rows (newest on top), time across,
    one marker per show, parameter counts beside a release's first stated ones.

    Raises ``ChartsMissingError`` without matplotlib, ``NotFoundError`` for no points.
    """
    if not points:
        raise NotFoundError("Nothing to draw: no dated mentions.")
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.dates as mdates
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ChartsMissingError(
            "Timelines need matplotlib: pip install 'digestbot[charts]'."
        ) from exc

    order = _releases(points)
    shown = order[:MAX_RELEASES]
    hidden = len(order) - len(shown)
    row = {entity_id: len(shown) - 1 - i for i, entity_id in enumerate(shown)}  # newest on top
    drawn = [p for p in points if p.entity_id in row]
    shows = list(dict.fromkeys(p.show for p in drawn))

    height = 1.6 + 0.32 * len(shown)
    fig = Figure(figsize=(10, height), dpi=100)
    ax = fig.add_subplot()
    for index, show in enumerate(shows):
        mine = [p for p in drawn if p.show == show]
        ax.scatter(
            mdates.date2num([p.published for p in mine]),  # type: ignore[no-untyped-call]
            [row[p.entity_id] for p in mine],
            marker=_MARKERS[index % len(_MARKERS)],
            s=42,
            color=f"C{index % 10}",
            label=_label(show),
            zorder=3,
        )
    labelled: set[str] = set()
    for point in drawn:  # the first stated parameter count of each release
        if point.parameters and point.entity_id not in labelled:
            labelled.add(point.entity_id)
            ax.annotate(
                _label(", ".join(point.parameters[:3])),
                (point.published, row[point.entity_id]),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize=7,
                color="#333333",
            )
    names = {p.entity_id: p.release for p in drawn}
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([_label(names[e]) for e in reversed(shown)], fontsize=8)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(axis="x", color="#dddddd", zorder=0)
    ax.grid(axis="y", color="#f0f0f0", zorder=0)
    heading = " ".join(title.split())[:80].replace("$", r"\$")
    if hidden:
        heading += f" (newest {len(shown)} releases; {hidden} more)"
    ax.set_title(heading, fontsize=11)
    ax.legend(  # below the axes: inside, it would hide the oldest or newest markers
        title="show",
        fontsize=7,
        title_fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncols=min(3, len(shows)),
        frameon=False,
    )
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def timeline_alt_text(points: list[TimelinePoint]) -> str:
    """The timeline in one paragraph of words (alt text for the PNG)."""
    if not points:
        return "An empty release timeline."
    family = points[0].family
    order = _releases(points)
    shows = list(dict.fromkeys(p.show for p in points))
    first, last = points[0].published, points[-1].published
    text = (
        f"Timeline of the {family} family: {len(points)} mention(s) of {len(order)} release(s)"
        f" from {first:%b %Y} to {last:%b %Y}, in {', '.join(shows)}."
    )
    newest_first: dict[str, TimelinePoint] = {}
    for point in reversed(points):
        newest_first.setdefault(point.entity_id, point)
    parts = []
    for entity_id in order:
        point = newest_first[entity_id]
        params = next(
            (p.parameters for p in points if p.entity_id == entity_id and p.parameters), ()
        )
        size = f", {', '.join(params[:3])}" if params else ""
        parts.append(f"{point.release} ({point.published:%Y-%m-%d}{size})")
    text += " Newest first: " + "; ".join(parts) + "."
    if len(text) > MAX_ALT:
        text = text[: MAX_ALT - 1].rsplit(";", 1)[0] + "; …"
    return " ".join(text.split())


def timeline_picture(source: StoreLike | _HasStore, family: str) -> tuple[str, str, bytes]:
    """(title, alt text, PNG) of ``family``'s timeline, for chat and the web."""
    points = timeline_points(source, family)
    title = f"{points[0].family} releases"
    return title, timeline_alt_text(points), render_timeline_png(points, title=title)
