"""Make hostile feed text safe to show on Discord.

Feed text is untrusted.  Before it reaches a message it is:

* stripped of control and bidirectional-override characters (link spoofing);
* de-fanged: ``@everyone``, ``@here``, ``<@id>``, ``<@!id>``, ``<@&id>``,
  ``<#id>``, ``</cmd:id>`` and custom emoji/timestamps are broken with a
  zero-width space, so they show as text and ping nobody (every message
  also carries ``allowed_mentions`` that allow nothing, belt and braces);
* escaped: Discord markdown that would change meaning (bold/italic,
  strikethrough, spoilers, code, masked links, headers, quotes, lists)
  gets a backslash, which Discord renders as the literal character.

URLs go through ``safe_url``: only http(s), with the characters that would
end a masked link percent-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from bot.safetext import BIDI_CONTROLS, linkable

ZWSP = "\u200b"

#: Longest URL put into a masked link; longer ones are shown as plain label text.
MAX_URL_CHARS = 512

_BIDI_AND_INVISIBLE = dict.fromkeys([*BIDI_CONTROLS, 0xFEFF])  # and BOM / zero-width no-break

# No word boundary after the name: Discord pings "@everyone123" too.
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
# <@123>, <@!123>, <@&123>, <#123>, </cmd:123>, <:emoji:123>, <a:emoji:123>, <t:123:R>, <id:home>
_ANGLE_TOKEN = re.compile(r"<(?=[@#:/]|a:|t:|id:)", re.IGNORECASE)
# Inline markdown characters that never need to be literal-and-active in feed text.
_INLINE_SPECIALS = re.compile(r"([\\*_~`|\[\]()])")
# Block syntax that only means something at the start of a line.
_LINE_START = re.compile(r"^([ \t]*)(#{1,3}\s|-#\s|>|[-+]\s)", re.MULTILINE)
_NUMBERED = re.compile(r"^([ \t]*\d+)([.)]\s)", re.MULTILINE)

# Bare URLs are left unescaped (Discord autolinks them; a backslash would break them).
# A bracket ends one: "https://x|[label](javascript:...)" must not pass as a URL unescaped.
_BARE_URL = re.compile(r"https?://[^\s<\[\]]+[^<.,:;\"'\[\]\s)]")

# Characters that may not appear raw inside ``(...)`` of a masked link.
_URL_SAFE = "/:?#@!$&'*+,;=%~.-_"


def strip_unsafe_chars(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and bidi overrides."""
    text = text.translate(_BIDI_AND_INVISIBLE)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def neutralise_mentions(text: str) -> str:
    """Break every mention-like token with a zero-width space so it pings nobody."""
    text = _MASS_MENTION.sub(lambda m: "@" + ZWSP + m.group(1), text)
    return _ANGLE_TOKEN.sub("<" + ZWSP, text)


def escape_markdown(text: str) -> str:
    """Backslash-escape Discord markdown so ``text`` renders literally (bare URLs kept)."""
    pieces: list[str] = []
    last = 0
    for match in _BARE_URL.finditer(text):
        pieces.append(_INLINE_SPECIALS.sub(r"\\\1", text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_INLINE_SPECIALS.sub(r"\\\1", text[last:]))
    text = "".join(pieces)
    text = _NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def clean(text: str | None, *, single_line: bool = False) -> str:
    """Feed text made safe for any Discord text field (content, title, description, field)."""
    if not text:
        return ""
    text = strip_unsafe_chars(text)
    if single_line:
        text = " ".join(text.split())
    else:
        text = re.sub(r"[ \t]+\n", "\n", text).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
    return escape_markdown(neutralise_mentions(text))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, encoded for use inside ``[label](url)``.

    Returns None for anything else (``javascript:``, relative, with credentials,
    malformed, too long).
    """
    if not url:
        return None
    url = strip_unsafe_chars(url).strip()
    if any(ch.isspace() for ch in url) or len(url) > MAX_URL_CHARS:
        return None
    if linkable(url) is None:
        return None
    encoded = quote(url, safe=_URL_SAFE)
    encoded = _MASS_MENTION.sub(lambda m: "%40" + m.group(1), encoded)
    return encoded if len(encoded) <= MAX_URL_CHARS else None


def _looks_like_url(label: str) -> bool:
    low = label.strip().lower()
    return "://" in low or low.startswith("www.")


def masked_link(label: str | None, url: str | None) -> str:
    """A masked link ``[label](url)`` with both parts made safe.

    An unsafe URL leaves just the (escaped) label; a label that itself looks
    like a URL is replaced by the host name, since Discord distrusts (and
    users should distrust) links whose text is a different address.
    """
    target = safe_url(url)
    text = (label or "").strip()
    if target is None:
        return clean(text or "link", single_line=True)
    if not text or _looks_like_url(text):
        text = urlsplit(target).hostname or "link"
    text = text.replace("[", "").replace("]", "")
    return f"[{clean(text, single_line=True) or 'link'}]({target})"


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Cut already-escaped ``text`` to at most ``limit`` characters.

    Never leaves a dangling backslash or half a masked link; prefers to
    cut at a line break or space.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    # Back off to a word boundary when one is reasonably near.
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary >= len(cut) * 0.6:
        cut = cut[:boundary]
    # Do not cut inside a masked link "[...](...)".
    open_link = cut.rfind("](")
    if open_link != -1 and ")" not in cut[open_link:]:
        start = cut.rfind("[", 0, open_link)
        while start > 0 and cut[start - 1] == "\\":
            start = cut.rfind("[", 0, start - 1)
        cut = cut[: max(start, 0)]
    # A trailing odd run of backslashes would escape the ellipsis.
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ellipsis
