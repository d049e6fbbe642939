"""Conformance over the real feeds and episodes in ../shared (skipped when absent).

Every real feed ingests (hostile ones with a clear warning or error, never a
crash); every ThursdAI episode with a show-notes list yields sectioned items
with links; the HTML (feed) and Markdown forms of the same 2025 episodes give
the same items.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.engine import make_engine
from bot.errors import SourceError
from bot.feeds.parse import parse_source
from bot.models import ParsedFeed

THURSDAI = "thursdai_substack_podcast_all_redacted.rss"
_CACHE: dict[str, ParsedFeed] = {}


def thursdai(shared: Path) -> ParsedFeed:
    if THURSDAI not in _CACHE:
        path = shared / "feeds" / THURSDAI
        _CACHE[THURSDAI] = parse_source(path.read_bytes(), str(path))
    return _CACHE[THURSDAI]


def test_every_real_feed_ingests(shared: Path, tmp_path: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "all.db")
    outcomes: dict[str, str] = {}
    for path in sorted((shared / "feeds").glob("*")):
        if path.name == "MANIFEST.txt":
            continue
        try:
            report = engine.ingest(str(path))
        except SourceError as exc:
            assert path.name.startswith("hostile_"), f"{path.name}: {exc}"
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)
            outcomes[path.name] = "error"
            continue
        outcomes[path.name] = "warning" if report.warnings else "ok"
        if not path.name.startswith("hostile_"):
            assert report.added > 0, path.name
    assert outcomes[THURSDAI] == "ok"
    assert outcomes["hostile_rssparser_unrecognized.rss"] == "error"  # an HTML page
    assert outcomes["hostile_feedparser_incomplete_cdata.xml"] in ("warning", "error")
    stored = engine.store.query("SELECT count(*) FROM items WHERE headline LIKE '%<script%'")
    assert stored[0][0] == 0
    engine.close()


def test_thursdai_episodes_yield_sectioned_items_with_links(shared: Path) -> None:
    feed = thursdai(shared)
    assert len(feed.episodes) == 133
    listed = [e for e in feed.episodes if len(e.items) > 1]
    assert len(listed) >= 115  # specials and interviews have no show notes
    sectioned = [e for e in listed if len({i.section for i in e.items}) >= 2]
    assert len(sectioned) / len(listed) >= 0.9
    items = [i for e in listed for i in e.items]
    assert sum(1 for i in items if i.links) / len(items) >= 0.7
    assert sum(1 for i in items if i.section != "Other") / len(items) >= 0.85
    for episode in feed.episodes:
        for item in episode.items:
            assert item.name and item.headline
            assert "<" not in item.name
            assert all(link.url.startswith(("http://", "https://")) for link in item.links)
            assert not any("utm_" in link.url or "token=" in link.url for link in item.links)


def test_no_hosts_or_guests_become_items(shared: Path) -> None:
    for episode in thursdai(shared).episodes:
        assert not any(i.section == "People" for i in episode.items)
        assert not any("Evangelist" in i.headline for i in episode.items), episode.title


def test_markdown_and_html_forms_give_the_same_items(shared: Path) -> None:
    by_key = {e.key: e for e in thursdai(shared).episodes}
    compared = same = total = 0
    for path in sorted((shared / "episodes-md").glob("*.md")):
        episode = parse_source(path.read_bytes(), str(path)).episodes[0]
        html = by_key.get(episode.key)
        if html is None:
            continue  # the Markdown set runs a week past the feed
        compared += 1
        assert [(i.name, i.section) for i in episode.items] == [
            (i.name, i.section) for i in html.items
        ], path.name
        for md_item, html_item in zip(episode.items, html.items, strict=True):
            total += 1
            same += (md_item.headline, md_item.links) == (html_item.headline, html_item.links)
    assert compared >= 45
    assert same / total >= 0.99  # the rest differ in the source itself (stray characters)


def test_seed_episode_with_mojibake(shared: Path) -> None:
    seed = shared / "seeds" / "000_a5e4428470c6ebdd.txt"
    episode = parse_source(seed.read_bytes(), str(seed)).episodes[0]
    assert episode.title.startswith("📆 ThursdAI - Jan 9th")
    assert "‚Äô" not in episode.body and "üëã" not in episode.body
    assert "Alex here 👋" in episode.body
    names = [i.name for i in episode.items]
    for expected in ("Phi-4", "MetaGENE-1", "Kokoro", "Hallo 3", "LatentSync", "Moondream 2"):
        assert expected in names
    chapters = {i.name: i.chapter.title for i in episode.items if i.chapter}
    assert chapters["Phi-4"] == "PHI4: The Latest in Open Source AI"
    assert chapters["Kokoro"] == "Kokoro TTS: High-Quality Text-to-Speech"
    html = {e.key: e for e in thursdai(shared).episodes}[episode.key]
    assert [(i.name, i.section, i.links) for i in episode.items] == [
        (i.name, i.section, i.links) for i in html.items
    ]


def test_thursdai_reads_the_same_from_sqlite_and_postgresql(
    shared: Path, tmp_path: Path, pg_url: str
) -> None:
    """The real feed on both backends: identical JSON (search scores aside)."""
    from bot.formats import digest_json, episodes_json, release_json, search_json

    path = str(shared / "feeds" / THURSDAI)
    outputs = []
    for db in (str(tmp_path / "t.db"), pg_url):
        engine = make_engine(Settings(), db_path=db)
        engine.ingest(path)
        out: dict[str, object] = {
            "episodes": episodes_json(engine.episodes()),
            "tldr": digest_json(engine.tldr()),
            "tldr old": digest_json(engine.tldr("2024-06-13")),
        }
        for query in ("kokoro", "qwen3 coder", "gemini 2.5 flash", "veo3", "llama", "claud"):
            out[f"release {query}"] = release_json(engine.release(query))
        for query in ("tts", "open source llm", "video model", "agents"):
            hits = search_json(engine.search(query, limit=20))["results"]
            out[f"search {query}"] = [h["name"] for h in hits]
        outputs.append(out)
        engine.close()
    sqlite_out, pg_out = outputs
    assert sqlite_out["search tts"]
    # bm25 on both (FTS5's own on SQLite, the same formula over tsvector matches on
    # PostgreSQL): the same results in the same order.
    for key in sqlite_out:
        assert pg_out[key] == sqlite_out[key], key
