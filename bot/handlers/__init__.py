"""Handlers, one module per audience or feature; `register_handlers` adds them in priority order.

Order matters: within a group the first matching handler wins, so the menu buttons of questions
and visits come before the free-text conversation, and `general` (help for anything else) comes
last. Steps in progress read their input in groups of their own that run first (chat tracking,
the announcement draft, the visit walk-through, a file awaited by /impor, questions at the desk,
the office's location pin): see ARCHITECTURE.md, "Handler order".
"""

from __future__ import annotations

from bot.handlers import (
    admin,
    broadcast,
    conversation,
    general,
    receipts,
    resident,
    schedule,
    staff,
)
from bot.handlers import questions as questions_handlers
from bot.handlers.context import BotApplication


def register_handlers(app: BotApplication) -> None:
    for module in (
        admin,
        staff,
        receipts,
        broadcast,
        resident,
        schedule,
        questions_handlers,
        conversation,
        general,
    ):
        module.register(app)
