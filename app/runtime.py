"""``digestbot run``: the poller, the scheduler and the chat platforms in one asyncio process.

Start-up order: open the database, sync the config's subscriptions, connect
the platforms whose credentials are set (the console otherwise), read every
feed once, then start APScheduler and catch up on anything due, so a post
missed while the process was down goes out at once while within its grace.

APScheduler only wakes us up.  Each weekly subscription has a cron job
(stable id ``weekly:<id>``, its own time zone, coalescing, a misfire grace);
a ``sweep`` job re-checks every subscription each ``sweep_seconds`` (late
episodes, retries, the end of a hold, subscriptions added by another process)
and the poller triggers one after new episodes.  The rules of what to post
live in ``posting.Poster`` and the once-only guarantee in ``ledger.Ledger``,
so a double wake-up, a second process or a restart can never post twice.

SIGINT/SIGTERM stop the poller and the scheduler, give posts in flight
``shutdown_seconds`` to finish, release the rest for the next run, then
disconnect the platforms and close the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from adapters.console.adapter import ConsoleAdapter
from adapters.discord.webhook import DiscordWebhookSink
from adapters.slack.webhook import SlackWebhookSink
from adapters.webhook.sink import JsonWebhookSink, RetryPolicy, WebhookSink
from app.platforms import PlatformRunner, load_runners
from bot.alerts import FeedHealth, send_pending
from bot.commands import Commands
from bot.config import Settings
from bot.directsink import DirectSink
from bot.engine import Engine, IngestReport, make_engine
from bot.errors import ConfigError, DigestbotError, StorageError
from bot.schedule.admin import DigestAdmin
from bot.schedule.leader import LeaderLoop
from bot.schedule.pacing import discord_webhook_window
from bot.schedule.poller import FeedPoller, feeds_to_poll
from bot.schedule.posting import Poster, Sinks, SinkUnavailable
from bot.schedule.subscriptions import Subscription, Subscriptions
from bot.sinks import Sink
from bot.targets import parse_target
from bot.timing import Clock, SystemClock
from bot.watch.service import WatchService
from bot.watch.targets import shown_target

if TYPE_CHECKING:
    from adapters.metrics.server import MetricsServer

log = logging.getLogger(__name__)

SWEEP_JOB = "sweep"


def webhook_sinks(
    settings: Settings, client: httpx.AsyncClient | None = None
) -> dict[str, WebhookSink]:
    """The three webhook sinks, sharing one HTTP client."""
    schedule = settings.schedule
    policy = RetryPolicy(
        retries=schedule.webhook_retries,
        max_retry_after=schedule.max_retry_after_seconds,
        retry_after_cap=schedule.retry_after_max_minutes * 60,
        timeout=schedule.webhook_timeout_seconds,
    )
    return {
        "slack-webhook": SlackWebhookSink(client, policy=policy),
        "discord-webhook": DiscordWebhookSink(
            client,
            policy=policy,
            window=discord_webhook_window(schedule.discord_webhooks_per_second),
        ),
        "webhook": JsonWebhookSink(client, policy=policy),
    }


def _imported(engine: Engine) -> list[str]:
    """The feeds imported from OPML (``digestbot import``), polled as configured ones."""
    return [url for url, _ in engine.store.imported_feeds()]


class DigestRuntime:
    """Everything ``digestbot run`` starts; ``run()`` until a signal or ``stop``."""

    def __init__(
        self,
        settings: Settings,
        *,
        db_path: str | None = None,
        engine: Engine | None = None,
        clock: Clock | None = None,
        console_out: TextIO | None = None,
        sinks: Mapping[str, Sink] | None = None,
        load_platforms: bool = True,
        interactive: bool | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._db_path = db_path
        self._engine = engine
        self._console_out = console_out
        self._extra_sinks = dict(sinks or {})
        self._load_platforms = load_platforms
        self._interactive = interactive
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._job_specs: dict[str, tuple[object, ...]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self.poster: Poster | None = None
        self.poller: FeedPoller | None = None
        self.runners: list[PlatformRunner] = []
        self.watches: WatchService | None = None
        self.health: FeedHealth | None = None
        self._alerts_sinks: Sinks | None = None
        #: One health round at a time: two would both send the same pending alert.
        self._health_lock = asyncio.Lock()
        #: The last reason health alerts could not go out (logged once, not every round).
        self._alerts_warned: str | None = None
        self.ready = asyncio.Event()
        self.leader: LeaderLoop | None = None
        self._stop: asyncio.Event | None = None
        self._poller_task: asyncio.Task[None] | None = None
        self._show_first = False
        self._console: ConsoleAdapter | None = None

    # --- the main loop -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until ``stop`` is set or SIGINT/SIGTERM arrives."""
        stop = stop or asyncio.Event()
        self._loop = asyncio.get_running_loop()
        installed = self._install_signals(stop)
        from bot.feeds.fetch import make_client

        settings = self.settings
        if self._engine is not None:
            engine = self._engine
        else:
            engine = await asyncio.to_thread(
                make_engine,
                settings,
                db_path=self._db_path,
                http_client=make_client(
                    timeout=settings.fetch.timeout_seconds, user_agent=settings.fetch.user_agent
                ),
            )
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.schedule.webhook_timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": "digestbot/0.1 (scheduled digests)"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        try:
            await self._run(engine, http, stop)
        finally:
            for sig in installed:
                with contextlib.suppress(Exception):
                    self._loop.remove_signal_handler(sig)
            await http.aclose()
            if self._engine is None:
                await asyncio.to_thread(engine.close)

    async def _run(self, engine: Engine, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        settings = self.settings
        subscriptions = Subscriptions(engine.store)
        _, removed = await asyncio.to_thread(
            subscriptions.sync_config, settings, now=self.clock.now()
        )
        if removed:
            log.info("removed %d subscription(s) no longer in the config", len(removed))

        sinks = Sinks(webhook_sinks(settings, http))
        self.poster = poster = Poster(engine, sinks, clock=self.clock, settings=settings.schedule)
        admin = DigestAdmin(
            engine,
            settings,
            clock=self.clock,
            post_now=self._post_now_from_thread,
            on_change=self._changed_from_thread,
        )
        commands = Commands(engine, admin=admin)
        console = ConsoleAdapter(commands, out=self._console_out)
        sinks.add("console", console)
        scheduler: AsyncIOScheduler | None = None
        poller_task: asyncio.Task[None] | None = None
        console_task: asyncio.Task[None] | None = None
        metrics = self._start_metrics(engine)
        leader_task: asyncio.Task[None] | None = None
        try:
            if self._load_platforms:
                await self._start_platforms(commands, sinks, engine)
            for kind, sink in self._extra_sinks.items():
                sinks.add(kind, sink)
            self.watches = self._watch_service(engine, sinks)
            self.health = FeedHealth(engine.store, failures=settings.alerts.failures)
            self._alerts_sinks = sinks
            all_subs = await asyncio.to_thread(subscriptions.all)
            imported = await asyncio.to_thread(_imported, engine)
            self.poller = FeedPoller(
                engine,
                feeds_to_poll(settings, all_subs, imported),
                clock=self.clock,
                interval=timedelta(minutes=settings.poll_minutes),
                max_backoff=timedelta(minutes=settings.schedule.poll_backoff_max_minutes),
                retry_after_max=timedelta(minutes=settings.schedule.retry_after_max_minutes),
                on_new=self._on_new_episodes,
                health=self.health,
            )
            self._log_start(all_subs, sinks)
            self._scheduler = scheduler = AsyncIOScheduler(
                timezone=ZoneInfo(settings.timezone),
                job_defaults={
                    "coalesce": True,
                    "max_instances": 1,
                    "misfire_grace_time": int(settings.schedule.grace_hours * 3600) or 1,
                },
            )
            scheduler.add_job(
                self._sweep_job,
                IntervalTrigger(seconds=settings.schedule.sweep_seconds),
                id=SWEEP_JOB,
                name="re-check every subscription",
                replace_existing=True,
            )
            self._sync_jobs(all_subs)
            # Paused until this replica leads (at once on SQLite: see ``leader.py``).
            scheduler.start(paused=True)
            self._stop = stop
            self._show_first = not self.runners and not all_subs
            self._console = console
            console_task = self._start_console(console) if not self.runners else None
            self.leader = leader = LeaderLoop(
                engine.store,
                clock=self.clock,
                on_elected=self._elected,
                on_deposed=self._deposed,
            )
            await leader.step()
            if stop.is_set():
                return
            leader_task = asyncio.create_task(leader.run(stop), name="digestbot-leader")
            self.ready.set()
            await stop.wait()
        finally:
            log.info("shutting down")
            stop.set()
            if metrics is not None:
                await asyncio.to_thread(metrics.close)
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if self.poller is not None:
                self.poller.poke()
            poller_task = self._poller_task
            if leader_task is not None:
                await asyncio.gather(leader_task, return_exceptions=True)
            for task in (poller_task, console_task, *self._background):
                if task is not None:
                    task.cancel()  # sweeps only wait on posts; the posts themselves drain below
            await poster.drain(settings.schedule.shutdown_seconds)
            if poller_task is not None:
                await asyncio.gather(poller_task, return_exceptions=True)
            for runner in self.runners:
                with contextlib.suppress(Exception):
                    await runner.stop()

    # --- leadership (bot/schedule/leader.py) ---------------------------------------------

    async def _elected(self) -> None:
        """This replica leads: read the feeds, start the scheduler and the poller, catch up."""
        assert self.poller is not None and self.poster is not None and self._stop is not None
        settings = self.settings
        # Read the feeds once before catching up, so a catch-up post has this week's
        # episode; a signal meanwhile still stops us at once.
        first_round = settings.fetch.deadline_seconds + 10
        if not await _unless_stopped(self.poller.poll_due(), self._stop, first_round):
            return
        if self._show_first and self._console is not None:
            # Nothing configured yet: show the loop working on the terminal anyway.
            self._show_first = False
            await self._show_latest(self.poster.engine, self._console)
        if self._scheduler is not None:
            self._scheduler.resume()
        self._poller_task = asyncio.create_task(
            self.poller.run(self._stop), name="digestbot-poller"
        )
        self._spawn(self.poster.sweep())  # catch up on what was due while no one led
        self._spawn(self._watch_round())  # and on alerts left pending
        self._spawn(self.health_round())

    async def _deposed(self) -> None:
        """Leadership lost: pause the scheduler and the poller; commands go on."""
        if self._scheduler is not None:
            self._scheduler.pause()
        task, self._poller_task = self._poller_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # --- parts -------------------------------------------------------------------------

    def _start_metrics(self, engine: Engine) -> MetricsServer | None:
        """/healthz and /metrics on ``[metrics] port`` (off when unset)."""
        port = self.settings.metrics.port
        if port is None:
            return None
        from adapters.metrics.server import MetricsServer
        from bot.store.metrics import Health

        def scheduler_running() -> bool:
            return self._scheduler is not None and bool(self._scheduler.running)

        try:
            server = MetricsServer(
                Health(engine.store.path, scheduler_running),
                host=self.settings.metrics.host,
                port=port,
            )
        except OSError as exc:
            raise ConfigError(f"[metrics] port {port}: {exc.strerror or exc}") from exc
        return server.start()

    async def _start_platforms(self, commands: Commands, sinks: Sinks, engine: Engine) -> None:
        for runner in load_runners(commands, self.settings, store=engine.store):
            try:
                await runner.start()
            except Exception as exc:
                log.error(
                    "%s did not start (%s: %s); continuing without it",
                    runner.platform,
                    type(exc).__name__,
                    exc,
                )
                with contextlib.suppress(Exception):
                    await runner.stop()
                continue
            self.runners.append(runner)
            sinks.add(runner.platform, runner.sink)
            log.info("%s connected", runner.platform)

    @staticmethod
    async def _show_latest(engine: Engine, console: ConsoleAdapter) -> None:
        """Post the latest episode's TL;DR to the console (no platform, no subscription)."""
        try:
            digest = await asyncio.to_thread(engine.tldr)
        except DigestbotError as exc:
            log.warning("nothing to show yet: %s", exc)
            return
        await console.post_digest("console", digest)

    def _install_signals(self, stop: asyncio.Event) -> list[signal.Signals]:
        assert self._loop is not None
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread (tests), or no signals on this platform
            installed.append(sig)
        return installed

    def _log_start(self, subs: list[Subscription], sinks: Sinks) -> None:
        now = self.clock.now()
        assert self.poller is not None
        log.info(
            "digestbot running: %d feed(s) every %d min, %d subscription(s); posting to: %s",
            len(self.poller.feeds),
            self.settings.poll_minutes,
            len(subs),
            ", ".join(sinks.kinds()),
        )
        for sub in subs:
            next_post = sub.next_post(now)
            when = f", next post {next_post.isoformat(timespec='minutes')}" if next_post else ""
            log.info("  %s%s", sub.describe(), when)
        if not subs:
            log.warning(
                "no subscriptions yet: add one with `digestbot subscribe console` (or a channel)"
            )
        if self.settings.alerts.target:  # said once here, not at every health round
            shown = shown_target(self.settings.alerts.target)
            try:
                self._alerts_destination(self.settings.alerts.target)
                log.info("health alerts go to %s", shown)
            except DigestbotError as exc:
                self._alerts_warned = exc.message
                log.warning("health alerts to %s cannot go out: %s", shown, exc.message)

    def _sync_jobs(self, subs: list[Subscription]) -> None:
        """One cron job per active weekly subscription; stable ids, replaced when changed."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        wanted: dict[str, tuple[object, ...]] = {}
        for sub in subs:
            if sub.mode == "weekly" and sub.active:
                wanted[f"weekly:{sub.id}"] = (sub.day, sub.time, sub.tz)
        for job_id in set(self._job_specs) - set(wanted):
            with contextlib.suppress(Exception):
                scheduler.remove_job(job_id)
            del self._job_specs[job_id]
        by_id = {s.id: s for s in subs}
        for job_id, spec in wanted.items():
            if self._job_specs.get(job_id) == spec:
                continue
            sub = by_id[job_id.split(":", 1)[1]]
            scheduler.add_job(
                self._weekly_job,
                CronTrigger(**sub.schedule.cron_fields()),  # type: ignore[arg-type]
                args=[sub.id],
                id=job_id,
                name=f"weekly digest {sub.id}",
                replace_existing=True,
            )
            self._job_specs[job_id] = spec

    async def _weekly_job(self, sub_id: str) -> None:
        assert self.poster is not None
        outcome = await self.poster.evaluate(sub_id)
        log.info("%s", outcome.line())

    async def _sweep_job(self) -> None:
        assert self.poster is not None
        try:
            subs = await self._resync()
        except StorageError as exc:  # the database is away: the next sweep tries again
            log.warning("sweep skipped: %s", exc.message)
            return
        if self.poller is not None:
            try:  # feeds imported since the start (`digestbot import` in another process)
                imported = await asyncio.to_thread(_imported, self.poller.engine)
            except DigestbotError as exc:  # a locked database: the next sweep reads them
                log.warning("imported feeds: %s", exc)
                imported = []
            for feed, guarded in feeds_to_poll(self.settings, subs, imported).items():
                if self.poller.add(feed, guarded=guarded):
                    self.poller.poke()
        await self.poster.sweep()
        await self.health_round()  # failed polls and disabled subscriptions since the last one

    async def _resync(self) -> list[Subscription]:
        assert self.poster is not None
        subs = await asyncio.to_thread(self.poster.subscriptions.all)
        self._sync_jobs(subs)
        return subs

    async def _on_new_episodes(self, reports: list[IngestReport]) -> None:
        self._spawn(self._after_ingest())

    async def _after_ingest(self) -> None:
        assert self.poster is not None
        self._spawn(self._watch_round())
        await self.poster.sweep()

    def _watch_service(self, engine: Engine, sinks: Sinks) -> WatchService:
        """Watch alerts go through the digest sinks, and DMs through the platforms' senders."""
        service = WatchService(engine.store, clock=self.clock)
        for kind in sinks.kinds():
            service.add_sink(kind, sinks.sink(kind))
        for runner in self.runners:
            sender = getattr(runner, "alert_sender", None)
            if sender is not None:
                service.add_sender(f"{runner.platform}-user", sender)
        return service

    async def health_round(self) -> int:
        """Check subscriptions, then send pending health alerts to ``[alerts] target``."""
        target = self.settings.alerts.target
        if self.health is None or self._alerts_sinks is None or target is None:
            return 0
        try:
            async with self._health_lock:
                await asyncio.to_thread(self.health.check_subscriptions, now=self.clock.now())
                sink, where = self._alerts_destination(target)
                self._alerts_warned = None
                return await send_pending(self.health, sink, where, now=self.clock.now())
        except DigestbotError as exc:  # no sink for the target here, a locked database
            if exc.message != self._alerts_warned:  # once, not at every sweep
                log.warning("health alerts: %s", exc)
            self._alerts_warned = exc.message
            return 0

    def _alerts_destination(self, target: str) -> tuple[Sink, str]:
        """The sink and where for ``[alerts] target``: a person's DMs go through the
        platform's digest sink once its alert sender opened the DM channel."""
        assert self._alerts_sinks is not None
        kind, _, user = target.partition(":")
        if kind not in ("slack-user", "discord-user"):
            return self._alerts_sinks.resolve(parse_target(target))
        platform = kind.removesuffix("-user")
        senders = [getattr(r, "alert_sender", None) for r in self.runners if r.platform == platform]
        opener = getattr(senders[0], "open_dm", None) if senders else None
        if opener is None or platform not in self._alerts_sinks.kinds():
            token = "SLACK_BOT_TOKEN" if platform == "slack" else "DISCORD_TOKEN"
            raise SinkUnavailable(
                f"cannot send {kind} direct messages in this process: set {token}"
            )
        return DirectSink(opener, self._alerts_sinks.sink(platform)), user

    async def _watch_round(self) -> None:
        if self.watches is not None:
            try:
                await self.watches.round()
            except DigestbotError as exc:  # a locked database: the next ingest retries
                log.warning("watch alerts: %s", exc)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- called from worker threads (the adapters run commands there) ------------------------

    def _changed_from_thread(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: self._spawn(self._resync()))

    def _post_now_from_thread(self, sub_id: str, force: bool) -> str:
        assert self._loop is not None and self.poster is not None
        future = asyncio.run_coroutine_threadsafe(
            self.poster.post_now(sub_id, force=force), self._loop
        )
        return future.result(timeout=self.settings.schedule.post_timeout_seconds + 10).line()

    def _start_console(self, console: ConsoleAdapter) -> asyncio.Task[None] | None:
        """Type commands on the terminal when no chat platform is connected."""
        interactive = self._interactive
        if interactive is None:
            interactive = sys.stdin is not None and sys.stdin.isatty()
        if not interactive:
            return None
        assert self._loop is not None
        loop = self._loop
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:  # a daemon thread: a blocked read never holds up shutdown
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="digestbot-console", daemon=True).start()

        async def serve() -> None:
            while (line := await lines.get()) is not None:
                if line.strip():
                    await asyncio.to_thread(console.run_line, line)

        log.info("console: type /tldr, /release NAME, /search WORDS or /digest ... here")
        return asyncio.create_task(serve(), name="digestbot-console")


async def _unless_stopped(work: Any, stop: asyncio.Event, timeout: float) -> bool:
    """Await ``work`` for at most ``timeout`` s; False (work cancelled) if ``stop`` came first."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopper], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    if stop.is_set():
        return False
    log.warning("first feed round took over %.0f s; carrying on", timeout)
    return True


async def run(settings: Settings, *, db_path: str | None = None) -> None:
    """Run digestbot until SIGINT/SIGTERM (what ``digestbot run`` does)."""
    await DigestRuntime(settings, db_path=db_path).run()
