"""A resident checks a card: NIK + KK, the plain explanation, waiting times, groups, restarts."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import BotEnv
from resident_support import (
    KK,
    NIK,
    TODAY,
    UNKNOWN_NIK,
    WRONG_KK,
    add_record,
    check,
    edit,
    kk_of,
    nik_of,
)

from bot import texts_id as texts
from bot.domain.privacy import mask_nik
from bot.handlers.render import html
from bot.local_api import LocalUser
from bot.services import insights
from bot.states import ALL_STATUSES, KtpStatus
from bot.storage import settings as settings_store

S = KtpStatus


# --- the answer -----------------------------------------------------------------------------


async def test_every_status_is_explained_with_its_title_and_advice(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    for i, status in enumerate(ALL_STATUSES):
        await add_record(bot_env, nik_of(i), kk_of(i), status, date(2026, 10, 1))
    for i, status in enumerate(ALL_STATUSES):
        answer = await check(resident, nik_of(i), kk_of(i))
        about = texts.STATUS_TEXTS[status]
        assert about.title in answer, status
        assert about.what_to_do in answer, status
        assert mask_nik(nik_of(i)) in answer
        assert nik_of(i) not in answer


async def test_the_answer_says_when_who_why_and_data_date(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env, since=date(2026, 11, 1))
    async with bot_env.services.db.transaction() as conn:
        await settings_store.put(conn, settings_store.LAST_IMPORT_AT, "2026-11-28T01:00:00+00:00")
    answer = await check(resident)
    about = texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT]
    assert "1605••••••••0012" in answer and "S••• A•••" in answer
    assert about.title in answer and about.meaning in answer
    assert f"👉 {about.what_to_do}" in answer
    assert "Sejak 1 November 2026 (3 minggu lalu)." in answer
    assert texts.stage_track(S.SENT_FOR_ENROLLMENT) in answer
    assert "Data per 28 November 2026, 10.00 WIB" in answer
    # Why, who and the figures wait behind "Selengkapnya".
    assert about.why_slow not in answer and about.who_acts not in answer
    assert resident.last.buttons == [
        texts.BTN_MORE,
        texts.BTN_SUBSCRIBE,
        texts.BTN_CHECK_ANOTHER,
        texts.BTN_ALL_STAGES,
    ]
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    for part in (about.why_slow, about.who_acts, about.more):
        assert part in more
    assert "Selengkapnya · KTP-el 1605••••••••0012" in more


async def test_the_first_answer_fits_one_screen_and_the_rest_comes_on_request(
    bot_env: BotEnv, resident: LocalUser, admin: LocalUser
) -> None:
    long_text = "Jl. Lintas Sumatera Km 12, Muara Beliti Baru, " * 7
    for field in ("alamat", "jam", "kontak", "pengambilan", "diwakilkan"):
        await admin.send(f"/kantor {field} {long_text[:300]}")
    for i, status in enumerate(ALL_STATUSES):
        await add_record(bot_env, nik_of(i), kk_of(i), status, date(2026, 10, 1))
    for i, status in enumerate(ALL_STATUSES):
        replies = await resident.send(f"{nik_of(i)} {kk_of(i)}")
        assert len(replies[0].plain) <= texts.FIRST_ANSWER_LIMIT, status
        more = await resident.press(texts.BTN_MORE)
        assert texts.STATUS_TEXTS[status].why_slow in more[-1].plain


async def test_the_rest_of_an_old_check_is_not_shown(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await check(resident)
    bot_env.clock.advance(days=8)
    assert (await resident.press(texts.BTN_MORE))[-1].plain == texts.CHECK_EXPIRED


async def test_nik_first_then_kk_in_two_messages(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    ask = await resident.send(NIK)
    assert "1605••••••••0012" in ask[0].plain and "Nomor KK" in ask[0].plain
    answer = await resident.send(KK)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer[0].plain


async def test_spaces_dots_and_arabic_indic_digits_work(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    title = texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title
    assert title in await check(resident, "1605 0141 0790 0012", "1605.0101.0115.0003")
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert title in await check(resident, NIK.translate(arabic), KK.translate(arabic))
    replies = await resident.send(f"NIK: {NIK}\nNo KK: {KK}")
    assert title in replies[0].plain


async def test_the_same_nik_again_where_the_kk_is_expected(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await resident.send(NIK)
    again = await resident.send(NIK)
    assert "NIK yang sama" in again[0].plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in (await resident.send(KK))[0].plain


async def test_malformed_numbers_get_their_reason(bot_env: BotEnv, resident: LocalUser) -> None:
    fifteen = await resident.send(NIK[:15])
    assert "NIK harus 16 angka, tetapi ini 15 angka" in fifteen[0].plain
    letter = await resident.send("16050141O7900012")
    assert "ada huruf O" in letter[0].plain
    zero = await resident.send("1605014107900000")
    assert "0000" in zero[0].plain
    await resident.send(NIK)
    bad_kk = await resident.send("99050101011500")
    assert "Nomor KK harus 16 angka" in bad_kk[0].plain
    too_many = await resident.send(f"{NIK} {KK} {WRONG_KK}")
    assert too_many[0].plain == texts.TOO_MANY_NUMBERS


async def test_letters_inside_a_nik_are_named(bot_env: BotEnv, resident: LocalUser) -> None:
    replies = await resident.send("16052113026952AB")
    assert "Di NIK itu ada huruf A dan B" in replies[0].plain
    assert "14 angka" not in replies[0].plain


async def test_nik_and_kk_with_one_part_too_short_says_which(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    short_kk = await resident.send(f"{NIK} {KK[:15]}")
    assert "Nomor KK (nomor kedua) harus 16 angka, tetapi ini 15 angka" in short_kk[0].plain
    short_nik = await resident.send(f"{NIK[:15]} {KK}")
    assert "NIK (nomor pertama) harus 16 angka, tetapi ini 15 angka" in short_nik[0].plain
    grouped = await resident.send("1605 0141 0790 0012 1605 0101 0115 000")
    assert "Nomor KK (nomor kedua)" in grouped[0].plain and "15 angka" in grouped[0].plain


async def _failures(env: BotEnv) -> int:
    row = await env.services.db.fetchone("SELECT COUNT(*) FROM verify_attempts")
    return int(row[0])


async def test_after_a_wrong_kk_the_nik_waits_for_its_kk(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await resident.send(NIK)
    wrong = (await resident.send(WRONG_KK))[0].plain
    assert "tidak cocok" in wrong and "Ketik lagi Nomor KK untuk NIK 1605••••••••0012" in wrong
    assert await _failures(bot_env) == 1  # the failure still counts
    right = (await resident.send(KK))[0].plain  # tried as the KK of the same NIK
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in right
    # The same after "NIK KK" in one message.
    await resident.send(f"{NIK} {WRONG_KK}")
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in (await resident.send(KK))[0].plain


async def test_swapped_or_repeated_numbers_are_explained_without_counting(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    assert (await resident.send(f"{KK} {NIK}"))[0].text == html(texts.NUMBERS_SWAPPED)
    assert (await resident.send(f"{NIK} {NIK}"))[0].text == html(texts.SAME_NUMBER_TWICE)
    await resident.send(NIK)
    assert "NIK yang sama" in (await resident.send(NIK))[0].plain
    assert await _failures(bot_env) == 0
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in await check(resident)


async def test_a_kk_sent_before_its_nik_costs_no_failed_try(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    """README: the KK first, then the NIK, in two messages: the card, and nothing counted."""
    await add_record(bot_env)
    asked = (await resident.send(KK))[0].plain  # taken for a NIK: its KK is asked
    assert "Nomor KK" in asked
    answer = (await resident.send(NIK))[0].plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer
    assert mask_nik(NIK) in answer
    assert await _failures(bot_env) == 0
    # A number that is neither still counts as a wrong KK.
    await resident.send(KK)
    assert "tidak cocok" in (await resident.send(UNKNOWN_NIK))[0].plain
    assert await _failures(bot_env) == 1


async def test_a_resident_typing_a_staff_command_gets_the_resident_help(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    """README: the resident's answer to a command the bot does not know (the two lines and the
    main menu), word for word the same for a staff command, so nothing hints that it exists."""
    staff_command = (await resident.send(f"/status {NIK}"))[0]
    unknown = (await resident.send("/apaini"))[0]
    for reply in (staff_command, unknown):
        assert "tidak dikenal" in reply.plain and "Ketik NIK (16 angka)" in reply.plain
        assert reply.reply_keyboard and any(texts.MENU_ASK in row for row in reply.reply_keyboard)
    assert staff_command.plain.replace("/status", "/apaini") == unknown.plain
    refused = await bot_env.services.db.fetchone(
        "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND target = ?", (resident.id, "/status")
    )
    assert refused[0] == 1


async def test_a_mistyped_nik_fixed_by_editing_the_message_is_answered(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    assert "15 angka" in (await resident.send(NIK[:15]))[0].plain
    asked = await edit(bot_env, resident, NIK)
    assert len(asked) == 1 and "Nomor KK" in asked[0].plain
    answer = await edit(bot_env, resident, f"{NIK} {KK}")
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer[0].plain
    assert await edit(bot_env, resident, "terima kasih pak") == []  # an edited chat line: no noise


async def test_free_text_gets_help_and_commands_are_not_eaten(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await resident.send(NIK)  # now the KK is awaited
    hello = await resident.send("halo, kapan ktp saya jadi?")
    assert "menunggu nomor KK" in hello[0].plain  # understood, and the KK is still awaited
    help_ = await resident.send("/bantuan")
    assert "Cara memakai" in help_[0].plain
    cek = await resident.send("/cek")
    assert "Ketik NIK" in cek[0].plain


async def test_cancel_a_check(bot_env: BotEnv, resident: LocalUser) -> None:
    await resident.send(NIK)
    assert (await resident.send("/batal"))[0].plain == texts.CANCELLED
    assert (await resident.send("/batal"))[0].plain == texts.NOTHING_TO_CANCEL


async def test_a_check_survives_a_restart(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await resident.send(NIK)
    await bot_env.restart()
    answer = await resident.send(KK)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer[0].plain


async def test_buttons_never_carry_the_nik(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await check(resident)
    await resident.press(texts.BTN_SUBSCRIBE)
    sent = [c for c in bot_env.api.calls if c.method in ("sendMessage", "editMessageText")]
    assert sent and all(NIK not in str(c.params) and KK not in str(c.params) for c in sent)


async def test_explain_all_stages_and_check_another(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    await check(resident)
    stages = await resident.press(texts.BTN_ALL_STAGES)
    shown = "\n".join(m.plain for m in stages)
    for status in ALL_STATUSES:
        assert texts.STATUS_TEXTS[status].title in shown
    assert all(len(m.text or "") < 4096 for m in stages)
    other = await resident.press(texts.BTN_CHECK_ANOTHER)
    assert "Ketik NIK" in other[0].plain


async def test_a_printed_or_shipped_card_names_the_pickup_place_staff_set(
    bot_env: BotEnv, resident: LocalUser, admin: LocalUser
) -> None:
    await admin.send("/kantor pengambilan Kantor Camat Tugumulyo, loket 2")
    await admin.send("/kantor diwakilkan Boleh diambil keluarga dengan KK asli.")
    await add_record(bot_env, nik_of(1), kk_of(1), S.CARD_PRINTED, date(2026, 11, 20))
    await add_record(bot_env, nik_of(2), kk_of(2), S.CARD_SHIPPED, date(2026, 11, 20))
    for n in (1, 2):
        answer = await check(resident, nik_of(n), kk_of(n))
        assert "📍 Kantor Camat Tugumulyo, loket 2 · Senin–Jumat, 08.00–15.00 WIB" in answer
        assert "👪 Boleh diambil keluarga dengan KK asli." in answer
        more = (await resident.press(texts.BTN_MORE))[-1].plain
        assert "Tempat pengambilan: Kantor Camat Tugumulyo, loket 2" in more
        assert "Diambil keluarga: Boleh diambil keluarga dengan KK asli." in more


async def test_no_estimate_when_the_next_step_is_the_residents(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    for i in range(insights.MIN_SAMPLES):  # enough finished stays in DUPLICATE_RECORD
        await add_record(
            bot_env,
            nik_of(100 + i),
            kk_of(100 + i),
            S.ADJUDICATE_RECORD,
            date(2026, 6, 20),
            history=[(S.DUPLICATE_RECORD, date(2026, 6, 1))],
        )
    await add_record(bot_env, status=S.DUPLICATE_RECORD, since=TODAY - timedelta(days=90))
    answer = await check(resident)
    assert "Datang ke kantor" in answer and "🏢 Kantor Disdukcapil Kabupaten Musi Rawas" in answer
    assert "📅" not in answer and "⏳" not in answer and "lebih lama dari biasanya" not in answer
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "⏱️" not in more and "Jam layanan" in more


# --- wrong KK, unknown NIK, limits ----------------------------------------------------------


async def test_wrong_kk_and_unknown_nik_get_the_same_answer(bot_env: BotEnv) -> None:
    await add_record(bot_env)
    first = bot_env.api.user(5001, "Andi")
    second = bot_env.api.user(5002, "Budi")
    wrong = await check(first, NIK, WRONG_KK)
    unknown = await check(second, UNKNOWN_NIK, KK)
    assert wrong.replace("0012", "####") == unknown.replace("0031", "####")
    assert "tidak cocok" in wrong
    # Asking for the KK is the same too: nothing tells whether the NIK exists.
    await first.send("/batal")
    await second.send("/batal")
    ask_known = (await first.send(NIK))[0].plain.replace("0012", "####")
    ask_unknown = (await second.send(UNKNOWN_NIK))[0].plain.replace("0031", "####")
    assert ask_known == ask_unknown


async def test_a_chat_waits_an_hour_after_five_failures(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    for _ in range(4):
        assert "tidak cocok" in await check(resident, NIK, WRONG_KK)
    fifth = await check(resident, NIK, WRONG_KK)
    assert "tidak cocok" in fifth and "mulai Sabtu, 28 November 2026 pukul 11.00 WIB" in fifth
    # Even the right pair waits, and so does a NIK alone.
    assert "pukul 11.00 WIB" in await check(resident)
    assert "pukul 11.00 WIB" in (await resident.send(NIK))[0].plain
    bot_env.clock.advance(hours=1)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in await check(resident)


async def test_a_nik_is_locked_after_ten_failures_across_chats(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await add_record(bot_env)
    owner = bot_env.api.user(7000, "Siti")
    await check(owner, NIK, WRONG_KK)  # the owner mistyped once: the lock holds against them
    guessers = [bot_env.api.user(6000 + i, "Tamu") for i in range(4)]
    for i in range(10):
        await check(guessers[i % 4], NIK, WRONG_KK)
    locked = await check(owner)
    assert "tidak bisa dicek" in locked and "Minggu, 29 November 2026 pukul 10.00 WIB" in locked
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title not in locked
    # Staff still see the record.
    seen = await staff.send(f"/status {NIK}")
    assert "1605••••••••0012" in seen[0].plain
    bot_env.clock.advance(hours=24)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in await check(owner)


# --- groups -----------------------------------------------------------------------------------


async def test_a_group_never_shows_a_status(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    group = bot_env.api.group(-100123, "Warga Tugumulyo")
    for text in (f"{NIK} {KK}", "/cek", f"/cek {NIK} {KK}", "/langganan"):
        replies = await group.send(resident, text)
        assert len(replies) == 1
        answer = replies[0]
        assert "chat pribadi" in answer.plain
        assert "0012" not in answer.plain and "1605" not in answer.plain
        assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title not in answer.plain
        url = answer.keyboard[0][0]["url"]
        assert url == f"https://t.me/{bot_env.bot.username}?start=cek"


async def test_the_groups_button_opens_a_chat_that_asks_for_the_nik(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    group = bot_env.api.group(-100124, "Warga Megang Sakti")
    url = (await group.send(resident, "/cek"))[0].keyboard[0][0]["url"]
    start = "/start " + url.split("?start=", 1)[1]  # what Telegram sends on opening the link
    asked = await resident.send(start)
    assert len(asked) == 1 and "Ketik NIK" in asked[0].plain and "Siti" in asked[0].plain
    assert "Selamat datang" not in asked[0].plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in await check(resident)
    assert "Selamat datang" in (await resident.send("/start"))[0].plain


# --- waiting-time context and the estimate ---------------------------------------------------


async def test_not_enough_samples_says_so(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env)
    answer = await check(resident)
    assert "Perkiraan belum bisa dibuat: riwayat di kantor ini belum cukup." in answer
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "Riwayat di kantor ini belum cukup" in more


async def _thirty_finished_stays(env: BotEnv, days: int) -> None:
    for i in range(insights.MIN_SAMPLES):
        await add_record(
            env,
            nik_of(100 + i),
            kk_of(100 + i),
            S.RECEIVED_AT_CENTRAL,
            date(2026, 6, 1) + timedelta(days=days + i % 3),
            history=[(S.SENT_FOR_ENROLLMENT, date(2026, 6, 1))],
        )


async def test_an_estimate_from_the_usual_stays(bot_env: BotEnv, resident: LocalUser) -> None:
    await _thirty_finished_stays(bot_env, days=20)  # stays of 20, 21, 22 days
    await add_record(bot_env, since=TODAY - timedelta(days=5))  # entered 23 November
    answer = await check(resident)
    assert "📅 Perkiraan: pertengahan Desember 2026." in answer  # 14 to 15 December
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "Dari 30 orang yang sudah melewati tahap ini" in more
    assert "separuhnya selesai dalam 21 hari, dan 8 dari 10 orang dalam 22 hari" in more
    assert "KTP-el ini sudah 5 hari di tahap ini" in more
    assert "lebih lama dari biasanya" not in answer + more


async def test_longer_than_usual_offers_to_ask_a_person(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await _thirty_finished_stays(bot_env, days=20)
    await add_record(bot_env, since=TODAY - timedelta(days=40))
    answer = await check(resident)
    assert "⏳ Ini sudah lebih lama dari biasanya" in answer and texts.MENU_ASK in answer
    assert "Perkiraan:" not in answer
    # No need to come, so never "come to the counter" beside it.
    assert "Tidak perlu datang" in answer and "loket" not in answer
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "sudah 40 hari di tahap ini" in more and "Ini lebih lama dari biasanya" in more
    assert "loket" not in more


async def test_print_queue_estimate_from_blanko_and_the_pace_of_printing(
    bot_env: BotEnv, resident: LocalUser, admin: LocalUser
) -> None:
    for i in range(10):  # printed in the last 30 days: 10 cards
        await add_record(
            bot_env,
            nik_of(200 + i),
            kk_of(200 + i),
            S.SENT_FOR_CARD_PRINTING,
            date(2026, 11, 10),
            history=[(S.PRINT_READY_RECORD, date(2026, 8, 1))],
        )
    for i in range(3):
        await add_record(bot_env, nik_of(i), kk_of(i), S.PRINT_READY_RECORD, date(2026, 9, 1))
    await add_record(bot_env, nik_of(9), kk_of(9), S.PRINT_READY_RECORD, date(2026, 11, 1))
    await add_record(bot_env, status=S.PRINT_READY_RECORD, since=date(2026, 10, 1))
    # 3 ahead, 10 a month: the turn (4th) in 12 days, 10 December.
    answer = await check(resident)  # staff have not set the stock yet
    assert "Bila blanko cukup, giliran Bapak/Ibu kira-kira awal Desember 2026." in answer
    assert "Kalau blanko habis, menunggu kiriman dari pusat." in answer
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "🖨️ Antrean cetak: 3 orang sebelum Bapak/Ibu." in more
    assert "Stok blanko belum dicatat petugas." in more
    assert "Sebulan terakhir dicetak 10 kartu." in more
    await admin.send("/blanko 6000")
    answer = await check(resident)
    assert "Dengan stok blanko sekarang, giliran Bapak/Ibu kira-kira awal Desember 2026." in answer
    more = (await resident.press(texts.BTN_MORE))[-1].plain
    assert "Stok blanko sekarang 6.000 keping." in more
    await admin.send("/blanko 3")
    assert "Stok blanko sekarang habis sebelum giliran Bapak/Ibu" in await check(resident)
    await admin.send("/blanko 0")
    assert "Blanko sedang habis" in await check(resident)


async def test_no_pace_no_date(bot_env: BotEnv, resident: LocalUser) -> None:
    await add_record(bot_env, status=S.PRINT_READY_RECORD, since=date(2026, 10, 1))
    answer = await check(resident)
    assert "giliran Bapak/Ibu belum bisa diperkirakan" in answer
    assert (
        "🖨️ Bapak/Ibu ada di urutan terdepan antrean cetak."
        in (await resident.press(texts.BTN_MORE))[-1].plain
    )
