"""Excel as it is (issue 23, item 1): `/impor` and `python -m bot import` take .xlsx.

Real workbooks written by openpyxl go through the real Application (a staff member's upload)
and the shell command: same columns, rules and report as CSV, row numbers as Excel shows them,
date cells read as dates, the export's own status spellings read, NIKs that Excel has damaged
refused with the advice to format the column as Text, and a file in which most NIKs are damaged
refused as a whole before anything changes.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import RESIDENT_ID, BotEnv
from staff_support import KK_A, KK_B, KK_C, NIK_A, NIK_B, NIK_C, add_record, subscribe

from bot.__main__ import main
from bot.local_api import LocalUser
from bot.services.importer import ImportFileError, import_file
from bot.services.tables import cell_text, excel_general
from bot.states import KtpStatus
from bot.storage import records as records_store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["NIK", "No KK", "Nama", "Status", "Tanggal Status", "Keterangan"]


def workbook(*sheets: tuple[str, list[list[Any]]]) -> bytes:
    """An .xlsx with these sheets (title, rows from row 1); a Python int is a number cell."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _record(env: BotEnv, nik: str) -> records_store.Record | None:
    return await records_store.get_by_nik_hash(env.services.db.conn, env.services.hasher.nik(nik))


async def _count(env: BotEnv, table: str) -> int:
    row = await env.services.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


def _daily_export() -> bytes:
    return workbook(
        (
            "Data",
            [
                ["Ekspor status KTP-el, Kecamatan Tugumulyo"],  # row 1: a title
                HEADER,  # row 2
                [NIK_A, KK_A, "Budi Santoso", "SUDAH REKAM", date(2026, 1, 5), None],
                [NIK_A, KK_A, "Budi Santoso", "PRINT READY RECORD", date(2026, 3, 2), "a\nb"],
                [int(NIK_B), KK_B, "Siti Aminah", "BELUM REKAM", date(2026, 1, 5), None],  # 5
                [],  # row 6: blank
                [NIK_C, KK_C, "Joko", "CARD ISSUED", datetime(2026, 2, 1, 10, 30), None],
            ],
        )
    )


