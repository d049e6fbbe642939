"""``/changes`` in chat, and the "what changed" block that can head a weekly post.

Both read ``bot.changes`` (per release family: new releases, moved facts, new
families) and shape it for people: a plain text the platform renderers escape
(``/changes``), or a digest section (the weekly post's head, ``--changes``).
Both are capped by what they list, families dropped whole from the end with a
line saying how many, so no platform ever cuts one in the middle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.changes import Changes, FamilyChanges, changes_since, stored_changes
from bot.models import DigestItem, DigestSection, TextReply

if TYPE_CHECKING:
    from bot.models import Item
    from bot.store.protocol import StoreLike

USAGE = "Usage: /changes [YYYY-MM-DD] - what is new per release family since the last weekly post"
#: Characters of text a ``/changes`` answer lists before saying how many more families
#: there are: under Discord's 2,000 (and Slack's section) once escaped.
CHAT_BUDGET = 1500
#: One family's line is cut here: a family with 40 new releases is one line, not the answer.
LINE_MAX = 300
#: Families the weekly post's "what changed" section lists at most.
SECTION_FAMILIES = 12
SECTION_NAME = "What changed"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def family_summary(fam: FamilyChanges) -> str:
    """What is new in one family, in one line without its name."""
    parts = []
    if fam.first_seen:
        parts.append("new family")
    if fam.new_releases:
        parts.append("new: " + ", ".join(fam.new_releases))
    for change in fam.fact_changes:
        parts.append(f"{change.release} {change.fact}: {change.before} → {change.after}")
    parts.append(f"{fam.mentions} mention{'s' if fam.mentions != 1 else ''}")
    return "; ".join(parts)


def _more(count: int) -> str:
    return f"…and {count} more famil{'ies' if count != 1 else 'y'} with news"


def changes_text(changes: Changes, *, budget: int = CHAT_BUDGET) -> str:
    """The ``/changes`` answer: a head line, then one line per family, capped at ``budget``."""
    when = changes.since.date().isoformat() if changes.since else None
    label = {"last-post": "the last weekly post", "latest-episode": "the latest episode"}
    if changes.basis in label:
        head = f"What changed since {label[changes.basis]}" + (f" ({when}):" if when else ":")
    else:
        head = f"What changed since {when or 'the start'}:"
    if not changes.families:
        return head + "\nNothing new: no new release, family or changed fact."
    lines = [head]
    used = len(head)
    for index, fam in enumerate(changes.families):
        line = _clip(f"• {fam.family}: {family_summary(fam)}", LINE_MAX)
        rest = len(changes.families) - index - 1
        # Room for this line, and for the "more" line should any family follow it.
        reserve = len(_more(rest)) + 1 if rest else 0
        if used + 1 + len(line) + reserve > budget:
            lines.append(_more(len(changes.families) - index))
            break
        lines.append(line)
        used += 1 + len(line)
    return "\n".join(lines)


def _since_of(text: str) -> datetime | None:
    value = datetime.fromisoformat(text)  # ValueError for anything but a date or a time
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def changes_reply(store: StoreLike, text: str = "") -> TextReply:
    """Answer ``/changes [DATE]``: since the last weekly post, or since DATE."""
    text = text.strip()
    since = None
    if text:
        try:
            since = _since_of(text[:40])
        except ValueError:
            return TextReply(text=f"'{text[:40]}' is not a date. {USAGE}", error=True)
    return TextReply(text=changes_text(stored_changes(store, since)))


def changes_section(
    items: list[Item], since: datetime, *, limit: int = SECTION_FAMILIES
) -> DigestSection | None:
    """The "what changed" section heading a weekly post: one line per family with news
    at or after ``since`` (None when there is none), the first ``limit`` families."""
    changes = changes_since(items, since)
    if not changes.families:
        return None
    shown = changes.families[:limit]
    lines = [
        DigestItem(name=fam.family, headline=_clip(family_summary(fam), LINE_MAX)) for fam in shown
    ]
    if len(changes.families) > limit:
        lines.append(DigestItem(name=_more(len(changes.families) - limit), headline=""))
    return DigestSection(name=SECTION_NAME, items=tuple(lines))
