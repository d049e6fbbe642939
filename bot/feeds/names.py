"""Release names and their orgs from one show-notes line.

A name is the product as a reader would say it: "Qwen3-Coder-480B-A35B",
"Kokoro", "Veo 3", "Kling VIDEO 2.6".  ``split_name`` reads the usual shapes
("Org - Name - what it is", "Org launches Name", "Name: what it is") and then
repairs what those shapes get wrong on real lines: a trailing link label
("DeepHermes-3 Preview X"), a possessive ("Qwen's latest model QwQ-32B"), a
generic opener ("How the Agent Manager ..."), a bare number ("$10B"), a
dangling "&", an emoji, a brand dropped as if it were the org ("Kling").
Orgs go through ``orgs.canonical_org`` and are only set when the line names one.

For news digests whose lines are story titles ("OpenAI is reportedly raising
at a $500B valuation"), the name is the story's lead noun phrase when it reads
as a product, and otherwise the title's first words: a title is what a reader
would call that story.
"""

from __future__ import annotations

import itertools
import re

from bot.feeds.clean import name_key
from bot.feeds.orgs import KNOWN_ORGS, canonical_org, is_brand_only
from bot.quality import (
    BAD,
    GENERIC_WORDS,
    LEADING_QUANTIFIERS,
    LINK_LABELS,
    MALFORMED,
    TRAILING_LABELS,
    name_problems,
)

_DASH_SPLIT = re.compile(r"\s+[-–—|]\s+|\s+[–—]|[–—]\s+")
_LEADING_NOISE = re.compile(
    r"^[\W_]*(?:(?:new|breaking|update|updated|hot|fire)\s*[:!-]\s*)?", re.I
)
_TOKEN_TRIM = ",.;:!?'\"“”‘’()[]`"
# A topic line led by a gerund, up to "with"/"using" and a capitalised name.
_GERUND_WITH = re.compile(r"^[A-Z][a-z]+ing\s[^.;:!?]{0,60}?\b(?:with|using)\s+(?=[A-Z])")
# A line led by a social handle up to its release verb: "@nous have released ...".
_HANDLE_LEAD = re.compile(
    r"^@\w+\b[^.;:!?]{0,80}?\b(?:released|releases|launched|launches|announced|announces"
    r"|dropped|drops|open[- ]sourced)\s+(?:(?:a|an|the|their|its|new)\s+){0,2}"
)
# A parenthesised list of link labels typed as text: "(X, HF)", "[Blog]".
_LABEL_GROUP = re.compile(r"[(\[]([^()\[\]]{1,80})[)\]]")
_POSSESSIVE = re.compile(r"^(.+?)['’]s$")
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u2bff\u3030\u303d\u3297\u3299"
    "\U0001d400-\U0001d7ff\U0001f000-\U0001faff\ufe0f\u200d]"
)
_CONNECTORS = "&+-–—/|:,;"
_FROM_BY = re.compile(r"\b(?:from|by)\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)")
_DIGIT = re.compile(r"\d")
_QUANTITY_WORD = re.compile(r"^[~$]?\d[\d.,]*[KMBT]?$")
_SIZE_WORD = re.compile(r"^~?\d[\d.]*[KMBT]$")
_HAS_WORD = re.compile(r"[^\W_]")
_PERSON_HINTS = ("guest", "host", "panel", "evangelist", "producer")

_OWN_STOP_WORDS = frozenset(
    """
    sota
    a add ai also an and announce announcement apache are as at available be beat beats
    been bring by can come comes drop family finally for from get gets go goes got had
    has have hit hits how in is it its just licence license licensed make may mit model
    models new now of on open opens or our rolled say says ship show that the their
    these this those to top tops update using via was were what when where which who why
    will win wins with
    """.split()
)


