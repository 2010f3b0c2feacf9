"""Issue 11, item 11: staff lift a NIK's lock; a bug Telegram refuses is logged as an error."""

from __future__ import annotations

import logging

import pytest
from conftest import BotEnv
from resident_support import KK, NIK, WRONG_KK, add_record, check
from telegram.ext import CommandHandler

from bot import texts_id as texts
from bot.local_api import LocalUser
from bot.states import KtpStatus as S
from bot.storage import audit as audit_store


async def _lock(env: BotEnv) -> LocalUser:
    """The owner mistypes the KK once; then wrong KKs from four strangers lock the NIK for a
    day, and the lock holds against the owner's chat (which failed on it)."""
    await add_record(env)
    owner = env.api.user(7000, "Siti")
    await check(owner, NIK, WRONG_KK)
    for i in range(10):
        await check(env.api.user(6000 + i % 4, "Tamu"), NIK, WRONG_KK)
    assert "tidak bisa dicek" in await check(owner)
    return owner


async def test_staff_lift_a_lock_and_the_owner_can_check_at_once(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    owner = await _lock(bot_env)
    reply = (await staff.send(f"/buka {NIK}"))[0].plain
    assert "Kunci NIK 1605••••••••0012 dibuka" in reply and NIK not in reply
    answer = await check(owner)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer
    async with bot_env.services.db.transaction() as conn:
        rows = await audit_store.entries(conn, action=audit_store.NIK_UNLOCK)
    assert [(r.actor_id, r.target) for r in rows] == [(staff.id, "1605••••••••0012")]
    # Lifting again changes nothing and is not audited twice.
    assert "tidak sedang terkunci" in (await staff.send(f"/buka {NIK}"))[0].plain


async def test_a_lifted_lock_starts_the_person_with_fresh_tries(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    owner = await _lock(bot_env)
    await staff.send(f"/buka {NIK}")
    # One more wrong KK does not lock the NIK again straight away.
    assert "tidak bisa dicek" not in await check(owner, NIK, WRONG_KK)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in await check(owner, NIK, KK)


async def test_a_resident_cannot_lift_a_lock(bot_env: BotEnv, resident: LocalUser) -> None:
    await _lock(bot_env)
    reply = (await resident.send(f"/buka {NIK}"))[0].plain
    assert "dibuka" not in reply
    async with bot_env.services.db.transaction() as conn:
        assert await audit_store.entries(conn, action=audit_store.NIK_UNLOCK) == []
        refused = await audit_store.entries(conn, action=audit_store.REFUSED)
    assert refused and refused[-1].actor_id == resident.id
    assert "tidak bisa dicek" in await check(bot_env.api.user(7000, "Siti"))


async def test_buka_explains_a_missing_or_bad_nik(bot_env: BotEnv, staff: LocalUser) -> None:
    assert "Cara pakai" in (await staff.send("/buka"))[0].plain
    assert "16 angka" in (await staff.send("/buka 12345"))[0].plain


async def test_a_request_telegram_refuses_is_logged_as_an_error_with_its_method(
    bot_env: BotEnv, resident: LocalUser, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: object, context: object) -> None:
        await resident_chat_send("<b>unclosed")

    async def resident_chat_send(text: str) -> None:
        await bot_env.app.bot.send_message(resident.chat_id, text)

    bot_env.app.add_handler(CommandHandler("rusak", broken), group=-1)
    with caplog.at_level(logging.WARNING, logger="bot.handlers.errors"):
        replies = await resident.send("/rusak")
    errors = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert errors and errors[0].levelno == logging.ERROR
    assert "sendMessage" in errors[0].getMessage()
    assert "network" not in errors[0].getMessage()
    assert texts.ERROR_KIND in [m.plain for m in replies]
