"""PTB handler groups, from the one routing order (`bot.conversation.steps.ROUTING`).

PTB runs groups in ascending order and, within a group, the first matching handler. Each entry
of the routing before "conversation" gets its own group, from -100 (the chat noted and its
steps read, then each staff walk-through's owner); the residents' dialogue is group 0; the
staff's commands and the leftovers share group 1, the leftovers registered last. Group -1 is
left free for tests.
"""

from __future__ import annotations

from bot.conversation.steps import ROUTING, StepKind
from bot.handlers.context import BotContext

_FIRST = -100
_STEP = 10
_BEFORE = ROUTING[: ROUTING.index("conversation")]
GROUPS: dict[str, int] = {name: _FIRST + _STEP * i for i, name in enumerate(_BEFORE)} | {
    "conversation": 0,
    "commands": 1,
    "leftovers": 1,  # registered last in the commands' group
}


def group_of(name: str) -> int:
    """The handler group of an entry of the routing (a step's name, "chat", "commands"...)."""
    return GROUPS[name]


def may_be_in(context: BotContext, kind: StepKind) -> bool:
    """False when the router read this chat's steps and `kind` is not among them: the step's
    owner need not read anything (True: it is open, or the steps were not read)."""
    return context.steps is None or context.steps.has(kind)