def split_name(headline: str) -> tuple[str, str | None]:
    """The release name and its org from a headline.

    "Prime Intellect - MetaGENE-1 - metagenomic model" -> ("MetaGENE-1", "Prime Intellect");
    "Kokoro - #1 TTS" -> ("Kokoro", None); "OpenAI launches GPT-5.1" -> ("GPT-5.1", "OpenAI");
    "Phi-4 MIT licensed family of models from Microsoft" -> ("Phi-4", "Microsoft").
    """
    text = _without_label_groups(headline if headline.isascii() else _EMOJI.sub("", headline))
    handled = _HANDLE_LEAD.match(text) if text[:1] == "@" else None
    if handled and handled.end() < len(text):
        # "@EnricoShippole with collaboration with Nous have released LLongMa, ...": a
        # handle names who released it; the release follows the verb.
        return split_name(text[handled.end() :])
    text = _LEADING_NOISE.sub("", text).strip() or headline
    labelled = quoted_after_label(text)
    if labelled is not None:
        return labelled
    doing = _GERUND_WITH.match(text) if "ing " in text[:20] else None
    if doing:
        # "Generating 4K assets with Nano Banana Pro": a topic says what was done with
        # a release; the release is what follows "with" (up to a dash: "... - Alex").
        found = _trimmed(_leading_name(_DASH_SPLIT.split(text[doing.end() :], 1)[0]))
        if found and found.casefold() not in KNOWN_ORGS and _acceptable(found):
            return split_name(text[doing.end() :])
    news = _news_name(text)
    if news is not None:
        return news
    fresh = _NEW_AFTER_MAKER.match(text) if " new " in text else None
    if fresh and _name_like(fresh.group(1)):
        # "PyTorch new TorchTune finetuning library": the maker, "new", the release.
        maker = fresh.group(1)
        name = _trimmed(_leading_name(text[fresh.end() :]))
        if _acceptable(name):
            return name, canonical_org(maker) if maker.casefold() in KNOWN_ORGS else None
    if "-" in text or "|" in text or "–" in text or "—" in text:
        parts = [p.strip() for p in _DASH_SPLIT.split(text) if p.strip()] or [text]
    else:
        parts = [text]  # no dash to split on (the split costs more than these tests)
    org: str | None = None
    if (len(parts) >= 3 and _org_like(parts[0]) and _opens_with_name(parts[1])) or (
        len(parts) >= 2 and parts[0].casefold() in KNOWN_ORGS
    ):
        org, segments = parts[0], parts[1:]
    else:
        segments = parts
    name = ""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1  # (the colon below may shorten the segment)
        colon = segment.find(":")
        if colon > 0 and len(segment[:colon].split()) <= 6:
            after = segment[colon + 1 :].strip()
            if lowercase_maker(after):
                # "Vector DB ergonomics: turbopuffer adds multiple vector columns": a
                # product spelled in lowercase, then what it ships.
                name = after.split(maxsplit=1)[0]
                break
            # "Agentic data/backends: Timescale's Agentic Postgres ...": a topic label
            # naming no product leads a sentence that does.
            label = segment[:colon]
            if after and names_release(after) and (not names_release(label) or _topic(label)):
                segment = after
            else:
                segment = segment[:colon]
        elif (
            colon > 0
            and len(segment[colon + 1 :].split()) >= _SENTENCE_WORDS
            and not segment[colon + 1 :].lstrip().startswith("@")
            and names_release(segment[colon + 1 :])
        ):
            # "Day-0 ecosystem support became part of the story: Gemma 4 landed ...": a
            # label that is a sentence of its own; the release leads what follows it.
            segment = segment[colon + 1 :].strip()
        subject, rest = _subject_and_object(segment)
        if subject and not rest and not last and _org_like(subject) and _ends_on_verb(segment):
            # "01AI open sources - Yi 9B": the release is the next segment, its maker leads.
            org = org or subject
            continue
        verb = segment[len(subject) :].split(maxsplit=1)[:1] if subject else []
        if subject and (
            _NAME_AND_VERSION.match(subject)
            or (verb and verb[0].casefold() in _FEATURE_VERBS and _compound_name(subject))
            or (
                verb
                and verb[0].casefold() in _FEATURE_VERBS
                and subject.casefold() not in KNOWN_ORGS
                and all(w[:1].islower() for w in rest.split()[:2])
            )
        ):
            # "Qdrant 1.16 adds tiered multitenancy, ACORN ...", "Unsloth-MLX brings an
            # Unsloth-like API to MLX": the subject is the release, the rest its features.
            name = subject
            break
        seg_words = segment.split()
        n_subject = len(subject.split())
        if (
            subject
            and rest
            and len(seg_words) > n_subject
            and (seg_words[n_subject].casefold() in _TEAM_WORDS)
        ):
            phrase = " ".join(
                itertools.takewhile(
                    lambda w: _PHRASE_WORD.match(w) is not None and w not in _TAIL_WORDS,
                    rest.split()[:4],
                )
            )
            if phrase:
                # "vLLM team open-sourced speculator models": the team's project and
                # the plain thing it shipped name the release together.
                name = f"{subject} {phrase}"
                break
        if subject:
            found = _find_name(rest, scan=2) if rest else ""
            lead = rest.split(maxsplit=1)[0].strip(_TOKEN_TRIM) if rest else ""
            if found and _QUANTITY_WORD.match(found.split()[0].strip(_TOKEN_TRIM)):
                found = ""  # "Meta LLama 3.1 updated models (405B, 70B)": a size, not a name
            if not found and lead.casefold() in PRODUCT_FAMILIES:
                found = lead[:1].upper() + lead[1:]  # "X.ai finally released grok to ..."
            elif (not found or found[0].islower() or not rest.startswith(found)) and (
                subject.casefold() in KNOWN_ORGS or subject.casefold() in _GENERIC_SUBJECTS
            ):
                # "Apple proposes multi-token prediction", "Researchers discover
                # subliminal learning in LLMs": the idea named in lowercase is the news.
                found = _lowercase_phrase(rest) or found
            if not found and rest and subject.casefold() not in KNOWN_ORGS:
                # "Daily announces a new open standard for real time Voice and Video
                # RTVI-AI": the object's coined product word is the release.
                found = _coined_word(rest)
            after_found = (rest[len(found) :].split() or [""])[0] if found else ""
            if (
                found
                and _MODIFIER.match(found)
                and found.split("-", 1)[0] not in PRODUCT_FAMILIES
                and _PLAIN_NOUN.match(after_found)
                and after_found not in _STOP_WORDS
                and after_found not in _TAIL_WORDS
            ):
                found = ""  # "LangChain/Deep Agents shipped first-class support": an adjective
            if found and found.casefold() not in KNOWN_ORGS and len(found) > 2:
                # "Chrome adds Gemini": the subject is an org only when it is a known one.
                org = org or (subject if subject.casefold() in KNOWN_ORGS else None)
                name = found
            else:
                name = subject
            break
        name = _find_name(segment, scan=8 if last else 1)
        if name and not last and name.casefold() in _ACRONYMS:
            # "AI powered glasses ... - Agentic Project Astra": "AI" names no release.
            name = ""
            continue
        if name:
            break
    name = name.strip(_TOKEN_TRIM + " -")[:80]
    if not _usable_name(name):  # "3", "$4", ")": a bare number or symbol names nothing
        name = _first_words(text)
    prefix_org, rest = _strip_org_prefix(name)
    if prefix_org and (org is None or org.casefold() == prefix_org.casefold()):
        name, org = rest, prefix_org
    if org is None:
        org = _org_from(name, headline)
    gains = _GAINS.match(text, len(name)) if text.startswith(name) and " has " in text else None
    if gains is None and text.startswith(name) and " gets " in text:
        gains = _GAINS.match(text, len(name))
    gained = gains.group(1).strip(_TOKEN_TRIM).casefold() if gains else ""
    if gains and not (
        gained in _OPENERS
        or gained in _ACRONYMS
        or gained in PRODUCT_FAMILIES
        or gained in KNOWN_ORGS
    ):
        name = f"{name} {gains.group(1).strip(_TOKEN_TRIM)}"  # "ChatGPT now has Search!"
    elif text.startswith(name) and (owned := _OWNS.match(text, len(name))) is not None:
        phrase = _lowercase_phrase(text[owned.end() :])
        if phrase:
            name = f"{name} {phrase}"  # "Qwen has a new web portal with ..."
    quoted = _QUOTED_AFTER_VERB.search(text) if ('"' in text or "“" in text) else None
    if (
        quoted
        and not quoted.group(1).islower()
        and (name.casefold() in KNOWN_ORGS or not _stands_alone(name.split()[0]))
    ):
        name = quoted.group(1)  # "The White House unveils “America’s AI Action Plan”"
    elif (
        (" called " in text or " named " in text or " dubbed " in text)
        and (called := _CALLED.search(text)) is not None
        and 0 <= text.find(name) < called.start()
        and (name.casefold() in KNOWN_ORGS or text.startswith(name))
    ):
        # "Runway launches an image model called Frames": the maker leads, the line
        # names its release after "called".
        org = org or (canonical_org(name) if name.casefold() in KNOWN_ORGS else None)
        name = called.group(1)
    elif name.casefold() in KNOWN_ORGS:
        later = _strong_token_after(text, name)  # "Qwen drops an update: Qwen3-235B-..."
        if later:
            org, name = org or name, later
        elif text[: len(name)].casefold() == name.casefold():
            # "OpenAI advanced voice mode updates": no product word follows the org, so
            # the org and the lowercase phrase it leads name the news together.
            phrase = _lowercase_phrase(text[len(name) :])
            if phrase:
                org, name = org or name, f"{name} {phrase}"
    if name[:1].isdigit() and not any(c.isupper() for c in name) and "`" in text:
        # "1-bit inference: ... open-sourced `bitnet.cpp`": a size names nothing; the
        # line's code-font name does.
        code = _CODE_NAME.search(text)
        if code:
            name = code.group(1)
    elif text.startswith(name) and " via " in text and not _DIGIT.search(name):
        via = _VIA_QUOTED.search(text)
        if via:
            name = via.group(1)  # "Separate ... improvements appear via “MLX Engine Revolution”"
    return _repaired(_with_qualifier(name, text), org, text)


