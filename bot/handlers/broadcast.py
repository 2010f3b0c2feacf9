"""Handlers for announcements: staff's /siaran (write, choose audience, preview, send, follow,
stop) and the resident's /pengumuman (opt out of announcements, or back in).

Every step and every button checks the staff role at the moment it is used; someone who is not
staff gets what a resident gets for an unknown command, and the attempt is audited.
"""

from __future__ import annotations

import logging
import re
import secrets
import warnings
from dataclasses import dataclass, field

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts_id
from bot.handlers.common import is_private, services
from bot.handlers.staff import guard, staff_button
from bot.nik import MUSI_RAWAS_DISTRICTS
from bot.notifier import in_quiet_hours, notifier_of, quiet_hours_end
from bot.states import ALL_STATUSES, KtpStatus
from bot.storage import audit as audit_store
from bot.storage import broadcasts as broadcasts_store
from bot.storage.broadcasts import Audience

log = logging.getLogger(__name__)

PREFIX = "bc"
DRAFT_KEY = "broadcast_draft"
MUSI_RAWAS = "1605"
LIST_LIMIT = 8
AUDIT_BROADCAST = "siaran"
AUDIT_BROADCAST_STOP = "hentikan_siaran"
#: What the audit log names a broadcast button pressed by someone who is not staff.
BUTTON_ATTEMPT = f"tombol {PREFIX}"

WRITING, CHOOSING, CONFIRMING = range(3)

#: Sixteen digits, perhaps written in groups ("1605 0141 0190 0001", "1605.01..."): a NIK or a
#: KK, which must never go out in an announcement (nor be stored with it).
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")


@dataclass(slots=True)
class Draft:
    text: str = ""  # HTML, as staff wrote it
    audience: Audience | None = None
    token: str = field(default_factory=lambda: secrets.token_hex(4))  # ties buttons to it


def register(app: Application) -> None:
    """The /siaran conversation first (it takes the staff's next text), then its buttons
    outside the conversation, then the resident's /pengumuman."""
    app.add_handler(broadcast_conversation())
    app.add_handler(CallbackQueryHandler(list_button, pattern=rf"^{PREFIX}:list$"))
    app.add_handler(CallbackQueryHandler(stop_button, pattern=rf"^{PREFIX}:stop:\d+$"))
    app.add_handler(CallbackQueryHandler(stop_answer, pattern=rf"^{PREFIX}:stop(yes|no):\d+$"))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(CommandHandler("pengumuman", announcements_command))
    app.add_handler(CallbackQueryHandler(announcements_button, pattern=r"^ann:(on|off)$"))


def broadcast_conversation() -> ConversationHandler:
    step = CallbackQueryHandler(choose_step, pattern=rf"^{PREFIX}:(aud|d|s|back|edit|cancel)")
    with warnings.catch_warnings():
        # Buttons are tracked per chat and user on purpose (one draft at a time per person).
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("siaran", siaran_command)],
            states={
                WRITING: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, text_received),
                    MessageHandler(~filters.COMMAND, not_text),
                ],
                CHOOSING: [step],
                CONFIRMING: [
                    CallbackQueryHandler(send_button, pattern=rf"^{PREFIX}:(send|now):\w+$"),
                    step,
                ],
            },
            fallbacks=[CommandHandler("batal", cancel_command)],
            allow_reentry=True,
            name="siaran",
        )


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{PREFIX}:{data}")


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


# --- /siaran: write --------------------------------------------------------------------------


async def siaran_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await guard(update, context) is None:
        return ConversationHandler.END
    if context.args and context.args[0].lower() in ("daftar", "list"):
        await _send_list(update.effective_chat.id, context)
        return ConversationHandler.END
    context.user_data[DRAFT_KEY] = Draft()
    markup = InlineKeyboardMarkup([[_button(texts_id.BROADCAST_LIST_BUTTON, "list")]])
    await update.effective_message.reply_text(texts_id.BROADCAST_ASK_TEXT, reply_markup=markup)
    return WRITING


