"""The slash commands: each one translates an interaction into ``Commands.handle``.

No business rule lives here.  A command builds the command text and a
``CommandContext``, runs the (synchronous) core off the event loop, and
hands the ``Reply`` to ``render_reply``.  Replies go out inside Discord's
3-second window: when the core has not answered within ``defer_after``
seconds the interaction is deferred ("thinking...") and the answer follows
as a follow-up message.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from typing import Any

import discord
from discord import app_commands

from adapters.discord.escape import strip_unsafe_chars
from adapters.discord.render import Payload, render_reply, render_text
from adapters.discord.send import to_send_kwargs
from bot.commands import CommandContext, Commands
from bot.models import TextReply

log = logging.getLogger(__name__)

#: Discord's own cap on autocomplete choices, and on a choice's name and value.
MAX_CHOICES = 25
MAX_CHOICE_CHARS = 100


class ChannelId(app_commands.Transformer):  # type: ignore[type-arg]
    """A text or announcement channel picked from the list, as its id.

    Read from the interaction's own resolved data: a ``discord.TextChannel``
    parameter needs the channel in the client's cache, and a channel missing
    from it (a guild not loaded yet) failed the command with "something went wrong".
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        """A channel option."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """What the picker offers: channels the bot can post alerts to."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> str:
        """The channel's id."""
        return str(value.id)


def context_of(interaction: discord.Interaction[Any]) -> CommandContext:
    """Who asked and where, for the core; admins are members with Manage Server."""
    perms = interaction.permissions
    in_guild = interaction.guild_id is not None
    return CommandContext(
        platform="discord",
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        user_id=str(interaction.user.id),
        workspace_id=str(interaction.guild_id) if in_guild else None,
        is_admin=in_guild and (perms.manage_guild or perms.administrator),
    )


class Responder:
    """Runs a command through the core and answers the interaction."""

    def __init__(self, commands: Commands, *, defer_after: float = 1.5) -> None:
        self.commands = commands
        self.defer_after = defer_after

    async def run(
        self,
        interaction: discord.Interaction[Any],
        command: str,
        text: str,
        *,
        ephemeral: bool,
    ) -> None:
        """Answer ``/command text``: at once if the core is quick, else defer and follow up."""
        ctx = context_of(interaction)
        work = asyncio.ensure_future(asyncio.to_thread(self._answer, command, text, ctx))
        done, _ = await asyncio.wait({work}, timeout=self.defer_after)
        if not done:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        error, payloads = await work
        # A user's mistake is shown to that user only.
        await send(interaction, payloads, ephemeral=ephemeral or error)

    def _answer(self, command: str, text: str, ctx: CommandContext) -> tuple[bool, list[Payload]]:
        """Core call and rendering, both off the event loop: (is a user error, payloads)."""
        reply = self.commands.handle(command, text, ctx)
        return isinstance(reply, TextReply) and reply.error, render_reply(reply)

    async def release_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for ``/release name``: best and most recent names first."""
        try:
            names = await asyncio.to_thread(self.commands.complete_release, current, MAX_CHOICES)
        except Exception:  # autocomplete must never break typing; log and offer nothing
            log.exception("autocomplete failed for %r", current[:50])
            return []
        choices = []
        for name in names[:MAX_CHOICES]:
            label = " ".join(strip_unsafe_chars(name).split())[:MAX_CHOICE_CHARS]
            if label:
                choices.append(app_commands.Choice(name=label, value=name[:MAX_CHOICE_CHARS]))
        return choices


async def send(
    interaction: discord.Interaction[Any], payloads: list[Payload], *, ephemeral: bool
) -> None:
    """Send rendered payloads as the interaction's response, then follow-ups."""
    try:
        for i, payload in enumerate(payloads):
            kwargs = to_send_kwargs(payload)
            if i == 0 and not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
            else:
                await interaction.followup.send(**kwargs, ephemeral=ephemeral)
    except discord.NotFound as exc:  # 10062: the 3 s window (or 15 min token) passed
        log.warning("interaction %s expired before the reply: %s", interaction.id, exc.text)
    except discord.HTTPException as exc:
        log.error(
            "could not answer interaction %s: %s %s",
            interaction.id,
            exc.status,
            exc.text,
        )


def fact_options(*, org: str | None, license: str | None) -> str:
    """``--org``/``--license`` flags for the core; a Discord option cannot repeat, so several
    names come comma-separated ("apache-2.0, mit": open weights only)."""
    parts = []
    for flag, value in (("--org", org), ("--license", license)):
        for name in (value or "").split(","):
            if name.strip():
                parts += [flag, shlex.quote(name.strip())]
    return " ".join(parts)


def digest_text(subcommand: str, **options: str | None) -> str:
    """``/digest`` arguments as the command line the core parses (``subscribe --mode weekly``)."""
    parts = [subcommand]
    for key, value in options.items():
        if value:
            parts += [f"--{key.replace('_', '-')}", shlex.quote(value)]
    return " ".join(parts)


