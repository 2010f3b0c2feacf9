"""The plumbing of a staff member's draft kept between messages (an announcement being written,
a visit being planned): which private message a draft may take, and how it ends.

The draft itself lives in the database (`storage.steps`, through its service), so a restart in
the middle changes nothing; these helpers only decide what a message does to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NoReturn, Protocol

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.auth import REFUSED
from bot.handlers.common import command_of
from bot.services.verification import looks_like_numbers

#: The command that drops the draft.
CANCEL = "/batal"


class Draft(Protocol):
    @property
    def chat_id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def expired(self) -> bool: ...


class Drafts(Protocol):
    async def drop_draft(self, chat_id: int, user_id: int) -> bool: ...


def draft_message_of(update: Update) -> tuple[Message, int, str | None] | None:
    """The message, its sender's id and its command (`CANCEL` or None) when a draft may take
    it; None for a document (an /impor upload, never a draft's answer), another command, or
    a NIK and KK alone (`looks_like_numbers(..., alone=True)`)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.document is not None:
        return None
    if message.text and looks_like_numbers(message.text, alone=True):
        return None
    command = command_of(message)
    if command is not None and command != CANCEL:
        return None
    return message, user.id, command


async def take_draft_message(
    message: Message,
    command: str | None,
    drafts: Drafts,
    draft: Draft,
    answer: Callable[[], Awaitable[object]],
    *,
    expired_text: str,
    cancelled_text: str,
) -> NoReturn:
    """The message is the draft's: an expired draft is dropped (and said so), `CANCEL` drops it,
    anything else is `answer`ed (and the draft dropped when the role was refused). The message
    goes on to no other handler."""
    if draft.expired:
        await drafts.drop_draft(draft.chat_id, draft.user_id)
        await message.reply_text(expired_text)
    elif command == CANCEL:
        await drafts.drop_draft(draft.chat_id, draft.user_id)
        await message.reply_text(cancelled_text)
    elif await answer() == REFUSED:
        await drafts.drop_draft(draft.chat_id, draft.user_id)
    raise ApplicationHandlerStop
