"""The Telegram adapter's handlers; `register_handlers` adds them in the routing's order.

The order is declared once, in `bot.conversation.steps.ROUTING`: the router first (the chat
noted, its steps read, the residents' dialogue answered: `router.py`), then each staff
walk-through's owner in its own group (`groups.py`), then the staff's commands and buttons, and
last the leftovers (what a walk-through let through, unknown commands and buttons).
"""

from __future__ import annotations

from bot.handlers import admin, broadcast, general, router, schedule, staff
from bot.handlers import questions as questions_handlers
from bot.handlers.context import BotApplication


def register_handlers(app: BotApplication) -> None:
    router.register(app)
    for module in (admin, staff, broadcast, schedule, questions_handlers, general):
        module.register(app)
    router.register_leftovers(app)
