"""CSV status import: read the file as a stream, validate each row, apply in batches, report.

The one engine behind `python -m bot import FILE` and the staff's Telegram upload (`/impor`).
Format (DESIGN.md §4): a header row; columns nik, no_kk, nama, status, tanggal_status,
keterangan in any order and case; comma or semicolon; UTF-8 with or without BOM; dates
YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY. Each row is one history entry; a record's current status
is its latest-dated one. Rows go to the database in batches, one transaction each, so a crash
leaves whole batches and a re-run finishes the job: rows already applied count as unchanged.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import inspect
import io
import logging
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, BinaryIO, Generic, TypeVar

from bot import texts_staff
from bot.domain.nik import InvalidNumberError, nik_digits, parse_kk
from bot.domain.privacy import mask_name, mask_nik
from bot.services import outbox
from bot.services.container import Services
from bot.services.redaction import MAX_NOTE, clean_note, redact_file_name  # noqa: F401 (MAX_NOTE: re-exported)
from bot.states import KtpStatus, UnknownStatusError, parse_status
from bot.storage import imports as store
from bot.storage import settings as settings_store
from bot.storage.db import utc_iso
from bot.storage.driver import Conn

log = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("nik", "status")
COLUMNS: tuple[str, ...] = ("nik", "no_kk", "nama", "status", "tanggal_status", "keterangan")

#: Other header spellings seen in office spreadsheets, after normalise_header.
COLUMN_ALIASES: dict[str, str] = {
    "nomor_kk": "no_kk",
    "nokk": "no_kk",
    "kk": "no_kk",
    "no_kartu_keluarga": "no_kk",
    "nomor_kartu_keluarga": "no_kk",
    "nama_lengkap": "nama",
    "tanggal": "tanggal_status",
    "tgl_status": "tanggal_status",
    "tgl": "tanggal_status",
    "status_ktp": "status",
    "catatan": "keterangan",
    "ket": "keterangan",
}

DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")

#: Rejected rows kept with their reason (the count of rejected rows is always complete).
MAX_ERRORS = 1000
_READ_CHUNK = 1 << 20
#: Rows parsed between two turns of the event loop.
_YIELD_EVERY = 500
_SNIFF_BYTES = 8192

ProgressCallback = Callable[[int, int], Awaitable[None] | None]


# --- results and errors ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: its physical line in the file (the header is line 1) and why."""

    line: int
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """What an import did, counted per data row: rows_read = new + changed + unchanged + rejected.

    new: the row created a record; changed: it added history to a known record (and moved its
    current status when it is the latest); unchanged: that (status, date) was already known.
    """

    rows_read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS rejected rows
    notifications: int = 0  # messages queued for subscribers
    import_id: int | None = None
    ignored_columns: list[str] = field(default_factory=list)

    def text(self) -> str:
        """What the import did, for the person who ran it (HTML; the CLI strips the tags)."""
        return texts_staff.import_summary(
            rows_read=self.rows_read,
            new=self.new,
            changed=self.changed,
            unchanged=self.unchanged,
            rejected=self.rejected,
            notifications=self.notifications,
            ignored_columns=self.ignored_columns,
        )

    def errors_text(self, limit: int = 10) -> str:
        """The first rejected rows with their reasons ("" when none were rejected)."""
        errors = [(e.line, e.reason) for e in self.errors]
        return texts_staff.import_row_errors(errors, self.rejected, limit)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `reason` says why, in Indonesian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RowRejected(Exception):
    """One row cannot be used; `reason` says why, in Indonesian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- small parsing helpers ------------------------------------------------------------------


class DateFormatError(ValueError):
    """A date that is not in an accepted form, or that is not on the calendar."""

    def __init__(self, text: str, impossible: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.impossible = impossible


_ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_TIME_PART = re.compile(r"(?:[T ]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> date:
    """YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (also with dots, one-digit day or month, and a
    time part as spreadsheets add it); raise DateFormatError otherwise."""
    value = text.strip()
    for pattern, order in ((_ISO_DATE, "ymd"), (_DMY_DATE, "dmy")):
        match = pattern.match(value)
        if match and _TIME_PART.fullmatch(value, match.end()):
            first, _, second, third = match.groups()
            if order == "ymd":
                year, month, day = int(first), int(second), int(third)
            else:
                day, month, year = int(first), int(second), int(third)
            try:
                return date(year, month, day)
            except ValueError:
                raise DateFormatError(text, impossible=True) from None
    raise DateFormatError(text)


def normalise_header(name: str) -> str:
    """ "Tanggal Status" / "TANGGAL-STATUS" / "\ufeffnik" -> "tanggal_status" / "nik"."""
    key = re.sub(r"[\s\-.]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")
    return COLUMN_ALIASES.get(key, key)


def detect_delimiter(header_line: str) -> str:
    """The separator that splits the header into the most known column names."""

    def known(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        names = {normalise_header(c) for c in cells}
        return len(names & set(COLUMNS)), header_line.count(delimiter)

    return max(DELIMITERS, key=known)


# --- reading the file -----------------------------------------------------------------------


def _check_bytes(raw: IO[bytes]) -> int:
    """Whole-file checks that need no parsing: binary, not UTF-8. Returns the size in bytes."""
    head = raw.read(_SNIFF_BYTES)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(texts_staff.IMPORT_FILE_SPREADSHEET)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(texts_staff.IMPORT_FILE_UTF16)
    if b"\x00" in head:
        raise ImportFileError(texts_staff.IMPORT_FILE_BINARY)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    line = 1
    while chunk := raw.read(_READ_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            line += chunk.count(b"\n", 0, max(exc.start, 0))
            raise ImportFileError(texts_staff.import_file_not_utf8(line)) from None
        if b"\x00" in chunk:
            raise ImportFileError(texts_staff.IMPORT_FILE_BINARY)
        line += chunk.count(b"\n")
        size += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileError(texts_staff.import_file_not_utf8(line)) from None
    raw.seek(0)
    return size


@dataclass(slots=True)
class _Header:
    delimiter: str
    index: dict[str, int]  # column name -> position
    width: int
    ignored: list[str]


def _read_header(first_line: str) -> _Header:
    try:
        delimiter = detect_delimiter(first_line)
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error:
        raise ImportFileError(texts_staff.IMPORT_FILE_NOT_CSV) from None
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(cells):
        name = normalise_header(cell)
        if name in COLUMNS and name not in index:
            index[name] = position
        elif cell.strip():
            ignored.append(cell.strip())
    if not index:
        raise ImportFileError(texts_staff.IMPORT_FILE_NOT_CSV)
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        raise ImportFileError(texts_staff.import_missing_columns(missing, list(index)))
    return _Header(delimiter, index, len(cells), ignored)


@dataclass(frozen=True, slots=True)
class _Person:
    """The person columns of a row, checked and hashed (a person's rows usually follow each
    other, so this is worked out once per person, not once per row)."""

    nik: str  # digits; kept in memory only while the batch is applied
    nik_hash: str
    kk_hash: str | None
    name_masked: str | None


@dataclass(slots=True)
class _Row:
    line: int
    person: _Person
    status: KtpStatus
    on: date
    dated: bool  # False when tanggal_status was empty (taken as today)
    note: str | None


#: A long number Excel has turned into scientific notation: "1,60501E+15", "1.60501e15".
_EXCEL_NUMBER = re.compile(r"\d+(?:[.,]\d+)?[eE]\+?\d+")
#: A 16-digit number a spreadsheet kept as text or wrote as a decimal: ="1605…", '1605…,
#: 1605….0 (group 1, 2 or 3 holds the number itself).
_WRAPPED_NUMBER = re.compile(r'="(\d{16})"|\'(\d{16})|(\d{16})[.,]0+')


def unwrap_number(text: str) -> str:
    """The 16 digits of a NIK or KK cell in one of the forms of _WRAPPED_NUMBER, else the text."""
    if text.isdigit():  # the usual cell: nothing to unwrap
        return text
    match = _WRAPPED_NUMBER.fullmatch(text)
    return next(g for g in match.groups() if g) if match else text


#: Entries each of the parser's memories keeps at most (emptied when full): a few megabytes.
_MEMORY = 16_384

_Found = TypeVar("_Found")


class _Memo(Generic[_Found]):
    """`work(text)`, remembered: for cells whose text repeats down a file (a person's columns,
    statuses, dates, notes). A text that was refused is refused again, for the same reason."""

    __slots__ = ("known", "refused", "work")

    def __init__(self, work: Callable[[str], _Found]) -> None:
        self.work = work
        self.known: dict[str, _Found] = {}
        self.refused: dict[str, str] = {}  # text -> why

    def __call__(self, text: str) -> _Found:
        found = self.known.get(text)
        return found if found is not None else self._work_out(text)

    def _work_out(self, text: str) -> _Found:
        reason = self.refused.get(text)
        if reason is None:
            try:
                found = self.work(text)
            except RowRejected as exc:
                reason = exc.reason
                _remember(self.refused, text, reason)
            else:
                if found is not None:
                    _remember(self.known, text, found)
                return found
        raise RowRejected(reason)


def _remember(memory: dict[str, _Found], text: str, value: _Found) -> None:
    if len(memory) >= _MEMORY:
        memory.clear()
    memory[text] = value


class _RowParser:
    """Turns one CSV row into a _Row or raises RowRejected with the reason.

    What a cell means depends only on its text (and today's date), so it is worked out once
    per text and remembered: the rows of one person follow each other, and statuses, dates and
    notes repeat down a file.
    """

    def __init__(self, services: Services, header: _Header, today: date) -> None:
        self.hasher = services.hasher
        self.today = today
        index = header.index
        self.width = header.width
        self.nik_at = index["nik"]
        self.kk_at = index.get("no_kk")
        self.name_at = index.get("nama")
        self.status_at = index["status"]
        self.date_at = index.get("tanggal_status")
        self.note_at = index.get("keterangan")
        self.person = _Memo(self._person)
        self.status = _Memo(_status)
        self.date = _Memo(self._date)
        self.note = _Memo(_note)

    def parse(self, line: int, cells: list[str]) -> _Row:
        width = self.width
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif len(cells) > width and any(c.strip() for c in cells[width:]):
            raise RowRejected(texts_staff.import_row_too_many_cells(len(cells), width))
        name = cells[self.name_at].strip() if self.name_at is not None else ""
        kk = cells[self.kk_at].strip() if self.kk_at is not None else ""
        person = self.person(f"{cells[self.nik_at].strip()}{_SEP}{kk}{_SEP}{name}")
        status = self.status(cells[self.status_at].strip())
        date_text = cells[self.date_at].strip() if self.date_at is not None else ""
        on = self.date(date_text) if date_text else self.today
        note_text = cells[self.note_at].strip() if self.note_at is not None else ""
        note = self.note(f"{note_text}{_SEP}{name}") if note_text else None
        return _Row(line, person, status, on, bool(date_text), note)

    def _person(self, cells: str) -> _Person:
        nik_text, kk_text, name = cells.split(_SEP)
        nik_text = unwrap_number(nik_text)
        if _EXCEL_NUMBER.fullmatch(nik_text):
            raise RowRejected(texts_staff.import_row_excel_number("nik", nik_text))
        try:
            nik = nik_digits(nik_text, self.today)
        except InvalidNumberError as exc:
            raise RowRejected(texts_staff.import_row_nik_problem(exc)) from None
        kk_text = unwrap_number(kk_text)
        kk_hash = None
        if _EXCEL_NUMBER.fullmatch(kk_text):
            raise RowRejected(texts_staff.import_row_excel_number("no_kk", kk_text))
        if kk_text:
            try:
                kk_hash = self.hasher.kk(parse_kk(kk_text))
            except InvalidNumberError as exc:
                raise RowRejected(texts_staff.import_row_nik_problem(exc)) from None
        return _Person(
            nik=nik,
            nik_hash=self.hasher.nik(nik),
            kk_hash=kk_hash,
            name_masked=mask_name(name) if name else None,
        )

    def _date(self, text: str) -> date:
        try:
            on = parse_date(text)
        except DateFormatError as exc:
            raise RowRejected(texts_staff.import_row_bad_date(text, exc.impossible)) from None
        if on > self.today:
            raise RowRejected(texts_staff.import_row_future_date(on))
        return on


#: Joins cells into one memo key (a file with a NUL byte is refused before any row is read).
_SEP = "\x00"


def _status(text: str) -> KtpStatus:
    if not text:
        raise RowRejected(texts_staff.IMPORT_ROW_STATUS_EMPTY)
    try:
        return parse_status(text)
    except UnknownStatusError as exc:
        raise RowRejected(texts_staff.status_reason(exc)) from None


def _note(cells: str) -> str | None:
    note, name = cells.split(_SEP)
    return clean_note(note, name)


#: A line longer than this (in characters) is rejected unread: no real row comes near it, and
#: it keeps the csv module's field limit (131,072) and the memory used far away.
MAX_LINE_CHARS = 10_000


class _LongLine(str):
    """What `_read_line` returns for a line cut at MAX_LINE_CHARS (the rest was skipped)."""


def _read_line(text: io.TextIOBase) -> str:
    """The next physical line (with its line break), at most MAX_LINE_CHARS of it; the rest of
    a longer line is read and dropped, and the result is a _LongLine. "" at the end."""
    line = text.readline(MAX_LINE_CHARS + 1)
    if len(line) <= MAX_LINE_CHARS or line.endswith(("\n", "\r")):
        return line
    while True:
        rest = text.readline(1 << 16)
        if not rest or rest.endswith(("\n", "\r")):
            return _LongLine(line[:MAX_LINE_CHARS])


def skip_to_header(text: io.TextIOBase) -> tuple[str, int]:
    """The header (the first line that is not blank) and its line number; "" at the end."""
    header_line = 1
    first_line = _read_line(text)
    while first_line and not first_line.strip():
        header_line += 1
        first_line = _read_line(text)
    if isinstance(first_line, _LongLine):
        raise ImportFileError(texts_staff.import_header_too_long(MAX_LINE_CHARS))
    return first_line, header_line


def physical_rows(
    text: io.TextIOBase, delimiter: str, header_line: int
) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Every physical line after the header, one row each: (line number, cells, None), or
    (line number, None, why it cannot be read). Blank lines are skipped.

    A quoted field is never continued on the next line: a quote left open at the end of a line
    rejects that line (and only that line), and reading goes on at the next one. So every line
    of the file is accounted for, and a stray quote cannot swallow the rest of the file.
    """
    line = header_line
    while raw := _read_line(text):
        line += 1
        if isinstance(raw, _LongLine):
            yield line, None, texts_staff.import_row_too_long(MAX_LINE_CHARS)
            continue
        body = raw.rstrip("\r\n")
        if not body.strip():
            continue
        if '"' not in body:  # no quotes: what the csv module would read, only faster
            if body.replace(delimiter, "").strip():  # not only separators
                yield line, body.split(delimiter), None
            continue
        try:
            reader = csv.reader((body, "\n"), delimiter=delimiter)
            cells = next(reader)
            open_quote = reader.line_num > 1  # the reader wanted the next line to close a quote
        except csv.Error:
            yield line, None, texts_staff.IMPORT_ROW_UNREADABLE
            continue
        if open_quote:
            yield line, None, texts_staff.IMPORT_ROW_OPEN_QUOTE
        elif any(c.strip() for c in cells):
            yield line, cells, None


def csv_rows(
    text: io.TextIOBase, delimiter: str, header_line: int
) -> Iterator[tuple[int, list[str] | None]]:
    """The rows after the header: (line number, cells), or (line, None) for an unreadable row.
    Blank rows are skipped. See `physical_rows`."""
    for line, cells, _why in physical_rows(text, delimiter, header_line):
        yield line, cells


# --- applying a batch -----------------------------------------------------------------------


@dataclass(slots=True)
class _Working:
    """A record as the batch sees it: stored state plus this batch's rows so far."""

    record_id: int | None
    kk_hash: str
    status: KtpStatus
    status_date: date
    note: str | None
    history: set[tuple[KtpStatus, date]]
    first: _Row | None = None  # the row that created the record (new records only)
    added: list[_Row] = field(default_factory=list)
    initial_status: KtpStatus | None = None  # stored status before this batch
    initial_date: date | None = None


async def _apply_batch(
    services: Services,
    rows: list[_Row],
    refused: list[RowError],
    summary: ImportSummary,
    source: str,
    actor_id: int | None,
) -> None:
    """Apply a batch in one write (one trip to the writer, one transaction) and count it, and
    the rows refused while parsing it, into `summary` once committed."""
    now = services.clock.now()
    assert summary.import_id is not None
    import_id = summary.import_id
    before = (summary.new, summary.changed, summary.unchanged, summary.rejected)

    async def write(conn: Conn) -> tuple[ImportSummary, list[RowError], int]:
        counts = ImportSummary()
        rejected = list(refused)
        work = await _stored(conn, rows)
        for row in rows:
            person = row.person
            w = work.get(person.nik_hash)
            if w is None:
                if person.kk_hash is None:
                    rejected.append(RowError(row.line, texts_staff.IMPORT_ROW_KK_REQUIRED))
                    continue
                work[person.nik_hash] = _Working(
                    record_id=None,
                    kk_hash=person.kk_hash,
                    status=row.status,
                    status_date=row.on,
                    note=row.note,
                    history={(row.status, row.on)},
                    first=row,
                    added=[row],
                )
                counts.new += 1
                continue
            if person.kk_hash is not None and person.kk_hash != w.kk_hash:
                rejected.append(RowError(row.line, texts_staff.IMPORT_ROW_KK_MISMATCH))
                continue
            if (row.status, row.on) in w.history or (not row.dated and row.status is w.status):
                counts.unchanged += 1
                continue
            w.history.add((row.status, row.on))
            w.added.append(row)
            if row.on >= w.status_date:
                w.status, w.status_date, w.note = row.status, row.on, row.note
            counts.changed += 1
        queued = await _store(conn, work, source, actor_id, now)
        new, changed, unchanged, rejected_before = before
        await store.record_progress(
            conn,
            import_id,
            rows_read=summary.rows_read,
            new=new + counts.new,
            changed=changed + counts.changed,
            unchanged=unchanged + counts.unchanged,
            rejected=rejected_before + len(rejected),
        )
        return counts, rejected, queued

    counts, rejected, queued = await services.db.write(write)
    # Only now that the batch is committed does it count.
    summary.new += counts.new
    summary.changed += counts.changed
    summary.unchanged += counts.unchanged
    summary.notifications += queued
    if queued:
        services.wake_outbox()  # committed: the dispatcher may deliver at once
    _reject_many(summary, sorted(rejected, key=lambda e: e.line))


async def _stored(conn: Conn, rows: list[_Row]) -> dict[str, _Working]:
    """The stored records the batch's rows name, with their history, by NIK hash."""
    hashes = list(dict.fromkeys(r.person.nik_hash for r in rows))
    stored = await store.find_records(conn, hashes)
    known_history = await store.history_keys(conn, [s.id for s in stored.values()])
    return {
        h: _Working(
            record_id=s.id,
            kk_hash=s.kk_hash,
            status=s.status,
            status_date=s.status_date,
            note=None,
            history=known_history[s.id],
            initial_status=s.status,
            initial_date=s.status_date,
        )
        for h, s in stored.items()
    }


async def _store(
    conn: Conn, work: dict[str, _Working], source: str, actor_id: int | None, now: datetime
) -> int:
    """Write what the batch changed: new records, history rows, moved statuses, and the
    messages for subscribers of records that entered a notifying status. Returns how many
    messages were queued."""
    new_records = [
        store.NewRecord(
            nik_hash=h,
            kk_hash=w.kk_hash,
            nik_masked=mask_nik(w.first.person.nik),
            name_masked=w.first.person.name_masked,
            district=w.first.person.nik[:6],
            status=w.status,
            status_date=w.status_date,
            note=w.note,
        )
        for h, w in work.items()
        if w.first is not None
    ]
    ids = await store.insert_records(conn, new_records, now)
    for h, record_id in ids.items():
        work[h].record_id = record_id
    history_rows: list[store.HistoryRow] = []
    moves: list[store.StatusMove] = []
    entered: list[_Working] = []
    for w in work.values():
        assert w.record_id is not None
        history_rows.extend(store.HistoryRow(w.record_id, r.status, r.on, r.note) for r in w.added)
        if w.first is None and (w.status, w.status_date) != (w.initial_status, w.initial_date):
            moves.append(store.StatusMove(w.record_id, w.status, w.status_date, w.note))
            if w.status is not w.initial_status and w.status.facts.notifies:
                entered.append(w)
    await store.add_history_rows(conn, history_rows, source, actor_id, now)
    await store.move_records(conn, moves, now)
    return await _notify(conn, entered, now) if entered else 0


async def _notify(conn: Conn, entered: list[_Working], now: datetime) -> int:
    """Queue messages for subscribers of records that entered a notifying status (same txn)."""
    queued = 0
    for w in entered:
        assert w.record_id is not None
        queued += await outbox.enqueue_status_change(
            conn, record_id=w.record_id, status=w.status, entered_on=w.status_date, now=now
        )
    return queued


def _reject_many(summary: ImportSummary, errors: list[RowError]) -> None:
    summary.rejected += len(errors)
    room = MAX_ERRORS - len(summary.errors)
    if room > 0:
        summary.errors.extend(errors[:room])


# --- the engine -----------------------------------------------------------------------------


async def import_csv(
    services: Services,
    source: Path | BinaryIO,
    *,
    source_name: str,
    actor_id: int | None = None,
    on_progress: ProgressCallback | None = None,
    batch_size: int = 2000,
) -> ImportSummary:
    """Import a status CSV (a path or a binary file object) and return what it did.

    Raises ImportFileError when the file as a whole is unusable (nothing is changed then).
    Bad rows are rejected one by one with their line and reason; the others are applied in
    batches of `batch_size` rows, one transaction each. on_progress(bytes_done, bytes_total) is
    called after every batch.
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as raw:
            return await _import_stream(
                services, raw, source_name, actor_id, on_progress, batch_size
            )
    if not source.seekable():
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
            shutil.copyfileobj(source, spool)
            spool.seek(0)
            return await _import_stream(
                services, spool, source_name, actor_id, on_progress, batch_size
            )
    return await _import_stream(services, source, source_name, actor_id, on_progress, batch_size)


async def _import_stream(
    services: Services,
    raw: IO[bytes],
    source_name: str,
    actor_id: int | None,
    on_progress: ProgressCallback | None,
    batch_size: int,
) -> ImportSummary:
    total_bytes = _check_bytes(raw)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        first_line, header_line = skip_to_header(text)
        if not first_line:
            raise ImportFileError(texts_staff.IMPORT_FILE_EMPTY)
        header = _read_header(first_line)
        name = redact_file_name(Path(source_name).name) or "impor.csv"
        source = f"import:{name}"
        today = services.today()
        parser = _RowParser(services, header, today)
        summary = ImportSummary(ignored_columns=header.ignored)
        async with services.db.transaction() as conn:
            summary.import_id = await store.start_import(conn, name, actor_id, services.clock.now())

        async def progress() -> None:
            if on_progress is not None:
                result = on_progress(min(raw.tell(), total_bytes), total_bytes)
                if inspect.isawaitable(result):
                    await result

        batch: list[_Row] = []
        refused: list[RowError] = []
        for line, cells, why in physical_rows(text, header.delimiter, header_line):
            summary.rows_read += 1
            if cells is None:
                refused.append(RowError(line, why or texts_staff.IMPORT_ROW_UNREADABLE))
            else:
                try:
                    batch.append(parser.parse(line, cells))
                except RowRejected as exc:
                    refused.append(RowError(line, exc.reason))
            if len(batch) + len(refused) >= batch_size:
                await _apply_batch(services, batch, refused, summary, source, actor_id)
                batch, refused = [], []
                await progress()
            elif summary.rows_read % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the bot answer others while a big batch is read
        if batch or refused:
            await _apply_batch(services, batch, refused, summary, source, actor_id)
        finished = services.clock.now()
        async with services.db.transaction() as conn:
            await store.record_progress(
                conn,
                summary.import_id,
                rows_read=summary.rows_read,
                new=summary.new,
                changed=summary.changed,
                unchanged=summary.unchanged,
                rejected=summary.rejected,
                finished_at=finished,
            )
            await settings_store.put(conn, settings_store.LAST_IMPORT_AT, utc_iso(finished))
        if summary.new or summary.changed:
            await services.insights.history_changed(services.db.conn)
        await progress()
    finally:
        text.detach()
    log.info(
        "impor #%s selesai: %d baris, %d baru, %d berubah, %d tetap, %d ditolak, %d kabar",
        summary.import_id,
        summary.rows_read,
        summary.new,
        summary.changed,
        summary.unchanged,
        summary.rejected,
        summary.notifications,
    )
    return summary
