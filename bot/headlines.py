"""Headlines beside names: the part of a release line that says something new.

Apart from ``bot.models`` (which re-exports ``headline_detail``) so that a lookup
answered without pydantic (``bot.lookup``) shows the same detail.
"""

from __future__ import annotations

_LEAD_SEPARATORS = " -–—:|,"


def headline_detail(name: str, org: str | None, headline: str) -> str:
    """The headline without the org and name it opens with, for showing beside the name.

    "Prime Intellect - MetaGENE-1 - metagenomic model" -> "metagenomic model";
    a headline that does not open with the name is returned whole, one that is
    only the name gives "".
    """
    rest = headline
    for lead in (org, name):
        if lead and rest.casefold().startswith(lead.casefold()):
            stripped = rest[len(lead) :]
            if not stripped[:1].isalnum():  # a whole word, not "Phi" in "Phixtral"
                rest = stripped.lstrip(_LEAD_SEPARATORS)
    return rest
