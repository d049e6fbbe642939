"""A link-less release line takes the links of the same release's linked line."""

from __future__ import annotations

from bot.feeds.blocks import html_blocks
from bot.feeds.shownotes import extract_items

# A TL;DR list whose third line lost its anchors (labels typed as text), then the
# body, where that release's own line keeps them.
_NOTES = (
    "<p>TL;DR of all topics covered:</p>"
    "<p>* Alpha One - first (<a href='https://a.example/x'>X</a>)</p>"
    "<p>* Beta Two - second (<a href='https://b.example/x'>HF</a>)</p>"
    "<p>* Zephyr Coder 7B - a small coder (X, Blog)</p>"
    "<p>* Gamma 3 - third (<a href='https://c.example/x'>Blog</a>)</p>"
    "<p>Zephyr Coder 7B: a deeper look (<a href='https://z.example/x'>X</a>,"
    " <a href='https://z.example/hf'>HF</a>)</p>"
    "<p>Zephyr Coder 7B is a fine model, says <a href='https://x.example/jane'>Jane</a>,"
    " and it runs on a laptop with plenty of room to spare for other things.</p>"
)


def _links(html: str, name: str) -> list[str]:
    item = next(i for i in extract_items(html_blocks(html)) if i.name == name)
    return [link.url for link in item.links]


def test_a_linkless_line_takes_its_release_lines_links() -> None:
    assert _links(_NOTES, "Zephyr Coder 7B") == ["https://z.example/x", "https://z.example/hf"]


def test_a_mere_mention_lends_no_links() -> None:
    # Only a paragraph naming the release in passing, linking a person: no link is taken.
    html = _NOTES.replace(
        "<p>Zephyr Coder 7B: a deeper look (<a href='https://z.example/x'>X</a>,"
        " <a href='https://z.example/hf'>HF</a>)</p>",
        "",
    )
    assert _links(html, "Zephyr Coder 7B") == []


def test_an_org_or_family_name_borrows_nothing() -> None:
    # "Gemini" alone could be any Gemini release: another Gemini line lends no link.
    html = (
        "<p>TL;DR of all topics covered:</p>"
        "<p>* Alpha One - first (<a href='https://a.example/x'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example/x'>HF</a>)</p>"
        "<p>* Gemini - beats everything on a bunch of metrics</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example/x'>Blog</a>)</p>"
        "<p>Gemini - a new version (<a href='https://g.example/x'>X</a>)</p>"
    )
    assert _links(html, "Gemini") == []


def test_links_of_another_release_are_not_taken() -> None:
    html = _NOTES.replace("Zephyr Coder 7B: a deeper look", "Zephyr Chat 2: a deeper look")
    assert _links(html, "Zephyr Coder 7B") == []


def test_thousands_of_linkless_items_and_linked_lines_stay_linear() -> None:
    # Hostile notes: each link-less item once scanned every linked line (items x lines).
    # Now every line is indexed once under its name; each item is one look-up.
    import time

    from bot.feeds.relink import borrow_links
    from bot.models import ParsedItem

    count = 6000
    blocks = html_blocks(
        "".join(
            f"<p>Widget{i} Pro: a line (<a href='https://w.example/{i}'>X</a>)</p>"
            for i in range(count)
        )
    )
    items = [
        ParsedItem(
            name=f"Gadget{i} Max",
            section="Other",
            section_original="Other",
            headline=f"Gadget{i} Max",
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    out = borrow_links(items, blocks)
    assert time.perf_counter() - started < 5.0
    assert all(not item.links for item in out)  # no Gadget has a line of its own
    named = [
        ParsedItem(
            name="Widget7 Pro",
            section="Other",
            section_original="Other",
            headline="Widget7 Pro - in the list, links lost",
        )
    ]
    assert [link.url for link in borrow_links(named, blocks)[0].links] == ["https://w.example/7"]
