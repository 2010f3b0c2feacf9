"""Jemput bola: staff plan visits with buttons, the right chats are told once (and the day
before), a change or a cancellation corrects what was said, residents find the visits by
kecamatan and ask to hear of them, the office's CSV loads a month of visits."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import (
    RESIDENT_ID,
    STAFF_ID,
    BotEnv,
    add_officer,
    dispatcher_of,
    fast_limits,
    notifier_env,
)
from test_notifier import add_record, change_status, delivered, subscribe

from bot import texts_desk, texts_id
from bot.__main__ import main
from bot.handlers import schedule
from bot.handlers.context import BotContext
from bot.local_api import LocalUser
from bot.services.visits import VisitFields, Visits
from bot.states import KtpStatus
from bot.storage import audit as audit_store

S = KtpStatus
TUGUMULYO, LAKITAN = "160501", "160502"
VISIT_DAY = date(2026, 12, 7)  # a Monday; the clock stands at Saturday 28 November, 10.00 WIB
FIELDS = VisitFields(
    VISIT_DAY, "08:00", "12:00", TUGUMULYO, "Balai Desa Wonokerto", ("rekam", "kk"), None
)

NIK_UNREC = "1605014101900001"
NIK_PRINTED = "1605010101900002"
NIK_ELSEWHERE = "1605024101900003"
NIK_RECORDED = "1605010202900004"


def notices(env: BotEnv, chat_id: int, words: str = "Jemput bola di Kecamatan") -> list[str]:
    return [t for t in delivered(env, chat_id) if words in t]


async def town(env: BotEnv) -> dict[str, int]:
    """Chats 401-404 follow cards; 405 and 406 asked for the visits of a kecamatan.

    401: unrecorded in Tugumulyo; 402: printed card in Tugumulyo; 403: unrecorded in Muara
    Lakitan; 404: recorded (BIO_CAPTURED) in Tugumulyo; 405: Tugumulyo's visits; 406: Muara
    Lakitan's."""
    records = {
        "unrec": await add_record(env, nik=NIK_UNREC, status=S.UNREGISTERED),
        "printed": await add_record(env, nik=NIK_PRINTED, status=S.CARD_PRINTED),
        "elsewhere": await add_record(
            env, nik=NIK_ELSEWHERE, status=S.UNREGISTERED, district=LAKITAN
        ),
        "recorded": await add_record(env, nik=NIK_RECORDED, status=S.BIO_CAPTURED),
    }
    await subscribe(env, 401, records["unrec"], label="Ibu")
    await subscribe(env, 402, records["printed"])
    await subscribe(env, 403, records["elsewhere"])
    await subscribe(env, 404, records["recorded"])
    replies = await env.api.user(405, "Ani").send("/jadwal ikuti tugumulyo")
    assert "akan diberi tahu bila ada jadwal jemput bola di Kecamatan Tugumulyo" in replies[0].plain
    await env.api.user(406, "Ali").send("/jadwal ikuti 02")
    return records


def told(env: BotEnv, words: str = "Jemput bola di Kecamatan") -> list[int]:
    return [c for c in range(401, 407) if notices(env, c, words)]


async def plan_with_buttons(officer: LocalUser, note: str | None = None) -> list[str]:
    """The staff's walk-through for FIELDS; returns the preview's text."""
    replies = await officer.send("/jadwal tambah")
    assert "langkah 1 dari 7" in replies[-1].plain
    replies = await officer.send("07-12-2026")
    assert "Mulai pukul berapa" in replies[-1].plain
    await officer.press("08.00")
    assert "Selesai pukul berapa" in officer.last.plain
    await officer.press("12.00")
    assert "Di kecamatan mana" in officer.last.plain
    await officer.press("Tugumulyo")
    assert "Di mana tempatnya" in officer.last.plain
    replies = await officer.send("Balai Desa  Wonokerto")
    assert "Layanan apa saja" in replies[-1].plain
    await officer.press("▫️ Perekaman KTP-el")
    await officer.press("▫️ KK")
    assert "✅ Perekaman KTP-el" in officer.last.buttons and "✅ KK" in officer.last.buttons
    await officer.press("Lanjut ➡️")
    assert "Catatan untuk warga" in officer.last.plain
    if note is None:
        await officer.press("Tanpa catatan")
    else:
        await officer.send(note)
    return [officer.last.plain]


