"""Staff at work: /status of a record, /ubah with confirmation, refusals for non-staff."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import RESIDENT_ID, STAFF_ID, BotEnv
from staff_support import (
    KK_A,
    KK_B,
    NIK_A,
    NIK_B,
    add_record,
    audit_rows,
    current_status,
    subscribe,
)

from bot.handlers.callbacks import UbahAnswer
from bot.local_api import LocalUser
from bot.services import pending_changes
from bot.states import KtpStatus
from bot.storage import attempts as attempts_store
from bot.storage import records as records_store
from bot.storage import staff as staff_store
from bot.storage.attempts import LockScope

S = KtpStatus


async def _journey(env: BotEnv) -> int:
    return await add_record(
        env,
        NIK_A,
        KK_A,
        [
            (S.BIO_CAPTURED, date(2026, 1, 5)),
            (S.SENT_FOR_ENROLLMENT, date(2026, 2, 1)),
            (S.PRINT_READY_RECORD, date(2026, 9, 14)),
        ],
    )


async def _outbox_count(env: BotEnv) -> int:
    row = await env.services.db.fetchone("SELECT COUNT(*) FROM outbox")
    return int(row[0])


# --- refusals --------------------------------------------------------------------------------


async def test_resident_gets_resident_help_for_every_staff_command(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    unknown = (await resident.send("/tidakada"))[0].plain
    expected = unknown.replace("/tidakada", "{cmd}")
    for command in ("/status", "/ubah", "/impor", "/statistik", "/blanko", "/petugas", "/kantor"):
        replies = await resident.send(f"{command} {NIK_A} PRR")
        assert len(replies) == 1
        assert replies[0].plain == expected.replace("{cmd}", command)
        rest = replies[0].plain.replace(command, "").lower()
        assert "petugas" not in rest and "/ubah" not in rest and "/status" not in rest
    refused = await audit_rows(bot_env, "ditolak")
    assert [r.target for r in refused] == [
        "/status",
        "/ubah",
        "/impor",
        "/statistik",
        "/blanko",
        "/petugas",
        "/kantor",
    ]
    assert all(r.actor_id == RESIDENT_ID for r in refused)
    assert all(NIK_A not in (r.detail or "") + (r.target or "") for r in refused)


async def _edit(env: BotEnv, user: LocalUser, text: str) -> list[str]:
    """`user` edits an earlier message of theirs into `text`; the bot's replies meanwhile."""
    message = env.api.make_message(user.info, user.chat_id, text=text)
    message["edit_date"] = message["date"] + 5
    update = {"update_id": env.api._update_id(), "edited_message": message}
    return [m.plain for m in await env.api.deliver(update, user.chat_id)]


