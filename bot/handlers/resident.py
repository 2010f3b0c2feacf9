"""Handlers for residents: check a card with NIK + KK, follow a family's cards, privacy controls.

Every chat the bot sees is recorded first (its own handler group), where a command also ends
a check step in progress and a label being typed is saved. A message is taken as a check only
when it looks like a NIK/KK (`looks_like_numbers`); other text is left to the general help.
The step in progress lives in the database, so a restart in the middle of a check changes
nothing.
"""

from __future__ import annotations

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import insights, notifier
from bot import texts_id as texts
from bot.handlers.common import is_private, services
from bot.handlers.general import START_CHECK
from bot.office import load_office_info
from bot.services import Services
from bot.storage import chats as chats_store
from bot.storage import checks as checks_store
from bot.storage import settings as settings_store
from bot.storage import subscriptions as subscriptions_store
from bot.storage.db import from_iso
from bot.storage.records import Record
from bot.storage.subscriptions import MAX_PER_CHAT, Subscribed
from bot.verification import (
    CHAT_WINDOW,
    NIK_WINDOW,
    CheckReply,
    Outcome,
    Reply,
    Verification,
    handle_numbers,
    looks_like_numbers,
)

PREFIX = "res"
#: The handler group that records every chat: before every other group, and alone in it (a
#: TypeHandler matches every update, so nothing else in its group would run).
CHAT_TRACKING_GROUP = -100
#: Commands that do not end a check step in progress.
_KEEPS_STEP = ("/batal",)


class _NumberMessage(filters.MessageFilter):
    """A message that is a NIK/KK attempt (even a malformed one), not free text."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and looks_like_numbers(message.text)


def register(app: Application) -> None:
    """Add this module's handlers to the application."""
    app.add_handler(TypeHandler(Update, track_chat), group=CHAT_TRACKING_GROUP)
    app.add_handler(CommandHandler("cek", cek_command))
    app.add_handler(CommandHandler("langganan", langganan_command))
    app.add_handler(CommandHandler("berhenti", berhenti_command))
    app.add_handler(CommandHandler("privasi", privasi_command))
    app.add_handler(CommandHandler("hapusdata", hapusdata_command))
    app.add_handler(CommandHandler("batal", batal_command))
    app.add_handler(CallbackQueryHandler(button, pattern=rf"^{PREFIX}:"))
    # An edited message too: people fix a mistyped NIK by editing it and expect an answer.
    numbers = filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND & _NumberMessage()
    app.add_handler(MessageHandler(numbers, number_message))


# --- every update: the chat is seen; a step in progress may end or get its label -------------


async def track_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    now = svc.clock.now()
    member = update.my_chat_member
    message = update.message
    label_for: int | None = None
    label_saved = False
    came_back = False  # the chat had blocked the bot: its card news is queued again
    try:
        async with svc.db.transaction() as conn:
            if member is not None and member.new_chat_member.status in (
                ChatMember.BANNED,
                ChatMember.LEFT,
            ):
                await chats_store.set_reachable(conn, chat.id, False)
                return
            came_back = await chats_store.seen(conn, chat.id, chat.type, now)
            if chat.type != ChatType.PRIVATE or message is None or not message.text:
                return
            text = message.text
            if text.startswith("/"):
                if text.split(maxsplit=1)[0].split("@")[0].casefold() not in _KEEPS_STEP:
                    await checks_store.clear_pending(conn, chat.id)
                return
            pending = await checks_store.get_pending(conn, chat.id, now)
            if pending is None or pending.step is not checks_store.Step.LABEL:
                return
            await checks_store.clear_pending(conn, chat.id)
            if looks_like_numbers(text) or pending.record_id is None:
                return  # a NIK instead of a label: a new check, handled below
            label_for = pending.record_id
            label = subscriptions_store.clean_label(text)
            label_saved = await subscriptions_store.set_label(conn, chat.id, label_for, label)
    finally:
        if came_back:
            notifier.wake(context.application)
    await _answer_label(message, svc, chat.id, label_for, label_saved)
    raise ApplicationHandlerStop


