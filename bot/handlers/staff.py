"""Handlers for staff: /status, /ubah with confirmation, /impor (CSV, .xlsx), /statistik, /blanko.

Every command and button is `@staff_only` (bot/handlers/auth.py): the role is checked at the
moment it is used; someone who is not staff gets exactly what a resident gets, and the attempt
is audited. The handlers parse and reply; the work is in the services (`record_lookup`,
`pending_changes`, `staff_import`, `importer`, `stats`, `blanko`).

Staff steps live in the database and survive a restart: an /ubah question's buttons keep
working (until `pending_changes.CONFIRM_MINUTES`), and an /impor keeps waiting for its file
(until `staff_import.IMPOR_WAIT_MINUTES`); after that the staff member is told it expired.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from datetime import date
from pathlib import PurePath

from telegram import (
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts_common, texts_id, texts_staff
from bot.conversation import steps
from bot.domain.nik import InvalidNumberError, Nik, normalise, parse_nik
from bot.domain.privacy import mask_nik, redacted_traceback
from bot.handlers.auth import REFUSED, Caller, staff_only
from bot.handlers.callbacks import UbahAnswer
from bot.handlers.common import staff_record_text, yes_no_markup
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.groups import may_be_in, register_step
from bot.handlers.render import html
from bot.services import blanko, nik_locks, pending_changes, record_lookup, staff_import, stats
from bot.services.blanko import BLANKO_MAX, BlankoError
from bot.services.container import Services
from bot.services.import_report import rejected_rows_csv
from bot.services.importer import ImportFileError, ImportSummary, import_file
from bot.services.pending_changes import Action
from bot.services.staff_import import IMPOR_WAIT_MINUTES, Wait
from bot.states import KtpStatus, UnknownStatusError, parse_status

log = logging.getLogger(__name__)

#: Telegram lets bots download files up to 20 MB; bigger uploads are refused before download.
IMPOR_LIMIT_MB = 20
IMPORT_SIZE_LIMIT = IMPOR_LIMIT_MB * 1024 * 1024
#: More rejected rows than this come back as a CSV report document too.
REPORT_THRESHOLD = 20
#: The progress message is edited at most this often (seconds), or when it moved 10 points.
PROGRESS_EVERY_S = 2.0
PROGRESS_STEP_PERCENT = 10
#: Uploads from this size on are imported in the background, so residents are not kept waiting.
BACKGROUND_FROM_BYTES = 512 * 1024
CSV_SUFFIXES = (".csv", ".txt")
#: Workbooks the import reads (python-calamine): Excel's own, old and new, and LibreOffice's.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_MIME_TYPES = (
    "text/csv",
    "text/plain",
    "text/comma-separated-values",
    "application/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
_IMPOR_CAPTION = re.compile(r"^/impor(@\w+)?(\s|$)", re.IGNORECASE)
_UBAH_BUTTONS = re.compile(rf"^{re.escape(UbahAnswer.prefix)}:")


def register(app: BotApplication) -> None:
    """Add the staff commands; an open /impor wait sees uploads and /batal first."""
    private = filters.UpdateType.MESSAGES & filters.ChatType.PRIVATE
    waited_file = private & filters.Document.ALL & ~filters.CaptionRegex(_IMPOR_CAPTION)
    register_step(app, steps.IMPOR, MessageHandler(waited_file, impor_waited_document))
    register_step(
        app, steps.IMPOR, CommandHandler("batal", impor_cancel, filters=filters.ChatType.PRIVATE)
    )
    document_with_caption = filters.Document.ALL & filters.CaptionRegex(_IMPOR_CAPTION)
    app.add_handler(MessageHandler(document_with_caption, impor_document_with_caption))
    app.add_handler(CommandHandler("impor", impor_command))
    app.add_handler(CommandHandler("status", status_command))
    app.add_handler(CommandHandler("buka", buka_command))
    app.add_handler(CommandHandler("ubah", ubah_command))
    app.add_handler(CallbackQueryHandler(ubah_button, pattern=_UBAH_BUTTONS))
    app.add_handler(CommandHandler("statistik", statistik_command))
    app.add_handler(CommandHandler("blanko", blanko_command))


def _args(context: BotContext) -> list[str]:
    return list(context.args or [])


async def _read_nik(
    message: Message, svc: Services, text: str, usage: str
) -> tuple[Nik, date] | None:
    """The NIK a staff command was given and today's date at the office (a NIK's birth date
    is checked against it); None when the NIK is not valid: the staff member is told why, and
    the command's usage."""
    today = svc.today()
    try:
        return parse_nik(text, today), today
    except InvalidNumberError as exc:
        await message.reply_text(f"{html(texts_id.nik_problem(exc))}\n\n{usage}")
        return None


