"""Small helpers every handler module shares: reaching the services, the chat kind."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackContext

from bot.handlers.context import BotData
from bot.services import Services


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The services of the Application (a shim: handlers take `BotContext` and use
    `context.services`)."""
    bot_data: BotData = context.application.bot_data
    return bot_data.services


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE
