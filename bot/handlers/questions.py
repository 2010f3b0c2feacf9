"""Questions to staff in Telegram: the desk for staff.

The residents' side ("Tanya petugas", `/tanya`, "Balas" and replies) is the conversation's
(`bot.conversation.dialogue`). Staff: the desk's messages (in the group an admin named with
`/meja`, or each staff member's private chat) with "Saya tangani", "Jawab", "Tutup" and "Cek
warga"; a reply to a desk message is the answer (bots receive replies to their own messages
even in privacy mode); `/pertanyaan` lists what is open, `/bisukan` mutes an abusive resident.
Admins: `/meja`, `/jamkerja`, `/libur`.

A staff member's answer (after "Jawab", a declared step: `bot.conversation.steps.ANSWER`; or a
reply to a desk message) is offered to `step_message` in the routing's order
(`groups.walkthroughs`), before the residents' dialogue and the commands; a periodic job
closes quiet threads, erases old ones, reminds the desk of untaken questions and edits desk
messages whose question changed (e.g. erased by the resident).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts_desk, texts_id, texts_staff
from bot.conversation import steps
from bot.domain.markup import plain
from bot.domain.nik import district_name
from bot.domain.numbers import parse_int
from bot.handlers import general
from bot.handlers.auth import Caller, admin_only, staff_only
from bot.handlers.callbacks import DeskAction, DeskClose
from bot.handlers.common import command_of, inline_button, is_private, staff_record_text
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.groups import may_be_in, register_step
from bot.handlers.notices import keyboard_markup
from bot.handlers.render import html
from bot.services import office_hours
from bot.services.questions import (
    ANSWER,
    CHECK,
    CLOSE,
    MUTE_DEFAULT_DAYS,
    TAKE,
    Outcome,
    Questions,
    StaffRef,
)
from bot.services.roles import Role, StaffRoles
from bot.storage.questions import Question

log = logging.getLogger(__name__)

#: How often the periodic job runs (seconds).
JOB_INTERVAL = 60.0
_CANCEL = "/batal"


def register(app: BotApplication) -> None:
    fresh = filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    register_step(app, steps.ANSWER, MessageHandler(fresh, step_message))
    app.add_handler(CommandHandler("pertanyaan", pertanyaan_command))
    app.add_handler(CommandHandler("bisukan", bisukan_command))
    app.add_handler(CommandHandler("meja", meja_command))
    app.add_handler(CommandHandler("jamkerja", jamkerja_command))
    app.add_handler(CommandHandler("libur", libur_command))
    app.add_handler(CommandHandler("tutup", tutup_command))
    app.add_handler(CallbackQueryHandler(desk_button, pattern=DeskAction.matches))
    app.add_handler(CallbackQueryHandler(close_button, pattern=DeskClose.matches))
    if app.job_queue is not None and app.bot_data.background:
        app.job_queue.run_repeating(
            periodic, interval=JOB_INTERVAL, first=JOB_INTERVAL, name="questions"
        )


# --- buttons ---------------------------------------------------------------------------------


def questions_of(context: BotContext) -> Questions:
    return Questions.of(context.services)


def _tz(context: BotContext) -> str:
    return context.services.settings.timezone


async def _staff(context: BotContext, user_id: int, first_name: str | None) -> StaffRef | None:
    role = await StaffRoles.of(context.services).role_of(user_id)
    return StaffRef.of(user_id, first_name, role.value) if role is not None else None


def _staff_of(caller: Caller, first_name: str | None) -> StaffRef:
    return StaffRef.of(caller.user_id, first_name, caller.role.value)


# --- the desk's messages, kept up to date ----------------------------------------------------


async def refresh_desk(
    context: BotContext, question_id: int, pressed_message: Message | None = None
) -> None:
    """Edit the desk's messages of a question to read as it is now (best effort: what fails
    for a passing reason stays marked and the periodic job tries again)."""
    questions = questions_of(context)
    all_done = True
    edited: set[tuple[int, int]] = set()
    for edit in await questions.desk_edits(question_id):
        edited.add((edit.chat_id, edit.message_id))
        all_done &= await _edit(
            context, edit.chat_id, edit.message_id, edit.text, keyboard_markup(edit.keyboard)
        )
    if (
        pressed_message is not None
        and (pressed_message.chat.id, pressed_message.message_id) not in edited
    ):
        card = await questions.card(question_id)
        if card is not None:
            text, keyboard = card
            await _edit(
                context,
                pressed_message.chat.id,
                pressed_message.message_id,
                text,
                keyboard_markup(keyboard),
            )
    if all_done:
        await questions.mark_clean(question_id)


async def _edit(
    context: BotContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> bool:
    """True when the message reads `text` now (or can never be edited: deleted, too old)."""
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.info("desk message %s/%s not edited: %s", chat_id, message_id, exc)
    except TelegramError as exc:
        log.warning("desk message %s/%s not edited yet: %s", chat_id, message_id, exc)
        return False
    return True


async def periodic(context: BotContext) -> None:
    """Every minute: the service's housekeeping, then the desk messages that changed."""
    if not context.bot_data.runs_periodic_jobs:
        return
    questions = questions_of(context)
    done = await questions.housekeeping()
    if done.expired or done.erased or done.reminded:
        log.info(
            "pertanyaan: %d ditutup (7 hari tanpa kabar), %d dihapus (masa simpan), %d diingatkan",
            done.expired,
            done.erased,
            done.reminded,
        )
    for question_id in await questions.dirty():
        await refresh_desk(context, question_id)


