"""The ``digestbot summarise`` subcommand (registered by ``app.cli``).

This module is imported whenever the CLI builds its parser, so it imports
nothing heavy at the top: the engine, the summarisers and httpx are
imported inside the handler.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    p = sub.add_parser(
        "summarise",
        aliases=["summarize"],
        help="re-summarise stored items (extractive, or with --llm)",
        description=(
            "Rebuild the summary and facts of stored items from their episode text. "
            "--llm asks the OpenAI-compatible model set in [llm] (key from "
            "DIGESTBOT_LLM_API_KEY); any item it fails on keeps its extractive summary."
        ),
    )
    p.add_argument(
        "episode",
        nargs="?",
        help="episode id, date YYYY-MM-DD or title words (default: every stored episode)",
    )
    p.add_argument("--llm", action="store_true", help="use the configured LLM endpoint")
    p.set_defaults(handler=cmd_summarise)


def cmd_summarise(args: argparse.Namespace) -> int:
    """Re-summarise the items of one stored episode, or of all; one line per episode."""
    from bot.config import load_settings
    from bot.engine import make_engine
    from bot.errors import EmptyStoreError
    from bot.summarise.extractive import summarise_items

    settings = load_settings(args.config)
    engine = make_engine(settings, db_path=args.db)
    llm = None
    try:
        if args.llm:
            from bot.summarise.llm import LLMSummariser

            llm = LLMSummariser(settings.llm, store=engine.store)
        episodes = [engine.find_episode(args.episode)] if args.episode else engine.episodes()
        if not episodes:
            raise EmptyStoreError("No episodes yet: run `digestbot ingest FEED` first.")
        for episode in episodes:
            items = engine.store.items_of_episode(episode.id)
            body = engine.store.episode_body(episode.id)
            results = llm.summarise_items(body, items) if llm else summarise_items(body, items)
            changed = 0
            for item, result in zip(items, results, strict=True):
                if (result.summary, result.facts) != (item.summary, item.facts):
                    engine.store.update_item_summary(item.id, result.summary, result.facts)
                    changed += 1
            discussed = sum(1 for r in results if r.discussed)
            print(
                f"{episode.id} {episode.title[:60]}: {len(items)} item(s), {discussed} discussed"
                f" in the text, {changed} updated"
            )
        if llm is not None:
            stats = llm.stats
            print(
                f"LLM: {stats.asked} asked, {stats.cached} from cache,"
                f" {stats.fallbacks} kept the extractive summary"
            )
    finally:
        if llm is not None:
            llm.close()
        engine.close()
    return 0
