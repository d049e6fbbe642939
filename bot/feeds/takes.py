"""Recap lines that report a take, not a release: a quote, a person's view, an org's words.

AINews writes its recap as bullets, many of them commentary about the day rather than
releases: "Google DeepMind emphasizes Frontier Safety Framework testing ...", "Jeremy
Howard’s defense of scientists resonated ...", "“The future is bright” and “Jeez ...”
captured the day’s mood".  Such a line's subject is a speaker (a known org, a person's
name), never a product, so it names nothing a reader could look up.
"""

from __future__ import annotations

import re

from bot.feeds.names import names_release
from bot.feeds.orgs import KNOWN_ORGS

#: Verbs that make the subject a speaker: what follows is what it said or found.
_SPEECH_VERBS = frozenset(
    """
    argue argues argued claim claims claimed emphasize emphasizes emphasise emphasises
    emphasized highlight highlights highlighted note notes noted report reports reported
    say says said suggest suggests suggested warn warns warned
    """.split()
)
# A topic label ("Image model leaderboard movement: "), then one to three capitalised
# words and the word after them: "Google DeepMind emphasizes".  Without the label the
# line is news of its own ("Perplexity says Amazon issued a legal threat").
_SUBJECT_VERB = re.compile(r"^[^:]{1,80}:\s+((?:[A-Z][\w.&/-]*\s+){1,3})([a-z]\w*)")
# A topic label, then an unnamed speaker: "Grok backlash: One thread argues ...".
_SOMEONE = re.compile(
    r"^[^:]{1,80}:\s+(?:A|An|One|Another|Some|Many|Several)\s+(?:[a-z-]+\s+){1,2}?([a-z]+)\b"
)
# One or two capitalised words owning a lowercase phrase: "Jeremy Howard’s defense of
# scientists resonated" (a product would follow: "Figure’s F.02", "Benjamin's
# announcement of RAGatouille").
_OWNER = re.compile(r"^(?:[^:]{1,80}:\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:['’]s|['’])\s+")
#: How many words after the owner must all be plain lowercase words.
_OWNED_WORDS = 5
_PLAIN_WORD = re.compile(r"^[a-z][a-z-]*[,.;]?$")
#: Words whose "’s" is "is" or "has": "What’s new: ...", "It’s out".
_CONTRACTED = frozenset("everyone he here how it let she that there what when where who".split())
# A quoted sentence opening the line: "“The future is bright” and ...".
_OPENING_QUOTE = re.compile(r"^[\"“]([^\"“”]{3,120})[\"”]")


def is_take(headline: str) -> bool:
    """Whether a recap line reports what someone said or thinks rather than a release.

    "Google DeepMind emphasizes ..." and "Arena/Text: Arena reports ..." (a speaker and a
    speech verb, no product word in the subject), "Jeremy Howard’s defense of ..." (a
    person owning a plain phrase) and "“The future is bright” and ..." (a quoted
    sentence) are takes; "LangSmith reports ..." (a product speaks for itself),
    "Figure’s F.02 humanoids ..." and "“Claude-Mem” is promoted ..." are not.
    """
    first = headline[:1]
    if first in '"“':
        quoted = _OPENING_QUOTE.match(headline)
        words = quoted.group(1).split() if quoted else []
        return len(words) >= 3 and any(w[:1].islower() for w in words)
    someone = _SOMEONE.match(headline)
    if someone and someone.group(1) in _SPEECH_VERBS:
        return True
    said = _SUBJECT_VERB.match(headline)
    if said and said.group(2) in _SPEECH_VERBS and _speaker(said.group(1).split()):
        return True
    colon = headline.find(": ", 0, 82)
    if colon > 0 and names_release(headline[:colon]):
        return False  # "Axolotl v0.16.x: Axolotl’s release ...": the label names the release
    owned = _OWNER.match(headline)
    if owned is None or any(
        w.casefold() in KNOWN_ORGS or w.casefold() in _CONTRACTED for w in owned.group(1).split()
    ):
        return False  # "Inside Google’s new ...", "Everyone's talking about ..."
    after = headline[owned.end() :].split()[:_OWNED_WORDS]
    return len(after) >= 2 and all(_PLAIN_WORD.match(w) for w in after)


def _speaker(words: list[str]) -> bool:
    """A subject of known orgs and plain capitalised words: no product word among them
    (a digit or inner capitals that are not a known org's: "LangSmith", "GPT-5")."""
    if " ".join(words).casefold() in KNOWN_ORGS:
        return True
    for word in words:
        if word.casefold() in KNOWN_ORGS:
            continue
        inner = word[1:]
        if any(c.isdigit() for c in word) or inner.lower() != inner:
            return False
    return True
