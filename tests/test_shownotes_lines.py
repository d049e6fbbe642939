"""Show-notes line shapes read into the right release (or into none): issue 10, ThursdAI.

Self-written lines in the shapes real show notes use; each case failed before its fix.
"""

from __future__ import annotations

import pytest

from bot.feeds.blocks import html_blocks
from bot.feeds.shownotes import extract_items, split_name


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        # The release is named after "called": the maker only leads the line.
        ("Acme launches an image model called Frameset", "Frameset", None),
        ("Runway launches an image model called Frames", "Frames", "Runway"),
        (
            "Weights & Biases is coming to Paris! Our conference called Fully Wired is open",
            "Fully Wired",
            "Weights & Biases",
        ),
        # A subject that gains a capitalised feature: the two name the release.
        ("ChatGPT now has Search!", "ChatGPT Search", None),
        ("Quillbot gets Canvas", "Quillbot Canvas", None),
        # ... but not a plain acronym, a product family or an org.
        ("Nimbus S24 has AI everywhere", "Nimbus S24", None),
        # An unknown maker announcing a coined all-capitals standard: the standard.
        (
            "Daily announces a new open standard for real time Voice and Video RTVI-AI",
            "RTVI-AI",
            None,
        ),
    ],
)
def test_line_shapes_name_their_release(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)


@pytest.mark.parametrize(
    "headline",
    [
        # A base model the release builds on, a bare version, an adjective: no name.
        "Gradient releases 1M context window LLama-3 finetune",
        "Playground releases a new diffusion foundational model Playground V2.5",
        "Claude introduces an artifacts space for sharing AI-powered apps",
    ],
)
def test_a_coined_word_is_never_a_base_model_version_or_adjective(headline: str) -> None:
    name, _org = split_name(headline)
    assert name not in ("LLama-3", "V2.5", "AI-powered")


def test_the_hosts_first_person_lines_are_not_items() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* I compare 5 Alpha API providers for speed (<a href='https://w.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Story how I built a playground (<a href='https://s.example'>X</a>)</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert names == ["Alpha One", "Beta Two", "Gamma 3"]


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        # A lowercase mode quoted right after the name belongs to it.
        ('Gemini Pro "deep think" mode', "Gemini Pro deep think", None),
        # A bare acronym names a field; the noun after it names the release.
        ("Microsoft adds MCP support to Windows OS", "MCP support", "Microsoft"),
        # Hiring is news about the company: the event is the name.
        (
            "OpenAI hires Jony Ive, launches IO, a new set of devices",
            "OpenAI hires Jony Ive",
            "OpenAI",
        ),
        # The maker in parentheses after the name.
        ("Codex (OpenAI)", "Codex", "OpenAI"),
        ("Claude Code (Anthropic)", "Claude Code", "Anthropic"),
        # A subject that has a new lowercase thing: the two name it.
        ("Qwen has a new web portal with all their models", "Qwen web portal", None),
    ],
)
def test_more_line_shapes_name_their_release(headline: str, name: str, org: str | None) -> None:
    assert split_name(headline) == (name, org)


def test_a_dash_titled_line_without_link_in_a_linked_list_is_a_release() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Search Mode is now in GA in US - bye bye rivals</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>* supports 12 languages</p>"
        "<p>* Interview with Jane Doe - the team behind it</p>"
        "<p>* Open Source LLMs - this week</p>"
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Alpha One", "Beta Two", "Search Mode", "Gamma 3"]
    assert items[-1].details == (
        "supports 12 languages",
        "Interview with Jane Doe - the team behind it",
        "Open Source LLMs - this week",
    )


