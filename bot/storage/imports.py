"""Bulk reads and writes for the CSV import: batched forms of insert_record/set_status, and the
`imports` log. Every function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.states import KtpStatus
from bot.storage.db import utc_iso
from bot.storage.driver import Conn, Row

#: Host parameters per statement, well under SQLite's limit on every build.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RecordState:
    """What the import needs to know about a stored record."""

    id: int
    kk_hash: str
    status: KtpStatus
    status_date: date


@dataclass(frozen=True, slots=True)
class NewRecord:
    nik_hash: str
    kk_hash: str
    nik_masked: str
    name_masked: str | None
    district: str
    status: KtpStatus
    status_date: date
    note: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    record_id: int
    status: KtpStatus
    entered_on: date
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


async def find_records(conn: Conn, nik_hashes: Sequence[str]) -> dict[str, RecordState]:
    """The stored records among these NIK hashes, by hash."""
    found: dict[str, RecordState] = {}
    for chunk in _chunks(nik_hashes):
        marks = ",".join("?" * len(chunk))
        sql = (
            "SELECT id, nik_hash, kk_hash, status, status_date FROM records"
            f" WHERE nik_hash IN ({marks})"
        )
        async with conn.execute(sql, tuple(chunk)) as cur:
            for row in await cur.fetchall():
                found[row["nik_hash"]] = RecordState(
                    id=row["id"],
                    kk_hash=row["kk_hash"],
                    status=KtpStatus(row["status"]),
                    status_date=date.fromisoformat(row["status_date"]),
                )
    return found


async def history_keys(
    conn: Conn, record_ids: Sequence[int]
) -> dict[int, set[tuple[KtpStatus, date]]]:
    """Every (status, date) already in the history of these records, by record id."""
    keys: dict[int, set[tuple[KtpStatus, date]]] = {rid: set() for rid in record_ids}
    for chunk in _chunks(record_ids):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT record_id, status, entered_on FROM status_history WHERE record_id IN ({marks})"
        )
        async with conn.execute(sql, tuple(chunk)) as cur:
            for row in await cur.fetchall():
                keys[row[0]].add((KtpStatus(row[1]), date.fromisoformat(row[2])))
    return keys


#: Rows per multi-row INSERT: 200 rows of at most 10 columns stay well under both databases'
#: limits on parameters per statement.
_ROWS_PER_INSERT = 200


async def _insert_many(
    conn: Conn, head: str, rows: Sequence[tuple[object, ...]], tail: str = ""
) -> list[Row]:
    """`head VALUES (?,..),(?,..) tail` for the rows, 200 a statement (one trip each instead of
    one a row); the rows the statements return (with a RETURNING tail)."""
    returned: list[Row] = []
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        marks = "(" + ",".join("?" * len(chunk[0])) + ")"
        sql = f"{head} VALUES {','.join([marks] * len(chunk))} {tail}".rstrip()
        returned += await conn.execute_fetchall(sql, [value for row in chunk for value in row])
    return returned


async def insert_records(conn: Conn, records: Sequence[NewRecord], now: datetime) -> dict[str, int]:
    """Create records (without history: add it with add_history_rows); return ids by NIK hash."""
    stamp = utc_iso(now)
    rows = [
        (
            r.nik_hash,
            r.kk_hash,
            r.nik_masked,
            r.name_masked,
            r.district,
            r.status.value,
            r.status_date.isoformat(),
            r.note,
            stamp,
            stamp,
        )
        for r in records
    ]
    head = (
        "INSERT INTO records (nik_hash, kk_hash, nik_masked, name_masked, district, status,"
        " status_date, note, created_at, updated_at)"
    )
    if conn.dialect.is_sqlite and rows:
        # SQLite gives a new row of a table without AUTOINCREMENT the largest id + 1: inside
        # the writer's transaction the ids of these rows are the next ones, in order, so the
        # plain executemany (a third cheaper than INSERT ... RETURNING) says them all.
        async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM records") as cur:
            found = await cur.fetchone()
        first = int(found[0]) + 1 if found is not None else 1
        await conn.executemany(f"{head} VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        return {r.nik_hash: first + i for i, r in enumerate(records)}
    inserted = await _insert_many(conn, head, rows, "RETURNING id, nik_hash")
    return {row[1]: row[0] for row in inserted}


async def add_history_rows(
    conn: Conn,
    rows: Sequence[HistoryRow],
    source: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Add history rows; a (record, status, date) already there is left as it is."""
    stamp = utc_iso(now)
    values = [
        (r.record_id, r.status.value, r.entered_on.isoformat(), r.note, source, actor_id, stamp)
        for r in rows
    ]
    head = (
        "INSERT OR IGNORE INTO status_history (record_id, status, entered_on, note, source,"
        " actor_id, recorded_at)"
    )
    await _insert_many(conn, head, values)


async def add_history_values(conn: Conn, values: Sequence[tuple[object, ...]]) -> None:
    """add_history_rows for rows already packed as (record_id, status, entered_on ISO, note,
    source, actor_id, recorded_at ISO): the import's form, without a second pass over them."""
    head = (
        "INSERT OR IGNORE INTO status_history (record_id, status, entered_on, note, source,"
        " actor_id, recorded_at)"
    )
    await _insert_many(conn, head, values)


async def move_records(conn: Conn, moves: Sequence[StatusMove], now: datetime) -> None:
    """Set the current status of records whose history rows are written alongside.

    The batched form of records.set_status: the caller writes the matching history rows in the
    same transaction with add_history_rows.
    """
    if not moves:
        return
    stamp = utc_iso(now)
    await conn.executemany(
        "UPDATE records SET status = ?, status_date = ?, note = ?, updated_at = ? WHERE id = ?",
        [(m.status.value, m.status_date.isoformat(), m.note, stamp, m.record_id) for m in moves],
    )


async def start_import(conn: Conn, source: str, actor_id: int | None, now: datetime) -> int:
    """Log the start of an import; return its id."""
    cur = await conn.execute(
        "INSERT INTO imports (source, started_at, actor_id) VALUES (?, ?, ?)",
        (source, utc_iso(now), actor_id),
    )
    return int(cur.lastrowid or 0)


async def record_progress(
    conn: Conn,
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


async def recent_imports(conn: Conn, limit: int = 10) -> list[ImportLog]:
    """The latest imports, newest first (unfinished ones have finished_at None)."""
    sql = (
        "SELECT id, source, started_at, finished_at, actor_id, rows_read, new, changed,"
        " unchanged, rejected FROM imports ORDER BY id DESC LIMIT ?"
    )
    async with conn.execute(sql, (limit,)) as cur:
        return [ImportLog(*row) for row in await cur.fetchall()]
