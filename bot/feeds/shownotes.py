"""Show notes (the TL;DR list) of an episode into release items.

ThursdAI-style episodes carry a list of releases grouped under section
headers.  In the blocks of an episode (see ``blocks.py``) the list is found
after a TL;DR marker ("TL;DR + Show Notes", "TL;DR of all topics covered:",
...), or, with no marker, as the longest run of bullets carrying links.
Headers are bullets or paragraphs that are wholly bold or that name a known
section; everything else in the run is one item per line.  Sections about
people ("Hosts and Guests") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.feeds.blocks import _MARK, Block
from bot.feeds.clean import clean_text, name_key, normalise_space
from bot.models import Link, ParsedItem

OTHER = "Other"

#: Canonical sections, checked in order; the first whose pattern matches wins.
_SECTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("People", r"\bhosts?\b|\bguests?\b|co-?hosts|participants|panelists|^alex volkov\b"),
        ("This Week's Buzz", r"\bbuzz\b|weights\s*&\s*biases|\bw&b\b|wandb"),
        ("Open Source LLMs", r"open[\s-]*source|\boss\b"),
        ("Big CO LLMs + APIs", r"big\s*co|big\s*compan|\bapis?\b|\bllms?\b"),
        ("Voice & Audio", r"voice|audio|speech|music"),
        ("AI Art & Diffusion & 3D", r"\bart\b|diffusion|\b3d\b|image"),
        ("Vision & Video", r"vision|video"),
        ("Agents", r"agent"),
        ("Tools", r"\btools?\b|hardware|\bapps?\b"),
        ("Robotics", r"robot"),
        ("Research", r"research|papers?\b|science"),
        (
            "Big CO LLMs + APIs",
            r"^(?:openai|google|anthropic|meta|xai|microsoft|apple|amazon|nvidia|deepmind|mistral|deepseek)\b",
        ),
        (OTHER, r"\bother\b|\bmisc|interview|breaking|show notes|links"),
    )
)

#: Sections whose bullets are people, not releases.
SKIPPED_SECTIONS = frozenset({"People"})

_MARKER = re.compile(r"\btl\s?;?\s?dr\b|show[\s-]*notes|topics covered|^summary\b", re.I)
_HAS_ALNUM = re.compile(r"[^\W_]")
_TIMESTAMP_START = re.compile(r"^\(?(?:\d{1,2}:)?\d{1,2}:\d{2}\b")
_LINK_GROUP = re.compile(
    "\\(\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*|and\\s+)+\\)|\\[\\s*(?:\ue002\\d+\ue003[\\s,;|/&+]*)+\\]"
)
_TRAILING_MARKS = re.compile("(?:[\\s,;:|/-]*\ue002\\d+\ue003)+[\\s,;:|/-]*$")
_DASH_SPLIT = re.compile(r"\s+[-–—|]\s+|\s+[–—]|[–—]\s+")
_LEADING_NOISE = re.compile(
    r"^[\W_]*(?:(?:new|breaking|update|updated|hot|fire)\s*[:!-]\s*)?", re.I
)
_TOKEN_TRIM = ",.;:!?'\"“”‘’()[]"

KNOWN_ORGS = frozenset(
    name.casefold()
    for name in (
        "OpenAI",
        "Google",
        "DeepMind",
        "Google DeepMind",
        "Anthropic",
        "Meta",
        "Microsoft",
        "NVIDIA",
        "Apple",
        "Amazon",
        "AWS",
        "xAI",
        "X.ai",
        "Mistral",
        "DeepSeek",
        "Alibaba",
        "Qwen",
        "ByteDance",
        "Baidu",
        "Tencent",
        "Stability",
        "Stability AI",
        "Hugging Face",
        "HuggingFace",
        "IBM",
        "Cohere",
        "AI2",
        "Allen AI",
        "Nous",
        "Nous Research",
        "Prime Intellect",
        "Moonshot",
        "Moonshot AI",
        "MiniMax",
        "Zhipu",
        "Z.ai",
        "StepFun",
        "Samsung",
        "Salesforce",
        "Perplexity",
        "Runway",
        "Midjourney",
        "Black Forest Labs",
        "BFL",
        "Kling",
        "Kuaishou",
        "Luma",
        "ElevenLabs",
        "11Labs",
        "Cerebras",
        "Groq",
        "Together",
        "Liquid",
        "Liquid AI",
        "Cursor",
        "GitHub",
        "Adobe",
        "Snowflake",
        "Databricks",
        "Weights & Biases",
        "W&B",
        "Wandb",
        "Xiaomi",
        "Ant Group",
        "Inception",
        "Sesame",
        "Hume",
        "Cartesia",
        "Lightricks",
        "Tencent Hunyuan",
        "Meituan",
        "Kimi",
        "Reka",
        "Zyphra",
        "Arcee",
        "LG",
        "Ai2",
        "THUDM",
    )
)

_OWN_STOP_WORDS = frozenset(
    """
    a add ai also an and announce announcement apache are as at available be beat beats
    been bring by can come comes drop family finally for from get gets go goes got had
    has have hit hits how in is it its just licence license licensed make may mit model
    models new now of on open opens or our rolled say says ship show that the their
    these this those to top tops update using via was were what when where which who why
    will win wins with
    """.split()
)


#: Words that plain (not bold) section headers are made of: "Open Source LLMs".
_SECTION_WORDS = frozenset(
    """
    & + 3d agent agents ai and api apis art audio big breaking buzz co co-hosts cohosts
    companies company cos diffusion guest guests hardware host hosts image images in
    interview interviews links llm llms misc news notes of open other others research
    robotics robots show source the this tool tools updates video videos vision voice
    week week's weeks
    """.split()
)


def canonical_section(original: str) -> str:
    """Map a section header as written onto the small canonical set."""
    text = clean_text(original).strip(" :*-")
    for name, pattern in _SECTION_RULES:
        if pattern.search(text):
            return name
    return OTHER


def _looks_like_header(block: Block) -> bool:
    text = block.text.strip()
    if not text or len(text) > 80 or _TIMESTAMP_START.match(text):
        return False
    if block.bold and not block.links:
        return True
    if block.heading:
        return True
    if block.links or len(text.split()) > 6 or text.endswith((".", "!", "?")):
        return False
    words = [w.strip("&+,:/()").casefold() for w in text.replace("’", "'").split()]
    return all(w in _SECTION_WORDS for w in words if w) and any(words)


def _is_marker(block: Block) -> bool:
    text = block.text
    if len(text) > 120:
        return False
    low = text.lower()  # cheap filter before the pattern: most short blocks are bullets
    if "tl" not in low and "show" not in low and "topics" not in low and "summary" not in low:
        return False
    return not _TIMESTAMP_START.match(text) and bool(_MARKER.search(text))


def find_list(blocks: Sequence[Block]) -> tuple[int, int] | None:
    """The (start, end) block range of the show-notes list, or ``None``.

    The best run following a TL;DR marker wins; without a marker, the
    longest run of bullets that carries links (at least three items).
    """
    best: tuple[int, int, int] | None = None  # (items, start, end)
    for i, block in enumerate(blocks):
        if not _is_marker(block):
            continue
        start, end, items = _run_after(blocks, i + 1)
        if items >= 2 and (best is None or items >= best[0]):
            best = (items, start, end)
    if best is not None:
        return best[1], best[2]
    i = 0
    while i < len(blocks):
        if blocks[i].bullet:
            start, end, items = _run_after(blocks, i)
            linked = sum(1 for b in blocks[start:end] if b.links)
            if items >= 3 and linked >= 2 and (best is None or items > best[0]):
                best = (items, start, end)
            i = max(end, i + 1)
        else:
            i += 1
    return (best[1], best[2]) if best else None


def _run_after(blocks: Sequence[Block], start: int) -> tuple[int, int, int]:
    """Extent of a bullet run starting at ``start``: (start, end, item count)."""
    i = start
    items = 0
    leading_prose = 0
    while i < len(blocks):
        block = blocks[i]
        if block.bullet:
            if not _looks_like_header(block):
                items += 1
        elif _looks_like_header(block):
            pass
        elif items == 0 and leading_prose < 2 and len(block.text) < 200:
            leading_prose += 1  # a line such as "Here are the links:" before the list
        else:
            break
        i += 1
    return start, i, items


def extract_items(blocks: Sequence[Block]) -> list[ParsedItem]:
    """Release items of an episode's show notes, in show order (empty if none)."""
    span = find_list(blocks)
    if span is None:
        return []
    section, original = OTHER, ""
    items: list[ParsedItem] = []
    for block in blocks[span[0] : span[1]]:
        if _looks_like_header(block):
            original = clean_text(block.text).strip(" :*")
            section = canonical_section(original)
            continue
        if not block.bullet or section in SKIPPED_SECTIONS:
            continue
        item = parse_item(block, section=section, section_original=original or section)
        if item is not None:
            items.append(item)
    return items


