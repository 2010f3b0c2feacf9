"""Staff upload the CSV export in Telegram: progress, exact summary, rejected-rows report."""

from __future__ import annotations

import asyncio
import csv
import io

from conftest import RESIDENT_ID, STAFF_ID, BotEnv
from staff_support import audit_rows

from bot.local_api import LocalUser
from bot.services.import_report import neutralise
from bot.states import KtpStatus
from bot.storage import staff as staff_store

HEADER = "nik;no_kk;nama;status;tanggal_status;keterangan\n"


def nik(i: int) -> str:
    """A valid Tugumulyo NIK: a man born 1 Jan 1990, serial i."""
    return f"160501010190{i:04d}"


def kk(i: int) -> str:
    return f"160501010110{i:04d}"


def good_rows(count: int, start: int = 1) -> str:
    return "".join(
        f"{nik(i)};{kk(i)};Budi Santoso;PRR;2026-10-01;\n" for i in range(start, start + count)
    )


async def _count_records(env: BotEnv) -> int:
    row = await env.services.db.fetchone("SELECT COUNT(*) FROM records")
    return int(row[0])


async def test_good_file_with_caption_is_imported_with_the_exact_summary(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = (HEADER + good_rows(3)).encode()
    replies = await staff.send_document("status.csv", content, caption="/impor")
    final = replies[-1]
    assert final.edited  # the progress message became the summary
    assert all(not m.photo and not m.document for m in replies)
    text = final.plain
    assert "Impor selesai." in text
    assert "Baris dibaca: 3" in text
    assert "• Baru: 3" in text and "• Berubah: 0" in text
    assert "• Tetap: 0" in text and "• Ditolak: 0" in text
    assert replies[0].plain.startswith("⏳ Mengimpor status.csv")
    assert await _count_records(bot_env) == 3
    (row,) = await audit_rows(bot_env, "impor")
    # The file's name is not kept (it may hold a NIK or a name): who uploaded it, and when.
    assert (row.actor_id, row.target) == (
        STAFF_ID,
        f"unggahan petugas {STAFF_ID} 2026-11-28 10.00 WIB",
    )
    assert row.new_value == "dibaca 3, baru 3, berubah 0, tetap 0, ditolak 0"
    # The same file again changes nothing.
    replies = await staff.send_document("status.csv", content, caption="/impor")
    assert "• Tetap: 3" in replies[-1].plain
    assert "Semua baris sudah sama dengan data bot" in replies[-1].plain


async def test_command_first_then_the_file(bot_env: BotEnv, staff: LocalUser) -> None:
    replies = await staff.send("/impor")
    assert "Kirim berkas CSV atau Excel (.xlsx) sekarang" in replies[0].plain
    replies = await staff.send_document("harian.csv", (HEADER + good_rows(2)).encode())
    assert "Baris dibaca: 2" in replies[-1].plain
    assert await _count_records(bot_env) == 2
    # Once imported, a plain document is no longer taken as an import.
    replies = await staff.send_document("lagi.csv", (HEADER + good_rows(2, 10)).encode())
    assert await _count_records(bot_env) == 2
    assert all("Impor selesai" not in m.plain for m in replies)


async def test_waiting_for_a_file_can_be_cancelled(bot_env: BotEnv, staff: LocalUser) -> None:
    await staff.send("/impor")
    replies = await staff.send("/batal")
    assert replies[0].plain == "Impor dibatalkan."
    await staff.send_document("harian.csv", (HEADER + good_rows(2)).encode())
    assert await _count_records(bot_env) == 0


async def test_a_forgotten_impor_expires_and_a_late_file_is_not_imported(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    replies = await staff.send("/impor")
    assert "Bot menunggu 10 menit." in replies[0].plain
    bot_env.clock.advance(minutes=9)
    await staff.send("/status 1605010101900001")  # other work meanwhile keeps the wait
    replies = await staff.send_document("harian.csv", (HEADER + good_rows(1)).encode())
    assert "Baris dibaca: 1" in replies[-1].plain

    await staff.send("/impor")
    bot_env.clock.advance(minutes=10, seconds=1)
    replies = await staff.send_document("lain.csv", (HEADER + good_rows(2, 10)).encode())
    assert [m.plain for m in replies] == [
        "Berkas ini tidak diimpor: waktu tunggu /impor (10 menit) sudah habis. Untuk "
        "mengimpor, kirim /impor lagi lalu berkasnya, atau kirim berkas dengan keterangan "
        "(caption) /impor."
    ]
    assert await _count_records(bot_env) == 1
    assert len(bot_env.api.calls_to("getFile")) == 1  # only the first file was downloaded
    # Told once: the wait is over, so /batal has nothing to cancel.
    replies = await staff.send("/impor")
    bot_env.clock.advance(days=2)
    assert (await staff.send("/batal"))[0].plain == "Tidak ada impor yang sedang ditunggu."
    [target] = [r.target for r in await audit_rows(bot_env, "impor")]
    assert target.startswith(f"unggahan petugas {STAFF_ID} ")


async def test_an_impor_waiting_for_its_file_survives_a_restart(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await staff.send("/impor")
    await bot_env.restart()
    bot_env.clock.advance(minutes=5)
    replies = await staff.send_document("harian.csv", (HEADER + good_rows(2)).encode())
    assert "Baris dibaca: 2" in replies[-1].plain
    assert await _count_records(bot_env) == 2
    # The wait ended with the file, also across a restart.
    await bot_env.restart()
    await staff.send_document("lagi.csv", (HEADER + good_rows(2, 10)).encode())
    assert await _count_records(bot_env) == 2


async def test_an_impor_that_expired_across_a_restart_says_so(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await staff.send("/impor")
    await bot_env.restart()
    bot_env.clock.advance(minutes=11)
    replies = await staff.send_document("harian.csv", (HEADER + good_rows(2)).encode())
    assert [m.plain for m in replies] == [
        "Berkas ini tidak diimpor: waktu tunggu /impor (10 menit) sudah habis. Untuk "
        "mengimpor, kirim /impor lagi lalu berkasnya, atau kirim berkas dengan keterangan "
        "(caption) /impor."
    ]
    assert await _count_records(bot_env) == 0
    await staff.send("/impor")
    await bot_env.restart()
    assert (await staff.send("/batal"))[0].plain == "Impor dibatalkan."


async def test_a_waited_file_from_someone_no_longer_staff_is_refused(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await staff.send("/impor")
    async with bot_env.services.db.transaction() as conn:
        await staff_store.remove(conn, STAFF_ID)
    replies = await staff.send_document("harian.csv", (HEADER + good_rows(2)).encode())
    assert len(replies) == 1
    assert "impor" not in replies[0].plain.lower()
    assert await _count_records(bot_env) == 0
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target) for r in refused] == [(STAFF_ID, "dokumen")]


async def test_bad_file_is_refused_as_a_whole(bot_env: BotEnv, staff: LocalUser) -> None:
    content = b"nama;tanggal\nBudi;2026-01-01\n"
    replies = await staff.send_document("salah.csv", content, caption="/impor")
    text = replies[-1].plain
    assert "Berkas salah.csv tidak bisa diimpor." in text
    assert "Kolom wajib tidak ada: nik, status" in text
    assert await _count_records(bot_env) == 0


async def test_mixed_file_reports_rejected_lines_and_keeps_the_good_ones(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = (
        HEADER
        + f"{nik(1)};{kk(1)};Budi;PRR;2026-10-01;\n"
        + f"{nik(2)[:12]};{kk(2)};Ani;PRR;2026-10-01;\n"
        + f"{nik(3)};{kk(3)};Rudi;PRINT_REDY;2026-10-01;\n"
        + f"{nik(4)};{kk(4)};Sari;card printed;01-11-2026;\n"
    ).encode()
    replies = await staff.send_document("campur.csv", content, caption="/impor")
    assert len([m for m in replies if m.document]) == 0
    text = replies[-1].plain
    assert "Baris dibaca: 4" in text
    assert "• Baru: 2" in text and "• Ditolak: 2" in text
    assert "• Baris 3: NIK harus 16 angka, tetapi ini 12 angka." in text
    assert "• Baris 4: Status 'PRINT_REDY' tidak dikenal." in text
    assert await _count_records(bot_env) == 2


async def test_many_rejected_rows_come_back_as_a_neutralised_csv_report(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    bad = [f'=HYPERLINK("http://x");{kk(i)};@Budi;+PRR;2026-10-01;-cmd\n' for i in range(25)]
    content = (HEADER + good_rows(2) + "".join(bad)).encode()
    replies = await staff.send_document("besar.csv", content, caption="/impor")
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "• Baru: 2" in summary.plain and "• Ditolak: 25" in summary.plain
    assert "Baris yang ditolak (10 pertama dari 25):" in summary.plain
    (report,) = [m for m in replies if m.document]
    assert report.filename == "ditolak-besar.csv"
    assert "25 baris ditolak" in (report.caption or "")
    rows = list(csv.reader(io.StringIO(report.document.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["baris", "alasan", "nik", "no_kk", "nama", "status", "tanggal_status",
                       "keterangan"]  # fmt: skip
    assert len(rows) == 26
    first = rows[1]
    assert first[0] == "4"  # header is line 1, two good rows, then the first bad one
    assert "NIK" in first[1] and "<b>" not in first[1] and "\ue000" not in first[1]
    assert first[2] == '\'=HYPERLINK("http://x")'
    assert first[4] == "'@Budi" and first[5] == "'+PRR" and first[7] == "'-cmd"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


async def test_a_report_that_cannot_hold_every_rejected_row_says_how_many_it_holds(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = (HEADER + "".join(f"{i};;;PRR;;\n" for i in range(1, 1101))).encode()
    replies = await staff.send_document("salah.csv", content, caption="/impor")
    (report,) = [m for m in replies if m.document]
    rows = list(csv.reader(io.StringIO(report.document.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 1000
    assert (report.caption or "").startswith(
        "1.100 baris ditolak; 1.000 yang pertama ada di berkas ini (nomor baris, alasan,"
    )


def test_neutralise_prefixes_formula_starts_only() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-5") == "'-5"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("+62812") == "'+62812"
    assert neutralise("Budi = ok") == "Budi = ok"
    assert neutralise("") == ""


async def test_file_over_the_size_limit_is_refused_before_download(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = HEADER.encode() + b"x" * (20 * 1024 * 1024 + 1)
    replies = await staff.send_document("raksasa.csv", content, caption="/impor")
    assert len(replies) == 1
    assert "Berkas terlalu besar (20 MB). Batasnya 20 MB" in replies[0].plain
    assert "python -m bot import" in replies[0].plain
    assert not bot_env.api.calls_to("getFile")


async def test_a_spreadsheet_or_other_file_is_refused_clearly(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    replies = await staff.send_document(
        "status.xlsx", b"PK\x03\x04data", caption="/impor", mime_type="application/zip"
    )
    assert "tidak terbaca sebagai buku kerja Excel" in replies[-1].plain
    assert "Save As" not in replies[-1].plain and "simpan ulang" in replies[-1].plain
    replies = await staff.send_document(
        "foto.jpg", b"\xff\xd8\xff", caption="/impor", mime_type="image/jpeg"
    )
    assert "bukan CSV atau Excel" in replies[0].plain
    assert await _count_records(bot_env) == 0


async def test_resident_upload_with_caption_is_refused_like_any_document(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    plain_doc = await resident.send_document("a.csv", (HEADER + good_rows(1)).encode())
    replies = await resident.send_document(
        "a.csv", (HEADER + good_rows(1)).encode(), caption="/impor"
    )
    assert len(replies) == 1
    assert replies[0].plain == plain_doc[0].plain
    assert "impor" not in replies[0].plain.lower()
    assert await _count_records(bot_env) == 0
    replies = await resident.send("/impor")
    assert "tidak dikenal" in replies[0].plain
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target) for r in refused] == [
        (RESIDENT_ID, "/impor"),
        (RESIDENT_ID, "/impor"),
    ]


async def test_progress_message_is_edited_during_a_long_import(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = (HEADER + good_rows(4500)).encode()
    replies = await staff.send_document("panjang.csv", content, caption="/impor")
    progress = [m for m in replies if m.edited and "% berkas sudah diproses" in m.plain]
    assert progress, [m.plain for m in replies]
    assert len({m.message_id for m in replies if m.text}) == 1  # one message, edited
    assert "Baris dibaca: 4.500" in replies[-1].plain
    row = await bot_env.services.db.fetchone(
        "SELECT COUNT(*) FROM records WHERE status = ?", (KtpStatus.PRINT_READY_RECORD.value,)
    )
    assert row[0] == 4500


async def test_big_upload_is_imported_in_the_background(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    content = (HEADER + good_rows(9_000)).encode()
    assert len(content) >= 512 * 1024
    replies = await staff.send_document("besar.csv", content, caption="/impor")
    assert replies[0].plain.startswith("⏳ Mengimpor besar.csv")
    # The bot answers a resident while the import runs.
    assert "Selamat datang" in (await resident.send("/start"))[0].plain
    for _ in range(600):
        if any("Impor selesai" in m.plain for m in staff.messages):
            break
        await asyncio.sleep(0.05)
    summary = next(m for m in staff.messages if "Impor selesai" in m.plain)
    assert "Baris dibaca: 9.000" in summary.plain and "• Baru: 9.000" in summary.plain
    assert await _count_records(bot_env) == 9_000
    (row,) = await audit_rows(bot_env, "impor")
    assert row.new_value == "dibaca 9000, baru 9000, berubah 0, tetap 0, ditolak 0"


async def test_an_upload_names_its_staff_member_without_masking_noise(bot_env: BotEnv) -> None:
    """A real Telegram id has ten digits: the upload's label read "unggahan petugas
    2002••••••••1000 WIB" (the id and the date masked together as if they were a NIK)."""
    long_id = 2002001000
    async with bot_env.services.db.transaction() as conn:
        await staff_store.put(conn, long_id, staff_store.PETUGAS, None, bot_env.clock.now())
    officer = bot_env.api.user(long_id, "Budi")
    replies = await officer.send_document("status.csv", (HEADER + good_rows(2)).encode(), "/impor")
    assert "Impor selesai." in replies[-1].plain
    label = f"unggahan petugas {long_id} 2026-11-28 10.00 WIB"
    (row,) = await audit_rows(bot_env, "impor")
    assert row.target == label
    sources = await bot_env.services.db.conn.execute_fetchall(
        "SELECT DISTINCT source FROM status_history"
    )
    assert [r[0] for r in sources] == [f"import:{label}"]
