"""A resident's conversation without commands: the main-menu buttons, everyday words, the FAQ.

A press of a main-menu button arrives as its label (a reply keyboard sends the text); free text
in a private chat that is not a NIK/KK (those go to `bot.handlers.resident` first) is read by
`domain.intents.match` and answered briefly and warmly, always with the main menu. Only text that
matches nothing is left to `general.not_understood`. Registered after the resident's number
reader, the staff steps and the other menu owners (B: "Tanya petugas", C: "Jemput bola"),
before `general`.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import texts_id as texts
from bot.domain.config import OfficeInfo
from bot.domain.intents import Intent, match, words
from bot.handlers import general, resident
from bot.handlers.callbacks import FaqList, FaqShow, any_of, unpack
from bot.handlers.common import is_private
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.menu import main_menu, pressed
from bot.services import faq
from bot.services.office import load_office_info
from bot.services.residents import Residents
from bot.storage import checks as checks_store

#: Intents answered by one of the questions people often ask (its key in `bot.services.faq`).
FAQ_OF_INTENT: dict[Intent, str] = {
    Intent.BLANKO: "blanko",
    Intent.PUSAT: "pusat",
    Intent.SYARAT: "bawa",
    Intent.WAKIL: "wakil",
    Intent.HILANG: "hilang",
    Intent.REKAM: faq.RECORDING_KEY,
}


def register(app: BotApplication) -> None:
    """The main menu's buttons (but B's and C's), the FAQ buttons, and everyday words."""
    app.add_handler(MessageHandler(pressed(texts.MENU_CHECK), check_pressed))
    app.add_handler(MessageHandler(pressed(texts.MENU_FAMILY), family_pressed))
    app.add_handler(MessageHandler(pressed(texts.MENU_OFFICE), office_pressed))
    app.add_handler(MessageHandler(pressed(texts.MENU_FAQ), faq_pressed))
    app.add_handler(MessageHandler(pressed(texts.MENU_HELP), general.help_command))
    app.add_handler(CallbackQueryHandler(faq_button, pattern=any_of(FaqShow, FaqList)))
    everyday = (
        filters.UpdateType.MESSAGE
        & filters.ChatType.PRIVATE
        & filters.TEXT
        & ~filters.COMMAND
        & ~filters.Text(list(texts.MAIN_MENU_LABELS))  # each label has its own handler
    )
    app.add_handler(MessageHandler(everyday, everyday_words))


# --- the main menu's buttons -------------------------------------------------------------------


