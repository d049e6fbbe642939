"""The web archive's pages over HTTP and as static files (no browser: see test_web_browser)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from adapters.web.links import Links, external
from adapters.web.render import Pages
from adapters.web.site import write_site
from bot.archive import Archive
from bot.engine import Engine
from tests.conftest import FIXTURES
from tests.web_support import DIGESTBOT, serving


@pytest.fixture
def hostile(engine: Engine) -> Engine:
    engine.ingest(str(FIXTURES / "hostile_feed.rss"))
    return engine


def test_urls_are_the_contract(sample_engine: Engine) -> None:
    archive = Archive(sample_engine)
    episode = sample_engine.episodes()[0].id
    entity = archive.entity_ids()[0]
    family = archive.family_keys()[0]
    with serving(sample_engine) as server, httpx.Client(base_url=server.url) as http:
        for path in ("/", f"/episode/{episode}", f"/release/{entity}", f"/family/{family}"):
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            assert "script-src" not in response.headers["content-security-policy"]
            assert '<html lang="en">' in response.text
        search = http.get("/search", params={"q": "kokoro"})
        assert search.status_code == 200 and "Kokoro" in search.text
        for missing in ("/episode/nope", "/release/nope", "/family/nope", "/etc/passwd"):
            assert http.get(missing).status_code == 404, missing
        assert http.head("/").status_code == 200


def test_episode_page_lists_sections_and_links_releases(sample_engine: Engine) -> None:
    archive = Archive(sample_engine)
    episode, digest = archive.episode(sample_engine.episodes()[0].id) or (None, None)
    assert episode is not None and digest is not None
    html = Pages(archive).episode(episode.id).body.decode()
    for section in digest.sections:
        assert f">{section.heading}</h2>" in html.replace("&amp;", "&")
    linked = [i for s in digest.sections for i in s.items if i.entity]
    assert linked and f'href="/release/{linked[0].entity.id}"' in html  # type: ignore[union-attr]


def test_release_page_has_facts_links_and_every_mention(shared: Path, engine: Engine) -> None:
    engine.ingest(str(shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"))
    archive = Archive(engine)
    counts = engine.store.entity_counts(archive.entity_ids())
    busiest = max(counts, key=lambda k: counts[k])
    page = archive.release(busiest)
    assert page is not None
    assert len(page.timeline) == counts[busiest] > 5
    dates = [entry.mention.published for entry in page.timeline]
    assert dates == sorted(dates, reverse=True)  # newest first
    html = Pages(archive).release(busiest).body.decode()
    assert html.count("<time") >= counts[busiest]
    assert f'href="/family/{page.family_key}"' in html
    assert Pages(archive).family(page.family_key).status == 200


def test_search_suggests_release_for_a_typo(sample_engine: Engine) -> None:
    result = Archive(sample_engine).search("kokorro")
    assert ("kokoro", "Kokoro") in result.suggestions
    assert result.hits and (result.corrected or "").startswith("Kokoro")


def test_hostile_feed_is_escaped_and_bad_links_dropped(hostile: Engine) -> None:
    pages = Pages(Archive(hostile))
    episode = hostile.episodes()[0].id
    html = pages.episode(episode).body.decode() + pages.index().body.decode()
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    # The headline's markup survives cleaning as text: it must show as text.
    assert "&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    hrefs = re.findall(r'<a [^>]*href="([^"]*)"', html)
    assert all(h.startswith(("/", "https://", "http://", "#")) for h in hrefs), hrefs
    assert not any("data:" in h or "victim" in h for h in hrefs)


def test_external_links_are_http_only() -> None:
    assert external("https://huggingface.co/x") == "https://huggingface.co/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://x.org/", ""):
        assert external(bad) is None, bad
    assert external(" JAVASCRIPT:alert(1)") is None


def test_site_links_are_relative_and_resolve(sample_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "site"
    report = write_site(Archive(sample_engine), out)
    assert (out / "index.html").is_file() and report.pages > 3
    for page in out.rglob("*.html"):
        for href in re.findall(r'<a [^>]*href="([^"]*)"', page.read_text()):
            if href.startswith(("http://", "https://", "#")):
                continue
            assert not href.startswith("/"), (page, href)
            target = (page.parent / href).resolve()
            assert target.is_file(), (page, href)


def test_site_names_odd_ids_so_links_still_resolve() -> None:
    links = Links(site=True, depth=1)
    assert links.page("release", "a%b") == "../" + quote("release/a%25b.html", safe="/")
    assert Links().page("release", "a/b") == "/release/a%2Fb"


def test_cli_site_and_errors(sample_engine: Engine, tmp_path: Path) -> None:
    import subprocess

    db = sample_engine.store.path
    done = subprocess.run(
        [DIGESTBOT, "--db", db, "site", str(tmp_path / "out")], capture_output=True, text=True
    )
    assert done.returncode == 0 and "page(s)" in done.stdout
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = subprocess.run(
        [DIGESTBOT, "--db", db, "site", str(blocker)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"digestbot: error: {blocker} exists and is not a folder"


def test_cli_web_serves_until_stopped(sample_engine: Engine) -> None:
    import signal
    import subprocess

    process = subprocess.Popen(
        [DIGESTBOT, "--db", sample_engine.store.path, "web", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", line)
        assert match, line
        response = httpx.get(match.group(1) + "/", timeout=10)
        assert response.status_code == 200 and "Episodes" in response.text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0


def test_idle_connections_do_not_starve_the_pool(sample_engine: Engine) -> None:
    import socket
    import time

    with serving(sample_engine, idle_timeout=0.5) as server:
        host, port = server.server_address[:2]
        idle = [socket.create_connection((str(host), port)) for _ in range(12)]  # > WORKERS
        try:
            started = time.perf_counter()
            assert httpx.get(server.url + "/", timeout=30).status_code == 200
            assert time.perf_counter() - started < 10
        finally:
            for sock in idle:
                sock.close()


def test_family_page_shows_the_timeline_picture_when_a_renderer_is_installed(
    sample_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The hook's wiring, with a stand-in for bot.timeline (branch look) until it lands."""
    import sys
    import types

    import adapters.web.timeline as hook

    drawn: list[str] = []
    fake = types.ModuleType("bot.timeline")
    fake.timeline_points = lambda store, family: [family]  # type: ignore[attr-defined]
    fake.timeline_alt_text = lambda points: f"<b>{points[0]}</b> over time"  # type: ignore[attr-defined]
    fake.render_timeline_png = lambda points, title: (  # type: ignore[attr-defined]
        drawn.append(title) or b"\x89PNG\r\n\x1a\nfake"
    )
    monkeypatch.setitem(sys.modules, "bot.timeline", fake)
    monkeypatch.setattr(hook, "timeline_available", lambda: True)
    archive = Archive(sample_engine)
    families = [archive.family(key) for key in archive.family_keys()]
    family = next(f.key for f in families if f is not None and len(f.releases) > 1)
    pages = Pages(archive)
    html = pages.family(family).body.decode()
    assert (
        f'<img class="timeline" src="/family/{family}.png" alt="&lt;b&gt;{family}&lt;/b&gt;' in html
    )
    png = pages.get(f"/family/{family}.png")
    assert (png.status, png.content_type) == (200, "image/png")
    assert png.body.startswith(b"\x89PNG")
    report = write_site(archive, tmp_path / "site")
    assert report.images >= 1 and (tmp_path / "site" / "family" / f"{family}.png").is_file()
    assert (
        f'src="../family/{family}.png"'
        in (tmp_path / "site" / "family" / f"{family}.html").read_text()
    )


