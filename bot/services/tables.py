"""Reading an import file row by row, CSV or Excel, with every physical line accounted for.

The one reader behind the status import (`importer.py`, with its rejected-rows report) and the
jemput bola import (`visits.py`):

- **CSV**: UTF-8 with or without BOM; the separator that splits the header into the most known
  column names. A quoted cell may hold line breaks (RFC 4180): it stays one cell, and its record
  is numbered by the physical line it starts on. A quote that is not closed (by the end of the
  file or within MAX_RECORD_CHARS), or whose record does not end cleanly (something other than
  a separator after the closing quote, more cells than the header), rejects only the line it
  opened on, and reading goes on at the next physical line: a stray quote never swallows rows.
  A physical line over MAX_LINE_CHARS is rejected alone.
- **Excel** (.xlsx, also .xls and .ods; read by python-calamine): the first visible sheet, or
  the one named; rows numbered as Excel shows them. A date cell is read as a date
  (YYYY-MM-DD), a time cell as HH:MM, a number cell as Excel shows it in the General format, so
  a NIK kept as a number reads "1.60501E+15" and the importers refuse it with the advice to
  format the column as Text.

Accounting (`Tally`): every physical line (row of the sheet) up to the end is the header or
above it (blank lines; in a sheet, a title), a blank line, the first line of a record (imported
or rejected), or a continuation line of a quoted cell:
`lines == header_line + blank + records + continued`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any, Protocol

from bot import texts_staff

#: Separators tried on the header line.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
#: A physical line longer than this (in characters) is rejected unread: no real row comes near
#: it, and it keeps the csv module's field limit (131,072) and the memory used far away.
MAX_LINE_CHARS = 10_000
#: A record whose quoted cell runs over several lines may hold this many characters; a quote
#: still open past it is taken as never closed.
MAX_RECORD_CHARS = 10_000

_READ_CHUNK = 1 << 20
_SNIFF_BYTES = 8192
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
#: Bytes of a long number Excel wrote in scientific notation: "1,60501E+15", "1.60508E+15".
_EXCEL_NUMBER_BYTES = re.compile(rb"\d[.,]\d+[eE]\+?\d")

#: One record: (line number, cells, None) or (line number, None, why it cannot be read).
Record = tuple[int, list[str] | None, str | None]


class TableError(Exception):
    """The file as a whole cannot be read; `reason` says why, in Indonesian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Tally:
    """How the physical lines read so far were counted (see the module's docstring)."""

    lines: int = 0  # physical lines (sheet rows) read, the header and those above it included
    blank: int = 0  # blank lines below the header (and lines of separators only)
    records: int = 0  # records handed out: imported or rejected, each numbered by its first line
    continued: int = 0  # lines inside a quoted cell that began on an earlier line


class Table(Protocol):
    """An import file opened for reading: its header, then its records (again on each call)."""

    header: list[str]
    header_line: int
    tally: Tally
    #: True when the file may hold numbers Excel has damaged (worth a look before importing).
    may_hold_excel_numbers: bool

    def rows(self) -> Iterator[Record]: ...

    def progress(self) -> tuple[int, int]:
        """(done, total) in the file's own unit: bytes for CSV, rows for a sheet."""
        ...


def open_table(
    raw: IO[bytes],
    *,
    columns: Collection[str],
    normalise: Callable[[str], str],
    sheet: str | None = None,
) -> Table:
    """Open a seekable binary file as a Table: a workbook by its first bytes, CSV otherwise.

    `columns` and `normalise` (the caller's known column names and how a header cell is read)
    choose a CSV file's separator. Raises TableError when the file cannot be read at all.
    """
    head = raw.read(_SNIFF_BYTES)
    raw.seek(0)
    if head.startswith((_ZIP, _OLE)):
        return SheetTable(raw.read(), sheet, columns, normalise)
    return CsvTable(raw, columns, normalise)


# --- CSV ------------------------------------------------------------------------------------


class _LongLine(str):
    """What `_read_line` returns for a line cut at MAX_LINE_CHARS (the rest was skipped)."""

    __slots__ = ()


def _read_line(text: io.TextIOBase) -> str:
    """The next physical line (with its line break), at most MAX_LINE_CHARS of it; the rest of
    a longer line is read and dropped, and the result is a _LongLine. "" at the end."""
    line = text.readline(MAX_LINE_CHARS + 1)
    if len(line) <= MAX_LINE_CHARS or line.endswith(("\n", "\r")):
        return line
    return _rest_of_long_line(text, line)


def _rest_of_long_line(text: io.TextIOBase, line: str) -> _LongLine:
    """Read and drop the rest of a line longer than MAX_LINE_CHARS; its first part, marked."""
    while True:
        rest = text.readline(1 << 16)
        if not rest or rest.endswith(("\n", "\r")):
            return _LongLine(line[:MAX_LINE_CHARS])


