"""Fuzzed feeds: hostile and mutated inputs for parsing, extraction and rendering.

One seeded generator serves the fuzz tests (a few hundred cases) and the
``make bench`` part (2,000).  A case is small fixtures written here or a real
feed from ``../shared/feeds`` (read when run, never copied), then mutated:
truncated, bytes flipped, hostile text spliced in (mentions, bidi and
zero-width characters, bad character references, ``javascript:`` links,
huge attributes) or hostile shapes (deep nesting, thousands of bullets, one
very long line).

``run_case`` parses a case as the engine does, then renders every episode's
digest and a release reply per item through the console, Slack and Discord
renderers.  Only digestbot's own errors may escape; anything else is a bug.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.digest import compose
from bot.errors import DigestbotError
from bot.feeds.parse import parse_source
from bot.models import Episode, EpisodeRef, Item, ParsedEpisode, ReleaseReply

SHARED_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "feeds"
#: Longest prefix of a real feed a case starts from (keeps a case's cost small).
MAX_REAL_BYTES = 300_000

MENTIONS = (
    "@everyone",
    "@here",
    "@channel",
    "<@123456789012345678>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|team>",
    "</digest:123>",
    "<t:1700000000:R>",
)
INVISIBLE = (
    "\u202egnp.exe\u202c",
    "\u2066isolated\u2069",
    "\u202aembedded\u202b",
    "\u200eLRM\u200fRLM\u061c",
    "zero\u200bwidth\u200c\u200djoiner\u2060",
    "\ufeffbom",
    "\x1b[31mred\x1b[0m",
    "\x00nul\x07bell",
)
CHAR_REFS = (
    "&#xD83D;&#xDE00;",
    "&#55357;&#56832;",
    "&#xD800;",
    "&#xDFFF;",
    "&#x110000;",
    "&#1114112;",
    "&#99999999999999999999;",
    "&#0;",
    "&#1;",
    "&#xFFFE;",
    "&#xD83D",
)
MARKUP = (
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block```",
    "# heading\n> quote\n- list",
    "[label](https://evil.example/x)",
    "[click](javascript:alert(1))",
    "<https://example.org|spoofed label>",
    "*italic* _it_ <b>b</b>",
)
HTML_SNIPPETS = (
    '<a href="javascript:alert(1)">Release Alpha</a>',
    '<a href="JaVaScRiPt:alert(1)">Release Beta</a>',
    '<a href="https://ok.example/x" onclick="steal()">Good link</a>',
    "<script>alert(1)</script>",
    "<style>p{}</style>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<!-- unterminated comment",
    "<![CDATA[ nested ]]>",
    "<svg><script>alert(1)</script></svg>",
)


def _pick(rng: random.Random, pool: tuple[str, ...], count: int = 1) -> str:
    return " ".join(rng.choice(pool) for _ in range(count))


def hostile_text(rng: random.Random) -> str:
    """A line of feed text holding a mix of everything hostile."""
    pools = (MENTIONS, INVISIBLE, CHAR_REFS, MARKUP)
    return " ".join(_pick(rng, rng.choice(pools)) for _ in range(rng.randint(1, 4)))


def _xml_text(text: str) -> str:
    """``text`` escaped for XML character data, keeping character references."""
    return text.replace("&", "&amp;").replace("&amp;#", "&#").replace("<", "&lt;")


# --- shapes ----------------------------------------------------------------------


def deep_nesting(depth: int, tag: str = "div") -> str:
    """``depth`` nested elements around one line of text."""
    return f"<{tag}>" * depth + "deep text" + f"</{tag}>" * depth


def many_bullets(count: int) -> str:
    """``count`` bullets, Substack's flat ``<p>* ...</p>`` form, each with a link."""
    return "".join(
        f'<p>* <a href="https://example.org/r{i}">Release {i}</a> - note {i}</p>'
        for i in range(count)
    )