_CODE_NAME = re.compile(r"`([\w][\w.+-]{2,40})`")
_VIA_QUOTED = re.compile(r"\bvia\s+[\"“]([A-Z][^\"“”]{1,40}?)[\"”]")


# A lowercase mode in quotes right after the name: 'Gemini Pro "deep think" mode'.
_QUOTED_MODE = re.compile(r"\s+[\"“]([a-z][a-z -]{1,30})[\"”]")
_ACRONYM = re.compile(r"[A-Z]{2,5}")


def _with_qualifier(name: str, text: str) -> str:
    """The name with the word that makes it a release, when the line gives one.

    'Gemini Pro "deep think" mode' -> "Gemini Pro deep think"; a bare acronym names a
    field, its noun the release: "MCP support" (not "MCP").
    """
    at = text.find(name)
    if at < 0:
        return name
    after = text[at + len(name) :]
    if after[:2] in (' "', " “"):
        quoted = _QUOTED_MODE.match(after)
        if quoted:
            return f"{name} {quoted.group(1).strip()}"
    if after[:4] == " on " and not _DIGIT.search(name):
        platform = _PLATFORM.match(after, 4)
        words = platform.group(1).split() if platform else []
        if platform and platform.group(1).casefold() in KNOWN_ORGS:
            words = []  # "Gradio on Hugging Face": hosted by an org, not a platform release
        elif words and words[0].casefold() in KNOWN_ORGS:
            words = words[1:]  # "Apple CarPlay": the platform is CarPlay, Apple its maker
        if words and words[0].casefold() not in KNOWN_ORGS | _CALENDAR_WORDS:
            # "ChatGPT Voice Mode on Apple CarPlay rolling out": an unversioned product
            # arriving on a platform; the platform makes it this release.
            return f"{name} on {' '.join(words)}"
    low = name.casefold()
    if _ACRONYM.fullmatch(name) and low not in PRODUCT_FAMILIES and low not in _ACRONYMS:
        words = after.split(maxsplit=2)
        noun = words[0].strip(_TOKEN_TRIM) if words else ""
        if noun in _KIND_NOUNS:
            return f"{name} {noun}"
    return name


