"""Handlers for admins: /petugas (who is staff), /kantor (office information for residents,
its map pin included) and /faq (the answers to questions people often ask).

All are `@admin_only`, checked at every use; the work is in `services.roles`, `services.office` and
`services.faq`. `/kantor lokasi` alone waits (in `bot.storage.steps`, so across a restart) for the
admin's next location pin, read in its own handler group before the others.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from bot import texts_staff
from bot.conversation import steps
from bot.handlers.auth import Caller, admin_only
from bot.handlers.context import BotApplication, BotContext
from bot.handlers.general import set_chat_commands
from bot.handlers.groups import may_be_in, register_step
from bot.handlers.render import html
from bot.services import faq
from bot.services.office import (
    LOCATION_FIELD,
    OfficeChange,
    OfficeTextError,
    await_location_pin,
    load_office_info,
    parse_location,
    set_field,
    set_location,
    take_location_step,
)
from bot.services.office import TEXT_LIMIT as OFFICE_TEXT_LIMIT
from bot.services.roles import Role, StaffChangeError, StaffRoles

ADD_WORDS = ("tambah", "add")
REMOVE_WORDS = ("hapus", "remove")


def register(app: BotApplication) -> None:
    """Add /petugas, /kantor and /faq (admin only, checked at every use) and the pin reader."""
    app.add_handler(CommandHandler("petugas", petugas_command))
    app.add_handler(CommandHandler("kantor", kantor_command))
    app.add_handler(CommandHandler("faq", faq_command))
    pin = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.LOCATION
    register_step(app, steps.LOKASI, MessageHandler(pin, location_pin))


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
            texts_staff.StaffLine(m.user_id, m.role, m.fixed, m.added_by, m.added_at)
            for m in await roles.members()
        ]
        await message.reply_text(html(texts_staff.staff_list(members, svc.settings.timezone)))
        return
    action = args[0].lower()
    if action not in ADD_WORDS + REMOVE_WORDS or len(args) < 2:
        await message.reply_text(html(texts_staff.PETUGAS_USAGE))
        return
    user_id = _user_id(args[1])
    if user_id is None:
        await message.reply_text(html(texts_staff.petugas_bad_id(args[1])))
        return
    role: Role | None = None
    if action in ADD_WORDS:
        role_text = args[2].lower() if len(args) > 2 else Role.PETUGAS.value
        if role_text not in (Role.ADMIN.value, Role.PETUGAS.value):
            await message.reply_text(html(texts_staff.petugas_bad_role(args[2])))
            return
        role = Role(role_text)
    try:
        change = await roles.change_by_command(
            actor_id=caller.user_id, user_id=user_id, role=role, attempt=f"/petugas {action}"
        )
    except StaffChangeError as exc:
        await message.reply_text(html(texts_staff.staff_refusal(exc.reason, exc.user_id)))
        return
    await set_chat_commands(context.bot, user_id, change.new)
    await message.reply_text(
        html(texts_staff.staff_changed(change.user_id, change.old, change.new))
    )


# --- /kantor [BAGIAN teks] -------------------------------------------------------------------


@admin_only
async def kantor_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 2:
        info = await load_office_info(svc.db.conn)
        await message.reply_text(html(texts_staff.office_settings_view(info)))
        return
    field = parts[1]
    rest = parts[2] if len(parts) > 2 else ""
    if field.lower() == LOCATION_FIELD:
        await _kantor_location(message, context, caller, rest)
        return
    try:
        change = await set_field(svc, actor_id=caller.user_id, field=field, text=rest)
    except OfficeTextError as exc:
        await _office_problem(message, exc.problem, field)
        return
    await _office_changed(message, change)


async def _office_changed(message: Message, change: OfficeChange) -> None:
    text = html(texts_staff.office_setting_changed(change.field, change.old, change.new))
    await message.reply_text(text)


async def _kantor_location(
    message: Message, context: BotContext, caller: Caller, rest: str
) -> None:
    """`/kantor lokasi LAT,LON`, `/kantor lokasi hapus`, or `/kantor lokasi` then a pin."""
    svc = context.services
    words = rest.strip()
    if not words:
        await await_location_pin(svc, chat_id=message.chat_id, user_id=caller.user_id)
        await message.reply_text(html(texts_staff.OFFICE_LOCATION_ASK))
        return
    if words.casefold() in texts_staff.OFFICE_LOCATION_REMOVE_WORDS:
        location = None
    else:
        location = parse_location(words)
        if location is None:
            await message.reply_text(html(texts_staff.OFFICE_LOCATION_BAD))
            return
    change = await set_location(svc, actor_id=caller.user_id, location=location)
    await _office_changed(message, change)


async def location_pin(update: Update, context: BotContext) -> None:
    """A location pin: the office's, when this admin asked for it with `/kantor lokasi`;
    anyone else's pin goes on to the other handlers."""
    if not may_be_in(context, steps.LOKASI):
        return
    message = update.effective_message
    user = update.effective_user
    if message is None or message.location is None or user is None:
        return
    svc = context.services
    if not await take_location_step(svc, chat_id=message.chat_id, user_id=user.id):
        return
    if await StaffRoles.of(svc).role_of(user.id) != Role.ADMIN:
        return  # no longer an admin: the pin is an ordinary message
    pin = (message.location.latitude, message.location.longitude)
    try:
        change = await set_location(svc, actor_id=user.id, location=pin)
    except OfficeTextError:
        await message.reply_text(html(texts_staff.OFFICE_LOCATION_BAD))
    else:
        await _office_changed(message, change)
    raise ApplicationHandlerStop