# --- every message: a step in progress, or a reply to one of the bot's question messages ----


async def step_message(update: Update, context: BotContext) -> None:
    """Take a staff member's answer to a question (a reply to a desk message, or the message
    after "Jawab"); let every other message go on to the other handlers. (The residents'
    questions and replies are the conversation's: `bot.conversation.dialogue`.)"""
    message = update.message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or user is None or chat is None:
        return
    questions = questions_of(context)
    replied = message.reply_to_message
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        question_id = await questions.question_of_desk_post(chat.id, replied.message_id)
        if question_id is not None:
            if await _staff_answer(message, context, question_id):
                raise ApplicationHandlerStop
            return
    if not may_be_in(context, steps.ANSWER):
        return
    answering = await questions.answer_step(chat.id, user.id)
    if answering is None:
        return
    command = command_of(message)
    to_the_bot = (
        replied is not None
        and replied.from_user is not None
        and (replied.from_user.id == context.bot.id)
    )
    if chat.type != ChatType.PRIVATE and command != _CANCEL and not to_the_bot:
        # In the desk group only a reply to the bot's prompt (or to the desk post) is the
        # answer: the staff member's ordinary talk with colleagues never reaches a resident.
        return
    if command == _CANCEL:
        await questions.end_answer_step(chat.id, user.id)
        await message.reply_text(html(texts_desk.QUESTION_ANSWER_CANCELLED))
        raise ApplicationHandlerStop
    if command is None and await _staff_answer(message, context, answering):
        raise ApplicationHandlerStop


async def _staff_answer(message: Message, context: BotContext, question_id: int) -> bool:
    """A staff member's answer to a question; False when the writer is not staff (or the
    message is a command, which goes on to its handler)."""
    user = message.from_user
    if user is None or command_of(message) is not None:
        return False
    staff = await _staff(context, user.id, user.first_name)
    if staff is None:
        return False
    if not message.text:
        await message.reply_text(html(texts_desk.QUESTION_ANSWER_NOT_TEXT))
        return True
    result = await questions_of(context).answer(
        question_id, staff, message.text, chat_id=message.chat.id
    )
    question = result.question
    match result.outcome:
        case Outcome.OK:
            text = html(texts_desk.question_answer_sent(question_id))
        case Outcome.NOT_YOURS:
            assert question is not None
            text = html(
                texts_desk.question_answer_not_yours(
                    question_id, question.taken_name, question.taken_role
                )
            )
        case Outcome.CLOSED:
            text = html(texts_desk.question_is_closed(question_id))
        case _:
            text = html(texts_desk.question_unknown(question_id))
    await message.reply_text(text)
    if result.outcome is Outcome.OK:
        await refresh_desk(context, question_id)
    return True


# --- staff: the desk's buttons ---------------------------------------------------------------