# One or two capitalised words after " on ", the last with inner capitals or alone:
# "Apple CarPlay", "CarPlay" (not "on GPT 3.5": a version follows, the model is named).
_PLATFORM = re.compile(r"([A-Z][\w.+-]*(?: [A-Z][\w.+-]*)?)(?=[\s:,.;!)]|$)(?! [A-Z\d])")
#: Capitalised words after " on " that are a date, not a platform.
_CALENDAR_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december today tomorrow
    """.split()
)
#: Nouns that make an acronym a release: "MCP support", "iOS app" (not link labels such
#: as "blog", which a name never ends on).
_KIND_NOUNS = frozenset(
    "app apps benchmark client clients course distilled integration leaderboard"
    " mode pro recap server servers studio support".split()
)


# "an image model called Frames", "a conference called Fully Connected".
_CALLED = re.compile(r"\b(?:called|named|dubbed)\s+[\"“]?([A-Z][\w.+-]*(?:\s+[A-Z][\w.+-]*){0,3})")
# "ChatGPT now has Search": the subject and the capitalised feature it gains.
_GAINS = re.compile(r"\s+(?:now\s+)?(?:has|gets)\s+([A-Z][\w.+-]*)(?=[\s!.,]|$)")
# "Qwen has a new web portal": the subject and the new thing it has.
_OWNS = re.compile(r"\s+(?:now\s+)?(?:has|gets)\s+(?:a\s+|an\s+)?new\s+")
#: A line naming no product is called by its first words, at most this many.
_FIRST_WORDS = 6
_TITLE_END = re.compile(r"\s[-–—|]\s|:\s")
_SUBJECT_ENDS = frozenset("is are was were has have had will can gets got".split())
_NEXT_CLAUSE = re.compile(r"\s(?:and|but)\s+(?:had|has|have|was|were|is|are|will|can|got)\b")


def _first_words(text: str) -> str:
    """What a reader calls a line naming no product: its title's first words, before a
    dash or colon, at most ``_FIRST_WORDS`` ("Open Source long context pressure test")."""
    end = _TITLE_END.search(text, 0, 120)
    title = text[: end.start()] if end and end.start() > 0 else text[:200]
    rest = text[end.end() :].lstrip() if end else ""
    if rest[:1].isupper() and title.strip().casefold() in KNOWN_ORGS:
        # "Apple - LLM in a flash paper ...": the org and its release's title (not its
        # description: "Udio - upload your own audio feature" is Udio).
        more = _TITLE_END.search(rest, 0, 120)
        title = f"{title.strip()} {rest[: more.start()] if more else rest[:200]}"
    clause = _NEXT_CLAUSE.search(title)
    if clause:  # "I also invited and had the privilege ...": the title ends at its clause
        title = title[: clause.start()]
    words = title.split()[:_FIRST_WORDS]
    if len(words) > 3 and words[0] in ("The", "A", "An"):
        # "The AI math breakthrough has a ... effect": the subject, before its verb.
        verb = next((i for i, w in enumerate(words) if w in _SUBJECT_ENDS), 0)
        if verb >= 3:
            words = words[1:verb]
    return " ".join(words)[:80]


_NEW_AFTER_MAKER = re.compile(r"^(\S+)\s+new\s+(?=[A-Z])")
# A one-word product in lowercase and the verb saying what it ships ("turbopuffer adds").
_LOWERCASE_MAKER = re.compile(
    r"([a-z][a-z\d.-]{3,})\s+(?:adds|brings|ships|launches|releases|introduces|unveils"
    r"|open-sources|supports)\b"
)
_PRONOUNS = frozenset("everyone everybody someone somebody nobody this that it which".split())
#: What follows a long label is a sentence (not "@handle" credits) from this many words.
_SENTENCE_WORDS = 4
# A quoted name among the first words after a label: "Perplexity: agentic “Computer for
# Taxes”", "Agentic data/backends: Timescale’s “Agentic Postgres” introduces ...".
_QUOTED_LEAD = re.compile(r"(?:[^\s\"“”]+\s+){0,2}[\"“]([A-Z][^\"“”]{1,40}?)[\"”]")
# A maker or person, then the quoted release: "Anthropic “Emotion concepts/vectors” ...".
_QUOTED_AFTER_MAKER = re.compile(
    r"([A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)?)(?:\s+on)?\s+[\"“]([A-Z][^\"“”]{1,40}?)[\"”]"
)
#: A label before ": " is at most this many words.
_LABEL_WORDS = 6


# A product word and its dotted version: "Qdrant 1.16", "Axolotl v0.16".
_NAME_AND_VERSION = re.compile(r"^[A-Z][\w.+-]*\s+v?\d+\.\d+(?:\.\d+)*$")
_FEATURE_VERBS = frozenset("adds brings gets gains supports".split())


def _compound_name(subject: str) -> bool:
    """A coined one-word product: hyphenated parts, one after the first capitalised
    ("Unsloth-MLX", "Claude-Mem"); not a known org."""
    parts = subject.split("-")
    return (
        " " not in subject
        and len(parts) >= 2
        and all(parts)
        and parts[1][:1].isupper()
        and subject.casefold() not in KNOWN_ORGS
    )


_TOPIC_CONNECTORS = frozenset("& + and or vs of for in on the a an with to".split())


def _topic(label: str) -> bool:
    """Whether a label before ": " is a topic in plain words ("MoE/speculative & vector
    infra"), most of its words lowercase, rather than a release's name."""
    if label.count(",") >= 2 or (label.count(",") == 1 and " and " in label):
        return True  # "Access, IDEs, and UI": a list of topics, not one release's name
    words = [w for w in label.split() if w.casefold() not in _TOPIC_CONNECTORS]
    plain = sum(1 for w in words if w[:1].islower())
    if any(w.casefold() in KNOWN_ORGS or w.casefold() in PRODUCT_FAMILIES for w in words):
        return False  # "Qwen drops a little update": the maker leads, the label is news
    return len(words) >= 2 and plain * 2 > len(words)


def quoted_after_label(text: str) -> tuple[str, str | None] | None:
    """The quoted product after a topic or org label ("Anthropic: “Emotion vectors” ..."),
    or ``None`` when the line has no such shape."""
    if '"' not in text and "“" not in text:
        return None
    lead = _QUOTED_AFTER_MAKER.match(text)
    if lead is not None:
        # "Perplexity “Computer for Taxes”", "Karpathy on “LLM Knowledge Bases”".
        maker, name = lead.group(1), lead.group(2).strip(_TOKEN_TRIM + " ")
        verb = any(w.casefold() in _VERBS or w.casefold() in _STATE_VERBS for w in maker.split())
        if not verb and len(name.split()) <= 4 and _acceptable(name):
            return name, canonical_org(maker) if maker.casefold() in KNOWN_ORGS else None
    colon = text.find(": ")
    if colon <= 0:
        return None
    label = text[:colon].strip()
    if len(label.split()) > _LABEL_WORDS:
        return None
    org = canonical_org(label) if label.casefold() in KNOWN_ORGS else None
    if org is None and names_release(label):
        return None  # "Kling 2.5: the “best” video model": the label is the name
    quoted = _QUOTED_LEAD.match(text, colon + 2)
    if quoted is None:
        return None
    name = quoted.group(1).strip(_TOKEN_TRIM + " ")
    if len(name.split()) > 4 or not _acceptable(name):
        return None
    return name, org


# "LMArena raises $100M": the company is the news.  "Elon sues OpenAI": the event is.
_MONEY_VERBS = frozenset("raises raised fundraises fundraising valued".split())
_EVENT_VERBS = frozenset(
    "sues sued responds responded accuses accused charged testifies settles fires fired"
    " hires hired poaches poached".split()
)


def _news_name(text: str) -> tuple[str, str | None] | None:
    """Names for news lines about a company rather than a release, else ``None``."""
    tokens = text.split(maxsplit=5)
    if len(tokens) < 2 or not _name_like(tokens[0]):
        return None
    verb = tokens[1].casefold().strip(_TOKEN_TRIM)
    subject = tokens[0].strip(_TOKEN_TRIM)
    org = canonical_org(subject) if subject.casefold() in KNOWN_ORGS else None
    if verb in _MONEY_VERBS:
        return subject, org
    if verb in _EVENT_VERBS:
        words: list[str] = []
        for token in tokens[:4]:
            words.append(token.strip(_TOKEN_TRIM))
            if token.endswith((",", ".", ";", ":")):
                break
        return " ".join(w for w in words if w), org
    # "ex-Google employee was charged with ...": subject, auxiliary, event -> the event.
    if (
        len(tokens) >= 4
        and tokens[2].casefold() in _AUXILIARIES
        and tokens[3].casefold().strip(_TOKEN_TRIM) in _EVENT_VERBS
        and tokens[1].isalpha()
    ):
        return " ".join((subject, tokens[1], tokens[3].strip(_TOKEN_TRIM))), None
    return None


_AUXILIARIES = frozenset("was were is are got gets has have been".split())


_QUOTED_AFTER_VERB = re.compile(
    r"\b(?:unveils|launches|releases|announces|introduces|drops|ships|debuts|proposes)"
    r"\s+(?:(?:its|their|a|an|the|new)\s+){0,2}[\"“]([^\"“”]{2,60})[\"”]"
)


def _strong_token_after(text: str, name: str) -> str:
    """The first token after ``name`` with a digit or inner capitals, as a name run."""
    tokens = text.split()
    for i, raw in enumerate(tokens[1:14], start=1):
        token = raw.strip(_TOKEN_TRIM)
        if token.casefold() == name.casefold() or len(token) < 3:
            continue
        has_digit = _DIGIT.search(token) is not None and any(c.isalpha() for c in token)
        mixed = any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)
        if has_digit or mixed:
            return _leading_name(" ".join(tokens[i:]))
    return ""


