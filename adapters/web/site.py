"""``digestbot site OUT_DIR``: every page of the archive as static files.

``index.html`` at the top, ``episode/ID.html``, ``release/ID.html`` and
``family/NAME.html`` below it, linked relatively: the folder works from
``file://`` and from any static host at any path.  A static site has no
search (it needs the server); everything else is the same page.  Timeline
pictures (when ``bot.timeline`` is installed) are drawn for the families with
the most releases only: drawing one takes a good part of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.web.links import file_name, segment
from adapters.web.render import Page, Pages
from adapters.web.timeline import family_timeline_png, has_picture
from bot.archive import Archive

#: Timeline pictures a static site draws at most (families with the most releases).
MAX_SITE_PICTURES = 8


@dataclass
class SiteReport:
    """What ``write_site`` wrote."""

    pages: int = 0
    images: int = 0

    def line(self, out: Path) -> str:
        """One human line."""
        return f"{out}: {self.pages} page(s), {self.images} image(s)"


def write_site(archive: Archive, out: Path, *, max_pictures: int = MAX_SITE_PICTURES) -> SiteReport:
    """Write every page under ``out`` (created if missing; existing pages overwritten)."""
    pages = Pages(archive, site=True)
    report = SiteReport()
    for kind in ("episode", "release", "family"):
        (out / kind).mkdir(parents=True, exist_ok=True)

    def write(name: str, page: Page) -> None:
        if page.status == 200:
            (out / name).write_bytes(page.body)
            report.pages += 1

    families = [f for f in (archive.family(k) for k in archive.family_keys()) if f is not None]
    drawn = sorted((f for f in families if has_picture(f)), key=lambda f: -len(f.releases))
    for family in drawn[:max_pictures]:
        png = family_timeline_png(archive.store, family)
        if png is not None:
            (out / "family" / f"{segment(family.key)}.png").write_bytes(png)
            pages.pictures.add(family.key)
            report.images += 1

    write("index.html", pages.index())
    write("feed.atom", pages.feed())
    for episode_id in archive.episode_ids():
        write(file_name("episode", episode_id), pages.episode(episode_id))
    for entity_id in archive.entity_ids():
        write(file_name("release", entity_id), pages.release(entity_id))
    for family in families:
        write(file_name("family", family.key), pages.family_page(family))
    return report