# --- planning and telling -----------------------------------------------------------------


async def test_a_note_with_phone_numbers_is_the_visit_s_note_not_a_check(
    env: BotEnv, officer: LocalUser
) -> None:
    # 24 digits, but words too: the note of the visit (a NIK and KK alone would be a check).
    preview = (await plan_with_buttons(officer, note="Hubungi 0812-3456-7890 atau 0813-1111-2222"))[
        0
    ]
    assert "0812-3456-7890 atau 0813-1111-2222" in preview, preview


async def test_a_visit_planned_with_buttons_reaches_exactly_the_people_it_is_for(
    env: BotEnv, officer: LocalUser
) -> None:
    await town(env)
    preview = (await plan_with_buttons(officer))[0]
    assert "Senin, 7 Desember 2026" in preview
    assert "08.00–12.00 WIB" in preview
    assert "Balai Desa Wonokerto, Kecamatan Tugumulyo" in preview
    assert "Diberi tahu saat disimpan: 2 chat" in preview
    await officer.press("💾 Simpan")
    assert "Jadwal #1 disimpan. 2 chat akan diberi tahu" in officer.last.plain
    await dispatcher_of(env.app).drain()

    # Not the printed card (this visit records, it hands out no cards), not another kecamatan,
    # not someone already recorded.
    assert told(env) == [401, 405]
    notice = notices(env, 401)[0]
    assert "Senin, 7 Desember 2026" in notice and "Pukul 08.00–12.00 WIB" in notice
    assert "Balai Desa Wonokerto, Kecamatan Tugumulyo" in notice
    assert "perekaman KTP-el dan pembuatan dan perubahan Kartu Keluarga (KK)" in notice
    assert "Kartu Keluarga (KK) asli" in notice
    assert "Ibu" in notice and "belum direkam" in notice and "Bapak/Ibu" in notice
    assert "meminta kabar jadwal di Kecamatan Tugumulyo" in notices(env, 405)[0]
    assert len(notices(env, 401)) == 1

    rows = await audit_store.entries(env.services.db.conn, action="jadwal_tambah")
    assert len(rows) == 1 and rows[0].actor_id == STAFF_ID
    assert rows[0].new_value and "2026-12-07 08:00-12:00 Tugumulyo" in rows[0].new_value