async def _nik_command(
    update: Update, context: BotContext, usage: str
) -> tuple[Message, Nik, date] | None:
    """The message, NIK and today's date of a command given one NIK (/status, /buka); None
    when it was given none, or none that is valid (the staff member is told, with `usage`)."""
    message = update.effective_message
    if message is None:
        return None
    args = _args(context)
    if not args:
        await message.reply_text(usage)
        return None
    read = await _read_nik(message, context.services, " ".join(args), usage)
    return None if read is None else (message, *read)


# --- /status NIK -----------------------------------------------------------------------------


@staff_only
async def status_command(update: Update, context: BotContext, caller: Caller) -> None:
    read = await _nik_command(update, context, html(texts_staff.STATUS_USAGE))
    if read is None:
        return
    message, nik, today = read
    svc = context.services
    view = await record_lookup.look_up(svc, nik)
    if view is None:
        await message.reply_text(html(texts_staff.staff_not_found(mask_nik(nik.digits))))
        return
    await message.reply_text(
        staff_record_text(view, nik.district_name, today, svc.settings.timezone)
    )


# --- /buka NIK ------------------------------------------------------------------------------


@staff_only
async def buka_command(update: Update, context: BotContext, caller: Caller) -> None:
    read = await _nik_command(update, context, html(texts_staff.BUKA_USAGE))
    if read is None:
        return
    message, nik, _ = read
    svc = context.services
    until = await nik_locks.lift(svc, nik, caller.user_id)
    masked = mask_nik(nik.digits)
    if until is None:
        await message.reply_text(html(texts_staff.buka_not_locked(masked)))
        return
    await message.reply_text(html(texts_staff.buka_done(masked, until, svc.settings.timezone)))


# --- /ubah NIK STATUS [catatan] --------------------------------------------------------------


def _split_nik(args: list[str]) -> tuple[str, list[str]]:
    """The NIK (possibly typed in groups: "1605 0141 0190 0001") and the words after it."""
    taken: list[str] = []
    digits = ""
    for word in args:
        part = normalise(word)
        if part.isdigit() and len(digits) < 16:
            taken.append(word)
            digits += part
        else:
            break
    if not taken:
        return (args[0] if args else ""), args[1:]
    return " ".join(taken), args[len(taken) :]


def _split_status(words: list[str]) -> tuple[KtpStatus, list[str]]:
    """The status (one to four words: "PRR", "print ready record") and the note words after it.

    Raises UnknownStatusError with suggestions drawn from the first word and the first few.
    """
    for size in range(min(4, len(words)), 0, -1):
        try:
            return parse_status(" ".join(words[:size])), words[size:]
        except UnknownStatusError:
            continue
    first_error: UnknownStatusError | None = None
    suggestions: list[KtpStatus] = []
    for size in (1, min(3, len(words))):
        try:
            parse_status(" ".join(words[:size]))
        except UnknownStatusError as exc:
            first_error = first_error or exc
            suggestions += [s for s in exc.suggestions if s not in suggestions]
    given = first_error.given if first_error else (words[0] if words else "")
    raise UnknownStatusError(given, suggestions[:3])


