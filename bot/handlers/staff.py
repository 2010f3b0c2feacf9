"""Handlers for staff: /status, /ubah with confirmation, /impor of a CSV, /statistik, /blanko.

Every command and button checks the role at the moment it is used (`guard`); someone who is
not staff gets exactly what a resident gets for an unknown command, and the attempt is audited.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePath

from telegram import (
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import notifier, stats, status_change, texts_id
from bot.handlers import general
from bot.handlers.common import is_private, services
from bot.import_report import rejected_rows_csv
from bot.importer import ImportFileError, ImportSummary, clean_note, import_csv
from bot.nik import InvalidNumberError, Nik, normalise, parse_nik
from bot.office import load_office_info
from bot.privacy import mask_nik, redacted_traceback
from bot.roles import Role, StaffRoles
from bot.services import Services
from bot.states import KtpStatus, UnknownStatusError, is_backward, parse_status
from bot.storage import audit as audit_store
from bot.storage import records as records_store
from bot.storage import settings as settings_store
from bot.storage import stats as stats_store
from bot.verification import nik_locked_until

log = logging.getLogger(__name__)

#: Telegram lets bots download files up to 20 MB; bigger uploads are refused before download.
IMPORT_SIZE_LIMIT = texts_id.IMPOR_LIMIT_MB * 1024 * 1024
#: More rejected rows than this come back as a CSV report document too.
REPORT_THRESHOLD = 20
#: The progress message is edited at most this often (seconds), or when it moved 10 points.
PROGRESS_EVERY_S = 2.0
PROGRESS_STEP_PERCENT = 10
#: Uploads from this size on are imported in the background, so residents are not kept waiting.
BACKGROUND_FROM_BYTES = 512 * 1024
CSV_SUFFIXES = (".csv", ".txt")
CSV_MIME_TYPES = (
    "text/csv",
    "text/plain",
    "text/comma-separated-values",
    "application/csv",
    "application/vnd.ms-excel",
)

UBAH_PREFIX = "ubah"
PENDING_KEY = "ubah_pending"
WAITING_FOR_FILE = 1
#: After /impor the bot waits this long for the file; a later document is not imported.
IMPOR_WAIT_MINUTES = texts_id.IMPOR_WAIT_MINUTES
IMPOR_SINCE_KEY = "impor_since"
_IMPOR_CAPTION = re.compile(r"^/impor(@\w+)?(\s|$)", re.IGNORECASE)


def register(app: Application) -> None:
    """Add the staff commands; the /impor conversation comes first so it sees uploads."""
    app.add_handler(import_conversation())
    app.add_handler(CommandHandler("status", status_command))
    app.add_handler(CommandHandler("ubah", ubah_command))
    app.add_handler(CallbackQueryHandler(ubah_button, pattern=rf"^{UBAH_PREFIX}:"))
    app.add_handler(CommandHandler("statistik", statistik_command))
    app.add_handler(CommandHandler("blanko", blanko_command))


# --- the role check --------------------------------------------------------------------------


def _attempt_name(update: Update) -> str:
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    first = text.split(maxsplit=1)[0] if text.startswith("/") else "dokumen"
    return first.split("@", 1)[0][:32]


async def answer_as_resident(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What a resident gets for this message: nothing here hints that staff commands exist."""
    message = update.message
    if message is None:  # an edited message: residents get no answer to those either
        return
    if message.text and message.text.startswith("/"):
        await general.unknown_command(update, context)
    elif is_private(update):
        await general.not_text(update, context)


async def guard(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, admin: bool = False
) -> Role | None:
    """The sender's role when they may use this command now, else None after answering.

    Non-staff get the resident's answer and an audit row; petugas asking for an admin command
    are told it is for admins (and audited); staff in a group are sent to the private chat.
    """
    user = update.effective_user
    roles = StaffRoles.of(services(context))
    role = await roles.role_of(user.id if user else None)
    attempt = _attempt_name(update)
    if role is None:
        await roles.record_refusal(user.id if user else None, attempt, "bukan petugas")
        await answer_as_resident(update, context)
        return None
    message = update.effective_message
    if not is_private(update):
        if message is not None:
            await message.reply_text(texts_id.STAFF_PRIVATE_ONLY)
        return None
    if admin and role != Role.ADMIN:
        await roles.record_refusal(user.id if user else None, attempt, "bukan admin")
        if message is not None:
            await message.reply_text(texts_id.ADMIN_ONLY)
        return None
    return role


async def staff_button(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, attempt: str
) -> bool:
    """True when the presser is staff now; otherwise they get resident help (audited)."""
    roles = StaffRoles.of(services(context))
    if await roles.is_staff(query.from_user.id):
        return True
    await roles.record_refusal(query.from_user.id, attempt, "bukan petugas")
    await query.answer()
    office = await load_office_info(services(context).db.conn)
    block = texts_id.office_contact(office.address, office.hours, office.contact)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, texts_id.help_private(block, None))
    return False


