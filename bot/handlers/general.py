"""The command menus (setMyCommands), the staff's /bantuan, and what nobody understood.

Residents' /start, /bantuan, everyday words and "not understood" are the conversation's
(`bot.conversation.dialogue`, through `bot.handlers.router`); what reaches this module is a
staff member's help, or a command or button nobody knows (`router.leftover`)."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler

from bot import texts_id as texts
from bot import texts_staff
from bot.conversation.dialogue import RESIDENT_COMMANDS, RESIDENT_HELP_COMMANDS
from bot.handlers.common import is_private
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.menu import main_menu, pressed
from bot.handlers.render import html
from bot.handlers.telegram_text import addressed_elsewhere
from bot.services.office import load_office_info
from bot.services.roles import Role, StaffRoles
from bot.storage import audit as audit_store

log = logging.getLogger(__name__)


def register(app: BotApplication) -> None:
    """The staff's /bantuan (residents are answered by the conversation before this)."""
    app.add_handler(CommandHandler(["bantuan", "help"], help_command))
    app.add_handler(MessageHandler(pressed(texts.MENU_HELP), help_command))


# --- menus (setMyCommands) -------------------------------------------------------------------


#: Which commands each audience's menu shows, in order (their descriptions are in texts_id).
RESIDENT_MENU = RESIDENT_COMMANDS
STAFF_MENU: tuple[str, ...] = (
    "status",
    "ubah",
    "impor",
    "statistik",
    "siaran",
    "blanko",
    "buka",
    "pertanyaan",
    "bisukan",
    "jadwal",
    "kuitansi",
    "cek",
    "bantuan",
)
ADMIN_MENU: tuple[str, ...] = (*STAFF_MENU[:-1], "petugas", "kantor", "faq", "meja", STAFF_MENU[-1])


def menu(role: Role | str | None) -> list[tuple[str, str]]:
    """(command, description) of the menu a person with `role` sees (None: a resident)."""
    if role == Role.ADMIN:
        return [(name, texts_staff.STAFF_COMMAND_DESCRIPTIONS[name]) for name in ADMIN_MENU]
    if role == Role.PETUGAS:
        return [(name, texts_staff.STAFF_COMMAND_DESCRIPTIONS[name]) for name in STAFF_MENU]
    return [(name, texts.RESIDENT_COMMAND_DESCRIPTIONS[name]) for name in RESIDENT_MENU]


def commands_for(role: Role | str | None) -> list[BotCommand]:
    """The menu a person with `role` sees (None: a resident)."""
    return [BotCommand(name, about) for name, about in menu(role)]


def help_text(office_block: str, role: Role | str | None) -> str:
    """/bantuan for a person with `role` (Telegram HTML): a resident's short help (None), or
    the residents' commands and then the staff member's own. `office_block` is marked text."""
    if not role:
        return html(f"{texts.resident_help(RESIDENT_HELP_COMMANDS)}\n\n{office_block}")
    own = [c for c in menu(role) if c[0] not in ("cek", "bantuan")]
    return html(texts_staff.help_private(office_block, menu(None), own))


async def set_chat_commands(bot: Bot, chat_id: int, role: Role | str | None) -> bool:
    """Give one staff member's private chat the menu of their role (None: back to residents').

    Call it after a role changes. Telegram refuses chats that never opened the bot; that is
    logged and reported as False, never raised."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(commands_for(role), scope=scope)
    except TelegramError as exc:
        log.warning("could not set the command menu of chat %s: %s", chat_id, exc)
        return False
    return True


async def register_commands(app: BotApplication) -> None:
    """Residents' menu for every private chat; each staff member's chat gets their role's menu.

    People taken off the staff list from the shell (where there is no bot to tell Telegram) get
    the residents' menu back here, at the next start."""
    residents = commands_for(None)
    await app.bot.set_my_commands(residents, scope=BotCommandScopeDefault())
    await app.bot.set_my_commands(residents, scope=BotCommandScopeAllPrivateChats())
    roles = StaffRoles.of(app.bot_data.services)
    members = await roles.members()
    for member in members:
        await set_chat_commands(app.bot, member.user_id, member.role)
    current = {member.user_id for member in members}
    for user_id in await audit_store.former_staff_ids(app.bot_data.services.db.conn):
        if user_id not in current:
            await set_chat_commands(app.bot, user_id, None)


# --- handlers --------------------------------------------------------------------------------


async def _office_block(context: BotContext) -> str:
    office = await load_office_info(context.services.db.conn)
    return texts.office_contact(office.address, office.hours, office.contact)


async def _private_help(update: Update, context: BotContext) -> str:
    user = update.effective_user
    role = await StaffRoles.of(context.services).role_of(user.id if user else None)
    return help_text(await _office_block(context), role)


async def _role(update: Update, context: BotContext) -> Role | None:
    user = update.effective_user
    return await StaffRoles.of(context.services).role_of(user.id if user else None)


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    if is_private(update):
        await message.reply_text(await _private_help(update, context), reply_markup=main_menu())
    else:
        await message.reply_text(html(texts.help_group(context.bot.username)))


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0]
    if addressed_elsewhere(command, context.bot.username):
        return
    if not is_private(update):
        await message.reply_text(html(texts.help_group(context.bot.username)))
    elif await _role(update, context) is None:
        shown = html(texts.unknown_command_short(command))
        await message.reply_text(shown, reply_markup=main_menu())
    else:
        help_text = await _private_help(update, context)
        await message.reply_text(f"{html(texts_staff.unknown_command(command))}\n\n{help_text}")


async def not_text(update: Update, context: BotContext) -> None:
    """A resident's message that is not text, where a staff-only handler refused it."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(html(texts.NOT_TEXT_SHORT), reply_markup=main_menu())


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button no handler knows (an older version's, or forged): one polite line."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BUTTON_UNKNOWN)