def test_a_linked_paragraph_after_the_list_ends_it() -> None:
    # The TL;DR list, then the body: a release written as a linked paragraph with its
    # details as bullets. The body's bullets are not releases of the list.
    html = (
        "<p>TL;DR of all topics covered:</p>"
        "<p><strong>Open Source LLMs</strong></p>"
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>Big CO LLMs + APIs</p>"
        "<p>Alpha One shows extreme performance (<a href='https://a.example/2'>example</a>)</p>"
        "<p>* Vocab size is 256K</p>"
        "<p>* Alex was in SF last week</p>"
        "<p>* Tokenizer similar to Llama</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert names == ["Alpha One", "Beta Two", "Gamma 3"]


def test_a_prose_title_saying_maker_releases_something_is_a_release() -> None:
    body = "A paragraph about it that is long enough to read as the text under a title line."
    html = "".join(
        f"<p>{title}</p><p>{body}</p>"
        for title in (
            "Alpha releases Qwen7b",
            "GTE-large a new embedding model",
            "OpenOrca 2 preview",
            "Hyper-write releases a personal assistant",
        )
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert "Hyper-write" in names and len(names) == 4


def test_a_name_line_is_a_sibling_release_and_a_quantity_line_a_detail() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Github Copilot code is open source! (frontend)"
        " (<a href='https://g.example'>X</a>)</p>"
        "<p>* Github Copilot Agent Mode</p>"
        "<p>* Nimbus Rewind is now Limitless (<a href='https://r.example'>X</a>)</p>"
        "<p>* 100hours</p>"
        "<p>* Virtual Try-on in Google Shopping</p>"
        "<p>* AI powered glasses with a screen, memory, Gemini built in - Agentic Project Astra</p>"
    )
    items = extract_items(html_blocks(html))
    names = [i.name for i in items]
    assert names[3:] == [
        "Github Copilot Agent Mode",
        "Nimbus Rewind",
        "Virtual Try-on",
        "Agentic Project Astra",
    ]
    assert items[4].details == ("100hours",)


def test_markdown_bold_names_a_release_as_html_strong_does() -> None:
    from bot.feeds.blocks import markdown_blocks

    md = "\n\n".join(
        [
            "* Alpha releases **Alpha One** ([X](https://a.example))",
            "* Beta ships **Beta Two** ([HF](https://b.example))",
            "* Gamma drops **Gamma 3** ([Blog](https://c.example))",
            "* Google now processes over **980 trillion tokens** per month.",
            "* A week with **ChatGPT Agent**: testing its capabilities on real tasks.",
        ]
    )
    names = [i.name for i in extract_items(markdown_blocks(md))]
    assert "ChatGPT Agent" in names


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # No product on the line: the title's first six words (the documented rule, not four).
        (
            "Open Source long context pressure test analysis",
            "Open Source long context pressure test",
        ),
        # ... and never past the title's dash.
        ("Udio - upload your own audio feature", "Udio"),
        # A sentence opening on "The": its subject, before the verb.
        (
            "The AI math breakthrough has a gut punch effect on the community",
            "AI math breakthrough",
        ),
        # A topic before a colon: the whole segment is scanned for the release.
        ("A week with ChatGPT Agent: testing its capabilities on real tasks.", "ChatGPT Agent"),
    ],
)
def test_names_of_lines_without_a_leading_product(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


def test_host_reports_without_a_subject_and_no_change_lines_are_not_items() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Sponsored a Nimbus hackathon in Paris (<a href='https://s.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Went to SF to cohost an event (<a href='https://w.example'>X</a>)</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>* No notable changes, Gamma 3 is still #6 (<a href='https://n.example'>X</a>)</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert names == ["Alpha One", "Beta Two", "Gamma 3"]


def test_a_summary_points_line_introduces_details_of_the_item_above() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Nimbus releases Mochi-9 video model (<a href='https://m.example'>X</a>)</p>"
        "<p>Summary Bullet Points:</p>"
        "<p>* Nimbus announces $28.4M Series A funding</p>"
        "<p>* Mochi-9 is an open-source video generation model</p>"
        "<p>* HD version of Mochi-9 is coming soon</p>"
        "<p>* Google releases Gemma 9</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
    )
    items = extract_items(html_blocks(html))
    assert [i.name for i in items] == ["Alpha One", "Beta Two", "Mochi-9", "Gemma 9", "Gamma 3"]
    assert "Mochi-9 is an open-source video generation model" in items[2].details


def test_a_release_linked_by_its_own_name_with_a_trailing_space_keeps_it() -> None:
    # An anchor's text often ends in a space ("<a>Redmond Puffin 13B </a>"): the line's
    # release is still the linked name, not the handle that opens the line.
    html = (
        "<ul><li><a href='https://h.example/nous'>@nousresearch</a> have released"
        " <a href='https://h.example/puffin'>Redmond Puffin 13B </a></li></ul>"
    )
    items = extract_items(html_blocks(html)) or []
    from bot.feeds.items import parse_item

    item = parse_item(html_blocks(html)[0], section="Other", section_original="Other")
    assert item is not None
    assert item.headline == "@nousresearch have released Redmond Puffin 13B"
    assert item.name == "Redmond Puffin 13B"
    assert all(i.name != "nousresearch have released" for i in items)


@pytest.mark.parametrize(
    ("headline", "url"),
    [
        ("Jules.google", "https://jules.google"),
        ("Everyone's talking about Manus - (manus.im)", "https://manus.im"),
        (
            "Fully Connected: the 2-day conference in SF fullyconnected.com - Promo",
            "https://fullyconnected.com",
        ),
    ],
)
def test_a_bare_domain_in_a_line_becomes_its_link(headline: str, url: str) -> None:
    from bot.feeds.items import parse_item

    item = parse_item(
        html_blocks(f"<p>* {headline}</p>")[0], section="Other", section_original="Other"
    )
    assert item is not None
    assert [link.url for link in item.links] == [url]
    assert item.headline == headline.removeprefix("* ")  # the domain stays in the text


@pytest.mark.parametrize(
    "headline",
    [
        "Yi-01.AI launches Yi-Lightning: a proprietary model",  # inside a word
        "Gemini 2.5 beats GPT-4.5, e.g. on math",  # versions and abbreviations
        "Mail me at me@mail.com for slots",  # an e-mail address
    ],
)
def test_no_link_is_made_from_what_is_not_a_bare_domain(headline: str) -> None:
    from bot.feeds.items import parse_item

    item = parse_item(
        html_blocks(f"<p>* {headline}</p>")[0], section="Other", section_original="Other"
    )
    assert item is not None and item.links == ()


def test_a_domain_already_linked_by_an_anchor_is_not_added_twice() -> None:
    from bot.feeds.items import parse_item

    html = (
        "<p>* TLdraw make real (<a href='http://makereal.tldraw.com'>makereal.tldraw.com</a>)</p>"
    )
    item = parse_item(html_blocks(html)[0], section="Other", section_original="Other")
    assert item is not None
    assert [link.url for link in item.links] == ["http://makereal.tldraw.com"]


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # A handle leads the line: it says who released it; the release follows the verb.
        (
            "@EnricoShippole with collaboration with Nous have released LLongMa, which"
            " extends the context window",
            "LLongMa",
        ),
        ("@nousresearch have released Redmond Puffin 13B", "Redmond Puffin 13B"),
        # A leading quantifier sets the release against others: it is no part of the name.
        ("Other GPT5 updates", "GPT5"),
        # A common adjective is no name: the product the title is about is.
        ("High taste testers take on GPT-5", "GPT-5"),
    ],
)
def test_handles_quantifiers_and_adjectives_do_not_name_a_release(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name


@pytest.mark.parametrize(
    "headline",
    [
        "Folks came up and talked about their needs from the agent protocol proposed by e2b",
        "Folks are trying to order food (like the demo of ordering pizzas)",
        "Many touted AI agents as a category and discussed their own frameworks",
    ],
)
def test_a_line_about_what_a_crowd_did_is_not_an_item(headline: str) -> None:
    from bot.feeds.items import parse_item

    html = f"<p>* {headline} (<a href='https://x.example/1'>X</a>)</p>"
    assert parse_item(html_blocks(html)[0], section="Other", section_original="Other") is None


def test_a_crowd_word_inside_a_release_line_keeps_it() -> None:
    from bot.feeds.items import parse_item

    html = (
        "<p>* Some folks are getting NERFs out from SVD (<a href='https://x.example/2'>X</a>)</p>"
    )
    item = parse_item(html_blocks(html)[0], section="Other", section_original="Other")
    assert item is not None


def test_a_topics_covered_list_without_links_is_one_topic_a_line() -> None:
    # A "Topics Covered:" list has no sub-bullets: a line opening with a plain word is
    # a topic of its own, not the detail of the line above (the guess for link-less
    # lists written with flattened sub-bullets).
    html = (
        "<p><strong>Topics Covered:</strong></p><ul>"
        "<li>Inside Google’s new “Zephyr” IDE</li>"
        "<li>How the “Task Board” changes coding workflows</li>"
        "<li>Gizmo 3’s new multimodal capabilities</li>"
        "<li>The power of “Artifacts” and dynamic memory</li>"
        "<li>Generating 4K assets with Nano Banana Pro</li>"
        "</ul><p>Timestamps for your viewing convenience.</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert names == [
        "Zephyr IDE",
        "Task Board",
        "Gizmo 3 new multimodal capabilities",
        "Artifacts",
        "Nano Banana Pro",
    ]


def test_a_linkless_list_after_another_marker_still_nests_details() -> None:
    # Only a topics list is read one topic a line; a TL;DR list keeps its details.
    html = (
        "<p>TL;DR of all topics:</p>"
        "<p>* Mamba - transformers alternative architecture</p>"
        "<p>* Dense model vs MOE</p>"
        "<p>* Phi-2 - small model from Microsoft</p>"
        "<p>* Gemini 2 - big model from Google</p>"
    )
    names = [i.name for i in extract_items(html_blocks(html))]
    assert "Dense model vs MOE" not in names and "Dense" not in names


@pytest.mark.parametrize(
    ("headline", "name", "org"),
    [
        ("Generating 4K assets with Nano Banana Pro", "Nano Banana Pro", None),
        (
            "Working with OpenAI RealTime Audio - Alex conversation with Kwindla",
            "RealTime Audio",
            "OpenAI",
        ),
        ("Coding with GPT-5", "GPT-5", None),
    ],
)
def test_a_gerund_topic_is_named_by_the_release_it_uses(
    headline: str, name: str, org: str | None
) -> None:
    assert split_name(headline) == (name, org)


def test_a_colon_line_naming_no_release_introduces_points_of_the_one_above() -> None:
    html = (
        "<p>* Alpha One - first (<a href='https://a.example'>X</a>)</p>"
        "<p>* Beta Two - second (<a href='https://b.example'>HF</a>)</p>"
        "<p>* Zephyr Speech LM is a multimodal model (<a href='https://z.example'>Blog</a>)</p>"
        "<p>* Has two versions:</p>"
        "<p>* Base: uses phonetic tokens</p>"
        "<p>* Gamma 3 - third (<a href='https://c.example'>Blog</a>)</p>"
        "<p>* Alibaba Qwen on a release streak again:</p>"
        "<p>* Qwen-Omega 7B - a new one (<a href='https://q.example'>HF</a>)</p>"
    )
    items = extract_items(html_blocks(html))
    names = [i.name for i in items]
    assert "Has two versions" not in names
    assert "Has two versions:" in items[2].details
