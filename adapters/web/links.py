"""Where pages live: URLs on the server, relative file paths in a static site.

URLs are a contract: ``/``, ``/episode/ID``, ``/release/ENTITY_ID``,
``/family/NAME``, ``/search?q=...``.  A static site has the same pages as
``index.html``, ``episode/ID.html``, ... linked relatively, so it works from
``file://`` and from any static host, at any path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.feeds.clean import clean_url

KINDS = ("episode", "release", "family")


def segment(value: str) -> str:
    """An id as one URL path segment (ids are letters and digits; anything else quoted)."""
    return quote(value, safe="")


def file_name(kind: str, value: str) -> str:
    """Where a page is written in a static site, relative to its top."""
    return f"{kind}/{segment(value)}.html"


@dataclass(frozen=True)
class Links:
    """Builds hrefs for one page: root-absolute on the server, relative in a site.

    ``depth`` is how many folders down the current page is (0 for ``index.html``).
    """

    site: bool = False
    depth: int = 0

    @property
    def _up(self) -> str:
        return "../" * self.depth

    def home(self) -> str:
        """The episode list."""
        return f"{self._up}index.html" if self.site else "/"

    def page(self, kind: str, value: str) -> str:
        """An episode, release or family page."""
        if kind not in KINDS:
            raise ValueError(kind)
        if self.site:
            # The file on disk is named with the quoted id; quote again for the href so a
            # browser decoding the href finds that very name.
            return self._up + quote(file_name(kind, value), safe="/")
        return f"/{kind}/{segment(value)}"

    def image(self, kind: str, value: str) -> str:
        """A page's picture (the family timeline PNG)."""
        if self.site:
            return self._up + quote(f"{kind}/{segment(value)}.png", safe="/")
        return f"/{kind}/{segment(value)}.png"

    def feed(self) -> str:
        """The Atom feed of release items."""
        return f"{self._up}feed.atom" if self.site else "/feed.atom"

    def search(self) -> str | None:
        """The search form's action; a static site has no search (None)."""
        return None if self.site else "/search"


def external(url: str | None) -> str | None:
    """A link from a feed, if it is safe to put in an href: http(s) with a host only."""
    if not url:
        return None
    cleaned = clean_url(url.strip())
    if cleaned is None:
        return None
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return cleaned
