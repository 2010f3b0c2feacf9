"""Jemput bola: staff plan visits (`/jadwal tambah`, a walk-through with buttons), list, change
and cancel them (`/jadwal`), see their effect (`/jadwal hasil`); residents see the upcoming
visits (`/jadwal`, the 🚐 Jemput bola button), by kecamatan, and ask to be told of them
(`/jadwal ikuti`, `/jadwal berhenti`).

The staff's draft lives in the database (`services.visits`, `storage.steps`), so a restart in the
middle of planning changes nothing: the next button or typed answer carries on. Every staff
step and button checks the role at the moment it is used (`auth`). The day-before notices are
queued by a periodic job (`start_jobs`, from `bot.app.on_start`).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts_common, texts_desk
from bot import texts_visits as visit_texts
from bot.conversation import steps
from bot.conversation.schedule import overview
from bot.domain.markup import plain
from bot.domain.nik import district_name
from bot.handlers import callbacks
from bot.handlers.auth import NOT_STAFF, Caller, staff_only
from bot.handlers.callbacks import (
    VisitCancel,
    VisitCancelNo,
    VisitCancelYes,
    VisitDay,
    VisitDistrict,
    VisitEdit,
    VisitSave,
    VisitService,
    VisitStep,
    VisitTime,
)
from bot.handlers.common import (
    button_rows,
    edit_text,
    inline_button,
    is_private,
    yes_no_markup,
    yes_pressed,
)
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.drafts import draft_message_of, take_draft_message
from bot.handlers.groups import may_be_in, register_step
from bot.handlers.render import html
from bot.handlers.router import send
from bot.services.roles import StaffRoles
from bot.services.visits import (
    RESULT_DAYS,
    SERVICE_CODES,
    TYPED_STEPS,
    Draft,
    Step,
    VisitInputError,
    Visits,
    check_day,
    check_note,
    check_times,
    clean_place,
    districts_by_name,
    parse_day,
    parse_district,
    parse_services,
    parse_time,
    visit_info,
)

log = logging.getLogger(__name__)

#: How often the job looks for tomorrow's visits (seconds).
REMINDER_INTERVAL = 15 * 60
REMINDER_JOB = "jadwal-pengingat"
#: Staff see this many upcoming visits (with their buttons) in one message.
STAFF_LIST_LIMIT = 15
DAY_BUTTONS = 14
START_TIMES = ("07:00", "07:30", "08:00", "08:30", "09:00", "10:00", "13:00", "14:00", "15:00")


def register(app: BotApplication) -> None:
    private = filters.UpdateType.MESSAGES & filters.ChatType.PRIVATE
    register_step(app, steps.JADWAL, MessageHandler(private, draft_message))
    app.add_handler(CommandHandler("jadwal", jadwal_command))
    draft_buttons = callbacks.any_of(
        VisitStep, VisitDay, VisitTime, VisitDistrict, VisitService, VisitSave
    )
    app.add_handler(CallbackQueryHandler(draft_button, pattern=draft_buttons))
    app.add_handler(CallbackQueryHandler(edit_button, pattern=VisitEdit.matches))
    app.add_handler(CallbackQueryHandler(cancel_button, pattern=VisitCancel.matches))
    answers = callbacks.any_of(VisitCancelYes, VisitCancelNo)
    app.add_handler(CallbackQueryHandler(cancel_answer, pattern=answers))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^vis:"))


def start_jobs(app: BotApplication) -> None:
    """Queue the day-before notices every few minutes while the bot runs (once per app)."""
    queue = app.job_queue
    if queue is None or queue.get_jobs_by_name(REMINDER_JOB):
        return
    queue.run_repeating(reminder_job, interval=REMINDER_INTERVAL, first=30, name=REMINDER_JOB)


async def reminder_job(context: BotContext) -> None:
    if not context.bot_data.runs_periodic_jobs:
        return
    try:
        queued = await Visits.of(context.services).queue_reminders()
    except Exception:
        log.exception("jemput bola: the day-before notices could not be queued; next round")
        return
    if queued:
        log.info("jemput bola: %d day-before notices queued", queued)


# --- /jadwal: who asks decides what it does --------------------------------------------------

_STAFF_WORDS = ("tambah", "hasil")


async def jadwal_command(update: Update, context: BotContext) -> None:
    """The staff's /jadwal (the list, `tambah`, `hasil`); the residents' is the conversation's
    (`bot.conversation.schedule`), which hands on only these words."""
    message = update.effective_message
    if message is None:
        return
    args = context.args or []
    word = args[0].casefold() if args else ""
    user = update.effective_user
    roles = StaffRoles.of(context.services)
    if await roles.is_staff(user.id if user else None):
        if word == "tambah":
            await _add(update, context)
        elif word == "hasil":
            await _results(update, context)
        else:
            await _staff_list(update, context)
        return
    await roles.record_refusal(user.id if user else None, f"/jadwal {word}", NOT_STAFF)
    if not is_private(update):
        await message.reply_text(html(visit_texts.SCHEDULE_PRIVATE_ONLY))
        return
    await send(update, context, [await overview(context.services, message.chat_id)])


# --- staff: the list, changing and cancelling -------------------------------------------------


@staff_only
async def _staff_list(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    visits = Visits.of(context.services)
    lines = await visits.staff_list()
    shown = lines[:STAFF_LIST_LIMIT]
    text = html(
        texts_desk.visit_staff_list(
            [texts_desk.VisitStaffLine(x.visit.info(visits.tz), x.told, x.pending) for x in shown],
            len(lines) - len(shown),
        )
    )
    rows = [
        [
            inline_button(texts_desk.visit_edit_button(x.visit.id), VisitEdit(x.visit.id)),
            inline_button(texts_desk.visit_cancel_button(x.visit.id), VisitCancel(x.visit.id)),
        ]
        for x in shown
    ]
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


@staff_only
async def _results(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    visits = Visits.of(context.services)
    lines = [
        texts_desk.VisitResultLine(
            r.visit.info(visits.tz), r.told, r.unrecorded_before, r.moved_since, r.until, r.complete
        )
        for r in await visits.results()
    ]
    await message.reply_text(html(texts_desk.visit_results(lines, RESULT_DAYS)))


@staff_only
async def edit_button(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    data = VisitEdit.unpack(query.data if query else None)
    if query is None or query.message is None or data is None:
        return
    visits = Visits.of(context.services)
    try:
        draft = await visits.start_draft(query.message.chat.id, caller.user_id, data.visit_id)
    except LookupError:
        await query.answer(plain(texts_desk.VISIT_NOT_PLANNED), show_alert=True)
        return
    await query.answer()
    text, markup = await _step_view(context, draft)
    await context.bot.send_message(draft.chat_id, text, reply_markup=markup)


@staff_only
async def cancel_button(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    data = VisitCancel.unpack(query.data if query else None)
    if query is None or query.message is None or data is None:
        return
    visits = Visits.of(context.services)
    visit = await visits.get(data.visit_id)
    if visit is None or visit.state != "planned":
        await query.answer(plain(texts_desk.VISIT_NOT_PLANNED), show_alert=True)
        return
    await query.answer()
    markup = yes_no_markup(
        texts_desk.VISIT_CANCEL_YES_BUTTON,
        VisitCancelYes(visit.id),
        texts_desk.VISIT_CANCEL_NO_BUTTON,
        VisitCancelNo(visit.id),
    )
    told = await visits.told(visit.id)
    await context.bot.send_message(
        query.message.chat.id,
        html(texts_desk.visit_cancel_confirm(visit.info(visits.tz), told)),
        reply_markup=markup,
    )


@staff_only
async def cancel_answer(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    if query is None:
        return
    data = await yes_pressed(query, VisitCancelYes, VisitCancelNo, html(texts_desk.VISIT_KEPT))
    if data is None:
        return
    done = await Visits.of(context.services).cancel(data.visit_id, actor_id=caller.user_id)
    if done is None:
        await edit_text(query, html(texts_desk.VISIT_NOT_PLANNED))
        return
    await edit_text(
        query, html(texts_desk.visit_cancel_done(data.visit_id, done.corrections, done.dropped))
    )


@staff_only
async def stale_button(update: Update, context: BotContext, caller: Caller) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(plain(texts_desk.VISIT_DRAFT_EXPIRED))


# --- staff: the walk-through ------------------------------------------------------------------


@staff_only
async def _add(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    draft = await Visits.of(context.services).start_draft(message.chat_id, caller.user_id)
    text, markup = await _step_view(context, draft)
    await message.reply_text(text, reply_markup=markup)


def _quit_row() -> list[InlineKeyboardButton]:
    return [inline_button(texts_desk.VISIT_CANCEL_BUTTON, VisitStep("quit"))]


def _hhmm(text: str) -> int:
    return int(text.replace(":", ""))


def _from_hhmm(value: int) -> str:
    return f"{value // 100:02d}:{value % 100:02d}"


async def _step_view(context: BotContext, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """The question (or the preview) of the draft's step, with its buttons."""
    visits = Visits.of(context.services)
    step = draft.step
    rows: list[list[InlineKeyboardButton]] = []
    current: str | None = None
    if step is Step.DATE:
        today = visits.today()
        days = [today + timedelta(days=i) for i in range(DAY_BUTTONS)]
        buttons = [
            inline_button(texts_desk.visit_day_button(d), VisitDay(int(d.strftime("%Y%m%d"))))
            for d in days
        ]
        rows = button_rows(buttons, 3)
        current = texts_common.format_date(draft.day) if draft.day else None
    elif step is Step.START:
        rows = button_rows(
            [
                inline_button(texts_desk.visit_time_button(t), VisitTime("s", _hhmm(t)))
                for t in START_TIMES
            ],
            3,
        )
    elif step is Step.END:
        start = _hhmm(draft.start or "08:00")
        ends = [start + 100 * h for h in (1, 2, 3, 4, 5, 6, 8) if start + 100 * h <= 2300]
        rows = button_rows(
            [
                inline_button(texts_desk.visit_time_button(_from_hhmm(e)), VisitTime("e", e))
                for e in ends
            ],
            3,
        )
    elif step is Step.DISTRICT:
        rows = button_rows(
            [inline_button(name, VisitDistrict(code)) for code, name in districts_by_name()], 2
        )
        current = (district_name(draft.code) or draft.code) if draft.code else None
    elif step is Step.PLACE:
        current = draft.place
    elif step is Step.SERVICES:
        rows = [
            [
                inline_button(
                    texts_desk.visit_service_button(c, c in draft.services), VisitService(c)
                )
            ]
            for c in SERVICE_CODES
        ]
        rows.append([inline_button(texts_desk.VISIT_SERVICES_DONE_BUTTON, VisitStep("done"))])
    elif step is Step.NOTE:
        rows = [[inline_button(texts_desk.VISIT_NO_NOTE_BUTTON, VisitStep("nonote"))]]
        current = draft.note
    else:
        return await _preview(context, draft)
    rows.append(_quit_row())
    return html(texts_desk.visit_ask(step.value, draft.visit_id, current)), InlineKeyboardMarkup(
        rows
    )


