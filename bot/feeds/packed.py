"""Bullets that pack several releases, one sentence each, split into one block per release.

AINews writes a recap bullet as a topic label and then sentences about several releases,
each with its own links: "**MoE/speculative & vector infra**: DeepSeek released LPLB, a
load balancer (repo). vLLM team open-sourced speculator models (announcement). Qdrant 1.16
adds tiered multitenancy (release)."  A sentence that closes on its links and whose
subject names a release or an org is a release of its own; any other sentence (a take,
"Early demos show ...") stays with the one before it.
"""

from __future__ import annotations

import re
from itertools import pairwise

from bot.feeds.blocks import _MARK, Block
from bot.feeds.names import names_release
from bot.models import Link

# A sentence ending right after its links: "... ([0], [1]). Next", "... in [0]. Next".
_SENTENCE_END = re.compile('\ue003\\s*\\)?\\.\\s+(?=[\\w"“])')
# A product and its version open the sentence: "Qdrant 1.16 adds ...".
_NAME_VERSION = re.compile(r"^[A-Z][\w.+-]*\s+v?\d+(?:\.\d+)+\b")
# A capitalised subject of one or two words, then the verb saying what it ships:
# "Antigravity IDE brings smooth agentic loops", "Sunday Robotics unveiled Memo".
_SHIPS = re.compile(
    r"^[A-Z][\w.+-]*(?:\s+[A-Z][\w.+-]*)?\s+(?:adds|brings|launches|launched|ships|shipped"
    r"|releases|released|unveils|unveiled|introduces|introduced)\b"
)
#: The subject of a sentence that opens a release is within this many words.
_SUBJECT_WORDS = 3
#: Only lines this long pack several releases.
_PACKED_MIN = 160


def split_packed(block: Block) -> list[Block]:
    """``block`` as one block per release it packs (itself alone when it packs one)."""
    marked = block.marked
    if not block.has_bold or len(marked) < _PACKED_MIN or ": " not in marked[:100]:
        return [block]
    cuts = [0]
    for found in _SENTENCE_END.finditer(marked):
        start = found.end()
        opening = _MARK.sub(lambda m: block.labels[int(m.group(1))], marked[start : start + 80])
        subject = " ".join(opening.split()[:_SUBJECT_WORDS])
        if ":" in subject or subject.startswith(("A ", "An ", "The ")):
            continue  # "Sam Altman: “significant improvement”", "A Claude Code harness ..."
        if names_release(subject) or _NAME_VERSION.match(subject) or _SHIPS.match(opening):
            cuts.append(start)
    if len(cuts) == 1:
        return [block]
    cuts.append(len(marked))
    return [_slice(block, a, b) for a, b in pairwise(cuts)]


def _slice(block: Block, start: int, end: int) -> Block:
    """The part of ``block`` between two offsets of its marked text, anchors renumbered."""
    labels: list[str] = []
    urls: list[str | None] = []

    def _local(m: re.Match[str]) -> str:
        index = int(m.group(1))
        labels.append(block.labels[index])
        urls.append(block.urls[index])
        return f"\ue002{len(labels) - 1}\ue003"

    marked = _MARK.sub(_local, block.marked[start:end]).strip()
    text = _MARK.sub(lambda m: labels[int(m.group(1))], marked)
    links = tuple(
        Link(label=label or url, url=url) for label, url in zip(labels, urls, strict=True) if url
    )
    return block._replace(
        marked=marked, labels=tuple(labels), urls=tuple(urls), text=text, links=links
    )
