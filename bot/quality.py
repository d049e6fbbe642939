"""Checks on what extraction produced: is a release name plausible, does a summary name it.

One home for the rules, shared by the quality report (``bench/quality.py``), its
tests, and any extraction step that wants to refuse a bad name before storing
it.  Pure functions over strings; no I/O.

A release name is the product as a reader would say it ("Qwen3-Coder-480B-A35B",
"Kokoro", "Veo 3").  ``name_problems`` lists why a name is not one:

* ``generic``: a single common English word ("How", "Deep", "Release", "Nothing"), or a
  name led by a quantifier that sets it against others ("Other GPT5", "More Qwen");
* ``possessive``: ends in "'s" ("Qwen's", "Inside Google's");
* ``number``: only a quantity ("70B", "128K", "$10B", "1.5");
* ``link-label``: a link's label ("X", "HF", "Blog", "Github", "Paper"), or a name
  with such a label swallowed at its end ("DeepHermes-3 Preview X");
* ``url``: a web address;
* ``emoji``: holds an emoji or pictograph;
* ``dangling``: ends in a connector ("AI Mode &", "Gemini -");
* ``empty``: nothing left after trimming.

The first five are the ones a name must never be (the issue's "0 bad names");
``emoji`` and ``dangling`` are malformed names, reported apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

#: The problems a name must never have; the rest are reported as "malformed".
BAD = ("generic", "possessive", "number", "link-label", "url")
MALFORMED = ("emoji", "dangling", "empty")

# Single words that are never a release's name on their own: function words, and the
# generic nouns and verbs show notes open lines with.  Curated, not a dictionary: real
# product names that are English words (Operator, Canvas, Projects) are not here.
GENERIC_WORDS = frozenset(
    """
    a an the this that these those it its it's we we'll we're you your our they their he she
    i me my us them what which who whom whose why how when where there here if then than so
    and or but nor for yet to of in on at by with from into onto over under about as up down
    out off via per vs is are was were be been being has have had do does did can could will
    would shall should may might must not no yes all any some each every both few more most
    other others such only own same too very just also again still even ever never now new
    old big small first last next top best great good bad nothing something anything everything
    someone everyone none one two three four five six seven eight nine ten
    release releases released update updates updated launch launches launched news announcement
    announcements announced introducing intro introduction overview summary recap highlights
    today tomorrow yesterday week weekly month year episode show notes note topics topic
    misc miscellaneous other bonus extra more less deep core select inside outside general
    model models tool tools agent agents feature features product products research paper papers
    open source api apis llm llms ai ml data code demo demos video audio image images voice
    vision text chat search browser app apps platform company companies business policy
    funding breaking finally meanwhile plus lastly also update hot take takes thoughts
    interview conversation discussion chapter chapters intro outro closing opening sponsor
    sponsors ad ads several multiple many various numerous certain size access
    folks people high low
    """.split()
)

# Words that, leading a longer name, set it against other things rather than name one:
# "Other GPT5 updates", "More Qwen models", "Some Gemini features".
LEADING_QUANTIFIERS = frozenset("other others more some many several various".split())

# Labels that sit on a show-notes line's links rather than naming a release.
LINK_LABELS = frozenset(
    """
    x twitter tweet tweets thread post posts hf huggingface hugging-face blog blogpost github
    gh paper arxiv link links website site web homepage home demo try announcement docs
    documentation weights code repo project page source here more model card modelcard
    bluesky linkedin youtube discord reddit substack mastodon threads instagram tiktok
    facebook rss spotify podcast podcasts newsletter subscribe
    """.split()
) | {
    "hugging face",
    "project page",
    "model card",
    "try it",
    "x post",
    "apple podcasts",
    "google podcasts",
    "read more",
    "learn more",
}

# Labels that, swallowed at the end of a longer name, mark a label rather than a word of it.
TRAILING_LABELS = frozenset(
    "x hf github blog paper tweet announcement thread website arxiv".split()
)

_POSSESSIVE = re.compile(r"['’]s$|s['’]$", re.I)
_NUMBER = re.compile(
    r"^[~≈<>+]?[$€£¥]?\d[\d.,]*\s*(?:[kmbt]|bn|mm|%|x|k context|params?|parameters)?\+?$",
    re.I,
)
_URL = re.compile(r"(?:https?://|www\.)\S+|^[\w-]+(?:\.[\w-]+)+/\S*$", re.I)
# A name cut short: a trailing connector.  "+" only after a space ("CMDR+" is a name).
_DANGLING = re.compile(r"(?:[&\-–—:,;/(|]|\s\+|\band|\bor|\bwith|\bthe|\bof)$", re.I)
_NORM = re.compile(r"[^0-9a-z]+")
_SEPARATORS = re.compile(r"[^\w\u0300-\u036f]+|_+")


def _has_emoji(text: str) -> bool:
    """A pictograph or emoji (So above the Latin range, or an emoji modifier)."""
    for char in text:
        code = ord(char)
        if code in (0x200D, 0xFE0F) or 0x1F000 <= code <= 0x1FAFF:
            return True
        if code > 0x2100 and unicodedata.category(char) == "So":
            return True
    return False


def name_problems(name: str) -> tuple[str, ...]:
    """Why ``name`` is not a plausible release name (empty tuple: nothing wrong)."""
    text = " ".join(name.split())
    if not text:
        return ("empty",)
    problems: list[str] = []
    lowered = text.lower().strip(" .!?:;,*_\"'“”")
    if (" " not in lowered and lowered in GENERIC_WORDS) or (
        " " in lowered and lowered.split(maxsplit=1)[0] in LEADING_QUANTIFIERS
    ):
        problems.append("generic")
    if _POSSESSIVE.search(text.rstrip(' .!?:;,*_"“”')):
        problems.append("possessive")
    if _NUMBER.match(lowered):
        problems.append("number")
    words = lowered.split()
    if lowered in LINK_LABELS or (len(words) > 1 and words[-1] in TRAILING_LABELS):
        problems.append("link-label")
    if _URL.search(text):
        problems.append("url")
    if _has_emoji(text):
        problems.append("emoji")
    if _DANGLING.search(text.rstrip()):
        problems.append("dangling")
    return tuple(problems)


def is_bad_name(name: str) -> bool:
    """True when the name is generic, possessive, a number, a link label or a URL."""
    return any(problem in BAD for problem in name_problems(name))


def normalise(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space: "Veo-3!" -> "veo 3"."""
    # Separators first (a non-breaking hyphen is one), then accents fold away.
    spaced = _SEPARATORS.sub(" ", text)
    folded = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    return " ".join(_NORM.sub(" ", folded.lower()).split())


