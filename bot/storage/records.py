"""Records and their status history: lookups by keyed hash, and the one way a status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.states import KtpStatus
from bot.storage.db import inserted_id, utc_iso
from bot.storage.driver import Conn, Row


@dataclass(frozen=True, slots=True)
class Record:
    id: int
    nik_hash: str
    kk_hash: str
    nik_masked: str
    name_masked: str | None
    district: str
    status: KtpStatus
    status_date: date
    note: str | None
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> Record:
        return cls(
            id=row["id"],
            nik_hash=row["nik_hash"],
            kk_hash=row["kk_hash"],
            nik_masked=row["nik_masked"],
            name_masked=row["name_masked"],
            district=row["district"],
            status=KtpStatus(row["status"]),
            status_date=date.fromisoformat(row["status_date"]),
            note=row["note"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    status: KtpStatus
    entered_on: date
    note: str | None
    source: str
    actor_id: int | None
    recorded_at: str


async def get_by_nik_hash(conn: Conn, nik_hash: str) -> Record | None:
    async with conn.execute("SELECT * FROM records WHERE nik_hash = ?", (nik_hash,)) as cur:
        row = await cur.fetchone()
    return Record.from_row(row) if row else None


async def get_by_id(conn: Conn, record_id: int) -> Record | None:
    async with conn.execute("SELECT * FROM records WHERE id = ?", (record_id,)) as cur:
        row = await cur.fetchone()
    return Record.from_row(row) if row else None


async def history(conn: Conn, record_id: int) -> list[HistoryEntry]:
    """The record's status history, oldest first."""
    sql = (
        "SELECT status, entered_on, note, source, actor_id, recorded_at FROM status_history"
        " WHERE record_id = ? ORDER BY entered_on, id"
    )
    async with conn.execute(sql, (record_id,)) as cur:
        rows = await cur.fetchall()
    return [
        HistoryEntry(
            status=KtpStatus(r["status"]),
            entered_on=date.fromisoformat(r["entered_on"]),
            note=r["note"],
            source=r["source"],
            actor_id=r["actor_id"],
            recorded_at=r["recorded_at"],
        )
        for r in rows
    ]


async def insert_record(
    conn: Conn,
    *,
    nik_hash: str,
    kk_hash: str,
    nik_masked: str,
    name_masked: str | None,
    district: str,
    status: KtpStatus,
    status_date: date,
    note: str | None,
    source: str,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Create a record in its first status, with its first history row; return its id."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT INTO records (nik_hash, kk_hash, nik_masked, name_masked, district, status,"
        " status_date, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            nik_hash,
            kk_hash,
            nik_masked,
            name_masked,
            district,
            status.value,
            status_date.isoformat(),
            note,
            stamp,
            stamp,
        ),
    )
    record_id = inserted_id(cur)
    await add_history(conn, record_id, status, status_date, note, source, actor_id, now)
    return record_id


async def add_history(
    conn: Conn,
    record_id: int,
    status: KtpStatus,
    entered_on: date,
    note: str | None,
    source: str,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Add one history row; False when that (status, date) is already in the history."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO status_history (record_id, status, entered_on, note, source,"
        " actor_id, recorded_at) VALUES (?,?,?,?,?,?,?)",
        (record_id, status.value, entered_on.isoformat(), note, source, actor_id, utc_iso(now)),
    )
    return cur.rowcount > 0


async def set_status(
    conn: Conn,
    record_id: int,
    status: KtpStatus,
    entered_on: date,
    note: str | None,
    source: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Move a record to a new current status and write its history row (caller's transaction)."""
    await conn.execute(
        "UPDATE records SET status = ?, status_date = ?, note = ?, updated_at = ? WHERE id = ?",
        (status.value, entered_on.isoformat(), note, utc_iso(now), record_id),
    )
    await add_history(conn, record_id, status, entered_on, note, source, actor_id, now)