async def test_a_collection_visit_tells_those_whose_card_is_printed(
    env: BotEnv, officer: LocalUser
) -> None:
    await town(env)
    fields = VisitFields(
        VISIT_DAY, "09:00", "11:00", TUGUMULYO, "SDN 1 Tugumulyo", ("ambil",), None
    )
    await Visits.of(env.services).plan(fields, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    assert told(env) == [402, 405]
    assert "sudah jadi" in notices(env, 402)[0]


async def test_the_day_before_reminder_goes_once_with_the_clock(
    env: BotEnv, officer: LocalUser
) -> None:
    await town(env)
    assert env.app.job_queue is not None
    assert env.app.job_queue.get_jobs_by_name(schedule.REMINDER_JOB)  # scheduled at start
    visits = Visits.of(env.services)
    await visits.plan(FIELDS, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    assert await visits.queue_reminders() == 0  # not the day before yet

    env.clock.set(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))  # Sunday 6 December, 06.00 WIB
    assert await visits.queue_reminders() == 0  # too early in the morning
    env.clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # 08.00 WIB
    await schedule.reminder_job(_job_context(env))
    await dispatcher_of(env.app).drain()
    assert told(env, "Pengingat: jemput bola") == [401, 405]
    assert await visits.queue_reminders() == 0  # once
    env.clock.advance(hours=5)
    assert await visits.queue_reminders() == 0
    await dispatcher_of(env.app).drain()
    assert [len(notices(env, c, "Pengingat")) for c in (401, 405)] == [1, 1]


def _job_context(env: BotEnv) -> BotContext:
    """What the job queue hands the reminder job."""
    return BotContext(env.app)


async def test_cancel_corrects_those_told_and_a_notice_not_yet_sent_never_goes(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    officer = await add_officer(env)
    await town(env)
    visits = Visits.of(env.services)
    first = await visits.plan(FIELDS, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    assert told(env) == [401, 405]

    env.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 22.00 WIB: quiet hours
    other = VisitFields(
        date(2026, 12, 9), "08:00", "12:00", TUGUMULYO, "SMAN Tugumulyo", ("rekam",), None
    )
    second = await visits.plan(other, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    assert len(notices(env, 401)) == 1  # the second one waits for the morning

    replies = await officer.send("/jadwal")
    assert "#1" in replies[-1].plain and "#2" in replies[-1].plain
    assert "diberi tahu 2 chat" in replies[-1].plain
    await officer.press(texts_desk.visit_cancel_button(second.visit.id))
    assert "Batalkan jadwal #2?" in officer.last.plain
    await officer.press("Ya, batalkan")
    assert "Jadwal #2 dibatalkan. 0 chat mendapat kabar pembatalan; 2 pesan" in officer.last.plain
    await officer.press(texts_desk.visit_cancel_button(first.visit.id))
    await officer.press("Ya, batalkan")
    assert "Jadwal #1 dibatalkan. 2 chat mendapat kabar pembatalan" in officer.last.plain

    env.clock.set(datetime(2026, 11, 29, 0, 0, tzinfo=UTC))  # 07.00 WIB
    await dispatcher_of(env.app).drain()
    for chat in (401, 405):
        cancelled = notices(env, chat, "Jemput bola dibatalkan")
        assert len(cancelled) == 1 and "Senin, 7 Desember 2026" in cancelled[0]
        assert not [t for t in delivered(env, chat) if "SMAN Tugumulyo" in t]
    assert notices(env, 406, "Jemput bola") == []
    assert [c for c in range(402, 405) if delivered(env, c)] == []
    cancels = await audit_store.entries(env.services.db.conn, action="jadwal_batal")
    assert [r.target for r in cancels] == ["jadwal #2", "jadwal #1"]
    assert all(r.actor_id == STAFF_ID for r in cancels)
    replies = await officer.send("/jadwal")
    assert "Belum ada jadwal jemput bola mendatang" in replies[-1].plain


async def test_a_moved_visit_sends_a_short_correction_to_those_told(
    env: BotEnv, officer: LocalUser
) -> None:
    await town(env)
    await Visits.of(env.services).plan(FIELDS, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()

    await officer.send("/jadwal")
    await officer.press(texts_desk.visit_edit_button(1))
    assert "Ubah jadwal #1" in officer.last.plain
    await officer.press("✏️ Tanggal")
    replies = await officer.send("8 Desember")
    assert "Selasa, 8 Desember 2026" in replies[-1].plain
    assert "2 chat yang sudah diberi tahu mendapat kabar perubahan" in replies[-1].plain
    await officer.press("💾 Simpan perubahan")
    assert "Jadwal #1 diubah. 2 chat" in officer.last.plain
    await dispatcher_of(env.app).drain()

    assert told(env, "Jadwal jemput bola berubah") == [401, 405]
    assert "Selasa, 8 Desember 2026" in notices(env, 401, "berubah")[0]
    assert [len(notices(env, c)) for c in (401, 405)] == [1, 1]  # no second notice
    changes = await audit_store.entries(env.services.db.conn, action="jadwal_ubah")
    assert changes[0].old_value and "2026-12-07" in changes[0].old_value
    assert changes[0].new_value and "2026-12-08" in changes[0].new_value


async def test_a_restart_between_saving_and_sending_loses_nothing(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    env = bot_env  # no dispatcher yet: nothing is sent before the restart
    await town(env)
    await staff.send("/jadwal tambah")
    await staff.send("07-12-2026")
    await env.restart()  # the walk-through is kept in the database
    await staff.press("08.00")
    await staff.press("12.00")
    await staff.press("Tugumulyo")
    await staff.send("Balai Desa Wonokerto")
    await staff.press("▫️ Perekaman KTP-el")
    await staff.press("Lanjut ➡️")
    await staff.press("Tanpa catatan")
    await staff.press("💾 Simpan")
    assert "disimpan. 2 chat" in staff.last.plain
    assert told(env) == []

    await env.restart()
    await env.start_background()
    dispatcher_of(env.app).limits = fast_limits()
    await dispatcher_of(env.app).drain()
    assert told(env) == [401, 405]


# --- residents ------------------------------------------------------------------------------


async def test_residents_see_their_kecamatan_first_then_choose_and_follow(
    env: BotEnv, officer: LocalUser
) -> None:
    records = await town(env)
    visits = Visits.of(env.services)
    await visits.plan(FIELDS, actor_id=STAFF_ID)
    resident = env.api.user(RESIDENT_ID, "Siti")
    await subscribe(env, RESIDENT_ID, records["unrec"])

    replies = await resident.send(texts_id.MENU_SCHEDULE)  # the main menu's button
    text = replies[-1].plain
    assert "Jadwal di kecamatan Bapak/Ibu" in text
    assert "Senin, 7 Desember 2026" in text and "Balai Desa Wonokerto" in text
    assert "Tugumulyo (1)" in resident.last.buttons and "Muara Lakitan" in resident.last.buttons
    assert "Anda" not in text

    await resident.press("Muara Lakitan")
    assert "Belum ada jadwal di kecamatan ini" in resident.last.plain
    await resident.press("🔔 Beri tahu saya jadwal di Kecamatan Muara Lakitan")
    assert "akan diberi tahu bila ada jadwal jemput bola di Kecamatan Muara Lakitan" in (
        resident.last.plain
    )
    assert "🔕 Berhenti kabar jadwal Kecamatan Muara Lakitan" in resident.last.buttons

    lakitan = VisitFields(
        VISIT_DAY, "13:00", "15:00", LAKITAN, "Desa Semangus", ("kk",), "Bawa fotokopi."
    )
    await visits.plan(lakitan, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    told_resident = notices(env, RESIDENT_ID, "Kecamatan Muara Lakitan")
    assert len(told_resident) == 1 and "Bawa fotokopi." in told_resident[0]

    replies = await resident.send("/jadwal berhenti")
    assert "tidak lagi diberi tahu jadwal jemput bola di kecamatan mana pun" in replies[0].plain
    replies = await resident.send("/jadwal berhenti")
    assert "belum meminta kabar jadwal" in replies[0].plain
    replies = await resident.send("/jadwal ikuti Kota Antah")
    assert "tidak ada di Kabupaten Musi Rawas" in replies[0].plain
    replies = await resident.send("/jadwal muara lakitan")
    assert "Desa Semangus" in replies[0].plain


async def test_a_resident_trying_a_staff_word_gets_the_residents_view(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    replies = await resident.send("/jadwal tambah")
    assert "Pilih kecamatan untuk melihat jadwalnya" in replies[-1].plain
    refused = await audit_store.entries(bot_env.services.db.conn, action=audit_store.REFUSED)
    assert [r.target for r in refused] == ["/jadwal tambah"]
    assert await bot_env.services.db.fetchall("SELECT * FROM staff_steps") == []


# --- staff: input mistakes, results, statistics -----------------------------------------------


async def test_mistakes_in_the_walk_through_are_explained_and_change_nothing(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await staff.send("/jadwal tambah")
    replies = await staff.send("kemarin")
    assert "tidak terbaca" in replies[-1].plain and "langkah 1 dari 7" in replies[-1].plain
    replies = await staff.send("01-11-2026")
    assert "sudah lewat" in replies[-1].plain
    await staff.send("07-12-2026")
    await staff.send("13.00")
    replies = await staff.send("10.00")
    assert "Jam selesai harus sesudah jam mulai" in replies[-1].plain
    await staff.send("15.30")
    replies = await staff.send("Kecamatan Antah")
    assert "tidak ada di Kabupaten Musi Rawas" in replies[-1].plain
    replies = await staff.send("kec. selangit")
    assert "Di mana tempatnya" in replies[-1].plain
    await staff.send("SDN 2 Selangit")
    await staff.press("Lanjut ➡️")  # nothing chosen yet
    assert staff.answers[-1].get("text") == texts_desk.VISIT_PICK_ONE_SERVICE
    replies = await staff.send("/batal")
    assert "Dibatalkan" in replies[-1].plain
    assert await bot_env.services.db.fetchall("SELECT * FROM visits") == []


async def test_results_count_those_told_and_the_unrecorded_who_moved_on(
    env: BotEnv, officer: LocalUser
) -> None:
    await town(env)
    moved = await add_record(env, nik="1605010303900005", status=S.UNREGISTERED)
    late = await add_record(env, nik="1605010404900006", status=S.UNREGISTERED)
    await Visits.of(env.services).plan(FIELDS, actor_id=STAFF_ID)
    await dispatcher_of(env.app).drain()
    await change_status(env, moved, S.BIO_CAPTURED, date(2026, 12, 7))
    await change_status(env, late, S.BIO_CAPTURED, date(2026, 12, 30))

    env.clock.set(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))
    replies = await officer.send("/jadwal hasil")
    text = replies[-1].plain
    assert "#1 · Senin, 7 Desember 2026" in text
    assert "Diberi tahu: 2 chat" in text
    # Three were unrecorded before the visit in Tugumulyo (one, added in town(), has not moved).
    assert "Belum rekam sebelum kunjungan: 3 orang; sudah berubah status: 1 orang" in text

    env.clock.set(datetime(2026, 12, 10, 3, 0, tzinfo=UTC))
    replies = await officer.send("/statistik")
    assert any(
        "Jemput bola bulan ini: 1 jadwal (1 sudah lewat); 2 chat diberi tahu" in r.plain
        for r in replies
    )


async def test_the_check_line_names_the_next_visit_that_serves_the_status(env: BotEnv) -> None:
    visits = Visits.of(env.services)
    await visits.plan(FIELDS, actor_id=STAFF_ID)
    line = await visits.check_line(TUGUMULYO, S.UNREGISTERED)
    assert line is not None
    assert "Senin, 7 Des" in line and "Balai Desa Wonokerto" in line
    assert await visits.check_line(TUGUMULYO, S.CARD_PRINTED) is None  # no collection there
    assert await visits.check_line(LAKITAN, S.UNREGISTERED) is None
    assert await visits.check_line(TUGUMULYO, S.PRINT_READY_RECORD) is None


# --- the office's spreadsheet ---------------------------------------------------------------


def office_csv(today: date) -> str:
    """A month's schedule as the office writes it (the shell runs on the real clock)."""
    day = [today + timedelta(days=n) for n in range(7, 12)]
    return (
        "tanggal;mulai;selesai;kecamatan;tempat;layanan;catatan\n"
        f"{day[0]:%d-%m-%Y};08.00;12.00;TUGUMULYO;Balai Desa Wonokerto;perekaman KTP-el, KK;\n"
        f"{day[1]:%Y-%m-%d};8:30;11;02;Desa Semangus;pengambilan KTP-el;Bawa KK asli\n"
        "31-02-2026;08.00;12.00;Tugumulyo;Balai Desa;perekaman;\n"
        f"{day[2]:%d-%m-%Y};08.00;12.00;Kota Antah;Balai Desa;perekaman;\n"
        f"{day[3]:%d/%m/%Y};13.00;12.00;Selangit;SDN 1;perekaman;\n"
        f"{day[4]:%d-%m-%Y};08.00;12.00;Selangit;SDN 1;sulap;\n"
    )


async def test_csv_import_rejects_by_line_reimport_changes_nothing_and_is_audited(
    make_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = await make_env(tmp_path)
    await town(env)
    settings = env.settings
    await env.close()
    path = tmp_path / "jadwal desember.csv"
    path.write_text(office_csv(datetime.now(UTC).astimezone(settings.tz).date()), encoding="utf-8")
    monkeypatch.setenv("BOT_DB_PATH", str(settings.db_path))
    if settings.database_url:
        monkeypatch.setenv("BOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(settings.secret_key_file))
    monkeypatch.setenv("BOT_QUIET_HOURS", "0-0")

    assert await asyncio.to_thread(main, ["jadwal", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "6 baris dibaca. Baru 2, berubah 0, tetap 0, ditolak 4" in out
    assert "baris 4: Tanggal “31-02-2026” tidak terbaca" in out
    assert "baris 5: Kecamatan “Kota Antah” tidak ada" in out
    assert "baris 6: Jam selesai harus sesudah jam mulai" in out
    assert "baris 7: Layanan “sulap” tidak dikenal" in out

    env = await make_env(tmp_path)
    rows = await env.services.db.fetchall("SELECT COUNT(*) FROM outbox")
    queued = rows[0][0]
    assert queued >= 3  # 401 and 405 for Tugumulyo, 406 for Muara Lakitan (and 402? no: Lakitan)
    await env.close()

    assert await asyncio.to_thread(main, ["jadwal", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Baru 0, berubah 0, tetap 2, ditolak 4" in out
    assert "0 pemberitahuan" in out

    env = await make_env(tmp_path)
    conn = env.services.db.conn
    assert (await env.services.db.fetchall("SELECT COUNT(*) FROM outbox"))[0][0] == queued
    assert (await env.services.db.fetchall("SELECT COUNT(*) FROM visits"))[0][0] == 2
    imports = await audit_store.entries(conn, action="jadwal_impor")
    assert len(imports) == 2 and all(r.actor_id is None for r in imports)
    assert imports[0].new_value == "dibaca 6, baru 2, berubah 0, tetap 0, ditolak 4"
    added = await audit_store.entries(conn, action="jadwal_tambah")
    assert len(added) == 2 and all(r.actor_id is None for r in added)


async def test_a_residents_check_names_the_next_visit_in_their_kecamatan(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    from resident_support import KK, NIK
    from resident_support import add_record as add_checkable

    await add_checkable(bot_env, status=S.UNREGISTERED)
    await Visits.of(bot_env.services).plan(FIELDS, actor_id=STAFF_ID)
    replies = await resident.send(f"{NIK} {KK}")
    assert "🚐 Jemput bola Senin, 7 Des, 08.00 WIB di Balai Desa Wonokerto · 🚐 Jemput bola" in (
        replies[-1].plain
    )


async def test_a_number_like_a_nik_never_goes_into_a_visit(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    data = (
        b"tanggal,mulai,selesai,kecamatan,tempat,layanan,catatan\n"
        b"07-12-2026,08.00,12.00,Tugumulyo,Balai Desa,perekaman,Untuk 1605 0141 0190 0001\n"
    )
    summary = await Visits.of(bot_env.services).import_csv(data, source_name="x.csv")
    assert summary.rejected == 1 and "nomor 16 angka" in summary.errors[0][1]
    # In the walk-through such a message is a check, never a visit's place.
    await staff.send("/jadwal tambah")
    for answer in ("07-12-2026", "08.00", "12.00", "Tugumulyo"):
        await staff.send(answer)
    replies = await staff.send("1605014101900001")
    assert "Di mana tempatnya" not in replies[-1].plain
    assert await bot_env.services.db.fetchall("SELECT * FROM visits") == []


async def test_hapusdata_forgets_the_kecamatan_a_chat_asked_for(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await resident.send("/jadwal ikuti Selangit")
    rows = await bot_env.services.db.fetchall("SELECT * FROM visit_followers")
    assert len(rows) == 1
    await resident.send("/hapusdata")
    await resident.press("res:erase:yes")
    assert await bot_env.services.db.fetchall("SELECT * FROM visit_followers") == []
