"""The optional LLM summariser: an OpenAI-compatible chat-completions endpoint.

Works with OpenAI, a local Ollama, vLLM or llama.cpp server: anything that
answers ``POST {base_url}/chat/completions``.  The base URL and model come
from ``[llm]`` in config.toml; the API key only from ``DIGESTBOT_LLM_API_KEY``
(and is never logged).

For each item the model gets the passage of the episode that discusses it
(found by the extractive summariser) and is asked for the same fields as
JSON.  The answer is validated with pydantic and checked against the
episode text: a fact the text does not contain is dropped, and a summary
holding a number the text does not is rejected.  Answers are cached in the
store by a hash of what was asked.  On any failure (no server, timeout, bad
status, bad JSON, an invented number) the item keeps its extractive summary
and the reason is logged; after a connection failure or timeout no further
calls are made in the same run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.config import LLMSettings
from bot.errors import ConfigError, DigestbotError
from bot.models import Facts, ParsedFeed
from bot.summarise.episode_text import EpisodeText, ItemLike
from bot.summarise.extractive import Summary, summarise_item
from bot.summarise.facts import hold_to_headline, verify_facts

if TYPE_CHECKING:
    from bot.store.protocol import StoreLike

log = logging.getLogger(__name__)

API_KEY_ENV = "DIGESTBOT_LLM_API_KEY"
#: Bumped whenever the prompt changes, so cached answers to the old one are not reused.
PROMPT_VERSION = 1
MAX_PASSAGE_CHARS = 4000
MAX_SUMMARY_CHARS = 900
MAX_RESPONSE_BYTES = 200_000

SYSTEM_PROMPT = (
    "You summarise AI release news for a chat bot. You are given a release name, its "
    "show-notes line and the part of a podcast episode's notes that discusses it. Use only "
    "that text: never add knowledge of your own. Reply with a single JSON object and nothing "
    "else."
)
USER_TEMPLATE = """Release: {name}
Show-notes line: {headline}

Episode text about it:
<<<
{passage}
>>>

Reply with this JSON object:
{{"summary": "2 or 3 plain sentences saying what the release is and why it matters, most \
informative first",
 "facts": {{"org": "who released it, or null",
           "parameters": ["parameter counts exactly as written, e.g. 14B"],
           "license": "the license as written, or null",
           "context": "the context length as written, e.g. 16K, or null",
           "scores": ["benchmark results as written, e.g. 80.4 on MATH"]}}}}
Copy every fact exactly as the text writes it; use null or [] when the text does not say."""

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.I)


class LLMError(DigestbotError):
    """The LLM endpoint failed or answered something unusable."""


class LLMUnreachable(LLMError):
    """The endpoint could not be reached or timed out: further calls would too."""


class LLMFacts(BaseModel):
    """Facts as the model reports them (checked against the text afterwards)."""

    model_config = ConfigDict(extra="ignore")

    org: str | None = None
    parameters: list[str] = Field(default_factory=list, max_length=8)
    license: str | None = None
    context: str | None = None
    scores: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("parameters", "scores", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        """Models write a single value where a list was asked for; nulls become empty."""
        if value is None:
            return []
        if isinstance(value, str | int | float):
            return [str(value)]
        if isinstance(value, list):
            return [str(v) for v in value if v is not None and str(v).strip()]
        return value

    @field_validator("org", "license", "context", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, str) and value.strip().lower() in ("", "null", "none", "n/a"):
            return None
        return value


class LLMAnswer(BaseModel):
    """The JSON object the model must reply with."""

    model_config = ConfigDict(extra="ignore")

    summary: str = Field(min_length=1, max_length=MAX_SUMMARY_CHARS)
    facts: LLMFacts = Field(default_factory=LLMFacts)

    @field_validator("summary")
    @classmethod
    def _clean(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("empty summary")
        return value


def parse_answer(content: str) -> LLMAnswer:
    """The model's reply as an ``LLMAnswer``; raises ``LLMError`` when it is not one."""
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise LLMError("the reply holds no JSON object")
    try:
        return LLMAnswer.model_validate_json(text[start : end + 1])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise LLMError(f"the reply is not the JSON asked for ({where}: {first['msg']})") from None


def check_answer(
    answer: LLMAnswer, episode_text: str, fallback: Summary, item: ItemLike
) -> Summary:
    """The answer as a ``Summary``, held to the episode text.

    Raises ``LLMError`` when the summary states a number the text does not
    (an invented figure); facts the text does not contain, or that contradict
    the item's headline (a size it does not state), are dropped, and
    fields the model left empty keep what the extractive summariser found.
    """
    for number in _NUMBER.findall(answer.summary):
        if number not in episode_text:
            raise LLMError(f"the summary states {number!r}, which the episode does not")
    raw = answer.facts
    claimed = Facts(
        org=raw.org,
        parameters=tuple(raw.parameters),
        license=raw.license,
        context=raw.context,
        scores=tuple(raw.scores),
    )
    checked = hold_to_headline(verify_facts(claimed, episode_text), item.name, item.headline)
    dropped = _dropped(claimed, checked)
    if dropped:
        log.info("LLM facts for %r not in the episode text, dropped: %s", item.name, dropped)
    base = fallback.facts
    facts = Facts(
        org=checked.org or base.org,
        parameters=checked.parameters or base.parameters,
        license=checked.license or base.license,
        context=checked.context or base.context,
        scores=checked.scores or base.scores,
        timestamp=base.timestamp,  # from the chapter markers, never from the model
    )
    return Summary(answer.summary, facts, True)


