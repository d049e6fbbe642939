"""Extraction quality: the harness itself, and floors on the hand-checked episodes.

The floors are issue 10's targets where extraction reaches them, and what it reaches
where it does not yet (named below, per show).  They measure extraction as users see it
(ingest through the engine into SQLite, items read back); see docs/quality.md.
The harness tests at the top are cheap and use no shared data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quality import (
    Expected,
    Fixture,
    FixtureError,
    Got,
    Report,
    Score,
    link_key,
    load_fixture,
    load_fixtures,
    match,
    measure,
    name_score,
    score_episode,
)
from bot.quality import (
    family_word,
    is_bad_name,
    name_problems,
    normalise,
    summary_names_item,
)

#: Issue 10's targets for item recall and precision on each show's hand-checked episodes
#: (``make quality`` prints them next to the figures).
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.95
#: Floors: what extraction reaches today, per show, so that any regression fails.  Shows
#: at the target are held to it; the others (AINews) are below it and named
#: here with what they reach: raise a floor whenever extraction improves.
MIN_RECALL = TARGET_RECALL
MIN_PRECISION = TARGET_PRECISION
BELOW_TARGET_RECALL = {"AINews": 0.97}
BELOW_TARGET_PRECISION = {"AINews": 0.82}
#: Non-headline summaries that name their item (or an alias or family word).
MIN_SUMMARY_NAMING = 0.98
#: Whole shared ThursdAI feed: episodes with 5 or more items, of 133 (issue 10's target:
#: 121).  120 since the host's notes and sub-bullets stopped counting as releases: the
#: 2023-07-21 and 2023-07-27 prose recaps reached 5 only with "I also invited ..." and
#: with details of a list's topics ("GPU/CPUs themselves are power-constrained ...").
#: 121 again since a link-less "Topics Covered:" list is read one topic a line (the
#: 2025-11 Antigravity special: 2 items -> 6).
MIN_FEED_EPISODES_WITH_5 = 121
#: Whole shared ThursdAI feed: items without any link (issue 10's target: under 0.10;
#: reached today: 0.116 (206 of 1775), after bare domains became links and a link-less
#: line took its release's linked line's links; the rest are release lines written
#: without a link in the notes: "Imagen4 - image generation with extra textual ability",
#: the 2023 recap's months; docs/quality.md counts them per cause).
TARGET_FEED_NO_LINK_SHARE = 0.10
MAX_FEED_NO_LINK_SHARE = 0.117
#: Names that are generic, possessive, a number, a link label or a URL (feed and fixtures).
MAX_BAD_NAMES = 0
#: Shows that must have hand-checked episodes, and how many at least.
MIN_FIXTURES = {"ThursdAI": 12}
MIN_OTHER_FIXTURES = 6
MIN_OTHER_SHOWS = 3


# --- the name checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("How", "generic"),
        ("Deep", "generic"),
        ("Select", "generic"),
        ("Core", "generic"),
        ("Release", "generic"),
        ("Nothing", "generic"),
        ("Qwen's", "possessive"),
        ("Inside Google’s", "possessive"),
        ("70B", "number"),
        ("128K", "number"),
        ("$10B", "number"),
        ("1.5", "number"),
        ("X", "link-label"),
        ("HF", "link-label"),
        ("Blog", "link-label"),
        ("Github", "link-label"),
        ("Paper", "link-label"),
        ("NousResearch DeepHermes-3 Preview X", "link-label"),
        ("https://www.llama2.ai/", "url"),
        ("huggingface.co/org/model", "url"),
        ("Mojo🔥", "emoji"),
        ("AI Mode &", "dangling"),
        ("", "empty"),
    ],
)
def test_name_problems_flag_bad_names(name: str, problem: str) -> None:
    assert problem in name_problems(name)


@pytest.mark.parametrize(
    "name",
    [
        "Qwen3-Coder-480B-A35B",
        "Kokoro",
        "Veo 3",
        "Kling VIDEO 2.6",
        "GPT-4o",
        "o3",
        "CMDR+",
        "Operator",
        "Phi-4",
        "Llama 3 70B",
        "DeepSeek R1",
        "Command A 111B",
    ],
)
def test_name_problems_pass_real_release_names(name: str) -> None:
    assert name_problems(name) == ()
    assert not is_bad_name(name)


def test_normalise_ignores_case_punctuation_and_accents() -> None:
    assert normalise("Veo-3!") == "veo 3"
    assert normalise("  Qwen3‑Coder  (480B) ") == "qwen3 coder 480b"
    assert normalise("Pokémon") == "pokemon"


def test_family_word() -> None:
    assert family_word("Qwen3-Coder-480B") == "qwen"
    assert family_word("Veo 3") == "veo"
    assert family_word("o3") == ""  # too short to stand for a family
    assert family_word("The Model") == ""


def test_summary_names_item() -> None:
    assert summary_names_item("Google's Veo3 makes video with sound.", "Veo 3")
    assert summary_names_item("KOKORO TTS is an 82M model.", "Kokoro")
    assert summary_names_item("Qwen3's coder tops SWE-bench.", "Qwen3-Coder-480B-A35B")
    assert summary_names_item("The model from Hexgrad speaks.", "Kokoro", ["Hexgrad TTS"]) is False
    assert summary_names_item("Hexgrad TTS speaks.", "Kokoro", ["Hexgrad TTS"])
    assert not summary_names_item("Deep Research browses for you.", "DeepHermes 24B")
    # Spacing-free matching only for names long enough not to occur by chance.
    assert not summary_names_item("Kno3 fertiliser", "o3")


# --- the matcher ----------------------------------------------------------------------


def test_name_score_rules() -> None:
    kokoro = Expected("Kokoro", aliases=("Kokoro TTS",))
    assert name_score(kokoro, "kokoro") == 3.0  # case
    assert name_score(kokoro, "Kokoro-TTS") == 3.0  # alias, punctuation
    assert name_score(Expected("Veo 3"), "Veo3") == 3.0  # spacing
    assert name_score(kokoro, "Kokoro 82M by Hexgrad") == 2.0  # leading words
    assert name_score(Expected("Qwen3 Coder"), "Qwen3 Coder 480B") == 2.0
    assert name_score(Expected("Gemini 2.5 Flash"), "Gemini 2.5 Flash!") == 3.0
    assert 1.9 <= name_score(Expected("Claude Sonnet 3.5"), "Claude 3.5 Sonnet") <= 2.0  # fuzzy
    # Not the same release: a shared family word is not enough.
    assert name_score(Expected("Qwen3-Coder"), "Qwen3") == 0.0
    assert name_score(Expected("Kling VIDEO 2.6"), "VIDEO 2.6") == 0.0
    assert name_score(Expected("Devstral 24B"), "Mistral & AllHands") == 0.0


def test_name_score_reads_the_org_in_front_of_the_name() -> None:
    # "New Tokenizer from Mistral" is stored as "Tokenizer" with org Mistral.
    assert name_score(Expected("Mistral tokenizer"), "Tokenizer") == 0.0
    assert name_score(Expected("Mistral tokenizer"), "Tokenizer", "Mistral") == 3.0
    # The canonical org is longer than the line's prefix: "Nous" of "Nous Research".
    assert name_score(Expected("Nous Hermes 34B"), "Hermes 34B", "Nous Research") == 3.0
    # An org already leading the name is not doubled; an org alone proves nothing.
    assert name_score(Expected("Google Veo 3"), "Google Veo 3", "Google") == 3.0
    assert name_score(Expected("Kokoro"), "Tokenizer", "Mistral") == 0.0


def test_match_uses_each_item_once_and_prefers_exact() -> None:
    expected = [Expected("Jules"), Expected("Jules.google", optional=True)]
    got = [Got("Jules.google"), Got("Jules"), Got("Jules")]
    pairs = match(expected, got)
    assert pairs == {0: 1, 1: 0}  # the duplicate third "Jules" matches nothing


def test_score_episode_counts_precision_recall_links_and_optional() -> None:
    expected = [
        Expected("Kokoro", links=("https://huggingface.co/hexgrad/Kokoro-82M",)),
        Expected("Phi-4", links=("https://x.com/a/status/1",)),
        Expected("Fully Connected", optional=True),
        Expected("Moondream"),
    ]
    got = [
        Got("Kokoro", links=("http://www.huggingface.co/hexgrad/Kokoro-82M/?utm_source=x",)),
        Got("Phi 4", links=("https://example.com",)),
        Got("Fully Connected"),
        Got("70B"),
    ]
    score = score_episode(expected, got)
    assert (score.found, score.missed, score.spurious) == (2, 1, 1)
    assert score.recall == pytest.approx(2 / 3)
    assert score.precision == pytest.approx(2 / 3)
    assert (score.links_found, score.links_expected) == (1, 2)
    assert score.no_link == 2
    assert score.bad_names == ["70B"]
    assert score.missed_names == ["Moondream"]


def test_score_counts_summaries_that_do_not_name_their_item() -> None:
    got = [
        Got("Kokoro", headline="Kokoro TTS", summary="Kokoro is tiny."),
        Got("DeepHermes 24B", headline="DeepHermes", summary="Deep Research browses."),
        Got("Phi-4", headline="Phi-4 is back", summary="Phi-4 is back"),  # headline: not counted
    ]
    score = score_episode([Expected("Kokoro"), Expected("DeepHermes 24B")], got)
    assert (score.summaries, score.summaries_naming) == (2, 1)
    assert score.unnamed[0].startswith("DeepHermes 24B:")


def test_link_key_compares_what_matters() -> None:
    assert link_key("https://twitter.com/a/status/1?utm_source=x") == link_key(
        "http://x.com/a/status/1/"
    )
    assert link_key("https://huggingface.co/a?x=1") != link_key("https://huggingface.co/a")


def test_load_fixture_reads_toml_and_refuses_empty(tmp_path: Path) -> None:
    good = tmp_path / "ep.toml"
    good.write_text(
        'show = "Demo"\n[episode]\nsource = "feeds/x.rss"\ndate = "2025-01-02"\n'
        '[[item]]\nname = "Kokoro"\naliases = ["Kokoro TTS"]\nlinks = ["https://a.b/c"]\n'
    )
    fixture = load_fixture(good, tmp_path)
    assert fixture.show == "Demo"
    assert fixture.source == tmp_path / "feeds" / "x.rss"
    assert fixture.items[0] == Expected("Kokoro", ("Kokoro TTS",), "", ("https://a.b/c",))
    empty = tmp_path / "empty.toml"
    empty.write_text('show = "Demo"\n[episode]\nsource = "feeds/x.rss"\n')
    with pytest.raises(FixtureError):
        load_fixture(empty, tmp_path)


# --- the fixtures and the floors -------------------------------------------------------


@pytest.fixture(scope="module")
def fixtures() -> list[Fixture]:
    return load_fixtures()


@pytest.fixture(scope="module")
def report(fixtures: list[Fixture]) -> Report:
    from tests.conftest import SHARED

    if not (SHARED / "feeds").is_dir():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    return measure(fixtures)


def test_fixtures_cover_the_shows_the_issue_names(fixtures: list[Fixture]) -> None:
    shows: dict[str, int] = {}
    for fixture in fixtures:
        shows[fixture.show] = shows.get(fixture.show, 0) + 1
    for show, least in MIN_FIXTURES.items():
        assert shows.get(show, 0) >= least, shows
    others = {show: n for show, n in shows.items() if show not in MIN_FIXTURES}
    assert sum(others.values()) >= MIN_OTHER_FIXTURES, shows
    assert len(others) >= MIN_OTHER_SHOWS, shows


def test_every_fixture_finds_its_episode(report: Report, fixtures: list[Fixture]) -> None:
    assert len(report.episodes) == len(fixtures)


def _feed(report: Report) -> Score:
    if report.feed is None:
        pytest.skip("the shared ThursdAI feed is absent")
    return report.feed


def test_item_recall_per_show(report: Report) -> None:
    recall = {show: round(score.recall, 3) for show, score in report.shows.items()}
    low = {
        show: value
        for show, value in recall.items()
        if value < BELOW_TARGET_RECALL.get(show, MIN_RECALL)
    }
    assert not low, f"item recall below its floor: {low}"


def test_item_precision_per_show(report: Report) -> None:
    precision = {show: round(score.precision, 3) for show, score in report.shows.items()}
    low = {
        show: value
        for show, value in precision.items()
        if value < BELOW_TARGET_PRECISION.get(show, MIN_PRECISION)
    }
    assert not low, f"item precision below its floor: {low}"


def test_no_bad_names_in_hand_checked_episodes(report: Report) -> None:
    bad = {
        show: sorted(set(score.bad_names))
        for show, score in report.shows.items()
        if len(score.bad_names) > MAX_BAD_NAMES
    }
    assert not bad, f"bad names: {bad}"


def test_summaries_name_their_item_per_show(report: Report) -> None:
    share = {show: round(score.naming_share, 3) for show, score in report.shows.items()}
    low = {show: value for show, value in share.items() if value < MIN_SUMMARY_NAMING}
    assert not low, f"summaries naming their item below {MIN_SUMMARY_NAMING}: {low}"


def test_feed_episodes_with_five_items(report: Report) -> None:
    feed = _feed(report)
    rich = report.feed_rich
    assert rich >= MIN_FEED_EPISODES_WITH_5, f"{rich} of {feed.episodes} episodes have 5+ items"


def test_feed_items_without_link(report: Report) -> None:
    feed = _feed(report)
    share = round(feed.no_link_share, 3)
    assert share < MAX_FEED_NO_LINK_SHARE, f"{feed.no_link} of {feed.items} items have no link"


def test_feed_has_no_bad_names(report: Report) -> None:
    bad = sorted(set(_feed(report).bad_names))
    assert len(bad) <= MAX_BAD_NAMES, f"{len(bad)} distinct bad names: {bad[:40]}"


def test_feed_summaries_name_their_item(report: Report) -> None:
    feed = _feed(report)
    share = round(feed.naming_share, 3)
    assert share >= MIN_SUMMARY_NAMING, (
        f"{feed.summaries_naming} of {feed.summaries} summaries name their item"
    )


@pytest.mark.parametrize("name", ["High", "Folks", "People", "Other GPT5", "More Qwen models"])
def test_common_adjectives_crowds_and_quantifier_led_names_are_generic(name: str) -> None:
    assert "generic" in name_problems(name)


@pytest.mark.parametrize("name", ["GPT5", "Highlight AI", "Otherside", "Some-Model 7B"])
def test_names_merely_starting_like_them_are_not(name: str) -> None:
    assert "generic" not in name_problems(name)
