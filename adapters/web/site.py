"""``digestbot site OUT_DIR``: every page of the archive as static files.

``index.html`` at the top, ``episode/ID.html``, ``release/ID.html`` and
``family/NAME.html`` below it, linked relatively: the folder works from
``file://`` and from any static host at any path.  A static site has no
search (it needs the server); everything else is the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.web.links import file_name, segment
from adapters.web.render import Page, Pages
from adapters.web.timeline import family_timeline_png, timeline_available
from bot.archive import Archive


@dataclass
class SiteReport:
    """What ``write_site`` wrote."""

    pages: int = 0
    images: int = 0

    def line(self, out: Path) -> str:
        """One human line."""
        return f"{out}: {self.pages} page(s), {self.images} image(s)"


def write_site(archive: Archive, out: Path) -> SiteReport:
    """Write every page under ``out`` (created if missing; existing pages overwritten)."""
    pages = Pages(archive, site=True)
    report = SiteReport()
    for kind in ("episode", "release", "family"):
        (out / kind).mkdir(parents=True, exist_ok=True)

    def write(name: str, page: Page) -> None:
        if page.status == 200:
            (out / name).write_bytes(page.body)
            report.pages += 1

    write("index.html", pages.index())
    for episode_id in archive.episode_ids():
        write(file_name("episode", episode_id), pages.episode(episode_id))
    for entity_id in archive.entity_ids():
        write(file_name("release", entity_id), pages.release(entity_id))
    pictures = timeline_available()
    for key in archive.family_keys():
        write(file_name("family", key), pages.family(key))
        family = archive.family(key) if pictures else None
        png = family_timeline_png(family) if family is not None else None
        if png is not None:
            (out / "family" / f"{segment(key)}.png").write_bytes(png)
            report.images += 1
    return report