def _args(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
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
        await message.reply_text(f"{texts_id.nik_problem(exc)}\n\n{usage}")
        return None


# --- /status NIK -----------------------------------------------------------------------------


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context) is None:
        return
    message = update.effective_message
    args = _args(context)
    if not args:
        await message.reply_text(texts_id.STATUS_USAGE)
        return
    svc = services(context)
    read = await _read_nik(message, svc, " ".join(args), texts_id.STATUS_USAGE)
    if read is None:
        return
    nik, today = read
    nik_hash = svc.hasher.nik(nik.digits)
    conn = svc.db.conn
    record = await records_store.get_by_nik_hash(conn, nik_hash)
    if record is None:
        await message.reply_text(texts_id.staff_not_found(mask_nik(nik.digits)))
        return
    history = await records_store.history(conn, record.id)
    subscribers = await stats_store.subscribed_chats(conn, record.id)
    locked_until = await nik_locked_until(conn, nik_hash, svc.clock.now())
    await message.reply_text(
        texts_id.staff_record(
            record,
            history,
            district_name=nik.district_name,
            subscribers=subscribers,
            locked_until=locked_until,
            today=today,
            tz=svc.settings.timezone,
        )
    )


# --- /ubah NIK STATUS [catatan] --------------------------------------------------------------


@dataclass(slots=True)
class PendingChange:
    """A status change waiting for the staff member's confirmation (kept per user, in memory)."""

    record_id: int
    nik_masked: str
    old: KtpStatus
    new: KtpStatus
    note: str | None
    backward: bool
    backward_confirmed: bool = False


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
    action = "mundur" if second else "ya"
    label = texts_id.UBAH_BUTTON_BACKWARD if second else texts_id.UBAH_BUTTON_YES
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=f"{UBAH_PREFIX}:{action}:{record_id}:{change_id}"
                ),
                InlineKeyboardButton(
                    texts_id.UBAH_BUTTON_NO,
                    callback_data=f"{UBAH_PREFIX}:batal:{record_id}:{change_id}",
                ),
            ]
        ]
    )


async def ubah_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context) is None:
        return
    message = update.effective_message
    args = _args(context)
    if not args:
        await message.reply_text(texts_id.UBAH_USAGE)
        return
    svc = services(context)
    nik_text, rest = _split_nik(args)
    read = await _read_nik(message, svc, nik_text, texts_id.UBAH_USAGE)
    if read is None:
        return
    nik, _ = read
    if not rest:
        await message.reply_text(texts_id.UBAH_USAGE)
        return
    try:
        new, note_words = _split_status(rest)
    except UnknownStatusError as exc:
        await message.reply_text(texts_id.ubah_unknown_status(exc))
        return
    note_text = " ".join(note_words)
    if len(note_text) > texts_id.UBAH_NOTE_LIMIT:
        await message.reply_text(texts_id.UBAH_NOTE_TOO_LONG)
        return
    note = clean_note(note_text) if note_text else None
    record = await records_store.get_by_nik_hash(svc.db.conn, svc.hasher.nik(nik.digits))
    if record is None:
        await message.reply_text(texts_id.staff_not_found(mask_nik(nik.digits)))
        return
    if record.status == new:
        await message.reply_text(
            texts_id.ubah_same_status(record.nik_masked, new, record.status_date)
        )
        return
    backward = is_backward(record.status, new)
    change_id = secrets.token_hex(4)
    pending: dict[str, PendingChange] = context.user_data.setdefault(PENDING_KEY, {})
    pending[change_id] = PendingChange(
        record.id, record.nik_masked, record.status, new, note, backward
    )
    await message.reply_text(
        texts_id.ubah_confirm(
            record.nik_masked, record.status, record.status_date, new, note, backward=backward
        ),
        reply_markup=_ubah_buttons(change_id, record.id, second=False),
    )


async def ubah_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    if not await staff_button(query, context, "tombol ubah"):
        return
    parts = query.data.split(":")
    action = parts[1] if len(parts) == 4 else ""
    change_id = parts[3] if len(parts) == 4 else ""
    pending: dict[str, PendingChange] = context.user_data.setdefault(PENDING_KEY, {})
    change = pending.get(change_id)
    await query.answer()
    if change is None or str(change.record_id) != parts[2]:
        await _edit(query, texts_id.UBAH_EXPIRED)
        return
    if action == "batal":
        pending.pop(change_id, None)
        await _edit(query, texts_id.UBAH_CANCELLED)
        return
    if change.backward and not change.backward_confirmed:
        if action != "ya":
            await _edit(query, texts_id.UBAH_EXPIRED)
            return
        change.backward_confirmed = True
        await _edit(
            query,
            texts_id.ubah_confirm_backward(change.nik_masked, change.old, change.new),
            _ubah_buttons(change_id, change.record_id, second=True),
        )
        return
    if action != ("mundur" if change.backward else "ya"):
        await _edit(query, texts_id.UBAH_EXPIRED)
        return
    pending.pop(change_id, None)
    await _apply_change(query, context, change)