def lookup_commands(responder: Responder) -> list[app_commands.Command[Any, ..., None]]:
    """``/tldr``, ``/release`` (with autocomplete), ``/search``, ``/timeline``, ``/watch``
    and ``/changes``."""

    @app_commands.command(name="tldr")
    @app_commands.describe(
        episode="Episode title words or date (default: the latest episode)",
        share="Post the answer in the channel instead of only to you",
    )
    async def tldr(
        interaction: discord.Interaction[Any],
        episode: str | None = None,
        share: bool = False,
    ) -> None:
        """The TL;DR of an episode: every release, by section, with links."""
        await responder.run(interaction, "tldr", episode or "", ephemeral=not share)

    @app_commands.command(name="release")
    @app_commands.describe(
        name="Release name, e.g. Kokoro", share="Post the answer in the channel instead"
    )
    async def release(
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 200],
        share: bool = False,
    ) -> None:
        """What a release is, where it came up, and its links."""
        await responder.run(interaction, "release", name, ephemeral=not share)

    @release.autocomplete("name")
    async def release_names(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await responder.release_choices(current)

    @app_commands.command(name="search")
    @app_commands.describe(
        query="Words to look for, e.g. tts",
        share="Post the answer in the channel instead",
    )
    async def search(
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 200],
        share: bool = False,
    ) -> None:
        """Releases matching words, best first."""
        await responder.run(interaction, "search", query, ephemeral=not share)

    @app_commands.command(name="watch")
    @app_commands.describe(
        what="A release or family (qwen), or: list, remove ID",
        channel="Alert this channel instead of you (Manage Server only)",
        license="Only releases under this licence, e.g. apache-2.0 (several: apache-2.0, mit)",
        org="Only releases by this organisation (several: comma-separated)",
        anyway="Keep a watch on a name no episode has named yet",
    )
    async def watch(
        interaction: discord.Interaction[Any],
        what: app_commands.Range[str, 1, 200],
        channel: app_commands.Transform[str, ChannelId] | None = None,
        license: str | None = None,
        org: str | None = None,
        anyway: bool = False,
    ) -> None:
        """A direct message whenever a new episode names a release."""
        text = shlex.join(what.split())
        if channel is not None:
            text += f" <#{channel}>"
        text += " " + fact_options(org=org, license=license)
        if anyway:
            text += " --anyway"
        await responder.run(interaction, "watch", text.strip(), ephemeral=True)

    @app_commands.command(name="timeline")
    @app_commands.describe(
        family="Release family, e.g. qwen", share="Post the picture in the channel instead"
    )
    async def timeline(
        interaction: discord.Interaction[Any],
        family: app_commands.Range[str, 1, 200],
        share: bool = False,
    ) -> None:
        """A release family's timeline as a picture: versions over time, by show."""
        await responder.run(interaction, "timeline", family, ephemeral=not share)

    @app_commands.command(name="changes")
    @app_commands.describe(
        since="Since this date, YYYY-MM-DD (default: the last weekly post)",
        share="Post the answer in the channel instead",
    )
    async def changes(
        interaction: discord.Interaction[Any],
        since: app_commands.Range[str, 1, 40] | None = None,
        share: bool = False,
    ) -> None:
        """Per release family, what is new since the last weekly post."""
        await responder.run(interaction, "changes", since or "", ephemeral=not share)

    return [tldr, release, search, timeline, watch, changes]


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class DigestGroup(app_commands.Group, name="digest"):
    """Scheduled TL;DR posts for this channel (server managers)."""

    def __init__(self, responder: Responder) -> None:
        super().__init__()
        self.responder = responder

    async def _run(self, interaction: discord.Interaction[Any], text: str) -> None:
        await self.responder.run(interaction, "digest", text, ephemeral=True)

    @app_commands.command()
    @app_commands.describe(
        mode="weekly (default) or on-publish (each new episode as soon as it is out)",
        day="Weekly post day, e.g. thursday",
        time="Weekly post time, HH:MM",
        tz="Time zone, e.g. Europe/Berlin",
        feed="Only this feed URL",
        section="Only this section, e.g. Open Source",
        keyword="Only releases mentioning this word",
        changes="Open each post with what changed per release family",
        threads="A short post with one reply per section in its thread (or a forum post)",
        license="Only releases under this licence, e.g. apache-2.0 (several: apache-2.0, mit)",
        org="Only releases by this organisation (several: comma-separated)",
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="weekly", value="weekly"),
            app_commands.Choice(name="on-publish", value="on-publish"),
        ]
    )
    async def subscribe(
        self,
        interaction: discord.Interaction[Any],
        mode: str | None = None,
        day: str | None = None,
        time: str | None = None,
        tz: str | None = None,
        feed: str | None = None,
        section: str | None = None,
        keyword: str | None = None,
        changes: bool | None = None,
        threads: bool | None = None,
        license: str | None = None,
        org: str | None = None,
    ) -> None:
        """Post TL;DRs to this channel."""
        text = digest_text(
            "subscribe",
            mode=mode,
            day=day,
            time=time,
            tz=tz,
            feed=feed,
            section=section,
            keyword=keyword,
        )
        if changes is not None:
            text += " changes" if changes else " no-changes"
        if threads is not None:  # unset: keep what the subscription had
            text += " threads" if threads else " no-threads"
        if license or org:
            text += " " + fact_options(org=org, license=license)
        await self._run(interaction, text)

    @app_commands.command()
    async def unsubscribe(self, interaction: discord.Interaction[Any]) -> None:
        """Stop posting TL;DRs to this channel."""
        await self._run(interaction, "unsubscribe")

    @app_commands.command()
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        """This channel's subscription, next post and any posting errors."""
        await self._run(interaction, "status")

    @app_commands.command()
    async def feeds(self, interaction: discord.Interaction[Any]) -> None:
        """The feeds being followed."""
        await self._run(interaction, "feeds")

    @app_commands.command()
    async def post(self, interaction: discord.Interaction[Any]) -> None:
        """Post this channel's digest now."""
        await self._run(interaction, "post")


class DigestTree(app_commands.CommandTree[Any]):
    """The command tree; a failing command is logged and answered politely, never fatal."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=original)
        payload = render_text("Sorry, something went wrong with that command. It has been logged.")
        await send(interaction, [payload], ephemeral=True)
