"""What a resident, a clerk and an operator found wrong with notifications and announcements,
each checked the way they met it: through the real bot and local_api."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ADMIN_ID, RESIDENT_ID, BotEnv, add_officer, dispatcher_of, notifier_env
from test_notifier import NIK, add_record, change_status, delivered, subscribe

from bot import texts_id
from bot.cli import outbox as outbox_cli
from bot.local_api import LocalUser
from bot.states import KtpStatus

OTHER_NIK = "1605010101900002"


@pytest.mark.parametrize(
    "number", ["1605014101900001", "1605 0141 0190 0001", "1605.0101.0120.0001"]
)
async def test_an_announcement_with_a_nik_or_kk_is_refused_and_not_kept(
    env: BotEnv, officer: LocalUser, number: str
) -> None:
    await officer.send("/siaran")
    replies = await officer.send(f"Warga dengan NIK {number} harap datang ke kantor.")
    assert "NIK atau nomor KK" in replies[-1].plain
    assert "Siapa yang menerima" not in replies[-1].plain
    # Still writing: the corrected text goes on to the audience choice.
    replies = await officer.send("Warga yang menerima kabar harap datang, telp 0812-3456-7890.")
    assert "Siapa yang menerima" in replies[-1].plain
    for table in ("broadcasts", "outbox", "audit_log"):
        rows = await env.services.db.fetchall(f"SELECT * FROM {table}")
        assert all(number not in str(tuple(row)) for row in rows)


async def test_card_printed_news_names_the_pickup_place_set_with_kantor_and_the_office_apart(
    env: BotEnv,
) -> None:
    admin = env.api.user(ADMIN_ID, "Rina")
    mother = env.api.user(RESIDENT_ID, "Siti")  # follows her mother's card, labelled "Ibu"
    record_id = await add_record(env, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    await subscribe(env, RESIDENT_ID, record_id, label="Ibu")
    await admin.send("/kantor pengambilan Kantor Camat Tugumulyo, loket 2")

    await admin.send(f"/ubah {NIK} CARD_PRINTED")
    await admin.press("✅ Ya, ubah")
    await dispatcher_of(env.app).drain()

    text = mother.last.plain
    assert text.startswith("🎉 KTP-el sudah dicetak!\nIbu · NIK 1605••••••••0001\n")
    assert "📍 Tempat pengambilan: Kantor Camat Tugumulyo, loket 2\n" in text
    # The office's own address is named as such, not as a second pickup place.
    assert "🏢 Alamat kantor: Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti\n" in text
    assert "🕗 Jam layanan: Senin–Jumat, 08.00–15.00 WIB" in text
    # Whether family may collect it is the office's own setting (/kantor diwakilkan).
    assert f"👪 Diambil keluarga: {texts_id.OFFICE_PROXY_PICKUP_DEFAULT}" in text
    assert "tidak bisa diwakilkan" not in text
    # The reader may be a child following Ibu's card: no "your card".
    assert "KTP-el Anda" not in text and "Bapak/Ibu" not in text
    assert NIK not in mother.last.text


async def test_status_audience_buttons_show_whole_titles_and_counts_one_a_row(
    env: BotEnv, officer: LocalUser
) -> None:
    record_id = await add_record(env, status=KtpStatus.ENROLL_FAILURE_AT_CENTRAL)
    await subscribe(env, 301, record_id)
    await officer.send("/siaran")
    await officer.send("Perekaman ulang hari Sabtu.")

    replies = await officer.press("bc:aud:status")
    rows = replies[-1].keyboard
    assert all(len(row) == 1 for row in rows)
    assert [row[0]["text"] for row in rows][5] == "6. Rekaman kurang jelas di pusat (1)"


async def test_outbox_report_says_when_waiting_messages_go_out(make_env, tmp_path: Path) -> None:
    # The dispatcher is not running: as when the operator looks while the bot is down.
    env = await make_env(tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 30, tzinfo=UTC))  # 22.30 WIB
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    await change_status(env, record_id, KtpStatus.CARD_PRINTED)

    text = await outbox_cli.report(env.settings, env.clock)
    assert "Kabar status" in text and "Jam tenang 21.00–06.00 (sedang berlaku)." in text
    assert "dikirim setelah jam tenang berakhir, pukul 06.00" in text
    assert "dijadwalkan: Sabtu, 28 November 2026 pukul 22.30" not in text

    env.clock.set(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # 08.00 WIB, still not sent
    text = await outbox_cli.report(env.settings, env.clock)
    assert "sudah waktunya dikirim sejak Sabtu, 28 November 2026 pukul 22.30 WIB" in text
    assert "periksa apakah bot berjalan (python -m bot run)" in text

    # A retry set for later is named as scheduled.
    async with env.services.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET not_before = '2026-11-29T01:30:00+00:00'")
    text = await outbox_cli.report(env.settings, env.clock)
    assert "Pesan menunggu berikutnya dijadwalkan: Minggu, 29 November 2026 pukul 08.30" in text


async def test_opting_out_at_night_drops_the_announcement_waiting_for_the_morning(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 22.00 WIB
    officer = await add_officer(env)
    resident = env.api.user(RESIDENT_ID, "Siti")
    neighbour = env.api.user(RESIDENT_ID + 1, "Dewi")
    await resident.send("/start")
    await neighbour.send("/start")

    await officer.send("/siaran")
    await officer.send("Perekaman keliling hari Sabtu di Tugumulyo.")
    await officer.press("bc:aud:all")
    await officer.press("🌙 Kirim pukul 06.00")
    replies = await resident.send("/pengumuman mati")
    assert "dimatikan" in replies[-1].plain

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    assert all("Perekaman keliling" not in m.plain for m in resident.messages)
    assert "Perekaman keliling" in neighbour.last.plain
    assert "tidak dikirim 1" in officer.last.plain and "selesai" in officer.last.plain


async def test_a_card_printed_by_mistake_at_night_and_corrected_is_never_announced(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 22.00 WIB
    admin = env.api.user(ADMIN_ID, "Rina")
    resident = env.api.user(RESIDENT_ID, "Siti")
    neighbour_id = RESIDENT_ID + 1
    mistaken = await add_record(env, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    printed = await add_record(env, nik=OTHER_NIK, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    await subscribe(env, RESIDENT_ID, mistaken)
    await subscribe(env, neighbour_id, printed)

    for nik in (NIK, OTHER_NIK):
        await admin.send(f"/ubah {nik} CARD_PRINTED")
        await admin.press("✅ Ya, ubah")
    # The wrong one is put back the same night, while its message waits for the morning.
    await admin.send(f"/ubah {NIK} SENT_FOR_CARD_PRINTING salah ketik")
    await admin.press("✅ Ya, ubah")
    replies = await admin.press("⚠️ Ya, mundurkan status")
    assert (
        "Sudah dicetak, silakan ambil (CARD_PRINTED) → Sedang dicetak (SENT_FOR_CARD_PRINTING)"
    ) in replies[-1].plain

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    assert resident.messages == []
    assert ["sudah dicetak" in t for t in delivered(env, neighbour_id)] == [True]
    rows = await env.services.db.fetchall("SELECT chat_id, state FROM outbox ORDER BY chat_id")
    assert [tuple(r) for r in rows] == [(RESIDENT_ID, "cancelled"), (neighbour_id, "sent")]


async def test_the_list_says_a_broadcast_waits_for_the_quiet_hours_to_end(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 22.00 WIB
    officer = await add_officer(env)
    await env.api.user(RESIDENT_ID, "Siti").send("/start")
    await officer.send("/siaran")
    await officer.send("Kantor tutup hari Senin.")
    await officer.press("bc:aud:all")
    await officer.press("🌙 Kirim pukul 06.00")

    listing = (await officer.send("/siaran daftar"))[-1].plain
    assert "#1 · menunggu jam tenang, dikirim pukul 06.00" in listing
    assert "Terkirim 0 dari 2" in listing

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    listing = (await officer.send("/siaran daftar"))[-1].plain
    assert "#1 · selesai" in listing and "Terkirim 2 dari 2" in listing


async def test_a_nik_unfollowed_at_night_gets_no_news_in_the_morning(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 22.00 WIB
    admin = env.api.user(ADMIN_ID, "Rina")
    resident = env.api.user(RESIDENT_ID, "Siti")
    record = await add_record(env, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    await subscribe(env, RESIDENT_ID, record)

    await admin.send(f"/ubah {NIK} CARD_PRINTED")
    done = await admin.press("✅ Ya, ubah")
    assert (
        "1 kabar untuk warga yang berlangganan menunggu jam tenang selesai: dikirim pukul 06.00"
        in (done[-1].plain)
    )
    replies = await resident.send("/berhenti semua")
    assert "tidak akan menerima kabar status" in replies[-1].plain

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    assert all("sudah dicetak" not in m.plain for m in resident.messages)
    row = await env.services.db.fetchone("SELECT state, last_error FROM outbox")
    assert tuple(row) == ("cancelled", "the chat stopped following this record")


async def test_card_news_missed_while_blocked_arrives_when_the_resident_comes_back(
    env: BotEnv,
) -> None:
    admin = env.api.user(ADMIN_ID, "Rina")
    resident = env.api.user(RESIDENT_ID, "Siti")
    record = await add_record(env, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    await subscribe(env, RESIDENT_ID, record)
    resident.block()

    await admin.send(f"/ubah {NIK} CARD_PRINTED")
    await admin.press("✅ Ya, ubah")
    await dispatcher_of(env.app).drain()
    row = await env.services.db.fetchone("SELECT state, fail_reason FROM outbox")
    assert tuple(row) == ("failed", "blocked")
    assert delivered(env, RESIDENT_ID) == []

    resident.unblock()
    await resident.send("/start")
    await dispatcher_of(env.app).drain()
    news = [t for t in delivered(env, RESIDENT_ID) if "Berhenti menerima kabar untuk NIK ini" in t]
    assert len(news) == 1
    row = await env.services.db.fetchone("SELECT state FROM outbox")
    assert row[0] == "sent"
    await resident.send("/bantuan")  # coming back once more sends nothing twice
    await dispatcher_of(env.app).drain()
    assert (
        len(
            [t for t in delivered(env, RESIDENT_ID) if "Berhenti menerima kabar untuk NIK ini" in t]
        )
        == 1
    )


async def test_the_family_rule_the_admin_sets_is_in_the_card_news(env: BotEnv) -> None:
    admin = env.api.user(ADMIN_ID, "Rina")
    reader = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env, status=KtpStatus.SENT_FOR_CARD_PRINTING)
    await subscribe(env, RESIDENT_ID, record_id, label="Ibu")
    await admin.send("/kantor diwakilkan Boleh diambil suami, istri atau anak dengan KK asli.")
    await admin.send(f"/ubah {NIK} CARD_PRINTED")
    await admin.press("✅ Ya, ubah")
    await dispatcher_of(env.app).drain()
    text = reader.last.plain
    assert "👪 Diambil keluarga: Boleh diambil suami, istri atau anak dengan KK asli." in text
    assert f"👉 {texts_id.STATUS_TEXTS[KtpStatus.CARD_PRINTED].what_to_do}" in text
