"""Whether the settings are all defaults, decided without importing pydantic-settings.

``load_settings`` costs ~150 ms of imports (pydantic-settings).  A lookup
(``digestbot release``, ``search``) needs only the database path, and when no
config file is in play and no environment variable could set a value, the
settings are the defaults: the lookup opens the store without loading them.
Anything else (a config file, a ``DIGESTBOT_*`` or platform variable) takes
the full ``load_settings`` path, so behaviour and errors stay identical.
"""

from __future__ import annotations

import os
from pathlib import Path

#: ``[fetch] max_bytes``'s default (``bot.config.FetchSettings`` uses this constant).
DEFAULT_MAX_BYTES = 25_000_000

#: Variables read outside the settings (where the database and the config file are).
_NOT_SETTINGS = frozenset({"DIGESTBOT_DB", "DIGESTBOT_CONFIG"})
#: Prefixes of the variables the settings read (``DIGESTBOT_STORE__PATH``, ``SLACK_PORT``...).
_SETTINGS_PREFIXES = ("DIGESTBOT_", "SLACK_", "DISCORD_")


def settings_are_defaults(path: str | os.PathLike[str] | None = None) -> bool:
    """True when ``load_settings(path)`` would certainly return the default settings.

    False whenever a config file is named or present, or any environment variable
    the settings may read is set (pydantic-settings matches names case-insensitively).
    """
    if path is not None or "DIGESTBOT_CONFIG" in os.environ:
        return False
    if Path("config.toml").exists():
        return False
    for name in os.environ:
        upper = name.upper()
        if upper.startswith(_SETTINGS_PREFIXES) and upper not in _NOT_SETTINGS:
            return False
    return True


def default_data_path() -> str:
    """Where the database lives without a ``[store] path``: ``DIGESTBOT_DB``, else the
    platform's data directory."""
    env = os.environ.get("DIGESTBOT_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("digestbot", appauthor=False)) / "digestbot.db")