def _ubah_buttons(change_id: str, record_id: int, *, second: bool) -> InlineKeyboardMarkup:
    yes = UbahAnswer(UbahAnswer.BACKWARD if second else UbahAnswer.YES, record_id, change_id)
    label = texts_staff.UBAH_BUTTON_BACKWARD if second else texts_staff.UBAH_BUTTON_YES
    no = UbahAnswer(UbahAnswer.CANCEL, record_id, change_id)
    return yes_no_markup(label, yes, texts_staff.UBAH_BUTTON_NO, no)


@staff_only
async def ubah_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    args = _args(context)
    if not args:
        await message.reply_text(html(texts_staff.UBAH_USAGE))
        return
    svc = context.services
    nik_text, rest = _split_nik(args)
    read = await _read_nik(message, svc, nik_text, html(texts_staff.UBAH_USAGE))
    if read is None:
        return
    nik, _ = read
    if not rest:
        await message.reply_text(html(texts_staff.UBAH_USAGE))
        return
    try:
        new, note_words = _split_status(rest)
    except UnknownStatusError as exc:
        await message.reply_text(html(texts_staff.ubah_unknown_status(exc)))
        return
    proposal = await pending_changes.propose(
        svc,
        chat_id=message.chat_id,
        user_id=caller.user_id,
        nik=nik,
        new=new,
        note_text=" ".join(note_words),
    )
    match proposal:
        case pending_changes.NoteTooLong(limit):
            await message.reply_text(html(texts_staff.ubah_note_too_long(limit)))
        case pending_changes.NotFound(nik_masked):
            await message.reply_text(html(texts_staff.staff_not_found(nik_masked)))
        case pending_changes.SameStatus(nik_masked, status, since):
            await message.reply_text(html(texts_staff.ubah_same_status(nik_masked, status, since)))
        case pending_changes.Asked(change, old_since):
            await message.reply_text(
                html(
                    texts_staff.ubah_confirm(
                        change.nik_masked,
                        change.old,
                        old_since,
                        change.new,
                        change.note,
                        backward=change.backward,
                    )
                ),
                reply_markup=_ubah_buttons(change.change_id, change.record_id, second=False),
            )


