"""The Telegram adapter of the conversation: an update in, an `Event` to the conversation, its
neutral messages rendered and sent. Plumbing only: no sentence and no decision is made here.

Every update first meets `arrive` (the first entry of `conversation.steps.ROUTING`): the chat
is noted and its steps are read once (kept on the context for the staff's walk-throughs, whose
owners run next only when their step is open). Then `converse`: unless a staff walk-through is
open, the residents' dialogue answers. What it leaves (staff commands and buttons) goes on to
the staff's handlers; `leftover` (last) gives the dialogue what a walk-through let through,
then says that a command or button is unknown.
"""

from __future__ import annotations

import functools

from telegram import (
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, TypeHandler
from telegram.ext import filters as tg_filters

from bot.conversation import steps
from bot.conversation.dialogue import Conversation
from bot.conversation.events import Event
from bot.conversation.messages import Choice
from bot.conversation.messages import Message as Said
from bot.handlers import general
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.groups import group_of, walkthroughs
from bot.handlers.menu import main_menu
from bot.handlers.render import html
from bot.handlers.telegram_text import addressed_elsewhere

CHANNEL = "telegram"
#: `BotContext.conversed`: the router asked the conversation (and it did not finish), or the
#: conversation said the update is not the residents' (it goes on to the staff's handlers).
ASKED, PASSED = "asked", "passed"


def register(app: BotApplication) -> None:
    """First of all: the chat noted, its steps read, the staff's walk-throughs offered it."""
    app.add_handler(TypeHandler(Update, arrive), group=group_of("chat"))


def register_conversation(app: BotApplication) -> None:
    """The residents' dialogue, after the walk-throughs' owners, before the staff's commands."""
    app.add_handler(TypeHandler(Update, converse), group=group_of("conversation"))


def register_leftovers(app: BotApplication) -> None:
    """Last in group 0: what no staff handler took."""
    app.add_handler(MessageHandler(tg_filters.ALL, leftover), group=group_of("leftovers"))
    app.add_handler(CallbackQueryHandler(leftover), group=group_of("leftovers"))


def conversation_of(context: BotContext) -> Conversation:
    return Conversation(context.services)


# --- in: an update as an event ------------------------------------------------------------------


def event_of(update: Update, context: BotContext) -> Event | None:
    """The event of a message or a button press; None for anything else (a status update, a
    command addressed to another bot)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return None
    bot = context.bot
    common = {
        "channel": CHANNEL,
        "conversation": chat.id,
        "person": user.id,
        "name": user.first_name or "",
        "private": chat.type == ChatType.PRIVATE,
        "bot_username": bot.username,
        "start_link": f"https://t.me/{bot.username}?start=",
    }
    query = update.callback_query
    if query is not None:
        return Event(button=query.data or "", **common)  # type: ignore[arg-type]
    message = update.message or update.edited_message
    if message is None:
        return None
    text = message.text
    words = text if text is not None else message.caption
    if words and words.startswith("/") and addressed_elsewhere(words, bot.username):
        return None
    replied = message.reply_to_message
    reply_to = (
        replied.message_id
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
        else None
    )
    location = (message.location.latitude, message.location.longitude) if message.location else None
    attachment = None
    if message.document is not None:
        attachment = "document"
    elif message.photo:
        attachment = "photo"
    elif message.text is None and location is None:
        if _status_update(message):
            return None
        attachment = "other"
    return Event(
        text=text,
        caption=message.caption,
        location=location,
        attachment=attachment,
        reply_to=reply_to,
        edited=update.edited_message is not None,
        **common,  # type: ignore[arg-type]
    )


def _status_update(message: Message) -> bool:
    return bool(tg_filters.StatusUpdate.ALL.check_update(Update(0, message=message)))


# --- out: neutral messages rendered for Telegram ------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _button(choice: Choice) -> InlineKeyboardButton:
    """A choice as an inline button (its value as `callback_data`, or a link); the buttons
    every answer carries are built once."""
    if choice.url:
        return InlineKeyboardButton(choice.label, url=choice.url)
    return InlineKeyboardButton(choice.label, callback_data=choice.id)


def _keyboard(rows: tuple[tuple[Choice, ...], ...]) -> InlineKeyboardMarkup | None:
    built = [[_button(choice) for choice in row] for row in rows if row]
    return InlineKeyboardMarkup(built) if built else None


async def send(update: Update, context: BotContext, said: list[Said]) -> None:
    """Send what the conversation said, in order, as replies to `update`.

    A button pressed on a message that has vanished since (deleted, or too old for Telegram to
    show) still gets its answer: the change it made is told in a new message, never lost and
    never reported as a failure; so is a replacement the pressed message cannot take."""
    query = update.callback_query
    message = update.effective_message
    chat = update.effective_chat
    noticed = False
    for item in said:
        if item.notice:
            if query is not None and not noticed:
                await query.answer(html_free(item.text), show_alert=item.alert)
                noticed = True
            continue
        if query is not None and not noticed:
            await query.answer()
            noticed = True
        if chat is None:
            continue
        if item.venue is not None:
            venue = item.venue
            await context.bot.send_venue(
                chat.id,
                latitude=venue.latitude,
                longitude=venue.longitude,
                title=venue.title,
                address=venue.address,
            )
        if not item.text:
            continue
        inline = _keyboard(item.choices)
        if item.replaces_pressed and query is not None and isinstance(query.message, Message):
            try:
                await query.edit_message_text(html(item.text), reply_markup=inline)
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).casefold():  # it reads so already
                    continue
                # the message can no longer be edited: the answer goes out as a new one
        markup = main_menu() if item.menu and inline is None else inline
        if isinstance(message, Message):
            await message.reply_text(html(item.text), reply_markup=markup)
        else:
            await context.bot.send_message(chat.id, html(item.text), reply_markup=markup)
    if query is not None and not noticed:
        await query.answer()


def html_free(marked: str) -> str:
    """A notice is plain text (Telegram shows no markup over the chat)."""
    from bot.domain.markup import plain

    return plain(marked)


# --- the handlers -------------------------------------------------------------------------------


async def arrive(update: Update, context: BotContext) -> None:
    """First for every update: the chat is noted, and its steps are read once (left on the
    context for the conversation); then each staff walk-through's owner sees the update while
    its step is open (`groups.walkthroughs`, in the routing's order)."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services
    member = update.my_chat_member
    gone = member is not None and member.new_chat_member.status in (
        ChatMember.BANNED,
        ChatMember.LEFT,
    )
    user = update.effective_user
    private = chat.type == ChatType.PRIVATE
    wants_steps = not gone and private and user is not None and update.callback_query is None
    came_back, current = await steps.arrive(
        svc,
        chat.id,
        chat.type,
        user.id if user is not None else chat.id,
        gone=gone,
        read_steps=wants_steps,
    )
    if came_back:
        svc.wake_outbox()
    context.steps = current if wants_steps else None
    await walkthroughs(update, context)  # the routing's staff steps, each while it is open


async def converse(update: Update, context: BotContext) -> None:
    """The residents' dialogue answers (then nothing else runs), unless a staff walk-through
    is open here (its owner has seen the message, `leftover` gives it to the dialogue) or the
    update is not the residents' (it goes on to the staff's handlers)."""
    current = context.steps
    if current is not None and current.staff:
        return
    event = event_of(update, context)
    if event is None:
        return
    context.conversed = ASKED  # stays so when answering fails: the error handler apologises
    said = await conversation_of(context).answer(event, current)
    if said is None:
        context.conversed = PASSED
        return
    await send(update, context, said)
    raise ApplicationHandlerStop


async def leftover(update: Update, context: BotContext) -> None:
    """What no step's owner and no staff handler took: the residents' dialogue (unless it
    has been asked already), then "unknown command" or "unknown button"."""
    if context.conversed == ASKED:
        return  # the conversation failed on it: the error handler has answered
    event = event_of(update, context)
    if event is not None and context.conversed != PASSED:
        said = await conversation_of(context).answer(event, context.steps)
        if said is not None:
            await send(update, context, said)
            return
    if update.callback_query is not None:
        await general.unknown_button(update, context)
    elif event is None or event.edited:
        return
    elif event.command is not None:
        await general.unknown_command(update, context)
    elif event.private and event.text:
        await general.help_command(update, context)  # a staff member asked for help in words