async def _apply_change(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, change: PendingChange
) -> None:
    result = await status_change.change_status(
        services(context),
        record_id=change.record_id,
        expected=change.old,
        new=change.new,
        note=change.note,
        actor_id=query.from_user.id,
    )
    if not result.applied:
        await _edit(query, texts_id.ubah_moved_meanwhile(change.nik_masked, result.current))
        return
    notifier.wake(context.application)
    svc = services(context)
    quiet_end = notifier.quiet_hours_end(svc.settings, svc.clock.now())
    held_until = texts_id.format_time(quiet_end, svc.settings.timezone) if quiet_end else None
    await _edit(
        query,
        texts_id.ubah_done(
            change.nik_masked,
            change.old,
            change.new,
            result.entered_on,
            result.notifications,
            held_until,
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


def import_conversation() -> ConversationHandler:
    """/impor then a file, or a file with the caption /impor; /batal stops waiting."""
    document_with_caption = filters.Document.ALL & filters.CaptionRegex(_IMPOR_CAPTION)
    return ConversationHandler(
        entry_points=[
            MessageHandler(document_with_caption, impor_document_with_caption),
            CommandHandler("impor", impor_command),
        ],
        states={
            WAITING_FOR_FILE: [
                MessageHandler(filters.Document.ALL, impor_document),
                CommandHandler("batal", impor_cancel),
            ]
        },
        fallbacks=[],
        allow_reentry=True,
        name="impor",
    )


async def impor_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await guard(update, context) is None:
        return ConversationHandler.END
    context.user_data[IMPOR_SINCE_KEY] = services(context).clock.now()
    await update.effective_message.reply_text(texts_id.IMPOR_ASK)
    return WAITING_FOR_FILE


def _wait_expired(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the /impor wait is over (and forgets it): the wait lasts IMPOR_WAIT_MINUTES."""
    since = context.user_data.pop(IMPOR_SINCE_KEY, None)
    if since is None:
        return True
    return services(context).clock.now() - since > timedelta(minutes=IMPOR_WAIT_MINUTES)


async def impor_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    expired = _wait_expired(context)
    text = texts_id.IMPOR_NOTHING_TO_CANCEL if expired else texts_id.IMPOR_CANCELLED
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def impor_document_with_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await guard(update, context) is None:
        return ConversationHandler.END
    await _import_upload(update, context)
    return ConversationHandler.END


async def impor_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await guard(update, context) is None:
        return ConversationHandler.END
    if _wait_expired(context):
        # A forgotten /impor must not import a document sent much later for another reason.
        await update.effective_message.reply_text(texts_id.IMPOR_WAIT_EXPIRED)
        return ConversationHandler.END
    await _import_upload(update, context)
    return ConversationHandler.END


def _looks_like_csv(document: Document) -> bool:
    name = (document.file_name or "").lower()
    if name.endswith(CSV_SUFFIXES):
        return True
    if PurePath(name).suffix:  # another extension: .xlsx, .pdf, ...
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
            await self.message.edit_text(texts_id.impor_progress(self.name, percent))
        except TelegramError as exc:
            log.info("progress edit failed: %s", exc)


async def _import_upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    document = message.document
    if document is None:
        return
    name = PurePath(document.file_name or "impor.csv").name
    if not _looks_like_csv(document):
        await message.reply_text(texts_id.impor_not_csv(name))
        return
    if document.file_size and document.file_size > IMPORT_SIZE_LIMIT:
        await message.reply_text(texts_id.impor_too_big(document.file_size))
        return
    progress_message = await message.reply_text(texts_id.impor_started(name))
    try:
        tg_file = await document.get_file()
        buffer = io.BytesIO()
        await tg_file.download_to_memory(buffer)
    except TelegramError as exc:
        log.warning("could not download an import upload: %s", exc)
        await progress_message.edit_text(texts_id.IMPOR_DOWNLOAD_FAILED)
        return
    data = buffer.getvalue()
    if len(data) > IMPORT_SIZE_LIMIT:
        await progress_message.edit_text(texts_id.impor_too_big(len(data)))
        return
    actor = update.effective_user.id if update.effective_user else None
    job = _run_import(context, message, progress_message, data, name, actor)
    if len(data) >= BACKGROUND_FROM_BYTES:
        # A big file takes seconds: let the bot keep answering residents meanwhile.
        context.application.create_task(job, update=update, name=f"impor {name}")
    else:
        await job


async def _run_import(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    progress_message: Message,
    data: bytes,
    name: str,
    actor: int | None,
) -> None:
    """Import the downloaded bytes, edit the progress message into the summary, send the report."""
    svc = services(context)
    kept = texts_id.upload_label(actor, svc.clock.now(), svc.settings.timezone)  # not the name
    try:
        summary = await import_csv(
            svc,
            io.BytesIO(data),
            source_name=kept,
            actor_id=actor,
            on_progress=_Progress(progress_message, name),
        )
    except ImportFileError as exc:
        await progress_message.edit_text(texts_id.impor_file_problem(name, exc.reason))
        return
    except Exception as exc:  # a cell's digits may be in the message: hide them from the log
        log.error("import of an upload failed\n%s", redacted_traceback(exc))
        await progress_message.edit_text(texts_id.IMPOR_FAILED)
        return
    await _audit_import(svc, actor, kept, summary)
    notifier.wake(context.application)
    await _send_summary(progress_message, summary)
    if summary.rejected > REPORT_THRESHOLD:
        report = rejected_rows_csv(data, summary.errors, texts_id.IMPOR_REPORT_HEADER)
        stem = PurePath(name).stem or "impor"
        await message.reply_document(
            InputFile(report, filename=f"ditolak-{stem}.csv"),
            caption=texts_id.impor_report_caption(summary.rejected, len(summary.errors)),
        )


async def _send_summary(progress_message: Message, summary: ImportSummary) -> None:
    text = texts_id.import_summary(summary)
    errors = texts_id.import_row_errors(summary.errors, summary.rejected)
    if errors:
        text += "\n\n" + errors
    # Too long for one message: cut by bot.telegram_text (Telegram's own measure), not here.
    try:
        await progress_message.edit_text(text)
    except BadRequest:
        await progress_message.reply_text(text)


async def _audit_import(
    svc: Services, actor_id: int | None, name: str, summary: ImportSummary
) -> None:
    async with svc.db.transaction() as conn:
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=actor_id,
            action=audit_store.IMPORT,
            target=name,
            new=(
                f"dibaca {summary.rows_read}, baru {summary.new}, berubah {summary.changed}, "
                f"tetap {summary.unchanged}, ditolak {summary.rejected}"
            ),
            detail=f"impor #{summary.import_id}" if summary.import_id else None,
        )


# --- /statistik ------------------------------------------------------------------------------


async def statistik_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context) is None:
        return
    message = update.effective_message
    svc = services(context)
    figures = await stats.gather(svc)
    chart = await asyncio.to_thread(stats.render_chart, figures, texts_id.chart_labels(figures))
    await message.reply_photo(
        InputFile(chart, filename="statistik.png"),
        caption=texts_id.statistics_caption(figures, svc.settings.timezone),
    )
    await message.reply_text(texts_id.statistics_detail(figures, svc.settings.timezone))


# --- /blanko N -------------------------------------------------------------------------------

_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_stock(text: str) -> int:
    """ "2500", "2.500" or "2,500" -> 2500; ValueError for anything else (sign kept)."""
    value = text.strip()
    negative = value.startswith(("-", "−"))
    if negative:
        value = value[1:].strip()
    if _GROUPED.match(value):
        value = re.sub(r"[.,]", "", value)
    if not value.isascii() or not value.isdigit():
        raise ValueError(text)
    number = int(value)
    return -number if negative else number


async def blanko_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context) is None:
        return
    message = update.effective_message
    svc = services(context)
    conn = svc.db.conn
    backlog = (await stats_store.count_by_status(conn)).get(KtpStatus.PRINT_READY_RECORD, 0)
    old_text = await settings_store.get(conn, settings_store.BLANKO_STOCK)
    old = int(old_text) if old_text and old_text.isdigit() else None
    args = _args(context)
    if not args:
        await message.reply_text(texts_id.blanko_current(old, backlog))
        return
    try:
        new = parse_stock(" ".join(args))
    except ValueError:
        await message.reply_text(texts_id.BLANKO_NOT_NUMBER)
        return
    if new < 0:
        await message.reply_text(texts_id.BLANKO_NEGATIVE)
        return
    if new > texts_id.BLANKO_MAX:
        await message.reply_text(texts_id.BLANKO_TOO_BIG)
        return
    async with svc.db.transaction() as conn:
        await settings_store.put(conn, settings_store.BLANKO_STOCK, str(new))
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=update.effective_user.id,
            action=audit_store.BLANKO,
            target=settings_store.BLANKO_STOCK,
            old=old_text,
            new=str(new),
        )
    await message.reply_text(texts_id.blanko_set(old, new, backlog))
