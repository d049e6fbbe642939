"""Text and link hygiene: mojibake repair, whitespace, and safe, private links.

Feed text is hostile.  Links keep only http(s) URLs, lose tracking
parameters and share tokens, and never carry an e-mail address.  Mojibake
(UTF-8 read as Mac Roman or Windows-1252, as in Markdown exports) is
repaired only where its tell-tale characters appear, because running ftfy
over a whole feed costs seconds.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Characters that UTF-8 multi-byte sequences turn into when read as Mac Roman
# ("‚Äô", "\uf8ffüëã") or Windows-1252 ("â€™", "Ã©").
_MOJIBAKE_HINT = re.compile("‚Ä|\uf8ff|√|â€|Ã[\x80-\xbf]|Ã©|ðŸ")
# The first character of each hint (none of them is a regex metacharacter).
_MOJIBAKE_FIRST = "".join(sorted({hint[0] for hint in _MOJIBAKE_HINT.pattern.split("|")}))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_SPACE_CHARS = "\t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(rf"[ {_SPACE_CHARS}]+")
# Zero-width characters and C0/C1 controls (terminal escapes) never reach a message.
_INVISIBLE_CHARS = "\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f\x80-\x9f"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_OTHER_SPACE = re.compile(f"[{_SPACE_CHARS}]")
_ODD_CHARS = re.compile(f"[{_SPACE_CHARS}{_INVISIBLE_CHARS}]")

_TRACKING_PARAMS = frozenset(
    {
        "token",
        "fbclid",
        "gclid",
        "dclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "ref_src",
        "ref_url",
        "igshid",
        "si",
        "publication_id",
        "post_id",
        "isfreemail",
        "triedredirect",
        "r",
        "s",
        "email",
        "oauth_sub",
        "action",
        # credentials that leak through copied sign-in links
        "code",
        "state",
        "id_token",
        "access_token",
        "refresh_token",
        "auth",
        "sig",
        "signature",
        "session",
        "sessionid",
        "api_key",
        "apikey",
        "key",
        "password",
    }
)
_TRACKING_PREFIXES = ("utm_", "mkt_", "pk_")
_EMAIL = re.compile(r"[^@\s/?#&=]+@[^@\s/?#&=]+\.[a-z]{2,}|%40", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[\W_]+")
_SAFE_SCHEMES = frozenset({"http", "https"})
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%!$&'()*+,;=:/-]*)?(?:\?[A-Za-z0-9._~%!$&'()*+,;=:/?-]*)?\Z"
)


# A query that may hold something to strip; built from the lists above so they stay one.
_SUSPECT_QUERY = re.compile(
    r"[?&](?:"
    + "|".join(re.escape(p) for p in sorted(_TRACKING_PARAMS | set(_TRACKING_PREFIXES)))
    + r")|%40|@|[?&][?&]",
    re.IGNORECASE,
)


def _repair_run(run: str) -> str:
    for codec in ("mac_roman", "cp1252"):
        try:
            return run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return run


def has_mojibake(text: str) -> bool:
    """Whether ``text`` shows signs of UTF-8 decoded with the wrong codec."""
    # Every hint opens with one of these characters: six scans in C are ten times
    # cheaper than the alternation over a whole episode's HTML, and nearly always enough.
    if not any(first in text for first in _MOJIBAKE_FIRST):
        return False
    return _MOJIBAKE_HINT.search(text) is not None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-Mac-Roman/Windows-1252, cheaply when there is none.

    Each run of non-ASCII characters is re-decoded when that gives valid
    UTF-8 (exact for Mac Roman, which ftfy leaves half-fixed around emoji);
    ftfy then mends what is left.
    """
    if not has_mojibake(text):
        return text
    text = _NON_ASCII_RUN.sub(lambda m: _repair_run(m.group(0)), text)
    if has_mojibake(text):
        import ftfy  # only for text with mojibake: its import costs 30 ms a lookup never needs

        text = ftfy.fix_text(text, normalization=None)
    return text


def clean_text(text: str) -> str:
    """Collapse white space and drop invisible characters (one line of text)."""
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def replace_odd_spaces(text: str) -> str:
    """Tabs, newlines and exotic spaces become plain spaces; invisible characters go.

    Leaves runs of spaces alone (see ``normalise_space``): over a whole
    document a character-class search is cheap, collapsing runs is not.
    """
    if _ODD_CHARS.search(text):
        text = _OTHER_SPACE.sub(" ", _INVISIBLE.sub("", text))
    return text


def normalise_space(text: str) -> str:
    """Like ``clean_text`` without the strip: odd spaces replaced, runs collapsed."""
    text = replace_odd_spaces(text)
    while "  " in text:  # str.replace beats a regex here by ~10x
        text = text.replace("    ", " ").replace("  ", " ")
    return text


def clean_url(url: str) -> str | None:
    """Return a safe, private form of ``url``, or ``None`` when it must be dropped.

    Keeps only http(s); drops tracking parameters (utm_*, share tokens, ...),
    any query parameter or fragment holding an e-mail address, and user info.
    """
    url = url.strip()
    if _PLAIN_URL.match(url) and not _SUSPECT_QUERY.search(url):
        return url  # the common case: nothing to strip, nothing unsafe
    if not url or any(c in url for c in "\x00\r\n\t <>\"'`"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.hostname:
        return None
    query = _private_params(parts.query)
    fragment = parts.fragment
    if _EMAIL.search(fragment):
        fragment = ""
    elif "=" in fragment:  # a query-like fragment ("#token=...") gets the same filtering
        fragment = urlencode(_private_params(fragment), safe=":/,+")
    netloc = parts.netloc.rpartition("@")[2]  # never keep user:password@
    return urlunsplit(
        (parts.scheme.lower(), netloc, parts.path, urlencode(query, safe=":/,+"), fragment)
    )


def _private_params(query: str) -> list[tuple[str, str]]:
    """Query parameters minus tracking ones, share tokens and any holding an e-mail."""
    kept = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        bare = key.lower().lstrip("?&")  # "?utm_source" from a doubled "?"
        if bare in _TRACKING_PARAMS or bare.startswith(_TRACKING_PREFIXES):
            continue
        if not _EMAIL.search(value):
            kept.append((key, value))
    return kept


def canonical_link(url: str | None) -> str | None:
    """The identity form of an episode link: scheme, host and path, no query."""
    if not url:
        return None
    cleaned = clean_url(url)
    if cleaned is None:
        return None
    parts = urlsplit(cleaned)
    return f"{parts.hostname}{parts.path.rstrip('/')}".lower()


def name_key(text: str) -> str:
    """Lower-case letters and digits only: 'Phi-4', 'PHI4' and 'phi 4' all give 'phi4'."""
    return _NOT_ALNUM.sub("", text.casefold())
