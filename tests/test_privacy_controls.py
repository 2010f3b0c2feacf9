"""What the bot keeps about a chat: every chat it sees, /privasi, and /hapusdata erasing it all."""

from __future__ import annotations

from conftest import BotEnv
from resident_support import NIK, UNKNOWN_NIK, WRONG_KK, add_record, check

from bot import texts_id as texts
from bot.local_api import LocalUser
from bot.services.verification import NIK_FAILURE_LIMIT
from bot.storage import attempts as attempts_store

#: Every table with a chat id, and the column that holds it.
CHAT_TABLES = {
    "chats": "chat_id",
    "subscriptions": "chat_id",
    "verify_attempts": "chat_id",
    "resident_pending": "chat_id",
    "verified_checks": "chat_id",
    "conversation_context": "chat_id",
    "outbox": "chat_id",
}


async def rows_for(env: BotEnv, chat_id: int) -> dict[str, int]:
    counts = {}
    for table, column in CHAT_TABLES.items():
        row = await env.services.db.fetchone(
            f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (chat_id,)
        )
        counts[table] = row[0]
    lock = await env.services.db.fetchone(
        "SELECT COUNT(*) FROM verify_locks WHERE scope = 'chat' AND key = ?", (str(chat_id),)
    )
    counts["verify_locks"] = lock[0]
    return counts


async def test_every_chat_the_bot_sees_is_recorded(bot_env: BotEnv, resident: LocalUser) -> None:
    await resident.send("halo")
    group = bot_env.api.group(-100777, "Grup RT 03")
    await group.send(resident, "/start")
    found = await bot_env.services.db.fetchall("SELECT chat_id, chat_type FROM chats ORDER BY 1")
    assert [tuple(r) for r in found] == [(-100777, "supergroup"), (resident.chat_id, "private")]
    first = await bot_env.services.db.fetchone(
        "SELECT first_seen, last_seen FROM chats WHERE chat_id = ?", (resident.chat_id,)
    )
    bot_env.clock.advance(days=2)
    await resident.send("/bantuan")
    later = await bot_env.services.db.fetchone(
        "SELECT first_seen, last_seen FROM chats WHERE chat_id = ?", (resident.chat_id,)
    )
    assert later[0] == first[0] and later[1] > first[1]


async def test_privasi_says_what_is_kept_why_and_how_long(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    text = (await resident.send("/privasi"))[0].plain
    expected_words = ("tidak disimpan", "7 hari", "30 menit", "2 hari", "UU No. 27", "hapus data")
    for expected in expected_words:
        assert expected in text
    assert "HMAC" not in text and "SHA" not in text  # no algorithm names for residents


async def test_hapusdata_asks_first_and_can_be_cancelled(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    confirm = await resident.send("/hapusdata")
    assert confirm[0].buttons == [texts.BTN_ERASE_YES, texts.BTN_ERASE_NO]
    kept = await resident.press(texts.BTN_ERASE_NO)
    assert kept[0].plain == texts.ERASE_KEPT
    assert (await rows_for(bot_env, resident.chat_id))["subscriptions"] == 1


async def test_hapusdata_leaves_no_row_for_the_chat(bot_env: BotEnv, resident: LocalUser) -> None:
    record_id = await add_record(bot_env)
    for _ in range(5):  # failures, and the wait they cause
        await check(resident, NIK, WRONG_KK)
    bot_env.clock.advance(hours=1)
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    await resident.press("Ibu")
    await resident.send(NIK)  # a step in progress
    async with bot_env.services.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO outbox (kind, chat_id, text, dedup_key, created_at, not_before)"
            " VALUES ('status', ?, 'kabar', 'k1', '2026-11-28', '2026-11-28')",
            (resident.chat_id,),
        )
    before = await rows_for(bot_env, resident.chat_id)
    assert all(before[t] for t in ("chats", "subscriptions", "verify_attempts", "outbox"))
    await resident.send("/hapusdata")
    done = await resident.press(texts.BTN_ERASE_YES)
    assert done[0].plain == texts.ERASED.replace("<b>", "").replace("</b>", "")
    assert await rows_for(bot_env, resident.chat_id) == dict.fromkeys(
        [*CHAT_TABLES, "verify_locks"], 0
    )
    # The record itself is the office's data: untouched.
    assert await bot_env.services.db.fetchone("SELECT id FROM records WHERE id = ?", (record_id,))
    assert "belum memantau" in (await resident.send("/langganan"))[0].plain


async def test_hapusdata_does_not_reset_the_limit_per_nik(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    for _ in range(4):
        await check(resident, NIK, WRONG_KK)
    await resident.send("/hapusdata")
    await resident.press(texts.BTN_ERASE_YES)
    since = bot_env.clock.now().replace(hour=0)
    nik_hash = bot_env.services.hasher.nik(NIK)
    assert await attempts_store.nik_failures_since(bot_env.services.db.conn, nik_hash, since) == 4
    for i in range(NIK_FAILURE_LIMIT - 3):  # three other chats: 3, 2 and 2 failures
        await check(bot_env.api.user(9000 + i % 3, "Tamu"), NIK, WRONG_KK)
    assert "tidak bisa dicek" in await check(resident)


async def test_hapusdata_does_not_lift_the_wait_of_a_chat(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    for _ in range(5):
        await check(resident, NIK, WRONG_KK)
    await resident.send("/hapusdata")
    await resident.press(texts.BTN_ERASE_YES)
    still = await check(resident)
    assert "pukul 11.00 WIB" in still and "Dikirim ke pusat" not in still
    bot_env.clock.advance(hours=1)
    assert "Dikirim ke pusat" in await check(resident)


async def test_hapusdata_does_not_reset_the_count_of_a_chat(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    for _ in range(4):
        await check(resident, UNKNOWN_NIK, WRONG_KK)
    await resident.send("/hapusdata")
    await resident.press(texts.BTN_ERASE_YES)
    fifth = await check(resident, NIK, WRONG_KK)
    assert "mulai Sabtu, 28 November 2026 pukul 11.00 WIB" in fifth
    assert "pukul 11.00 WIB" in await check(resident)