async def text_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await guard(update, context) is None:
        return ConversationHandler.END
    message = update.effective_message
    plain = (message.text or "").strip()
    if not plain:
        await message.reply_text(texts_id.BROADCAST_EMPTY)
        return WRITING
    if len(plain) > texts_id.BROADCAST_TEXT_LIMIT:
        await message.reply_text(texts_id.broadcast_too_long(len(plain)))
        return WRITING
    if _ID_NUMBER.search(plain):
        await message.reply_text(texts_id.BROADCAST_HAS_ID_NUMBER)
        return WRITING
    draft = _draft(context)
    draft.text = message.text_html.strip()
    if draft.audience is not None:  # the text was changed after the audience was chosen
        await _send_preview(update.effective_chat.id, context, draft)
        return CONFIRMING
    text, markup = await _audience_menu(context)
    await message.reply_text(text, reply_markup=markup)
    return CHOOSING


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.effective_message.reply_text(texts_id.BROADCAST_NOT_TEXT)
    return WRITING


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(DRAFT_KEY, None)
    await update.effective_message.reply_text(texts_id.BROADCAST_CANCELLED)
    return ConversationHandler.END


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    draft = context.user_data.get(DRAFT_KEY)
    if not isinstance(draft, Draft):
        draft = context.user_data[DRAFT_KEY] = Draft()
    return draft


# --- /siaran: choose the audience ------------------------------------------------------------


async def _audience_menu(
    context: ContextTypes.DEFAULT_TYPE,
) -> tuple[str, InlineKeyboardMarkup]:
    count = await broadcasts_store.count_audience(
        services(context).db.conn, Audience(broadcasts_store.ALL)
    )
    markup = InlineKeyboardMarkup(
        [
            [_button(texts_id.broadcast_all_button(count), "aud:all")],
            [
                _button(texts_id.BROADCAST_AUDIENCE_DISTRICT_BUTTON, "aud:district"),
                _button(texts_id.BROADCAST_AUDIENCE_STATUS_BUTTON, "aud:status"),
            ],
            [_button(texts_id.BROADCAST_CANCEL_BUTTON, "cancel")],
        ]
    )
    return texts_id.BROADCAST_ASK_AUDIENCE, markup


