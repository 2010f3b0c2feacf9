"""Wiring: `build_application(settings)` turns Settings into a ready telegram.ext.Application.

Everything the bot runs on is assembled here and nowhere else: the Bot API root and token,
HTML as the default parse mode, PTB's rate limiter, the job queue, the handlers of
`bot/handlers/` and the error handler, and the lifecycle of the services (opened in
`post_init`, background work stopped in `post_stop`, services closed in `post_shutdown`).
`run`, `demo` and the tests all build the bot here.
"""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot import notifier
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.handlers import errors, register_handlers
from bot.handlers.common import SERVICES_KEY
from bot.handlers.general import register_commands
from bot.services import Services
from bot.telegram_text import FittingRateLimiter

log = logging.getLogger(__name__)

SETTINGS_KEY = "settings"
CLOCK_KEY = "clock"
#: bot_data flag: False keeps background work (e.g. the outbox dispatcher) from starting, for
#: tests that drive it by hand; `on_start(app)` can then be awaited explicitly.
BACKGROUND_KEY = "background"

#: How often a request that Telegram answered with 429 is retried after waiting `retry_after`.
RATE_LIMIT_RETRIES = 3


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    background: bool = True,
) -> Application:
    """The bot, wired; `request` replaces the HTTP transport (the demo and tests pass a
    `bot.local_api.LocalBotApi`). Services open when the application initialises."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN belum diisi")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(FittingRateLimiter(max_retries=RATE_LIMIT_RETRIES))  # fits every text
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data[SETTINGS_KEY] = settings
    app.bot_data[CLOCK_KEY] = clock or Clock()
    app.bot_data[BACKGROUND_KEY] = background
    register_handlers(app)
    errors.register(app)
    return app


async def start_in_process(app: Application) -> None:
    """Start the bot without polling or a webhook, as the demo and the tests run it: updates are
    handed to `app.process_update` by `bot.local_api`."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()


async def stop_in_process(app: Application) -> None:
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


async def on_start(app: Application) -> None:
    """Background work that runs while the bot runs; the last step of start-up, services open.

    Add one line per background service here (e.g. the outbox dispatcher)."""
    await notifier.start_notifier(app)


async def on_stop(app: Application) -> None:
    """Stop what `on_start` started (a no-op for what is not running); runs before the bot's
    HTTP client and the services close."""
    await notifier.stop_notifier(app)


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data[SETTINGS_KEY]
    app.bot_data[SERVICES_KEY] = await Services.open(settings, app.bot_data[CLOCK_KEY])
    await register_commands(app)
    if app.bot_data.get(BACKGROUND_KEY, True):
        await on_start(app)
    log.info("bot @%s siap", app.bot.username)


async def _post_stop(app: Application) -> None:
    # Always: tests may start background work by hand even when the flag kept it off.
    await on_stop(app)


async def _post_shutdown(app: Application) -> None:
    services: Services | None = app.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.close()