async def _answer_label(
    message: Message, svc: Services, chat_id: int, record_id: int, saved: bool
) -> None:
    if not saved:
        await message.reply_text(texts.NOT_FOLLOWED)
        return
    label, masked = await _followed(svc, chat_id, record_id)
    await message.reply_text(texts.label_saved(label, masked))


async def _followed(svc: Services, chat_id: int, record_id: int) -> tuple[str | None, str]:
    for item in await subscriptions_store.for_chat(svc.db.conn, chat_id):
        if item.record.id == record_id:
            return item.label, item.record.nik_masked
    return None, ""


# --- checking -------------------------------------------------------------------------------


def _private_only_markup(context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    url = f"https://t.me/{context.bot.username}?start={START_CHECK}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_OPEN_PRIVATE, url=url)]])


async def _private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Message | None:
    """The message to answer in a private chat; None (after pointing a group to the private
    chat) anywhere else."""
    message = update.effective_message
    if message is None:
        return None
    if not is_private(update):
        await message.reply_text(
            texts.GROUP_PRIVATE_ONLY, reply_markup=_private_only_markup(context)
        )
        return None
    return message


async def cek_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    rest = " ".join(context.args or [])
    if rest and looks_like_numbers(rest):
        await _check_step(message, services(context), rest)
    else:
        await message.reply_text(texts.ASK_NIK)


async def number_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None or not message.text:
        return
    await _check_step(message, services(context), message.text)


async def _check_step(message: Message, svc: Services, text: str) -> None:
    step = await handle_numbers(svc, message.chat_id, text)
    match step.reply:
        case Reply.ASK_KK:
            await message.reply_text(texts.ask_kk(step.nik_masked or ""))
        case Reply.INVALID if step.error is not None:
            await message.reply_text(texts.invalid_number(texts.nik_problem(step.error)))
        case Reply.TOO_MANY:
            await message.reply_text(texts.TOO_MANY_NUMBERS)
        case Reply.TOO_LONG:
            await message.reply_text(texts.NUMBERS_TOO_LONG)
        case Reply.SAME_AS_NIK:
            await message.reply_text(texts.same_as_nik(step.nik_masked))
        case Reply.CHECKED if step.verification and step.verification.record is not None:
            await _send_result(message, svc, step.verification.record)
        case _:
            await message.reply_text(await _refusal_text(svc, step))


async def _refusal_text(svc: Services, step: CheckReply) -> str:
    """No match, a chat that must wait, or a locked NIK."""
    result = step.verification or Verification(Outcome.NO_MATCH)
    tz = svc.settings.timezone
    parts: list[str] = []
    if result.outcome is Outcome.NO_MATCH:
        parts.append(texts.no_match(None if result.started else result.attempts_left))
    kind = result.started if result.outcome is Outcome.NO_MATCH else result.outcome
    if kind is Outcome.CHAT_WAIT and result.until is not None:
        parts.append(texts.chat_must_wait(result.until, tz))
    elif kind is Outcome.NIK_LOCKED and result.until is not None:
        office = await load_office_info(svc.db.conn)
        block = texts.office_contact(office.address, office.hours, office.contact)
        parts.append(texts.nik_locked(result.until, tz, block))
    return "\n\n".join(parts)


async def _send_result(message: Message, svc: Services, record: Record) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.BTN_SUBSCRIBE, callback_data=f"{PREFIX}:sub:{record.id}")],
            [InlineKeyboardButton(texts.BTN_CHECK_ANOTHER, callback_data=f"{PREFIX}:other")],
            [InlineKeyboardButton(texts.BTN_ALL_STAGES, callback_data=f"{PREFIX}:stages")],
        ]
    )
    await message.reply_text(await check_answer(svc, record), reply_markup=markup)


async def check_answer(svc: Services, record: Record) -> str:
    """What a resident reads after a successful check (bench/ times this too)."""
    conn = svc.db.conn
    now = svc.clock.now()
    today = svc.today(now)
    insight = await insights.record_insight(conn, record, today)
    office = await load_office_info(conn)
    as_of = from_iso(record.updated_at)
    last_import = await settings_store.get(conn, settings_store.LAST_IMPORT_AT)
    if last_import:
        as_of = max(as_of, from_iso(last_import))
    return texts.check_result(
        nik_masked=record.nik_masked,
        name_masked=record.name_masked,
        status=record.status,
        status_date=record.status_date,
        today=today,
        insight=insight,
        office=office,
        as_of=as_of,
        tz=svc.settings.timezone,
    )


