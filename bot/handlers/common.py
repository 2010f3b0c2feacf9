"""Small helpers every handler module shares: reaching the services, the chat kind, inline
buttons, editing a button's message, the command a message starts with, a card as staff see
it."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackContext

from bot import texts_staff
from bot.domain.commands import command_name
from bot.handlers import callbacks
from bot.handlers.context import BotData
from bot.handlers.render import html
from bot.services.container import Services
from bot.services.record_lookup import RecordView

_Yes = TypeVar("_Yes", bound=callbacks.CallbackData)


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The services of the Application (a shim: handlers take `BotContext` and use
    `context.services`)."""
    bot_data: BotData = context.application.bot_data
    return bot_data.services


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def command_of(message: Message) -> str | None:
    """The command a message starts with ("/batal", without "@bot_name"), or None."""
    return command_name(message.text)


# --- inline buttons ----------------------------------------------------------------------------


def inline_button(label: str, data: callbacks.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def button_rows(
    buttons: list[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def yes_no_markup(
    yes_label: str, yes: callbacks.CallbackData, no_label: str, no: callbacks.CallbackData
) -> InlineKeyboardMarkup:
    """One row: the "yes" and "no" buttons of a question asked before doing something."""
    return InlineKeyboardMarkup([[inline_button(yes_label, yes), inline_button(no_label, no)]])


async def edit_text(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """The pressed button's message now reads `text` (the same text again is no error)."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def yes_pressed(
    query: CallbackQuery, yes: type[_Yes], no: type[callbacks.CallbackData], kept: str
) -> _Yes | None:
    """The answer to a `yes_no_markup` question: the "yes" button's data, or None (for "no",
    after the message was edited to read `kept`)."""
    await query.answer()
    data = callbacks.unpack(query.data)
    if isinstance(data, no):
        await edit_text(query, kept)
        return None
    return data if isinstance(data, yes) else None


def staff_record_text(view: RecordView, district_name: str | None, today: date, tz: str) -> str:
    """A card as staff see it (/status, the desk's "Cek warga"): masked, with its history."""
    record = view.record
    return html(
        texts_staff.staff_record(
            nik_masked=record.nik_masked,
            name_masked=record.name_masked,
            district=record.district,
            status=record.status,
            status_date=record.status_date,
            note=record.note,
            history=[
                texts_staff.HistoryLine(h.status, h.entered_on, h.source, h.actor_id, h.note)
                for h in view.history
            ],
            district_name=district_name,
            subscribers=view.subscribers,
            followers_by_channel=view.by_channel,
            locked_until=view.locked_until,
            today=today,
            tz=tz,
        )
    )
