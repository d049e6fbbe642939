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
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config_defaults import DEFAULT_MAX_BYTES
from bot.errors import ConfigError

# Validators import bot.timing and bot.targets (foundation modules, like this one) where
# they run: most commands load settings without a schedule to check.

DEFAULT_FEEDS = (
    "https://sub.thursdai.news/feed",
    "https://api.substack.com/feed/podcast/1801228.rss",
)

#: The bot scopes the Slack app asks for (adapters/slack/manifest.yml declares the same).
SLACK_BOT_SCOPES = ("commands", "chat:write", "users:read", "im:write", "files:write")

_T = TypeVar("_T")

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
    #: The whole fetch (connect, redirects, every read) ends by then: a dripping feed
    #: cannot hold a worker for longer.
    deadline_seconds: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    user_agent: str = "digestbot/0.1 (+https://github.com/digestbot/digestbot)"
    #: Hosts or addresses (IP, or a network such as 10.1.0.0/16) that feeds added from
    #: chat may reach although they are private; every other internal address is refused.
    allow_private: list[str] = Field(default_factory=list)


class LLMSettings(Section):
    """Optional OpenAI-compatible summariser; the key comes from DIGESTBOT_LLM_API_KEY."""

    base_url: str | None = None
    model: str = "llama3.1"
    timeout_seconds: float = Field(default=30.0, gt=0)


class WebSettings(Section):
    """``[web]``: the web archive (``digestbot web`` / ``digestbot site``)."""

    #: Where the archive is published ("https://digest.example.org"); chat answers link
    #: to its pages when set.
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s<>\"']+$")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class EnvFirstSettings(BaseSettings):
    """Settings where the environment overrides the values given (``load_settings``
    passes the config file's values as init values)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then the file."""
        return env_settings, init_settings, dotenv_settings, file_secret_settings


class SlackSettings(EnvFirstSettings):
    """Slack credentials and endpoints (environment only for secrets)."""

    model_config = SettingsConfigDict(extra="forbid", populate_by_name=True)

    bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    port: int = Field(default=3000, validation_alias=AliasChoices("SLACK_PORT", "port"))
    host: str = Field(default="0.0.0.0", validation_alias=AliasChoices("SLACK_HOST", "host"))
    api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL", "api_url")
    )
    admin_users: list[str] = Field(default_factory=list)
    # Installs into several workspaces (OAuth): on when both client credentials are set.
    client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    client_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    install_path: str = Field(
        default="/slack/install",
        pattern=r"^/\S*$",
        validation_alias=AliasChoices("SLACK_INSTALL_PATH", "install_path"),
    )
    redirect_uri_path: str = Field(
        default="/slack/oauth_redirect",
        pattern=r"^/\S*$",
        validation_alias=AliasChoices("SLACK_REDIRECT_URI_PATH", "redirect_uri_path"),
    )
    scopes: list[str] = Field(default_factory=lambda: list(SLACK_BOT_SCOPES), min_length=1)

    @property
    def oauth_enabled(self) -> bool:
        """Whether installs into several workspaces are on (SLACK_CLIENT_ID and _SECRET set)."""
        return bool(
            self.client_id
            and self.client_id.strip()
            and self.client_secret
            and self.client_secret.get_secret_value().strip()
        )

    @property
    def can_post(self) -> bool:
        """Whether the environment holds credentials to post: a bot token, or OAuth installs."""
        return self.oauth_enabled or _is_set(self.bot_token)


class DiscordSettings(EnvFirstSettings):
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
    #: Replicas split Discord's shards: this one connects ``shard_ids`` of ``shard_count``.
    shard_ids: tuple[int, ...] = ()
    shard_count: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("discord.shard_ids needs discord.shard_count")
        if self.shard_count is not None and any(
            not 0 <= i < self.shard_count for i in self.shard_ids
        ):
            raise ValueError("each of discord.shard_ids must be below discord.shard_count")
        return self

    @property
    def can_post(self) -> bool:
        """Whether the environment holds a bot token (``DISCORD_TOKEN``)."""
        return _is_set(self.token)


