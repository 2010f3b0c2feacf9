"""Status import (CSV or Excel): read the file as a stream, validate each row, apply in batches.

The one engine behind `python -m bot import FILE`, the staff's Telegram upload (`/impor`) and
the import folder: `import_file(services, path_or_file, source_name=...)` returns the summary.
Format (DESIGN.md §4): a header row; columns nik, no_kk, nama, status, tanggal_status,
keterangan in any order and case; comma or semicolon; UTF-8 with or without BOM; dates
YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY; or an .xlsx workbook (its first sheet or the one named),
read by `tables.py` (quoted line breaks, Excel's cells, every physical line accounted for).
Each row is one history entry; a record's current status is its latest-dated one. Rows go to
the database in batches, one transaction each, so a crash leaves whole batches
and a re-run finishes the job: rows already applied count as unchanged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
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
from bot.services.tables import (  # noqa: F401 (MAX_LINE_CHARS: re-exported)
    MAX_LINE_CHARS,
    SheetTable,
    Table,
    TableError,
    cell_text,
    open_table,
)
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

#: Rejected rows kept with their reason (the count of rejected rows is always complete).
MAX_ERRORS = 1000
#: Rows parsed between two turns of the event loop.
_YIELD_EVERY = 500

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
    #: The file's physical lines (a sheet's rows) up to its last: the header's line (and the
    #: blank ones before it) + blank_lines + rows_read + continued_lines.
    lines: int = 0
    blank_lines: int = 0  # blank lines (and lines of separators only), skipped
    continued_lines: int = 0  # lines inside a quoted cell begun on an earlier line
    header_line: int = 1

    def text(self) -> str:
        """What the import did, for the person who ran it (HTML; the CLI strips the tags)."""
        text = texts_staff.import_summary(
            rows_read=self.rows_read,
            new=self.new,
            changed=self.changed,
            unchanged=self.unchanged,
            rejected=self.rejected,
            notifications=self.notifications,
            ignored_columns=self.ignored_columns,
        )
        if self.rows_read and (self.blank_lines or self.continued_lines):
            accounted = texts_staff.import_lines_accounted(
                self.lines, self.blank_lines, self.continued_lines
            )
            text += "\n" + accounted
        return text

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


# --- reading the file -----------------------------------------------------------------------


@dataclass(slots=True)
class _Header:
    index: dict[str, int]  # column name -> position
    width: int
    ignored: list[str]


def _read_header(cells: list[str]) -> _Header:
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
    return _Header(index, len(cells), ignored)


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
    status_text: str  # status.value and on.isoformat(), worked out once per text (the
    on_text: str  # writer's loop over every row then only packs them)


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
        self.today_pair = (today, today.isoformat())

        self.parse: Callable[[int, list[str]], _Row] = self._parser()

    def _parser(self) -> Callable[[int, list[str]], _Row]:
        """`parse(line, cells)`: one row's _Row, or RowRejected with the reason. A closure over
        the header's positions and the memories (it runs once a row: every lookup counts)."""
        width, nik_at, kk_at, name_at = self.width, self.nik_at, self.kk_at, self.name_at
        status_at, date_at, note_at = self.status_at, self.date_at, self.note_at
        person_memo, status_memo, date_memo, note_memo = (
            self.person,
            self.status,
            self.date,
            self.note,
        )
        persons, statuses, dates, notes = (
            person_memo.known,
            status_memo.known,
            date_memo.known,
            note_memo.known,
        )
        today_pair = self.today_pair
        row = _Row

        def parse(line: int, cells: list[str]) -> _Row:
            if len(cells) != width:
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                elif any(c.strip() for c in cells[width:]):
                    raise RowRejected(texts_staff.import_row_too_many_cells(len(cells), width))
            name = cells[name_at].strip() if name_at is not None else ""
            kk = cells[kk_at].strip() if kk_at is not None else ""
            # The memories are asked directly first: most cells repeat (see _Memo).
            key = f"{cells[nik_at].strip()}{_SEP}{kk}{_SEP}{name}"
            person = persons.get(key) or person_memo(key)
            text = cells[status_at].strip()
            status, status_text = statuses.get(text) or status_memo(text)
            date_text = cells[date_at].strip() if date_at is not None else ""
            if date_text:
                on, on_text = dates.get(date_text) or date_memo(date_text)
            else:
                on, on_text = today_pair
            if note_at is not None and (note_text := cells[note_at].strip()):
                key = f"{note_text}{_SEP}{name}"
                note = notes.get(key) or note_memo(key)
            else:
                note = None
            return row(line, person, status, on, bool(date_text), note, status_text, on_text)

        return parse

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

    def _date(self, text: str) -> tuple[date, str]:
        try:
            on = parse_date(text)
        except DateFormatError as exc:
            raise RowRejected(texts_staff.import_row_bad_date(text, exc.impossible)) from None
        if on > self.today:
            raise RowRejected(texts_staff.import_row_future_date(on))
        return on, on.isoformat()