async def batal_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    svc = services(context)
    async with svc.db.transaction() as conn:
        cleared = await checks_store.clear_pending(conn, message.chat_id)
    await message.reply_text(texts.CANCELLED if cleared else texts.NOTHING_TO_CANCEL)


# --- following a family's cards ----------------------------------------------------------------


def _label_markup(record_id: int) -> InlineKeyboardMarkup:
    presets = [
        InlineKeyboardButton(name, callback_data=f"{PREFIX}:label:{record_id}:{i}")
        for i, name in enumerate(texts.LABEL_PRESETS)
    ]
    rows = [presets[i : i + 3] for i in range(0, len(presets), 3)]
    rows.append(
        [InlineKeyboardButton(texts.BTN_NO_LABEL, callback_data=f"{PREFIX}:label:{record_id}:-")]
    )
    return InlineKeyboardMarkup(rows)


async def langganan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    svc = services(context)
    items = await subscriptions_store.for_chat(svc.db.conn, message.chat_id)
    if not items:
        await message.reply_text(texts.NO_SUBSCRIPTIONS)
        return
    today = svc.today()
    text = texts.subscription_list(
        [(s.label, s.record.nik_masked, s.record.status, s.record.status_date) for s in items],
        MAX_PER_CHAT,
        today,
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.label_button(i, s.label, s.record.nik_masked),
                    callback_data=f"{PREFIX}:ask:{s.record.id}",
                )
            ]
            for i, s in enumerate(items, 1)
        ]
    )
    await message.reply_text(text, reply_markup=markup)


async def berhenti_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    svc = services(context)
    chat_id = message.chat_id
    items = await subscriptions_store.for_chat(svc.db.conn, chat_id)
    if not items:
        await message.reply_text(texts.NOTHING_TO_STOP)
        return
    arg = " ".join(context.args or []).strip().casefold()
    if arg in ("semua", "all"):
        async with svc.db.transaction() as conn:
            count = await subscriptions_store.unsubscribe_all(conn, chat_id)
        await message.reply_text(texts.stopped_all(count))
        return
    if arg:
        # By its number in /langganan, or by the name the resident gave it ("/berhenti ibu").
        named = [s for s in items if s.label and s.label.casefold() == arg]
        if arg.isdigit() and 1 <= int(arg) <= len(items):
            chosen = items[int(arg) - 1]
        elif len(named) == 1:
            chosen = named[0]
        else:
            await message.reply_text(texts.stop_usage(len(items)))
            return
        async with svc.db.transaction() as conn:
            await subscriptions_store.unsubscribe(conn, chat_id, chosen.record.id)
        await message.reply_text(texts.stopped(chosen.label, chosen.record.nik_masked))
        return
    rows = [
        [
            InlineKeyboardButton(
                texts.stop_button(i, s.label, s.record.nik_masked),
                callback_data=f"{PREFIX}:stop:{s.record.id}",
            )
        ]
        for i, s in enumerate(items, 1)
    ]
    rows.append(
        [
            InlineKeyboardButton(texts.BTN_STOP_ALL, callback_data=f"{PREFIX}:stop:all"),
            InlineKeyboardButton(texts.BTN_KEEP, callback_data=f"{PREFIX}:stop:keep"),
        ]
    )
    await message.reply_text(texts.STOP_CHOOSE, reply_markup=InlineKeyboardMarkup(rows))


# --- privacy ----------------------------------------------------------------------------------


async def privasi_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.PRIVACY)


async def hapusdata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BTN_ERASE_YES, callback_data=f"{PREFIX}:erase:yes"),
                InlineKeyboardButton(texts.BTN_ERASE_NO, callback_data=f"{PREFIX}:erase:no"),
            ]
        ]
    )
    await message.reply_text(texts.ERASE_CONFIRM, reply_markup=markup)