@staff_only
async def ubah_button(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    data = UbahAnswer.unpack(query.data)
    if data is None:  # a button of an older version of the bot
        await _edit(query, html(texts_staff.UBAH_NOT_VALID))
        return
    svc = context.services
    outcome = await pending_changes.answer(
        svc,
        chat_id=query.message.chat.id if query.message else caller.user_id,
        user_id=caller.user_id,
        change_id=data.change_id,
        record_id=data.record_id,
        action=Action(data.action),
    )
    match outcome:
        case pending_changes.NotValid():
            await _edit(query, html(texts_staff.UBAH_NOT_VALID))
        case pending_changes.Expired(minutes):
            await _edit(query, html(texts_staff.ubah_expired(minutes)))
        case pending_changes.Cancelled():
            await _edit(query, html(texts_staff.UBAH_CANCELLED))
        case pending_changes.AskBackward(change):
            await _edit(
                query,
                html(texts_staff.ubah_confirm_backward(change.nik_masked, change.old, change.new)),
                _ubah_buttons(change.change_id, change.record_id, second=True),
            )
        case pending_changes.MovedMeanwhile(nik_masked, current):
            await _edit(query, html(texts_staff.ubah_moved_meanwhile(nik_masked, current)))
        case pending_changes.Done(change, result, held_until):
            tz = svc.settings.timezone
            await _edit(
                query,
                html(
                    texts_staff.ubah_done(
                        change.nik_masked,
                        change.old,
                        change.new,
                        result.entered_on,
                        result.notifications,
                        texts_common.format_time(held_until, tz) if held_until else None,
                    )
                ),
            )


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:  # e.g. the same text again after a double press
        log.info("could not edit a staff message: %s", exc)


# --- /impor ----------------------------------------------------------------------------------


@staff_only
async def impor_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/impor: wait IMPOR_WAIT_MINUTES for a file (another /impor starts the wait again)."""
    message = update.effective_message
    if message is None:
        return
    await staff_import.start_wait(context.services, message.chat_id, caller.user_id)
    await message.reply_text(html(texts_staff.impor_ask_file(IMPOR_LIMIT_MB, IMPOR_WAIT_MINUTES)))


async def _waiting(update: Update, context: BotContext) -> tuple[Message, int] | None:
    """The message and its sender when an /impor of theirs waits (or waited) for a file."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return None
    state = await staff_import.wait_state(context.services, message.chat_id, user.id)
    return None if state is Wait.NONE else (message, user.id)


async def impor_cancel(update: Update, context: BotContext) -> None:
    """/batal while an /impor waits (or waited) for a file; otherwise the residents' /batal."""
    if not may_be_in(context, steps.IMPOR):
        return
    waiting = await _waiting(update, context)
    if waiting is None:
        return
    message, user_id = waiting
    state = await staff_import.end_wait(context.services, message.chat_id, user_id)
    text = (
        html(texts_staff.IMPOR_CANCELLED)
        if state is Wait.OPEN
        else html(texts_staff.IMPOR_NOTHING_TO_CANCEL)
    )
    await message.reply_text(text)
    raise ApplicationHandlerStop


async def impor_waited_document(update: Update, context: BotContext) -> None:
    """A document while an /impor waits (or waited) for one; other documents go on."""
    if not may_be_in(context, steps.IMPOR):
        return
    waiting = await _waiting(update, context)
    if waiting is None:
        return
    message, user_id = waiting
    if await _impor_waited_document(update, context) == REFUSED:
        await staff_import.end_wait(context.services, message.chat_id, user_id)
    raise ApplicationHandlerStop


@staff_only
async def _impor_waited_document(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    state = await staff_import.end_wait(context.services, message.chat_id, caller.user_id)
    if state is not Wait.OPEN:
        # A forgotten /impor must not import a document sent much later for another reason.
        await message.reply_text(html(texts_staff.impor_wait_expired(IMPOR_WAIT_MINUTES)))
        return
    await _import_upload(update, context, message, caller)


@staff_only
async def impor_document_with_caption(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    await staff_import.end_wait(context.services, message.chat_id, caller.user_id)
    await _import_upload(update, context, message, caller)


def _looks_importable(document: Document) -> bool:
    """A CSV or a workbook by its name, or by its type when the name has no extension."""
    name = (document.file_name or "").lower()
    if name.endswith(CSV_SUFFIXES + WORKBOOK_SUFFIXES):
        return True
    if PurePath(name).suffix:  # another extension: .pdf, .docx, ...
        return False
    return (document.mime_type or "").lower() in CSV_MIME_TYPES


class _Progress:
    """Edits one message as the import goes, at most every PROGRESS_EVERY_S or 10 points."""

    def __init__(self, message: Message, name: str) -> None:
        self.message = message
        self.name = name
        self.last_at = time.monotonic()
        self.last_percent = 0

    async def __call__(self, done: int, total: int) -> None:
        percent = int(done * 100 / total) if total else 100
        if percent >= 100:
            return  # the summary replaces the message next
        moved = percent - self.last_percent >= PROGRESS_STEP_PERCENT
        if not moved and time.monotonic() - self.last_at < PROGRESS_EVERY_S:
            return
        self.last_at, self.last_percent = time.monotonic(), percent
        try:
            await self.message.edit_text(html(texts_staff.impor_progress(self.name, percent)))
        except TelegramError as exc:
            log.info("progress edit failed: %s", exc)


async def _import_upload(
    update: Update, context: BotContext, message: Message, caller: Caller
) -> None:
    document = message.document
    if document is None:
        return
    name = PurePath(document.file_name or "impor.csv").name
    if not _looks_importable(document):
        await message.reply_text(html(texts_staff.impor_not_importable(name)))
        return
    if document.file_size and document.file_size > IMPORT_SIZE_LIMIT:
        await message.reply_text(
            html(texts_staff.impor_too_big(document.file_size, IMPOR_LIMIT_MB))
        )
        return
    progress_message = await message.reply_text(html(texts_staff.impor_started(name)))
    try:
        tg_file = await document.get_file()
        buffer = io.BytesIO()
        await tg_file.download_to_memory(buffer)
    except TelegramError as exc:
        log.warning("could not download an import upload: %s", exc)
        await progress_message.edit_text(html(texts_staff.IMPOR_DOWNLOAD_FAILED))
        return
    data = buffer.getvalue()
    if len(data) > IMPORT_SIZE_LIMIT:
        await progress_message.edit_text(html(texts_staff.impor_too_big(len(data), IMPOR_LIMIT_MB)))
        return
    job = _run_import(context.services, message, progress_message, data, name, caller.user_id)
    if len(data) >= BACKGROUND_FROM_BYTES:
        # A big file takes seconds: let the bot keep answering residents meanwhile.
        context.application.create_task(job, update=update, name=f"impor {name}")
    else:
        await job


async def _run_import(
    svc: Services,
    message: Message,
    progress_message: Message,
    data: bytes,
    name: str,
    actor: int,
) -> None:
    """Import the downloaded bytes, edit the progress message into the summary, send the report."""
    kept = texts_staff.upload_label(actor, svc.clock.now(), svc.settings.timezone)  # not the name
    try:
        summary = await import_file(
            svc,
            io.BytesIO(data),
            source_name=name,
            source_label=kept,
            actor_id=actor,
            on_progress=_Progress(progress_message, name),
        )
    except ImportFileError as exc:
        await progress_message.edit_text(html(texts_staff.impor_file_problem(name, exc.reason)))
        return
    except Exception as exc:  # a cell's digits may be in the message: hide them from the log
        log.error("import of an upload failed\n%s", redacted_traceback(exc))
        await progress_message.edit_text(html(texts_staff.IMPOR_FAILED))
        return
    await staff_import.record_import(svc, actor_id=actor, name=kept, summary=summary)
    await _send_summary(progress_message, summary)
    if summary.rejected > REPORT_THRESHOLD:
        report = rejected_rows_csv(data, summary.errors, texts_staff.IMPOR_REPORT_HEADER)
        stem = PurePath(name).stem or "impor"
        await message.reply_document(
            InputFile(report, filename=f"ditolak-{stem}.csv"),
            caption=html(texts_staff.impor_report_caption(summary.rejected, len(summary.errors))),
        )


async def _send_summary(progress_message: Message, summary: ImportSummary) -> None:
    text = summary.text()
    errors = summary.errors_text()
    if errors:
        text += "\n\n" + errors
    text = html(text)
    # Too long for one message: cut by handlers.telegram_text (Telegram's own measure), not here.
    try:
        await progress_message.edit_text(text)
    except BadRequest:
        await progress_message.reply_text(text)


# --- /statistik ------------------------------------------------------------------------------


@staff_only
async def statistik_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    figures = await stats.gather(svc)
    chart = await asyncio.to_thread(stats.render_chart, figures, figures.chart_labels())
    tz = svc.settings.timezone
    await message.reply_photo(
        InputFile(chart, filename="statistik.png"), caption=html(figures.caption(tz))
    )
    await message.reply_text(html(figures.detail(tz)))


# --- /blanko N -------------------------------------------------------------------------------

_BLANKO_PROBLEMS = {
    BlankoError.NOT_NUMBER: html(texts_staff.BLANKO_NOT_NUMBER),
    BlankoError.NEGATIVE: html(texts_staff.BLANKO_NEGATIVE),
    BlankoError.TOO_BIG: html(texts_staff.blanko_too_big(BLANKO_MAX)),
}


@staff_only
async def blanko_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    args = _args(context)
    if not args:
        now = await blanko.current(svc)
        await message.reply_text(html(texts_staff.blanko_current(now.stock, now.backlog)))
        return
    try:
        change = await blanko.set_stock(svc, actor_id=caller.user_id, text=" ".join(args))
    except BlankoError as exc:
        await message.reply_text(_BLANKO_PROBLEMS[exc.problem])
        return
    await message.reply_text(html(texts_staff.blanko_set(change.old, change.new, change.backlog)))