def parse_item(block: Block, *, section: str, section_original: str) -> ParsedItem | None:
    """One show-notes line into an item: name, org, headline and labelled links."""
    if block.labels:  # drop the "(X, HF, Paper)" link list; other anchors keep their text
        marked = _TRAILING_MARKS.sub("", _LINK_GROUP.sub("", block.marked))
        if "\ue002" in marked:
            marked = _MARK.sub(lambda m: block.labels[int(m.group(1))], marked)
        headline = (normalise_space(marked) if "  " in marked else marked).strip(" -–—:,;|")
    else:
        headline = block.text.strip(" -–—:,;|")  # blocks are already clean text
    if not headline:
        headline = block.text
    if not _HAS_ALNUM.search(headline) or is_person_line(headline):
        return None
    name, org = split_name(headline)
    links = _dedupe(block.links)
    return ParsedItem(
        name=name,
        org=org,
        section=section,
        section_original=section_original,
        headline=headline,
        summary=headline,
        links=links,
    )


def _dedupe(links: tuple[Link, ...]) -> tuple[Link, ...]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return tuple(out)


def split_name(headline: str) -> tuple[str, str | None]:
    """The release name and its org from a headline.

    "Prime Intellect - MetaGENE-1 - metagenomic model" -> ("MetaGENE-1", "Prime Intellect");
    "Kokoro - #1 TTS" -> ("Kokoro", None); "OpenAI launches GPT-5.1" -> ("GPT-5.1", "OpenAI");
    "Phi-4 MIT licensed family of models from Microsoft" -> ("Phi-4", "Microsoft").
    """
    text = _LEADING_NOISE.sub("", headline).strip() or headline
    parts = [p.strip() for p in _DASH_SPLIT.split(text) if p.strip()] or [text]
    org: str | None = None
    if (len(parts) >= 3 and _org_like(parts[0])) or (
        len(parts) >= 2 and parts[0].casefold() in KNOWN_ORGS
    ):
        org, segments = parts[0], parts[1:]
    else:
        segments = parts
    name = ""
    for segment in segments:
        colon = segment.find(":")
        if colon > 0 and len(segment[:colon].split()) <= 6:
            segment = segment[:colon]
        subject, rest = _subject_and_object(segment)
        if subject:
            found = _find_name(rest, scan=2) if rest else ""
            if found and found.casefold() not in KNOWN_ORGS:
                org = org or subject
                name = found
            else:
                name = subject
            break
        name = _find_name(segment, scan=1 if segment is not segments[-1] else 8)
        if name:
            break
    name = name.strip(_TOKEN_TRIM + " -")[:80]
    if not _usable_name(name):  # "3", "$4", ")": a bare number or symbol names nothing
        name = " ".join(text.split()[:4])[:80]
    prefix_org, rest = _strip_org_prefix(name)
    if prefix_org and (org is None or org.casefold() == prefix_org.casefold()):
        name, org = rest, prefix_org
    if org is None:
        org = _org_from(name, headline)
    return name, org


