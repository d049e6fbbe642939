"""Release entities: the canonical release an item's name refers to.

Items are lines of show notes; the same release is written many ways across
episodes and shows ("Qwen3-Coder-480B-A35B-Instruct", "Qwen 3 Coder").  An
entity is family + version ("Qwen3-Coder" in the "Qwen" family) so that those
mentions group together.  ``entity_for(name, org, headline)`` derives it; it is
pure, deterministic and cheap (a few regexes per item), so it runs at ingest.

The normalisation, in order (each step is in ``entity_for``):

1. Clean the name: emoji and symbols at the ends, a possessive ("Qwen's"), a
   parenthesised qualifier ("Gemini (Chrome)") and a leading company word that
   is never a product ("Google Veo 3", "Meta Llama 3") go.
2. A bare family word whose headline names a more specific release of it
   ("Qwen" / "Qwen releases ... Qwen3-Coder-480B-A35B-Instruct") takes that name.
3. Several releases on one line ("Qwen3-VL 2B & 32B", "Gemini 2.5 Pro/Flash")
   keep the first: the entity is what the line opens with.
4. Size and packaging variants fold into the entity: parameter counts ("405B",
   "1.5B", "8x7B", "A35B", "82M"), context sizes ("128K"), "Instruct", "Base",
   "IT", quantisations ("GGUF", "AWQ", "FP8"...), "Preview", "GA", and a
   checkpoint date after the version ("-2507", "-002").  "Llama 3.1 405B" is
   "Llama 3.1"; "Qwen3-Coder-480B-A35B-Instruct" is "Qwen3-Coder".  Product
   tiers are not variants: "GPT-4o mini", "Gemini 2.5 Flash", "Qwen-Max" and
   "Phi-4 mini" are entities of their own.
5. A family word before a sub-brand of its family goes ("Qwen QwQ 32B" is "QwQ").
   Claude's two orders ("Claude 3.5 Sonnet", "Claude Sonnet 4") are written
   tier first, as Anthropic does since Claude 4: "Claude Sonnet 3.5".
6. A name that lost its brand ("VIDEO 2.6" of Kling) gets the org in front.
7. A name read from a story title ends at its version: "Qwen3.8 Is Going Open-Weight",
   "Phi-4 Breaks Size Barrier" and "Qwen 3.8 is excellent" are "Qwen3.8", "Phi-4" and
   "Qwen 3.8" (once a word held a digit, a linking word or a capitalised verb ending
   in "s" starts what the story says about the release).
8. Only a product name opens a family: a known family, a product-shaped first word
   ("Qwen3-VL", "ChatGPT", "Kokoro.js") or a word followed by its version ("SAM 2").
   A story title or a plain phrase ("The AI PC Arrives", "Code Red", "Robot Chemist")
   is a family of its own: "The", "AI" or "Code" group nothing.

The entity id is the name's letters and digits, lower-cased ("qwen3coder"):
"Veo 3", "VEO3" and "Veo-3" are one entity.  The family is the letters the
name opens with ("Qwen3-Coder" -> "Qwen"), through ``FAMILY_ALIASES`` for
families whose members are spelled differently (QwQ and QvQ are the Qwen
team's; o1/o3 are OpenAI's o-series).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.feeds.clean import name_key
from bot.feeds.names import PRODUCT_FAMILIES

#: Characters of a name (and of a headline) read at most; no release name is longer.
MAX_NAME = 200

#: Family keys that belong to another family (the Qwen team's QwQ and QvQ).
FAMILY_ALIASES: dict[str, str] = {"qwq": "qwen", "qvq": "qwen"}

#: How well-known families are written (otherwise: as the first name spelled it).
FAMILY_NAMES: dict[str, str] = {
    "qwen": "Qwen",
    "gpt": "GPT",
    "llama": "Llama",
    "veo": "Veo",
    "gemini": "Gemini",
    "gemma": "Gemma",
    "claude": "Claude",
    "kling": "Kling",
    "kokoro": "Kokoro",
    "phi": "Phi",
    "deepseek": "DeepSeek",
    "mistral": "Mistral",
    "grok": "Grok",
    "flux": "FLUX",
    "sora": "Sora",
    "glm": "GLM",
    "kimi": "Kimi",
    "o": "OpenAI o-series",
}

#: Company words that open a name but are never the product ("Google Veo 3").
_COMPANY_WORDS = frozenset(
    {
        "google",
        "meta",
        "openai",
        "alibaba",
        "microsoft",
        "nvidia",
        "anthropic",
        "amazon",
        "apple",
        "deepmind",
        "bytedance",
        "tencent",
        "baidu",
    }
)

#: Words that cannot stand for a brand: a name opening with one lost its brand.
_GENERIC_FIRST = frozenset({"video", "image", "voice", "audio", "model", "models", "api", "app"})

#: Packaging variants that fold into their release (lower case).
_VARIANT_WORDS = frozenset(
    {
        "instruct",
        "base",
        "it",
        "gguf",
        "awq",
        "gptq",
        "exl2",
        "mlx",
        "onnx",
        "fp8",
        "fp16",
        "bf16",
        "int4",
        "int8",
        "preview",
        "ga",
    }
)

_CLAUDE_TIERS = frozenset({"opus", "sonnet", "haiku"})

# A parameter count or context size: 405B, 1.5B, 82M, 128K, 1T, 8x7B, A35B, 17BA.
_SIZE = re.compile(r"^(?:\d+x)?\d+(?:\.\d+)?[bmkt]a?$|^a\d+(?:\.\d+)?b$", re.IGNORECASE)
# A checkpoint tag after the version: 2507, 0528, 002.
_CHECKPOINT = re.compile(r"^(?:\d{4}|0\d\d)$")
# Emoji, symbols and punctuation that are not part of a name at its ends.
_EDGE = re.compile(r"^[\W_]+|[^\w+]+$", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_PARENS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
# Where a line lists a second release: "A & B", "A + B", "A, B", "A/B", "A and B", "A vs B".
_SPLIT = re.compile(r"\s+(?:&|\+|and|vs\.?)\s+|\s*[,/;]\s*", re.IGNORECASE)
# Tokens of a name with the separator before each: "Qwen3-Coder 480B" -> ("", "Qwen3"), ...
_TOKEN = re.compile(r"([\s\-_:]*)([^\s\-_:]+)")
_FAMILY_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
# A word holding a digit after its letters: "Qwen3-Coder-480B", "Llama-3.1".
_VERSIONED_WORD = re.compile(r"\b[^\W\d_]+[\w.\-]*\d[\w.\-]*")
_O_SERIES = re.compile(r"o\d")
# A product-shaped word: a digit or a file-like dot ("Kokoro.js", "Llama.cpp", not "U.S.").
_PRODUCT_SHAPE = re.compile(r"\d|\w\.[a-z]")
# A plural acronym ("LLMs", "GPUs"): capitals, yet a common noun.
_PLURAL_ACRONYM = re.compile(r"^[A-Z]+s$")
#: Words that, after a version, start what a title says about the release.
_PREDICATE_WORDS = frozenset(
    """
    is are was were be been gets get goes go got has have had in on at for with to from
    vs versus now will can may could takes adds hits tops leads beats breaks comes arrives
    """.split()
)
# A capitalised verb in the third person ("Accelerates", "Scales"), not "Pro", "Class", "Bus".
_THIRD_PERSON = re.compile(r"^[A-Z][a-z]+[^saiouAIOU]s$")
#: First words that never open a family, however a title capitalises them.
_NEVER_FAMILY = frozenset(
    "a an the how what why when who is are new more better introducing inside meet".split()
)


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical release: "Qwen3-Coder" (id "qwen3coder") in the "Qwen" family."""

    id: str
    name: str
    family: str
    family_key: str
    org: str | None = None


