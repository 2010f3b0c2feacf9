"""The outbox's notices as Telegram messages: kind + parameters -> HTML text + inline keyboard.

The dispatcher calls `render` for each row just before sending it. The words come from the
texts modules through `bot.services.notices.compose` (which reads the facts as they are now);
this adapter only turns the neutral buttons into an inline keyboard. A legacy row (queued
before rows were events) goes exactly as it was stored: its HTML and its keyboard's JSON.
Another channel renders the same `Composed` its own way (or maps the kind to a template).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.callbacks import DeskAction, QuestionReply
from bot.handlers.render import html
from bot.services.container import Services
from bot.services.notices import compose
from bot.services.questions import REPLY, Keyboard
from bot.storage.outbox import DueRow


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    text: str  # Telegram HTML (parse_mode="HTML")
    markup: InlineKeyboardMarkup | None = None


async def render(services: Services, row: DueRow) -> TelegramMessage | None:
    """The Telegram message of an outbox row now, or None when there is nothing left to say
    (the row is then cancelled)."""
    composed = await compose(services, row)
    if composed is None:
        return None
    if composed.legacy_keyboard:
        stored = InlineKeyboardMarkup.de_json(json.loads(composed.legacy_keyboard), None)
        return TelegramMessage(composed.text, stored)
    # The residents' texts still write Telegram HTML; a text in the sentences' own markup
    # (bot.domain.markup) becomes Telegram HTML here.
    text = html(composed.text) if composed.marked else composed.text
    markup = keyboard_markup(composed.buttons) if composed.buttons else None
    return TelegramMessage(text, markup)


def keyboard_markup(rows: Keyboard) -> InlineKeyboardMarkup | None:
    """A question's neutral buttons as an inline keyboard (None: no buttons)."""
    built = []
    for row in rows:
        line = []
        for button in row:
            data = (
                QuestionReply(button.question_id)
                if button.action == REPLY
                else DeskAction(button.action, button.question_id)
            )
            line.append(InlineKeyboardButton(button.label, callback_data=data.pack()))
        if line:
            built.append(line)
    return InlineKeyboardMarkup(built) if built else None
