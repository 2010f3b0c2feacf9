"""The resident's main menu: a persistent reply keyboard of big buttons, two per row.

The conversation asks for it with `Message(menu=True)`; the router (`router.send`) renders it.
A press sends the label as a text, which the conversation reads (`dialogue.Conversation._menu`).
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup
from telegram.ext import filters

from bot import texts_id as texts

#: At most two buttons a row: each stays wide enough for a thumb on a small screen.
PER_ROW = 2


def main_menu() -> ReplyKeyboardMarkup:
    """The resident's main menu, kept open (persistent) and sized to its buttons."""
    labels = texts.MAIN_MENU_LABELS
    rows = [
        [KeyboardButton(label) for label in labels[i : i + PER_ROW]]
        for i in range(0, len(labels), PER_ROW)
    ]
    return ReplyKeyboardMarkup(
        rows,
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=texts.MENU_PLACEHOLDER,
    )


def pressed(label: str) -> filters.BaseFilter:  # the staff's /bantuan button (general.py)
    """A fresh private text message that is exactly `label` (a press of that menu button)."""
    return filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.Text([label])
