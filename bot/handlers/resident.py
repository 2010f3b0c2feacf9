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
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts_id as texts
from bot.domain.numbers import parse_int
from bot.handlers import callbacks
from bot.handlers.callbacks import (
    NO_LABEL,
    ResAllStages,
    ResAskLabel,
    ResCheckAnother,
    ResErase,
    ResLabel,
    ResMore,
    ResStop,
    ResSubscribe,
)
from bot.handlers.common import button_rows, inline_button, is_private
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.general import START_CHECK
from bot.services.container import Services
from bot.services.insights import RecordInsight
from bot.services.residents import MAX_PER_CHAT, Residents, Subscribed
from bot.services.verification import (
    CheckReply,
    Outcome,
    Reply,
    Verification,
    handle_numbers,
    looks_like_numbers,
)
from bot.services.visits import Visits
from bot.storage.records import Record

PREFIX = "res"
#: The handler group that records every chat: before every other group, and alone in it (a
#: TypeHandler matches every update, so nothing else in its group would run).
CHAT_TRACKING_GROUP = -100


class _NumberMessage(filters.MessageFilter):
    """A message that is a NIK/KK attempt (even a malformed one), not free text."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and looks_like_numbers(message.text)


def register(app: BotApplication) -> None:
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


async def track_chat(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services
    member = update.my_chat_member
    message = update.message
    gone = member is not None and member.new_chat_member.status in (
        ChatMember.BANNED,
        ChatMember.LEFT,
    )
    private_text = message.text if message is not None and chat.type == ChatType.PRIVATE else None
    residents = Residents.of(svc)
    seen = await residents.seen(chat.id, chat.type, gone=gone, private_text=private_text)
    if seen.came_back:
        svc.wake_outbox()
    if seen.label_for is None or message is None:
        return
    if not seen.label_saved:
        await message.reply_text(texts.NOT_FOLLOWED)
    else:
        followed = await residents.followed(chat.id, seen.label_for)
        await message.reply_text(texts.label_saved(followed.label, followed.nik_masked))
    raise ApplicationHandlerStop


# --- checking -------------------------------------------------------------------------------


def _private_only_markup(context: BotContext) -> InlineKeyboardMarkup:
    url = f"https://t.me/{context.bot.username}?start={START_CHECK}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_OPEN_PRIVATE, url=url)]])


async def _private_message(update: Update, context: BotContext) -> Message | None:
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


async def cek_command(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    rest = " ".join(context.args or [])
    if rest and looks_like_numbers(rest):
        await _check_step(message, context.services, rest)
    else:
        await message.reply_text(texts.ASK_NIK)


async def number_message(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None or not message.text:
        return
    await _check_step(message, context.services, message.text)


async def _check_step(message: Message, svc: Services, text: str) -> None:
    step = await handle_numbers(svc, message.chat_id, text)
    match step.reply:
        case Reply.ASK_KK:
            await message.reply_text(texts.ask_kk(step.nik_masked or ""))
        case Reply.INVALID if step.error is not None:
            problem = texts.nik_problem(step.error, step.position)
            await message.reply_text(texts.invalid_number(problem))
        case Reply.TOO_MANY:
            await message.reply_text(texts.TOO_MANY_NUMBERS)
        case Reply.TOO_LONG:
            await message.reply_text(texts.NUMBERS_TOO_LONG)
        case Reply.SAME_AS_NIK:
            await message.reply_text(texts.same_as_nik(step.nik_masked))
        case Reply.SAME_TWICE:
            await message.reply_text(texts.SAME_NUMBER_TWICE)
        case Reply.SWAPPED:
            await message.reply_text(texts.NUMBERS_SWAPPED)
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
        left = None if result.started else result.attempts_left
        parts.append(texts.no_match(left, None if result.started else step.nik_masked))
    kind = result.started if result.outcome is Outcome.NO_MATCH else result.outcome
    if kind is Outcome.CHAT_WAIT and result.until is not None:
        parts.append(texts.chat_must_wait(result.until, tz))
    elif kind is Outcome.NIK_LOCKED and result.until is not None:
        office = await Residents.of(svc).office()
        block = texts.office_contact(office.address, office.hours, office.contact)
        parts.append(texts.nik_locked(result.until, tz, block))
    return "\n\n".join(parts)


#: The buttons under every answer that do not name its record (made once: they never change).
_CHECK_ANOTHER = inline_button(texts.BTN_CHECK_ANOTHER, ResCheckAnother())
_ALL_STAGES = inline_button(texts.BTN_ALL_STAGES, ResAllStages())


async def _send_result(message: Message, svc: Services, record: Record) -> None:
    markup = InlineKeyboardMarkup(
        [
            [inline_button(texts.BTN_MORE, ResMore(record.id))],
            [inline_button(texts.BTN_SUBSCRIBE, ResSubscribe(record.id))],
            [_CHECK_ANOTHER],
            [_ALL_STAGES],
        ]
    )
    visit_line = await Visits.of(svc).check_line(record.district, record.status)
    await message.reply_text(await check_answer(svc, record, visit_line), reply_markup=markup)


def _waiting(insight: RecordInsight) -> texts.WaitingFigures:
    estimate = insight.estimate
    return texts.WaitingFigures(
        waited_days=insight.waited_days,
        usual_known=insight.usual.enough,
        usual_median_days=insight.usual.median_days,
        usual_p80_days=insight.usual.p80_days,
        longer_than_usual=insight.longer_than_usual,
        queue_before=insight.queue_before,
        blanko_stock=insight.blanko_stock,
        usual_samples=insight.usual.samples,
        printed_recently=insight.printed_recently,
        estimate_kind=estimate.kind.value if estimate else "none",
        estimate_from=estimate.earliest if estimate else None,
        estimate_to=estimate.latest if estimate else None,
        blanko_known=estimate.blanko_known if estimate else False,
    )


async def check_answer(svc: Services, record: Record, visit_line: str | None = None) -> str:
    """The first answer a resident reads after a successful check, one phone screen (bench/
    times this too). `visit_line`: the next "jemput bola" visit near the resident, if any."""
    facts = await Residents.of(svc).card_facts(record)
    return texts.check_result(
        nik_masked=record.nik_masked,
        name_masked=record.name_masked,
        status=record.status,
        status_date=record.status_date,
        today=facts.today,
        waiting=_waiting(facts.insight),
        office=facts.office,
        as_of=facts.as_of,
        tz=svc.settings.timezone,
        visit_line=visit_line,
    )


async def check_more(svc: Services, record: Record) -> str:
    """The rest of the answer, behind the "Selengkapnya" button."""
    facts = await Residents.of(svc).card_facts(record)
    return texts.check_details(
        nik_masked=record.nik_masked,
        status=record.status,
        waiting=_waiting(facts.insight),
        office=facts.office,
    )


async def batal_command(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    cleared = await Residents.of(context.services).cancel_step(message.chat_id)
    await message.reply_text(texts.CANCELLED if cleared else texts.NOTHING_TO_CANCEL)


# --- following a family's cards ----------------------------------------------------------------


def _label_markup(record_id: int) -> InlineKeyboardMarkup:
    presets = [
        inline_button(name, ResLabel(record_id, str(i)))
        for i, name in enumerate(texts.LABEL_PRESETS)
    ]
    rows = button_rows(presets, 3)
    rows.append([inline_button(texts.BTN_NO_LABEL, ResLabel(record_id, NO_LABEL))])
    return InlineKeyboardMarkup(rows)


async def langganan_command(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    svc = context.services
    items = await Residents.of(svc).following(message.chat_id)
    if not items:
        await message.reply_text(texts.NO_SUBSCRIPTIONS)
        return
    text = texts.subscription_list(
        [(s.label, s.record.nik_masked, s.record.status, s.record.status_date) for s in items],
        MAX_PER_CHAT,
        svc.today(),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                inline_button(
                    texts.label_button(i, s.label, s.record.nik_masked), ResAskLabel(s.record.id)
                )
            ]
            for i, s in enumerate(items, 1)
        ]
    )
    await message.reply_text(text, reply_markup=markup)


async def berhenti_command(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    residents = Residents.of(context.services)
    chat_id = message.chat_id
    items = await residents.following(chat_id)
    if not items:
        await message.reply_text(texts.NOTHING_TO_STOP)
        return
    arg = " ".join(context.args or []).strip().casefold()
    if arg in ("semua", "all"):
        await message.reply_text(texts.stopped_all(await residents.stop_all(chat_id)))
        return
    if arg:
        # By its number in /langganan, or by the name the resident gave it ("/berhenti ibu").
        named = [s for s in items if s.label and s.label.casefold() == arg]
        position = parse_int(arg, max_digits=3)
        if position is not None and 1 <= position <= len(items):
            chosen = items[position - 1]
        elif len(named) == 1:
            chosen = named[0]
        else:
            await message.reply_text(texts.stop_usage(len(items)))
            return
        await residents.stop(chat_id, chosen.record.id)
        await message.reply_text(texts.stopped(chosen.label, chosen.record.nik_masked))
        return
    rows = [
        [
            inline_button(
                texts.stop_button(i, s.label, s.record.nik_masked), ResStop(str(s.record.id))
            )
        ]
        for i, s in enumerate(items, 1)
    ]
    rows.append(
        [
            inline_button(texts.BTN_STOP_ALL, ResStop(ResStop.ALL)),
            inline_button(texts.BTN_KEEP, ResStop(ResStop.KEEP)),
        ]
    )
    await message.reply_text(texts.STOP_CHOOSE, reply_markup=InlineKeyboardMarkup(rows))


# --- privacy ----------------------------------------------------------------------------------


async def privasi_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.PRIVACY)


async def hapusdata_command(update: Update, context: BotContext) -> None:
    message = await _private_message(update, context)
    if message is None:
        return
    markup = InlineKeyboardMarkup(
        [
            [
                inline_button(texts.BTN_ERASE_YES, ResErase("yes")),
                inline_button(texts.BTN_ERASE_NO, ResErase("no")),
            ]
        ]
    )
    await message.reply_text(texts.ERASE_CONFIRM, reply_markup=markup)


# --- buttons ----------------------------------------------------------------------------------


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    data = callbacks.unpack(query.data)
    if data is None:
        await query.answer(texts.BUTTON_UNKNOWN)
        return
    await query.answer()
    message = query.message
    if not is_private(update) or not isinstance(message, Message):
        return
    residents = Residents.of(context.services)
    match data:
        case ResSubscribe(record_id):
            await _subscribe(message, residents, record_id)
        case ResMore(record_id):
            await _more(message, context.services, residents, record_id)
        case ResCheckAnother():
            await message.reply_text(texts.ASK_NIK)
        case ResAllStages():
            for part in texts.all_stages():
                await message.reply_text(part)
        case ResLabel():
            await _choose_label(query, message, residents, data)
        case ResAskLabel(record_id):
            await _ask_label(message, residents, record_id)
        case ResStop():
            await _stop(query, message, residents, data)
        case ResErase():
            await _erase(query, message, residents, data.confirmed)


async def _more(message: Message, svc: Services, residents: Residents, record_id: int) -> None:
    record = await residents.proved(message.chat_id, record_id)
    if record is None:
        await message.reply_text(texts.CHECK_EXPIRED)
        return
    await message.reply_text(await check_more(svc, record))


async def _subscribe(message: Message, residents: Residents, record_id: int) -> None:
    chat_id = message.chat_id
    outcome = await residents.subscribe(chat_id, record_id)
    if outcome is None:
        await message.reply_text(texts.CHECK_EXPIRED)
        return
    if outcome is Subscribed.FULL:
        await message.reply_text(texts.subscriptions_full(MAX_PER_CHAT))
        return
    followed = await residents.followed(chat_id, record_id)
    if outcome is Subscribed.ADDED:
        following = await residents.count(chat_id)
        text = texts.subscribed(followed.nik_masked, following, MAX_PER_CHAT)
    else:
        text = texts.already_subscribed(followed.label, followed.nik_masked)
    await message.reply_text(text, reply_markup=_label_markup(record_id))


async def _ask_label(message: Message, residents: Residents, record_id: int) -> None:
    if not await residents.ask_label(message.chat_id, record_id):
        await message.reply_text(texts.NOT_FOLLOWED)
        return
    followed = await residents.followed(message.chat_id, record_id)
    await message.reply_text(
        texts.ask_label(followed.label, followed.nik_masked),
        reply_markup=_label_markup(record_id),
    )


async def _choose_label(
    query: CallbackQuery, message: Message, residents: Residents, data: ResLabel
) -> None:
    preset = data.preset
    label = (
        texts.LABEL_PRESETS[preset]
        if preset is not None and preset < len(texts.LABEL_PRESETS)
        else None
    )
    if not await residents.set_label(message.chat_id, data.record_id, label):
        await query.edit_message_text(texts.NOT_FOLLOWED)
        return
    followed = await residents.followed(message.chat_id, data.record_id)
    await query.edit_message_text(texts.label_saved(followed.label, followed.nik_masked))


async def _stop(
    query: CallbackQuery, message: Message, residents: Residents, data: ResStop
) -> None:
    chat_id = message.chat_id
    if data.choice == ResStop.KEEP:
        await query.edit_message_text(texts.STOP_KEPT)
        return
    if data.choice == ResStop.ALL:
        await query.edit_message_text(texts.stopped_all(await residents.stop_all(chat_id)))
        return
    if data.record_id is None:
        return
    followed = await residents.followed(chat_id, data.record_id)
    stopped = await residents.stop(chat_id, data.record_id)
    await query.edit_message_text(
        texts.stopped(followed.label, followed.nik_masked) if stopped else texts.NOT_FOLLOWED
    )


async def _erase(query: CallbackQuery, message: Message, residents: Residents, yes: bool) -> None:
    if not yes:
        await query.edit_message_text(texts.ERASE_KEPT)
        return
    await residents.erase(message.chat_id)
    await query.edit_message_text(texts.ERASED)
