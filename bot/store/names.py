"""The release-name index, kept in the database.

One row per distinct name key (``names``, schema ``_NAMES``), maintained by
triggers on ``items``: a lookup reads the few keys it needs instead of the
process rebuilding every name at start and after every write (2.2 s at 1M
items).  Resolution is the same as ``NameIndex``: exact key, then key prefix,
then fuzzy (rapidfuzz) over the keys sharing the first letter, then over all
keys.  rapidfuzz is imported only when a query needs fuzzy matching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.feeds.clean import name_key

if TYPE_CHECKING:
    from bot.store.sqlite import Store

FUZZY_CUTOFF = 72.0
_TOP = "\U0010ffff"  # above every character: key >= p AND key < p + _TOP is "starts with p"


class StoredNames:
    """Distinct release names read from the store, for lookups and autocomplete."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __len__(self) -> int:
        """0 when no item is stored, else 1 (counting 40,000 names would cost a scan)."""
        return 1 if self._store.query("SELECT 1 FROM names LIMIT 1") else 0

    def has(self, key: str) -> bool:
        """Whether ``key`` is a stored name key exactly."""
        return bool(key) and bool(self._store.query("SELECT 1 FROM names WHERE key = ?", (key,)))

    def resolve(self, query: str) -> list[str]:
        """Keys that ``query`` names, best first (empty when nothing is close)."""
        key = name_key(query)
        if not key:
            return []
        if self._store.query("SELECT 1 FROM names WHERE key = ?", (key,)):
            return [key]
        prefixed = self._prefixed(key, 10)
        if prefixed:
            return sorted(prefixed, key=len)
        from rapidfuzz import fuzz, process

        pools: tuple[Callable[[], list[str]], ...] = (
            lambda: self._fuzzy_pool(key, first_letter=True),
            lambda: self._fuzzy_pool(key, first_letter=False),  # only when the first gives none
        )
        for pool in pools:
            found = process.extract(
                key, pool(), scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF
            )
            if found:
                return [k for k, _, _ in found]
        return []

    def nearest(self, query: str, limit: int = 5) -> list[str]:
        """Display names closest to ``query``, for "did you mean" replies."""
        key = name_key(query)
        if not key:
            return []
        keys = self._fuzzy_pool(key, first_letter=False)
        if not keys:
            return []
        from rapidfuzz import fuzz, process

        found = [k for k, _, _ in process.extract(key, keys, scorer=fuzz.WRatio, limit=limit)]
        return self._display(found)

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Names for autocomplete: prefix matches, most recent first, then fuzzy ones."""
        key = name_key(prefix)
        if not key:
            rows = self._store.query(
                "SELECT name FROM names ORDER BY newest DESC, key LIMIT ?", (limit,)
            )
            return [str(name) for (name,) in rows]
        rows = self._store.query(
            "SELECT key FROM (SELECT key, newest FROM names WHERE key >= ? AND key < ?"
            " ORDER BY key LIMIT 500) ORDER BY newest DESC, key LIMIT ?",
            (key, key + _TOP, limit),
        )
        out = [str(k) for (k,) in rows]
        if len(out) < limit:
            from rapidfuzz import fuzz, process

            pool = self._fuzzy_pool(key, first_letter=True)
            for k, _, _ in process.extract(
                key, pool, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=FUZZY_CUTOFF
            ):
                if k not in out:
                    out.append(k)
                if len(out) >= limit:
                    break
        return self._display(out)

    def _prefixed(self, key: str, limit: int | None) -> list[str]:
        """Keys starting with ``key`` in key order (all of them when ``limit`` is None)."""
        sql = "SELECT key FROM names WHERE key >= ? AND key < ? ORDER BY key"
        if limit is None:  # no "LIMIT -1": PostgreSQL refuses a negative limit
            rows = self._store.query(sql, (key, key + _TOP))
        else:
            rows = self._store.query(sql + " LIMIT ?", (key, key + _TOP, limit))
        return [str(k) for (k,) in rows]

    def _fuzzy_pool(self, key: str, *, first_letter: bool) -> list[str]:
        """The keys fuzzy matching scores against ``key``, in key order: those sharing its
        first letter, or every key (a backend with a trigram index narrows these)."""
        return self._prefixed(key[:1], None) if first_letter else self._all_keys()

    def _all_keys(self) -> list[str]:
        return [str(k) for (k,) in self._store.query("SELECT key FROM names ORDER BY key")]

    def _display(self, keys: list[str]) -> list[str]:
        """The display names of ``keys``, in their order."""
        if not keys:
            return []
        marks = ", ".join("?" * len(keys))
        rows = self._store.query(f"SELECT key, name FROM names WHERE key IN ({marks})", keys)
        names = {str(k): str(n) for k, n in rows}
        return [names[k] for k in keys if k in names]
