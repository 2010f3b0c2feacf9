"""Handlers for announcements: staff's /siaran (write, choose audience, preview, send, follow,
stop). (The resident's /pengumuman is the conversation's: `bot.conversation.dialogue`.)

Every step and every button checks the staff role at the moment it is used (`auth`); someone
who is not staff gets what a resident gets for an unknown command, and the attempt is audited.
The draft lives in the database (`services.broadcasting`) for a day, so a restart in the middle of
writing one changes nothing: the next text, or a button of the preview, carries on.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts_id, texts_staff
from bot.conversation import steps
from bot.domain.markup import plain
from bot.domain.nik import MUSI_RAWAS_DISTRICTS
from bot.handlers import callbacks
from bot.handlers.auth import Caller, staff_only
from bot.handlers.callbacks import (
    BroadcastAudience,
    BroadcastDistrict,
    BroadcastList,
    BroadcastSend,
    BroadcastSendNow,
    BroadcastStatus,
    BroadcastStep,
    BroadcastStop,
    BroadcastStopNo,
    BroadcastStopYes,
)
from bot.handlers.common import (
    button_rows,
    edit_text,
    inline_button,
    yes_no_markup,
    yes_pressed,
)
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.dispatcher import ProgressView
from bot.handlers.drafts import draft_message_of, take_draft_message
from bot.handlers.groups import may_be_in, register_step
from bot.handlers.render import html
from bot.services.broadcasting import (
    CANCELLED,
    SENDING,
    TEXT_LIMIT,
    Audience,
    Broadcast,
    Broadcasting,
    Draft,
    Figures,
    Step,
    TextProblem,
    check_text,
    district_audience,
    district_name,
    everyone,
    status_audience,
)
from bot.states import ALL_STATUSES

log = logging.getLogger(__name__)


def register(app: BotApplication) -> None:
    """The draft's text reader (its own group), /siaran and its buttons."""
    private = filters.UpdateType.MESSAGES & filters.ChatType.PRIVATE
    register_step(app, steps.SIARAN, MessageHandler(private, draft_message))
    app.add_handler(CommandHandler("siaran", siaran_command))
    app.add_handler(CallbackQueryHandler(list_button, pattern=BroadcastList.matches))
    app.add_handler(CallbackQueryHandler(stop_button, pattern=BroadcastStop.matches))
    stop_answers = callbacks.any_of(BroadcastStopYes, BroadcastStopNo)
    app.add_handler(CallbackQueryHandler(stop_answer, pattern=stop_answers))
    draft_buttons = callbacks.any_of(
        BroadcastStep,
        BroadcastAudience,
        BroadcastDistrict,
        BroadcastStatus,
        BroadcastSend,
        BroadcastSendNow,
    )
    app.add_handler(CallbackQueryHandler(draft_button, pattern=draft_buttons))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^bc:"))


def _counts(figures: Figures) -> texts_staff.BroadcastCounts:
    return texts_staff.BroadcastCounts(**asdict(figures))


def audience_name(audience: Audience) -> str:
    return texts_staff.broadcast_audience_name(
        audience.kind, audience.value, district_name(audience)
    )


# --- /siaran: write --------------------------------------------------------------------------


@staff_only
async def siaran_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    if context.args and context.args[0].lower() in ("daftar", "list"):
        await _send_list(message.chat_id, context)
        return
    await Broadcasting.of(context.services).start_draft(message.chat_id, caller.user_id)
    markup = InlineKeyboardMarkup(
        [[inline_button(texts_staff.BROADCAST_LIST_BUTTON, BroadcastList())]]
    )
    await message.reply_text(html(texts_staff.BROADCAST_ASK_TEXT), reply_markup=markup)


async def draft_message(update: Update, context: BotContext) -> None:
    """A private message while this staff member writes a draft: its text, /batal, or something
    that is not text. Every other message (and every message of someone without a draft) goes
    on to the other handlers."""
    if not may_be_in(context, steps.SIARAN):
        return
    taken = draft_message_of(update)
    if taken is None:
        return
    message, user_id, command = taken
    if message.new_chat_members or message.left_chat_member or message.pinned_message:
        return
    broadcasting = Broadcasting.of(context.services)
    draft = await broadcasting.draft(message.chat_id, user_id)
    if draft is None or (draft.step is not Step.WRITING and command is None):
        return

    async def answer() -> object:
        if not message.text:
            await message.reply_text(html(texts_staff.BROADCAST_NOT_TEXT))
            return None
        return await _draft_text(update, context)

    await take_draft_message(
        message,
        command,
        broadcasting,
        draft,
        answer,
        expired_text=html(texts_staff.BROADCAST_DRAFT_EXPIRED),
        cancelled_text=html(texts_staff.BROADCAST_CANCELLED),
    )


