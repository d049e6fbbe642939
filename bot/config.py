"""Settings: ``config.toml`` overridden by the environment; secrets from the environment only.

Sections are pydantic-settings classes.  The file is found at ``--config``,
``DIGESTBOT_CONFIG`` or ``./config.toml`` (when present).  Environment
variables override it with a ``__`` nested delimiter
(``DIGESTBOT_STORE__PATH``), and the well-known platform variables
(``SLACK_BOT_TOKEN``, ``DISCORD_TOKEN``, ...) are read under their usual names.
Tokens are ``SecretStr`` so they never reach a log or a repr.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

DEFAULT_FEEDS = (
    "https://sub.thursdai.news/feed",
    "https://api.substack.com/feed/podcast/1801228.rss",
)

#: Keys a config file must never hold: secrets come from the environment only.
SECRET_KEYS = frozenset(
    {"bot_token", "app_token", "signing_secret", "token", "api_key", "client_secret"}
)


class Section(BaseModel):
    """Base of a config section: unknown keys are an error, not a silent typo."""

    model_config = ConfigDict(extra="forbid")


class StoreSettings(Section):
    """Where the database lives."""

    path: str | None = Field(
        default=None,
        description="SQLite file; default: DIGESTBOT_DB, else the platform data directory.",
    )


class FetchSettings(Section):
    """How feeds are fetched over HTTP."""

    timeout_seconds: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=25_000_000, gt=0)
    user_agent: str = "digestbot/0.1 (+https://github.com/digestbot/digestbot)"


class LLMSettings(Section):
    """Optional OpenAI-compatible summariser; the key comes from DIGESTBOT_LLM_API_KEY."""

    base_url: str | None = None
    model: str = "llama3.1"
    timeout_seconds: float = Field(default=30.0, gt=0)


class SlackSettings(BaseSettings):
    """Slack credentials and endpoints (environment only for secrets)."""

    model_config = SettingsConfigDict(extra="forbid", populate_by_name=True)

    bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    port: int = Field(default=3000, validation_alias=AliasChoices("SLACK_PORT", "port"))
    api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL", "api_url")
    )
    admin_users: list[str] = Field(default_factory=list)


class DiscordSettings(BaseSettings):
    """Discord credentials and endpoints (environment only for the token)."""

    model_config = SettingsConfigDict(extra="forbid", populate_by_name=True)

    token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    api_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_API_URL", "api_url")
    )
    gateway_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "gateway_url")
    )
    dev_guild_id: int | None = None


class Settings(BaseSettings):
    """All of digestbot's settings."""

    model_config = SettingsConfigDict(
        env_prefix="DIGESTBOT_", env_nested_delimiter="__", extra="forbid"
    )

    feeds: list[str] = Field(default_factory=lambda: list(DEFAULT_FEEDS))
    poll_minutes: int = Field(default=30, ge=1)
    timezone: str = "UTC"
    store: StoreSettings = Field(default_factory=StoreSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)


def _reject_secrets(data: Any, where: str = "") -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            if str(key).lower() in SECRET_KEYS:
                raise ConfigError(
                    f"config key '{path}' holds a secret: set it in the environment instead"
                )
            _reject_secrets(value, path)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read settings from ``path`` (or DIGESTBOT_CONFIG, or ./config.toml) and the environment.

    Raises ``ConfigError`` with the bad key named when anything is invalid.
    """
    explicit = path is not None or "DIGESTBOT_CONFIG" in os.environ
    chosen = Path(path or os.environ.get("DIGESTBOT_CONFIG") or "config.toml")
    data: dict[str, Any] = {}
    if chosen.is_file():
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{chosen}: not valid TOML ({exc})") from None
    elif explicit:
        raise ConfigError(f"config file not found: {chosen}")
    _reject_secrets(data)
    try:
        slack = SlackSettings(**data.pop("slack", {}))
        discord = DiscordSettings(**data.pop("discord", {}))
        return Settings(slack=slack, discord=discord, **data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"invalid config key '{key}': {first['msg']}") from None
