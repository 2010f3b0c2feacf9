"""Contacts: a resident is a channel and that channel's id; every resident table keeps its
contact id (a Telegram chat's own id; on WhatsApp an id of its own, the same each time)."""

from __future__ import annotations

import pytest
from conftest import BotEnv

from bot.services import contacts
from bot.storage import chats as chats_store
from bot.storage.chats import OTHER_CHANNELS_BELOW


async def test_a_telegram_chat_is_its_own_contact(bot_env: BotEnv) -> None:
    svc = bot_env.services
    assert await contacts.contact_id(svc, "telegram", "4242") == 4242


async def test_a_whatsapp_number_gets_one_contact_id_kept_for_good(bot_env: BotEnv) -> None:
    svc = bot_env.services
    first = await contacts.contact_id(svc, "whatsapp", "6281234567890")
    again = await contacts.contact_id(svc, "whatsapp", "6281234567890")
    other = await contacts.contact_id(svc, "whatsapp", "6289876543210")
    assert first == again != other
    assert first < OTHER_CHANNELS_BELOW and other < OTHER_CHANNELS_BELOW
    assert "6281234567890" not in str(first)  # the id does not give the number away
    assert await contacts.address_of(svc, first) == ("whatsapp", "6281234567890")
    async with svc.db.snapshot() as conn:
        contact = await chats_store.get(conn, first)
    assert contact is not None and contact.channel == "whatsapp"
    assert not contact.announcements  # WhatsApp contacts choose announcements themselves


async def test_a_number_whose_id_is_taken_gets_the_next_one(
    bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = bot_env.services
    monkeypatch.setattr(contacts, "preferred_id", lambda *_: OTHER_CHANNELS_BELOW - 7)
    first = await contacts.contact_id(svc, "whatsapp", "6281111111111")
    second = await contacts.contact_id(svc, "whatsapp", "6282222222222")
    assert (first, second) == (OTHER_CHANNELS_BELOW - 7, OTHER_CHANNELS_BELOW - 8)


async def test_erasure_forgets_the_number(bot_env: BotEnv) -> None:
    svc = bot_env.services
    contact = await contacts.contact_id(svc, "whatsapp", "6281234500000")
    async with svc.db.transaction() as conn:
        await chats_store.forget(conn, contact, svc.clock.now())
    assert await contacts.address_of(svc, contact) is None
    # the same number writing again is the same contact (limits that outlast erasure hold)
    assert await contacts.contact_id(svc, "whatsapp", "6281234500000") == contact
