"""Text and link hygiene."""

from __future__ import annotations

import pytest

from bot.feeds.clean import canonical_link, clean_text, clean_url, name_key, repair_mojibake


def mac_roman_mojibake(text: str) -> str:
    """What a Markdown export does to UTF-8: bytes read back as Mac Roman."""
    return text.encode("utf-8").decode("mac_roman")


@pytest.mark.parametrize(
    "original",
    [
        "Alex here 👋",
        "What’s interesting about “phi-4”",
        "📆 ThursdAI - Jan 9th 🤯 and 🫡",
        "Café, naïve, 日本語",
    ],
)
def test_mac_roman_mojibake_is_repaired(original: str) -> None:
    broken = mac_roman_mojibake(original)
    assert broken != original
    assert repair_mojibake(broken) == original


def test_windows_1252_mojibake_is_repaired() -> None:
    broken = "What’s new".encode().decode("cp1252")
    assert repair_mojibake(broken) == "What’s new"


def test_clean_text_is_left_alone() -> None:
    text = "Plain ASCII and proper “quotes” 👋 stay as they are."
    assert repair_mojibake(text) is text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/microsoft/phi-4", "https://huggingface.co/microsoft/phi-4"),
        (
            "https://wandb.ai/site/weave?utm_source=thursdai&utm_medium=referral&utm_campaign=Jan9",
            "https://wandb.ai/site/weave",
        ),
        (
            "https://sub.example/p/x?utm_source=substack&action=share&token=eyJhbGci&keep=1",
            "https://sub.example/p/x?keep=1",
        ),
        (
            "https://chat.qwenlm.ai/auth#email=git@alexw.me&name=altryne",
            "https://chat.qwenlm.ai/auth",
        ),
        ("https://example.org/a?email=someone%40example.com&q=tts", "https://example.org/a?q=tts"),
        ("https://example.org/a#token=abc&section=2", "https://example.org/a#section=2"),
        ("https://user:pw@example.org/x", "https://example.org/x"),
        ("HTTP://Example.org/Path", "http://Example.org/Path"),
        ("https://www.youtube.com/watch?v=abc&t=120", "https://www.youtube.com/watch?v=abc&t=120"),
    ],
)
def test_clean_url_strips_tracking_and_personal_data(url: str, expected: str) -> None:
    assert clean_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,boom",
        "ftp://example.org/file",
        "mailto:someone@example.org",
        "https://",
        "",
        "https://exa mple.org/",
        'https://example.org/"><script>',
        "//example.org/relative",
    ],
)
def test_clean_url_drops_unsafe_links(url: str) -> None:
    assert clean_url(url) is None


def test_canonical_link_ignores_query_and_case() -> None:
    assert canonical_link("https://Sub.ThursdAI.news/p/ep-1/?utm_source=x") == canonical_link(
        "https://sub.thursdai.news/p/ep-1"
    )


def test_name_key_ignores_case_punctuation_and_spaces() -> None:
    assert name_key("Phi-4") == name_key("PHI4") == name_key("phi 4") == "phi4"
    assert name_key("Qwen2.5-Max") == "qwen25max"


def test_clean_text_removes_controls_and_collapses_space() -> None:
    assert clean_text("a\u200b b\x1b[2J\t\nc\u00a0d") == "a b[2J c d"


def test_has_mojibake_prefilter_agrees_with_the_hints() -> None:
    # The first-character prefilter must never hide a hint the pattern would find.
    from bot.feeds import clean

    hints = clean._MOJIBAKE_HINT.pattern.split("|")
    samples = ["‚Äô", "\uf8ffüëã", "√", "â€™", "Ã©", "Ã\x80", "ðŸ", "plain é text", "", "Ã", "â"]
    samples += [f"<p>{'x' * 5000}{s}</p>" for s in samples]
    assert len(hints) >= 6
    for text in samples:
        assert clean.has_mojibake(text) == (clean._MOJIBAKE_HINT.search(text) is not None), text
