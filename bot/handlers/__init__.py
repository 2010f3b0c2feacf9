"""The Telegram adapter's handlers; `register_handlers` adds them in the routing's order.

The order is declared once, in `bot.conversation.steps.ROUTING`: the chat noted and its steps
read (`router.arrive`), each staff walk-through's owner while its step is open
(`groups.walkthroughs`), the residents' dialogue (`router.converse`), the staff's commands and
buttons, and last the leftovers (what a walk-through let through, unknown commands and buttons).
"""

from __future__ import annotations

from bot.handlers import admin, broadcast, general, receipts, router, schedule, staff
from bot.handlers import questions as questions_handlers
from bot.handlers.context import BotApplication
from bot.handlers.groups import group_of

#: The group PTB adds a handler to when none is named.
PTB_DEFAULT_GROUP = 0


def register_handlers(app: BotApplication) -> None:
    router.register(app)
    for module in (admin, staff, receipts, broadcast, schedule, questions_handlers, general):
        module.register(app)
        _to_commands_group(app)
    router.register_conversation(app)
    router.register_leftovers(app)


def _to_commands_group(app: BotApplication) -> None:
    """The staff's commands and buttons (each module adds them to PTB's default group) run in
    the routing's "commands" group, after the residents' dialogue."""
    for handler in app.handlers.pop(PTB_DEFAULT_GROUP, []):
        app.add_handler(handler, group=group_of("commands"))