def _coined_word(text: str) -> str:
    """A coined all-capitals product word in a line's object ("... Voice and Video RTVI-AI").

    Two capitals at least, every hyphenated part capitalised or a number; not a known
    family or org (a base model the release builds on: "LLama-3 finetune"), not a bare
    version ("V2.5"), not a plain acronym ("AI"), not a gloss in parentheses.
    """
    for raw in text.split(maxsplit=14)[:14]:
        if raw.startswith(("(", "[")):
            continue
        token = raw.strip(_TOKEN_TRIM)
        if len(token) < 3 or sum(c.isupper() for c in token) < 2 or _is_version(token):
            continue
        parts = [p for p in token.split("-") if p]
        if not parts or not all(p[0].isupper() or p[0].isdigit() for p in parts):
            continue
        head = re.split(r"[\d.]", parts[0].casefold(), maxsplit=1)[0]
        low = token.casefold()
        if low in _ACRONYMS or low in KNOWN_ORGS or head in PRODUCT_FAMILIES or head in KNOWN_ORGS:
            continue
        return token
    return ""


def _strip_org_prefix(name: str) -> tuple[str | None, str]:
    """ "Google Gemini 3 Pro" -> ("Google", "Gemini 3 Pro"); (None, name) when no org leads."""
    words = name.split()
    for size in (3, 2, 1):
        if len(words) > size and " ".join(words[:size]).casefold() in KNOWN_ORGS:
            rest = words[size:]
            # Keep "Kimi K2", "DeepSeek R1", "Cartesia AI": a short version tag is no name.
            letters = sum(c.isalpha() for c in rest[0])
            brand = size == 1 and is_brand_only(words[0])  # "Kling VIDEO 2.6" keeps "Kling"
            if letters and _name_like(rest[0]) and (len(rest) > 1 or letters >= 4) and not brand:
                if _stands_alone(rest[0]) and not _is_version(rest[0]):
                    return " ".join(words[:size]), " ".join(rest)
                # "Microsoft BUILD", "Apple Intelligence", "Reka Core": the org is part of
                # the product's name; the org is still the org.
                return " ".join(words[:size]), name
    return None, name


#: Product families a reader names without their maker ("Gemini 3 Pro", not "Google ...").
PRODUCT_FAMILIES = frozenset(
    """
    gemini gemma claude sonnet opus haiku llama grok phi mistral mixtral qwen deepseek sora
    veo flux kling imagen chatgpt midjourney whisper hermes kimi glm runway suno udio
    codex devin dall-e dalle firefly falcon nemotron olmo granite jamba pixtral codestral
    ministral magistral devstral voxtral seedream seedance hunyuan wan ernie minimax hailuo
    moondream smollm sam gpt o1 o3 o4 nova titan
    """.split()
)


def _is_version(word: str) -> bool:
    """ "V3.1", "R1", "2.5": a version tag, which needs its brand ("DeepSeek V3.1")."""
    return sum(c.isalpha() for c in word) <= 1 and _DIGIT.search(word) is not None


def _product_word(word: str) -> bool:
    """A word shaped like a product name: "Meta-Prompt", "QwQ-32B", "OmniParser" (not "AI")."""
    if _QUANTITY_WORD.match(word):
        return False
    mixed = any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
    return "-" in word or _DIGIT.search(word) is not None or mixed


def _stands_alone(word: str) -> bool:
    """Whether a product word after its org reads as the name on its own ("Gemini", "VASA-1")."""
    low = word.casefold().strip(_TOKEN_TRIM)
    if low in PRODUCT_FAMILIES or _DIGIT.search(word) or "-" in word:
        return True
    inner = word[1:]
    # CamelCase ("LLama", "IDEFICS"-like acronyms up to 4 letters) stands alone; "BUILD" does not.
    return inner.lower() != inner and (not word.isupper() or len(word) <= 4)


_VERBS = frozenset(
    """
    acquires added adds allowing announced announces brings buys confirms debuts demos
    open-sourced opensourced
    dropped drops expands fundraises gives integrates introduced introduces joins launch
    launched launches makes open-sources opensources partners presents previews
    published publishes raises reduces release released releases removes responds
    revealed reveals rolls shipped ships shows sues teased teases teasing unveiled
    unveils updated updates upgrades
        proposes discovers discover introduce announce unveil launch release drop
    """.split()
)
#: Verbs after which the subject itself is the news ("Grok 3 is ...", "Sora gets ...").
_STATE_VERBS = frozenset(
    """
    also are finally gets goes got has have is just now officially quietly was will
    """.split()
)
#: Adverbs between a subject and its verb ("Meta quietly ships ...").
_ADVERBS = frozenset("also finally just now officially quietly silently".split())
#: Words that end a release name ("Phi-4 MIT licensed ..." -> "Phi-4").
_STOP_WORDS = _OWN_STOP_WORDS | _VERBS | _STATE_VERBS

_OPENERS = frozenset(
    """
    a about all also an another apparently available big breaking chat chatted first her his
    huge i reportedly
    i'm if im interview is it its me meet more my new no not open oss our so some sota
    source story the their these this tiny we went with yes you your
    """.split()
)
_PEOPLE_LINE = re.compile(
    r"^(?:guests?|co[-\s]?hosts?|hosts?|panel(?:ists)?)\b\s*[:\-–]|\bevangelist\b"
    # "Kris Brandow - Host", "Angelica Hill - Producer": a podcast's people list.
    r"|^[^\W\d][\w.'’ -]{1,60}\s[-–—]\s*(?:co[-\s]?)?(?:hosts?|producer|guest|panelist)\s*$",
    re.I,
)
# "co-host" and a @handle on one line, in either order: two searches, because one
# pattern with ".*" between them backtracks quadratically on a long line full of "@".
_COHOST = re.compile(r"\bco[-\s]?host\b", re.I)
_HANDLE = re.compile(r"@\w")


#: Words after a maker that name its people, not a product: "the vLLM team released ...".
_TEAM_WORDS = frozenset("team teams folks devs developers maintainers".split())


