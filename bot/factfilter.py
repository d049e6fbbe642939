"""Fact filters: keep items by the organisation behind them and their licence.

Subscriptions and watches filter on ``--org NAME`` and ``--license NAME``
(each repeatable; an item passes when it matches any of the names given for
that fact, and every fact that has names).  Names are compared normalised:
"Apache 2.0", "apache-2.0", "Apache-2" and "Apache License 2.0" are one
licence (key ``apache-2``); "MIT License" is ``mit``.  An organisation
matches when all the words of the name given are words of the item's org
("alibaba" matches "Alibaba Qwen").  An item without the fact never passes
a filter on it: "open weights only" must not let unknown licences through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.errors import ConfigError
from bot.models import Item

_WORD = re.compile(r"[^\W_]+(?:\.\d+)*", re.UNICODE)
_NOISE = frozenset({"license", "licence", "licensed", "the", "version", "v"})
_TRAILING_ZERO = re.compile(r"(?:\.0)+$")
_VERSION = re.compile(r"^v\d")
#: Characters of a name read at most (a filter or a fact is a few words).
_MAX = 120


def license_key(name: str) -> str:
    """The normalised licence: ``"Apache License 2.0"`` -> ``"apache-2"``, "MIT" -> "mit"."""
    words: list[str] = []
    for word in _WORD.findall(name[:_MAX].casefold()):
        if _VERSION.match(word):  # "v2" is "2"
            word = word[1:]
        if word in _NOISE:
            continue
        words.append(_TRAILING_ZERO.sub("", word) if word[0].isdigit() else word)
    return "-".join(words)


def org_words(name: str) -> tuple[str, ...]:
    """An organisation's name as lower-case words ("Alibaba Qwen" -> ("alibaba", "qwen"))."""
    return tuple(_WORD.findall(name[:_MAX].casefold()))


@dataclass(frozen=True, slots=True)
class FactFilter:
    """Organisations and licences an item must match (empty: no filter on that fact)."""

    orgs: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()

    @classmethod
    def build(cls, orgs: Iterable[str] = (), licenses: Iterable[str] = ()) -> FactFilter:
        """From what people typed; blank names are dropped, duplicates kept once."""
        return cls(_unique(o for o in orgs), _unique(lic for lic in licenses))

    def __bool__(self) -> bool:
        return bool(self.orgs or self.licenses)

    def matches(self, org: str | None, license: str | None) -> bool:
        """Whether an item by ``org`` under ``license`` passes."""
        if self.orgs:
            have = set(org_words(org or ""))
            if not have or not any(set(org_words(o)) <= have for o in self.orgs):
                return False
        if self.licenses:
            key = license_key(license or "")
            if not key or key not in {license_key(lic) for lic in self.licenses}:
                return False
        return True

    def matches_line(self, org: str | None, license: str | None, headline: str) -> bool:
        """Whether an item passes, reading its licence from its own line when no fact says it."""
        if not self.licenses:
            return self.matches(org, None)
        if license:
            return self.matches(org, license)
        from bot.summarise.facts import licenses_in  # only when a filter needs it

        return any(self.matches(org, found) for found in sorted(licenses_in(headline)))

    def matches_item(self, item: Item) -> bool:
        """Whether a stored item passes (its org and licence facts, else its line)."""
        return self.matches_line(item.org or item.facts.org, item.facts.license, item.headline)

    def describe(self) -> list[str]:
        """The filter for people, one part per fact ("org: Alibaba", "license: apache-2, mit")."""
        parts = []
        if self.orgs:
            parts.append("org: " + ", ".join(self.orgs))
        if self.licenses:
            parts.append("license: " + ", ".join(license_key(x) for x in self.licenses))
        return parts


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for value in values:
        value = value.strip()[:_MAX]
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def check_names(kind: str, names: Sequence[str]) -> None:
    """Raise ``ConfigError`` for a name with no letter or digit (``--license '!!'``)."""
    for name in names:
        if not _WORD.search(name):
            raise ConfigError(f"'{name[:40]}' is not a {kind} name")
