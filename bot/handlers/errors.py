"""The error handler: log what broke without personal data, tell the person something kind."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts_id as texts
from bot.domain.privacy import redact, redacted_traceback
from bot.handlers.context import BotApplication, BotContext

log = logging.getLogger(__name__)


def register(app: BotApplication) -> None:
    app.add_error_handler(on_error)


def api_method(error: BaseException) -> str | None:
    """The Bot API method a request failed in (e.g. "sendMessage"), read from the traceback:
    PTB's request functions hold it in their local `endpoint`."""
    tb = error.__traceback__
    method: str | None = None
    while tb is not None:
        endpoint = tb.tb_frame.f_locals.get("endpoint")
        if isinstance(endpoint, str) and endpoint:
            method = endpoint
        tb = tb.tb_next
    return method


def _where(update: object) -> tuple[int | None, int | None]:
    if isinstance(update, Update):
        chat = update.effective_chat
        return update.update_id, chat.id if chat else None
    return None, None


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (ids and traceback, numbers redacted), then apologise to the person;
    the update then goes to no further handler group (one answer per update: the apology)."""
    error = context.error
    update_id, chat_id = _where(update)
    if isinstance(error, Forbidden):
        # The person blocked the bot or left the group: nothing to say to them, nor to try.
        log.info("chat %s cannot be reached (update %s): %s", chat_id, update_id, error)
        raise ApplicationHandlerStop
    if error is None:
        return
    if isinstance(error, BadRequest) and "message is not modified" in str(error).casefold():
        # The same button pressed twice (or a message already showing this answer): the
        # person already reads what the edit would show. Nothing broke, nothing to say.
        log.debug("edit left a message unchanged (update %s, chat %s)", update_id, chat_id)
        if isinstance(update, Update) and update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        return
    if isinstance(error, BadRequest):
        # Telegram refused what the bot sent (e.g. "can't parse entities"): a bug, not the
        # network. Said as an error, with the Bot API method it happened in.
        log.error(
            "Telegram refused %s while handling update %s in chat %s: %s\n%s",
            api_method(error) or "a request",
            update_id,
            chat_id,
            redact(str(error)),
            redacted_traceback(error),
        )
    elif isinstance(error, NetworkError):
        log.warning(
            "network trouble while handling update %s in chat %s: %s",
            update_id,
            chat_id,
            redact(str(error)),
        )
    else:
        log.error(
            "error while handling update %s in chat %s\n%s",
            update_id,
            chat_id,
            redacted_traceback(error),
        )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, texts.ERROR_KIND)
    except TelegramError as exc:
        log.info("could not apologise in chat %s: %s", chat_id, redact(str(exc)))
    raise ApplicationHandlerStop  # the person has had the apology: no other handler answers
