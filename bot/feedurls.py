"""Showing feed URLs without their secrets: the one rule, pure.

Private podcast and newsletter feeds carry their credential in the URL:
``https://user:pass@host/feed``, Substack's ``?token=…``, Patreon's
``?auth=…``, Supercast or Transistor tokens in the path or the query.  The
database keeps the whole URL (it is the feed's identity and what is
fetched); everything shown to a person or written to a log goes through
``redact_feed_url`` (one URL) or ``redact_urls`` (free text such as an error
message that may quote a URL).

What is hidden, each replaced by ``…`` so a reader still sees where it was:

* user info (``user:pass@``);
* the value of a query parameter whose name looks like a credential
  (``token``, ``auth``, ``key``, ``api_key``, ``secret``, ``sig``,
  ``password``, ``access_token``, ``session``, … also as a part of a longer
  name such as ``private_token`` or ``X-Amz-Signature``); other parameters stay;
* a path segment that looks like a token rather than a name: a UUID or a
  long hex string, or a run of 20+ letters and digits without hyphens that
  mixes both (a slug like ``episode-2024-ai-news`` or a numeric id stays).

Webhook URLs are stricter (``bot.targets.redact_url`` hides the whole path):
a feed URL is mostly public, and the host and show path help an operator.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "…"

#: Query parameter names (or parts of them, split at ``_``, ``-``, ``.``) that hold a credential.
SECRET_PARAMS = frozenset(
    {
        "token",
        "auth",
        "key",
        "apikey",
        "secret",
        "sig",
        "signature",
        "password",
        "passwd",
        "pass",
        "accesstoken",
        "session",
        "sessionid",
        "credential",
        "credentials",
    }
)

_UUID_OR_HEX = re.compile(
    r"^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[0-9a-fA-F]{16,})$"
)
_LONG_TOKEN = re.compile(r"^(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{20,}$")
#: A URL inside free text: scheme, ``://``, then up to white space or a quote.
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s<>\"'`]+")
_TRAILING = ".,;:!?)]}"


def secret_param(name: str) -> bool:
    """Whether a query parameter named ``name`` looks like it holds a credential."""
    lowered = name.lower()
    if lowered.replace("_", "").replace("-", "").replace(".", "") in SECRET_PARAMS:
        return True
    return any(part in SECRET_PARAMS for part in re.split(r"[_.\-]", lowered))


def _secret_segment(segment: str) -> bool:
    stem = segment.rsplit(".", 1)[0] if "." in segment else segment
    return bool(_UUID_OR_HEX.match(stem) or _LONG_TOKEN.match(stem))


def _redact_segment(segment: str) -> str:
    if not _secret_segment(segment):
        return segment
    stem, dot, ext = segment.rpartition(".")
    return f"{HIDDEN}.{ext}" if dot and stem and len(ext) <= 5 else HIDDEN


def _redact_query(query: str) -> str:
    if not query:
        return query
    out = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        out.append(f"{name}={HIDDEN}" if eq and value and secret_param(name) else pair)
        if not eq and secret_param(name):
            out[-1] = name  # a bare flag named "token" has no value to hide
    return "&".join(out)


def redact_feed_url(url: str) -> str:
    """``url`` as it may be shown or logged: credentials hidden, the rest kept.

    Anything without ``://`` (a local file path) is returned as it is; a URL
    that does not parse is hidden whole but for its scheme.
    """
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.split("://", 1)[0] + "://" + HIDDEN
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    if parts.username is not None or parts.password is not None:
        netloc = f"{HIDDEN}@{netloc}"
    path = "/".join(_redact_segment(segment) for segment in parts.path.split("/"))
    query = _redact_query(parts.query)
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _redact_match(match: re.Match[str]) -> str:
    found = match.group(0)
    trimmed = found.rstrip(_TRAILING)
    return redact_feed_url(trimmed) + found[len(trimmed) :]


def redact_urls(text: str) -> str:
    """``text`` with every URL in it passed through ``redact_feed_url`` (error messages)."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(_redact_match, text)