def _strip_org_prefix(name: str) -> tuple[str | None, str]:
    """ "Google Gemini 3 Pro" -> ("Google", "Gemini 3 Pro"); (None, name) when no org leads."""
    words = name.split()
    for size in (3, 2, 1):
        if len(words) > size and " ".join(words[:size]).casefold() in KNOWN_ORGS:
            rest = words[size:]
            # Keep "Kimi K2", "DeepSeek R1", "Cartesia AI": a short version tag is no name.
            letters = sum(c.isalpha() for c in rest[0])
            if letters and _name_like(rest[0]) and (len(rest) > 1 or letters >= 4):
                return " ".join(words[:size]), " ".join(rest)
    return None, name


_VERBS = frozenset(
    """
    acquires added adds allowing announced announces brings buys confirms debuts demos
    dropped drops expands fundraises gives integrates introduced introduces joins launch
    launched launches makes open-sources opensources partners presents previews
    published publishes raises reduces release released releases removes responds
    revealed reveals rolls shipped ships shows sues teased teases teasing unveiled
    unveils updated updates upgrades
    """.split()
)
#: Verbs after which the subject itself is the news ("Grok 3 is ...", "Sora gets ...").
_STATE_VERBS = frozenset(
    """
    also are finally gets goes got has have is just now officially quietly was will
    """.split()
)
#: Words that end a release name ("Phi-4 MIT licensed ..." -> "Phi-4").
_STOP_WORDS = _OWN_STOP_WORDS | _VERBS | _STATE_VERBS

