"""A found show-notes list into release items: headers, parents and their details.

Bullet lists come flat (Substack's podcast feed writes ``<p>* ...</p>`` for
every level) or nested.  Nested lists say which bullets are sub-bullets; in a
flat list a line is a sub-bullet of the release above it when it reads as
one: it opens with a lowercase word, a number or a symbol, or, in a list
whose releases carry links, it has no link and opens with no name.  A
sub-bullet's text becomes the parent's ``details`` and its links the parent's
links; it is never an item of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.feeds.blocks import _MARK, Block
from bot.feeds.clean import clean_text, normalise_space
from bot.feeds.entries import has_link_group, is_junk, is_link_entry, looks_like_header
from bot.feeds.names import (
    PRODUCT_FAMILIES,
    announces_release,
    is_label_only,
    is_person_line,
    lowercase_maker,
    names_release,
    quoted_after_label,
    split_name,
    story_name,
)
from bot.feeds.orgs import KNOWN_ORGS
from bot.feeds.packed import split_packed
from bot.feeds.sections import (
    OTHER,
    SKIPPED_SECTIONS,
    canonical_section,
    names_a_section,
    section_of_line,
)
from bot.feeds.takes import is_take
from bot.models import Link, ParsedItem

_HAS_ALNUM = re.compile(r"[^\W_]")
_LINK_GROUP = re.compile(
    "\\(\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*|and\\s+)+\\)|\\[\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*)+\\]"
)
_TRAILING_MARKS = re.compile("(?:[\\s,;:|/-]*\ue002\\d+\ue003)+[\\s,;:|/-]*$")
_TIMESTAMPS = re.compile(r"^(?:[(\[]?(?:\d{1,2}:)?\d{1,2}:\d{2}[)\]]?\s*[-–—]?\s*){1,2}")
# A line saying a section had nothing: "Nothing major this week", "No big news".
_NOTHING = re.compile(
    r"^(?:nothing|no)\s+(?:\w+\s+){0,2}?(?:this week|news|updates?|releases?)\b"
    r"|^nothing\s+(?:major|new|much)\b|^no\s+(?:notable|major|big)\s+changes\b",
    re.I,
)
# The host's own note rather than a release: first person ("We launched our course",
# "My first reactions to GPT-5", "Me + team led a workshop") or a call to action
# ("Join the hackathon", "Catch the show live", "Register to my workshop").
_HOST_NOTE = re.compile(
    r"^(?:I['’]m|I['’]ve|Me|My|We|We['’]re|We['’]ve|We['’]ll|Our|Join|Catch|Come|Register"
    r"|Sign up|Check out|Watch|Subscribe|Follow|Tune in|Listen)(?:\s|$)"
)
# A crowd as the subject: "Folks came up and talked about ...", "Many touted AI agents
# as a category": what people said or did, not a release.
_CROWD = re.compile(
    r"^(?:Folks|People|Everyone|Everybody|Many|Some|Others|Most)\s+"
    r"(?:are|were|came|have|had|say|said|think|thought|touted|talked|discussed|expressed"
    r"|seem|seemed|trying|tried|agree|agreed)\b"
)
# The host's report with its subject dropped: "Sponsored a Mistral hackathon in Paris",
# "Participated in an e2b space ...", "Went to SF to cohost an event".
_DROPPED_SUBJECT = re.compile(
    r"^(?:[A-Z][a-z]+ed|Went|Got|Had|Gave|Spoke|Met)\s+(?:a|an|the|in|to|at|on|with|our|my)\s"
)
# The host in the first person a few words in: "Story how I created ...", "I compare 5
# LLama API providers ...": a note on the host's own work, not a release.
_FIRST_PERSON = re.compile(r"^(?:\S+\s+){0,3}I\s")
# A job advertisement: "Hiring: risk assessment roles: DeepMind AGI Safety is hiring ...".
_JOB_AD = re.compile(r"^(?:hiring|we['’]re hiring|jobs?|open roles?)\s*:", re.I)
_SPONSOR = re.compile(r"\((?:sponsor|sponsored|ad)\)", re.I)
# TLDR's "(4 minute read)", "(GitHub Repo)" after a story title.
_READ_TIME = re.compile(r"\s*\((?:\d+\s+minute\s+read|github\s+repo|website)\)\s*$", re.I)
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]+")
# A bare domain written as text ("Jules.google", "fullyconnected.com", "(manus.im)"): a
# link the notes give without an anchor.  Only common web TLDs, and never inside a
# word, a handle or an e-mail address ("me@mail.com"), so version numbers and
# abbreviations ("e.g.", "v2.5") are not taken for addresses.  The TLD is written in
# lower case: "Yi-01.AI" and "X.AI" are companies' names, not addresses.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])((?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:com|ai|io|im|dev|app|so|org|net|google|co|news))"
    r"(?=$|[\s),;!?]|\.(?:\s|$))"
)
# A quantity opening a line: "70B", "128K", "$10B", "~3x", "50%", "1.5", "100hours".
_QUANTITY = re.compile(
    r"^[~$>+≈<]?\d[\d.,]*"
    r"(?:[KMBT]|%|x|k|b|m|ms|secs?|seconds|mins?|minutes|hrs?|hours|days|tokens|params|fps)?$"
)
# Acronyms that open detail lines as often as names do.
_PLAIN_ACRONYMS = frozenset(
    "ai api apis llm llms sota tts gpu gpus cpu mmlu moe ui ux ios os pc mac vram oss".split()
)
# Product families that open release lines without looking like names ("Gemini Nano ...").
_FAMILIES = frozenset(
    """
    gemini gemma claude sonnet opus haiku llama grok phi mistral mixtral qwen deepseek sora
    veo flux kling imagen copilot chatgpt midjourney whisper hermes kimi glm runway suno udio
    perplexity cursor codex devin dall-e dalle firefly stable falcon yi nemotron olmo granite
    command jamba reka aria pixtral codestral ministral magistral devstral voxtral seedream
    seedance hunyuan wan ernie minimax hailuo luma pika ideogram recraft moondream smollm
    """.split()
)
#: A list whose releases carry links: this share of its lines (sub-bullets
#: included, which rarely carry one) has links.
_LINKED_LIST = 0.15
#: A list whose releases are named in bold: this many linked lines hold bold.
_BOLD_LED_LIST = 3


@dataclass
class _Pending:
    """An item being read: its line, then its sub-bullets."""

    block: Block
    section: str
    original: str
    details: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    #: A news story ("[Title](url) - summary"): named by its title, not a product.
    story: bool = False
    summary: str = ""
    #: Further releases the line packs, one sentence each (``packed.split_packed``).
    packed: tuple[Block, ...] = ()


class _Sections:
    """The section a list is in: canonical name and the header as written."""

    def __init__(self) -> None:
        self.canonical = OTHER
        self.original = ""
        self.explicit = False  # whether a header named the canonical section

    def header(self, text: str) -> None:
        """Enter the section a header (or sub-header) opens."""
        original = clean_text(text).strip(" :*")
        self.original = original
        # A header naming no section ("Google IO updates", "February", "Business")
        # leaves each item's section to its own line; its text is still the items'
        # section_original.
        self.explicit = names_a_section(original)
        self.canonical = canonical_section(original) if self.explicit else OTHER


def read_bullet_run(
    blocks: Sequence[Block], flags: Sequence[str] | None = None
) -> list[ParsedItem]:
    """Items of a bullet list: parents with their sub-bullets as details.

    ``flags`` says what each block is when the caller knows already: "h" header
    (or any line that is no bullet), "j" junk, "l" linked bullet, "b" other bullet.
    """
    kinds = (
        list(flags)
        if flags is not None
        else [
            "h"
            if not block.bullet or looks_like_header(block)
            else "j"
            if is_junk(block)
            else "l"
            if block.links or has_link_group(block)
            else "b"
            for block in blocks
        ]
    )
    bullets = kinds.count("l") + kinds.count("b")
    linked = kinds.count("l")
    rich = linked >= 3 and linked / bullets >= _LINKED_LIST
    nested = any(b.depth > 0 for b, k in zip(blocks, kinds, strict=True) if k in "lb")
    # Releases named in bold with their links, details in plain text (Substack's flat
    # "<p>* <strong>Grok Vision</strong> 𝕏</p><p>* Can now explain jokes.</p>").
    bold_led = not nested and (
        sum(1 for b, k in zip(blocks, kinds, strict=True) if k == "l" and b.has_bold)
        >= _BOLD_LED_LIST
    )
    parents, children = _header_parents(blocks) if nested else (set(), set())
    sections = _Sections()
    pending: _Pending | None = None
    out: list[ParsedItem] = []
    points = False  # under a "Summary Bullet Points:" line: the pending item's details
    for index, block in enumerate(blocks):
        kind = kinds[index]
        if pending is not None and kind == "h" and _introduces_points(block):
            pending.details.append(_detail_text(block))
            points = True
            continue
        if kind == "h" or index in parents:  # parents: link-less, over linked releases
            _flush(pending, out)
            pending = None
            points = False
            sections.header(block.text)
            continue
        if kind == "j":
            continue
        # A linked line, or one saying a maker released something (not money news: "Genmo
        # announces $28.4M Series A funding" is a point about the item), is a release.
        points = points and kind == "b" and ("$" in block.text or not announces_release(block.text))
        depth = block.depth - (index in children)
        if depth == 0 and index in children and _unnamed_sentence(block):
            # Under a header bullet ("**Hermes Agent growth**:"), a line naming nothing
            # ("Memory integrations were expanded ...") tells of the release above it.
            if pending is not None:
                pending.details.append(_detail_text(block))
                pending.links.extend(block.links)
            continue
        if pending is not None and (
            points
            or (bold_led and kind == "b" and _plain_detail(block, pending))
            or (
                # Where releases are named in bold, a line naming one in bold is one.
                not (bold_led and block.has_bold and names_release(block.text))
                and _is_detail(block, pending, depth, nested=nested, rich=rich, linked=kind == "l")
            )
        ):
            pending.details.append(_detail_text(block))
            pending.links.extend(block.links)
            continue
        _flush(pending, out)
        pending = None
        if sections.canonical in SKIPPED_SECTIONS:
            continue
        first, *more = split_packed(block)
        pending = _Pending(first, sections.canonical, sections.original)
        pending.packed = tuple(more)
        if not sections.explicit:
            pending.section = section_of_line(_line_for_section(block))
    _flush(pending, out)
    return out


def read_topic_run(blocks: Sequence[Block]) -> list[ParsedItem]:
    """Items of a topics list: each topic header an item, its chapter lines its details."""
    pending: _Pending | None = None
    out: list[ParsedItem] = []
    for block in blocks:
        if is_junk(block):
            if pending is not None:
                pending.details.append(_TIMESTAMPS.sub("", block.text).strip(" -–—:|"))
                pending.links.extend(block.links)
            continue
        _flush(pending, out)
        pending = _Pending(block, OTHER, clean_text(block.text).strip(" :*"))
        pending.section = section_of_line(block.text)
    _flush(pending, out)
    return out


def read_paragraph_run(
    blocks: Sequence[Block], entries: frozenset[int] | None = None
) -> list[ParsedItem]:
    """Items of a list of linked entries with summary paragraphs between them.

    ``entries`` are the indexes of the entries when the finder knows them (it may
    have taken link-less release titles in); otherwise they are read off each block.
    """
    sections = _Sections()
    pending: _Pending | None = None
    out: list[ParsedItem] = []
    related = False  # inside the bullets after a story's "Related:" / "More on this:" line
    for index, block in enumerate(blocks):
        entry = (
            index in entries
            if entries is not None
            else is_link_entry(block)
            or (not block.bullet and len(block.text) <= 250 and has_link_group(block))
        )
        related = related and block.bullet
        if related and pending is not None:
            # Coverage of the story above by other outlets: its links, not stories of their own.
            pending.details.append(_detail_text(block))
            pending.links.extend(block.links)
            continue
        if pending is not None and _is_lead_in(block):
            related = True
            continue
        if entry and not is_junk(block):
            _flush(pending, out)
            pending = None
            if sections.canonical in SKIPPED_SECTIONS:
                continue
            pending = _Pending(block, sections.canonical, sections.original)
            pending.story = True
            if not sections.explicit:
                pending.section = section_of_line(_line_for_section(block))
            continue
        if block.heading or (looks_like_header(block) and not block.bullet):
            _flush(pending, out)
            pending = None
            sections.header(block.text)
            continue
        if pending is not None and block.bullet:  # "Related:" bullets under a story
            pending.details.append(_detail_text(block))
            pending.links.extend(block.links)
        elif pending is not None:
            if not pending.summary and len(block.text) >= 40:
                pending.summary = block.text  # the story's first summary paragraph
            if not pending.block.links and len(pending.links) < _TITLE_LINKS:
                # A release heading without links: the links of its own paragraphs are its.
                pending.links.extend(block.links[: _TITLE_LINKS - len(pending.links)])
    _flush(pending, out)
    return out


#: Links a link-less release heading takes from the paragraphs under it.
_TITLE_LINKS = 3
#: A short plain line ending in ":" under a story ("Related:", "More on this:", "Related
#: commentary:"): it introduces the story's further links.
_LEAD_IN_MAX = 40


def _is_lead_in(block: Block) -> bool:
    """Whether ``block`` is a short label line that introduces the bullets under it."""
    text = block.text
    return (
        not block.bullet
        and not block.heading
        and not block.links
        and len(text) <= _LEAD_IN_MAX
        and text.rstrip().endswith(":")
    )


def read_titled_prose(blocks: Sequence[Block], titles: Sequence[int]) -> list[ParsedItem]:
    """Items of a prose recap whose releases are short title lines over paragraphs.

    ``titles`` are the indexes of the title lines (``shownotes._prose_titles``);
    a short line naming a section ("Open Source LLMs & Finetuning") is a header,
    and the paragraphs under a title are its summary and details.
    """
    sections = _Sections()
    out: list[ParsedItem] = []
    wanted = set(titles)
    pending: _Pending | None = None
    for i, block in enumerate(blocks):
        if i in wanted:
            _flush(pending, out)
            pending = _Pending(block, sections.canonical, sections.original)
            if not sections.explicit:
                pending.section = section_of_line(_line_for_section(block))
            continue
        text = block.text
        if not block.bullet and len(text) <= 60 and names_a_section(text):
            _flush(pending, out)
            pending = None
            sections.header(text)
            continue
        if pending is None:
            continue
        if not pending.summary and len(text) >= 40 and not block.bullet:
            pending.summary = text
        elif len(pending.details) < _PROSE_DETAILS:
            pending.details.append(text)
        pending.links.extend(block.links)
    _flush(pending, out)
    return out


#: Paragraphs under a prose title kept as its details (the rest is commentary).
_PROSE_DETAILS = 4


def _header_parents(blocks: Sequence[Block]) -> tuple[set[int], set[int]]:
    """In a nested list, link-less parents whose sub-bullets carry links are headers.

    Returns the indexes of such parents and of their children (the releases,
    one level up).
    """
    parents: set[int] = set()
    shifted: set[int] = set()
    for i, block in enumerate(blocks):
        if not block.bullet or block.depth != 0 or block.links or _says_something(block):
            continue
        children = []
        for j in range(i + 1, len(blocks)):
            if not blocks[j].bullet or blocks[j].depth == 0:
                break
            children.append(j)
        if children and any(blocks[j].links and blocks[j].depth == 1 for j in children):
            parents.add(i)
            shifted.update(children)
    return parents, shifted


#: The words of a line that name its release, when it names one.
_OPENING_WORDS = 4
# A product named in quotes: one or two capitalised words ("Enzyme", "Computer Use").
_QUOTED_NAME = re.compile(r"[“\"]([A-Z][\w.+-]*(?:\s[A-Z][\w.+-]*)?)[”\"]")
_QUOTE_WITHIN = 80


def _unnamed_sentence(block: Block) -> bool:
    """A plain sentence whose opening words name no release, org or quoted product."""
    text = block.text
    if block.has_bold or not text:
        return False
    opening = " ".join(text.split()[:_OPENING_WORDS])
    if _QUOTED_NAME.search(text[:_QUOTE_WITHIN]):
        return False  # "A local semantic index plugin (“Enzyme”) ...": a quoted name
    return not names_release(opening) and quoted_after_label(text) is None


#: Words after a bold label that make a parent line say something of its own.
_BODY_WORDS = 6


def _says_something(block: Block) -> bool:
    """Whether a bold-led line has a sentence after its label ("**Day-0 support became
    part of the story**: Gemma 4 landed across local stacks:"): an item whose sub-bullets
    are its details, not a header over releases ("**Hermes Agent growth**:")."""
    if not block.has_bold:
        return False
    colon = block.text.find(": ")
    return colon > 0 and len(block.text[colon + 2 :].split()) >= _BODY_WORDS


def _is_detail(
    block: Block, parent: _Pending, depth: int, *, nested: bool, rich: bool, linked: bool
) -> bool:
    """Whether a bullet right after ``parent`` (or its details) is one of its sub-bullets."""
    if nested:
        return depth > 0
    text = block.text.lstrip()
    if text.endswith(":") and not block.links and (names_release(text) or announces_release(text)):
        # "Alibaba Tongyi Qwen on a release streak again:" heads what follows; "Has two
        # versions:" or "Key updates to SAM 2:" names no release and introduces points
        # about the one above, read by the rules below.
        return False
    first = text.split(maxsplit=1)[0] if text else ""
    if not first or first.startswith(("http://", "https://", "www.")) or is_label_only(text):
        return True  # a bare URL or "Paper (Arxiv)" under a release is one of its links
    if not first[0].isalnum():
        return not block.links  # "🤖 Mixtral 8x22B is ...", "> 10x fewer parameters"
    if _QUANTITY.match(first.strip(",.:;")):
        return True  # "70B gets 82% on MMLU", "128K context"
    if first[0].islower() and first.isalpha():
        return True  # "new file search tool", "up to 10,000 files"
    if linked:
        return False
    if rich:
        return not (_opens_with_name(text, parent) or _dash_named(text))
    # A list whose releases carry no links: a release line names its release before a
    # dash or colon ("Mamba - transformers alternative"); "Dense model vs MOE" is a detail.
    named = " - " in text[:60] or ": " in text[:40] or " – " in text[:60]
    return not named and not _opens_with_name(text, parent)


# "Summary Bullet Points:", "Key highlights:": a line introducing points about the item
# above (a pasted summary), not a section of new releases.
_POINTS_INTRO = re.compile(
    r"^(?:(?:summary|key|main)\b.*\b(?:points|highlights|takeaways|features)"
    r"|summary|highlights|key (?:points|takeaways|features))\s*:$",
    re.I,
)


def _introduces_points(block: Block) -> bool:
    """Whether an unbulleted line introduces bullets about the item above it."""
    text = block.text.strip()
    return (
        not block.bullet
        and not block.links
        and text.endswith(":")
        and len(text) <= 60
        and _POINTS_INTRO.match(text) is not None
    )


def _dash_named(text: str) -> bool:
    """A release line without a link: a short name, a dash, what it is.

    "AI Mode is now in GA in US - bye bye perplexity", "Humane Pin - Orders are out":
    sub-bullets say one thing about their parent and rarely open with a titled dash.
    A section name or an interview before the dash is no release.
    """
    dash = text.find(" - ", 0, 60)
    if dash < 0:
        dash = text.find(" – ", 0, 60)
    if dash <= 0:
        return False
    head = text[:dash]
    words = head.split()
    if len(words) > _DASH_HEAD_WORDS or not head[:1].isupper() or names_a_section(head):
        return False
    return words[0].casefold() not in _NOT_RELEASE_LEADS


#: At most this many words before the dash of a release line.
_DASH_HEAD_WORDS = 10
#: Lines about people or the show rather than a release ("Interview with ...").
_NOT_RELEASE_LEADS = frozenset("interview interviews chat chatted conversation this".split())


def _plain_detail(block: Block, parent: _Pending) -> bool:
    """Whether a plain link-less line under a release named in bold is one of its details.

    A full sentence is ("Copilot now supports multi-file edits."); a short headline that
    names another release is not ("Mistral classifiers Factory").
    """
    if block.has_bold or not parent.block.has_bold:
        return False
    text = block.text.rstrip()
    return text.endswith((".", "!")) or not _opens_with_name(text, parent)


def _opens_with_name(text: str, parent: _Pending) -> bool:
    """Whether a link-less line opens with a release or an org other than its parent's."""
    words = text.split()
    lead = words[0].strip(",.:;!?()[]'\"“”")
    parent_first = parent.block.text.split(maxsplit=1)[0].casefold() if parent.block.text else ""
    if lead.casefold() == parent_first:
        # "GitHub Spark: ..." under "GitHub Universe AI News" is a detail; a line of
        # capitalised words alone is a sibling release by the same maker ("Github
        # Copilot Agent Mode" under "Github Copilot code is open source!").
        return 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words)
    for size in (3, 2, 1):
        if len(words) >= size and " ".join(words[:size]).strip(",.:;").casefold() in KNOWN_ORGS:
            return True
    if lead.casefold() in _PLAIN_ACRONYMS:
        return False
    if lead.casefold() in _FAMILIES or lead.casefold() in PRODUCT_FAMILIES:
        return True
    inner_upper = any(c.isupper() for c in lead[1:])
    if inner_upper or (any(c.isdigit() for c in lead) and any(c.isalpha() for c in lead)):
        return True
    # "Virtual Try-on in Google Shopping": a capitalised word, then a product-shaped one.
    second = words[1].strip(",.:;!?()[]'\"“”") if len(words) > 1 else ""
    return lead[:1].isupper() and second[:1].isupper() and "-" in second.strip("-")


