"""The CSV report of rejected import rows, built in memory and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from bot.domain.markup import plain
from bot.services.importer import ImportFileError, RowError, open_import_table

#: A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TAG = re.compile(r"<[^>]+>")


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula ("=1+1" -> "'=1+1")."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def rows_by_line(
    data: bytes, lines: Iterable[int], sheet: str | None = None
) -> tuple[list[str], dict[int, list[str]]]:
    """The header cells and the cells of the rows starting at `lines` (the header is line 1).

    Reads the upload the same way the importer does (`tables.py`: CSV or a workbook's sheet,
    blank lines skipped, a row's number is the line it starts on).
    """
    wanted = set(lines)
    try:
        table = open_import_table(io.BytesIO(data), sheet)
    except ImportFileError:
        return [], {}
    found: dict[int, list[str]] = {}
    for line, cells, _why in table.rows():
        if len(found) == len(wanted):
            break
        if cells is not None and line in wanted:
            found[line] = cells
    return table.header, found


def rejected_rows_csv(data: bytes, errors: list[RowError], header_names: tuple[str, ...]) -> bytes:
    """A CSV (UTF-8 with BOM, semicolons for Indonesian Excel) of rejected rows: line, reason,
    then the row as it was uploaded; every cell neutralised against formulas."""
    header, rows = rows_by_line(data, (e.line for e in errors))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in (*header_names, *header)])
    for error in errors:
        cells = rows.get(error.line, [])
        writer.writerow(
            [str(error.line), neutralise(plain(error.reason)), *(neutralise(c) for c in cells)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
