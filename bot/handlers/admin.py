"""Handlers for admins: /petugas (who is staff) and /kantor (office information for residents)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import texts_id
from bot.handlers.common import services
from bot.handlers.general import set_chat_commands
from bot.handlers.staff import guard
from bot.office import FIELDS, load_office_info
from bot.roles import Role, StaffChangeError, StaffRoles
from bot.storage import audit as audit_store
from bot.storage import settings as settings_store

ADD_WORDS = ("tambah", "add")
REMOVE_WORDS = ("hapus", "remove")


def register(app: Application) -> None:
    """Add /petugas and /kantor (both admin only, checked at every use)."""
    app.add_handler(CommandHandler("petugas", petugas_command))
    app.add_handler(CommandHandler("kantor", kantor_command))


# --- /petugas [tambah ID admin|petugas | hapus ID] -------------------------------------------


def _user_id(text: str) -> int | None:
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 16 else None


async def petugas_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context, admin=True) is None:
        return
    message = update.effective_message
    svc = services(context)
    roles = StaffRoles.of(svc)
    args = list(context.args or [])
    if not args:
        await message.reply_text(texts_id.staff_list(await roles.members(), svc.settings.timezone))
        return
    action = args[0].lower()
    if action not in ADD_WORDS + REMOVE_WORDS or len(args) < 2:
        await message.reply_text(texts_id.PETUGAS_USAGE)
        return
    user_id = _user_id(args[1])
    if user_id is None:
        await message.reply_text(texts_id.petugas_bad_id(args[1]))
        return
    actor = update.effective_user.id
    try:
        if action in ADD_WORDS:
            role_text = args[2].lower() if len(args) > 2 else Role.PETUGAS.value
            if role_text not in (Role.ADMIN.value, Role.PETUGAS.value):
                await message.reply_text(texts_id.petugas_bad_role(args[2]))
                return
            change = await roles.set_role(actor_id=actor, user_id=user_id, role=Role(role_text))
        else:
            change = await roles.remove(actor_id=actor, user_id=user_id)
    except StaffChangeError as exc:
        await roles.record_refusal(actor, f"/petugas {action}", exc.reason.value)
        await message.reply_text(texts_id.staff_refusal(exc.reason, exc.user_id))
        return
    await set_chat_commands(context.bot, user_id, change.new)
    await message.reply_text(texts_id.staff_changed(change))


# --- /kantor [BAGIAN teks] -------------------------------------------------------------------


async def kantor_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await guard(update, context, admin=True) is None:
        return
    message = update.effective_message
    svc = services(context)
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.reply_text(texts_id.office_view(await load_office_info(svc.db.conn)))
        return
    field = parts[1].lower()
    if field not in FIELDS:
        await message.reply_text(texts_id.office_unknown_field(parts[1]))
        return
    new = " ".join(parts[2].split()) if len(parts) > 2 else ""
    if not new:
        await message.reply_text(texts_id.office_missing_text(field))
        return
    if len(new) > texts_id.OFFICE_TEXT_LIMIT:
        await message.reply_text(texts_id.OFFICE_TOO_LONG)
        return
    old = (await load_office_info(svc.db.conn)).text(field)
    async with svc.db.transaction() as conn:
        await settings_store.put(conn, FIELDS[field].key, new)
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=update.effective_user.id,
            action=audit_store.OFFICE,
            target=field,
            old=old,
            new=new,
        )
    await message.reply_text(texts_id.office_set(field, old, new))