#: Joins cells into one memo key (a file with a NUL byte is refused before any row is read).
_SEP = "\x00"


def _status(text: str) -> tuple[KtpStatus, str]:
    if not text:
        raise RowRejected(texts_staff.IMPORT_ROW_STATUS_EMPTY)
    try:
        status = parse_status(text)
    except UnknownStatusError as exc:
        raise RowRejected(texts_staff.status_reason(exc)) from None
    return status, status.value


def _note(cells: str) -> str | None:
    note, name = cells.split(_SEP)
    return clean_note(note, name)


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
        find = work.get
        new = changed = unchanged = 0
        for row in rows:
            person = row.person
            w = find(person.nik_hash)
            status, on = row.status, row.on
            if w is None:
                if person.kk_hash is None:
                    rejected.append(RowError(row.line, texts_staff.IMPORT_ROW_KK_REQUIRED))
                    continue
                work[person.nik_hash] = _Working(
                    record_id=None,
                    kk_hash=person.kk_hash,
                    status=status,
                    status_date=on,
                    note=row.note,
                    history={(status, on)},
                    first=row,
                    added=[row],
                )
                new += 1
                continue
            if person.kk_hash is not None and person.kk_hash != w.kk_hash:
                rejected.append(RowError(row.line, texts_staff.IMPORT_ROW_KK_MISMATCH))
                continue
            key = (status, on)
            history = w.history
            if key in history or (not row.dated and status is w.status):
                unchanged += 1
                continue
            history.add(key)
            w.added.append(row)
            if on >= w.status_date:
                w.status, w.status_date, w.note = status, on, row.note
            changed += 1
        counts.new, counts.changed, counts.unchanged = new, changed, unchanged
        queued = await _store(conn, work, source, actor_id, now)
        new_before, changed_before, unchanged_before, rejected_before = before
        await store.record_progress(
            conn,
            import_id,
            rows_read=summary.rows_read,
            new=new_before + counts.new,
            changed=changed_before + counts.changed,
            unchanged=unchanged_before + counts.unchanged,
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
    stamp = utc_iso(now)
    history: list[tuple[object, ...]] = []
    add = history.append
    moves: list[store.StatusMove] = []
    entered: list[_Working] = []
    for w in work.values():
        held = w.record_id
        assert held is not None
        for r in w.added:
            add((held, r.status_text, r.on_text, r.note, source, actor_id, stamp))
        if w.first is None and (w.status, w.status_date) != (w.initial_status, w.initial_date):
            moves.append(store.StatusMove(held, w.status, w.status_date, w.note))
            if w.status is not w.initial_status and w.status.facts.notifies:
                entered.append(w)
    await store.add_history_values(conn, history)
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


async def import_file(
    services: Services,
    source: Path | BinaryIO,
    *,
    source_name: str,
    actor_id: int | None = None,
    sheet: str | None = None,
    on_progress: ProgressCallback | None = None,
    batch_size: int = 2000,
    source_label: str | None = None,
) -> ImportSummary:
    """Import a status file, CSV or Excel workbook (a path or a binary file object, told apart
    by its first bytes), and return what it did.

    The history keeps where each change came from: `source_label` when given (already free of
    personal data, e.g. a Telegram upload's "unggahan petugas 123 ..."), else the file's name
    with any NIK-like number in it masked.

    Raises ImportFileError when the file as a whole is unusable (nothing is changed then, and
    no one is notified). Bad rows are rejected one by one with their line (an Excel row number)
    and reason; the others are applied in batches of `batch_size` rows, one transaction each.
    `sheet` names a workbook's sheet (default: the first). on_progress(done, total) is called
    after every batch (bytes of a CSV, rows of a sheet).
    """
    kept = source_label or redact_file_name(Path(source_name).name) or "impor.csv"
    if isinstance(source, str | Path):
        with open(source, "rb") as raw:
            return await _import_stream(
                services, raw, kept, actor_id, sheet, on_progress, batch_size
            )
    if not source.seekable():
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
            shutil.copyfileobj(source, spool)
            spool.seek(0)
            return await _import_stream(
                services, spool, kept, actor_id, sheet, on_progress, batch_size
            )
    return await _import_stream(services, source, kept, actor_id, sheet, on_progress, batch_size)


#: Rows a transaction for an import from the shell: at least this many, ...
SHELL_BATCH_MIN = 50_000
#: ... at most this many (about 110 MB more memory at the top) ...
SHELL_BATCH_MAX = 250_000
#: ... else a tenth of the file's rows (a file's rows estimated at this many bytes each): a big
#: file is written in about ten transactions, each touching the records' indexes once, so the
#: 2.16 M-row file writes 2.5x its database instead of 3.7x.
_BYTES_A_ROW = 77


def shell_batch_size(file_bytes: int) -> int:
    """The rows a transaction of `python -m bot import` (and the bench): see SHELL_BATCH_*."""
    return max(SHELL_BATCH_MIN, min(SHELL_BATCH_MAX, file_bytes // _BYTES_A_ROW // 10))


#: The name the import had when it read CSV only (kept for callers written then).
import_csv = import_file


def open_import_table(raw: IO[bytes], sheet: str | None = None) -> Table:
    """The status file opened for reading (ImportFileError when it cannot be read at all)."""
    try:
        return open_table(raw, columns=COLUMNS, normalise=normalise_header, sheet=sheet)
    except TableError as exc:
        raise ImportFileError(exc.reason) from None


def _check_excel_damage(table: Table, nik_at: int) -> None:
    """Refuse the whole file when more than half of its NIKs were turned into numbers by Excel
    (a number cell, or text such as "1.60508E+15"): the office must fix the column first."""
    if not table.may_hold_excel_numbers:
        return
    if isinstance(table, SheetTable):
        texts = (v if type(v) is str else cell_text(v) for v in table.column_values(nik_at))
    else:
        texts = (
            cells[nik_at] if nik_at < len(cells) else ""
            for _, cells, _ in table.rows()
            if cells is not None
        )
    total = damaged = 0
    for text in texts:
        nik = text.strip()
        if nik:
            total += 1
            if _EXCEL_NUMBER.fullmatch(unwrap_number(nik)):
                damaged += 1
    if damaged * 2 > total:
        raise ImportFileError(texts_staff.import_file_excel_damaged(damaged, total))


async def _import_stream(
    services: Services,
    raw: IO[bytes],
    kept_name: str,
    actor_id: int | None,
    sheet: str | None,
    on_progress: ProgressCallback | None,
    batch_size: int,
) -> ImportSummary:
    table = open_import_table(raw, sheet)
    try:
        header = _read_header(table.header)
    except ImportFileError as exc:
        if isinstance(table, SheetTable) and exc.reason == texts_staff.IMPORT_FILE_NOT_CSV:
            reason = texts_staff.import_sheet_without_header(table.sheet, table.sheet_names)
            raise ImportFileError(reason) from None
        raise
    _check_excel_damage(table, header.index["nik"])
    source = f"import:{kept_name}"
    today = services.today()
    parser = _RowParser(services, header, today)
    summary = ImportSummary(ignored_columns=header.ignored, header_line=table.header_line)
    async with services.db.transaction() as conn:
        summary.import_id = await store.start_import(
            conn, kept_name, actor_id, services.clock.now()
        )

    async def progress() -> None:
        if on_progress is not None:
            result = on_progress(*table.progress())
            if inspect.isawaitable(result):
                await result

    batch: list[_Row] = []
    refused: list[RowError] = []
    async with services.db.bulk_writes():
        parse, keep = parser.parse, batch.append
        read = applied = 0  # rows read; rows read when the last batch was applied
        for line, cells, why in table.rows():
            read += 1
            if cells is None:
                refused.append(RowError(line, why or texts_staff.IMPORT_ROW_UNREADABLE))
            else:
                try:
                    keep(parse(line, cells))
                except RowRejected as exc:
                    refused.append(RowError(line, exc.reason))
            if read - applied >= batch_size:  # every row read is in batch or refused
                summary.rows_read = applied = read
                await _apply_batch(services, batch, refused, summary, source, actor_id)
                batch, refused = [], []
                keep = batch.append
                await progress()
            elif read % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the bot answer others while a batch is read
        summary.rows_read = read
        if batch or refused:
            await _apply_batch(services, batch, refused, summary, source, actor_id)
    tally = table.tally
    summary.lines, summary.blank_lines = tally.lines, tally.blank
    summary.continued_lines = tally.continued
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