_OPENERS = frozenset(
    """
    a about all also an another available big breaking chat chatted first her his huge i
    i'm if im interview is it its me meet more my new no not open oss our so some sota
    source story the their these this tiny we went with yes you your
    """.split()
)
_PEOPLE_LINE = re.compile(
    r"^(?:guests?|co-?hosts?|hosts?|panel(?:ists)?)\b\s*[:\-–]|\bevangelist\b", re.I
)
# "co-host" and a @handle on one line, in either order: two searches, because one
# pattern with ".*" between them backtracks quadratically on a long line full of "@".
_COHOST = re.compile(r"\bco-?host\b", re.I)
_HANDLE = re.compile(r"@\w")


def _subject_and_object(segment: str) -> tuple[str, str]:
    """Split "OpenAI launches GPT-5.1" into ("OpenAI", "GPT-5.1"); ("", "") when not that shape."""
    tokens = segment.split()
    if not tokens or tokens[0].casefold().strip(_TOKEN_TRIM) in _OPENERS:
        return "", ""
    for i in range(1, min(4, len(tokens))):
        word = tokens[i].casefold().strip(_TOKEN_TRIM)
        is_open_source = (
            word == "open" and i + 1 < len(tokens) and tokens[i + 1].casefold().startswith("source")
        )
        if word in _STATE_VERBS:
            subject = tokens[:i]
            if all(_name_like(t) or t in ("&", "+") for t in subject):
                return " ".join(subject).strip(_TOKEN_TRIM), ""
            return "", ""
        if word in _VERBS or is_open_source:
            subject = tokens[:i]
            if not all(_name_like(t) or t in ("&", "+") for t in subject):
                return "", ""
            rest = tokens[i + (2 if is_open_source else 1) :]
            while rest and rest[0].casefold().strip(_TOKEN_TRIM) in _VERBS:
                rest = rest[1:]
            return " ".join(subject).strip(_TOKEN_TRIM), " ".join(rest)
        if not _name_like(tokens[i].strip(_TOKEN_TRIM)):
            return "", ""
    return "", ""


def _find_name(text: str, *, scan: int) -> str:
    """The first run of name-like words, skipping openers ("We", "The", "New") and up to
    ``scan`` ordinary words."""
    tokens = text.split()
    for i, raw in enumerate(tokens[: scan + 3]):
        token = raw.strip(_TOKEN_TRIM)
        if not token or token.casefold() in _OPENERS:
            continue
        if _name_like(token) and any(c.isalpha() for c in token):
            return _leading_name(" ".join(tokens[i:]))
        if i >= scan:
            break
    return ""


def is_person_line(headline: str) -> bool:
    """Whether a show-notes line lists a host or guest rather than a release."""
    if _PEOPLE_LINE.search(headline):
        return True
    cohost = _COHOST.search(headline)
    return cohost is not None and (
        _HANDLE.search(headline, 0, cohost.start()) is not None
        or _HANDLE.search(headline, cohost.end()) is not None
    )


def _usable_name(name: str) -> bool:
    """A name holds a letter and at least two letters or digits."""
    return any(c.isalpha() for c in name) and len(name_key(name)) >= 2


def _org_like(text: str) -> bool:
    """A known org, or one or two capitalised words that read as a company name."""
    if text.casefold() in KNOWN_ORGS:
        return True
    words = text.split()
    return len(words) <= 2 and all(
        w[:1].isupper() and w.casefold() not in _STOP_WORDS and not any(c.isdigit() for c in w)
        for w in words
    )


def _leading_name(text: str) -> str:
    tokens = text.split()
    kept: list[str] = []
    for i, raw in enumerate(tokens[:6]):
        token = raw.strip(_TOKEN_TRIM)
        if not token:
            break
        if i > 0 and token in ("&", "+") and i + 1 < len(tokens) and _name_like(tokens[i + 1]):
            kept.append(token)
            continue
        if i > 0 and (token.casefold() in _STOP_WORDS or not _name_like(token)):
            break
        kept.append(token)
        if raw.endswith((",", ":", ";", ")")):
            break
    return " ".join(kept)


def _name_like(token: str) -> bool:
    return any(c.isupper() or c.isdigit() for c in token) or "-" in token or "." in token


def _org_from(name: str, headline: str) -> str | None:
    words = name.split()
    for size in (3, 2, 1):
        if len(words) > size and " ".join(words[:size]).casefold() in KNOWN_ORGS:
            return " ".join(words[:size])
    m = re.search(r"\b(?:from|by)\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)", headline)
    if m:
        for candidate in (m.group(1), m.group(1).split()[0]):
            if candidate.casefold() in KNOWN_ORGS:
                return candidate
    return None
