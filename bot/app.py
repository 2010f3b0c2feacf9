"""Wiring: `build_application(settings)` turns Settings into a ready telegram.ext.Application.

Everything the bot runs on is assembled here and nowhere else: the Bot API root and token,
HTML as the default parse mode, PTB's rate limiter, the job queue, the typed context
(`BotContext`, `BotData`), the handlers of `bot/handlers/` and the error handler, and the
lifecycle of the services (opened in `post_init` with the insights cache and the outbox
dispatcher started, background work stopped in `post_stop`, services closed in
`post_shutdown`). `run`, `demo` and the tests all build the bot here.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.domain.clock import Clock
from bot.domain.config import ConfigError, ConfigProblem, Settings
from bot.domain.text_fit import fit_request
from bot.handlers import broadcast, errors, register_handlers, schedule
from bot.handlers.context import BotApplication, BotContext, BotData
from bot.handlers.dispatcher import OUTBOX_SEND, Dispatcher, Fence, Limits, SendFenced
from bot.handlers.door import CleanDoorApplication
from bot.handlers.general import register_commands
from bot.handlers.telegram_text import FittingRateLimiter
from bot.services import maintenance
from bot.services.container import Services
from bot.services.folder_import import FolderWatcher
from bot.services.leader import Leadership
from bot.whatsapp.sender import WhatsAppSender

log = logging.getLogger(__name__)

#: How often a request that Telegram answered with 429 is retried after waiting `retry_after`.
RATE_LIMIT_RETRIES = 3
PURGE_JOB = "purge-expired"


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    background: bool = True,
    rate_limiter: bool = True,
    concurrent_updates: bool | int = False,
) -> BotApplication:
    """The bot, wired; `request` replaces the HTTP transport (the demo and tests pass a
    `bot.local_api.LocalBotApi`). Services open when the application initialises.

    `rate_limiter=False` leaves out PTB's rate limiter (texts are still fitted to Telegram's
    limits) and `concurrent_updates` is PTB's switch of the same name: `bench/checks.py`
    measures the bot with and without them."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN", ConfigProblem.MISSING)
    limiter: BaseRateLimiter[int] = (
        _SharedLimiter(overall_max_rate=settings.outbox_per_second, max_retries=RATE_LIMIT_RETRIES)
        if rate_limiter
        else _FittingOnly()
    )
    builder = (
        ApplicationBuilder()
        .application_class(CleanDoorApplication)  # no NUL, no lone surrogate past the door
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(limiter)  # fits every text; overall rate BOT_OUTBOX_PER_SECOND
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app: BotApplication = builder.build()
    if isinstance(limiter, _SharedLimiter):
        limiter.data = app.bot_data
    app.bot_data.settings = settings
    app.bot_data.clock = clock or Clock()
    app.bot_data.background = background
    register_handlers(app)
    errors.register(app)
    return app


#: Bot API methods that put a message in a chat (what Telegram's 30 per second counts).
_MESSAGE_METHODS = ("send", "edit", "copy", "forward")


class _SharedLimiter(FittingRateLimiter):
    """PTB's limiter (fitting every text) that also tells the outbox dispatcher of each message
    sent besides the outbox, so residents' replies and announcements share one budget with the
    replies first: the dispatcher sends only in what is left of Telegram's 30 per second."""

    data: BotData | None = None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        dispatcher = self.data.dispatcher if self.data is not None else None
        if (
            dispatcher is not None
            and not OUTBOX_SEND.get()
            and endpoint.startswith(_MESSAGE_METHODS)
        ):
            dispatcher.note_send()
        fence = self.data.leadership if self.data is not None else None
        if fence is not None and OUTBOX_SEND.get():
            callback = _fenced(callback, fence)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def _fenced(callback: Any, fence: Fence) -> Any:
    """The request, if this worker may still send when the limiter lets it go: a message that
    waited in the limiter while the worker was paused or deposed stays in the outbox."""

    async def request(*args: Any, **kwargs: Any) -> Any:
        if not fence.may_send():
            raise SendFenced
        return await callback(*args, **kwargs)

    return request


class _FittingOnly(BaseRateLimiter[int]):
    """No limits at all (capacity benchmarks); every text is still fitted to Telegram's."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        fit_request(endpoint, data)
        return await callback(*args, **kwargs)


async def start_in_process(app: BotApplication) -> None:
    """Start the bot without polling or a webhook, as the demo and the tests run it: updates are
    handed to `app.process_update` by `bot.local_api`."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()


async def stop_in_process(app: BotApplication) -> None:
    """Undo `start_in_process`: stop the job queue and background work, close the services.

    Background work stops before `app.shutdown()` closes the bot's HTTP client, so a message
    being sent at that moment is finished (and marked sent) rather than cut off."""
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def on_start(app: BotApplication) -> None:
    """Background work that runs while the bot runs; the last step of start-up, services open.

    Add one line per background service here."""
    app.bot_data.services.insights.start()
    await app.bot_data.services.db.start_maintenance()  # SQLite: WAL checkpoints off the requests
    start_purge_job(app)
    await start_delivery(app)
    schedule.start_jobs(app)  # jemput bola: the day-before notices
    start_folder_watch(app)  # BOT_IMPORT_DIR: the import nobody has to start


async def on_stop(app: BotApplication) -> None:
    """Stop what `on_start` started (a no-op for what is not running); runs before the bot's
    HTTP client and the services close."""
    await stop_folder_watch(app)
    await stop_delivery(app)


def start_folder_watch(app: BotApplication) -> None:
    """Watch BOT_IMPORT_DIR (when set); only the worker that runs the periodic jobs imports."""
    data = app.bot_data
    folder = data.services.settings.import_dir
    if folder is None:
        return
    if data.folder_watcher is None:
        data.folder_watcher = FolderWatcher(
            data.services, folder, may_import=lambda: data.runs_periodic_jobs
        )
    data.folder_watcher.start()


async def stop_folder_watch(app: BotApplication) -> None:
    watcher, app.bot_data.folder_watcher = app.bot_data.folder_watcher, None
    if watcher is not None:
        await watcher.stop()


async def start_delivery(app: BotApplication) -> None:
    """SQLite: this process delivers the outbox. PostgreSQL: the one worker elected by an
    advisory lock does (bot/services/leader.py); the others stand by to take over."""
    settings = app.bot_data.services.settings
    if settings.database_url is None:
        await start_dispatcher(app)
        await start_whatsapp_sender(app)
        return
    if app.bot_data.leadership is None:

        async def elected() -> None:
            await start_dispatcher(app)
            await start_whatsapp_sender(app)

        async def deposed() -> None:
            await stop_whatsapp_sender(app)
            await stop_dispatcher(app)

        app.bot_data.leadership = Leadership(settings.database_url, elected, deposed)
    await app.bot_data.leadership.start()


async def stop_delivery(app: BotApplication) -> None:
    """Undo `start_delivery` (a no-op for what is not running)."""
    leadership, app.bot_data.leadership = app.bot_data.leadership, None
    if leadership is not None:
        await leadership.stop()
    await stop_whatsapp_sender(app)
    await stop_dispatcher(app)


async def start_whatsapp_sender(app: BotApplication) -> WhatsAppSender | None:
    """WhatsApp configured: start the sender of the WhatsApp contacts' outbox rows (beside the
    dispatcher, on the same elected worker; a broadcast's progress is the dispatcher's)."""
    data = app.bot_data
    services = data.services
    if not services.settings.whatsapp_enabled:
        return None
    if data.whatsapp_sender is not None and data.whatsapp_sender.running:
        return data.whatsapp_sender

    def broadcast_moved(broadcast_id: int) -> None:
        if data.dispatcher is not None:
            data.dispatcher.broadcast_moved(broadcast_id)

    data.whatsapp_sender = WhatsAppSender.from_settings(
        services, fence=data.leadership, on_broadcast=broadcast_moved
    )
    await data.whatsapp_sender.start()
    return data.whatsapp_sender


async def stop_whatsapp_sender(app: BotApplication) -> None:
    sender, app.bot_data.whatsapp_sender = app.bot_data.whatsapp_sender, None
    if sender is not None:
        await sender.stop()


def start_purge_job(app: BotApplication) -> None:
    """Drop expired steps, proofs, attempts and locks every PURGE_EVERY (once per app)."""
    queue = app.job_queue
    if queue is None or queue.get_jobs_by_name(PURGE_JOB):
        return
    every = maintenance.PURGE_EVERY.total_seconds()
    queue.run_repeating(_purge_job, interval=every, first=10, name=PURGE_JOB)


async def _purge_job(context: BotContext) -> None:
    if not context.bot_data.runs_periodic_jobs:
        return
    try:
        dropped = await maintenance.purge_expired(context.services)
    except Exception:
        log.exception("could not drop expired rows; next round")
        return
    if dropped:
        log.debug("%d expired rows dropped", dropped)


async def start_dispatcher(app: BotApplication, limits: Limits | None = None) -> Dispatcher:
    """Create and start the outbox dispatcher of an Application (services open), or return the
    one already running."""
    existing = app.bot_data.dispatcher
    if existing is not None and existing.running:
        return existing
    services = app.bot_data.services
    limits = limits or Limits(per_second=services.settings.outbox_per_second)
    dispatcher = Dispatcher(
        app.bot,
        services,
        limits=limits,
        render_progress=broadcast.render_progress,
        fence=app.bot_data.leadership,
    )
    app.bot_data.dispatcher = dispatcher
    await dispatcher.start()
    return dispatcher


async def stop_dispatcher(app: BotApplication) -> None:
    """Stop the dispatcher (before the database closes); messages on their way are finished."""
    if app.bot_data.dispatcher is not None:
        await app.bot_data.dispatcher.stop()


async def _post_init(app: BotApplication) -> None:
    data = app.bot_data
    if data.settings is None:
        raise RuntimeError("the Application was not built by build_application")
    data.services_ = await Services.open(data.settings, data.clock)
    await register_commands(app)
    if data.background:
        await on_start(app)
    log.info("bot @%s siap", app.bot.username)


async def _post_stop(app: BotApplication) -> None:
    # Always: tests may start background work by hand even when the flag kept it off.
    await on_stop(app)


async def _post_shutdown(app: BotApplication) -> None:
    services, app.bot_data.services_ = app.bot_data.services_, None
    app.bot_data.dispatcher = None
    if services is not None:
        await services.close()  # stops the insights cache, then closes the database
