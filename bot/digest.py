"""Composing a TL;DR: items of one or more episodes, grouped by canonical section.

When several episodes (or several shows) are merged, the same release
(same name key) appears once, listing every episode that covered it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.feeds.clean import name_key
from bot.models import Digest, DigestItem, DigestSection, Episode, Item, Link

#: The order sections are shown in; unknown ones go last, before "Other".
SECTION_ORDER = (
    "Open Source LLMs",
    "Big CO LLMs + APIs",
    "This Week's Buzz",
    "Vision & Video",
    "Voice & Audio",
    "AI Art & Diffusion & 3D",
    "Agents",
    "Tools",
    "Robotics",
    "Research",
    "Other",
)


OTHER = "Other"


def _rank(section: str) -> int:
    try:
        return SECTION_ORDER.index(section)
    except ValueError:
        return len(SECTION_ORDER) - 1


def compose(
    episodes: Sequence[tuple[Episode, Sequence[Item]]],
    *,
    title: str | None = None,
    sections: Sequence[str] = (),
    keywords: Sequence[str] = (),
) -> Digest:
    """A digest of ``episodes`` (each with its items), optionally filtered.

    ``sections`` keeps only those canonical sections; ``keywords`` keeps items
    whose name or headline holds any of the words (case-insensitive).
    """
    wanted_sections = {s.casefold() for s in sections}
    wanted_words = [k.casefold() for k in keywords if k.strip()]
    merged: dict[str, tuple[Item, list[Link], list[Episode]]] = {}
    single = len(episodes) == 1
    for episode, items in episodes:
        for item in items:
            if wanted_sections and item.section.casefold() not in wanted_sections:
                continue
            haystack = f"{item.name} {item.headline}".casefold()
            if wanted_words and not any(w in haystack for w in wanted_words):
                continue
            # Within one episode every line stands; across episodes a release shows once.
            key = item.id if single else (name_key(item.name) or item.id)
            if key in merged:
                _, links, sources = merged[key]
                links.extend(link for link in item.links if link not in links)
                if episode not in sources:
                    sources.append(episode)
            else:
                merged[key] = (item, list(item.links), [episode])
    # A section is (canonical name, original header): in "Other" each header the episode
    # gave stays a section of its own ("AI Nobel Prizes"); elsewhere the first one seen.
    by_section: dict[tuple[str, str], list[DigestItem]] = {}
    originals: dict[str, str] = {}
    for item, links, sources in merged.values():
        original = item.section_original.strip()
        if item.section != OTHER:
            original = originals.setdefault(item.section, original)
        by_section.setdefault((item.section, original), []).append(
            DigestItem(
                name=item.name,
                org=item.org,
                headline=item.headline,
                links=tuple(links),
                sources=tuple(e.ref() for e in sources),
                entity=item.entity,
            )
        )
    ordered = sorted(by_section.items(), key=lambda kv: _rank(kv[0][0]))
    refs = tuple(e.ref() for e, _ in episodes)
    if title is None:
        title = refs[0].title if len(refs) == 1 else f"AI digest: {len(refs)} episodes"
    return Digest(
        title=title,
        episodes=refs,
        sections=tuple(
            DigestSection(name=name, items=tuple(items), original=original or None)
            for (name, original), items in ordered
        ),
    )