def detect_delimiter(
    header_line: str, columns: Collection[str], normalise: Callable[[str], str]
) -> str:
    """The separator that splits the header into the most known column names."""
    known_names = set(columns)

    def known(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        names = {normalise(c) for c in cells}
        return len(names & known_names), header_line.count(delimiter)

    return max(DELIMITERS, key=known)


def _check_bytes(raw: IO[bytes]) -> tuple[int, bool]:
    """Whole-file checks that need no parsing: binary, not UTF-8. Returns the size in bytes and
    whether something like an Excel number in scientific notation ("1.60508E+15") occurs."""
    head = raw.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableError(texts_staff.IMPORT_FILE_UTF16)
    if b"\x00" in head:
        raise TableError(texts_staff.IMPORT_FILE_BINARY)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    line = 1
    scientific = False
    while chunk := raw.read(_READ_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            line += chunk.count(b"\n", 0, max(exc.start, 0))
            raise TableError(texts_staff.import_file_not_utf8(line)) from None
        if b"\x00" in chunk:
            raise TableError(texts_staff.IMPORT_FILE_BINARY)
        if not scientific and (b"E+" in chunk or b"e+" in chunk):
            scientific = _EXCEL_NUMBER_BYTES.search(chunk) is not None
        line += chunk.count(b"\n")
        size += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise TableError(texts_staff.import_file_not_utf8(line)) from None
    raw.seek(0)
    return size, scientific


class CsvTable:
    """A CSV file read as a stream of records (see the module's docstring)."""

    def __init__(
        self, raw: IO[bytes], columns: Collection[str], normalise: Callable[[str], str]
    ) -> None:
        self.raw = raw
        self.size, self.may_hold_excel_numbers = _check_bytes(raw)
        self.tally = Tally()
        text = self._text()
        try:
            first, self.header_line = _skip_to_header(text)
        finally:
            text.detach()
        if not first:
            raise TableError(texts_staff.IMPORT_FILE_EMPTY)
        self.delimiter = detect_delimiter(first, columns, normalise)
        try:
            self.header = next(csv.reader([first], delimiter=self.delimiter), [])
        except csv.Error:
            raise TableError(texts_staff.IMPORT_FILE_NOT_CSV) from None

    def _text(self) -> io.TextIOWrapper:
        self.raw.seek(0)
        return io.TextIOWrapper(self.raw, encoding="utf-8-sig", newline="")

    def progress(self) -> tuple[int, int]:
        try:
            done = min(self.raw.tell(), self.size)
        except (OSError, ValueError):
            done = self.size
        return done, self.size

    def rows(self) -> Iterator[Record]:
        """Every record after the header (blank lines skipped and counted); see `_records`."""
        text = self._text()
        try:
            _skip_to_header(text)
            yield from self._records(text)
        finally:
            text.detach()

    def _records(self, text: io.TextIOBase) -> Iterator[Record]:
        tally = self.tally = Tally()
        delimiter = self.delimiter
        width = len(self.header)
        pending: deque[str] = deque()  # lines read ahead for a quoted cell, then given back
        line = self.header_line
        readline = text.readline
        limit = MAX_LINE_CHARS + 1
        try:
            while True:
                if pending:
                    raw = pending.popleft()
                else:
                    raw = readline(limit)
                    if len(raw) == limit and not raw.endswith(("\n", "\r")):
                        raw = _rest_of_long_line(text, raw)
                if not raw:
                    return
                line += 1
                if isinstance(raw, _LongLine):
                    yield line, None, texts_staff.import_row_too_long(MAX_LINE_CHARS)
                    continue
                body = raw.rstrip("\r\n")
                if '"' not in body:  # no quotes: what the csv module would read, only faster
                    # Not blank and not only separators (the usual line passes the first test).
                    if body[:1].isalnum() or body.replace(delimiter, "").strip():
                        yield line, body.split(delimiter), None
                    else:
                        tally.blank += 1
                    continue
                cells, extra, why = _quoted(raw, body, delimiter, width, text, pending)
                if cells is not None and not any(c.strip() for c in cells):
                    tally.blank += 1 + extra
                else:
                    tally.continued += extra
                    yield line, cells, why
                line += extra
        finally:
            # Every line below the header that is not blank or a continuation starts a record.
            tally.lines = line
            tally.records = line - self.header_line - tally.blank - tally.continued


def _skip_to_header(text: io.TextIOBase) -> tuple[str, int]:
    """The header (the first line that is not blank) and its line number; "" at the end."""
    header_line = 1
    first_line = _read_line(text)
    while first_line and not first_line.strip():
        header_line += 1
        first_line = _read_line(text)
    if isinstance(first_line, _LongLine):
        raise TableError(texts_staff.import_header_too_long(MAX_LINE_CHARS))
    return first_line, header_line


def _quoted(
    raw: str,
    body: str,
    delimiter: str,
    width: int,
    text: io.TextIOBase,
    pending: deque[str],
) -> tuple[list[str] | None, int, str | None]:
    """A record starting on a line with a quote: (cells, continuation lines used, None) or
    (None, 0, why) with the lines read ahead given back to `pending`."""
    try:
        reader = csv.reader((body, "\n"), delimiter=delimiter)
        cells = next(reader)
        if reader.line_num == 1:  # closed on its own line: the usual case
            return cells, 0, None
    except csv.Error:
        return None, 0, texts_staff.IMPORT_ROW_UNREADABLE
    # The quote runs on: the cell goes on over the next lines, strictly by the CSV rules.
    extra: list[str] = []
    size = len(raw)

    def feed() -> Iterator[str]:
        nonlocal size
        yield raw
        while size <= MAX_RECORD_CHARS:
            nxt = pending.popleft() if pending else _read_line(text)
            if not nxt:
                return
            if isinstance(nxt, _LongLine):
                pending.appendleft(nxt)
                return
            extra.append(nxt)
            size += len(nxt)
            yield nxt

    try:
        joined: list[str] | None = next(csv.reader(feed(), delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        joined = None
    if joined is not None and (len(joined) <= width or not any(c.strip() for c in joined[width:])):
        return joined, len(extra), None
    pending.extendleft(reversed(extra))
    return None, 0, texts_staff.IMPORT_ROW_OPEN_QUOTE


# --- Excel ----------------------------------------------------------------------------------


#: A sheet's header is looked for in this many first rows (a title may stand above it).
HEADER_SEARCH_ROWS = 30


class SheetTable:
    """One sheet of a workbook (python-calamine), its rows numbered as Excel shows them.

    The header is the first row that names one of the known columns (a title or notes above
    it are passed over), or else the first row that is not blank."""

    may_hold_excel_numbers = True  # number cells: looked at before importing (cheap, in memory)

    def __init__(
        self,
        data: bytes,
        sheet: str | None,
        columns: Collection[str] = (),
        normalise: Callable[[str], str] = str,
    ) -> None:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            names = [
                m.name
                for m in book.sheets_metadata
                if str(m.typ).endswith("WorkSheet") and str(m.visible).endswith("Visible")
            ] or list(book.sheet_names)
            if sheet is not None:
                if sheet not in book.sheet_names:
                    raise TableError(texts_staff.import_sheet_missing(sheet, names))
                chosen = sheet
            elif names:
                chosen = names[0]
            else:
                raise TableError(texts_staff.IMPORT_FILE_WORKBOOK_EMPTY)
            # The whole sheet at once, from row 1 (so a row's index + 1 is Excel's number).
            values: list[list[Any]] = book.get_sheet_by_name(chosen).to_python(
                skip_empty_area=False
            )
        except TableError:
            raise
        except (CalamineError, ValueError, OSError, TypeError, KeyError, IndexError) as exc:
            raise TableError(texts_staff.IMPORT_FILE_WORKBOOK_UNREADABLE) from exc
        except Exception as exc:  # the library's own errors (zip, XML, password) vary by version
            raise TableError(texts_staff.IMPORT_FILE_WORKBOOK_UNREADABLE) from exc
        self.sheet = chosen
        self.sheet_names: list[str] = list(book.sheet_names)
        self._values = values
        self._done = 0
        self.tally = Tally()
        known = set(columns)
        first: tuple[int, list[str]] | None = None
        for index, row in enumerate(values[:HEADER_SEARCH_ROWS]):
            cells = [cell_text(v) for v in row]
            if first is None and any(c.strip() for c in cells):
                first = index, cells
            if known & {normalise(c) for c in cells}:
                first = index, cells
                break
        if first is None:
            raise TableError(texts_staff.IMPORT_FILE_WORKBOOK_EMPTY)
        index, self.header = first
        self.header_line = index + 1

    def progress(self) -> tuple[int, int]:
        return self._done, len(self._values)

    def column_values(self, position: int) -> Iterator[Any]:
        """The raw values of one column below the header (blank rows included)."""
        for row in self._values[self.header_line :]:
            yield row[position] if position < len(row) else None

    def rows(self) -> Iterator[Record]:
        tally = self.tally = Tally()
        number = self.header_line
        try:
            for values in self._values[self.header_line :]:
                number += 1
                self._done = number
                cells = [v if type(v) is str else cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    tally.records += 1
                    yield number, cells, None
                else:
                    tally.blank += 1
        finally:
            tally.lines = number


def cell_text(value: object) -> str:
    """A cell as Excel shows it: text as is, a date as YYYY-MM-DD, a time as HH:MM, a number as
    in the General format (a 16-digit number becomes "1.60501E+15", its digits already lost)."""
    if type(value) is date:  # the usual cell that is not text: a date column
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, int | float):
        return excel_general(float(value))
    return str(value)


def excel_general(number: float) -> str:
    """A number as Excel's General format shows it in a cell: up to 11 characters, longer
    whole numbers in scientific notation with 6 significant digits ("1.60501E+15")."""
    if number != number or number in (float("inf"), float("-inf")):
        return str(number)
    if number.is_integer() and abs(number) < 1e11:
        return str(int(number))
    if abs(number) >= 1e11 or (number != 0 and abs(number) < 1e-9):
        mantissa, exponent = f"{number:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        sign = exponent[0]
        return f"{mantissa}E{sign}{exponent[1:].lstrip('0').rjust(2, '0')}"
    return f"{number:.10g}"