def family_key(text: str) -> str:
    """The family key a query or a name opens with ("Qwen3-Coder" -> "qwen")."""
    first = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    match = _FAMILY_LETTERS.match(first)
    key = name_key(match.group(0)) if match else ""
    if not key:
        return ""
    if _O_SERIES.match(first.casefold()):  # o1, o3-mini, o4
        key = "o"
    return FAMILY_ALIASES.get(key, key)


def entity_for(name: str, org: str | None = None, headline: str = "") -> Entity | None:
    """The entity a release named ``name`` (by ``org``, on a line ``headline``) refers to.

    ``None`` when the name holds no letter or digit at all.  Only the first
    ``MAX_NAME`` characters are read: that bounds every step's cost on hostile text.
    """
    cleaned = _clean(name[:MAX_NAME])
    return _entity(_from_headline(cleaned, headline), org.strip() if org else None)


@lru_cache(maxsize=8192)
def _entity(cleaned: str, org: str | None) -> Entity | None:
    """The entity of a cleaned name (cached: names repeat across episodes and polls)."""
    first = _SPLIT.split(cleaned, maxsplit=1)[0].strip() or cleaned
    tokens = _fold(first)
    if not tokens:  # only sizes ("70B"): keep what was written
        tokens = _TOKEN.findall(first)
    tokens = _claude_order(_sub_brand(_until_predicate(tokens)))
    display = "".join(sep + tok for sep, tok in tokens).strip(" -_:")
    if org and tokens and tokens[0][1].casefold() in _GENERIC_FIRST:
        display = f"{org} {display}"
    entity_id = name_key(display)
    if not entity_id:
        return None
    fam_key = family_key(display) or entity_id
    if not _opens_family(display, fam_key):
        return Entity(entity_id, display, display, entity_id, org)
    fam_name = _family_name(display, fam_key)
    return Entity(entity_id, display, fam_name, fam_key, org)