def family_word(name: str) -> str:
    """The name's leading word without trailing digits, when it can stand for the family.

    "Qwen3-Coder-480B" -> "qwen", "Veo 3" -> "veo", "GPT-5" -> "gpt"; "" when the
    word is too short or generic to mean anything alone.
    """
    words = normalise(name).split()
    if not words:
        return ""
    stem = words[0].rstrip("0123456789")
    if len(stem) < 3 or stem in GENERIC_WORDS:
        return ""
    return stem


def summary_names_item(summary: str, name: str, aliases: Iterable[str] = ()) -> bool:
    """Whether ``summary`` names the item: its name, an alias, or its family word.

    Case- and punctuation-insensitive, and spacing-insensitive ("Veo3" names "Veo 3").
    The family word may lead a longer word ("Qwen" in "Qwen3's").  This is the one
    definition: ``make quality``, ``bench.bench_summarise`` and the extractive
    summariser (which keeps the headline rather than a summary failing it) all use it.
    """
    # The common cases first, without normalising the summary (it runs on every
    # ingest): the name spelled as written, long enough that the spacing-free test
    # below accepts it too; or the family word opening a word after an ASCII separator.
    lowered = summary.lower()
    for candidate in (name, *aliases):
        written, long_enough, _ = _forms(candidate)
        if long_enough and written in lowered:
            return True
    family = _forms(name)[2]
    if family:
        pos = lowered.find(family)
        while pos != -1:
            before = lowered[pos - 1 : pos]
            if not before or (before.isascii() and not before.isalnum()):
                return True
            pos = lowered.find(family, pos + 1)
    text = normalise(summary)
    padded = f" {text} "
    squashed = text.replace(" ", "")
    for candidate in (name, *aliases):
        wanted = normalise(candidate)
        if not wanted:
            continue
        joined = wanted.replace(" ", "")
        # The spacing-free form only for names long enough not to occur by chance.
        if f" {wanted} " in padded or (len(joined) >= 4 and joined in squashed):
            return True
    return bool(family) and any(word.startswith(family) for word in text.split())


@lru_cache(maxsize=4096)
def _forms(name: str) -> tuple[str, bool, str]:
    """(the name as written in lower case, whether it holds 4 letters or digits, its
    family word): cached, names recur across episodes."""
    written = name.strip().lower()
    return written, sum(c.isalnum() for c in written) >= 4, family_word(name)


__all__ = [
    "BAD",
    "GENERIC_WORDS",
    "LEADING_QUANTIFIERS",
    "LINK_LABELS",
    "MALFORMED",
    "family_word",
    "is_bad_name",
    "name_problems",
    "normalise",
    "summary_names_item",
]
