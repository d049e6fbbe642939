"""Names of feature-style releases: a product on a platform, a compound modifier's noun."""

from __future__ import annotations

import pytest

from bot.feeds.names import split_name


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        # an unversioned product arriving on a platform: the platform is part of the release
        (
            "ChatGPT Voice Mode on Apple CarPlay rolling out for iOS 26.4+",
            "ChatGPT Voice Mode on CarPlay",
        ),
        ("ChatGPT on CarPlay", "ChatGPT on CarPlay"),
        (
            "W&B launches Serverless LoRA Inference on CoreWeave",
            "Serverless LoRA Inference on CoreWeave",
        ),
        # a date, a hosting org or a versioned model after "on" is no platform
        ("Claude on Monday the team shipped", "Claude"),
        ("Gradio on Hugging Face", "Gradio"),
        # a name never ends on a lowercase compound modifier: the noun follows it
        ("Codex usage-based pricing in ChatGPT Business", "Codex usage-based pricing"),
        ("Anthropic Claude share-able projects", "Claude share-able projects"),
    ],
)
def test_feature_names_keep_their_platform_and_noun(headline: str, name: str) -> None:
    assert split_name(headline)[0] == name
