"""Roles as decorators: `@staff_only` and `@admin_only` check the role at every use.

They wrap a command, message or button handler that takes a third argument, the `Caller` (who
pressed or wrote, and their role right now):

    @staff_only
    async def status_command(update: Update, context: BotContext, caller: Caller) -> None: ...

A refused attempt changes nothing and says nothing about what exists:

- someone who is not staff gets what a resident gets (help for an unknown command, or the
  resident's help after a button press) and the attempt is audited ("bukan petugas");
- staff writing a staff command in a group are sent to the private chat;
- a petugas using an admin command is told it is for admins (audited, "bukan admin").

On a refusal the wrapper returns `REFUSED` (`ConversationHandler.END`), so a refused step also
ends the conversation it belongs to; outside a conversation the return value is ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import ConversationHandler

from bot import texts_id, texts_ops, texts_staff
from bot.domain.commands import command_name
from bot.domain.markup import plain
from bot.handlers import general
from bot.handlers.common import is_private
from bot.handlers.context import BotContext
from bot.handlers.render import html
from bot.services.office import load_office_info
from bot.services.roles import Role, StaffRoles

R = TypeVar("R")

#: A handler that needs the caller's role.
StaffHandler = Callable[[Update, BotContext, "Caller"], Coroutine[Any, Any, R]]
#: What the decorators hand to python-telegram-bot: a refusal returns `ConversationHandler.END`.
Guarded = Callable[[Update, BotContext], Coroutine[Any, Any, R | int]]

#: What a guarded handler returns when the caller was refused (it also ends a conversation).
REFUSED: int = ConversationHandler.END

#: The audit log's reasons for a refusal.
NOT_STAFF = texts_ops.AUDIT_REFUSED_NOT_STAFF
NOT_ADMIN = texts_ops.AUDIT_REFUSED_NOT_ADMIN


@dataclass(frozen=True, slots=True)
class Caller:
    """The staff member using a staff command or button, checked just now."""

    user_id: int
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def staff_only(handler: StaffHandler[R]) -> Guarded[R]:
    """Let petugas and admins through (commands in a private chat only; buttons anywhere)."""
    return _guarded(handler, admin=False)


def admin_only(handler: StaffHandler[R]) -> Guarded[R]:
    """Let admins through; petugas are told the command is for admins."""
    return _guarded(handler, admin=True)


def _guarded(handler: StaffHandler[R], *, admin: bool) -> Guarded[R]:
    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> R | int:
        query = update.callback_query
        if query is not None:
            caller = await _check_button(query, context, admin=admin)
        else:
            caller = await _check_message(update, context, admin=admin)
        if caller is None:
            return REFUSED
        return await handler(update, context, caller)

    return wrapper


# --- messages and commands -------------------------------------------------------------------


def attempt_name(update: Update) -> str:
    """What the audit log names an attempt: the command ("/ubah"), else "dokumen"."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    return (command_name(text) or "dokumen")[:32]


async def answer_as_resident(update: Update, context: BotContext) -> None:
    """What a resident gets for this message: nothing here hints that staff commands exist."""
    message = update.message
    if message is None:  # an edited message: residents get no answer to those either
        return
    if message.text and message.text.startswith("/"):
        await general.unknown_command(update, context)
    elif is_private(update):
        await general.not_text(update, context)


async def _check_message(update: Update, context: BotContext, *, admin: bool) -> Caller | None:
    user = update.effective_user
    user_id = user.id if user else None
    roles = StaffRoles.of(context.services)
    role = await roles.role_of(user_id)
    attempt = attempt_name(update)
    if role is None or user_id is None:
        await roles.record_refusal(user_id, attempt, NOT_STAFF)
        await answer_as_resident(update, context)
        return None
    message = update.effective_message
    if not is_private(update):
        if message is not None:
            await message.reply_text(html(texts_staff.STAFF_PRIVATE_ONLY))
        return None
    if admin and role != Role.ADMIN:
        await roles.record_refusal(user_id, attempt, NOT_ADMIN)
        if message is not None:
            await message.reply_text(html(texts_staff.ADMIN_ONLY))
        return None
    return Caller(user_id, role)


# --- buttons ---------------------------------------------------------------------------------


def button_attempt(data: str | None) -> str:
    """What the audit log names a button press: "tombol" and its prefix ("tombol bc")."""
    prefix = (data or "").split(":", 1)[0][:16]
    return f"tombol {prefix}".strip()


async def _check_button(query: CallbackQuery, context: BotContext, *, admin: bool) -> Caller | None:
    user_id = query.from_user.id
    roles = StaffRoles.of(context.services)
    role = await roles.role_of(user_id)
    attempt = button_attempt(query.data)
    if role is None:
        await roles.record_refusal(user_id, attempt, NOT_STAFF)
        await query.answer()
        office = await load_office_info(context.services.db.conn)
        block = texts_id.office_contact(office.address, office.hours, office.contact)
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, general.help_text(block, None))
        return None
    if admin and role != Role.ADMIN:
        await roles.record_refusal(user_id, attempt, NOT_ADMIN)
        await query.answer(plain(texts_staff.ADMIN_ONLY), show_alert=True)
        return None
    return Caller(user_id, role)
