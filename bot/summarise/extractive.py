"""Extractive summaries: what an episode's body says about each of its items.

For every item the body is searched for the release's name, compared on
letters and digits only (``name_key``), so "PHI4", "Phi-4" and "phi 4" are
one name.  A heading naming the release opens its section (the prose
paragraphs up to the next heading); other paragraphs that mention it add
candidate sentences.  Sentences are ranked by how much they say (numbers,
parameter counts, licences, benchmark scores, a mention of the name) and
the best two or three, each copied whole from the source, make the
summary.  Facts are read from the same text with a handful of patterns and
are only ever spans of it: nothing is invented.  An item the body never
discusses keeps its headline as summary.

This module only composes the parts, each in its own module:
``names`` (a name in any spelling), ``episode_text`` (the body's
paragraphs and where a release is discussed), ``sentences`` (splitting,
scoring, choosing) and ``facts`` (patterns, choice, checks against the text).

This runs on every ingest, over feeds of a hundred episodes, so the work
is bounded: the body is encoded and lower-cased once (in C) and a paragraph
is decoded only when read; each anchor of a name is found with ``bytes.find``
once per episode and the name checked byte by byte only at its hits; a
transcript after the notes is not searched; paragraphs are classified only
when a hit lands in them; and sentences and facts of a paragraph are computed
once, when an item first needs them, with word tests and fact patterns run
over the whole paragraph rather than sentence by sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from bot.models import Facts, ParsedEpisode, ParsedFeed
from bot.quality import summary_names_item
from bot.summarise.episode_text import EpisodeText, ItemLike
from bot.summarise.facts import (
    COMPARISON,
    Fact,
    canonical_license,
    choose_facts,
    fact_in_text,
    facts_in,
    format_timestamp,
    licenses_in,
    sizes_in,
    verify_facts,
)
from bot.summarise.names import name_parts
from bot.summarise.sentences import (
    MIN_SENTENCES,
    NEVER,
    Sentence,
    holds,
    overlap,
    pick,
    topic_words,
)


@dataclass(frozen=True, slots=True)
class Summary:
    """The summary and facts of one item, and whether the body discusses it."""

    summary: str
    facts: Facts
    discussed: bool


def summarise_item(text: EpisodeText, item: ItemLike) -> Summary:
    """Summary and facts of ``item`` from what the episode ``text`` says about it.

    Every sentence used is about the item: it names the item before any other
    item of the episode, or it sits under the item's own heading and names no
    other item.  The summary opens on a sentence naming the item; without one
    the headline stays the summary.
    """
    found = text.locate(item.name)
    timestamp = text.timestamp(item.chapter)
    if found is None:
        return Summary(item.headline, _facts(text, item, [], None, timestamp), False)
    words = topic_words(item.headline, name_parts(item.name)[0])
    scored: list[tuple[float, int, Sentence]] = []
    fact_sentences: list[Sentence] = []
    named_ids: set[int] = set()  # id() of the candidate sentences naming the item
    unnamed: list[tuple[Fact, Sentence]] = []  # under its heading, naming no other item
    anchor = name_parts(item.name)[1]
    section_candidates: list[tuple[Sentence, int, int, bool]] = []
    for rank, index in enumerate(found.section):
        offsets = found.hits.get(index, ())
        if rank >= 2 and not offsets and not named_ids:
            break  # it could lend neither facts nor a sentence naming the item
        others = found.others.get(index, ())
        sentences = text.sentences(index)
        # A paragraph spelling the name's start where it does not name the item
        # ("DeepSeek-R1-Distill-Qwen-1.5B") may be about a variant: its unnamed
        # sentences lend the item no parameter counts.
        variant: bool | None = None  # found out only when it matters
        own_section = not found.shared
        for number, sentence in enumerate(sentences):
            if sentence.base == NEVER and not sentence.facts:
                continue  # neither summary nor facts can use it
            if others:
                about = _about(sentence, offsets, others, own_section=own_section)
                if found.loose and about == _NAMED and _first_in(sentence, others) is not None:
                    about = 0  # the maker named, and another of its items: theirs
            elif offsets and holds(sentence, offsets):
                about = _NAMED  # the common case, without a call
            else:
                about = _UNNAMED if own_section else 0
            if not about:
                continue  # about a neighbour
            if (
                about == _UNNAMED
                and anchor
                and anchor in sentence.lower  # cheap: most sentences do not hold it
                and _variant_in(sentence, anchor, ())
            ):
                variant = True
                continue  # about a variant ("DeepSeek-R1-Distill-...")
            named = about == _NAMED
            if named:
                named_ids.add(id(sentence))
            # Facts come from sentences naming the item, and from the first paragraphs
            # under its heading (facts deep in a section may be the host's wrap-up).
            if named:
                fact_sentences.append(sentence)
            elif rank <= 1 and sentence.facts:
                if variant is None and any(f.kind == "parameters" for f in sentence.facts):
                    variant = bool(anchor) and any(
                        _variant_in(x, anchor, offsets) for x in sentences
                    )
                unnamed.extend(
                    (f, sentence) for f in sentence.facts if not variant or f.kind != "parameters"
                )
            if sentence.base != NEVER:
                # Scored below, once it is known that some sentence names the item.
                section_candidates.append((sentence, rank, number, named))
    for sentence, rank, number, named in section_candidates if named_ids else ():
        score = sentence.base + 1.5 - 0.6 * rank - 0.15 * number + 0.6 * overlap(sentence, words)
        if named:
            score += 1.0
        elif rank >= 2:
            score -= 1.0
        scored.append((score, len(scored), sentence))
    # Under its own heading the release is discussed; elsewhere it is in passing.
    bonus = 1.0 if found.section else 2.0
    for index, offsets in found.mentions.items():
        sentences = text.sentences(index)
        others = found.others.get(index, ())
        for number, sentence in enumerate(sentences):
            if not holds(sentence, offsets) or (
                others
                and (
                    _about(sentence, offsets, others, own_section=False) != _NAMED
                    or (found.loose and _first_in(sentence, others) is not None)
                )
            ):
                continue
            shared = overlap(sentence, words)
            # A passing mention ("models like Phi-3-mini and Qwen 2.5") is not a
            # discussion: the name must lead the sentence or share the headline's words.
            if (
                not shared
                and min(offsets) - sentence.start > 60
                and not any(sentence.start <= o <= sentence.start + 60 for o in offsets)
            ):
                continue
            fact_sentences.append(sentence)
            named_ids.add(id(sentence))
            if sentence.base != NEVER:
                scored.append((sentence.base + bonus + 0.6 * shared, len(scored), sentence))
            if number + 1 < len(sentences):  # the next sentence often goes on about it
                follower = sentences[number + 1]
                # It goes on about it only while it names no other item.
                if follower.base != NEVER and not holds(follower, others):
                    score = follower.base - 0.5 + 0.6 * overlap(follower, words)
                    scored.append((score, len(scored), follower))
    heading = text.paragraph(found.heading) if found.heading is not None else None
    own_heading = heading if not found.shared else None
    facts = _facts(text, item, fact_sentences, own_heading, timestamp, unnamed)
    picked = _lead_with_name(pick(scored), scored, named_ids) if named_ids else []
    summary = " ".join(s.text for s in picked) if picked else item.headline
    if picked and not summary_names_item(summary, item.name):
        # Named only by a loose spelling ("code" for "Code Arena"): a reader could not
        # tell it is about the item, so the headline stays (bot.quality's one definition).
        summary = item.headline
    return Summary(summary, facts, bool(picked) or heading is not None)


_NAMED, _UNNAMED = 2, 1


def _about(
    sentence: Sentence, own: Sequence[int], others: Sequence[int], *, own_section: bool
) -> int:
    """``_NAMED`` when ``sentence`` names the item before any other item of the episode,
    ``_UNNAMED`` when it names none under the item's own heading, else 0 (a neighbour's).
    """
    first_own = _first_in(sentence, own)
    first_other = _first_in(sentence, others)
    if first_own is not None:
        return _NAMED if first_other is None or first_own < first_other else 0
    return _UNNAMED if own_section and first_other is None else 0


def _variant_in(sentence: Sentence, anchor: str, own: Sequence[int]) -> bool:
    """Whether ``sentence`` spells the name's start where it does not name the item,
    before any comparison ("Phi-3" after "its predecessor" is only compared with).
    """
    lower = sentence.lower
    pos = lower.find(anchor)
    while pos != -1:
        if sentence.start + pos not in own:
            return COMPARISON.search(lower, 0, pos) is None
        pos = lower.find(anchor, pos + 1)
    return False


def _first_in(sentence: Sentence, offsets: Sequence[int]) -> int | None:
    for o in offsets:  # sorted
        if o >= sentence.end:
            return None
        if o >= sentence.start:
            return o
    return None


def _lead_with_name(
    picked: list[Sentence], scored: list[tuple[float, int, Sentence]], named_ids: set[int]
) -> list[Sentence]:
    """``picked`` opening on a sentence that names the item; empty when none can.

    A summary the reader cannot tell is about the item is no summary: the best
    sentence naming it leads (picked already or the best scored), then the rest.
    """
    for i, sentence in enumerate(picked):
        if id(sentence) in named_ids:
            return [sentence, *picked[:i], *picked[i + 1 :]]
    best = max(
        (entry for entry in scored if id(entry[2]) in named_ids),
        key=itemgetter(0),
        default=None,
    )
    if best is None:
        return []
    return [best[2], *picked[: MIN_SENTENCES - 1]]


def _facts(
    text: EpisodeText,
    item: ItemLike,
    sentences: list[Sentence],
    heading: str | None,
    timestamp: str | None,
    unnamed: Sequence[tuple[Fact, Sentence]] = (),
) -> Facts:
    key, anchor = name_parts(item.name)
    # The headline, the item's own sub-bullets and its heading speak of the release
    # itself: read them first.
    leading: list[Fact] = facts_in(item.headline)
    # Its sub-bullets and heading come next, held to the headline's sizes: a
    # sub-bullet may be a sibling release's ("tiny models 1B & 3B" under "11B & 90B").
    held: list[Fact] = []
    details: Sequence[str] = getattr(item, "details", ())  # parsed items have them
    for detail in details:
        found = facts_in(detail)
        if found and not text.contains(detail):
            # Held to the episode text like every fact: verbatim, or not at all.
            found = [f for f in found if f.kind != "license" and text.contains(f.value)]
        held += found
    if heading is not None:
        held += text.heading_facts(heading)
    said = [(f, s.lower) for s in sentences if s.facts for f in s.facts]
    said += [(f, s.lower) for f, s in unnamed]
    # The headline's sizes are needed only to judge a size said elsewhere.
    sizes = (
        sizes_in(f"{item.name} {item.headline}")
        if any(f.kind == "parameters" for f, _ in said) or any(f.kind == "parameters" for f in held)
        else frozenset()
    )
    return choose_facts(
        org=item.org,
        leading=leading,
        said=said,
        held=held,
        key=key,
        anchor=anchor,
        heading=heading,
        timestamp=timestamp,
        sizes=sizes,
    )


# --- summarisers ---------------------------------------------------------------


def summarise_items(body: str, items: Sequence[ItemLike]) -> list[Summary]:
    """Summaries of ``items`` from one episode's ``body``, in the same order."""
    text = EpisodeText(body, (i.headline for i in items), (i.name for i in items))
    return [summarise_item(text, item) for item in items]


def summarise_episode(episode: ParsedEpisode) -> ParsedEpisode:
    """``episode`` with every item's summary and facts filled in."""
    if not episode.items:
        return episode
    results = summarise_items(episode.body, episode.items)
    items = tuple(
        item.model_copy(update={"summary": result.summary, "facts": result.facts})
        for item, result in zip(episode.items, results, strict=True)
    )
    return episode.model_copy(update={"items": items})


class ExtractiveSummariser:
    """The default summariser: sentences copied from the episode body, facts read from it."""

    def __call__(self, feed: ParsedFeed) -> ParsedFeed:
        """``feed`` with every item of every episode summarised."""
        episodes = tuple(summarise_episode(e) for e in feed.episodes)
        return feed.model_copy(update={"episodes": episodes})


__all__ = [
    "EpisodeText",
    "ExtractiveSummariser",
    "ItemLike",
    "Summary",
    "canonical_license",
    "fact_in_text",
    "facts_in",
    "format_timestamp",
    "licenses_in",
    "summarise_episode",
    "summarise_item",
    "summarise_items",
    "verify_facts",
]
