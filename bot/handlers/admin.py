"""Handlers for admins: /petugas (who is staff) and /kantor (office information for residents).

Both are `@admin_only`, checked at every use; the work is in `bot.roles` and `bot.office`.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CommandHandler

from bot import texts_id
from bot.handlers.auth import Caller, admin_only
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.general import set_chat_commands
from bot.office import TEXT_LIMIT as OFFICE_TEXT_LIMIT
from bot.office import OfficeTextError, load_office_info, set_field
from bot.roles import Role, StaffChangeError, StaffRoles

ADD_WORDS = ("tambah", "add")
REMOVE_WORDS = ("hapus", "remove")


def register(app: BotApplication) -> None:
    """Add /petugas and /kantor (both admin only, checked at every use)."""
    app.add_handler(CommandHandler("petugas", petugas_command))
    app.add_handler(CommandHandler("kantor", kantor_command))


# --- /petugas [tambah ID admin|petugas | hapus ID] -------------------------------------------


def _user_id(text: str) -> int | None:
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 16 else None


@admin_only
async def petugas_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    roles = StaffRoles.of(svc)
    args = list(context.args or [])
    if not args:
        members = [
            texts_id.StaffLine(m.user_id, m.role, m.fixed, m.added_by, m.added_at)
            for m in await roles.members()
        ]
        await message.reply_text(texts_id.staff_list(members, svc.settings.timezone))
        return
    action = args[0].lower()
    if action not in ADD_WORDS + REMOVE_WORDS or len(args) < 2:
        await message.reply_text(texts_id.PETUGAS_USAGE)
        return
    user_id = _user_id(args[1])
    if user_id is None:
        await message.reply_text(texts_id.petugas_bad_id(args[1]))
        return
    role: Role | None = None
    if action in ADD_WORDS:
        role_text = args[2].lower() if len(args) > 2 else Role.PETUGAS.value
        if role_text not in (Role.ADMIN.value, Role.PETUGAS.value):
            await message.reply_text(texts_id.petugas_bad_role(args[2]))
            return
        role = Role(role_text)
    try:
        change = await roles.change_by_command(
            actor_id=caller.user_id, user_id=user_id, role=role, attempt=f"/petugas {action}"
        )
    except StaffChangeError as exc:
        await message.reply_text(texts_id.staff_refusal(exc.reason, exc.user_id))
        return
    await set_chat_commands(context.bot, user_id, change.new)
    await message.reply_text(texts_id.staff_changed(change.user_id, change.old, change.new))


# --- /kantor [BAGIAN teks] -------------------------------------------------------------------


@admin_only
async def kantor_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.reply_text(texts_id.office_view(await load_office_info(svc.db.conn)))
        return
    field = parts[1]
    try:
        change = await set_field(
            svc, actor_id=caller.user_id, field=field, text=parts[2] if len(parts) > 2 else ""
        )
    except OfficeTextError as exc:
        await _office_problem(message, exc.problem, field)
        return
    await message.reply_text(texts_id.office_set(change.field, change.old, change.new))


async def _office_problem(message: Message, problem: str, field: str) -> None:
    if problem == OfficeTextError.UNKNOWN_FIELD:
        text = texts_id.office_unknown_field(field)
    elif problem == OfficeTextError.MISSING_TEXT:
        text = texts_id.office_missing_text(field.lower())
    else:
        text = texts_id.office_too_long(OFFICE_TEXT_LIMIT)
    await message.reply_text(text)