async def test_an_edited_staff_command_from_a_resident_is_as_silent_as_any_unknown_one(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    assert await _edit(bot_env, resident, "/tidakada") == []
    for command in ("/status", "/ubah", "/impor", "/statistik", "/blanko", "/petugas", "/kantor"):
        assert await _edit(bot_env, resident, f"{command} {NIK_A} PRR") == []
    refused = await audit_rows(bot_env, "ditolak")
    assert len(refused) == 7 and all(r.actor_id == RESIDENT_ID for r in refused)


async def test_staff_command_in_a_group_points_to_the_private_chat(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    group = bot_env.api.group(-100500)
    replies = await group.send(staff, f"/status {NIK_A}")
    assert len(replies) == 1
    assert "hanya bisa dipakai di chat pribadi" in replies[0].plain
    assert "PRINT_READY_RECORD" not in replies[0].plain


# --- /status ---------------------------------------------------------------------------------


async def test_status_shows_record_history_subscribers_and_lock(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    record_id = await _journey(bot_env)
    await subscribe(bot_env, RESIDENT_ID, record_id)
    await subscribe(bot_env, 5555, record_id)
    replies = await staff.send(f"/status {NIK_A}")
    assert len(replies) == 1
    text = replies[0].plain
    assert "NIK 1605••••••••0001" in text
    assert "Nama: S••• A•••" in text
    assert "Wilayah: Tugumulyo (160501)" in text
    assert "Status: PRINT_READY_RECORD sejak 14 September 2026" in text
    assert "5 Januari 2026 — BIO_CAPTURED — impor data.csv" in text
    assert "1 Februari 2026 — SENT_FOR_ENROLLMENT — impor data.csv" in text
    assert "Riwayat (3 entri)" in text
    assert "Langganan: 2 chat" in text
    assert "Cek oleh warga: tidak terkunci" in text
    assert NIK_A not in text and "Siti" not in text


async def test_status_works_for_a_nik_locked_for_residents(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    now = bot_env.clock.now()
    async with bot_env.services.db.transaction() as conn:
        nik_hash = bot_env.services.hasher.nik(NIK_A)
        await attempts_store.lock(conn, LockScope.NIK, nik_hash, now, now + timedelta(hours=24))
    text = (await staff.send(f"/status {NIK_A}"))[0].plain
    assert "PRINT_READY_RECORD" in text
    assert "Cek oleh warga: terkunci sampai Minggu, 29 November 2026 pukul 10.00 WIB" in text


async def test_status_accepts_a_nik_typed_with_spaces(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    text = (await staff.send("/status 1605 0141 0190 0001"))[0].plain
    assert "NIK 1605••••••••0001" in text


async def test_status_explains_a_bad_nik_and_an_unknown_one(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    text = (await staff.send("/status 160501410190"))[0].plain
    assert "NIK harus 16 angka, tetapi ini 12 angka" in text
    text = (await staff.send(f"/status {NIK_B}"))[0].plain
    assert "NIK 1605••••••••0002 belum ada dalam data bot" in text
    text = (await staff.send("/status"))[0].plain
    assert "Tulis NIK setelah perintahnya" in text


# --- /ubah -----------------------------------------------------------------------------------


async def test_ubah_with_a_typo_suggests_statuses(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    replies = await staff.send(f"/ubah {NIK_A} CARD_PRINTD")
    assert len(replies) == 1
    text = replies[0].plain
    assert "Status 'CARD_PRINTD' tidak dikenal" in text
    assert "CARD_PRINTED" in text
    assert replies[0].buttons == []
    text = (await staff.send(f"/ubah {NIK_A} print redy record"))[0].plain
    assert "PRINT_READY_RECORD" in text and "tidak dikenal" in text
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD


async def test_ubah_reads_indonesian_status_names_and_keeps_the_note(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    """Staff write statuses as they say them; the longest name at the start is the status, the
    rest is the note, and the question names the status it understood (name and code)."""
    await _journey(bot_env)
    cases = [
        ("dicetak", "Sudah dicetak, silakan ambil (CARD_PRINTED)", None),
        ("sudah dicetak", "Sudah dicetak, silakan ambil (CARD_PRINTED)", None),
        ("siap cetak tunggu blanko", None, None),  # same status: said so, nothing asked
        (
            "rekaman ganda dipanggil ke kantor",
            "Rekaman ganda (DUPLICATE_RECORD)",
            "dipanggil ke kantor",
        ),
        ("dikirim ke pusat ulang kirim", "Dikirim ke pusat (SENT_FOR_ENROLLMENT)", "ulang kirim"),
        ("Sedang Dicetak", "Sedang dicetak (SENT_FOR_CARD_PRINTING)", None),
        ("diambil", "Sudah diterima (CARD_ISSUED)", None),
        ("belum rekam", "Belum direkam (UNREGISTERED)", None),
        ("sudah rekam", "Sudah direkam (BIO_CAPTURED)", None),
        ("CARD_PRINTED", "Sudah dicetak, silakan ambil (CARD_PRINTED)", None),
    ]
    for words, understood, note in cases:
        reply = (await staff.send(f"/ubah {NIK_A} {words}"))[-1].plain
        if understood is None:
            assert "sudah berstatus Siap cetak (PRINT_READY_RECORD)" in reply, words
            continue
        assert f"→ {understood}, hari ini" in reply, (words, reply)
        if note:
            assert f"Catatan: {note}" in reply, (words, reply)
        else:
            assert "Catatan" not in reply, (words, reply)
        await staff.press("✖️ Batal")
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD


async def test_ubah_unknown_word_lists_examples(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    text = (await staff.send(f"/ubah {NIK_A} dipending dulu"))[0].plain
    assert "Status 'dipending' tidak dikenal." in text
    for example in ("siap cetak: Siap cetak (PRINT_READY_RECORD)", "dicetak: ", "diambil: "):
        assert example in text, text
    text = (await staff.send(f"/ubah {NIK_A} dicetk"))[0].plain
    assert "Mungkin maksud Anda: Sudah dicetak, silakan ambil (CARD_PRINTED)" in text, text
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD


async def test_ubah_confirm_writes_status_history_audit_and_notifications(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    record_id = await _journey(bot_env)
    await subscribe(bot_env, RESIDENT_ID, record_id)
    replies = await staff.send(f"/ubah {NIK_A} card printed sudah dicetak, ambil di loket 3")
    assert len(replies) == 1
    question = replies[0]
    assert "Ubah status NIK 1605••••••••0001?" in question.plain
    assert "Siap cetak (PRINT_READY_RECORD), sejak 14 September 2026" in question.plain
    assert "→ Sudah dicetak, silakan ambil (CARD_PRINTED), hari ini" in question.plain
    assert "Catatan: sudah dicetak, ambil di loket 3" in question.plain
    assert "Warga yang berlangganan akan diberi kabar" in question.plain
    assert question.buttons == ["✅ Ya, ubah", "✖️ Batal"]
    data = question.find_button("✅ Ya, ubah")["callback_data"]
    assert NIK_A not in data and data.startswith(f"ubah:ya:{record_id}:")
    # Nothing changes before the confirmation.
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD

    replies = await staff.press("✅ Ya, ubah")
    done = replies[-1]
    assert done.edited and done.buttons == []
    assert (
        "Status NIK 1605••••••••0001 diubah: Siap cetak (PRINT_READY_RECORD) → "
        "Sudah dicetak, silakan ambil (CARD_PRINTED)" in done.plain
    )
    assert "1 kabar untuk warga yang berlangganan sedang dikirim" in done.plain
    assert await current_status(bot_env, NIK_A) == S.CARD_PRINTED
    history = await records_store.history(bot_env.services.db.conn, record_id)
    assert history[-1].status == S.CARD_PRINTED
    assert history[-1].actor_id == STAFF_ID and history[-1].source == "staff"
    assert history[-1].note == "sudah dicetak, ambil di loket 3"
    assert history[-1].entered_on == date(2026, 11, 28)
    (row,) = await audit_rows(bot_env, "ubah_status")
    assert (row.actor_id, row.target, row.old_value, row.new_value) == (
        STAFF_ID,
        "1605••••••••0001",
        "PRINT_READY_RECORD",
        "CARD_PRINTED",
    )
    assert await _outbox_count(bot_env) == 1


async def test_ubah_cancel_changes_nothing(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SFCP")
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    replies = await staff.press("✖️ Batal")
    assert "Dibatalkan. Status tidak diubah." in replies[-1].plain
    assert replies[-1].buttons == []
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD
    assert await audit_rows(bot_env, "ubah_status") == []


async def test_ubah_backward_needs_a_second_confirmation(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    question = (await staff.send(f"/ubah {NIK_A} SFE dikirim ulang oleh pusat"))[0]
    assert "langkah mundur dalam alur (urutan 14 → 4)" in question.plain
    replies = await staff.press("✅ Ya, ubah")
    second = replies[-1]
    assert "Yakin memundurkan status?" in second.plain
    assert second.buttons == ["⚠️ Ya, mundurkan status", "✖️ Batal"]
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD
    replies = await staff.press("⚠️ Ya, mundurkan status")
    assert (
        "Siap cetak (PRINT_READY_RECORD) → Dikirim ke pusat (SENT_FOR_ENROLLMENT)"
        in replies[-1].plain
    )
    assert await current_status(bot_env, NIK_A) == S.SENT_FOR_ENROLLMENT
    (row,) = await audit_rows(bot_env, "ubah_status")
    assert row.old_value == "PRINT_READY_RECORD" and row.new_value == "SENT_FOR_ENROLLMENT"


async def test_ubah_backward_can_be_cancelled_at_the_second_question(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} BIO_CAPTURED")
    await staff.press("✅ Ya, ubah")
    replies = await staff.press("✖️ Batal")
    assert "Dibatalkan" in replies[-1].plain
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD


async def test_ubah_same_status_and_unknown_nik(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    text = (await staff.send(f"/ubah {NIK_A} PRR"))[0].plain
    assert "sudah berstatus Siap cetak (PRINT_READY_RECORD) sejak 14 September 2026" in text
    text = (await staff.send(f"/ubah {NIK_B} PRR"))[0].plain
    assert "NIK 1605••••••••0002 belum ada dalam data bot" in text
    text = (await staff.send(f"/ubah {NIK_A}"))[0].plain
    assert "Tulis: /ubah NIK STATUS [catatan]" in text


async def test_ubah_note_masks_numbers_that_look_like_a_nik(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    record_id = await _journey(bot_env)
    await add_record(bot_env, NIK_B, KK_B, [(S.BIO_CAPTURED, date(2026, 1, 5))])
    await staff.send(f"/ubah {NIK_A} SFCP ganda dengan {NIK_B}")
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING ganda dengan {NIK_B}")
    await staff.press("✅ Ya, ubah")
    history = await records_store.history(bot_env.services.db.conn, record_id)
    assert NIK_B not in (history[-1].note or "")
    assert "1605••••••••0002" in (history[-1].note or "")


async def test_button_refused_when_the_role_was_taken_away(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    async with bot_env.services.db.transaction() as conn:
        await staff_store.remove(conn, STAFF_ID)
    replies = await staff.press("✅ Ya, ubah")
    assert len(replies) == 1
    assert "Cara memakai Cek KTP-el" in replies[0].plain
    assert "Menu petugas" not in replies[0].plain
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target) for r in refused] == [(STAFF_ID, "tombol ubah")]


async def test_button_pressed_by_a_resident_is_refused(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    await bot_env.api.press(resident.info, staff.chat_id, "✅ Ya, ubah")
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target) for r in refused] == [(RESIDENT_ID, "tombol ubah")]
    # The staff member's own confirmation still works afterwards.
    await staff.press("✅ Ya, ubah")
    assert await current_status(bot_env, NIK_A) == S.SENT_FOR_CARD_PRINTING


async def test_a_question_survives_a_restart(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    await bot_env.restart()
    replies = await staff.press("✅ Ya, ubah")
    assert (
        "diubah: Siap cetak (PRINT_READY_RECORD) → Sedang dicetak (SENT_FOR_CARD_PRINTING)"
        in replies[-1].plain
    )
    assert await current_status(bot_env, NIK_A) == S.SENT_FOR_CARD_PRINTING
    assert len(await audit_rows(bot_env, "ubah_status")) == 1


async def test_a_backward_change_resumes_at_its_second_question_after_a_restart(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SFE dikirim ulang")
    await staff.press("✅ Ya, ubah")
    await bot_env.restart()
    replies = await staff.press("⚠️ Ya, mundurkan status")
    assert (
        "diubah: Siap cetak (PRINT_READY_RECORD) → Dikirim ke pusat (SENT_FOR_ENROLLMENT)"
        in replies[-1].plain
    )
    assert await current_status(bot_env, NIK_A) == S.SENT_FOR_ENROLLMENT


async def test_an_unanswered_question_expires_politely(bot_env: BotEnv, staff: LocalUser) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    bot_env.clock.advance(minutes=61)
    await bot_env.restart()
    replies = await staff.press("✅ Ya, ubah")
    assert replies[-1].plain == (
        "Permintaan ini sudah tidak berlaku: tidak dijawab dalam 60 menit. Status tidak "
        "diubah; kirim /ubah lagi bila masih perlu."
    )
    assert await current_status(bot_env, NIK_A) == S.PRINT_READY_RECORD


async def test_two_open_questions_are_answered_each_on_its_own(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    await add_record(bot_env, NIK_B, KK_B, [(S.PRINT_READY_RECORD, date(2026, 9, 1))])
    first = (await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING"))[0]
    yes = first.find_button("✅ Ya, ubah")
    assert yes is not None
    await staff.send(f"/ubah {NIK_B} CARD_PRINTED")
    await staff.press(yes["callback_data"])  # the first question's button
    assert await current_status(bot_env, NIK_A) == S.SENT_FOR_CARD_PRINTING
    await staff.press("✅ Ya, ubah")
    assert await current_status(bot_env, NIK_B) == S.CARD_PRINTED


async def test_status_changed_meanwhile_is_not_overwritten(
    bot_env: BotEnv, staff: LocalUser, admin: LocalUser
) -> None:
    await _journey(bot_env)
    await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING")
    await admin.send(f"/ubah {NIK_A} CARD_PRINTED")
    await admin.press("✅ Ya, ubah")
    replies = await staff.press("✅ Ya, ubah")
    assert (
        "sudah berubah sejak pertanyaan tadi (sekarang Sudah dicetak, silakan ambil (CARD_PRINTED))"
        in replies[-1].plain
    )
    assert await current_status(bot_env, NIK_A) == S.CARD_PRINTED


async def test_status_of_a_long_history_fits_one_message(bot_env: BotEnv, staff: LocalUser) -> None:
    record_id = await _journey(bot_env)
    now = bot_env.clock.now()
    async with bot_env.services.db.transaction() as conn:
        for day in range(60):
            status = S.PACKET_RETRY if day % 2 else S.SENT_FOR_DEDUP
            note = f"catatan panjang {day} " + "x" * 400
            on = date(2026, 9, 15) + timedelta(days=day)
            await records_store.set_status(conn, record_id, status, on, note, "staff", 9, now)
    replies = await staff.send(f"/status {NIK_A}")
    assert len(replies) == 1
    text = replies[0].plain
    assert len(replies[0].text) <= 4096
    assert "Riwayat (63 entri)" in text
    assert "entri lebih lama tidak ditampilkan" in text
    assert "catatan panjang 59" in text  # the newest is always shown
    assert "Langganan: 0 chat" in text


async def test_a_second_press_of_an_answered_question_changes_nothing(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _journey(bot_env)
    question = (await staff.send(f"/ubah {NIK_A} SENT_FOR_CARD_PRINTING"))[0]
    yes = question.find_button("✅ Ya, ubah")
    assert yes is not None
    data = UbahAnswer.unpack(yes["callback_data"])
    assert data is not None
    await staff.press("✅ Ya, ubah")
    again = await pending_changes.answer(
        bot_env.services,
        chat_id=staff.chat_id,
        user_id=STAFF_ID,
        change_id=data.change_id,
        record_id=data.record_id,
        action=pending_changes.Action.YES,
    )
    assert again == pending_changes.NotValid()
    assert len(await audit_rows(bot_env, "ubah_status")) == 1


def test_ubah_buttons_fit_telegrams_limit() -> None:
    largest = UbahAnswer.largest().pack()
    assert len(largest.encode()) <= 64
    assert UbahAnswer.unpack(largest) == UbahAnswer.largest()
    assert UbahAnswer.unpack("ubah:ya:12") is None  # an older bot's data: no change id
    assert UbahAnswer.unpack("ubah:jadi:12:abcdef01") is None
