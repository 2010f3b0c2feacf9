"""A resident opens a receipt slip's link (`/start <token>`): the one hook into /start.

`general.start` calls `opened_from_start` for a /start parameter; the token's rules are
`services.receipts`.
"""

from __future__ import annotations

from telegram import Update

from bot import texts_id as texts
from bot.handlers.context import BotContext
from bot.handlers.menu import main_menu
from bot.services import receipts
from bot.services.office import load_office_info
from bot.services.receipts import Opened
from bot.services.verification import Outcome


async def opened_from_start(update: Update, context: BotContext, payload: str) -> bool:
    """`/start <token>` in a private chat: the record's masked NIK and the ask for its KK (the
    ordinary check step). False when the token is unknown, revoked or expired: the caller
    then shows the usual start after `texts.RECEIPT_LINK_UNKNOWN`."""
    message = update.effective_message
    if message is None:
        return True
    svc = context.services
    opening = await receipts.open_link(svc, message.chat_id, payload)
    if opening.outcome is Opened.UNKNOWN:
        return False
    if opening.outcome is Opened.ASK_KK:
        await message.reply_text(texts.receipt_opened(opening.nik_masked or ""))
        return True
    refusal = opening.refusal
    tz = svc.settings.timezone
    if refusal is not None and refusal.until is not None:
        if refusal.outcome is Outcome.NIK_LOCKED:
            office = await load_office_info(svc.db.conn)
            block = texts.office_contact(office.address, office.hours, office.contact)
            text = texts.nik_locked(refusal.until, tz, block)
        else:
            text = texts.chat_must_wait(refusal.until, tz)
        await message.reply_text(text, reply_markup=main_menu())
    return True