def long_line(chars: int) -> str:
    """One paragraph of ``chars`` characters: words, no markup."""
    words = ("model", "release", "open", "weights", "Kokoro", "@here")
    line = " ".join(words[i % len(words)] for i in range(chars // 6 + 1))
    return "<p>" + line[:chars] + "</p>"


def huge_attribute(chars: int) -> str:
    """An anchor and a paragraph with attributes of ``chars`` characters."""
    return (
        f'<a href="https://example.org/{"a" * chars}">huge href</a>'
        f'<p title="{"x" * chars}" class="{"y" * (chars // 2)}">huge attributes</p>'
    )


def _shape(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return deep_nesting(rng.randint(500, 20_000), rng.choice(("div", "ul", "b", "span")))
    if kind == 1:
        return many_bullets(rng.randint(100, 3_000))
    if kind == 2:
        return long_line(rng.randint(10_000, 300_000))
    if kind == 3:
        return huge_attribute(rng.randint(1_000, 100_000))
    return "".join(f"<b id={i}>x" for i in range(rng.randint(500, 10_000)))


# --- fixtures ---------------------------------------------------------------------


def _episode_html(rng: random.Random, n: int) -> str:
    lines = [f"<p>Episode {n} notes {hostile_text(rng)}</p>", "<p><strong>TL;DR</strong></p>"]
    for i in range(rng.randint(1, 12)):
        link = rng.choice(
            (
                f'<a href="https://example.org/{n}/{i}">Model {n}.{i}</a>',
                rng.choice(HTML_SNIPPETS),
                f'<a href="https://x.example/{n}/{i}">{hostile_text(rng)}</a>',
            )
        )
        lines.append(f"<p>* {link} - {hostile_text(rng)}</p>")
    lines.append("<ul>" + "".join(f"<li>{hostile_text(rng)}</li>" for _ in range(3)) + "</ul>")
    if rng.random() < 0.3:
        lines.insert(rng.randrange(len(lines)), _shape(rng))
    return "".join(lines)


def rss_feed(rng: random.Random, *, cdata: bool) -> bytes:
    """An RSS feed of a few episodes, notes in CDATA or escaped."""
    items = []
    for n in range(rng.randint(1, 4)):
        body = _episode_html(rng, n)
        description = f"<![CDATA[{body}]]>" if cdata else _xml_text(body)
        items.append(
            f"<item><title>{_xml_text('Episode ' + hostile_text(rng))}</title>"
            f"<link>https://example.org/p/{n}</link><guid>g{n}</guid>"
            f"<pubDate>Thu, 0{n + 1} Jan 2025 10:00:00 GMT</pubDate>"
            f"<description>{description}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{_xml_text('Show ' + hostile_text(rng))}</title>{''.join(items)}"
        "</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def atom_feed(rng: random.Random) -> bytes:
    """An Atom feed with HTML content."""
    entries = "".join(
        f"<entry><title>{_xml_text(hostile_text(rng))}</title><id>urn:e{n}</id>"
        f'<link href="https://example.org/a/{n}"/><updated>2025-01-0{n + 1}T00:00:00Z</updated>'
        f'<content type="html">{_xml_text(_episode_html(rng, n))}</content></entry>'
        for n in range(rng.randint(1, 3))
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom show</title>{entries}</feed>"
    ).encode("utf-8", "surrogatepass")


def markdown_doc(rng: random.Random) -> bytes:
    """A Markdown show-notes export."""
    bullets = "\n".join(
        f"* [{hostile_text(rng)}](https://example.org/m/{i}) - {hostile_text(rng)}"
        for i in range(rng.randint(1, 15))
    )
    return (
        f"# Episode {hostile_text(rng)}\n\n**Date:** January 9, 2025\n\n"
        f"## TL;DR\n\n{bullets}\n\n* [bad](javascript:alert(1)) {hostile_text(rng)}\n"
    ).encode("utf-8", "surrogatepass")


def html_doc(rng: random.Random) -> bytes:
    """An HTML page holding one episode."""
    return (
        f"<!doctype html><html><head><title>{hostile_text(rng)}</title></head>"
        f"<body><h1>Episode {hostile_text(rng)}</h1>{_episode_html(rng, 0)}</body></html>"
    ).encode("utf-8", "surrogatepass")


# --- mutations --------------------------------------------------------------------


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random mutations of ``data``."""
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0:  # truncation
            data = data[:at]
        elif kind == 1:  # byte flips
            buf = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                if buf:
                    buf[rng.randrange(len(buf))] = rng.randrange(256)
            data = bytes(buf)
        elif kind == 2:  # hostile text, raw
            data = data[:at] + hostile_text(rng).encode("utf-8", "surrogatepass") + data[at:]
        elif kind == 3:  # an HTML snippet, raw or escaped
            snippet = rng.choice(HTML_SNIPPETS)
            if rng.random() < 0.5:
                snippet = _xml_text(snippet)
            data = data[:at] + snippet.encode() + data[at:]
        elif kind == 4:  # a hostile shape inside the first description or CDATA
            body = data.find(b"<![CDATA[")
            shape = _shape(rng)
            if body >= 0:
                data = data[: body + 9] + shape.encode() + data[body + 9 :]
            elif rng.random() < 0.5:  # raw markup in the XML (as some feeds write notes)
                data = data[:at] + shape.encode() + data[at:]
            else:
                data = data[:at] + _xml_text(shape).encode() + data[at:]
        else:  # a slice repeated
            end = min(len(data), at + rng.randint(1, 2_000))
            data = data[:end] + data[at:end] * rng.randint(1, 5) + data[end:]
    return data


def real_feeds() -> list[Path]:
    """The shared real feeds, when ../shared is there."""
    if not SHARED_FEEDS.is_dir():
        return []
    return sorted(p for p in SHARED_FEEDS.iterdir() if p.is_file() and p.suffix != ".txt")


@dataclass(frozen=True)
class Case:
    """One fuzzed input and the file name it is parsed under."""

    label: str
    name: str
    data: bytes


def cases(seed: int, count: int, *, real: bool = True) -> Iterator[Case]:
    """``count`` fuzzed inputs from ``seed`` (the same inputs for the same seed)."""
    rng = random.Random(seed)
    feeds = real_feeds() if real else []
    cache: dict[Path, bytes] = {}
    for n in range(count):
        kind = rng.randrange(6 if feeds else 5)
        if kind == 5:
            path = rng.choice(feeds)
            if path not in cache:
                cache[path] = path.read_bytes()
            data = cache[path][: rng.randint(2_000, MAX_REAL_BYTES)]
            label, name = f"real {path.name}", path.name
        elif kind == 4:
            data, label, name = markdown_doc(rng), "markdown", "notes.md"
        elif kind == 3:
            data, label, name = html_doc(rng), "html", "page.html"
        elif kind == 2:
            data, label, name = atom_feed(rng), "atom", "feed.atom"
        else:
            data, label, name = rss_feed(rng, cdata=kind == 0), "rss", "feed.rss"
        if rng.random() < 0.7:
            data = mutate(rng, data)
            label += " mutated"
        yield Case(f"{n}: {label}", name, data)


# --- running a case ---------------------------------------------------------------


@dataclass
class Outcome:
    """What one case did: CPU seconds, our own error (if any), and the payloads."""

    cpu: float
    error: str | None = None
    payloads: dict[str, list[Any]] = field(default_factory=dict)


def _items(episode: ParsedEpisode, n: int) -> tuple[Episode, list[Item]]:
    ref = EpisodeRef(id=f"ep{n}", title=episode.title, published=episode.published, url=episode.url)
    stored = Episode(
        id=ref.id,
        feed="fuzz",
        title=episode.title,
        published=episode.published,
        url=episode.url,
        chapters=episode.chapters,
        item_count=len(episode.items),
    )
    items = [
        Item(
            id=f"{ref.id}-{pos}",
            episode=ref,
            position=pos,
            name=parsed.name,
            org=parsed.org,
            section=parsed.section,
            section_original=parsed.section_original,
            headline=parsed.headline,
            summary=parsed.summary or parsed.headline,
            facts=parsed.facts,
            links=parsed.links,
            chapter=parsed.chapter,
        )
        for pos, parsed in enumerate(episode.items)
    ]
    return stored, items


def run_case(case: Case, *, render: bool = True, max_releases: int = 5) -> Outcome:
    """Parse ``case`` and render what it yields on every platform.

    Raises anything that is not a ``DigestbotError`` (a bug: a traceback).
    """
    from adapters.console import render as console
    from adapters.discord import render as discord
    from adapters.slack import render as slack

    payloads: dict[str, list[Any]] = {"console": [], "slack": [], "discord": []}
    start = time.process_time()
    try:
        feed = parse_source(case.data, case.name)
    except DigestbotError as exc:
        return Outcome(time.process_time() - start, error=str(exc))
    if render:
        for n, episode in enumerate(feed.episodes):
            stored, items = _items(episode, n)
            digest = compose([(stored, items)])
            payloads["console"].append(console.render_digest(digest))
            payloads["slack"].extend(slack.render_digest(digest))
            payloads["discord"].extend(discord.render_digest(digest))
            for item in items[:max_releases]:
                reply = ReleaseReply(item=item)
                payloads["console"].append(console.render(reply))
                payloads["slack"].extend(slack.render_reply(reply))
                payloads["discord"].extend(discord.render_reply(reply))
    return Outcome(time.process_time() - start, payloads=payloads)
