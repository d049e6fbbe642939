"""Pages as HTML: Jinja2 templates (autoescaped) over the archive's read model.

``Pages.get(path, query)`` answers one URL, for the server and the static
site alike.  All feed text reaches the page through autoescaping only (no
``|safe`` anywhere), and every href to the outside goes through
``links.external`` (http(s) only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from adapters.web.links import Links, external
from adapters.web.timeline import family_timeline_alt, family_timeline_png, has_picture
from bot.archive import Archive, FamilyPage
from bot.models import Link

TEMPLATES = Path(__file__).parent / "templates"

HTML = "text/html; charset=utf-8"
PNG = "image/png"
ATOM = "application/atom+xml"


@dataclass(frozen=True)
class Page:
    """One answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _date(value: datetime | str | None) -> str:
    if isinstance(value, str):
        return value[:10] or "undated"
    return value.date().isoformat() if value else "undated"


def _duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min"


def _safe_links(links: Sequence[Link]) -> list[tuple[str, str]]:
    """(label, href) of the links that may be put on a page: http(s) only."""
    out = []
    for link in links:
        href = external(link.url)
        if href is not None:
            out.append((link.label or "link", href))
    return out


def make_environment() -> Environment:
    """The template environment: autoescaping on for every template, strict undefined."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its name: feed text is hostile
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date
    env.filters["duration"] = _duration
    env.filters["external"] = external
    env.filters["safe_links"] = _safe_links
    return env


class Pages:
    """Every page of the archive, by URL path.

    ``site=True`` renders for a static site (relative links, no search box).
    """

    def __init__(self, archive: Archive, *, site: bool = False) -> None:
        self.archive = archive
        self.site = site
        self.env = make_environment()
        #: Families whose timeline picture a static site has written (see ``site.py``).
        self.pictures: set[str] = set()

    def render(self, template: str, depth: int, **context: Any) -> Page:
        """A template rendered as a 200 page."""
        links = Links(site=self.site, depth=depth)
        html = self.env.get_template(template).render(links=links, site=self.site, **context)
        return Page(200, HTML, html.encode())

    def not_found(self, what: str, depth: int = 1) -> Page:
        """The 404 page (``what`` is shown escaped)."""
        page = self.render("error.html", depth, title="Not found", message=what)
        return Page(404, HTML, page.body)

    def get(self, path: str, query: Mapping[str, str] | None = None) -> Page:
        """The page at ``path`` (already without its query string)."""
        query = query or {}
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        if not parts or parts == ["index.html"]:
            return self.index()
        if parts == ["feed.atom"]:
            return self.feed()
        if parts == ["search"] and not self.site:
            return self.search(query.get("q", ""))
        if len(parts) == 2:
            kind, value = parts
            if kind == "episode":
                return self.episode(value)
            if kind == "release":
                return self.release(value)
            if kind == "family":
                if value.endswith(".png"):
                    return self.family_png(value.removesuffix(".png"))
                return self.family(value)
        return self.not_found("No page here.")

    def index(self) -> Page:
        """The episode list, newest first, per show."""
        return self.render("index.html", 0, title="Episodes", shows=self.archive.shows())

    def episode(self, episode_id: str) -> Page:
        """An episode's TL;DR by section."""
        found = self.archive.episode(episode_id)
        if found is None:
            return self.not_found("No episode with this id.")
        episode, digest = found
        return self.render(
            "episode.html",
            1,
            title=episode.title,
            episode=episode,
            digest=digest,
            show=self.archive.show_title(episode.id),
        )

    def release(self, entity_id: str) -> Page:
        """A release entity: what it is, facts, links, every mention."""
        page = self.archive.release(entity_id)
        if page is None:
            return self.not_found("No release with this id.")
        return self.render("release.html", 1, title=page.entity.name, page=page)

    def family(self, key: str) -> Page:
        """A family: its releases and timeline (a picture when available)."""
        page = self.archive.family(key)
        if page is None:
            return self.not_found("No family with this name.")
        return self.family_page(page)

    def family_page(self, page: FamilyPage) -> Page:
        """A family's page from its read model."""
        return self.render("family.html", 1, title=page.name, page=page, image_alt=self._alt(page))

    def _alt(self, page: FamilyPage) -> str | None:
        """The timeline picture's alt text when the page shows one (a site: when drawn)."""
        if self.site and page.key not in self.pictures:
            return None
        if not has_picture(page):
            return None
        return family_timeline_alt(self.archive.store, page)

    def family_png(self, key: str) -> Page:
        """A family's timeline as a PNG (404 until the picture renderer is installed)."""
        page = self.archive.family(key)
        png = family_timeline_png(self.archive.store, page) if page is not None else None
        if png is None:
            return self.not_found("No timeline picture for this family.")
        return Page(200, PNG, png)

    def feed(self) -> Page:
        """The newest release items as an Atom feed."""
        return Page(200, ATOM, self.archive.atom())

    def search(self, q: str) -> Page:
        """Search, ranked as ``/search``."""
        result = self.archive.search(q)
        return self.render(
            "search.html", 0, title="Search", result=result, query_value=result.query
        )
