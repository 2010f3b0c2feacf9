"""Following a family's cards: "Beri tahu saya", labels, /langganan, /berhenti, the limit of ten."""

from __future__ import annotations

from datetime import date

from conftest import BotEnv
from resident_support import KK, NIK, add_record, check, kk_of, nik_of

from bot import texts_id as texts
from bot.local_api import LocalUser
from bot.states import KtpStatus
from bot.storage import subscriptions as subscriptions_store

S = KtpStatus


async def rows(env: BotEnv, chat_id: int) -> list[tuple]:
    found = await env.services.db.fetchall(
        "SELECT record_id, label, active FROM subscriptions WHERE chat_id = ? ORDER BY record_id",
        (chat_id,),
    )
    return [tuple(r) for r in found]


async def test_subscribe_with_a_ready_label(bot_env: BotEnv, resident: LocalUser) -> None:
    record_id = await add_record(bot_env)
    await check(resident)
    replies = await resident.press(texts.BTN_SUBSCRIBE)
    assert "1605••••••••0012" in replies[0].plain and "1 dari paling banyak 10" in replies[0].plain
    assert replies[0].buttons[:2] == ["Saya sendiri", "Ibu"]
    saved = await resident.press("Ibu")
    assert saved[0].edited and "Tersimpan: Ibu (1605••••••••0012)" in saved[0].plain
    assert await rows(bot_env, resident.chat_id) == [(record_id, "Ibu", 1)]


async def test_a_typed_label_and_no_duplicates(bot_env: BotEnv, resident: LocalUser) -> None:
    record_id = await add_record(bot_env)
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    saved = await resident.send("  Andi   kecil <b> ")
    assert "Tersimpan: Andi kecil <b> (1605••••••••0012)" in saved[0].plain
    # Check and subscribe again: still one row, and the label can be changed.
    await check(resident)
    again = await resident.press(texts.BTN_SUBSCRIBE)
    assert "sudah ada di daftar pantauan" in again[0].plain
    await resident.press(texts.BTN_NO_LABEL)
    assert await rows(bot_env, resident.chat_id) == [(record_id, None, 1)]
    # A NIK typed while a label is awaited is a new check, not a label.
    ask = await resident.send(NIK)
    assert "Nomor KK" in ask[0].plain
    assert await rows(bot_env, resident.chat_id) == [(record_id, None, 1)]


async def test_a_family_of_ten_and_no_more(bot_env: BotEnv, resident: LocalUser) -> None:
    for i in range(11):
        await add_record(bot_env, nik_of(i), kk_of(i), S.PRINT_READY_RECORD, date(2026, 9, 1))
    for i in range(10):
        await check(resident, nik_of(i), kk_of(i))
        await resident.press(texts.BTN_SUBSCRIBE)
    await check(resident, nik_of(10), kk_of(10))
    full = await resident.press(texts.BTN_SUBSCRIBE)
    assert "sudah memantau 10 NIK" in full[0].plain and "ketik berhenti" in full[0].plain.casefold()
    assert len(await rows(bot_env, resident.chat_id)) == subscriptions_store.MAX_PER_CHAT


async def test_langganan_lists_labels_and_current_status(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    assert "belum memantau" in (await resident.send("/langganan"))[0].plain
    await add_record(bot_env, status=S.CARD_PRINTED, since=date(2026, 11, 20))
    await add_record(bot_env, nik_of(1), kk_of(1), S.SENT_FOR_DEDUP, date(2026, 10, 2))
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    await resident.press("Ibu")
    await check(resident, nik_of(1), kk_of(1))
    await resident.press(texts.BTN_SUBSCRIBE)
    listing = (await resident.send("/langganan"))[0]
    assert "(2 dari 10)" in listing.plain
    assert "1. Ibu (1605••••••••0012)" in listing.plain
    assert f"{texts.STATUS_TEXTS[S.CARD_PRINTED].title}, sejak 20 November 2026" in listing.plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_DEDUP].title in listing.plain
    assert listing.buttons[0] == "✏️ 1. Ibu" and listing.buttons[1].startswith("✏️ 2. 1605••••")
    # Rename the second one from the list.
    ask = await resident.press(listing.buttons[1])
    assert "Ketik nama" in ask[0].plain
    await resident.send("Andi")
    assert "2. Andi" in (await resident.send("/langganan"))[0].plain