@staff_only
async def desk_button(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    data = DeskAction.unpack(query.data if query else None)
    if query is None or data is None:
        return
    staff = _staff_of(caller, query.from_user.first_name)
    questions = questions_of(context)
    number = data.question_id
    shown = query.message if isinstance(query.message, Message) else None
    if data.action == TAKE:
        result = await questions.take(number, staff)
        if result.outcome is Outcome.OK:
            await query.answer(plain(texts_desk.question_take_won(number)))
            await refresh_desk(context, number, shown)
        elif result.outcome is Outcome.LOST and result.question is not None:
            holder = result.question
            await query.answer(
                plain(texts_desk.question_take_lost(number, holder.taken_name, holder.taken_role)),
                show_alert=True,
            )
            await refresh_desk(context, number, shown)
        else:
            await _staff_refusal(query, number, result.outcome)
    elif data.action == ANSWER:
        chat_id = shown.chat.id if shown is not None else caller.user_id
        result = await questions.begin_answer(chat_id, number, staff)
        if result.outcome is not Outcome.OK:
            await _staff_refusal(query, number, result.outcome, result.question)
            return
        await query.answer()
        await context.bot.send_message(
            chat_id,
            html(
                texts_desk.question_answer_prompt(
                    number, caller.user_id, staff.first_name, in_group=chat_id != caller.user_id
                )
            ),
            reply_markup=ForceReply(selective=True),
        )
    elif data.action == CLOSE:
        check = await questions.needs_reason(number, staff)
        if check.outcome is Outcome.NEEDS_REASON:  # nobody answered it: ask why first
            await query.answer()
            chat_id = shown.chat.id if shown is not None else caller.user_id
            await context.bot.send_message(
                chat_id,
                html(texts_desk.question_close_ask(number)),
                reply_markup=_close_markup(number),
            )
            return
        if check.outcome is not Outcome.OK:
            await _staff_refusal(query, number, check.outcome, check.question)
            return
        result = await questions.close(number, staff)
        if result.outcome is Outcome.OK:
            await query.answer(plain(texts_desk.question_closed_by_staff(number)))
            await refresh_desk(context, number, shown)
        else:
            await _staff_refusal(query, number, result.outcome, result.question)
    elif data.action == CHECK:
        view = await questions.record_view(number)
        if view is None:
            await query.answer(plain(texts_desk.QUESTION_NO_RECORD), show_alert=True)
            return
        await query.answer()
        text = staff_record_text(
            view,
            district_name(view.record.district),
            context.services.today(),
            _tz(context),
        )
        try:  # to the staff member's private chat: records are read in private
            await context.bot.send_message(caller.user_id, text)
        except TelegramError:
            await query.answer(plain(texts_staff.STAFF_PRIVATE_ONLY), show_alert=True)


def _close_markup(number: int) -> InlineKeyboardMarkup:
    """The reasons for closing a question nobody answered, "write one", and cancel."""
    rows = [
        [inline_button(label, DeskClose(str(i), number))]
        for i, label in enumerate(texts_desk.CLOSE_REASON_BUTTONS)
    ]
    rows.append(
        [
            inline_button(texts_desk.BTN_CLOSE_WRITE, DeskClose(DeskClose.WRITE, number)),
            inline_button(texts_desk.BTN_CLOSE_CANCEL, DeskClose(DeskClose.CANCEL, number)),
        ]
    )
    return InlineKeyboardMarkup(rows)


@staff_only
async def close_button(update: Update, context: BotContext, caller: Caller) -> None:
    """A reason chosen for closing a question nobody answered (or "write one", or cancel)."""
    query = update.callback_query
    data = DeskClose.unpack(query.data if query else None)
    if query is None or data is None:
        return
    number = data.question_id
    shown = query.message if isinstance(query.message, Message) else None

    async def say(text: str) -> None:
        if shown is not None:
            await _edit(context, shown.chat.id, shown.message_id, html(text), None)

    if data.choice == DeskClose.CANCEL:
        await query.answer()
        await say(texts_desk.question_close_cancelled(number))
        return
    if data.choice == DeskClose.WRITE:
        await query.answer()
        await say(texts_desk.question_close_write(number))
        return
    preset = int(data.choice)
    staff = _staff_of(caller, query.from_user.first_name)
    result = await questions_of(context).close(number, staff, preset=preset)
    if result.outcome is not Outcome.OK:
        await _staff_refusal(query, number, result.outcome, result.question)
        return
    await query.answer(plain(texts_desk.question_closed_by_staff(number)))
    await say(texts_desk.question_closed_with_reason(number, texts_id.CLOSE_REASONS[preset]))
    await refresh_desk(context, number)


async def tutup_command(update: Update, context: BotContext) -> None:
    """/tutup NOMOR ALASAN: close a question with a reason in the staff member's own words;
    in private or in the desk's group, where the ✅ Tutup prompt was (the reason is for the
    resident and shows no one's data)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    role = await StaffRoles.of(context.services).role_of(user.id)
    if role is None:
        await general.unknown_command(update, context)
        return
    caller = Caller(user.id, role)
    args = context.args or []
    number = _number(args[0]) if args else None
    reason = " ".join(args[1:]).strip()
    if number is None or not reason:
        await message.reply_text(html(texts_desk.TUTUP_USAGE))
        return
    staff = _staff_of(caller, user.first_name)
    result = await questions_of(context).close(number, staff, reason=reason)
    if result.outcome is Outcome.OK:
        await message.reply_text(html(texts_desk.question_closed_with_reason(number, reason)))
        await refresh_desk(context, number)
    elif result.outcome is Outcome.NOT_YOURS and result.question is not None:
        holder = result.question
        await message.reply_text(
            html(texts_desk.question_answer_not_yours(number, holder.taken_name, holder.taken_role))
        )
    elif result.outcome in (Outcome.CLOSED, Outcome.LOST):
        await message.reply_text(html(texts_desk.question_is_closed(number)))
    else:
        await message.reply_text(html(texts_desk.question_unknown(number)))


async def _staff_refusal(
    query: CallbackQuery, number: int, outcome: Outcome, question: Question | None = None
) -> None:
    if outcome is Outcome.NOT_YOURS and question is not None:
        text = html(
            texts_desk.question_answer_not_yours(number, question.taken_name, question.taken_role)
        )
    elif outcome in (Outcome.CLOSED, Outcome.LOST):
        text = html(texts_desk.question_is_closed(number))
    else:
        text = html(texts_desk.question_unknown(number))
    with contextlib.suppress(TelegramError):
        await query.answer(text, show_alert=True)


# --- staff: commands -------------------------------------------------------------------------


def _number(word: str) -> int | None:
    return parse_int(word, max_digits=12)


@staff_only
async def pertanyaan_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/pertanyaan [saya|baru|NOMOR]: what is open, oldest first; or one question."""
    message = update.effective_message
    if message is None:
        return
    questions = questions_of(context)
    args = context.args or []
    word = args[0].casefold() if args else None
    if word is not None and _number(word) is not None:
        number = _number(word)
        assert number is not None
        card = await questions.card(number)
        if card is None:
            await message.reply_text(html(texts_desk.question_unknown(number)))
            return
        text, keyboard = card
        await message.reply_text(text, reply_markup=keyboard_markup(keyboard))
        thread = await questions.thread(number)
        if thread:
            await message.reply_text(html(texts_desk.question_thread(number, thread, _tz(context))))
        return
    if word not in (None, *texts_desk.QUESTION_LIST_FILTERS):
        await message.reply_text(html(texts_desk.QUESTION_LIST_USAGE))
        return
    items, total = await questions.open_list(
        mine=caller.user_id if word == "saya" else None, untaken=word == "baru"
    )
    await message.reply_text(html(texts_desk.question_list(items, total, word)))


@staff_only
async def bisukan_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/bisukan NOMOR [HARI|cabut]: mute (or unmute) the resident who asked NOMOR."""
    message = update.effective_message
    if message is None:
        return
    args = context.args or []
    number = _number(args[0]) if args else None
    if number is None or len(args) > 2:
        await message.reply_text(html(texts_desk.QUESTION_MUTE_USAGE))
        return
    staff = _staff_of(caller, update.effective_user.first_name if update.effective_user else None)
    questions = questions_of(context)
    if len(args) == 2 and args[1].casefold() in ("cabut", "batal", "0"):
        outcome = await questions.unmute(number, staff)
        if outcome is Outcome.UNKNOWN:
            await message.reply_text(html(texts_desk.question_unknown(number)))
        elif outcome is Outcome.CLOSED:
            await message.reply_text(html(texts_desk.question_mute_gone(number)))
        else:
            await message.reply_text(
                html(texts_desk.question_unmuted_staff(number, outcome is Outcome.OK))
            )
        return
    days = MUTE_DEFAULT_DAYS
    if len(args) == 2:
        given = parse_int(args[1], max_digits=4)
        if given is None:
            await message.reply_text(html(texts_desk.QUESTION_MUTE_USAGE))
            return
        days = given
    outcome, until = await questions.mute(number, staff, days)
    if outcome is Outcome.UNKNOWN:
        await message.reply_text(html(texts_desk.question_unknown(number)))
    elif outcome is Outcome.CLOSED or until is None:
        await message.reply_text(html(texts_desk.question_mute_gone(number)))
    else:
        await message.reply_text(html(texts_desk.question_muted_staff(number, until, _tz(context))))


async def meja_command(update: Update, context: BotContext) -> None:
    """/meja in a group (admins): this group is the desk. In private: the desk's settings."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if is_private(update):
        await _meja_private(update, context)
        return
    role = await StaffRoles.of(context.services).role_of(user.id)
    if role is None:
        await general.unknown_command(update, context)
        return
    if role != Role.ADMIN:
        await message.reply_text(html(texts_desk.QUESTION_DESK_GROUP_ADMIN_ONLY))
        return
    await questions_of(context).set_desk_group(user.id, message.chat.id, message.chat.title)
    await message.reply_text(html(texts_desk.question_desk_set(message.chat.title)))


@admin_only
async def _meja_private(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    questions = questions_of(context)
    args = [a.casefold() for a in (context.args or [])]
    if args == ["pribadi"]:
        await questions.set_desk_group(caller.user_id, None)
        await message.reply_text(html(texts_desk.QUESTION_DESK_PRIVATE))
        return
    if len(args) == 2 and args[0] in ("ingatkan", "simpan"):
        value = parse_int(args[1], max_digits=5)
        value = -1 if value is None else value
        if args[0] == "ingatkan" and await questions.set_remind_hours(caller.user_id, value):
            await message.reply_text(html(texts_desk.question_remind_set(value)))
        elif args[0] == "simpan" and await questions.set_retention_days(caller.user_id, value):
            await message.reply_text(html(texts_desk.question_retention_set(value)))
        else:
            await message.reply_text(html(texts_desk.QUESTION_DESK_NUMBER_USAGE))
        return
    settings = await questions.settings()
    hours = await office_hours.office_hours(context.services)
    await message.reply_text(
        html(
            texts_desk.question_desk_view(
                group_title=settings.group_title,
                group_set=settings.group_id is not None,
                staff_count=await questions.desk_members(),
                schedule=texts_desk.format_schedule(hours.schedule.groups()),
                zone=_zone(context),
                holidays=await office_hours.upcoming_holidays(context.services),
                remind_hours=settings.remind_hours,
                retention_days=settings.retention_days,
            )
        )
    )


def _zone(context: BotContext) -> str:
    """The office's zone as people write it ("WIB")."""
    now = context.services.clock.now().astimezone(context.services.settings.tz)
    return now.tzname() or context.services.settings.timezone


@admin_only
async def jamkerja_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/jamkerja [hari jam; …]: the office hours questions are read in."""
    message = update.effective_message
    if message is None:
        return
    words = (message.text or "").split(maxsplit=1)
    if len(words) < 2:
        hours = await office_hours.office_hours(context.services)
        schedule = texts_desk.format_schedule(hours.schedule.groups())
        await message.reply_text(html(texts_desk.question_hours_view(schedule, _zone(context))))
        return
    try:
        old, new = await office_hours.set_schedule(
            context.services, actor_id=caller.user_id, text=words[1]
        )
    except office_hours.ScheduleError as exc:
        await message.reply_text(html(texts_desk.question_hours_error(exc.problem.value, exc.part)))
        return
    await message.reply_text(
        html(
            texts_desk.question_hours_set(
                texts_desk.format_schedule(old.groups()),
                texts_desk.format_schedule(new.groups()),
                _zone(context),
            )
        )
    )


@admin_only
async def libur_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/libur, /libur tambah TANGGAL nama, /libur hapus TANGGAL."""
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    parts = (message.text or "").split(maxsplit=3)[1:]
    if not parts:
        await message.reply_text(
            html(texts_desk.question_holidays(await office_hours.upcoming_holidays(svc)))
        )
        return
    action = parts[0].casefold()
    day: date | None = office_hours.parse_day(parts[1]) if len(parts) >= 2 else None
    if action == "tambah" and day is not None and len(parts) == 3:
        changed = await office_hours.add_holiday(
            svc, actor_id=caller.user_id, day=day, name=parts[2]
        )
        await message.reply_text(html(texts_desk.question_holiday_added(day, parts[2], changed)))
    elif action == "hapus" and day is not None and len(parts) == 2:
        name = await office_hours.remove_holiday(svc, actor_id=caller.user_id, day=day)
        await message.reply_text(html(texts_desk.question_holiday_removed(day, name)))
    else:
        await message.reply_text(html(texts_desk.QUESTION_HOLIDAY_USAGE))