def _opens_family(display: str, fam_key: str) -> bool:
    """Whether the name's first word names a family its other releases share (rule 7)."""
    words = display.split(maxsplit=3)
    if fam_key == "o" and not _O_SERIES.match(words[0].casefold()):
        return False  # "O'Reilly" is no o-series model
    if len(words) < 2 or fam_key in FAMILY_NAMES or fam_key in FAMILY_ALIASES.values():
        return True
    first = words[0]
    if first.casefold() in _NEVER_FAMILY:
        return False
    # Inner capitals in the word's letters ("ChatGPT"), not across "AI's" or "Self-Driving".
    run = _FAMILY_LETTERS.match(first)
    letters = run.group(0) if run else ""
    mixed = (
        any(c.isupper() for c in letters[1:])
        and any(c.islower() for c in letters)
        and not _PLURAL_ACRONYM.match(letters)
    )
    if mixed or first.casefold() in PRODUCT_FAMILIES or _PRODUCT_SHAPE.search(first):
        return True
    # A version within the next two words: "SAM 2", "Mistral 0.2", "Nous Hermes 2".
    return any(_DIGIT.search(word) for word in words[1:3])


def _clean(name: str) -> str:
    text = _PARENS.sub("", name).strip()
    for _ in range(2):  # emoji then a possessive then punctuation left behind
        text = _EDGE.sub("", text).strip()
        text = _POSSESSIVE.sub("", text).strip()
    words = text.split(maxsplit=1)
    if len(words) == 2 and words[0].casefold() in _COMPANY_WORDS:
        text = words[1]
    return text or name.strip()


def _from_headline(name: str, headline: str) -> str:
    """A bare family word takes the specific release its headline names, if any."""
    if not headline or len(name) < 3 or not name.isalpha():
        return name
    lead = family_key(name)
    for match in _VERSIONED_WORD.finditer(headline[:MAX_NAME]):
        word = match.group(0)
        if family_key(word) == lead:  # "Qwen" -> "Qwen3-Coder-480B", "QwQ-32B"
            return word.rstrip(".-")
    return name


def _fold(text: str) -> list[tuple[str, str]]:
    """Tokens with size, packaging and checkpoint variants dropped."""
    out: list[tuple[str, str]] = []
    for index, (sep, tok) in enumerate(_TOKEN.findall(text)):
        low = tok.casefold()
        if index > 0 and (
            _SIZE.match(tok)
            or low in _VARIANT_WORDS
            or (index >= 2 and _CHECKPOINT.match(tok))
            or low.rstrip(".") in ("b", "m")
        ):
            continue
        out.append((sep if out else "", tok))
    return out


def _until_predicate(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The tokens up to what a story title says about the release (rule 7)."""
    if len(tokens) < 2 or not _brand_word(tokens[0][1]):
        return tokens  # "Training 1 Trillion Parameters" is a story, not a release
    if _DIGIT.search(tokens[0][1]):
        start = 1  # "Qwen3.8 Is Going Open-Weight"
    elif _DIGIT.search(tokens[1][1]):
        start = 2  # "Grok 3 Scales Up"
    else:
        return tokens  # the version follows the brand, or the name has none
    for index in range(start, len(tokens)):
        sep, word = tokens[index]
        if " " not in sep:
            continue  # inside a hyphened word: "V2A video-to-audio"
        if word.casefold() in _PREDICATE_WORDS or _THIRD_PERSON.match(word):
            return tokens[:index]
    return tokens


def _brand_word(word: str) -> bool:
    """A word that can open a release name: a known family or a product-shaped word
    ("Qwen3", "MiniMax"); not a number ("2D", "10") nor a plain word ("Training")."""
    if not word[:1].isalpha():
        return False
    key = family_key(word)
    if key in FAMILY_NAMES or key in FAMILY_ALIASES or key in PRODUCT_FAMILIES:
        return True
    run = _FAMILY_LETTERS.match(word)
    letters = run.group(0) if run else ""
    mixed = any(c.isupper() for c in letters[1:]) and any(c.islower() for c in letters)
    return mixed or _DIGIT.search(word) is not None


def _sub_brand(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "Qwen QwQ" -> "QwQ": a family word before a sub-brand of that family is the
    brand, not the release (the Qwen team's QwQ is "QwQ" however a line writes it)."""
    if len(tokens) < 2 or not tokens[0][1].isalpha():
        return tokens
    lead = name_key(tokens[0][1])
    match = _FAMILY_LETTERS.match(tokens[1][1])
    second = name_key(match.group(0)) if match else ""
    if second != lead and FAMILY_ALIASES.get(second) == lead:
        return [("", tokens[1][1]), *tokens[2:]]
    return tokens


def _claude_order(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "Claude 3.5 Sonnet" -> "Claude Sonnet 3.5" (tier first, as since Claude 4)."""
    if len(tokens) != 3 or tokens[0][1].casefold() != "claude":
        return tokens
    version, tier = tokens[1][1], tokens[2][1]
    if tier.casefold() in _CLAUDE_TIERS and _DIGIT.search(version):
        return [("", tokens[0][1]), (" ", tier), (" ", version)]
    return tokens


def _family_name(display: str, fam_key: str) -> str:
    if fam_key in FAMILY_NAMES:
        return FAMILY_NAMES[fam_key]
    match = _FAMILY_LETTERS.match(display)
    return match.group(0) if match and name_key(match.group(0)) == fam_key else display
