"""An import never swallows rows (issue 11, item 3).

Before: an unclosed quote at line 12 of a 1,011-line file reported "Baris dibaca 11"; 1,000 rows
were neither imported nor listed as rejected. A header over the csv module's field limit or a
single 50 MB line gave a traceback (shell) or "send the same file again" (Telegram). Now every
physical line is accounted for: imported, unchanged, or rejected with its line and reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BotEnv

from bot import texts_staff
from bot.__main__ import main
from bot.local_api import LocalUser
from bot.services.importer import MAX_LINE_CHARS, import_csv

HEADER = "nik;no_kk;nama;status;tanggal_status;keterangan\n"
ROWS = 1010


def _row(i: int, note: str = "") -> str:
    return f"160501010190{i:04d};160501010110{i:04d};Budi Santoso;PRR;2026-10-01;{note}\n"


def _file(stray_at: list[int], blank_at: tuple[int, ...] = ()) -> tuple[str, int]:
    """HEADER and ROWS rows; a stray quote opens a field on each line in `stray_at` (physical
    line numbers, the header is line 1). Returns the text and its non-blank data lines."""
    lines = [HEADER]
    i = 0
    while len(lines) < ROWS + 1 + len(blank_at):
        number = len(lines) + 1
        if number in blank_at:
            lines.append("\n")
            continue
        i += 1
        if number in stray_at:
            lines.append(_row(i, note='"diambil sendiri; tidak ditutup'))
        else:
            lines.append(_row(i))
    return "".join(lines), ROWS


@pytest.mark.parametrize(
    "stray_at",
    [[2], [12], [500, 501, 502], [ROWS + 1], [2, 12, 700, ROWS + 1]],
    ids=["start", "line 12", "middle run", "end", "everywhere"],
)
async def test_every_line_is_accounted_for(
    bot_env: BotEnv, tmp_path: Path, stray_at: list[int]
) -> None:
    text, data_lines = _file(stray_at, blank_at=(300,))
    path = tmp_path / "impor.csv"
    path.write_text(text, encoding="utf-8")
    summary = await import_csv(bot_env.services, path, source_name="impor.csv", batch_size=97)
    physical = text.count("\n")
    assert summary.rows_read == physical - 1 - 1  # minus the header and the blank line
    assert summary.rows_read == data_lines
    assert summary.new + summary.changed + summary.unchanged + summary.rejected == data_lines
    assert summary.rejected == len(stray_at)
    assert [e.line for e in summary.errors] == stray_at
    assert all(e.reason == texts_staff.IMPORT_ROW_OPEN_QUOTE for e in summary.errors)
    assert summary.new == data_lines - len(stray_at)


async def test_a_field_legitimately_quoted_on_one_line_still_works(
    bot_env: BotEnv, tmp_path: Path
) -> None:
    path = tmp_path / "impor.csv"
    path.write_text(HEADER + _row(1, note='"kata ""pertama""; lalu kedua"'), encoding="utf-8")
    summary = await import_csv(bot_env.services, path, source_name="impor.csv")
    assert (summary.rows_read, summary.new, summary.rejected) == (1, 1, 0)


def test_the_shell_reports_a_stray_quote_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _shell(tmp_path, monkeypatch)
    text, data_lines = _file([12])
    (tmp_path / "impor.csv").write_text(text, encoding="utf-8")
    assert main(["import", "impor.csv"]) == 0
    out = capsys.readouterr().out
    assert f"Baris dibaca: {data_lines:,}".replace(",", ".") in out
    assert "Baris 12" in out and "tidak ditutup" in out


def _shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "data" / "secret.key"))


def test_a_header_over_the_field_limit_is_one_clear_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _shell(tmp_path, monkeypatch)
    (tmp_path / "lebar.csv").write_text("nik;" + "x" * 200_000 + "\n" + _row(1))
    assert main(["import", "lebar.csv"]) == 1
    out, err = capsys.readouterr()
    assert "Baris judul kolom lebih dari" in err
    assert "Traceback" not in out + err


def test_a_single_50_mb_line_is_one_rejected_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _shell(tmp_path, monkeypatch)
    with (tmp_path / "besar.csv").open("w", encoding="utf-8") as out:
        out.write(HEADER + _row(1))
        out.write("1605" + "9" * (50 << 20) + "\n")
        out.write(_row(2))
    assert main(["import", "besar.csv"]) == 0
    out_text, err = capsys.readouterr()
    assert "Baris dibaca: 3" in out_text and "Baru: 2" in out_text
    assert (
        f"Baris 3: Baris ini terlalu panjang (lebih dari {MAX_LINE_CHARS:,}".replace(",", ".")
        in out_text
    )
    assert "Traceback" not in out_text + err
    (tmp_path / "besar.csv").write_text("nik" + "x" * (50 << 20) + "\n")
    assert main(["import", "besar.csv"]) == 1
    assert "Baris judul kolom" in capsys.readouterr().err


async def test_telegram_upload_with_a_huge_header_is_a_clear_answer(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    content = ("nik;" + "x" * 200_000 + "\n" + _row(1)).encode()
    replies = await staff.send_document("lebar.csv", content, caption="/impor")
    text = replies[-1].plain
    assert "Baris judul kolom lebih dari" in text
    assert "kirim berkas yang sama lagi" not in text
    stray, data_lines = _file([12])
    replies = await staff.send_document("kutip.csv", stray.encode(), caption="/impor")
    text = replies[-1].plain
    assert f"Baris dibaca: {data_lines:,}".replace(",", ".") in text
    assert "Baris 12" in text
