"""The release-name index on PostgreSQL: fuzzy candidates from a trigram index.

``StoredNames`` scores every key sharing the query's first letter (then every
key) with rapidfuzz; over a million items that is tens of thousands of keys
read per misspelt name.  Here the GiST ``pg_trgm`` index on ``names.key``
(schema ``_NAME_TABLE``) gives the ``CANDIDATES`` keys nearest the query by
trigram distance, and rapidfuzz scores only those, in key order as SQLite's
pool is, so a store with fewer keys than that answers exactly as SQLite does.
"""

from __future__ import annotations

from bot.store.names import _TOP, StoredNames

#: Keys the trigram index proposes per fuzzy lookup (more than any hand-written
#: fixture holds: below it both backends score the very same pool).
CANDIDATES = 300


class TrigramNames(StoredNames):
    """``StoredNames`` whose fuzzy pools come from the trigram index."""

    def _fuzzy_pool(self, key: str, *, first_letter: bool) -> list[str]:
        """The ``CANDIDATES`` keys nearest ``key`` by trigram distance, in key order."""
        if first_letter:
            rows = self._store.query(
                "SELECT key FROM names WHERE key >= ? AND key < ? ORDER BY key <-> ? LIMIT ?",
                (key[:1], key[:1] + _TOP, key, CANDIDATES),
            )
        else:
            rows = self._store.query(
                "SELECT key FROM names ORDER BY key <-> ? LIMIT ?", (key, CANDIDATES)
            )
        return sorted(str(k) for (k,) in rows)