def test_templates_never_turn_escaping_off() -> None:
    from adapters.web.render import TEMPLATES

    for template in TEMPLATES.glob("*.html"):
        text = re.sub(r"\s+", "", template.read_text())
        assert not re.search(r"\|safe\b", text), template.name
        for marker in ("autoescapefalse", "Markup(", "<script"):
            assert marker not in text, (template.name, marker)


def test_an_empty_archive_still_answers(engine: Engine) -> None:
    pages = Pages(Archive(engine))
    index = pages.get("/")
    assert index.status == 200 and b"No episodes yet" in index.body
    assert pages.get("/search", {"q": "kokoro"}).status == 200
    assert pages.get("/search", {"q": "\"' OR 1=1 -- <x>" * 50}).status == 200
    assert pages.get("/release/kokoro").status == 404


def test_atom_feed_is_served_linked_and_written(sample_engine: Engine, tmp_path: Path) -> None:
    import feedparser

    with serving(sample_engine) as server, httpx.Client(base_url=server.url) as http:
        response = http.get("/feed.atom")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/atom+xml"
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) > 0
        home = http.get("/").text
        assert '<link rel="alternate" type="application/atom+xml"' in home
        assert 'href="/feed.atom"' in home
    out = tmp_path / "site"
    write_site(Archive(sample_engine), out)
    written = feedparser.parse((out / "feed.atom").read_bytes())
    assert not written.bozo and len(written.entries) == len(parsed.entries)
    # The site's pages point at it relatively, from any depth.
    for page in (out / "index.html", next((out / "release").glob("*.html"))):
        href = re.search(r'<link rel="alternate"[^>]*href="([^"]*)"', page.read_text())
        assert href and (page.parent / href.group(1)).resolve() == (out / "feed.atom").resolve()


def test_release_page_lists_related_releases_with_working_links(
    shared: Path, engine: Engine
) -> None:
    engine.ingest(str(shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"))
    page = Archive(engine).release("kokoro")
    assert page is not None and 0 < len(page.related) <= 5
    assert all(other.id != "kokoro" for other in page.related)
    with serving(engine) as server, httpx.Client(base_url=server.url) as http:
        html = http.get("/release/kokoro").text
        section = html.split('<h2 id="related">', 1)[1].split("</section>", 1)[0]
        hrefs = re.findall(r'<a href="([^"]*)">', section)
        assert hrefs == [f"/release/{quote(o.id, safe='')}" for o in page.related]
        for href in hrefs:
            assert http.get(href).status_code == 200, href