# --- buttons ----------------------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    message = query.message
    if not is_private(update) or not isinstance(message, Message):
        return
    svc = services(context)
    _, action, *args = query.data.split(":")
    match action, args:
        case "sub", [record_id] if record_id.isdigit():
            await _subscribe(message, svc, int(record_id))
        case "other", []:
            await message.reply_text(texts.ASK_NIK)
        case "stages", []:
            for part in texts.all_stages():
                await message.reply_text(part)
        case "label", [record_id, choice] if record_id.isdigit():
            await _choose_label(query, svc, int(record_id), choice)
        case "ask", [record_id] if record_id.isdigit():
            await _ask_label(message, svc, int(record_id))
        case "stop", [choice]:
            await _stop(query, svc, choice)
        case "erase", [choice]:
            await _erase(query, svc, choice == "yes")


async def _subscribe(message: Message, svc: Services, record_id: int) -> None:
    chat_id = message.chat_id
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        if not await checks_store.is_verified(conn, chat_id, record_id, now):
            outcome = None
        else:
            outcome = await subscriptions_store.subscribe(conn, chat_id, record_id, now)
            if outcome is not Subscribed.FULL:
                await checks_store.set_pending(
                    conn, chat_id, checks_store.Step.LABEL, now, record_id=record_id
                )
    if outcome is None:
        await message.reply_text(texts.CHECK_EXPIRED)
        return
    if outcome is Subscribed.FULL:
        await message.reply_text(texts.subscriptions_full(MAX_PER_CHAT))
        return
    label, masked = await _followed(svc, chat_id, record_id)
    if outcome is Subscribed.ADDED:
        following = await subscriptions_store.count(svc.db.conn, chat_id)
        text = texts.subscribed(masked, following, MAX_PER_CHAT)
    else:
        text = texts.already_subscribed(label, masked)
    await message.reply_text(text, reply_markup=_label_markup(record_id))


async def _ask_label(message: Message, svc: Services, record_id: int) -> None:
    chat_id = message.chat_id
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        following = await subscriptions_store.is_subscribed(conn, chat_id, record_id)
        if following:
            await checks_store.set_pending(
                conn, chat_id, checks_store.Step.LABEL, now, record_id=record_id
            )
    if not following:
        await message.reply_text(texts.NOT_FOLLOWED)
        return
    label, masked = await _followed(svc, chat_id, record_id)
    await message.reply_text(texts.ask_label(label, masked), reply_markup=_label_markup(record_id))


async def _choose_label(query: CallbackQuery, svc: Services, record_id: int, choice: str) -> None:
    chat_id = query.message.chat.id if query.message else 0
    label: str | None = None
    if choice.isdigit() and int(choice) < len(texts.LABEL_PRESETS):
        label = texts.LABEL_PRESETS[int(choice)]
    async with svc.db.transaction() as conn:
        saved = await subscriptions_store.set_label(conn, chat_id, record_id, label)
        await checks_store.clear_pending(conn, chat_id)
    if not saved:
        await query.edit_message_text(texts.NOT_FOLLOWED)
        return
    label, masked = await _followed(svc, chat_id, record_id)
    await query.edit_message_text(texts.label_saved(label, masked))


async def _stop(query: CallbackQuery, svc: Services, choice: str) -> None:
    chat_id = query.message.chat.id if query.message else 0
    if choice == "keep":
        await query.edit_message_text(texts.STOP_KEPT)
        return
    if choice == "all":
        async with svc.db.transaction() as conn:
            count = await subscriptions_store.unsubscribe_all(conn, chat_id)
        await query.edit_message_text(texts.stopped_all(count))
        return
    if not choice.isdigit():
        return
    label, masked = await _followed(svc, chat_id, int(choice))
    async with svc.db.transaction() as conn:
        stopped = await subscriptions_store.unsubscribe(conn, chat_id, int(choice))
    await query.edit_message_text(texts.stopped(label, masked) if stopped else texts.NOT_FOLLOWED)


async def _erase(query: CallbackQuery, svc: Services, confirmed: bool) -> None:
    if not confirmed:
        await query.edit_message_text(texts.ERASE_KEPT)
        return
    chat_id = query.message.chat.id if query.message else 0
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        await chats_store.forget(
            conn,
            chat_id,
            keep_failures_since=now - NIK_WINDOW,
            chat_window_since=now - CHAT_WINDOW,
            now=now,
        )
    await query.edit_message_text(texts.ERASED)