def _subject_and_object(segment: str) -> tuple[str, str]:
    """Split "OpenAI launches GPT-5.1" into ("OpenAI", "GPT-5.1"); ("", "") when not that shape."""
    tokens = segment.split()
    if not tokens or tokens[0].casefold().strip(_TOKEN_TRIM) in _OPENERS:
        return "", ""
    end = len(tokens)  # where the subject ends: before an adverb leading the verb
    for i in range(1, min(5, len(tokens))):
        word = tokens[i].casefold().strip(_TOKEN_TRIM)
        is_open_source = (
            word == "open" and i + 1 < len(tokens) and tokens[i + 1].casefold().startswith("source")
        )
        if word in _ADVERBS and i + 1 < len(tokens):
            after = tokens[i + 1].casefold().strip(_TOKEN_TRIM)
            if after in _VERBS or after == "open":
                end = i  # "X.ai finally released grok": the adverb belongs to the verb
                continue
        if word in _STATE_VERBS:
            subject = tokens[:i]
            if len(subject) == 1 and subject[0].casefold() in _GENERIC_SUBJECTS:
                return "", ""  # "Students get free Gemini 3 Pro": the object is the news
            if all(_name_like(t) or t in ("&", "+") for t in subject):
                return " ".join(subject).strip(_TOKEN_TRIM), ""
            return "", ""
        if word in _VERBS or is_open_source:
            subject = tokens[: min(i, end)]
            if len(subject) >= 2 and subject[-1].casefold() in _TEAM_WORDS:
                subject = subject[:-1]  # "vLLM team open-sourced ...": the maker is vLLM
            if not all(_name_like(t) or t in ("&", "+") for t in subject):
                return "", ""
            rest = tokens[i + (2 if is_open_source else 1) :]
            while rest and rest[0].casefold().strip(_TOKEN_TRIM) in _VERBS:
                rest = rest[1:]
            if rest and rest[0].startswith("(") and not word.endswith("s"):
                # "Gemma 4 launch (open-weight, Apache 2.0)": the noun, then a gloss.
                return " ".join(subject).strip(_TOKEN_TRIM), ""
            return " ".join(subject).strip(_TOKEN_TRIM), " ".join(rest)
        if word in _TEAM_WORDS and i + 1 < len(tokens):
            continue  # "vLLM team open-sourced": the verb may still follow
        if not _name_like(tokens[i].strip(_TOKEN_TRIM)) and tokens[i] not in ("&", "+"):
            return "", ""
    return "", ""


#: Subjects that name no maker: the object of their verb is the news.
_GENERIC_SUBJECTS = frozenset(
    "researchers scientists authors study paper team students teachers users developers".split()
)
_PHRASE_WORD = re.compile(r"^[a-z][a-z-]*$")


def _lowercase_phrase(text: str) -> str:
    """The lowercase noun phrase opening ``text`` ("multi-token prediction, ..."), 2-4 words."""
    words: list[str] = []
    for raw in text.split()[:6]:
        token = raw.strip(_TOKEN_TRIM)
        low = token.casefold()
        if not words and low in ("a", "an", "the", "new"):
            continue
        if not _PHRASE_WORD.match(token) or low in _STOP_WORDS or low in _TAIL_WORDS:
            break
        words.append(token)
        if len(words) == 4 or raw.endswith((",", ".", ";", ":", ")")):
            break
    return " ".join(words) if len(words) >= 2 else ""


def _ends_on_verb(segment: str) -> bool:
    """Whether a segment ends on its verb ("01AI open sources", "Nous releases")."""
    last = segment.rsplit(maxsplit=1)[-1].casefold().strip(_TOKEN_TRIM)
    return last in _VERBS or last in ("source", "sources", "sourced")


def _find_name(text: str, *, scan: int) -> str:
    """The first run of name-like words, skipping openers ("We", "The", "New") and up to
    ``scan`` ordinary words."""
    tokens = text.split()
    for i, raw in enumerate(tokens[: scan + 3]):
        token = raw.strip(_TOKEN_TRIM)
        if not token or token.casefold() in _OPENERS or token.casefold() in _GENERIC_SUBJECTS:
            continue
        if _name_like(token) and any(c.isalpha() for c in token):
            return _leading_name(" ".join(tokens[i:]))
        if i >= scan:
            break
    return ""


#: Plain acronyms that name a kind of thing, not a release ("LLMs", "VLMs").
_ACRONYMS = frozenset("ai api apis llm llms vlm vlms sota tts oss gpu gpus moe ui 3d".split())


def lowercase_maker(line: str) -> bool:
    """Whether a line opens with a product spelled in lowercase and what it ships:
    "turbopuffer adds multiple vector columns" (not "everyone ships ...")."""
    coined = _LOWERCASE_MAKER.match(line) if line[:1].islower() else None
    return coined is not None and coined.group(1) not in _PRONOUNS | KNOWN_ORGS


def names_release(line: str) -> bool:
    """Whether a short line's first words name a product or a known org.

    A word with a version ("WizardLM-70B", "Qwen7b"), inner capitals ("OpenOrca"),
    a product family ("Claude") or a known org ("Alibaba"); a show's own name
    ("ThursdAI") and plain words ("Deepfakes are upon us!") do not.
    """
    words = line.split()[:6]
    if "—" in line[:120]:  # "were announced—31B dense": an em dash joins two words
        words = " ".join(words).replace("—", " ").split()[:6]
    previous = ""
    for raw in words:
        token = raw.strip(_TOKEN_TRIM)
        if raw.startswith("`") and len(token) >= 3:
            return True  # a name in code font: "`hf-mem` estimates VRAM ..."
        after_plain, previous = not previous[:1].isupper(), token
        if after_plain and _SIZE_WORD.match(token):
            continue  # "announced 31B dense", "a 2B param": a size, not a name's version
        low = token.casefold()
        if len(token) < 2 or low in _OPENERS or low in _ACRONYMS or low.startswith("thursdai"):
            continue
        if low in KNOWN_ORGS or low in PRODUCT_FAMILIES:
            return True
        letters = any(c.isalpha() for c in token)
        digit = _DIGIT.search(token) is not None
        if letters and (digit or (any(c.isupper() for c in token[1:]) and not token.isupper())):
            return True
    return False


def announces_release(line: str) -> bool:
    """Whether a short line reads "Maker releases something": a capitalised subject of one
    to three words, then a release verb ("Hyper-write releases a personal assistant")."""
    tokens = line.split(maxsplit=4)
    for i in range(1, min(4, len(tokens))):
        word = tokens[i].casefold()
        if word in _RELEASE_VERBS:
            return all(t[:1].isupper() for t in tokens[:i]) and tokens[0].casefold() not in _OPENERS
        if not tokens[i][:1].isupper():
            return False
    return False


