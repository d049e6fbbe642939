"""Release entities in the store and in lookups: families as timelines, one release,
the line an answer opens on, and an existing database upgrading (real ThursdAI feed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.digest import compose
from bot.engine import Engine, make_engine
from bot.lookup import MAX_MENTIONS
from bot.models import DigestReply, EpisodeRef, Item, Mention, ReleaseReply
from bot.store.schema import MIGRATIONS
from bot.store.sqlite import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"
THURSDAI = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"


@pytest.fixture(scope="module")
def thursdai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine that has ingested the real ThursdAI feed (skips without ../shared)."""
    if not THURSDAI.exists():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    from bot.summarise import make_summariser

    settings = Settings()
    engine = make_engine(  # as the CLI makes it: summaries and facts on
        settings,
        db_path=tmp_path_factory.mktemp("real") / "real.db",
        summariser=make_summariser(settings),
    )
    engine.ingest(str(THURSDAI))
    yield engine
    engine.close()


def _entities(reply: ReleaseReply) -> set[str]:
    names = {m.entity for m in reply.mentions}
    return {n for n in names if n}


def test_release_qwen_is_the_family_as_a_timeline(thursdai: Engine) -> None:
    reply = thursdai.release("qwen")
    assert reply.scope == "family"
    assert reply.entity is not None and reply.entity.name == "Qwen"
    # Every mention is counted: a long family says how many more there are.
    assert reply.mentions_total > MAX_MENTIONS
    assert len(reply.mentions) == MAX_MENTIONS
    assert reply.more_mentions == reply.mentions_total - MAX_MENTIONS
    # QwQ and QvQ are the Qwen team's: they belong to the family.
    assert {"QwQ", "QvQ"} <= _entities(reply)
    # Grouped by release: a release's mentions are adjacent, groups newest first.
    order = [m.entity for m in reply.mentions]
    groups = [e for i, e in enumerate(order) if i == 0 or order[i - 1] != e]
    assert len(groups) == len(set(groups))
    newest = [max(m.episode.published for m in reply.mentions if m.entity == g) for g in groups]
    assert newest == sorted(newest, reverse=True)


def test_release_qwen_opens_on_a_real_release_line(thursdai: Engine) -> None:
    item = thursdai.release("qwen").item
    assert item.links, "opens on a line with links"
    assert item.entity is not None and any(c.isdigit() for c in item.entity.name)
    assert len(item.detail) >= 12 and not item.headline.rstrip().endswith((":", "..."))
    assert item.episode.published is not None and item.episode.published.year >= 2025


def test_release_gemini_does_not_open_on_gemini_in_chrome(thursdai: Engine) -> None:
    item = thursdai.release("gemini").item
    assert item.org != "Chrome" and "chrome" not in item.headline.casefold()
    assert item.entity is not None and item.entity.family == "Gemini"
    assert any(c.isdigit() for c in item.entity.name)


def test_release_llama_opens_on_a_recent_release_not_a_retrospective(thursdai: Engine) -> None:
    item = thursdai.release("llama").item
    assert item.episode.published is not None and item.episode.published.year >= 2025
    assert item.entity is not None and item.entity.family == "Llama"
    assert item.links


def test_release_of_one_entity(thursdai: Engine) -> None:
    reply = thursdai.release("qwen3-coder")
    assert reply.scope == "entity"
    assert reply.entity is not None and reply.entity.name == "Qwen3-Coder"
    assert "Qwen3-Coder" in reply.item.headline
    assert all(m.entity in (None, "Qwen3-Coder") for m in reply.mentions)


def test_release_kokoro_opens_on_kokoro_itself(thursdai: Engine) -> None:
    reply = thursdai.release("kokoro")
    assert reply.item.name == "Kokoro"
    assert [m.name for m in reply.mentions] == ["Kokoro.js"]
    assert reply.mentions_total == 1


def test_tldr_items_carry_their_entity(thursdai: Engine) -> None:
    digest = thursdai.tldr("2025-01-10")
    items = [i for s in digest.sections for i in s.items]
    kokoro = next(i for i in items if i.name == "Kokoro")
    assert kokoro.entity is not None and kokoro.entity.id == "kokoro"
    assert all(s.original for s in digest.sections)


