"""CSV import: good, bad and mixed files give exactly the summary a staff member should read."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import texts_id, texts_staff
from bot.domain.clock import FakeClock
from bot.domain.config import Settings
from bot.domain.nik import InvalidNumberError, parse_kk, parse_nik
from bot.handlers.render import html
from bot.services import importer
from bot.services.container import Services
from bot.services.importer import ImportFileError, ImportSummary, RowError, import_csv
from bot.services.redaction import clean_note
from bot.states import KtpStatus, UnknownStatusError, suggest_statuses
from bot.storage import imports as imports_store
from bot.storage import records
from bot.storage import settings as settings_store

S = KtpStatus
TODAY = date(2026, 11, 28)  # FakeClock's default day in Asia/Jakarta

NIK_A = "1605011203850001"  # man, born 12 March 1985, Tugumulyo
KK_A = "1605010101100001"
NIK_B = "1605095507920002"  # woman, born 15 July 1992, Muara Beliti
KK_B = "1605090202150003"
NIK_C = "1605130808000004"  # man, born 8 August 2000, Purwodadi (same family card as A)
HEADER = "nik,no_kk,nama,status,tanggal_status,keterangan\n"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(db_path=tmp_path / "db.sqlite3", secret_key_file=tmp_path / "secret.key")
    svc = await Services.open(settings, FakeClock())
    yield svc
    await svc.close()


async def run(services: Services, content: str | bytes, **kwargs: object) -> ImportSummary:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return await import_csv(services, io.BytesIO(data), source_name="status.csv", **kwargs)  # type: ignore[arg-type]


def counts(summary: ImportSummary) -> tuple[int, int, int, int, int]:
    """(rows_read, new, changed, unchanged, rejected)."""
    return (summary.rows_read, summary.new, summary.changed, summary.unchanged, summary.rejected)


async def record(services: Services, nik: str) -> records.Record | None:
    return await records.get_by_nik_hash(services.db.conn, services.hasher.nik(nik))


async def history(services: Services, nik: str) -> list[tuple[KtpStatus, date]]:
    rec = await record(services, nik)
    assert rec is not None
    return [(h.status, h.entered_on) for h in await records.history(services.db.conn, rec.id)]


async def snapshot(services: Services) -> tuple[list[tuple], list[tuple]]:
    """Everything the import writes about records, without ids or clock stamps."""
    recs = await services.db.fetchall(
        "SELECT nik_hash, kk_hash, nik_masked, name_masked, district, status, status_date, note"
        " FROM records ORDER BY nik_hash"
    )
    hist = await services.db.fetchall(
        "SELECT r.nik_hash, h.status, h.entered_on, h.note, h.source FROM status_history h"
        " JOIN records r ON r.id = h.record_id ORDER BY r.nik_hash, h.entered_on, h.status"
    )
    return [tuple(r) for r in recs], [tuple(h) for h in hist]


async def count_rows(services: Services, table: str) -> int:
    row = await services.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


def status_reason(text: str) -> str:
    return texts_staff.status_reason(UnknownStatusError(text, suggest_statuses(text)))


def nik_reason(text: str, kind: str = "nik") -> str:
    try:
        parse_nik(text, TODAY) if kind == "nik" else parse_kk(text)
    except InvalidNumberError as exc:
        return texts_id.nik_problem(exc)
    raise AssertionError("expected an invalid number")


# --- good files -------------------------------------------------------------------------------


async def test_a_good_file_creates_records_with_their_history(services: Services) -> None:
    summary = await run(
        services,
        HEADER
        + f"{NIK_A},{KK_A},Budi Santoso,BIO_CAPTURED,2026-01-05,\n"
        + f"{NIK_A},{KK_A},Budi Santoso,SENT_FOR_ENROLLMENT,2026-01-09,\n"
        + f"{NIK_A},{KK_A},Budi Santoso,PRINT_READY_RECORD,2026-03-02,menunggu blanko\n"
        + f"{NIK_B},{KK_B},Siti Aminah,CARD_ISSUED,2025-12-20,\n",
    )

    assert counts(summary) == (4, 2, 2, 0, 0)
    assert summary.errors == []
    assert summary.notifications == 0
    a = await record(services, NIK_A)
    assert a is not None
    assert (a.status, a.status_date, a.note) == (
        S.PRINT_READY_RECORD,
        date(2026, 3, 2),
        "menunggu blanko",
    )
    assert a.nik_masked == "1605••••••••0001"
    assert a.name_masked == "B••• S•••"
    assert a.district == "160501"
    assert a.kk_hash == services.hasher.kk(KK_A)
    assert await history(services, NIK_A) == [
        (S.BIO_CAPTURED, date(2026, 1, 5)),
        (S.SENT_FOR_ENROLLMENT, date(2026, 1, 9)),
        (S.PRINT_READY_RECORD, date(2026, 3, 2)),
    ]
    b = await record(services, NIK_B)
    assert b is not None and (b.status, b.district) == (S.CARD_ISSUED, "160509")

    text = summary.text()
    assert "Baris dibaca: 4" in text
    assert "• Baru: 2" in text
    assert "• Berubah: 2" in text
    assert "• Tetap: 0" in text
    assert "• Ditolak: 0" in text


async def test_semicolons_bom_any_column_order_and_both_date_forms(services: Services) -> None:
    content = (
        "\ufeffStatus;Tanggal_Status;NIK;No KK;Nama\r\n"
        f"bio captured;05/01/2026;{NIK_A};{KK_A};Budi\r\n"
        f"PRR;02-03-2026;{NIK_A};{KK_A};Budi\r\n"
        f"sent-for-card-printing;2026-3-20;{NIK_A};;Budi\r\n"
    )
    summary = await run(services, content.encode("utf-8"))

    assert counts(summary) == (3, 1, 2, 0, 0)
    assert await history(services, NIK_A) == [
        (S.BIO_CAPTURED, date(2026, 1, 5)),
        (S.PRINT_READY_RECORD, date(2026, 3, 2)),
        (S.SENT_FOR_CARD_PRINTING, date(2026, 3, 20)),
    ]


async def test_a_nik_twice_gives_history_and_the_latest_date_wins(services: Services) -> None:
    summary = await run(
        services,
        HEADER
        + f"{NIK_A},{KK_A},,CARD_PRINTED,2026-05-10,\n"
        + f"{NIK_A},{KK_A},,PRINT_READY_RECORD,2026-02-01,\n",  # older: history only
    )

    assert counts(summary) == (2, 1, 1, 0, 0)
    a = await record(services, NIK_A)
    assert a is not None and (a.status, a.status_date) == (S.CARD_PRINTED, date(2026, 5, 10))
    assert await history(services, NIK_A) == [
        (S.PRINT_READY_RECORD, date(2026, 2, 1)),
        (S.CARD_PRINTED, date(2026, 5, 10)),
    ]


async def test_an_older_row_for_a_known_record_never_moves_it_back(services: Services) -> None:
    await run(services, HEADER + f"{NIK_A},{KK_A},,CARD_ISSUED,2026-06-01,\n")
    summary = await run(services, HEADER + f"{NIK_A},,,PRINT_READY_RECORD,2026-03-01,\n")

    assert counts(summary) == (1, 0, 1, 0, 0)
    a = await record(services, NIK_A)
    assert a is not None and (a.status, a.status_date) == (S.CARD_ISSUED, date(2026, 6, 1))
    assert await history(services, NIK_A) == [
        (S.PRINT_READY_RECORD, date(2026, 3, 1)),
        (S.CARD_ISSUED, date(2026, 6, 1)),
    ]


async def test_an_empty_date_means_today_and_the_same_status_stays_unchanged(
    services: Services,
) -> None:
    summary = await run(services, "nik,no_kk,status\n" + f"{NIK_A},{KK_A},PRR\n")
    assert counts(summary) == (1, 1, 0, 0, 0)
    a = await record(services, NIK_A)
    assert a is not None and a.status_date == TODAY

    services.clock.advance(days=3)  # type: ignore[attr-defined]
    again = await run(services, "nik,no_kk,status\n" + f"{NIK_A},{KK_A},PRR\n")
    assert counts(again) == (1, 0, 0, 1, 0)
    assert await history(services, NIK_A) == [(S.PRINT_READY_RECORD, TODAY)]


async def test_header_only_is_a_summary_of_zeros(services: Services) -> None:
    summary = await run(services, "nik;status;tanggal_status\r\n")

    assert counts(summary) == (0, 0, 0, 0, 0)
    assert html(summary.text()).startswith(
        "<b>Impor selesai</b>, tetapi berkas hanya berisi judul kolom"
    )
    assert await count_rows(services, "records") == 0


async def test_the_import_is_logged_with_its_counts_and_time(services: Services) -> None:
    summary = await run(
        services,
        HEADER + f"{NIK_A},{KK_A},,PRR,2026-03-01,\n" + f"{NIK_B},,,PRR,2026-03-01,\n",
        actor_id=2002,
    )

    [log] = await imports_store.recent_imports(services.db.conn)
    assert log.id == summary.import_id
    assert (log.source, log.actor_id) == ("status.csv", 2002)
    assert (log.rows_read, log.new, log.changed, log.unchanged, log.rejected) == (2, 1, 0, 0, 1)
    assert log.finished_at == "2026-11-28T03:00:00+00:00"
    last = await settings_store.get(services.db.conn, settings_store.LAST_IMPORT_AT)
    assert last == "2026-11-28T03:00:00+00:00"
    rows = await services.db.fetchall("SELECT source, actor_id FROM status_history")
    assert [tuple(r) for r in rows] == [("import:status.csv", 2002)]


# --- bad rows ---------------------------------------------------------------------------------


async def test_a_mixed_file_applies_good_rows_and_reports_each_bad_one(services: Services) -> None:
    await run(services, HEADER + f"{NIK_C},{KK_A},,BIO_CAPTURED,2026-01-02,\n")
    content = (
        "nik;no_kk;nama;status;tanggal_status;keterangan;kolom_lain\n"  # line 1
        f"{NIK_A};{KK_A};Budi;PRINT_REDY;2026-01-05;;\n"  # 2 unknown status
        f"{NIK_B};;Siti;PRR;2026-01-05;;\n"  # 3 new NIK without KK
        f'{NIK_A};{KK_A};Budi;PRR;2026-01-05;"dua; baris";\n'  # 4 good (new)
        f'{NIK_B};{KK_B};Siti;PRR;2026-01-05;"tidak ditutup;\n'  # 5 quote runs on: rejected
        f"{NIK_C};{KK_B};;SENT_FOR_ENROLLMENT;2026-01-09;;\n"  # 6 KK differs from stored
        "\n"  # 7 blank: skipped
        f"160501120385001;{KK_A};;PRR;2026-01-05;;\n"  # 8 NIK of 15 digits
        f"{NIK_A};{KK_A};;PRR;31/02/2026;;\n"  # 9 impossible date
        f"{NIK_A};{KK_A};;PRR;2026-12-01;;\n"  # 10 future date
        f"{NIK_A};{KK_A};;PRR;kemarin;;\n"  # 11 unreadable date
        f"{NIK_A};{KK_A};;;2026-01-05;;\n"  # 12 no status
        f"{NIK_A};1605010101100000;;PRR;2026-01-05;;\n"  # 13 KK serial 0000
        f"{NIK_A};{KK_A};Budi; PRR;2026-01-05;;;x\n"  # 14 too many cells
        f"{NIK_C};;;PROCESSING;2026-01-04;;\n"  # 15 good (known NIK, no KK needed)
        f"{NIK_A};{KK_A};;prr;05-01-2026;;\n"  # 16 same as line 4: unchanged
    )
    summary = await run(services, content)

    assert counts(summary) == (14, 1, 1, 1, 11)  # every line but the header and the blank
    assert summary.ignored_columns == ["kolom_lain"]
    assert summary.errors == [
        RowError(2, status_reason("PRINT_REDY")),
        RowError(3, texts_staff.IMPORT_ROW_KK_REQUIRED),
        RowError(5, texts_staff.IMPORT_ROW_OPEN_QUOTE),
        RowError(6, texts_staff.IMPORT_ROW_KK_MISMATCH),
        RowError(8, nik_reason("160501120385001")),
        RowError(9, "Tanggal '31/02/2026' tidak ada di kalender."),
        RowError(
            10, "Tanggal 1 Desember 2026 belum lewat; tanggal status tidak boleh sesudah hari ini."
        ),
        RowError(
            11,
            "Tanggal 'kemarin' tidak terbaca. Tulis seperti 2024-01-28, 28-01-2024 atau"
            " 28/01/2024.",
        ),
        RowError(12, "Kolom status kosong."),
        RowError(13, nik_reason("1605010101100000", kind="kk")),
        RowError(14, texts_staff.import_row_too_many_cells(8, 7)),
    ]
    assert "PRINT_READY_RECORD" in summary.errors[0].reason
    assert "15 angka" in summary.errors[4].reason
    a = await record(services, NIK_A)
    assert a is not None and (a.status, a.note) == (S.PRINT_READY_RECORD, "dua; baris")
    assert await history(services, NIK_C) == [
        (S.BIO_CAPTURED, date(2026, 1, 2)),
        (S.PROCESSING, date(2026, 1, 4)),
    ]
    c = await record(services, NIK_C)
    assert c is not None and c.kk_hash == services.hasher.kk(KK_A)

    listing = summary.errors_text(limit=3)
    assert listing.splitlines()[0] == "Baris yang ditolak (3 pertama dari 11):"
    assert listing.splitlines()[2] == "• Baris 3: " + texts_staff.IMPORT_ROW_KK_REQUIRED


async def test_numbers_kept_as_text_by_a_spreadsheet_or_written_as_decimals_are_read(
    services: Services,
) -> None:
    content = (
        "nik;no_kk;status;tanggal_status\n"
        f'="{NIK_A}";="{KK_A}";PRR;2026-03-02\n'
        f"'{NIK_B};'{KK_B};PRR;2026-03-02\n"
        f"{NIK_C}.0;{KK_A},0;PRR;2026-03-02\n"
        f"{NIK_A}.5;{KK_A};PRR;2026-03-03\n"
    )
    summary = await run(services, content)

    assert counts(summary) == (4, 3, 0, 0, 1)
    for nik in (NIK_A, NIK_B, NIK_C):
        assert await history(services, nik) == [(S.PRINT_READY_RECORD, date(2026, 3, 2))]
    assert [e.line for e in summary.errors] == [5]


async def test_a_number_excel_shortened_gets_a_hint_to_use_text_columns(
    services: Services,
) -> None:
    summary = await run(
        services,
        f"nik;no_kk;status\n1,60501E+15;{KK_A};PRR\n{NIK_A};1.60501e+15;PRR\n",
    )

    assert counts(summary) == (2, 0, 0, 0, 2)
    assert summary.errors == [
        RowError(2, texts_staff.import_row_excel_number("nik", "1,60501E+15")),
        RowError(3, texts_staff.import_row_excel_number("no_kk", "1.60501e+15")),
    ]
    assert summary.errors[0].reason.startswith(
        "Kolom nik berisi '1,60501E+15': Excel mengubah angka 16 digit"
    )


# --- files that cannot be imported ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", texts_staff.IMPORT_FILE_EMPTY),
        (b"\xef\xbb\xbf\r\n\r\n", texts_staff.IMPORT_FILE_EMPTY),
        (
            b"Laporan bulanan\nSemua KTP sudah dicetak.\n",
            texts_staff.IMPORT_FILE_NOT_CSV,
        ),
        (b'{"nik": "1605011203850001", "status": "PRR"}', texts_staff.IMPORT_FILE_NOT_CSV),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", texts_staff.IMPORT_FILE_BINARY),
        (bytes(range(256)) * 4, texts_staff.IMPORT_FILE_BINARY),
        (b"PK\x03\x04\x14\x00\x06\x00", texts_staff.IMPORT_FILE_WORKBOOK_UNREADABLE),
        (
            b"nik;status;nama\n1605011203850001;PRR;Budi Santoso\n1605011203850002;PRR;Jos\xe9\n",
            texts_staff.import_file_not_utf8(3),
        ),
        (b"\x80\x81garbage\xc3", texts_staff.import_file_not_utf8(1)),
        ("nik\tstatus\n".encode("utf-16"), texts_staff.IMPORT_FILE_UTF16),
        (
            b"nik;nama;tanggal_status\n1605011203850001;Budi;2026-01-01\n",
            texts_staff.import_missing_columns(["status"], ["nik", "nama", "tanggal_status"]),
        ),
        (
            b"NAMA,STATUS\nBudi,PRR\n",
            texts_staff.import_missing_columns(["nik"], ["nama", "status"]),
        ),
    ],
    ids=[
        "empty",
        "bom-and-blank-lines",
        "prose",
        "json",
        "png",
        "binary-garbage",
        "broken-xlsx",
        "latin-1",
        "not-utf8",
        "utf-16",
        "no-status-column",
        "no-nik-column",
    ],
)
async def test_an_unusable_file_changes_nothing_and_says_why(
    services: Services, content: bytes, reason: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        await run(services, content)

    assert caught.value.reason == reason
    assert await count_rows(services, "records") == 0
    assert await count_rows(services, "imports") == 0


def test_missing_columns_are_named() -> None:
    assert html(texts_staff.import_missing_columns(["status"], ["nik", "nama"])) == (
        "Kolom wajib tidak ada: <b>status</b>. Kolom yang terbaca: nik, nama. Baris pertama"
        " harus berisi judul kolom: nik dan status wajib; no_kk, nama, tanggal_status dan"
        " keterangan boleh ada."
    )


# --- re-import, crashes, notifications --------------------------------------------------------


def sample_file(people: int = 60) -> bytes:
    from bot.services.sample_data import write_csv

    out = io.StringIO()
    write_csv(out, people, seed=5, today=TODAY)
    return out.getvalue().encode("utf-8")


async def test_reimporting_the_same_file_changes_nothing(services: Services) -> None:
    data = sample_file()
    first = await run(services, data, batch_size=50)
    before = await snapshot(services)

    services.clock.advance(days=1)  # type: ignore[attr-defined]
    again = await run(services, data, batch_size=50)

    assert first.rejected == 0 and first.new == 60
    assert counts(again) == (first.rows_read, 0, 0, first.rows_read, 0)
    assert again.notifications == 0
    assert await snapshot(services) == before
    assert again.text().endswith("Semua baris sudah sama dengan data bot; tidak ada yang berubah.")


async def test_a_repeated_bad_cell_is_refused_on_every_row_with_its_reason(
    services: Services,
) -> None:
    # What a cell's text means is worked out once and remembered: a refusal too.
    bad_nik = "1605011203850000"  # serial 0000
    content = HEADER + "".join(
        f"{bad_nik},{KK_A},Budi,BIO_CAPTURED,2026-0{m}-01,\n"
        f"{NIK_B},{KK_B},Siti,BUKAN_STATUS,2026-0{m}-02,\n"
        f"{NIK_B},{KK_B},Siti,BIO_CAPTURED,31-02-2026,\n"
        for m in (1, 2, 3)
    )
    summary = await run(services, content)
    assert counts(summary) == (9, 0, 0, 0, 9)
    reasons = [e.reason for e in summary.errors]
    per_month = [
        nik_reason(bad_nik),
        status_reason("BUKAN_STATUS"),
        texts_staff.import_row_bad_date("31-02-2026", True),
    ]
    assert reasons == per_month * 3


async def test_a_small_memory_of_cells_gives_the_same_database(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_file()
    await run(services, data, batch_size=70)
    monkeypatch.setattr(importer, "_MEMORY", 3)  # forgets all the time
    forgetful = await Services.open(
        Settings(db_path=tmp_path / "f.sqlite3", secret_key_file=services.settings.secret_key_file),
        FakeClock(),
    )
    try:
        await run(forgetful, data, batch_size=70)
        assert await snapshot(forgetful) == await snapshot(services)
    finally:
        await forgetful.close()


async def test_an_import_keeps_the_waiting_time_figures_for_the_next_start(
    services: Services,
) -> None:
    # The shell's import works them out at its end: the bot's first check finds them saved.
    await run(services, sample_file())
    saved = await services.db.fetchone("SELECT version FROM insight_figures WHERE id = 1")
    latest = await services.db.fetchone("SELECT MAX(id) FROM status_history")
    assert saved is not None and latest is not None and saved[0] == latest[0]


async def test_a_crash_mid_import_keeps_whole_batches_and_a_rerun_completes(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_file()
    real_add = imports_store.add_history_values
    calls = 0

    async def crash_on_third_batch(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk unplugged")
        await real_add(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports_store, "add_history_values", crash_on_third_batch)
    with pytest.raises(OSError):
        await run(services, data, batch_size=100)
    monkeypatch.undo()

    # Exactly two batches are in: every record has its history, nothing half-written.
    assert await count_rows(services, "status_history") == 200
    orphans = await services.db.fetchone(
        "SELECT COUNT(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM status_history h"
        " WHERE h.record_id = r.id AND h.status = r.status AND h.entered_on = r.status_date)"
    )
    assert orphans is not None and orphans[0] == 0
    [log] = await imports_store.recent_imports(services.db.conn)
    assert log.finished_at is None and log.rows_read >= 200

    rerun = await run(services, data, batch_size=100)
    assert rerun.unchanged == 200
    assert rerun.rejected == 0

    clean_settings = Settings(
        db_path=tmp_path / "clean.sqlite3", secret_key_file=services.settings.secret_key_file
    )
    clean = await Services.open(clean_settings, FakeClock())
    try:
        await run(clean, data, batch_size=100)
        assert await snapshot(services) == await snapshot(clean)
    finally:
        await clean.close()


async def test_entering_a_notifying_status_queues_one_message_per_subscriber(
    services: Services,
) -> None:
    await run(services, HEADER + f"{NIK_A},{KK_A},,PRINT_READY_RECORD,2026-03-01,\n")
    a = await record(services, NIK_A)
    assert a is not None
    async with services.db.transaction() as conn:
        for chat_id in (11, 12):
            await conn.execute(
                "INSERT INTO chats (chat_id, first_seen, last_seen) VALUES (?, 'x', 'x')",
                (chat_id,),
            )
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (?, ?, 'x')",
                (chat_id, a.id),
            )
    update = (
        HEADER
        + f"{NIK_A},,,SENT_FOR_CARD_PRINTING,2026-11-20,\n"
        + f"{NIK_A},,,CARD_PRINTED,2026-11-27,\n"
    )

    summary = await run(services, update)
    assert counts(summary) == (2, 0, 2, 0, 0)
    assert summary.notifications == 2
    assert await count_rows(services, "outbox") == 2
    assert "Kabar untuk warga yang berlangganan: 2 pesan dijadwalkan." in (summary.text())

    again = await run(services, update)
    assert (again.unchanged, again.notifications) == (2, 0)
    assert await count_rows(services, "outbox") == 2


async def test_a_status_that_does_not_notify_queues_nothing(services: Services) -> None:
    await run(services, HEADER + f"{NIK_A},{KK_A},,PRINT_READY_RECORD,2026-03-01,\n")
    a = await record(services, NIK_A)
    assert a is not None
    async with services.db.transaction() as conn:
        await conn.execute("INSERT INTO chats (chat_id, first_seen, last_seen) VALUES (11,'x','x')")
        await conn.execute(
            "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (11, ?, 'x')",
            (a.id,),
        )

    summary = await run(services, HEADER + f"{NIK_A},,,SENT_FOR_CARD_PRINTING,2026-11-20,\n")
    assert (summary.changed, summary.notifications) == (1, 0)
    assert await count_rows(services, "outbox") == 0


async def test_progress_is_reported_in_bytes(services: Services) -> None:
    data = sample_file(30)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    await run(services, data, batch_size=40, on_progress=progress)

    assert len(seen) >= 3
    assert all(total == len(data) for _, total in seen)
    assert seen[-1] == (len(data), len(data))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


async def test_a_path_is_imported_like_an_upload(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "ekspor.csv"
    path.write_text(HEADER + f"{NIK_A},{KK_A},,PRR,2026-03-01,\n", encoding="utf-8")

    summary = await import_csv(services, path, source_name=path.name)

    assert counts(summary) == (1, 1, 0, 0, 0)
    [log] = await imports_store.recent_imports(services.db.conn)
    assert log.source == "ekspor.csv"


# --- parsing helpers --------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(dates)
def test_every_accepted_date_form_reads_back_the_same_day(day: date) -> None:
    for text in (
        day.isoformat(),
        f"{day:%d-%m-%Y}",
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%Y-%m-%d} 00:00:00",
        f" {day:%d.%m.%Y} ",
    ):
        assert importer.parse_date(text) == day, text


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_a_date_format_error(text: str) -> None:
    try:
        result = importer.parse_date(text)
    except importer.DateFormatError as exc:
        assert exc.text == text
    else:
        assert isinstance(result, date)


def test_impossible_dates_are_told_apart_from_unreadable_ones() -> None:
    with pytest.raises(importer.DateFormatError) as impossible:
        importer.parse_date("29/02/2025")
    assert impossible.value.impossible
    with pytest.raises(importer.DateFormatError) as unreadable:
        importer.parse_date("2025-02-02/")
    assert not unreadable.value.impossible
    with pytest.raises(importer.DateFormatError):
        importer.parse_date("28-01/2025")  # mixed separators


#: Any text but NUL (refused as binary) and lone surrogates; line breaks are quoted by the writer.
cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@given(
    st.sampled_from([",", ";"]),
    st.permutations(list(importer.COLUMNS)),
    st.lists(st.lists(cell, min_size=6, max_size=6), max_size=5),
)
def test_a_csv_written_either_way_is_read_back_cell_for_cell(
    delimiter: str, columns: list[str], rows: list[list[str]]
) -> None:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.upper() for c in columns])
    writer.writerows(rows)
    table = importer.open_import_table(io.BytesIO(out.getvalue().encode()))
    header = importer._read_header(table.header)
    assert header.index == {name: i for i, name in enumerate(columns)}
    read = [cells for _, cells, _ in table.rows()]
    expected = [r for r in rows if any(c.strip() for c in r)]
    assert read == expected


@given(st.text(max_size=80))
def test_notes_never_keep_a_long_number(text: str) -> None:
    import re

    note = clean_note(text)
    assert note is None or not re.search(r"\d(?:[ .\-]*\d){9}", note)


def test_a_nik_inside_a_note_is_masked_and_a_date_is_not() -> None:
    assert clean_note("  milik 1605 0112 0385 0001,  cek  ") == ("milik 1605••••••••0001, cek")
    assert clean_note("diambil 05-01-2026, HP 0812-3456-7890") == (
        "diambil 05-01-2026, HP 0812••••7890"
    )
    assert clean_note("   ") is None


# --- the shell command ------------------------------------------------------------------------


class _Terminal(io.StringIO):
    """stderr as a terminal: the progress bar is drawn on it."""

    def isatty(self) -> bool:
        return True


def test_the_shell_import_never_writes_a_log_line_onto_the_progress_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    handler = logging.StreamHandler(terminal)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    monkeypatch.setattr(root, "level", logging.INFO)
    path = tmp_path / "status.csv"
    path.write_text(HEADER + f"{NIK_A},{KK_A},Budi,PRR,2026-11-01,\n", encoding="utf-8")
    try:
        assert main(["import", str(path)]) == 0
    finally:
        root.removeHandler(handler)
    drawn = terminal.getvalue()
    assert "Mengimpor" in drawn  # the bar was there
    start = drawn.index("INFO bot.services.importer: impor #1 selesai")
    assert start == 0 or drawn[start - 1] in "\r\n", repr(drawn[max(0, start - 40) : start + 10])
    assert "Baris dibaca: 1" in capsys.readouterr().out