_RELEASE_VERBS = frozenset(
    "releases released launches launched announces announced unveils unveiled ships"
    " open-sources introduces debuts drops".split()
)


def is_person_line(headline: str) -> bool:
    """Whether a show-notes line lists a host or guest rather than a release."""
    low = headline.lower()
    if "@" not in low and not any(hint in low for hint in _PERSON_HINTS):
        return False  # the pattern needs one of these: skip it on most lines
    if _PEOPLE_LINE.search(headline):
        return True
    cohost = _COHOST.search(headline)
    return cohost is not None and (
        _HANDLE.search(headline, 0, cohost.start()) is not None
        or _HANDLE.search(headline, cohost.end()) is not None
    )


def _opens_with_name(segment: str) -> bool:
    """Whether a segment opens with a name: "LDJ - Obsidian 3B - ..." names a release after
    its maker; "Zip-Lora - combine diffusion LoRAs - ..." and "FLASK - New evaluation
    framework - ..." describe the first segment, which is the release, not an org."""
    words = [w.strip(_TOKEN_TRIM) for w in segment.split(maxsplit=2)[:2]]
    if not words or not words[0] or not _name_like(words[0]):
        return False
    if words[0].casefold() not in _STOP_WORDS:
        return True
    # A capitalised stop word opens a name when a name word follows: "AI Evals", not "New
    # evaluation" or "SOTA on SWE Bench".
    return len(words) == 2 and _name_like(words[1]) and words[1].casefold() not in _STOP_WORDS


def _usable_name(name: str) -> bool:
    """A name holds a letter and at least two letters or digits."""
    if name[:1].isalpha() and name[1:2].isalnum():
        return True  # the usual case, without building the key
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
        if i > 0 and raw.startswith(("(", "[")):
            break  # "(HRM)" glosses the name; it is not part of it
        if i > 0 and token.casefold() in _VERSION_WORDS and _DIGIT.search(kept[-1]):
            kept.append(token.capitalize() if token.islower() else token)
            continue  # "Grok 4 fast" is "Grok 4 Fast"
        if i > 0 and (
            (token.casefold() in _STOP_WORDS and not _kept_capitalised(token))
            or not _name_like(token)
        ):
            break
        kept.append(token)
        if raw.endswith((",", ":", ";", ")")):
            break
    if len(kept) >= 2 and _MODIFIER.match(kept[-1]) and len(tokens) > len(kept):
        noun = tokens[len(kept)].strip(_TOKEN_TRIM)
        if _PLAIN_NOUN.match(noun) and noun.casefold() not in _STOP_WORDS:
            # "Codex usage-based pricing": a lowercase compound modifies the noun after it,
            # so the name never ends on it.
            kept.append(noun)
    return " ".join(kept)


# A lowercase compound modifier: "usage-based", "open-weight".
_MODIFIER = re.compile(r"^[a-z]+(?:-[a-z]+)+$")
_PLAIN_NOUN = re.compile(r"^[a-z]{3,}$")


#: Words that finish a versioned name even when written in lowercase ("Grok 4 fast").
_VERSION_WORDS = frozenset(
    "fast mini nano pro max turbo flash lite preview instruct thinking coder plus ultra"
    " heavy".split()
)
#: Stop words that belong to a name when capitalised: "Hierarchical Reasoning Model".
_NAME_NOUNS = frozenset("model models family update".split())


def _kept_capitalised(token: str) -> bool:
    return token[:1].isupper() and token.casefold() in _NAME_NOUNS


def _name_like(token: str) -> bool:
    if "-" in token or "." in token or token.lower() != token:  # the last: has a capital
        return True
    return _DIGIT.search(token) is not None


def _org_from(name: str, headline: str) -> str | None:
    words = name.split()
    for size in (3, 2, 1):
        if len(words) > size and " ".join(words[:size]).casefold() in KNOWN_ORGS:
            return " ".join(words[:size])
    if headline.endswith(")"):
        # "Codex (OpenAI)", "Claude Code (Anthropic)": the maker in parentheses.
        maker = headline[headline.rfind("(") + 1 : -1].strip()
        if maker.casefold() in KNOWN_ORGS:
            return maker
    if " from " not in headline and " by " not in headline:
        return None
    m = _FROM_BY.search(headline)
    if m:
        for candidate in (m.group(1), m.group(1).split()[0]):
            if candidate.casefold() in KNOWN_ORGS:
                return candidate
    return None


def _without_label_groups(text: str) -> str:
    """ "DeepHermes-3 Preview (X, HF)" -> "DeepHermes-3 Preview": label lists typed as text go."""
    if "(" not in text and "[" not in text:
        return text

    def _drop(m: re.Match[str]) -> str:
        labels = [w.strip().casefold() for w in re.split(r"[,/|&+]|\band\b", m.group(1))]
        return " " if all(w in LINK_LABELS or not w for w in labels) else m.group(0)

    return " ".join(_LABEL_GROUP.sub(_drop, text).split())


def _trimmed(name: str) -> str:
    """A name without emoji, trailing link labels, connectors or a possessive "'s"."""
    words = (name if name.isascii() else _EMOJI.sub("", name)).split()
    while len(words) > 1 and words[-1].strip(_TOKEN_TRIM).casefold() in TRAILING_LABELS:
        words.pop()  # "DeepHermes-3 Preview X"; "Hierarchical Reasoning Model" keeps "Model"
    while words and words[-1] in _CONNECTORS:
        words.pop()
    name = " ".join(words).strip(_TOKEN_TRIM + " " + _CONNECTORS)
    possessive = _POSSESSIVE.match(name)
    return possessive.group(1) if possessive else name


def _acceptable(name: str) -> bool:
    if name.isalnum() and name.isascii() and name[:1].isalpha() and len(name) > 2:
        low = name.casefold()  # one word of letters and digits, such as "Kokoro"
        if (
            low not in GENERIC_WORDS
            and low not in LINK_LABELS
            and sum(c.isalpha() for c in name) > 1
        ):
            return True
    if name.isascii() and name[-1:].isalnum() and " " in name and "'" not in name:
        last = name.rsplit(maxsplit=1)[-1].casefold()
        if (
            last not in LINK_LABELS
            and last not in _TAIL_WORDS
            and "http" not in name
            and "www." not in name
        ):
            return True  # the common case, without the full check
    problems = name_problems(name)
    return not any(p in BAD or p in MALFORMED for p in problems)


