"""Bulk reads and writes for the CSV import: batched forms of insert_record/set_status, and the
`imports` log. Every function works inside the caller's transaction."""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import aiosqlite

from bot.states import KtpStatus
from bot.storage.db import utc_iso

#: Host parameters per statement, well under SQLite's limit on every build.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RecordState:
    """What the import needs to know about a stored record."""

    id: int
    kk_hash: str
    status: KtpStatus
    status_date: date


class NewRecord(NamedTuple):
    """A record to create, as stored (the import makes one per new person)."""

    nik_hash: str
    kk_hash: str
    nik_masked: str
    name_masked: str | None
    district: str
    status: str  # the status code
    status_date: str  # ISO date
    note: str | None


@dataclass(frozen=True, slots=True)
class StatusMove:
    record_id: int
    status: KtpStatus
    status_date: date
    note: str | None


def _chunks(items: Sequence[str] | Sequence[int]) -> Iterable[Sequence[str] | Sequence[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# The import applies a batch in one call on the writer's thread (`Database.call`): these take
# the raw sqlite3 connection inside the caller's transaction, and read plain tuples.


def _cursor(raw: sqlite3.Connection) -> sqlite3.Cursor:
    cur = raw.cursor()
    cur.row_factory = None
    return cur


def find_records(raw: sqlite3.Connection, nik_hashes: Sequence[str]) -> dict[str, RecordState]:
    """The stored records among these NIK hashes, by hash."""
    found: dict[str, RecordState] = {}
    cur = _cursor(raw)
    for chunk in _chunks(nik_hashes):
        marks = ",".join("?" * len(chunk))
        sql = (
            "SELECT id, nik_hash, kk_hash, status, status_date FROM records"
            f" WHERE nik_hash IN ({marks})"
        )
        for record_id, nik_hash, kk_hash, status, status_date in cur.execute(sql, tuple(chunk)):
            found[nik_hash] = RecordState(
                id=record_id,
                kk_hash=kk_hash,
                status=KtpStatus(status),
                status_date=date.fromisoformat(status_date),
            )
    return found


def history_keys(
    raw: sqlite3.Connection, record_ids: Sequence[int]
) -> dict[int, set[tuple[KtpStatus, date]]]:
    """Every (status, date) already in the history of these records, by record id."""
    keys: dict[int, set[tuple[KtpStatus, date]]] = {rid: set() for rid in record_ids}
    days: dict[str, date] = {}
    cur = _cursor(raw)
    for chunk in _chunks(record_ids):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT record_id, status, entered_on FROM status_history WHERE record_id IN ({marks})"
        )
        for record_id, status, entered_on in cur.execute(sql, tuple(chunk)):
            day = days.get(entered_on)
            if day is None:
                day = days[entered_on] = date.fromisoformat(entered_on)
            keys[record_id].add((KtpStatus(status), day))
    return keys


#: Host parameters per statement: within 999, the limit of SQLite builds before 3.32.
_MAX_PARAMS = 999


@functools.lru_cache(maxsize=32)
def _values_sql(head: str, group: str, own: int, shared: int, rows: int) -> str:
    """`head` followed by `rows` copies of `group`, whose {0}..{own-1} become numbered
    parameters after the `shared` ones (?1..?shared, the same for every row)."""
    groups = []
    for row in range(rows):
        base = shared + 1 + row * own
        groups.append(group.format(*(f"?{base + k}" for k in range(own))))
    return head + ",".join(groups)


def _insert_rows(
    cur: sqlite3.Cursor,
    head: str,
    group: str,
    shared: tuple[object, ...],
    rows: Sequence[tuple[object, ...]],
) -> None:
    """Many rows per INSERT statement (`head` ends in VALUES): a statement per row costs more
    than the row itself (binding, stepping, resetting through the sqlite3 module)."""
    if not rows:
        return
    own = len(rows[0])
    per_statement = (_MAX_PARAMS - len(shared)) // own
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = _values_sql(head, group, own, len(shared), len(chunk))
        cur.execute(sql, shared + tuple(itertools.chain.from_iterable(chunk)))


def insert_records(
    raw: sqlite3.Connection, records: Sequence[NewRecord], now: datetime
) -> list[int]:
    """Create records (without history: add it with add_history_rows); return their ids, in
    order. The ids follow the largest one stored, as SQLite would give them (the caller holds
    the write lock, so nobody else takes them meanwhile)."""
    if not records:
        return []
    cur = _cursor(raw)
    first = int(cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM records").fetchone()[0])
    ids = list(range(first, first + len(records)))
    _insert_rows(
        cur,
        "INSERT INTO records (id, nik_hash, kk_hash, nik_masked, name_masked, district, status,"
        " status_date, note, created_at, updated_at) VALUES ",
        "({0},{1},{2},{3},{4},{5},{6},{7},{8},?1,?1)",
        (utc_iso(now),),
        [(record_id, *r) for record_id, r in zip(ids, records, strict=True)],
    )
    return ids


#: A history row as the import writes it: record id, status code, ISO date, note.
HistoryRow = tuple[int, str, str, str | None]


def add_history_rows(
    raw: sqlite3.Connection,
    rows: Sequence[HistoryRow],
    source: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Add history rows; a (record, status, date) already there is left as it is."""
    _insert_rows(
        _cursor(raw),
        "INSERT OR IGNORE INTO status_history (record_id, status, entered_on, note, source,"
        " actor_id, recorded_at) VALUES ",
        "({0},{1},{2},{3},?1,?2,?3)",
        (source, actor_id, utc_iso(now)),
        rows,
    )


def move_records(raw: sqlite3.Connection, moves: Sequence[StatusMove], now: datetime) -> None:
    """Set the current status of records whose history rows are written alongside.

    The batched form of records.set_status: the caller writes the matching history rows in the
    same transaction with add_history_rows.
    """
    if not moves:
        return
    stamp = utc_iso(now)
    _cursor(raw).executemany(
        "UPDATE records SET status = ?, status_date = ?, note = ?, updated_at = ? WHERE id = ?",
        [(m.status.value, m.status_date.isoformat(), m.note, stamp, m.record_id) for m in moves],
    )


def with_subscriptions(raw: sqlite3.Connection, record_ids: Sequence[int]) -> set[int]:
    """The records among these that have an active subscription (only they can need a
    message when their status moves)."""
    found: set[int] = set()
    cur = _cursor(raw)
    for chunk in _chunks(record_ids):
        marks = ",".join("?" * len(chunk))
        sql = (
            "SELECT DISTINCT record_id FROM subscriptions"
            f" WHERE active = 1 AND record_id IN ({marks})"
        )
        found.update(r[0] for r in cur.execute(sql, tuple(chunk)))
    return found


def set_progress(
    raw: sqlite3.Connection,
    import_id: int,
    *,
    rows_read: int,
    new: int,
    changed: int,
    unchanged: int,
    rejected: int,
) -> None:
    """Store the counts so far (in the batch's transaction)."""
    raw.execute(
        "UPDATE imports SET rows_read = ?, new = ?, changed = ?, unchanged = ?, rejected = ?"
        " WHERE id = ?",
        (rows_read, new, changed, unchanged, rejected, import_id),
    )


async def start_import(
    conn: aiosqlite.Connection, source: str, actor_id: int | None, now: datetime
) -> int:
    """Log the start of an import; return its id."""
    cur = await conn.execute(
        "INSERT INTO imports (source, started_at, actor_id) VALUES (?, ?, ?)",
        (source, utc_iso(now), actor_id),
    )
    return int(cur.lastrowid or 0)


async def record_progress(
    conn: aiosqlite.Connection,
    import_id: int,
    *,
    rows_read: int,
    new: int,
    changed: int,
    unchanged: int,
    rejected: int,
    finished_at: datetime | None = None,
) -> None:
    """Store the counts so far (in the batch's transaction), and the end time when done."""
    await conn.execute(
        "UPDATE imports SET rows_read = ?, new = ?, changed = ?, unchanged = ?, rejected = ?,"
        " finished_at = ? WHERE id = ?",
        (
            rows_read,
            new,
            changed,
            unchanged,
            rejected,
            utc_iso(finished_at) if finished_at else None,
            import_id,
        ),
    )


@dataclass(frozen=True, slots=True)
class ImportLog:
    id: int
    source: str
    started_at: str
    finished_at: str | None
    actor_id: int | None
    rows_read: int
    new: int
    changed: int
    unchanged: int
    rejected: int


async def recent_imports(conn: aiosqlite.Connection, limit: int = 10) -> list[ImportLog]:
    """The latest imports, newest first (unfinished ones have finished_at None)."""
    sql = (
        "SELECT id, source, started_at, finished_at, actor_id, rows_read, new, changed,"
        " unchanged, rejected FROM imports ORDER BY id DESC LIMIT ?"
    )
    async with conn.execute(sql, (limit,)) as cur:
        return [ImportLog(*row) for row in await cur.fetchall()]