def test_an_existing_database_upgrades_and_links_lazily(tmp_path: Path) -> None:
    """A database made before entities (schema 5, items without entity_id) upgrades."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:5]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version + 1}; COMMIT;")
    db.execute(
        "INSERT INTO episodes(id, key, feed, title, published, content_hash, ingested_at)"
        " VALUES ('e1', 'k1', 'f', 'Ep 1', '2025-05-23T00:00:00+00:00', 'h', 'now')"
    )
    for n, name in enumerate(["VEO3", "Veo 3", "Claude 4 Sonnet"]):
        db.execute(
            "INSERT INTO items(id, episode_id, position, name, name_key, section,"
            " section_original, headline, summary, published) VALUES"
            " (?, 'e1', ?, ?, ?, 'Other', 'Other', ?, '', '2025-05-23T00:00:00+00:00')",
            (f"i{n}", n, name, name.lower().replace(" ", ""), f"{name} - video model"),
        )
    db.execute(
        "INSERT INTO items_fts(rowid, name, org, headline, summary, section)"
        " SELECT rowid, name, org, headline, summary, section FROM items"
    )
    db.close()
    engine = make_engine(Settings(), db_path=path)
    reply = engine.release("veo 3")
    assert reply.entity is not None and reply.entity.id == "veo3"
    assert reply.mentions_total == 1  # "VEO3" and "Veo 3" are one release
    claude = engine.release("claude sonnet 4")
    assert claude.item.name == "Claude 4 Sonnet"
    assert engine.store.query("SELECT count(*) FROM items WHERE entity_id IS NULL")[0][0] == 0
    assert [h.item.name for h in engine.search("sonnet")] == ["Claude 4 Sonnet"]
    engine.close()


def test_linking_does_not_touch_the_full_text_index(tmp_path: Path, sample_feed: Path) -> None:
    engine = make_engine(Settings(), db_path=tmp_path / "t.db")
    engine.ingest(str(sample_feed))
    before = engine.store.query("SELECT count(*) FROM items_fts_data")[0][0]
    assert engine.store.fill_entities() > 0
    assert engine.store.query("SELECT count(*) FROM items_fts_data")[0][0] == before
    assert engine.store.fill_entities() == 0  # nothing left: one indexed query
    engine.close()


def test_an_edited_item_is_linked_again(tmp_path: Path) -> None:
    from bot.models import ParsedEpisode, ParsedItem

    def episode(name: str, content_hash: str) -> ParsedEpisode:
        item = ParsedItem(
            name=name, section="Other", section_original="Other", headline=f"{name} - video"
        )
        return ParsedEpisode(key="k", title="t", items=(item,), content_hash=content_hash)

    store = Store(tmp_path / "s.db")
    store.upsert_episodes("f", [episode("Veo 3", "h1")])
    store.fill_entities()
    assert store.query("SELECT entity_id FROM items")[0][0] == "veo3"
    # The same item (same name key, so the same id) edited: its entity is derived again.
    store.upsert_episodes("f", [episode("VEO-3", "h2")])
    assert store.query("SELECT entity_id FROM items")[0][0] is None
    assert store.fill_entities() == 1
    assert store.query("SELECT entity_id, name FROM items")[0] == ("veo3", "VEO-3")
    store.close()


def _item(name: str, section: str, original: str) -> Item:
    ep = EpisodeRef(id="e", title="Ep")
    return Item(
        id=name,
        episode=ep,
        position=0,
        name=name,
        section=section,
        section_original=original,
        headline=f"{name} - news",
        summary="",
    )


def test_other_keeps_each_original_header() -> None:
    from bot.models import Episode

    episode = Episode(id="e", feed="f", title="Ep")
    items = [
        _item("A", "Other", "AI Nobel Prizes"),
        _item("B", "Open Source LLMs", "Open Source AI"),
        _item("C", "Other", "February"),
        _item("D", "Other", "AI Nobel Prizes"),
    ]
    digest = compose([(episode, items)])
    shown = [(s.name, s.original, s.heading, [i.name for i in s.items]) for s in digest.sections]
    assert shown == [
        ("Open Source LLMs", "Open Source AI", "Open Source LLMs", ["B"]),
        ("Other", "AI Nobel Prizes", "AI Nobel Prizes", ["A", "D"]),
        ("Other", "February", "February", ["C"]),
    ]


def test_renderers_show_the_original_header_of_other_and_count_more_mentions() -> None:
    from adapters.console.render import render
    from adapters.discord.render import render_reply as discord_reply
    from adapters.slack.render import render_reply as slack_reply
    from bot.models import Episode

    episode = Episode(id="e", feed="f", title="Ep")
    digest = compose([(episode, [_item("A", "Other", "AI Nobel Prizes")])])
    reply = DigestReply(digest=digest)
    assert "## AI Nobel Prizes" in render(reply)
    assert "AI Nobel Prizes" in str(slack_reply(reply))
    assert "AI Nobel Prizes" in str(discord_reply(reply))
    ep = EpisodeRef(id="e", title="Ep")
    mentions = tuple(
        Mention(name="Qwen3", headline="h", episode=ep, entity="Qwen3") for _ in range(3)
    )
    release = ReleaseReply(
        item=_item("Qwen3-Coder", "Open Source LLMs", "x"),
        mentions=mentions,
        scope="family",
        mentions_total=30,
    )
    assert "and 27 more mentions" in render(release)
    assert "[Qwen3]" in render(release)
    assert "and 27 more mentions" in str(slack_reply(release))
    assert "and 27 more mentions" in str(discord_reply(release))


@pytest.mark.parametrize("query", ["tts", "open source tts", "open-source TTS", "TTS models"])
def test_search_finds_kokoro_near_the_top(thursdai: Engine, query: str) -> None:
    names = [hit.item.name for hit in thursdai.search(query, limit=10)]
    assert "Kokoro" in names[:3], names


def test_release_deepseek_does_not_open_on_a_line_about_another_release(thursdai: Engine) -> None:
    item = thursdai.release("deepseek").item
    assert not item.headline.startswith("DeepCogito")
    assert item.entity is not None and item.entity.family == "DeepSeek"


def test_a_query_is_normalised_as_names_are(thursdai: Engine) -> None:
    reply = thursdai.release("Claude 3.5 Sonnet")  # stored as "Claude Sonnet 3.5"
    assert reply.entity is not None and reply.entity.name == "Claude Sonnet 3.5"
