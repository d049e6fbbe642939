"""An item under a header naming no section takes its section from its own line.

Issue 10 ("Sections"): over the shared ThursdAI feed, 131 of 1,813 items were in Other,
among them "OpenHermes - Mistral 7B finetune", "Google teases Gemini 1.5" and "Claude
V2" under headers like "Show Notes" or a month: lines naming a big company's product or
an open-weights family said nothing the line rules knew.
"""

from __future__ import annotations

import pytest

from bot.feeds.sections import section_of_line


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("OpenHermes - Mistral 7B finetune that tops the charts", "Open Source LLMs"),
        ("Code-LlaMa - Meta's coding model family", "Big CO LLMs + APIs"),
        ("LLama.cpp from ggerganov + Quantization", "Open Source LLMs"),
        ("Claude V2 is here with 100K context", "Big CO LLMs + APIs"),
        ("Microsoft Copilot for everyone", "Big CO LLMs + APIs"),
        ("Grok 4 Fast - cheap and quick", "Big CO LLMs + APIs"),
        # A big company's API of an open family is the company's.
        ("Qwen-Max API from Alibaba Cloud", "Big CO LLMs + APIs"),
        # A line naming no section stays in Other.
        ("Biden Executive Order on AI was signed", "Other"),
    ],
)
def test_the_line_names_the_section(line: str, section: str) -> None:
    assert section_of_line(line) == section