def _repaired(name: str, org: str | None, text: str) -> tuple[str, str | None]:
    """Fix the name shapes real lines produce; canonical spelling for the org."""
    org = canonical_org(org)
    lead, _, rest = name.partition(" ")
    owner = _POSSESSIVE.match(lead)
    if (
        owner
        and rest
        and owner.group(1).casefold() not in KNOWN_ORGS
        and _product_word(rest.split()[0])
    ):
        # "Jina AI's Meta-Prompt" read as org "Jina" + "AI's Meta-Prompt": the product follows.
        name = lead = rest
        rest = ""
        owner = None
    if owner and rest and owner.group(1).casefold() in KNOWN_ORGS:
        # "Meta’s 32B Code World Model": Meta is the org; a size is no part of the name.
        org = org or canonical_org(owner.group(1))
        words = rest.split()
        while len(words) > 1 and _QUANTITY_WORD.match(words[0]):
            words.pop(0)
        name = " ".join(words)
    trimmed = _trimmed(name)
    words = trimmed.split()
    while len(words) > 1 and words[-1].casefold() in _TAIL_WORDS:
        words.pop()  # "I also invited and" -> "I also invited"
    if len(words) > 1 and words[0].casefold() in LEADING_QUANTIFIERS:
        words.pop(0)  # "Other GPT5 updates": the release is GPT5, "Other" sets it apart
    trimmed = " ".join(words)
    if _acceptable(trimmed) and not _POSSESSIVE.match(name.strip(_TOKEN_TRIM)):
        return trimmed, org
    # "Qwen's latest reasoning model QwQ-32B", "How the Agent Manager ...", "$10B":
    # look for a name further along the line, after the word that was taken.
    tokens = text.split()
    taken = name.split()[:1]
    start = next(
        (i + 1 for i, t in enumerate(tokens) if taken and t.strip(_TOKEN_TRIM) == taken[0]), 1
    )
    possessive = _POSSESSIVE.match(name.strip(_TOKEN_TRIM))
    if possessive and org is None and possessive.group(1).casefold() in KNOWN_ORGS:
        org = canonical_org(possessive.group(1))
    for i in range(start, min(len(tokens), start + 8)):
        candidate = _trimmed(_leading_name(" ".join(tokens[i:])))
        if candidate and _name_like(candidate.split()[0]) and _acceptable(candidate):
            if candidate.casefold() in KNOWN_ORGS and org is None:
                org = canonical_org(candidate)
                continue
            return candidate, org
    # No product on the line: its first words are what a reader would call it.
    words = [w for w in (_trimmed(w) for w in _first_words(text).split()) if w]
    while len(words) > 1 and (
        words[-1].casefold() in _TAIL_WORDS or words[-1].casefold() in TRAILING_LABELS
    ):
        words.pop()  # "I also invited and" -> "I also invited"; "... flash paper"
    fallback = " ".join(words).strip(_CONNECTORS + " ")[:80]
    return (fallback if fallback else trimmed or name), org


# A site name closing a story title: "... - The New York Times", "... | TechCrunch".
_SITE_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{2,40}$")
_ANNOUNCES = re.compile(
    r"^\S+(?:\s+\S+){0,2}?\s+(?:releases|launches|announces|unveils|introduces|debuts"
    r"|open-sources|ships|drops)\s+(?:(?:its|their|a|an|the|new)\s+){0,2}",
    re.I,
)
_TAIL_WORDS = frozenset("a an and as at by for from in of on or the to with".split())
#: How many words of a story title make its name when it announces no product.
_STORY_WORDS = 10


def story_name(title: str) -> tuple[str, str | None]:
    """The name of a news story: the product its title announces, else the title, shortened.

    "Anthropic releases Claude Sonnet 4.5 in latest bid ..." -> ("Claude Sonnet 4.5",
    "Anthropic"); "SB 53, the landmark AI transparency bill, is now law" -> that title's
    first words.  The org is set only when the title opens with a known one.
    """
    first = title.split(maxsplit=1)[0].strip(_TOKEN_TRIM) if title.strip() else ""
    known = canonical_org(first) if first.casefold() in KNOWN_ORGS else None
    announced = _ANNOUNCES.match(title)
    if announced and known:  # "Anthropic releases Claude Sonnet 4.5 in ...": the release
        name = _trimmed(_leading_name(title[announced.end() :]))
        strong = any(c.isdigit() for c in name) or any(c.isupper() for c in name[1:])
        if name and strong and _acceptable(name):
            return name, known
    short = title
    if len(title) > 30:  # only the tail can hold a site name: never scan a hostile title
        short = title[:-60] + _SITE_SUFFIX.sub("", title[-60:])
    colon = short.find(": ")
    lead = short[:colon].split() if colon > 0 else []
    if 0 < len(lead) <= 4 and any(_productish(w) for w in lead):
        short = short[:colon]  # "SWE-Bench Pro: Can AI Agents ..." -> "SWE-Bench Pro"
    words = (short if short.isascii() else _EMOJI.sub("", short)).split()[:_STORY_WORDS]
    while words and (
        _POSSESSIVE.match(words[-1].strip(_TOKEN_TRIM))
        or not _HAS_WORD.search(words[-1])
        or words[-1].casefold() in _TAIL_WORDS
    ):
        words.pop()  # never end on "Google's", a dangling "&" or "in"
    shortened = " ".join(words).strip(_CONNECTORS + _TOKEN_TRIM + " ")
    return (shortened or title[:80]), known


def _productish(word: str) -> bool:
    """ "SWE-Bench", "GPT-5", "DeepSeek": a digit, a hyphenated capital or mixed case."""
    if _DIGIT.search(word) and any(c.isalpha() for c in word):
        return True
    inner = word[1:]
    return ("-" in word and inner.lower() != inner) or (
        inner.lower() != inner and inner.upper() != inner
    )


def episode_name(title: str) -> str:
    """An episode's title as the name of the one item it becomes: no emoji, at most 80 chars."""
    text = title if title.isascii() else _EMOJI.sub("", title)
    return " ".join(text.split()).strip(_CONNECTORS + " ")[:80] or title[:80]


def is_label_only(text: str) -> bool:
    """Whether a line is only link labels and numbers ("Paper 2 Arxiv", "Read more")."""
    if len(text) > 40:
        return False  # four labels at most: most lines are longer
    words = [w.strip(_TOKEN_TRIM).casefold() for w in text.split()]
    words = [w for w in words if w]
    if not words or len(words) > 4:
        return False
    if " ".join(words) in LINK_LABELS:
        return True
    return all(w in LINK_LABELS or w.isdigit() for w in words)
