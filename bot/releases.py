"""Answering ``release QUERY`` over entities: which mention to open on, and the timeline.

Pure functions over ``MentionRow``s (newest first) that the engine reads from
the store.  The mention to open on is the best *release line*, recent among
those (``mention_quality``):

* it links somewhere (+1), to the release itself (weights, code or paper on
  Hugging Face, GitHub or arXiv: +1 more);
* its headline is a real one: a dozen characters beyond the name, not cut off
  ("... mode for", "...", a trailing colon) (+1);
* in a family answer, a mention of a versioned member ("Qwen3-Coder", "Veo 3")
  (+1) over one of the bare family word ("Qwen is on fire");
* the bare name the user typed ("kokoro") counts (+2) only when its line opens
  with it, links the release itself and is recent in its family (within
  ``RECENT_DAYS`` of the newest mention): "Kokoro - #1 TTS" with its Hugging
  Face page opens ``release kokoro``; "Gemini in Chrome" does not open
  ``release gemini``, nor "DeepCogito ... beating DeepSeek 70B" or a 2024
  "DeepSeek coder V2" line ``release deepseek`` when DeepSeek V3.2 is out.

The rest of the answer is the timeline: every other mention, grouped by
release entity (groups newest first), newest first within a group.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.headlines import headline_detail
from bot.store.reads import MentionOf

#: What ranking reads of a mention: ``bot.store.reads.MentionOf``, whichever kind of
#: episode it holds (the store's ``MentionRow``, the pydantic-free ``MentionLine``).
MentionFields = MentionOf[Any]


#: A mention row of either kind (functions hand back the rows they were given).
Row = TypeVar("Row", bound=MentionFields)

#: Hosts whose link is the release itself: weights, code or paper.
ARTIFACT_HOSTS = frozenset({"huggingface.co", "hf.co", "github.com", "arxiv.org"})
#: Words a cut-off headline ends on ("Claude launches code interpreter mode for").
_DANGLING = frozenset({"for", "and", "with", "the", "of", "to", "a", "an", "in", "on", "by", "&"})
#: Characters of headline beyond the name that make it a real headline.
REAL_DETAIL = 12
#: How far behind a family's newest mention a bare-name line may be to open an answer.
RECENT_DAYS = 180


def has_version(name: str) -> bool:
    """Whether an entity name carries a version number ("Veo 3", "o3", not "Gemini CLI")."""
    return any(char.isdigit() for char in name)


def is_artifact(url: str) -> bool:
    """Whether ``url`` points at weights, code or a paper."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host in ARTIFACT_HOSTS


def real_headline(name: str, org: str | None, headline: str) -> bool:
    """Whether a headline says something beyond the name and is not cut off."""
    detail = headline_detail(name, org, headline).strip()
    if len(detail) < REAL_DETAIL or "(" in name:
        return False
    if detail.endswith((":", "...", "…", "-")):
        return False
    last = detail.rsplit(maxsplit=1)[-1].casefold()
    return last not in _DANGLING


def opens_with_name(row: MentionFields) -> bool:
    """Whether the line is about its item: its headline opens with the name, or with
    the org and then the name ("Alibaba - Qwen 2.5 Max - ...")."""
    after_org = headline_detail("", row.org, row.headline)
    return headline_detail(row.name, None, after_org) != after_org


def mention_quality(
    row: MentionFields, *, query_key: str, family: bool, versioned: bool, recent: bool = True
) -> int:
    """How good a line ``row`` is to open an answer on (see the module docstring);
    ``recent``: whether it is within ``RECENT_DAYS`` of the newest mention in scope."""
    artifact = any(is_artifact(url) for url in row.links)
    score = (1 if row.links else 0) + (1 if artifact else 0)
    score += 1 if real_headline(row.name, row.org, row.headline) else 0
    if family and versioned:
        score += 1
    if artifact and recent and row.entity_id == query_key and opens_with_name(row):
        score += 2
    return score


def best_mention(
    rows: Sequence[Row], *, query_key: str, family: bool, versioned: set[str]
) -> Row | None:
    """The mention to open on: the best quality, the newest among equals."""
    best: Row | None = None
    best_key: tuple[int, str] = (-1, "")
    cutoff = _days_before(max((r.published for r in rows), default=""), RECENT_DAYS)
    for row in rows:
        quality = mention_quality(
            row,
            query_key=query_key,
            family=family,
            versioned=row.entity_id in versioned,
            recent=row.published >= cutoff,
        )
        key = (quality, row.published)
        if key > best_key:  # rows come newest first: a tie keeps the newer
            best, best_key = row, key
    return best


def _days_before(iso: str, days: int) -> str:
    """The ISO date ``days`` before ``iso`` ("" when undated: every row is then recent)."""
    try:
        return (datetime.fromisoformat(iso) - timedelta(days=days)).isoformat()
    except ValueError:
        return ""


def timeline(rows: Sequence[Row], *, skip: str) -> list[Row]:
    """Every row but ``skip`` (an item id), grouped by entity, groups by their newest
    mention, newest first within a group.  ``rows`` come newest first."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.item_id != skip:
            groups.setdefault(row.entity_id, []).append(row)
    return [row for group in groups.values() for row in group]