async def test_berhenti_one_or_all(bot_env: BotEnv, resident: LocalUser) -> None:
    for i in range(3):
        await add_record(bot_env, nik_of(i), kk_of(i))
        await check(resident, nik_of(i), kk_of(i))
        await resident.press(texts.BTN_SUBSCRIBE)
    choose = (await resident.send("/berhenti"))[0]
    assert choose.buttons[-2:] == [texts.BTN_STOP_ALL, texts.BTN_KEEP]
    stopped = await resident.press(choose.buttons[0])
    assert "tidak dipantau lagi" in stopped[0].plain
    assert len(await rows(bot_env, resident.chat_id)) == 2
    assert "1 sampai 2" in (await resident.send("/berhenti 7"))[0].plain
    assert "tidak dipantau lagi" in (await resident.send("/berhenti 1"))[0].plain
    assert len(await rows(bot_env, resident.chat_id)) == 1
    assert "1 NIK tidak dipantau lagi" in (await resident.send("/berhenti semua"))[0].plain
    assert await rows(bot_env, resident.chat_id) == []


async def test_berhenti_by_the_name_given(bot_env: BotEnv, resident: LocalUser) -> None:
    for i, label in enumerate(("Ibu", "Ayah")):
        await add_record(bot_env, nik_of(i), kk_of(i))
        await check(resident, nik_of(i), kk_of(i))
        await resident.press(texts.BTN_SUBSCRIBE)
        await resident.press(label)
    stopped = (await resident.send("/berhenti ibu"))[0].plain
    assert "Ibu" in stopped and "tidak dipantau lagi" in stopped
    assert "Ibu" not in (await resident.send("/langganan"))[0].plain
    unknown = (await resident.send("/berhenti Kakek"))[0].plain
    assert (
        "Nomor atau nama itu tidak ada" in unknown and texts.MENU_FAMILY in unknown
    )  # the button, not /langganan


async def test_berhenti_with_nothing_followed_points_to_announcements(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    answer = (await resident.send("/berhenti"))[0].plain
    assert "belum memantau" in answer and "matikan pengumuman" in answer
    await resident.send("/pengumuman mati")
    chat = await bot_env.services.db.fetchone(
        "SELECT announcements FROM chats WHERE chat_id = ?", (resident.chat_id,)
    )
    assert chat[0] == 0


async def test_subscribing_needs_a_recent_check(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await check(resident)
    bot_env.clock.advance(days=8)
    expired = await resident.press(texts.BTN_SUBSCRIBE)
    assert expired[0].plain == texts.CHECK_EXPIRED
    assert await rows(bot_env, resident.chat_id) == []


async def test_a_chat_that_comes_back_after_blocking_gets_news_again(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    record_id = await add_record(bot_env)
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    async with bot_env.services.db.transaction() as conn:
        await conn.execute("UPDATE chats SET reachable = 0 WHERE chat_id = ?", (resident.chat_id,))
        await conn.execute("UPDATE subscriptions SET active = 0")
    await resident.send("/langganan")
    assert await rows(bot_env, resident.chat_id) == [(record_id, None, 1)]


async def test_a_step_in_progress_keeps_nothing_raw(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await resident.send(NIK)
    dump = repr(
        [tuple(r) for r in await bot_env.services.db.fetchall("SELECT * FROM resident_pending")]
    )
    assert "1605••••••••0012" in dump and NIK not in dump
    await resident.send(KK)
    await resident.press(texts.BTN_SUBSCRIBE)
    for table in ("resident_pending", "verified_checks", "subscriptions", "chats"):
        dump = repr(
            [tuple(r) for r in await bot_env.services.db.fetchall(f"SELECT * FROM {table}")]
        )
        assert NIK not in dump and KK not in dump
