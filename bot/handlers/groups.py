"""PTB handler groups from the one routing order (`bot.conversation.steps.ROUTING`), and the
dispatch of the staff's walk-throughs in that order.

PTB runs groups in ascending order and, within a group, the first matching handler. The chat is
noted and its steps read first ("chat", -100), and in the same handler the update is offered to
each staff walk-through's owner, in the routing's order, only when the person is in that step
(`walkthroughs`: an owner registers with `register_step`); group -1 is left free for tests;
the residents' dialogue is group 0; the staff's commands and the leftovers share group 1, the
leftovers registered last.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.conversation.steps import ANSWER, ROUTING, STAFF_WALKTHROUGHS, StepKind
from bot.handlers.context import BotApplication, BotContext

GROUPS: dict[str, int] = {
    "chat": -100,  # and the staff's walk-throughs, right after (`router.arrive`)
    "conversation": 0,
    "commands": 1,
    "leftovers": 1,  # registered last in the commands' group
}
assert all(name in GROUPS or name in {k.name for k in STAFF_WALKTHROUGHS} for name in ROUTING)


def group_of(name: str) -> int:
    """The handler group of an entry of the routing ("chat", "conversation", "commands"...)."""
    return GROUPS[name]


def register_step(app: BotApplication, kind: StepKind, handler: BaseHandler[Any, Any, Any]) -> None:
    """`handler` (its filter and callback as usual) sees updates while a person is in `kind`."""
    app.bot_data.step_handlers.setdefault(kind.name, []).append(handler)


def _offered(kind: StepKind, context: BotContext, update: Update) -> bool:
    """Whether the owner of `kind` sees this update: the person is in that step, or the steps
    were not read here (a group, a button); an answer at the desk may also be a reply."""
    current = context.steps
    if current is None or current.has(kind):
        return True
    message = update.message
    return kind is ANSWER and message is not None and message.reply_to_message is not None


async def walkthroughs(update: Update, context: BotContext) -> None:
    """The staff's walk-throughs, in the routing's order: the first handler of an offered step
    whose filter matches runs (it raises `ApplicationHandlerStop` when it takes the update)."""
    owners = context.bot_data.step_handlers
    for kind in STAFF_WALKTHROUGHS:
        if not _offered(kind, context, update):
            continue
        for handler in owners.get(kind.name, ()):
            check = handler.check_update(update)
            if check is not None and check is not False:
                await handler.handle_update(update, context.application, check, context)
                break


def may_be_in(context: BotContext, kind: StepKind) -> bool:
    """False when the router read this chat's steps and `kind` is not among them: the step's
    owner need not read anything (True: it is open, or the steps were not read)."""
    return context.steps is None or context.steps.has(kind)