def _detail_text(block: Block) -> str:
    return block.text  # blocks hold clean text already


def _line_for_section(block: Block) -> str:
    hf = any("huggingface.co" in link.url for link in block.links)
    return f"{block.text} huggingface.co" if hf else block.text


def _flush(pending: _Pending | None, out: list[ParsedItem]) -> None:
    if pending is not None:
        read = parse_story if pending.story else parse_item
        item = read(
            pending.block,
            section=pending.section,
            section_original=pending.original,
            details=tuple(d for d in pending.details if d),
            extra_links=tuple(pending.links),
        )
        if item is not None and pending.summary and item.summary == item.headline:
            item = item.model_copy(update={"summary": pending.summary[:600]})
        if item is not None:
            out.append(item)
        for block in pending.packed:
            more = parse_item(block, section=pending.section, section_original=pending.original)
            if more is not None:
                out.append(more)


def parse_item(
    block: Block,
    *,
    section: str,
    section_original: str,
    details: tuple[str, ...] = (),
    extra_links: tuple[Link, ...] = (),
) -> ParsedItem | None:
    """One show-notes line into an item: name, org, headline and labelled links."""
    if block.labels:  # drop the "(X, HF, Paper)" link list; other anchors keep their text
        marked = _TRAILING_MARKS.sub(
            lambda m: _keep_named_marks(m, block.labels), _LINK_GROUP.sub("", block.marked)
        )
        if "\ue002" in marked:
            marked = _MARK.sub(lambda m: block.labels[int(m.group(1))], marked)
        headline = (normalise_space(marked) if "  " in marked else marked).strip(" -–—:,;|")
    else:
        headline = block.text.strip(" -–—:,;|")  # blocks are already clean text
    if not headline:
        headline = block.text
    if not _HAS_ALNUM.search(headline) or is_person_line(headline) or is_label_only(headline):
        return None  # "Read more", "Paper 2 (Arxiv)": a link, not a release
    if headline[:2] in ("No", "no") and _NOTHING.match(headline):
        return None  # "Nothing major this week": the section had no release
    if (
        _HOST_NOTE.match(headline)
        or (("I " in headline[:40]) and _FIRST_PERSON.match(headline) is not None)
        or _DROPPED_SUBJECT.match(headline)
        or _CROWD.match(headline)
    ):
        return None  # "Come visit the team at GTC": the host's news, not a release
    if _JOB_AD.match(headline):
        return None  # "Hiring: risk assessment roles: ...": a job ad, no release
    if block.has_bold and ": " in headline[:_TOPIC_LABEL_MAX] and _is_commentary(headline):
        # "**Real-world workflows**: Anecdotes show ...": under a bold topic label, a take.
        return None
    if is_take(headline):
        return None  # "Jeremy Howard’s defense of ...": what someone said, not a release
    links = list(block.links)
    if "http" in headline:  # bare URLs become links, and leave the headline
        for url in _BARE_URL.findall(headline):
            links.append(Link(label="Link", url=url.rstrip(".,;:")))
        stripped = _BARE_URL.sub("", headline).strip(" -–—:,;|()")
        if not _HAS_ALNUM.search(stripped):
            return None  # only a URL: a link, not a release
        headline = normalise_space(stripped)
    if "." in headline:
        links.extend(_domain_links(headline, links))
    name, org = split_name(headline)
    return ParsedItem(
        name=name,
        org=org,
        section=section,
        section_original=section_original,
        headline=headline,
        summary=headline,
        links=_dedupe((*links, *extra_links)),
        details=details,
    )


