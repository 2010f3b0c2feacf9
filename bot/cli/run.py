"""`run`: the bot on Telegram, by long polling or, when BOT_WEBHOOK_URL is set, by webhook; and,
when WhatsApp is configured, its webhook (`/whatsapp` on BOT_WHATSAPP_PORT) beside it, started
once the services are open and stopped before they close."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot import texts_ops
from bot.app import build_application
from bot.cli import settings_or_none
from bot.cli.workers import is_child, supervise
from bot.domain import understanding
from bot.domain.config import ConfigError, Settings
from bot.domain.intents import default_matcher
from bot.domain.text_fit import clip
from bot.handlers.context import BotApplication
from bot.services import instance_lock
from bot.services.container import Services
from bot.services.key_guard import FINGERPRINT_SETTING
from bot.services.webhook_secret import webhook_secret
from bot.whatsapp.adapter import WhatsAppService
from bot.whatsapp.templates import load_templates

log = logging.getLogger(__name__)

PROBE_KEY = FINGERPRINT_SETTING


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="jalankan bot di Telegram (long polling, atau webhook bila BOT_WEBHOOK_URL diisi)",
        description=(
            "Jalankan bot dengan token TELEGRAM_BOT_TOKEN ke server TELEGRAM_API_URL. Tanpa"
            " BOT_WEBHOOK_URL bot memakai long polling; dengan BOT_WEBHOOK_URL bot mendengarkan"
            " di BOT_WEBHOOK_LISTEN:BOT_WEBHOOK_PORT dan memeriksa BOT_WEBHOOK_SECRET."
        ),
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="jalankan N proses bot sekaligus (butuh BOT_DATABASE_URL dan BOT_WEBHOOK_URL);"
        " pekerja ke-i mendengarkan di BOT_WEBHOOK_PORT + i",
    )
    p.set_defaults(func=run)


def webhook_path(url: str) -> str:
    """The local path the webhook listens on: the path of the public URL (may be empty)."""
    return urlsplit(url).path.strip("/")


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none(sys.stderr)
    if settings is None:
        return 2
    if not settings.token:
        print(texts_ops.RUN_NO_TOKEN, file=sys.stderr)
        return 2
    secret = None
    if settings.webhook_url:
        try:
            secret = webhook_secret(settings)
        except ConfigError as exc:
            print(texts_ops.cli_bad_config(exc), file=sys.stderr)
            return 2
    workers = getattr(args, "workers", 1)
    if workers > 1 and not (settings.database_url and settings.webhook_url):
        print(texts_ops.RUN_WORKERS_NEED_POSTGRES, file=sys.stderr)
        return 2
    default_matcher()  # phrases.toml read now: a broken file stops the start in one line
    if settings.whatsapp_enabled:
        load_templates()  # likewise data/whatsapp_templates.toml, before any message is sent
    if settings.database_url is None:  # PostgreSQL: any number of workers, one dispatcher
        instance_lock.acquire(settings.db_path, settings.tz)  # held until the process ends
    if not is_child():  # the parent of `--workers N` has checked already
        asyncio.run(_preflight(settings))  # key, database: one line and exit 1 when unusable
    if workers > 1:
        return supervise(settings, workers)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the token is part of every URL
    logging.getLogger("telegram.ext").addFilter(_drop_startup_failure_traceback)
    for handler in logging.getLogger().handlers:  # every record, whichever logger wrote it
        handler.addFilter(_tidy_bot_api_page)
    understanding.warm_up()  # the classifier trained now, not on the first resident's message
    try:
        serve(settings, secret)
    except InvalidToken:
        print(texts_ops.run_bad_token(settings.api_url), file=sys.stderr)
        return 1
    except NetworkError as exc:
        if _PAGE.search(str(exc)):  # an HTML page from a proxy, not Telegram's JSON
            print(texts_ops.run_bad_response(settings.api_url, _short(exc)), file=sys.stderr)
        else:
            print(texts_ops.run_unreachable(settings.api_url, _short(exc)), file=sys.stderr)
        return 1
    except TelegramError as exc:  # any other answer the bot cannot start with: one line
        print(texts_ops.run_bad_response(settings.api_url, _short(exc)), file=sys.stderr)
        return 1
    return 0


async def _preflight(settings: Settings) -> None:
    """Open the services once before Telegram is contacted, so a missing or different key or an
    unusable database stops `run` at once with one line (OperatorError) rather than inside
    PTB's start-up."""
    services = await Services.open(settings)
    try:
        # A write that changes nothing: a read-only or locked database stops `run` here.
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE settings SET value = value WHERE key = ?", (PROBE_KEY,))
    finally:
        await services.close()


#: PTB's words when the server's answer was not JSON; the page itself follows them.
_PAGE = re.compile(r"\. Parsing the server response .*", re.DOTALL)


def _short(exc: Exception) -> str:
    """The error's message without a server's whole answer (a proxy's HTML page), one line."""
    text = _PAGE.sub("; " + texts_ops.RUN_NOT_JSON, str(exc))
    return clip(" ".join(text.split()), 200)


def _tidy_bot_api_page(record: logging.LogRecord) -> bool:
    """A proxy's HTML page instead of the Bot API's JSON: PTB logs the whole page with a JSON
    traceback, then raises an error that repeats it. Drop the first; cut the page from the
    second (it is reported in one line: by `run` at start-up, by PTB's log while running)."""
    message = record.getMessage()
    if message.startswith("Can not load invalid JSON data"):
        return False
    if _PAGE.search(message):
        record.msg, record.args = _PAGE.sub("; " + texts_ops.RUN_NOT_JSON, message), ()
        record.exc_info, record.exc_text = None, None
    return True


def _drop_startup_failure_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed start-up (getMe, deleteWebhook, setWebhook) with a traceback, and a
    rejected token's message repeats the token; `run` reports those failures in one line."""
    failure = record.exc_info[1] if record.exc_info else None
    return not (isinstance(failure, TelegramError) and "Bootstrap" in record.getMessage())


def serve(settings: Settings, secret: str | None = None) -> None:
    """Run until Ctrl-C or SIGTERM; PTB handles start-up, shutdown and the signals."""
    app = build_application(settings)
    if settings.whatsapp_enabled:
        serve_whatsapp(app, reuse_port=is_child())
    if settings.webhook_url:
        log.info(
            texts_ops.run_webhook_started(
                settings.webhook_url, settings.webhook_listen, settings.webhook_port
            )
        )
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=secret or webhook_secret(settings),  # never None: generated if unset
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        log.info(texts_ops.run_polling_started(settings.api_url))
        app.run_polling(allowed_updates=Update.ALL_TYPES)


def serve_whatsapp(app: BotApplication, *, reuse_port: bool) -> None:
    """Serve WhatsApp's webhook while `app` runs: started after the services open (PTB's
    post_init), stopped before they close (post_stop). `reuse_port`: the workers of
    `run --workers N` share BOT_WHATSAPP_PORT (the kernel spreads the deliveries)."""
    started: list[WhatsAppService] = []
    opened, stopping = app.post_init, app.post_stop

    async def post_init(application: BotApplication) -> None:
        if opened is not None:
            await opened(application)
        service = WhatsAppService.of(application.bot_data.services)
        port = await service.start(reuse_port=reuse_port)
        started.append(service)
        log.info(
            texts_ops.run_whatsapp_started(
                application.bot_data.services.settings.webhook_listen, port
            )
        )

    async def post_stop(application: BotApplication) -> None:
        while started:
            await started.pop().stop()
        if stopping is not None:
            await stopping(application)

    app.post_init = post_init
    app.post_stop = post_stop