async def _preview(context: BotContext, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    visits = Visits.of(context.services)
    fields = draft.fields()
    assert fields is not None
    audience = await visits.audience(fields)
    told = await visits.told(draft.visit_id) if draft.visit_id is not None else None
    text = html(
        texts_desk.visit_preview(
            visit_info(fields, visits.tz, draft.visit_id),
            card_followers=audience.card_followers,
            district_followers=audience.district_followers,
            total=audience.total,
            told_before=told,
        )
    )
    save = (
        texts_desk.VISIT_SAVE_CHANGE_BUTTON
        if draft.visit_id is not None
        else texts_desk.VISIT_SAVE_BUTTON
    )
    edits = [
        inline_button(label, VisitStep(action))
        for action, label in texts_desk.VISIT_EDIT_BUTTONS.items()
    ]
    rows = [[inline_button(save, VisitSave(draft.token))], *button_rows(edits, 3), _quit_row()]
    return text, InlineKeyboardMarkup(rows)


async def draft_message(update: Update, context: BotContext) -> None:
    """A private message while this staff member plans a visit at a step that takes typed text:
    the answer, or /batal. Everything else goes on to the other handlers."""
    if not may_be_in(context, steps.JADWAL):
        return
    taken = draft_message_of(update)
    if taken is None:
        return
    message, user_id, command = taken
    visits = Visits.of(context.services)
    draft = await visits.draft(message.chat_id, user_id)
    if draft is None:
        return
    typed = draft.step in TYPED_STEPS or draft.step in (Step.DISTRICT, Step.SERVICES)
    if command is None and not typed:
        return
    await take_draft_message(
        message,
        command,
        visits,
        draft,
        lambda: _typed_answer(update, context),
        expired_text=html(texts_desk.VISIT_DRAFT_EXPIRED),
        cancelled_text=html(texts_desk.VISIT_DRAFT_CANCELLED),
    )


@staff_only
async def _typed_answer(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    visits = Visits.of(context.services)
    draft = await visits.draft(message.chat_id, caller.user_id)
    if draft is None:
        return
    text = message.text or ""
    try:
        draft = await _apply_typed(visits, draft, text)
    except VisitInputError as exc:
        question, markup = await _step_view(context, draft)
        await message.reply_text(f"{html(exc.text())}\n\n{question}", reply_markup=markup)
        return
    question, markup = await _step_view(context, draft)
    await message.reply_text(question, reply_markup=markup)


async def _apply_typed(visits: Visits, draft: Draft, text: str) -> Draft:
    """The draft with the typed answer to its step (VisitInputError when it does not fit)."""
    step = draft.step
    if step is Step.DATE:
        return await _set_day(visits, draft, parse_day(text, visits.today()))
    if step is Step.START:
        return await _set_start(visits, draft, parse_time(text))
    if step is Step.END:
        return await _set_end(visits, draft, parse_time(text))
    if step is Step.DISTRICT:
        return await visits.save_draft(draft, code=parse_district(text))
    if step is Step.PLACE:
        return await visits.save_draft(draft, place=clean_place(text))
    if step is Step.SERVICES:
        return await visits.save_draft(draft, services=parse_services(text), services_done=True)
    if step is Step.NOTE:
        return await visits.save_draft(draft, note=check_note(text), note_done=True)
    return draft


async def _set_day(visits: Visits, draft: Draft, day: date) -> Draft:
    check_day(day, visits.today())
    return await visits.save_draft(draft, day=day)


async def _set_start(visits: Visits, draft: Draft, start: str) -> Draft:
    end = draft.end if draft.end and draft.end > start else None
    return await visits.save_draft(draft, start=start, end=end)


async def _set_end(visits: Visits, draft: Draft, end: str) -> Draft:
    check_times(draft.start, end)
    return await visits.save_draft(draft, end=end)


@staff_only
async def draft_button(update: Update, context: BotContext, caller: Caller) -> None:
    """A button of the walk-through: a date, a time, a kecamatan, a service, a field to change,
    save, or stop."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    data = callbacks.unpack(query.data)
    visits = Visits.of(context.services)
    draft = await visits.draft(query.message.chat.id, caller.user_id)
    if draft is None or draft.expired:
        if draft is not None:
            await visits.drop_draft(draft.chat_id, draft.user_id)
        await query.answer(plain(texts_desk.VISIT_DRAFT_EXPIRED), show_alert=True)
        return
    if isinstance(data, VisitSave):
        await _save(query, context, visits, draft, data, caller)
        return
    try:
        changed = await _apply_button(visits, draft, data)
    except VisitInputError as exc:
        await query.answer(plain(exc.text()), show_alert=True)
        return
    if changed is None:
        await query.answer()
        await visits.drop_draft(draft.chat_id, draft.user_id)
        await edit_text(query, html(texts_desk.VISIT_DRAFT_CANCELLED))
        return
    if changed is draft:  # nothing to do (e.g. "done" without a service)
        await query.answer(plain(texts_desk.VISIT_PICK_ONE_SERVICE), show_alert=True)
        return
    await query.answer()
    text, markup = await _step_view(context, changed)
    await edit_text(query, text, markup)


async def _apply_button(
    visits: Visits, draft: Draft, data: callbacks.CallbackData | None
) -> Draft | None:
    """The draft after a button (None: the staff member stopped planning)."""
    match data:
        case VisitStep("quit"):
            return None
        case VisitStep("date"):
            return await visits.save_draft(draft, step=Step.DATE)
        case VisitStep("time"):
            return await visits.save_draft(draft, start=None, end=None)
        case VisitStep("district"):
            return await visits.save_draft(draft, step=Step.DISTRICT)
        case VisitStep("place"):
            return await visits.save_draft(draft, step=Step.PLACE)
        case VisitStep("services"):
            return await visits.save_draft(draft, services_done=False)
        case VisitStep("note"):
            return await visits.save_draft(draft, note_done=False, step=Step.NOTE)
        case VisitStep("done"):
            if not draft.services:
                return draft
            return await visits.save_draft(draft, services_done=True)
        case VisitStep("nonote"):
            return await visits.save_draft(draft, note=None, note_done=True)
        case VisitDay(day):
            text = str(day)
            try:
                chosen = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except ValueError:
                return draft
            return await _set_day(visits, draft, chosen)
        case VisitTime("s", hhmm):
            return await _set_start(visits, draft, _from_hhmm(hhmm))
        case VisitTime("e", hhmm):
            return await _set_end(visits, draft, _from_hhmm(hhmm))
        case VisitDistrict(code):
            return await visits.save_draft(draft, code=parse_district(code))
        case VisitService(code):
            chosen_services = set(draft.services) ^ {code}
            services = tuple(c for c in SERVICE_CODES if c in chosen_services)
            return await visits.save_draft(draft, services=services, step=Step.SERVICES)
    return draft


async def _save(
    query: CallbackQuery,
    context: BotContext,
    visits: Visits,
    draft: Draft,
    data: VisitSave,
    caller: Caller,
) -> None:
    fields = draft.fields()
    if data.token != draft.token or fields is None:
        await query.answer(plain(texts_desk.VISIT_DRAFT_EXPIRED), show_alert=True)
        return
    try:
        if draft.visit_id is None:
            saved = await visits.plan(fields, actor_id=caller.user_id)
            done = html(texts_desk.visit_saved(saved.visit.id, saved.queued))
        else:
            changed = await visits.change(draft.visit_id, fields, actor_id=caller.user_id)
            if changed is None:
                await visits.drop_draft(draft.chat_id, draft.user_id)
                await query.answer(plain(texts_desk.VISIT_NOT_PLANNED), show_alert=True)
                return
            done = html(
                texts_desk.visit_changed_saved(
                    changed.visit.id, changed.queued, changed.corrections
                )
            )
    except VisitInputError as exc:  # e.g. the date has passed since the draft was made
        await query.answer(plain(exc.text()), show_alert=True)
        return
    await query.answer()
    await visits.drop_draft(draft.chat_id, draft.user_id)
    await edit_text(query, done)