@staff_only
async def _draft_text(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    broadcasting = Broadcasting.of(context.services)
    draft = await broadcasting.draft(message.chat_id, caller.user_id)
    if draft is None:
        return
    plain = (message.text or "").strip()
    problem = check_text(plain)
    if problem is TextProblem.EMPTY:
        await message.reply_text(html(texts_staff.BROADCAST_EMPTY))
    elif problem is TextProblem.TOO_LONG:
        await message.reply_text(html(texts_staff.broadcast_too_long(len(plain), TEXT_LIMIT)))
    elif problem is TextProblem.ID_NUMBER:
        await message.reply_text(html(texts_staff.BROADCAST_HAS_ID_NUMBER))
    if problem is not None:
        return
    text = message.text_html.strip()
    if draft.audience is not None:  # the text was changed after the audience was chosen
        draft = await broadcasting.save_draft(draft, text=text, step=Step.CONFIRMING)
        await _send_preview(message.chat_id, context, draft)
        return
    await broadcasting.save_draft(draft, text=text, step=Step.CHOOSING)
    menu, markup = await _audience_menu(broadcasting)
    await message.reply_text(menu, reply_markup=markup)


# --- /siaran: choose the audience ------------------------------------------------------------


async def _audience_menu(broadcasting: Broadcasting) -> tuple[str, InlineKeyboardMarkup]:
    count = await broadcasting.count(everyone())
    markup = InlineKeyboardMarkup(
        [
            [
                inline_button(
                    texts_staff.broadcast_all_button(count),
                    BroadcastAudience(BroadcastAudience.ALL),
                )
            ],
            [
                inline_button(
                    texts_staff.BROADCAST_AUDIENCE_DISTRICT_BUTTON,
                    BroadcastAudience(BroadcastAudience.DISTRICT),
                ),
                inline_button(
                    texts_staff.BROADCAST_AUDIENCE_STATUS_BUTTON,
                    BroadcastAudience(BroadcastAudience.STATUS),
                ),
            ],
            [inline_button(texts_staff.BROADCAST_CANCEL_BUTTON, BroadcastStep("cancel"))],
        ]
    )
    return html(texts_staff.BROADCAST_ASK_AUDIENCE), markup


async def _district_menu(broadcasting: Broadcasting) -> InlineKeyboardMarkup:
    counts = await broadcasting.counts_by_district()
    buttons = [
        inline_button(
            texts_staff.broadcast_choice_button(name, counts.get(code, 0)), BroadcastDistrict(code)
        )
        for code, name in sorted(MUSI_RAWAS_DISTRICTS.items(), key=lambda item: item[1])
    ]
    rows = button_rows(buttons, 2)
    rows.append([inline_button(texts_staff.BROADCAST_BACK_BUTTON, BroadcastStep("back"))])
    return InlineKeyboardMarkup(rows)


async def _status_menu(broadcasting: Broadcasting) -> InlineKeyboardMarkup:
    counts = await broadcasting.counts_by_status()
    buttons = [
        inline_button(
            texts_staff.broadcast_choice_button(
                texts_staff.broadcast_status_name(status), counts.get(status.value, 0)
            ),
            BroadcastStatus(status.name),
        )
        for status in ALL_STATUSES
    ]
    # One a row: two long status titles side by side are cut on a phone, count and all.
    rows = [[button] for button in buttons]
    rows.append([inline_button(texts_staff.BROADCAST_BACK_BUTTON, BroadcastStep("back"))])
    return InlineKeyboardMarkup(rows)


@staff_only
async def draft_button(update: Update, context: BotContext, caller: Caller) -> None:
    """A button of the draft: audience kind, a district, a status, back, edit, cancel, send."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    data = callbacks.unpack(query.data)
    broadcasting = Broadcasting.of(context.services)
    draft = await broadcasting.draft(query.message.chat.id, caller.user_id)
    sending = isinstance(data, BroadcastSend | BroadcastSendNow)
    if (
        draft is None
        or draft.expired
        or draft.step is Step.WRITING
        or (sending and draft.step is not Step.CONFIRMING)
    ):
        # A button of a draft that is no longer open (sent, cancelled, expired) or not at
        # this step any more.
        if draft is not None and draft.expired:
            await broadcasting.drop_draft(draft.chat_id, draft.user_id)
        await query.answer(plain(texts_staff.BROADCAST_EXPIRED))
        return
    if isinstance(data, BroadcastSend | BroadcastSendNow):
        await _send(query, context, draft, data)
        return
    await query.answer()
    await _choose(query, broadcasting, context, draft, data)


async def _choose(
    query: CallbackQuery,
    broadcasting: Broadcasting,
    context: BotContext,
    draft: Draft,
    data: callbacks.CallbackData | None,
) -> None:
    audience: Audience | None = None
    match data:
        case BroadcastStep("cancel"):
            await broadcasting.drop_draft(draft.chat_id, draft.user_id)
            await edit_text(query, html(texts_staff.BROADCAST_CANCELLED))
            return
        case BroadcastStep("edit"):
            await broadcasting.save_draft(draft, step=Step.WRITING)
            await edit_text(query, html(texts_staff.BROADCAST_ASK_NEW_TEXT))
            return
        case BroadcastStep("back") | BroadcastAudience(BroadcastAudience.PICK):
            await broadcasting.save_draft(draft, audience=None, step=Step.CHOOSING)
            menu, markup = await _audience_menu(broadcasting)
            await edit_text(query, menu, markup)
            return
        case BroadcastAudience(BroadcastAudience.DISTRICT):
            await broadcasting.save_draft(draft, step=Step.CHOOSING)
            await edit_text(
                query, html(texts_staff.BROADCAST_ASK_DISTRICT), await _district_menu(broadcasting)
            )
            return
        case BroadcastAudience(BroadcastAudience.STATUS):
            await broadcasting.save_draft(draft, step=Step.CHOOSING)
            await edit_text(
                query, html(texts_staff.BROADCAST_ASK_STATUS), await _status_menu(broadcasting)
            )
            return
        case BroadcastAudience(BroadcastAudience.ALL):
            audience = everyone()
        case BroadcastDistrict(code):
            audience = district_audience(code)
        case BroadcastStatus(name):
            audience = status_audience(name)
    if audience is None:
        await broadcasting.drop_draft(draft.chat_id, draft.user_id)
        await edit_text(query, html(texts_staff.BROADCAST_EXPIRED))
        return
    if not draft.text:
        await broadcasting.save_draft(draft, audience=audience, step=Step.WRITING)
        await edit_text(query, html(texts_staff.BROADCAST_ASK_NEW_TEXT))
        return
    draft = await broadcasting.save_draft(draft, audience=audience, step=Step.CONFIRMING)
    await edit_text(query, html(texts_staff.broadcast_audience_chosen(audience_name(audience))))
    await _send_preview(draft.chat_id, context, draft)


# --- /siaran: preview and send ---------------------------------------------------------------


async def _send_preview(chat_id: int, context: BotContext, draft: Draft) -> None:
    """The announcement exactly as residents will get it, then the exact recipient count."""
    if draft.audience is None:
        return
    broadcasting = Broadcasting.of(context.services)
    settings = context.services.settings
    count = await broadcasting.count(draft.audience)
    quiet_end = broadcasting.quiet_hours_end()
    await context.bot.send_message(chat_id, texts_id.broadcast_message(draft.text))
    text = html(
        texts_staff.broadcast_preview(
            audience_name(draft.audience),
            count,
            quiet_start=settings.quiet_hours.start,
            quiet_end=quiet_end,
            tz=settings.timezone,
        )
    )
    rows: list[list[InlineKeyboardButton]] = []
    if count and quiet_end is not None:
        later = texts_staff.broadcast_after_quiet_button(quiet_end, settings.timezone)
        rows.append([inline_button(later, BroadcastSend(draft.token))])
        rows.append(
            [inline_button(texts_staff.BROADCAST_SEND_NOW_BUTTON, BroadcastSendNow(draft.token))]
        )
    elif count:
        rows.append(
            [inline_button(texts_staff.broadcast_send_button(count), BroadcastSend(draft.token))]
        )
    rows.append(
        [
            inline_button(texts_staff.BROADCAST_EDIT_TEXT_BUTTON, BroadcastStep("edit")),
            inline_button(texts_staff.BROADCAST_EDIT_AUDIENCE_BUTTON, BroadcastStep("back")),
        ]
    )
    rows.append([inline_button(texts_staff.BROADCAST_CANCEL_BUTTON, BroadcastStep("cancel"))])
    await context.bot.send_message(chat_id, text, reply_markup=InlineKeyboardMarkup(rows))


async def _send(
    query: CallbackQuery,
    context: BotContext,
    draft: Draft,
    data: BroadcastSend | BroadcastSendNow,
) -> None:
    """Confirmed: queue the announcement; this message becomes the progress message."""
    message = query.message
    if data.token != draft.token or not draft.text or draft.audience is None or message is None:
        # A button of an earlier preview: never send the current draft from it.
        await query.answer(plain(texts_staff.BROADCAST_EXPIRED))
        return
    await query.answer()
    sent = await Broadcasting.of(context.services).send(
        draft,
        now_in_quiet_hours=isinstance(data, BroadcastSendNow),
        progress_chat_id=message.chat.id,
        progress_message_id=message.message_id,
    )
    stop = inline_button(texts_staff.BROADCAST_STOP_BUTTON, BroadcastStop(sent.broadcast_id))
    await edit_text(
        query,
        html(texts_staff.broadcast_started(sent.broadcast_id, sent.recipients)),
        InlineKeyboardMarkup([[stop]]),
    )
    if context.dispatcher is not None:
        context.dispatcher.broadcast_queued(sent.broadcast_id)


@staff_only
async def stale_button(update: Update, context: BotContext, caller: Caller) -> None:
    """A button of announcements this version of the bot does not know."""
    if update.callback_query is not None:
        await update.callback_query.answer(plain(texts_staff.BROADCAST_EXPIRED))


# --- recent broadcasts and stopping one ------------------------------------------------------


async def _send_list(chat_id: int, context: BotContext) -> None:
    broadcasting = Broadcasting.of(context.services)
    settings = context.services.settings
    items = []
    rows: list[list[InlineKeyboardButton]] = []
    for broadcast, figures in await broadcasting.recent():
        items.append(
            texts_staff.BroadcastLine(
                broadcast_id=broadcast.id,
                text_html=broadcast.text,
                created_at=broadcast.created_at,
                state=broadcast.state,
                send_now=broadcast.send_now,
                audience_name=audience_name(broadcast.audience),
                figures=_counts(figures),
            )
        )
        if broadcast.state == SENDING:
            label = texts_staff.broadcast_stop_button(broadcast.id)
            rows.append([inline_button(label, BroadcastStop(broadcast.id))])
    quiet_end = broadcasting.quiet_hours_end()
    text = html(texts_staff.broadcast_list(items, tz=settings.timezone, quiet_end=quiet_end))
    markup = InlineKeyboardMarkup(rows) if rows else None
    await context.bot.send_message(chat_id, text, reply_markup=markup)


@staff_only
async def list_button(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await _send_list(query.message.chat.id, context)


@staff_only
async def stop_button(update: Update, context: BotContext, caller: Caller) -> None:
    """Ask before stopping a broadcast in progress."""
    query = update.callback_query
    data = BroadcastStop.unpack(query.data if query else None)
    if query is None or data is None:
        return
    await query.answer()
    if query.message is None:
        return
    chat_id = query.message.chat.id
    figures = await Broadcasting.of(context.services).running(data.broadcast_id)
    if figures is None:
        await context.bot.send_message(
            chat_id, html(texts_staff.broadcast_not_running(data.broadcast_id))
        )
        return
    markup = yes_no_markup(
        texts_staff.BROADCAST_STOP_YES_BUTTON,
        BroadcastStopYes(data.broadcast_id),
        texts_staff.BROADCAST_STOP_NO_BUTTON,
        BroadcastStopNo(data.broadcast_id),
    )
    await context.bot.send_message(
        chat_id,
        html(texts_staff.broadcast_stop_confirm(data.broadcast_id, figures.pending)),
        reply_markup=markup,
    )


@staff_only
async def stop_answer(update: Update, context: BotContext, caller: Caller) -> None:
    query = update.callback_query
    if query is None:
        return
    data = await yes_pressed(
        query, BroadcastStopYes, BroadcastStopNo, html(texts_staff.BROADCAST_STOP_KEPT)
    )
    if data is None:
        return
    dropped = await Broadcasting.of(context.services).stop(data.broadcast_id, caller.user_id)
    if dropped is None:
        await edit_text(query, html(texts_staff.broadcast_not_running(data.broadcast_id)))
        return
    dispatcher = context.dispatcher
    if dispatcher is not None:
        dispatcher.cancel_broadcast_in_memory(data.broadcast_id)
        await dispatcher.update_progress()
    await edit_text(query, html(texts_staff.broadcast_stopped(data.broadcast_id, dropped)))


# --- the progress message the dispatcher keeps up to date (dispatcher.ProgressRenderer) ---


def render_progress(
    broadcast: Broadcast,
    figures: Figures,
    *,
    waiting_until: datetime | None,
    finished: bool,
    tz: str,
) -> ProgressView:
    """A broadcast's progress message: figures and a stop button while it is being sent, the
    summary once it is over (and, the moment it finishes, the summary as a new message too)."""
    counts = _counts(figures)
    if broadcast.state == SENDING:
        text = html(
            texts_staff.broadcast_progress(broadcast.id, counts, waiting_until=waiting_until, tz=tz)
        )
        stop = inline_button(texts_staff.BROADCAST_STOP_BUTTON, BroadcastStop(broadcast.id))
        return ProgressView(text, InlineKeyboardMarkup([[stop]]))
    cancelled = broadcast.state == CANCELLED
    final = html(
        texts_staff.broadcast_final(
            broadcast.id, counts, cancelled=cancelled, finished_at=broadcast.finished_at, tz=tz
        )
    )
    notice = None
    if finished:
        notice = html(
            texts_staff.broadcast_done_notice(
                broadcast.id, counts, cancelled=cancelled, finished_at=broadcast.finished_at, tz=tz
            )
        )
    return ProgressView(final, None, notice)
