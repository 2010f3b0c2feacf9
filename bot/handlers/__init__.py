"""Handlers, one module per audience or feature; `register_handlers` adds them in priority order.

Order matters: within a group the first matching handler wins, so conversations that wait for
staff input (a CSV upload) come before the resident's catch-all NIK reader, and `general` (help
for anything else) comes last. Two groups run before the others: the resident's chat tracking
(`resident.CHAT_TRACKING_GROUP`) and an announcement draft's text (`broadcast.DRAFT_GROUP`).
"""

from __future__ import annotations

from bot.handlers import admin, broadcast, conversation, general, resident, schedule, staff
from bot.handlers import questions as questions_handlers
from bot.handlers.context import BotApplication


def register_handlers(app: BotApplication) -> None:
    for module in (
        admin,
        staff,
        broadcast,
        resident,
        schedule,
        questions_handlers,
        conversation,
        general,
    ):
        module.register(app)
