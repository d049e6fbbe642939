"""Release family timelines: the points read from the store, the PNG and its alt text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.errors import NotFoundError
from bot.timeline import (
    MAX_ALT,
    render_timeline_png,
    timeline_alt_text,
    timeline_points,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def thursdai(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from bot.config import Settings
    from bot.engine import make_engine

    eng = make_engine(Settings(), db_path=tmp_path_factory.mktemp("tl") / "t.db")
    eng.ingest(str(shared / "feeds" / "thursdai_substack_podcast_all_redacted.rss"))
    return eng


@pytest.fixture(scope="module")
def shared(request: pytest.FixtureRequest) -> Path:  # module scope for the one ingest
    from tests.conftest import SHARED

    if not (SHARED / "feeds").is_dir():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    return SHARED


def test_family_points_are_oldest_first_and_grouped_by_release(thursdai: Engine) -> None:
    points = timeline_points(thursdai, "qwen")
    assert len(points) > 20
    assert [p.published for p in points] == sorted(p.published for p in points)
    releases = {p.release for p in points}
    assert {"Qwen3-Coder", "QwQ", "Qwen3-VL"} <= releases
    assert {p.family for p in points} == {"Qwen"}
    coder = next(p for p in points if p.name.startswith("Qwen3-Coder-480B"))
    assert coder.parameters == ("480B", "A35B")  # written in its name


def test_a_release_name_draws_its_family(thursdai: Engine) -> None:
    by_release = timeline_points(thursdai, "Qwen3-Coder")
    assert {p.release for p in by_release} == {p.release for p in timeline_points(thursdai, "QWEN")}


def test_unknown_family_is_a_clear_error(thursdai: Engine) -> None:
    with pytest.raises(NotFoundError, match="No release family"):
        timeline_points(thursdai, "zzzzqx")
    with pytest.raises(NotFoundError):
        timeline_points(thursdai, "!!!")


def test_png_is_a_real_image_drawn_within_a_second(thursdai: Engine) -> None:
    points = timeline_points(thursdai, "qwen")
    render_timeline_png(points, title="warm-up")  # matplotlib's import is paid once per process
    seconds = []
    for _ in range(3):  # the best of three: the machine is shared, a slow run is noise
        start = time.perf_counter()
        png = render_timeline_png(points, title="Qwen releases")
        seconds.append(time.perf_counter() - start)
    assert min(seconds) < 1.0
    assert png.startswith(PNG_MAGIC)
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width == 1000 and 300 < height < 2000


def test_alt_text_names_the_family_releases_and_sizes(thursdai: Engine) -> None:
    text = timeline_alt_text(timeline_points(thursdai, "qwen"))
    assert text.startswith("Timeline of the Qwen family:")
    assert "Qwen3-VL" in text and "72B" in text
    assert len(text) <= MAX_ALT


def test_hostile_names_draw_as_text(engine: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "hostile.rss"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>$\\nope$ <b>show</b></title>
<item><title>Ep 1</title><guid>e1</guid><pubDate>Thu, 09 Jan 2025 00:00:00 +0000</pubDate>
<description><![CDATA[<p>TL;DR + Show Notes</p><p>* <strong>Open Source LLMs</strong></p>
<p>* Zorbo-2 $x^2$ 7B - a model (<a href="https://huggingface.co/z/z">HF</a>)</p>
<p>* Zorbo-3 @everyone - another (<a href="https://github.com/z/z">Github</a>)</p>]]></description></item></channel></rss>""",
        encoding="utf-8",
    )
    engine.ingest(str(feed))
    points = timeline_points(engine, "zorbo")
    assert points, "the hostile feed's releases are found"
    png = render_timeline_png(points, title="$\\nope$ zorbo")  # as mathtext, this would raise
    assert png.startswith(PNG_MAGIC)


def test_nothing_to_draw_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError):
        render_timeline_png([], title="x")
    assert timeline_alt_text([]) == "An empty release timeline."


def test_cli_writes_the_png(
    sample_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    db = sample_engine.store.path
    out = tmp_path / "k.png"
    assert main(["--db", db, "timeline", "kokoro", "--out", str(out), "--alt"]) == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}: ") and "Timeline of the Kokoro family" in printed


def test_cli_says_one_line_for_bad_input(
    sample_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    db = sample_engine.store.path
    assert main(["--db", db, "timeline", "zzzqqq"]) == 1
    assert main(["--db", db, "timeline", "kokoro", "--out", str(tmp_path / "no" / "x.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "digestbot: No release family matches 'zzzqqq'.",
        f"digestbot: error: cannot write {tmp_path / 'no' / 'x.png'}: No such file or directory",
    ]
