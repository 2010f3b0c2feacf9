"""The Telegram adapter's door: every update is made safe to store and to log before any
handler sees it (`bot.domain.clean_text`: no NUL, no lone surrogate), whether it came by long
polling or by webhook.

Reading the whole update costs more than answering a check, so the door looks first at the
strings people can type or name (texts, captions, button data, file names, names and titles);
only an update with a bad character there is rebuilt, cleaned throughout.
"""

from __future__ import annotations

from collections.abc import Iterator

from telegram import Chat, Message, Update, User
from telegram.ext import Application

from bot.domain.clean_text import cleaned, is_clean


class CleanDoorApplication(Application):
    """PTB's Application whose `process_update` cleans each update's text first."""

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update) and not all(map(is_clean, _typed_strings(update))):
            fixed = Update.de_json(cleaned(update.to_dict()), self.bot)
            if fixed is not None:
                update = fixed
        await super().process_update(update)


def _typed_strings(update: Update) -> Iterator[str | None]:
    """The strings of an update that a person chose."""
    query = update.callback_query
    if query is not None:
        yield query.data
        yield from _person(query.from_user)
    for message in (update.message, update.edited_message, update.channel_post):
        if message is not None:
            yield from _message(message)
            if isinstance(message.reply_to_message, Message):
                yield from _message(message.reply_to_message)
    member = update.my_chat_member or update.chat_member
    if member is not None:
        yield from _chat(member.chat)
        yield from _person(member.from_user)


def _message(message: Message) -> Iterator[str | None]:
    yield message.text
    yield message.caption
    if message.document is not None:
        yield message.document.file_name
        yield message.document.mime_type
    if message.venue is not None:
        yield message.venue.title
        yield message.venue.address
    if message.contact is not None:
        yield message.contact.first_name
        yield message.contact.last_name
        yield message.contact.phone_number
    yield from _person(message.from_user)
    yield from _chat(message.chat)


def _person(user: User | None) -> Iterator[str | None]:
    if user is not None:
        yield user.first_name
        yield user.last_name
        yield user.username


def _chat(chat: Chat) -> Iterator[str | None]:
    yield chat.title
    yield chat.first_name
    yield chat.last_name
    yield chat.username