async def check_pressed(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await _ask_nik(message, context)


async def family_pressed(update: Update, context: BotContext) -> None:
    """The cards this chat follows (as /langganan), or how to start following them."""
    message = update.effective_message
    if message is None:
        return
    followed = await Residents.of(context.services).count(message.chat_id)
    if followed:
        await resident.langganan_command(update, context)
    else:
        await message.reply_text(texts.NO_FAMILY_YET, reply_markup=main_menu())


async def office_pressed(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await send_office(message, await load_office_info(context.services.db.conn))


async def send_office(message: Message, office: OfficeInfo) -> None:
    """The office on a map (a venue: name, address, pin) and then its hours and contact; with
    no pin set, the address in the text instead."""
    if office.location is not None:
        latitude, longitude = office.location
        await message.reply_venue(
            latitude=latitude, longitude=longitude, title=texts.OFFICE_NAME, address=office.address
        )
    text = texts.office_answer(
        office.address,
        office.hours,
        office.contact,
        office.pickup,
        on_map=office.location is not None,
    )
    await message.reply_text(text, reply_markup=main_menu())


async def faq_pressed(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await _send_faq_list(message, context)


# --- questions people often ask ----------------------------------------------------------------


async def _send_faq_list(message: Message, context: BotContext) -> None:
    entries = await faq.shown(context.services.db.conn)
    if not entries:
        await message.reply_text(texts.FAQ_EMPTY, reply_markup=main_menu())
        return
    rows = [
        [InlineKeyboardButton(entry.title, callback_data=FaqShow(entry.key).pack())]
        for entry in entries
    ]
    await message.reply_text(texts.FAQ_LIST_TITLE, reply_markup=InlineKeyboardMarkup(rows))


def _more_questions() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(texts.BTN_FAQ_MORE, callback_data=FaqList().pack())
    return InlineKeyboardMarkup([[button]])


async def faq_button(update: Update, context: BotContext) -> None:
    """A question pressed: its answer in a new message (the list stays above it)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        if query is not None:
            await query.answer()
        return
    await query.answer()
    message = query.message
    match unpack(query.data):
        case FaqShow(key):
            svc = context.services
            entry = await faq.find(svc.db.conn, key)
            if entry is None:  # removed since the list was sent
                await _send_faq_list(message, context)
                return
            text = faq.render(entry, await load_office_info(svc.db.conn))
            await message.reply_text(text, reply_markup=_more_questions())
        case _:
            await _send_faq_list(message, context)


async def _send_faq_answer(message: Message, context: BotContext, key: str) -> None:
    """The answer `key` for everyday words ("blanko habis?"), with the main menu."""
    svc = context.services
    entry = await faq.find(svc.db.conn, key)
    if entry is None:  # the office hid that answer: the list of the others
        await _send_faq_list(message, context)
        return
    text = faq.render(entry, await load_office_info(svc.db.conn))
    await message.reply_text(text, reply_markup=main_menu())


# --- everyday words ----------------------------------------------------------------------------


async def _ask_nik(message: Message, context: BotContext) -> None:
    """Ask for the NIK, or, when a NIK already waits for its KK, remind of that."""
    svc = context.services
    pending = await checks_store.get_pending(svc.db.conn, message.chat_id, svc.clock.now())
    if pending is not None and pending.step is checks_store.Step.KK and pending.nik_masked:
        text = texts.kk_still_awaited(pending.nik_masked)
    else:
        text = texts.ASK_NIK
    await message.reply_text(text, reply_markup=main_menu())


def _part_of_day(text: str) -> str | None:
    return next((word for word in words(text) if word in texts.DAY_GREETINGS), None)


async def everyday_words(update: Update, context: BotContext) -> None:
    """Free text in a private chat: a short answer that fits, or "belum mengerti"."""
    message = update.effective_message
    if message is None or not message.text or not is_private(update):
        return
    intent = match(message.text)
    if intent is None:
        await general.not_understood(update, context)
        return
    await answer_intent(update, context, message, intent)


async def answer_intent(
    update: Update, context: BotContext, message: Message, intent: Intent
) -> None:
    name = update.effective_user.first_name if update.effective_user else ""
    office = await load_office_info(context.services.db.conn)
    text: str | None = None
    match intent:
        case Intent.SAPA:
            text = texts.greeting_reply(name, _part_of_day(message.text or ""))
        case Intent.SALAM:
            text = texts.salam_reply(name)
        case Intent.TERIMA_KASIH:
            text = texts.thanks_reply(name)
        case Intent.YA:
            text = texts.YES_REPLY
        case Intent.TIDAK:
            text = texts.NO_REPLY
        case Intent.CEK:
            await _ask_nik(message, context)
        case Intent.KELUARGA:
            await family_pressed(update, context)
        case Intent.BANTUAN:
            await general.help_command(update, context)
        case Intent.ALAMAT:
            await send_office(message, office)
        case Intent.JAM:
            text = texts.hours_answer(office.hours, office.address)
        case Intent.KONTAK:
            text = texts.contact_answer(office.contact, office.hours)
        case Intent.AMBIL:
            text = texts.pickup_answer(office.pickup, office.hours)
        case _ if intent in FAQ_OF_INTENT:
            await _send_faq_answer(message, context, FAQ_OF_INTENT[intent])
        case _:
            await general.not_understood(update, context)
    if text is not None:
        await message.reply_text(text, reply_markup=main_menu())