async def test_staff_upload_an_xlsx_and_read_the_same_summary_as_for_csv(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = _daily_export()
    replies = await staff.send_document("ekspor.xlsx", content, caption="/impor", mime_type=XLSX)
    text = replies[-1].plain
    assert "Impor selesai." in text
    assert "Baris dibaca: 4" in text
    assert "• Baru: 2" in text and "• Berubah: 1" in text and "• Ditolak: 1" in text
    # Row 5 as Excel numbers it: the NIK was in a number cell, its 16th digit lost.
    assert "Baris 5: Kolom nik berisi '1.60509E+15'" in text
    assert "Format kolom itu sebagai Teks" in text
    a = await _record(bot_env, NIK_A)
    assert a is not None
    assert (a.status, a.status_date) == (KtpStatus.PRINT_READY_RECORD, date(2026, 3, 2))
    c = await _record(bot_env, NIK_C)
    assert c is not None and (c.status, c.status_date) == (KtpStatus.CARD_ISSUED, date(2026, 2, 1))
    assert await _record(bot_env, NIK_B) is None
    # The same workbook again changes nothing and queues nothing.
    outbox = await _count(bot_env, "outbox")
    replies = await staff.send_document("ekspor.xlsx", content, caption="/impor", mime_type=XLSX)
    text = replies[-1].plain
    assert "• Tetap: 3" in text and "• Baru: 0" in text and "• Ditolak: 1" in text
    assert await _count(bot_env, "outbox") == outbox


async def test_an_xlsx_whose_niks_excel_damaged_is_refused_whole_and_nobody_is_told(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    record_id = await add_record(
        bot_env, NIK_A, KK_A, [(KtpStatus.PRINT_READY_RECORD, date(2026, 3, 2))]
    )
    await subscribe(bot_env, RESIDENT_ID, record_id)
    content = workbook(
        (
            "Sheet1",
            [
                HEADER,
                [NIK_A, KK_A, "Budi", "CARD PRINTED", date(2026, 11, 1), None],  # would notify
                [int(NIK_B), KK_B, "Siti", "PRR", date(2026, 11, 1), None],
                [int(NIK_C), int(KK_C), "Joko", "PRR", date(2026, 11, 1), None],
            ],
        )
    )
    imports_before = await _count(bot_env, "imports")
    replies = await staff.send_document("rusak.xlsx", content, caption="/impor", mime_type=XLSX)
    text = replies[-1].plain
    assert "2 dari 3 NIK di berkas ini sudah diubah Excel menjadi angka" in text
    assert "Tidak ada yang diimpor" in text and "Teks" in text
    a = await _record(bot_env, NIK_A)
    assert a is not None and a.status is KtpStatus.PRINT_READY_RECORD
    assert await _count(bot_env, "records") == 1
    assert await _count(bot_env, "outbox") == 0
    assert await _count(bot_env, "imports") == imports_before


async def test_a_csv_saved_by_excel_with_scientific_niks(bot_env: BotEnv) -> None:
    services = bot_env.services
    head = "nik;no_kk;nama;status;tanggal_status\n"
    one_bad = (
        head
        + f"{NIK_A};{KK_A};Budi;PRR;2026-03-02\n"
        + f"1,60509E+15;{KK_B};Siti;PRR;2026-03-02\n"
        + f"{NIK_C};1.67301E+15;Joko;PRR;2026-03-02\n"
    )
    summary = await import_file(services, io.BytesIO(one_bad.encode()), source_name="a.csv")
    assert (summary.rows_read, summary.new, summary.rejected) == (3, 1, 2)
    assert [e.line for e in summary.errors] == [3, 4]
    assert all("Teks" in e.reason for e in summary.errors)
    most_bad = (
        head
        + "".join(f"1.60501E+15;{KK_A};X;PRR;2026-03-02\n" for _ in range(3))
        + (f"{NIK_B};{KK_B};Siti;PRR;2026-03-02\n")
    )
    with pytest.raises(ImportFileError) as caught:
        await import_file(services, io.BytesIO(most_bad.encode()), source_name="b.csv")
    assert "3 dari 4 NIK" in caught.value.reason
    assert await _record(bot_env, NIK_B) is None


async def test_many_rejected_xlsx_rows_come_back_in_a_report_with_their_excel_rows(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    rows: list[list[Any]] = [HEADER]
    rows += [[f"160501010190{i:04d}", KK_A, "Budi", "SIAPCETAK", None, None] for i in range(1, 26)]
    content = workbook(("Data", rows))
    replies = await staff.send_document("salah.xlsx", content, caption="/impor", mime_type=XLSX)
    (report,) = [m for m in replies if m.document]
    assert report.filename == "ditolak-salah.csv"
    assert report.document is not None
    table = list(csv.reader(io.StringIO(report.document.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in table[1:4]] == ["2", "3", "4"]
    assert table[1][2:] == ["1605010101900001", KK_A, "Budi", "SIAPCETAK", "", ""]


def _shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "data" / "secret.key"))


def test_the_shell_imports_the_first_sheet_or_the_one_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _shell(tmp_path, monkeypatch)
    rows: list[list[Any]] = [
        HEADER,
        [NIK_A, KK_A, "Budi", "SENT FOR CARD PRINTING", date(2026, 3, 20), None],
    ]
    path = tmp_path / "ekspor.xlsx"
    path.write_bytes(workbook(("Catatan", [["Dibuat oleh operator desa"]]), ("Data", rows)))
    assert main(["import", str(path)]) == 1  # the first sheet holds no import
    err = capsys.readouterr().err
    assert "Lembar 'Catatan' tidak berisi judul kolom impor" in err and "--sheet" in err
    assert main(["import", str(path), "--sheet", "Lain"]) == 1
    err = capsys.readouterr().err
    assert "Lembar 'Lain' tidak ada" in err and "'Catatan', 'Data'" in err
    assert main(["import", str(path), "--sheet", "Data"]) == 0
    out = capsys.readouterr().out
    assert "Baris dibaca: 1" in out and "Baru: 1" in out
    assert main(["import", str(path), "--sheet", "Data"]) == 0
    assert "Tetap: 1" in capsys.readouterr().out
    # A workbook whose first sheet is the data needs no --sheet.
    path.write_bytes(workbook(("Data", rows)))
    assert main(["import", str(path)]) == 0
    assert "Tetap: 1" in capsys.readouterr().out


async def test_the_jemput_bola_import_reads_a_workbook_too(bot_env: BotEnv) -> None:
    from bot.services.visits import Visits

    content = workbook(
        (
            "Jadwal",
            [
                ["tanggal", "mulai", "selesai", "kecamatan", "tempat", "layanan", "catatan"],
                [date(2026, 12, 7), "08.00", "12.00", "Tugumulyo", "Balai Desa", "perekaman"],
                [date(2026, 12, 8), "08.00", "12.00", "Antah", "Balai Desa", "perekaman"],
            ],
        )
    )
    summary = await Visits.of(bot_env.services).import_csv(content, source_name="jadwal.xlsx")
    assert (summary.rows_read, summary.new, summary.rejected) == (2, 1, 1)
    assert [line for line, _ in summary.errors] == [3]


def test_cells_read_as_excel_shows_them() -> None:
    assert excel_general(1605014101900001.0) == "1.60501E+15"
    assert excel_general(1673010202000003.0) == "1.67301E+15"
    assert excel_general(12345.0) == "12345"
    assert excel_general(1.5) == "1.5"
    assert cell_text(date(2026, 1, 5)) == "2026-01-05"
    assert cell_text(datetime(2026, 1, 5, 0, 0)) == "2026-01-05"
    assert cell_text(None) == "" and cell_text(True) == "TRUE"


def test_the_readme_lists_every_accepted_spelling_and_what_it_becomes() -> None:
    from bot.states import ALL_STATUSES, EXPORT_SPELLINGS, parse_status

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line for line in readme.splitlines() if line.startswith("| `")}
    for spelling, status in EXPORT_SPELLINGS.items():
        assert parse_status(spelling) is status
        assert any(f"`{spelling}`" in row and row.endswith(f"| `{status.value}` |") for row in rows)
    for status in ALL_STATUSES:
        spaced = status.value.replace("_", " ")
        assert parse_status(spaced) is status
        assert any(row.startswith(f"| `{spaced}`") for row in rows), spaced


async def test_an_xlsx_dropped_in_the_import_folder_is_imported_with_its_report(
    make_env: Any, tmp_path: Path
) -> None:
    import asyncio
    import time

    from conftest import notifier_env

    folder = tmp_path / "impor"
    env = await notifier_env(make_env, tmp_path, import_dir=folder)
    watcher = env.app.bot_data.folder_watcher
    assert watcher is not None and watcher.running
    watcher.stable, watcher.poll = 0.3, 0.05
    (folder / "ekspor.xlsx").write_bytes(_daily_export())
    deadline = time.monotonic() + 20
    while not watcher.handled:
        assert time.monotonic() < deadline, "the workbook was not handled"
        await asyncio.sleep(0.05)
    done = folder / "selesai"
    assert sorted(p.name for p in done.iterdir()) == [
        "ekspor.ditolak.csv",
        "ekspor.xlsx",
        "ekspor.xlsx.laporan.txt",
    ]
    report = (done / "ekspor.xlsx.laporan.txt").read_text(encoding="utf-8")
    assert "baris 5" in report.lower() and "Teks" in report
    rejected = (done / "ekspor.ditolak.csv").read_text(encoding="utf-8-sig")
    assert rejected.splitlines()[1].startswith("5;")
    a = await _record(env, NIK_A)
    assert a is not None and a.status is KtpStatus.PRINT_READY_RECORD