async def _office_problem(message: Message, problem: str, field: str) -> None:
    if problem == OfficeTextError.UNKNOWN_FIELD:
        text = html(texts_staff.office_setting_unknown(field))
    elif problem == OfficeTextError.MISSING_TEXT:
        text = html(texts_staff.office_missing_text(field.lower()))
    elif problem == OfficeTextError.BAD_LOCATION:
        text = html(texts_staff.OFFICE_LOCATION_BAD)
    else:
        text = html(texts_staff.office_too_long(OFFICE_TEXT_LIMIT))
    await message.reply_text(text)


# --- /faq [lihat N | ubah N TEKS | tambah JUDUL | TEKS | hapus N | asal N] ------------------


@admin_only
async def faq_command(update: Update, context: BotContext, caller: Caller) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = context.services
    text = message.text or ""
    parts = text.split(maxsplit=2)
    action = parts[1].casefold() if len(parts) > 1 else ""
    rest = parts[2] if len(parts) > 2 else ""
    actor = caller.user_id
    try:
        if action == "tambah":
            title, bar, body = rest.partition("|")
            if not bar:
                await message.reply_text(html(texts_staff.FAQ_MISSING_TITLE))
                return
            added = await faq.add(svc, actor_id=actor, title=title, text=body)
            reply = html(texts_staff.faq_added(added.number, added.title))
        elif action in ("ubah", "lihat", "hapus", "asal"):
            number, _, body = rest.strip().partition(" ")
            if action == "ubah":
                changed = await faq.change(svc, actor_id=actor, number=number, text=body)
                reply = html(texts_staff.faq_changed(changed.number, changed.title))
            elif action == "hapus":
                removed = await faq.remove(svc, actor_id=actor, number=number)
                reply = html(texts_staff.faq_removed(removed.number, removed.title, removed.hidden))
            elif action == "asal":
                restored = await faq.restore(svc, actor_id=actor, number=number)
                reply = html(texts_staff.faq_restored(restored.number, restored.title))
            else:
                reply = await _faq_preview(context, number)
        else:
            reply = await _faq_list(context)
    except faq.FaqError as exc:
        reply = _faq_problem(exc, rest)
    await message.reply_text(reply)


async def _faq_list(context: BotContext) -> str:
    entries = await faq.entries(context.services.db.conn)
    lines = [
        texts_staff.FaqAdminLine(e.number, e.title, e.changed, e.added, e.hidden) for e in entries
    ]
    return html(texts_staff.faq_admin_list(lines))


async def _faq_preview(context: BotContext, number: str) -> str:
    conn = context.services.db.conn
    entries = await faq.entries(conn)
    entry = entries[faq.parse_number(number, len(entries)) - 1]
    body = faq.render(entry, await load_office_info(conn))
    return html(texts_staff.faq_preview(entry.number, entry.title, body))


def _faq_problem(exc: faq.FaqError, rest: str) -> str:
    number = rest.strip().partition(" ")[0]
    match exc.problem:
        case faq.FaqError.NO_SUCH_NUMBER:
            return html(texts_staff.faq_no_such_number(number or "-", exc.value))
        case faq.FaqError.MISSING_TEXT:
            return html(texts_staff.FAQ_MISSING_TEXT)
        case faq.FaqError.MISSING_TITLE:
            return html(texts_staff.FAQ_MISSING_TITLE)
        case faq.FaqError.TOO_LONG:
            return html(texts_staff.faq_too_long(exc.value))
        case faq.FaqError.TITLE_TOO_LONG:
            return html(texts_staff.faq_title_too_long(exc.value))
        case faq.FaqError.NOT_A_DEFAULT:
            return html(texts_staff.faq_not_a_default(exc.value))
        case faq.FaqError.ALREADY_DEFAULT:
            return html(texts_staff.faq_already_default(exc.value))
        case _:
            return html(texts_staff.FAQ_TOO_MANY)