class ScheduleSettings(Section):
    """Scheduled posts: the default weekly slot, waiting for late shows, catching up, retrying."""

    day: str = Field(default="thursday", description="Default weekly post day.")
    time: str = Field(default="18:00", description="Default weekly post time, HH:MM local.")
    hold_hours: float = Field(default=24.0, ge=0)
    grace_hours: float = Field(default=12.0, ge=0)
    no_episode_note: bool = False
    sweep_seconds: int = Field(default=60, ge=1)
    claim_lease_minutes: float = Field(default=10.0, gt=0)
    max_concurrent_posts: int = Field(default=8, ge=1)
    post_timeout_seconds: float = Field(default=120.0, gt=0)
    retry_minutes: float = Field(default=5.0, gt=0)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    webhook_retries: int = Field(default=3, ge=0)
    max_retry_after_seconds: float = Field(default=60.0, ge=0)
    #: Any server-given delay (Retry-After of feeds, Slack, Discord, webhooks) is cut to this.
    retry_after_max_minutes: float = Field(default=360.0, gt=0, le=7 * 24 * 60)
    poll_backoff_max_minutes: float = Field(default=360.0, gt=0)
    shutdown_seconds: float = Field(default=10.0, ge=0)
    ledger_retry_seconds: float = Field(default=30.0, ge=0)
    discord_webhooks_per_second: float = Field(
        default=45.0,
        ge=1,
        le=50,
        description="Discord webhook requests per second, all webhooks together (limit 50).",
    )
    max_messages_per_post: int = Field(
        default=10,
        ge=1,
        description="Most messages one scheduled post sends; the rest is summed up in a last line.",
    )

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        from bot.timing import DAYS, parse_day

        return DAYS[_user_value(parse_day, value)]

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        from bot.timing import format_time, parse_time

        return format_time(_user_value(parse_time, value))


class AlertsSettings(Section):
    """``[alerts]``: where feed health alerts go (none without a target)."""

    target: str | None = Field(
        default=None,
        description="any target: slack:C0123, discord:ID, a webhook, console, or a person's"
        " DMs: slack-user:U0123, discord-user:ID",
    )
    failures: int = Field(default=3, ge=1, le=100, description="failed polls in a row to alert")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        # Any target a watch takes: the subscription targets and a person's DMs (the operator).
        from bot.targets import parse_target_or_user

        return None if value is None else _user_value(parse_target_or_user, value)


class SubscriptionSettings(Section):
    """A subscription declared in config (kept in sync with the database on start).

    Webhook URLs hold a credential: prefer ``target_env`` (the name of an
    environment variable holding the target) to writing the URL in the file.
    """

    target: str | None = None
    target_env: str | None = None
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    mode: Literal["weekly", "on-publish"] = "weekly"
    day: str | None = None
    time: str | None = None
    tz: str | None = None
    feeds: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    orgs: list[str] = Field(default_factory=list)
    licenses: list[str] = Field(default_factory=list)
    #: Open each post with what changed per release family (``bot.changes``).
    changes: bool = False
    #: A short parent message with one threaded reply per section (``--threads``).
    threads: bool = False

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        from bot.targets import parse_target

        return None if value is None else str(_user_value(parse_target, value))

    @field_validator("target_env")
    @classmethod
    def _target_env(cls, value: str | None) -> str | None:
        from bot.targets import parse_target

        if value is not None:
            if not os.environ.get(value):
                raise PydanticCustomError(
                    "target_env", "environment variable {name} is not set", {"name": value}
                )
            _user_value(parse_target, os.environ[value])
        return value

    @field_validator("day")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        from bot.timing import DAYS, parse_day

        return None if value is None else DAYS[_user_value(parse_day, value)]

    @field_validator("time")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        from bot.timing import format_time, parse_time

        return None if value is None else format_time(_user_value(parse_time, value))

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        from bot.timing import parse_zone

        return None if value is None else _user_value(parse_zone, value).key

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionSettings:
        if (self.target is None) == (self.target_env is None):
            raise PydanticCustomError("target", "give exactly one of 'target' or 'target_env'")
        return self

    def resolved_target(self) -> str:
        """The target, read from the environment when ``target_env`` names it."""
        if self.target is not None:
            return self.target
        return os.environ.get(self.target_env or "", "")


def _is_set(secret: SecretStr | None) -> bool:
    """A secret counts when it holds more than white space (one rule for every platform)."""
    return secret is not None and bool(secret.get_secret_value().strip())


def _user_value(parse: Callable[[str], _T], value: str) -> _T:
    """Run a user-input parser, turning its error into a clean validation message."""
    try:
        return parse(value)
    except ValueError as exc:
        raise PydanticCustomError("invalid", "{reason}", {"reason": str(exc)}) from None


class SearchSettings(Section):
    """How /search ranks."""

    #: Blend a semantic score into the full-text one (needs the ``semantic`` extra;
    #: without it search is full text only, whatever this says).
    semantic: bool = True


class MetricsSettings(Section):
    """``digestbot run``'s /healthz and /metrics (off unless ``port`` is set)."""

    port: int | None = Field(default=None, ge=1, le=65535)
    #: 127.0.0.1 serves only this machine; 0.0.0.0 lets a Prometheus elsewhere scrape it.
    host: str = "127.0.0.1"


class Settings(EnvFirstSettings):
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
    web: WebSettings = Field(default_factory=WebSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    subscriptions: list[SubscriptionSettings] = Field(default_factory=list)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from bot.timing import parse_zone

        return _user_value(parse_zone, value).key


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