def _dropped(claimed: Facts, checked: Facts) -> list[str]:
    out: list[str] = []
    for name in ("org", "license", "context"):
        value = getattr(claimed, name)
        if value and not getattr(checked, name):
            out.append(f"{name}={value!r}")
    for name in ("parameters", "scores"):
        kept = set(getattr(checked, name))
        out += [f"{name}={v!r}" for v in getattr(claimed, name) if v not in kept]
    return out


def cache_key(model: str, item: ItemLike, passage: str) -> str:
    """The content hash an answer is cached under."""
    payload = json.dumps([PROMPT_VERSION, model, item.name, item.headline, passage])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


class LLMCache:
    """Validated answers in the store's ``llm_cache`` table, by content hash."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store

    def get(self, key: str) -> LLMAnswer | None:
        """The cached answer for ``key``, if any (an unreadable entry counts as none)."""
        found = self.store.llm_cache_table().get(key)
        if found is None:
            return None
        try:
            return LLMAnswer.model_validate_json(found)
        except ValidationError:
            return None

    def put(self, key: str, model: str, answer: LLMAnswer) -> None:
        """Remember ``answer`` for ``key``."""
        self.store.llm_cache_table().put(
            key, model, answer.model_dump_json(), datetime.now(UTC).isoformat()
        )


class ChatClient:
    """A minimal OpenAI-compatible chat-completions client over httpx."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        timeout: float,
        api_key: str | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"invalid config key 'llm.base_url': not an http(s) URL: {base_url}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.host = parts.hostname  # what logs may name: never the full URL or the key
        self.model = model
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self._headers = headers
        self._timeout = timeout

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def complete(self, system: str, user: str) -> str:
        """The assistant message's content; raises ``LLMError`` on any failure."""
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        try:
            response = self._http.post(
                self.url, json=body, headers=self._headers, timeout=self._timeout
            )
        except httpx.TimeoutException:
            raise LLMUnreachable(f"no answer from {self.host} within {self._timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise LLMUnreachable(f"cannot reach {self.host} ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise LLMError(f"{self.host} answered HTTP {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise LLMError(f"{self.host} answered {len(response.content)} bytes, too many")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"{self.host} did not answer as a chat completion") from None
        if not isinstance(content, str):
            raise LLMError(f"{self.host} answered no message text")
        return content


@dataclass
class LLMStats:
    """What one run of the LLM summariser did."""

    asked: int = 0
    cached: int = 0
    fallbacks: int = 0
    reasons: list[str] = field(default_factory=list)


class LLMSummariser:
    """Summaries from an LLM, held to the episode text, extractive on any failure.

    ``store`` enables the answer cache; ``http`` lets tests point the client
    at a loopback stand-in.  Also usable as the engine's ``Summariser``.
    """

    def __init__(
        self,
        settings: LLMSettings,
        *,
        store: StoreLike | None = None,
        http: httpx.Client | None = None,
        api_key: str | None = None,
    ) -> None:
        if not settings.base_url:
            raise ConfigError(
                "no LLM configured: set llm.base_url in config.toml (or DIGESTBOT_LLM__BASE_URL)"
            )
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
        self.client = ChatClient(
            settings.base_url,
            settings.model,
            timeout=settings.timeout_seconds,
            api_key=key,
            http=http,
        )
        self.cache = LLMCache(store) if store is not None else None
        self.stats = LLMStats()
        self._disabled: str | None = None

    def close(self) -> None:
        """Release the HTTP client."""
        self.client.close()

    def __call__(self, feed: ParsedFeed) -> ParsedFeed:
        """``feed`` with every item summarised (the engine's ``Summariser`` interface)."""
        episodes = []
        for episode in feed.episodes:
            results = self.summarise_items(episode.body, episode.items)
            items = tuple(
                item.model_copy(update={"summary": r.summary, "facts": r.facts})
                for item, r in zip(episode.items, results, strict=True)
            )
            episodes.append(episode.model_copy(update={"items": items}))
        return feed.model_copy(update={"episodes": tuple(episodes)})

    def summarise_items(self, body: str, items: Sequence[ItemLike]) -> list[Summary]:
        """Summaries of one episode's ``items``, in order; never raises for the endpoint."""
        text = EpisodeText(body, (i.headline for i in items), (i.name for i in items))
        return [self._summarise(text, body, item) for item in items]

    def _summarise(self, text: EpisodeText, body: str, item: ItemLike) -> Summary:
        fallback = summarise_item(text, item)
        passage = text.passage(item.name, MAX_PASSAGE_CHARS)
        if not passage:
            return fallback  # the body never discusses it: nothing to ask about
        key = cache_key(self.client.model, item, passage)
        try:
            answer = self.cache.get(key) if self.cache else None
            if answer is not None:
                self.stats.cached += 1
            else:
                answer = self._ask(item, passage)
                if self.cache:
                    self.cache.put(key, self.client.model, answer)
            return check_answer(answer, body, fallback, item)
        except LLMError as exc:
            self.stats.fallbacks += 1
            self.stats.reasons.append(f"{item.name}: {exc}")
            log.warning(
                "LLM summary of %r failed (%s); keeping the extractive summary", item.name, exc
            )
            return fallback

    def _ask(self, item: ItemLike, passage: str) -> LLMAnswer:
        if self._disabled:
            raise LLMError(f"skipped: {self._disabled}")
        self.stats.asked += 1
        user = USER_TEMPLATE.format(name=item.name, headline=item.headline, passage=passage)
        try:
            content = self.client.complete(SYSTEM_PROMPT, user)
        except LLMUnreachable as exc:
            self._disabled = str(exc)  # one timeout per run, not one per item
            raise
        return parse_answer(content)