async def _district_menu(context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    counts = await broadcasts_store.counts_by_district(services(context).db.conn)
    buttons = [
        _button(
            texts_id.broadcast_choice_button(name, counts.get(MUSI_RAWAS + code, 0)), f"d:{code}"
        )
        for code, name in sorted(MUSI_RAWAS_DISTRICTS.items(), key=lambda item: item[1])
    ]
    rows = _pairs(buttons)
    rows.append([_button(texts_id.BROADCAST_BACK_BUTTON, "back")])
    return InlineKeyboardMarkup(rows)


async def _status_menu(context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    counts = await broadcasts_store.counts_by_status(services(context).db.conn)
    buttons = [
        _button(
            texts_id.broadcast_choice_button(
                texts_id.broadcast_status_name(status), counts.get(status.value, 0)
            ),
            f"s:{status.value}",
        )
        for status in ALL_STATUSES
    ]
    # One a row: two long status titles side by side are cut on a phone, count and all.
    rows = [[button] for button in buttons]
    rows.append([_button(texts_id.BROADCAST_BACK_BUTTON, "back")])
    return InlineKeyboardMarkup(rows)


def audience_name(audience: Audience) -> str:
    district = None
    if audience.kind == broadcasts_store.DISTRICT and audience.value:
        district = MUSI_RAWAS_DISTRICTS.get(audience.value[4:6])
    return texts_id.broadcast_audience_name(audience.kind, audience.value, district)


async def choose_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Buttons while choosing: audience kind, a district, a status, back, edit, cancel."""
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return ConversationHandler.END
    await query.answer()
    action = query.data.split(":", 1)[1]
    draft = _draft(context)
    if action == "cancel":
        context.user_data.pop(DRAFT_KEY, None)
        await _edit(query, texts_id.BROADCAST_CANCELLED)
        return ConversationHandler.END
    if action == "edit":
        await _edit(query, texts_id.BROADCAST_ASK_NEW_TEXT)
        return WRITING
    if action in ("back", "aud:pick"):
        draft.audience = None
        text, markup = await _audience_menu(context)
        await _edit(query, text, markup)
        return CHOOSING
    if action == "aud:district":
        await _edit(query, texts_id.BROADCAST_ASK_DISTRICT, await _district_menu(context))
        return CHOOSING
    if action == "aud:status":
        await _edit(query, texts_id.BROADCAST_ASK_STATUS, await _status_menu(context))
        return CHOOSING
    audience = _audience_from(action)
    if audience is None:
        await _edit(query, texts_id.BROADCAST_EXPIRED)
        return ConversationHandler.END
    draft.audience = audience
    if not draft.text:
        await _edit(query, texts_id.BROADCAST_ASK_NEW_TEXT)
        return WRITING
    await _edit(query, texts_id.broadcast_audience_chosen(audience_name(audience)))
    await _send_preview(query.message.chat.id, context, draft)
    return CONFIRMING


def _audience_from(action: str) -> Audience | None:
    if action == "aud:all":
        return Audience(broadcasts_store.ALL)
    kind, _, value = action.partition(":")
    if kind == "d" and value in MUSI_RAWAS_DISTRICTS:
        return Audience(broadcasts_store.DISTRICT, MUSI_RAWAS + value)
    if kind == "s" and value in KtpStatus.__members__:
        return Audience(broadcasts_store.STATUS, value)
    return None


# --- /siaran: preview and send ---------------------------------------------------------------


async def _send_preview(chat_id: int, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The announcement exactly as residents will get it, then the exact recipient count."""
    assert draft.audience is not None
    svc = services(context)
    count = await broadcasts_store.count_audience(svc.db.conn, draft.audience)
    now = svc.clock.now()
    quiet_end = quiet_hours_end(svc.settings, now)
    await context.bot.send_message(chat_id, texts_id.broadcast_message(draft.text))
    text = texts_id.broadcast_preview(
        audience_name(draft.audience),
        count,
        quiet_start=svc.settings.quiet_hours.start,
        quiet_end=quiet_end,
        tz=svc.settings.timezone,
    )
    rows: list[list[InlineKeyboardButton]] = []
    if count and quiet_end is not None:
        tz = svc.settings.timezone
        later = texts_id.broadcast_after_quiet_button(quiet_end, tz)
        rows.append([_button(later, f"send:{draft.token}")])
        rows.append([_button(texts_id.BROADCAST_SEND_NOW_BUTTON, f"now:{draft.token}")])
    elif count:
        rows.append([_button(texts_id.broadcast_send_button(count), f"send:{draft.token}")])
    rows.append(
        [
            _button(texts_id.BROADCAST_EDIT_TEXT_BUTTON, "edit"),
            _button(texts_id.BROADCAST_EDIT_AUDIENCE_BUTTON, "back"),
        ]
    )
    rows.append([_button(texts_id.BROADCAST_CANCEL_BUTTON, "cancel")])
    await context.bot.send_message(chat_id, text, reply_markup=InlineKeyboardMarkup(rows))


async def send_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirmed: queue the announcement; this message becomes the progress message."""
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return ConversationHandler.END
    draft = _draft(context)
    token = query.data.rsplit(":", 1)[1]
    if token != draft.token or not draft.text or draft.audience is None or not query.message:
        # A button of an earlier preview: never send the current draft from it.
        await query.answer(texts_id.BROADCAST_EXPIRED)
        return CONFIRMING if draft.audience is not None else ConversationHandler.END
    await query.answer()
    svc = services(context)
    now = svc.clock.now()
    send_now = query.data.split(":")[1] == "now" and in_quiet_hours(svc.settings, now)
    async with svc.db.transaction() as conn:
        broadcast_id, count = await broadcasts_store.create(
            conn,
            created_by=query.from_user.id,
            text=draft.text,
            message=texts_id.broadcast_message(draft.text),
            audience=draft.audience,
            now=now,
            send_now=send_now,
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
        )
        await audit_store.add(
            conn,
            now=now,
            actor_id=query.from_user.id,
            action=AUDIT_BROADCAST,
            target=f"#{broadcast_id}",
            new=draft.audience.to_json(),
            detail=f"{count} penerima" + (", kirim sekarang (jam tenang)" if send_now else ""),
        )
    context.user_data.pop(DRAFT_KEY, None)
    stop = _button(texts_id.BROADCAST_STOP_BUTTON, f"stop:{broadcast_id}")
    await _edit(
        query, texts_id.broadcast_started(broadcast_id, count), InlineKeyboardMarkup([[stop]])
    )
    dispatcher = notifier_of(context.application)
    if dispatcher is not None:
        dispatcher.broadcast_queued(broadcast_id)
    return ConversationHandler.END


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of a draft that is no longer open (sent, cancelled, or the bot restarted)."""
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return
    await query.answer(texts_id.BROADCAST_EXPIRED)


# --- recent broadcasts and stopping one ------------------------------------------------------


async def _send_list(chat_id: int, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    conn = svc.db.conn
    items = []
    rows: list[list[InlineKeyboardButton]] = []
    for broadcast in await broadcasts_store.recent(conn, LIST_LIMIT):
        figures = await broadcasts_store.figures(conn, broadcast.id)
        items.append((broadcast, figures, audience_name(broadcast.audience)))
        if broadcast.state == broadcasts_store.SENDING:
            label = texts_id.broadcast_stop_button(broadcast.id)
            rows.append([_button(label, f"stop:{broadcast.id}")])
    quiet_end = quiet_hours_end(svc.settings, svc.clock.now())
    text = texts_id.broadcast_list(items, tz=svc.settings.timezone, quiet_end=quiet_end)
    markup = InlineKeyboardMarkup(rows) if rows else None
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return
    await query.answer()
    if query.message is not None:
        await _send_list(query.message.chat.id, context)


async def stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask before stopping a broadcast in progress."""
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return
    await query.answer()
    broadcast_id = int(query.data.rsplit(":", 1)[1])
    svc = services(context)
    broadcast = await broadcasts_store.get(svc.db.conn, broadcast_id)
    if query.message is None:
        return
    if broadcast is None or broadcast.state != broadcasts_store.SENDING:
        await context.bot.send_message(
            query.message.chat.id, texts_id.broadcast_not_running(broadcast_id)
        )
        return
    figures = await broadcasts_store.figures(svc.db.conn, broadcast_id)
    markup = InlineKeyboardMarkup(
        [
            [
                _button(texts_id.BROADCAST_STOP_YES_BUTTON, f"stopyes:{broadcast_id}"),
                _button(texts_id.BROADCAST_STOP_NO_BUTTON, f"stopno:{broadcast_id}"),
            ]
        ]
    )
    await context.bot.send_message(
        query.message.chat.id,
        texts_id.broadcast_stop_confirm(broadcast_id, figures.pending),
        reply_markup=markup,
    )


async def stop_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if not await staff_button(query, context, BUTTON_ATTEMPT):
        return
    await query.answer()
    action, _, number = query.data.split(":", 1)[1].partition(":")
    broadcast_id = int(number)
    if action == "stopno":
        await _edit(query, texts_id.BROADCAST_STOP_KEPT)
        return
    svc = services(context)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        dropped = await broadcasts_store.cancel(conn, broadcast_id, now)
        if dropped is not None:
            await audit_store.add(
                conn,
                now=now,
                actor_id=query.from_user.id,
                action=AUDIT_BROADCAST_STOP,
                target=f"#{broadcast_id}",
                detail=f"{dropped} pesan tidak dikirim",
            )
    if dropped is None:
        await _edit(query, texts_id.broadcast_not_running(broadcast_id))
        return
    dispatcher = notifier_of(context.application)
    if dispatcher is not None:
        dispatcher.cancel_broadcast_in_memory(broadcast_id)
        await dispatcher.update_progress()
    await _edit(query, texts_id.broadcast_stopped(broadcast_id, dropped))


# --- /pengumuman: the resident's choice ------------------------------------------------------

_OFF_WORDS = {"mati", "matikan", "off", "tidak", "stop", "berhenti", "nonaktif"}
_ON_WORDS = {"hidup", "hidupkan", "on", "ya", "nyala", "nyalakan", "aktif", "aktifkan"}


def _toggle_markup(on: bool) -> InlineKeyboardMarkup:
    if on:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts_id.ANNOUNCEMENTS_OFF_BUTTON, callback_data="ann:off")]]
        )
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts_id.ANNOUNCEMENTS_ON_BUTTON, callback_data="ann:on")]]
    )


async def _set_announcements(update: Update, context: ContextTypes.DEFAULT_TYPE, on: bool) -> None:
    svc = services(context)
    chat = update.effective_chat
    async with svc.db.transaction() as conn:
        await broadcasts_store.set_announcements(
            conn, chat.id, chat.type or ChatType.PRIVATE, on, svc.clock.now()
        )


async def announcements_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if not is_private(update):
        await message.reply_text(texts_id.ANNOUNCEMENTS_PRIVATE_ONLY)
        return
    word = (context.args[0].lower() if context.args else "").strip()
    if not word:
        on = await broadcasts_store.announcements_on(services(context).db.conn, message.chat.id)
        await message.reply_text(texts_id.announcements_state(on), reply_markup=_toggle_markup(on))
        return
    if word in _OFF_WORDS:
        await _set_announcements(update, context, False)
        await message.reply_text(texts_id.ANNOUNCEMENTS_TURNED_OFF)
    elif word in _ON_WORDS:
        await _set_announcements(update, context, True)
        await message.reply_text(texts_id.ANNOUNCEMENTS_TURNED_ON)
    else:
        await message.reply_text(texts_id.ANNOUNCEMENTS_USAGE)


async def announcements_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    if not is_private(update):
        return
    on = query.data == "ann:on"
    await _set_announcements(update, context, on)
    done = texts_id.ANNOUNCEMENTS_TURNED_ON if on else texts_id.ANNOUNCEMENTS_TURNED_OFF
    await _edit(query, done)
