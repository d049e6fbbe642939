"""Organisations behind releases: one alias table, one spelling per org.

Show notes spell the same company many ways ("NVIDIA", "Nvidia", "W&B",
"WandB", "Weights & Biases"); every org digestbot stores goes through
``canonical_org`` so lookups and digests group them.  ``KNOWN_ORGS`` (every
spelling, casefolded) is what the name reader and the fact finder recognise
as an org at all.
"""

from __future__ import annotations

#: Canonical spelling -> the other spellings seen in show notes.
_ALIASES: dict[str, tuple[str, ...]] = {
    "OpenAI": ("Open AI",),
    "Google": ("Google AI",),
    "Google DeepMind": ("DeepMind", "Deepmind"),
    "Anthropic": (),
    "Meta": ("Meta AI", "Facebook"),
    "Microsoft": ("MSFT",),
    "NVIDIA": ("Nvidia", "nVidia"),
    "Apple": (),
    "Amazon": ("AWS",),
    "xAI": ("X.ai", "XAI", "X.AI"),
    "Mistral": ("Mistral AI", "MistralAI"),
    "DeepSeek": ("Deepseek", "DeepSeek AI"),
    "Alibaba": ("Alibaba Qwen", "Alibaba Cloud", "Alibaba Tongyi"),
    "Qwen": ("Tongyi", "Tongyi Qwen"),
    "ByteDance": ("Bytedance", "ByteDance Seed"),
    "Baidu": (),
    "Tencent": ("Tencent Hunyuan",),
    "Hunyuan": (),
    "Stability AI": ("Stability", "StabilityAI"),
    "Hugging Face": ("HuggingFace", "Huggingface"),
    "IBM": (),
    "Cohere": ("CohereForAI", "Cohere For AI"),
    "Ai2": ("AI2", "Allen AI", "AllenAI", "Allen Institute"),
    "Nous Research": ("Nous", "NousResearch"),
    "Prime Intellect": (),
    "Moonshot AI": ("Moonshot", "MoonshotAI"),
    "Kimi": (),
    "MiniMax": ("Minimax",),
    "Hailuo": ("Haulio",),
    "Zhipu AI": ("Zhipu", "ZhipuAI", "Z.ai", "THUDM", "Z.AI"),
    "StepFun": ("Stepfun",),
    "Samsung": (),
    "Salesforce": (),
    "Perplexity": ("Perplexity AI",),
    "Runway": ("RunwayML", "Runway ML"),
    "Midjourney": (),
    "Black Forest Labs": ("BFL", "BlackForestLabs"),
    "Kuaishou": (),
    "Kling": ("Kling AI",),
    "Luma": ("Luma AI", "LumaAI", "Luma Labs"),
    "ElevenLabs": ("11Labs", "Eleven Labs", "11labs"),
    "Cerebras": (),
    "Groq": (),
    "Together AI": ("Together", "TogetherAI"),
    "Liquid AI": ("Liquid", "LiquidAI"),
    "Cursor": ("Anysphere",),
    "GitHub": ("Github",),
    "Adobe": (),
    "Snowflake": (),
    "Databricks": (),
    "Weights & Biases": ("W&B", "WandB", "Wandb", "Weights and Biases", "Weights&Biases"),
    "Xiaomi": (),
    "Ant Group": ("Ant Ling", "inclusionAI"),
    "Inception": ("Inception Labs",),
    "Sesame": (),
    "Hume": ("Hume AI",),
    "Cartesia": (),
    "Lightricks": (),
    "Meituan": (),
    "Reka": ("Reka AI", "RekaAI"),
    "Zyphra": (),
    "Arcee": ("Arcee AI",),
    "LG": ("LG AI", "LG AI Research"),
    "Essential AI": (),
    "AI21": ("AI21 Labs",),
    "01.AI": ("01AI", "01.ai"),
    "Replit": (),
    "Vercel": (),
    "Suno": (),
    "Udio": (),
    "Pika": ("Pika Labs",),
    "Character AI": ("Character.ai", "Character.AI"),
    "Inflection": ("Inflection AI",),
    "Jina AI": ("Jina",),
    "Nomic": ("Nomic AI",),
    "Intel": (),
    "AMD": (),
    "Qualcomm": (),
    "Figure": ("Figure AI",),
    "Tesla": (),
    "Unitree": (),
    "LMArena": ("LMSys", "LMSYS"),
    "OpenRouter": ("Open Router",),
    "Cognition": ("Cognition Labs",),
    "Windsurf": ("Codeium",),
}

_CANONICAL: dict[str, str] = {}
for _name, _others in _ALIASES.items():
    for _spelling in (_name, *_others):
        _CANONICAL[_spelling.casefold()] = _name

#: Every spelling of every known org, casefolded.
KNOWN_ORGS: frozenset[str] = frozenset(_CANONICAL)

#: Brands that are known orgs of their own here (a line saying "Kimi" names Kimi, not
#: Moonshot AI: orgs are only what the line says) but that a name keeps:
#: "Kling VIDEO 2.6", never "VIDEO 2.6".
_BRAND_ONLY = frozenset({"qwen", "kimi", "kling", "hunyuan", "hailuo", "tongyi"})


def canonical_org(text: str | None) -> str | None:
    """The one spelling of a known org ("Nvidia" -> "NVIDIA"); unknown orgs pass unchanged.

    An org that opens with a known org's spelling is that org: "Google API", "Apple WWDC"
    and "HuggingFace SmolVLM" (an org read with its product or event) are Google, Apple
    and Hugging Face.  ``None`` and empty text give ``None``.
    """
    if not text:
        return None
    cleaned = text.strip(" .,:;-–—()[]")
    if not cleaned:
        return None
    known = _CANONICAL.get(cleaned.casefold())
    if known is not None:
        return known
    words = cleaned.split(maxsplit=3)
    for size in (2, 1):  # "Meta AI Research" -> Meta (via "Meta AI"), "Google API" -> Google
        if len(words) > size:
            known = _CANONICAL.get(" ".join(words[:size]).casefold())
            if known is not None:
                return known
    return cleaned


def spellings(org: str) -> tuple[str, ...]:
    """Every spelling of ``org``'s canonical org (the org itself when unknown)."""
    canonical = _CANONICAL.get(org.casefold())
    if canonical is None:
        return (org,)
    return (canonical, *_ALIASES[canonical])


def is_known_org(text: str) -> bool:
    """Whether ``text`` is a spelling of a known org."""
    return text.strip(" .,:;-–—()[]").casefold() in _CANONICAL


def is_brand_only(text: str) -> bool:
    """Whether ``text`` is a product brand listed as an alias of its maker ("Kimi", "Qwen")."""
    return text.casefold() in _BRAND_ONLY
