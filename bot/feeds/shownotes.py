"""Show notes of an episode into release items.

The release list is found by its shape, not by one show's markers: runs of
entries that look alike, scored against what is not a release list.

* A **bullet run**: bullets (flat ``<p>* ...</p>``, ``<ul><li>``, Markdown)
  under section headers of any shape.  An unbulleted short line between
  bullets ("Google IO updates - ...") is a sub-header, not the list's end.
* A **paragraph run**: paragraphs or headings that open with a link
  ("#### [Title](url)", "[Title](url) - summary" under "#### Business") or
  that close with a link group ("Qwen3-VL: ... (X, HF)"), with summary
  paragraphs between them.

Runs are scored by their linked, named entries; chapter lines, social and
subscribe links and prose without names score nothing; a run after a TL;DR
marker ("TL;DR + Show Notes", "Topics covered") gets a bonus.  The best run
is read into items (``items.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from bot.feeds.blocks import Block
from bot.feeds.clean import name_key
from bot.feeds.entries import (
    has_link_group,
    is_chapter,
    is_junk,
    is_link_entry,
    is_marker,
    looks_like_header,
)
from bot.feeds.items import (
    read_bullet_run,
    read_paragraph_run,
    read_titled_prose,
    read_topic_run,
)
from bot.feeds.names import announces_release, is_person_line, names_release, split_name
from bot.feeds.orgs import KNOWN_ORGS
from bot.feeds.relink import borrow_links
from bot.feeds.sections import OTHER, SKIPPED_SECTIONS, canonical_section, names_a_section
from bot.models import ParsedItem

__all__ = [
    "KNOWN_ORGS",
    "OTHER",
    "SKIPPED_SECTIONS",
    "canonical_section",
    "extract_items",
    "find_list",
    "is_person_line",
    "split_name",
]

#: How many summary paragraphs may sit between two entries of a paragraph run.
_MAX_GAP = 8
#: A run that follows a TL;DR marker counts this much more.
_MARKER_BONUS = 1.5
_CONTENTS = re.compile(r"\btable of contents\b|^contents:?$|^in this (?:episode|issue)\b", re.I)
#: A marked list scoring this much is the list; other shapes are not looked for.
_SURE_SCORE = 10.0
#: Below this score a run is no release list (a reading list of six bare links scores 1.2).
_MIN_SCORE = 3.0
#: A prose line this short, followed by a bullet, is a sub-header inside a list.
_SUBHEADER_MAX = 160


class Run(NamedTuple):
    """A candidate list: its block range, its shape and how much it reads like releases."""

    start: int
    end: int
    kind: str  # "bullets" or "paragraphs"
    score: float
    #: Link-less release titles that continue a paragraph run (block indexes).
    titles: frozenset[int] = frozenset()


def extract_items(blocks: Sequence[Block]) -> list[ParsedItem]:
    """Release items of an episode's show notes, in show order (empty if none).

    A release the notes name twice (a recap's intro and its body, two topics) is one
    item: the later mention's headline, details and links join the first.  A link-less
    item then takes the links of its release's own linked line elsewhere in the notes
    (``relink.py``).
    """
    return borrow_links(merge_repeats(_extract_items(blocks)), blocks)


def merge_repeats(items: Sequence[ParsedItem]) -> list[ParsedItem]:
    """``items`` with each name kept once (case, spacing and punctuation ignored)."""
    first: dict[str, int] = {}
    out: list[ParsedItem] = []
    for item in items:
        key = name_key(item.name)
        if not key or key not in first:
            if key:
                first[key] = len(out)
            out.append(item)
            continue
        kept = out[first[key]]
        seen = {link.url for link in kept.links}
        extra = tuple(link for link in item.links if link.url not in seen)
        more = tuple(d for d in (item.headline, *item.details) if d and d not in kept.details)
        out[first[key]] = kept.model_copy(
            update={
                "links": kept.links + extra,
                "details": kept.details + more,
                "org": kept.org or item.org,
            }
        )
    return out


def _extract_items(blocks: Sequence[Block]) -> list[ParsedItem]:
    blocks = without_community_digests(blocks)
    kinds = _Kinds(blocks)
    run = _best_run(kinds)
    if run is None:
        titles = _prose_titles(kinds)
        return read_titled_prose(blocks, titles) if len(titles) >= _MIN_PROSE_TITLES else []
    span = blocks[run.start : run.end]
    if run.kind == "paragraphs":
        # The finder's entries (and the link-less titles it took in) are the items.
        entries = frozenset(
            i - run.start for i in range(run.start, run.end) if i in run.titles or kinds.entry(i)
        )
        return read_paragraph_run(span, entries)
    if run.kind == "topics":
        return read_topic_run(span)
    # What the finder learnt of each block is reused: "h" header, "j" junk, "l" linked.
    topics = _is_topic_list(blocks, run)
    flags = [
        "h"
        if not block.bullet or kinds.header(i)
        else "j"
        if kinds.junk(i)
        else "l"
        if kinds.linked(i) or topics
        else "b"
        for i, block in enumerate(span, start=run.start)
    ]
    return read_bullet_run(span, flags)


# "Topics Covered:", "Topics we covered": the marker of a list of topics, one a line.
_TOPICS_MARKER = re.compile(r"^\W*topics (?:we )?covered\b", re.I)
#: A topic is one short line; a longer one is prose and may be a parent's detail.
_TOPIC_MAX = 80


def _is_topic_list(blocks: Sequence[Block], run: Run) -> bool:
    """Whether a bullet run is a flat "Topics covered:" list without links.

    Each of its lines is one topic ("Inside Google's new AntiGravity IDE", "Generating
    4K assets with Nano Banana Pro"): such a list has no sub-bullets, so no line is
    read as the detail of the line above it (the reader's guess for link-less lines).
    """
    if run.start == 0 or not _TOPICS_MARKER.match(blocks[run.start - 1].text):
        return False
    span = blocks[run.start : run.end]
    bullets = [b for b in span if b.bullet]
    return bool(bullets) and all(
        not b.links and b.depth == 0 and len(b.text) <= _TOPIC_MAX and not b.text.endswith(".")
        for b in bullets
    )


# A heading over a digest of community chat ("AI Reddit Recap", "AI Discord Recap",
# "/r/LocalLlama Recap"): posts and chats about releases, not a list of them.
# "Detailed by-Channel summaries" and "Server ▷ #channel (N messages)" head chat digests too.
_COMMUNITY = re.compile(r"\b(?:reddit|subreddits?|discord|by-channel)\b|(?:^|\s)/?r/\w|▷\s*#", re.I)


def without_community_digests(blocks: Sequence[Block]) -> Sequence[Block]:
    """The blocks outside community-digest parts (a heading naming Reddit or Discord,
    up to the next heading of its level or higher that names neither)."""
    if not any(b.heading and _COMMUNITY.search(b.text) for b in blocks):
        return blocks  # the usual case: no copy
    kept: list[Block] = []
    skipping = 0  # the level of the digest heading being skipped, 0 when none
    for block in blocks:
        if block.heading and (not skipping or block.heading <= skipping):
            digest = _COMMUNITY.search(block.text) is not None
            skipping = block.heading if digest else 0
        if not skipping:
            kept.append(block)
    return kept


def find_list(blocks: Sequence[Block]) -> tuple[int, int] | None:
    """The (start, end) block range of the show-notes list, or ``None``."""
    run = find_run(blocks)
    return (run.start, run.end) if run else None


def find_run(blocks: Sequence[Block]) -> Run | None:
    """The best-scoring candidate list of an episode, or ``None`` when none is a list.

    Linear in the number of blocks: each block's kind is computed once, and a
    scan that rejects a run resumes after everything that run looked at.
    """
    return _best_run(_Kinds(blocks))


def _best_run(kinds: _Kinds) -> Run | None:
    blocks = kinds.blocks
    best: Run | None = None
    covered = 0  # a marker inside an earlier marker's run would only find a suffix of it
    scanned_spans: dict[int, int] = {}  # marker runs' blocks: unmarked, they score less
    for i in kinds.markers:
        if i < covered:
            continue
        run, scanned = _bullet_run(kinds, i + 1, after_marker=True)
        scanned_spans[i + 1] = scanned
        covered = scanned
        if run and (best is None or run.score >= best.score):
            best = run
        topics, scanned = _topic_run(kinds, i + 1)
        covered = max(covered, scanned)
        if topics and (best is None or topics.score > best.score):
            best = topics
    if best is not None and best.kind == "bullets" and best.score >= _SURE_SCORE:
        return best  # a long linked list after a marker: no other shape outscores it
    i = 0
    while i < len(blocks):  # unmarked bullet runs
        if i in scanned_spans:
            i = max(scanned_spans[i], i + 1)
            continue
        if blocks[i].bullet and not kinds.junk(i):
            run, scanned = _bullet_run(kinds, i, after_marker=False)
            if run is not None and (best is None or run.score > best.score):
                best = run
            i = max(scanned, i + 1)
            continue
        i += 1
    i = 0
    while i < len(blocks):
        if kinds.entry(i):
            run, scanned = _paragraph_run(kinds, i)
            if run is not None and (best is None or run.score > best.score):
                best = run
            i = max(scanned, i + 1)
            continue
        i += 1
    return best


#: More summary paragraphs allowed before a link-less release title than before an entry.
_TITLE_GAP = 2
#: Linked entries a paragraph run needs before link-less release titles continue it.
_TITLES_AFTER = 3
#: A prose recap with this many release titles is read as a list of them.
_MIN_PROSE_TITLES = 4
#: A title line is at most this long; the paragraph under it at least this long.
_TITLE_MAX = 90
_PROSE_MIN = 80


def _prose_titles(kinds: _Kinds) -> list[int]:
    """Short plain lines naming a release, each over a paragraph about it.

    A 2023 ThursdAI recap has no list: "WizardLM-70B V1.0 tops OSS charts (source)"
    and then paragraphs about it.  A title names a release or an org ("Alibaba
    releases Qwen7b"), does not end like a sentence, and is not a section header.
    """
    return [i for i in range(len(kinds.blocks) - 1) if _prose_title(kinds, i)]


def _prose_title(kinds: _Kinds, i: int) -> bool:
    """Whether block ``i`` is a short plain line naming a release, over a paragraph."""
    blocks = kinds.blocks
    block = blocks[i]
    text = block.text
    if block.bullet or block.heading or len(text) > _TITLE_MAX or len(text) < 4:
        return False
    if i + 1 >= len(blocks) or text.endswith((".", ",", ";", ":")):
        return False
    below = blocks[i + 1]  # a paragraph about it, or bullets of its details
    if len(below.text) < _PROSE_MIN and not below.bullet:
        return False
    colon = text.find(":")
    if colon > 0 and names_a_section(text[:colon]) and not names_release(text[:colon]):
        return False  # "Vision & Video: Wan 2.2 Animate, Kling 2.5": a section's header
    return (
        not kinds.junk(i)
        and (names_release(text) or announces_release(text))
        and not is_person_line(text)
        and not is_marker(block)
    )


class _Kinds:
    """What each block of an episode is, computed once per episode."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self.blocks = blocks
        self._junk: list[bool | None] = [None] * len(blocks)
        self._header: list[bool | None] = [None] * len(blocks)
        self._linked: list[bool | None] = [None] * len(blocks)
        self.markers = [i for i, b in enumerate(blocks) if is_marker(b)]
        self._entry: list[bool | None] = [None] * len(blocks)

    def entry(self, i: int) -> bool:
        """Whether block ``i`` is a paragraph-run entry (computed when asked)."""
        known = self._entry[i]
        if known is None:
            b = self.blocks[i]
            # Cheap tests first: an entry holds a link or closes on ")" (a typed link group).
            known = self._entry[i] = (
                (bool(b.labels) or b.text[-3:].find(")") >= 0)
                and _paragraph_entry(b)
                and not self.junk(i)
            )
        return known

    def linked(self, i: int) -> bool:
        """Whether block ``i`` carries links or a link group (computed when asked)."""
        known = self._linked[i]
        if known is None:
            block = self.blocks[i]
            known = self._linked[i] = bool(block.links) or has_link_group(block)
        return known

    def junk(self, i: int) -> bool:
        """Whether block ``i`` is a chapter, social or subscribe line (computed when asked)."""
        known = self._junk[i]
        if known is None:
            known = self._junk[i] = is_junk(self.blocks[i])
        return known

    def header(self, i: int) -> bool:
        """Whether block ``i`` is a section header (computed when first asked)."""
        known = self._header[i]
        if known is None:
            known = self._header[i] = looks_like_header(self.blocks[i])
        return known


#: A bullet run whose linked lines are at least this share bare links is a reading list.
_READING_LIST = 3 / 2
#: A title before a bare URL is at most this many words.
_TITLE_WORDS = 8


def _bare_link(block: Block) -> bool:
    """Whether the whole line is one link's title (or its URL), with nothing said about it."""
    marked = block.marked
    if len(block.labels) != 1 or not block.links or not marked.endswith("\ue003"):
        return False
    if marked.startswith("\ue002"):
        return True
    # "AWS Outage Summary: https://aws.amazon.com/...": a title, then its bare URL.
    before = marked[: marked.find("\ue002")].rstrip()
    return block.labels[0].startswith(("http://", "https://")) and (
        before.endswith(":") and len(before.split()) <= _TITLE_WORDS
    )


def _entry_score(block: Block, linked: bool) -> float:
    if block.links and block.marked.startswith("\ue002") and block.marked.endswith("\ue003"):
        # The whole line is one link's title: a reading list ("Worse Is Better"), rarely a
        # release list; a release line says what the release is.
        return 0.2 if len(block.labels) == 1 else 0.5
    if linked:
        return 1.0
    first = block.text.split(maxsplit=1)[0] if block.text else ""
    return 0.4 if first[:1].isupper() or any(c.isdigit() for c in first) else 0.1


def _bullet_run(kinds: _Kinds, start: int, *, after_marker: bool) -> tuple[Run | None, int]:
    """The bullet list starting at ``start`` (headers and sub-headers inside it).

    Returns the run (``None`` when it is no list) and where the scan stopped.
    """
    blocks = kinds.blocks
    i = start
    entries = linked = bare = 0
    score = 0.0
    leading_prose = 0
    last_entry = start
    while i < len(blocks):
        block = blocks[i]
        if block.bullet and not kinds.header(i):
            # Host lines carry links ("Alex Volkov - ... (@altryne)") but are no releases.
            if not kinds.junk(i) and not (block.links and is_person_line(block.text)):
                entries += 1
                is_linked = kinds.linked(i)
                linked += is_linked
                bare += _bare_link(block)
                score += _entry_score(block, is_linked) if block.depth == 0 else 0.05
            last_entry = i + 1
        elif kinds.header(i) or _is_subheader(kinds, i, entries):
            pass
        elif entries == 0 and leading_prose < 2 and len(block.text) < 200:
            leading_prose += 1  # a line such as "Here are the links:" before the list
        else:
            break
        i += 1
    end = last_entry
    if _is_contents(blocks, start):
        return None, i  # a table of contents names what follows; it lists no releases
    if after_marker:
        if linked and bare * _READING_LIST >= linked:
            # Most lines are a link and nothing else ("* [Language Machines](url)"): a
            # podcast's reading list under "Show Notes:".  (Unmarked, bare links score
            # too little to make a list unless there are very many.)
            return None, i
        # A marker vouches for a list that carries links; a link-less one may be contents.
        bonus = _MARKER_BONUS if linked else 1.0
        if entries < 2 or score * bonus + 1 < _MIN_SCORE:
            return None, i
        return Run(start, end, "bullets", score * bonus + 1), i
    if entries < 3 or linked < 2 or score < _MIN_SCORE:
        return None, i
    return Run(start, end, "bullets", score), i


def _topic_run(kinds: _Kinds, start: int) -> tuple[Run | None, int]:
    """Topics, each a short header over its chapter lines ("Claude V2:" + "20:11 - ...").

    The 2023 ThursdAI recaps list what was covered this way, after "Topics we covered".
    """
    blocks = kinds.blocks
    topics = 0
    i = start
    end = start
    while i < len(blocks):
        block = blocks[i]
        short = len(block.text) <= 60 and not kinds.junk(i)
        if short and i + 1 < len(blocks) and kinds.junk(i + 1) and is_chapter(blocks[i + 1]):
            topics += 1
            i += 1
            while i < len(blocks) and kinds.junk(i):
                i += 1
            end = i
            continue
        break
    if topics < 3:
        return None, max(i, start)
    return Run(start, end, "topics", topics * _MARKER_BONUS + 1), end


def _is_contents(blocks: Sequence[Block], start: int) -> bool:
    """Whether the run at ``start`` follows a "Table of Contents" line."""
    for j in range(max(0, start - 2), min(start + 1, len(blocks))):
        text = blocks[j].text
        if len(text) < 40 and _CONTENTS.search(text):
            return True
    return False


def _is_subheader(kinds: _Kinds, i: int, entries: int) -> bool:
    """A short unbulleted line inside a list, followed by a bullet: a header of its own."""
    blocks = kinds.blocks
    if entries == 0 or i + 1 >= len(blocks):
        return False
    if len(blocks[i].text) > _SUBHEADER_MAX or kinds.junk(i):
        return False
    if blocks[i].links and not is_person_line(blocks[i].text):
        # "Groq's new LPU show extreme performance - up to 400T/s (example)" over bullets:
        # a release written as a paragraph with its details below, so the recap's body
        # has begun; a header carries no link.
        return False
    return any(
        blocks[j].bullet and not kinds.junk(j) for j in range(i + 1, min(i + 3, len(blocks)))
    )


def _paragraph_entry(block: Block) -> bool:
    """A paragraph or heading that opens with a link, or a short one closing with a link group."""
    if is_link_entry(block):
        entry = block.heading > 0 or block.bullet or _titled(block)
    else:
        entry = not block.bullet and len(block.text) <= 250 and has_link_group(block, strict=True)
    return entry and not is_person_line(block.text)


def _titled(block: Block) -> bool:
    """A paragraph opening with a link reads as a story when the link is a title.

    "[OpenAI raises $40B](url) - summary" is; "[Riddley](url) is a Clojure library
    ..." is prose that happens to open with a link.
    """
    label = block.labels[0]
    if len(label.split()) >= 3:
        return True
    after = block.marked[block.marked.find("\ue003") + 1 :].lstrip()
    return after[:1] in ("-", "–", "—", ":", "|", "")


#: A paragraph this long reads as a summary, not a label line ("Table of Contents:").
_SUMMARY_MIN = 40


def _prose(block: Block) -> bool:
    """Whether ``block`` is a paragraph of prose (a story's summary)."""
    return not block.bullet and not block.heading and len(block.text) >= _SUMMARY_MIN


def _paragraph_run(kinds: _Kinds, start: int) -> tuple[Run | None, int]:
    """Entries with up to ``_MAX_GAP`` summary paragraphs or headers between them."""
    blocks = kinds.blocks
    entries = linked = 0
    score = 0.0
    gap = 0
    end = start
    i = start
    titles: set[int] = set()
    # A long gap may still lead to a link-less release title, never to another entry.
    while i < len(blocks) and gap <= _MAX_GAP + _TITLE_GAP:
        block = blocks[i]
        if entries >= _TITLES_AFTER and not block.labels and _prose_title(kinds, i):
            # The body's release headings go on without links ("Kling 2.5 Turbo: ...").
            titles.add(i)
            entries += 1
            score += 0.5
            end = i + 1
            gap = 0
        elif kinds.entry(i):
            if gap > _MAX_GAP:
                break
            entries += 1
            linked += bool(block.links)
            bare = block.marked.startswith("\ue002") and block.marked.endswith("\ue003")
            # A bare linked bullet is summarised by prose or closes its section; a bullet
            # or a label line after it ("Notes:" + "* [Language Machines](url)" + ... +
            # "Table of Contents:") leaves it a reading list.
            summarised = (
                i + 1 < len(blocks)
                and not kinds.entry(i + 1)
                and not (block.bullet and not kinds.header(i + 1) and not _prose(blocks[i + 1]))
            )
            # A bare linked title counts when a summary follows it ("#### [Title](url)").
            score += (1.0 if summarised or not bare else 0.2) if block.links else 0.5
            end = i + 1
            gap = 0
        elif not block.heading:
            gap += 1
        i += 1
    if entries < 3 or linked < 2 or score < _MIN_SCORE:
        return None, end
    while start > 0 and kinds.header(start - 1) and not kinds.entry(start - 1):
        start -= 1  # the section header(s) the first entry sits under
        if start < 2 or not kinds.header(start - 1):
            break
    return Run(start, end, "paragraphs", score, frozenset(titles)), end