def _domain_links(headline: str, links: Sequence[Link]) -> list[Link]:
    """Links for the bare domains a line names, except those its anchors already go to."""
    hosts = {_host(link.url) for link in links}
    out: list[Link] = []
    for domain in _BARE_DOMAIN.findall(headline):
        host = domain.lower()
        if host.removeprefix("www.") not in hosts:
            hosts.add(host.removeprefix("www."))
            out.append(Link(label=domain, url=f"https://{host}"))
    return out


def _host(url: str) -> str:
    """The lower-case host of a URL, without "www."."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.")


#: A topic label before ": " sits within this many characters of the line's start.
_TOPIC_LABEL_MAX = 80
_GLOSS = re.compile(r"\s*\([^()]*\)")
_LABEL_CONNECTORS = frozenset("and or vs vs. of for in on the a an with to".split())


def _is_commentary(headline: str) -> bool:
    """A line under a topic label that names no release: "Size and infra speculation:
    A widely shared thread bounds ...", "Real-world workflows: Anecdotes show ...".

    The label is a phrase in the writer's words (several words, one of them a plain
    lowercase word), not a name ("Advanced Voice Mode: ..."), and neither it nor the
    opening words after it name a release, an org or a quoted product.
    """
    colon = headline.find(": ")
    # A gloss in parentheses is no part of the label ("Enterprise adoption cadence
    # (Cognition/Windsurf/Devin anecdote)").
    label, body = _GLOSS.sub("", headline[:colon]), headline[colon + 2 :]
    words = [w.strip(",.;()[]") for w in label.split()]
    if len(words) < 2 or names_release(label):
        return False
    if not any(w[:1].islower() and w.casefold() not in _LABEL_CONNECTORS for w in words if w):
        return False
    return (
        not names_release(body)
        and not lowercase_maker(body)
        and quoted_after_label(headline) is None
    )


_MARK_INDEX = re.compile("\ue002(\\d+)\ue003")
# A link label that is a product name: one to three plain words with a digit or capital.
_NAMED_LABEL = re.compile(r"^(?=.*[\dA-Z])[\w.+-]+(?: [\w.+-]+){0,2}$")


def _keep_named_marks(found: re.Match[str], labels: Sequence[str]) -> str:
    """Trailing links go when they are labels ("X", "HF", "Blog"); a release linked by its
    own name ("Alibaba releases [Qwen7b](url)") keeps it."""
    text = found.group(0)
    # Labels are stripped first: an anchor's text often keeps a trailing space
    # ("[Redmond Puffin 13B ](url)"), which must not turn a name into a label.
    kept = [i for i in _MARK_INDEX.findall(text) if _NAMED_LABEL.match(labels[int(i)].strip())]
    if len(kept) != 1 or is_label_only(labels[int(kept[0])].strip()):
        return ""
    return " " + " ".join(f"\ue002{i}\ue003" for i in kept)


def parse_story(
    block: Block,
    *,
    section: str,
    section_original: str,
    details: tuple[str, ...] = (),
    extra_links: tuple[Link, ...] = (),
) -> ParsedItem | None:
    """A news story ("[Title](url) - summary", "#### [Title](url)") into an item.

    The headline is the story's title (the opening link's text), the summary
    the rest of the paragraph, and the name the product the title announces
    or else the title itself, shortened (``names.story_name``).
    """
    if not is_link_entry(block):
        return parse_item(
            block,
            section=section,
            section_original=section_original,
            details=details,
            extra_links=extra_links,
        )
    title = clean_text(block.labels[0]).strip(" -–—:,;|")
    if not _HAS_ALNUM.search(title) or title.startswith(("http://", "https://", "www.")):
        return None  # a bare URL is a link, not a story
    if _SPONSOR.search(title) or is_label_only(title):
        return None  # "... (Sponsor)": an advertisement
    title = _READ_TIME.sub("", title).strip(" -–—:,;|") or title
    rest = _MARK.sub(
        lambda m: block.labels[int(m.group(1))], block.marked[block.marked.find("\ue003") + 1 :]
    )
    rest = rest.strip(" -–—:,;|.")
    name, org = story_name(title)
    return ParsedItem(
        name=name,
        org=org,
        section=section,
        section_original=section_original,
        headline=title,
        summary=rest if len(rest) >= 20 else title,
        links=_dedupe((*block.links, *extra_links)),
        details=details,
    )


def _dedupe(links: Sequence[Link]) -> tuple[Link, ...]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return tuple(out)
