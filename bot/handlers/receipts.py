"""`/kuitansi NIK` (staff): a receipt slip whose QR code opens the bot on that record.

The work is `services.receipts` (the token) and `services.slips` (the picture); a resident
opening the link is the conversation's (`bot.conversation.dialogue.Conversation.start`).
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot import texts_id, texts_staff
from bot.handlers.auth import Caller, staff_only
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.render import html
from bot.services import receipts, slips
from bot.services.office import load_office_info
from bot.services.receipts import Problem, ReceiptError
from bot.texts_common import html_as_markup

#: `/kuitansi cabut NIK`: the record's slip link stops working (no new slip).
REVOKE_WORD = "cabut"


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("kuitansi", kuitansi_command))


@staff_only
async def kuitansi_command(update: Update, context: BotContext, caller: Caller) -> None:
    """/kuitansi NIK: the slip as a photo and the link as text (a reprint ends the old link)."""
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    args = list(context.args or [])
    if args and args[0].casefold() == REVOKE_WORD:
        await _revoke(update, context, caller, " ".join(args[1:]))
        return
    text = " ".join(args)
    if not text.strip():
        await message.reply_text(html(texts_staff.KUITANSI_USAGE))
        return
    try:
        slip = await receipts.issue(
            svc, text, username=context.bot.username, actor_id=caller.user_id
        )
    except ReceiptError as exc:
        await message.reply_text(html(_problem(exc)))
        return
    office = await load_office_info(svc.db.conn)
    picture = await asyncio.to_thread(slips.png, slip, office.address)
    await message.reply_photo(
        InputFile(picture, filename="kuitansi.png"),
        caption=html(texts_staff.kuitansi_caption(slip.nik_masked, slip.link, slip.reprint)),
    )


async def _revoke(update: Update, context: BotContext, caller: Caller, text: str) -> None:
    message = update.effective_message
    if message is None:
        return
    if not text.strip():
        await message.reply_text(html(texts_staff.KUITANSI_USAGE))
        return
    try:
        ended = await receipts.revoke(context.services, text, actor_id=caller.user_id)
    except ReceiptError as exc:
        await message.reply_text(html(_problem(exc)))
        return
    await message.reply_text(html(texts_staff.kuitansi_revoked(ended)))


def _problem(exc: ReceiptError) -> str:
    """Why there is no slip, as marked text."""
    if exc.problem is Problem.INVALID_NIK and exc.error is not None:
        return texts_staff.kuitansi_invalid(html_as_markup(texts_id.nik_problem(exc.error)))
    if exc.problem is Problem.COLLECTED:
        return texts_staff.KUITANSI_COLLECTED
    return texts_staff.KUITANSI_NOT_FOUND
