"""Queries behind the waiting-time figures and the print queue (see bot/insights.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from datetime import date

from bot.states import KtpStatus
from bot.storage.driver import Conn, Row

_HISTORY_IN_ORDER = (
    "SELECT record_id, status, entered_on FROM status_history ORDER BY record_id, entered_on, id"
)


def _count_stays(
    rows: Iterable[tuple[int, str, str] | sqlite3.Row | Row],
) -> dict[str, dict[int, int]]:
    """Fold history rows (ordered by record, date) into finished stays per status.

    Consecutive rows with the same status are one stay; a stay ends on the day the record
    entered a different status. The last stay of each record is still running: not counted.
    (One pass in Python over the index is several times faster than SQL window functions.)
    """
    out: dict[str, dict[int, int]] = {}
    ordinals: dict[str, int] = {}
    record: int | None = None
    status = ""
    start = 0
    for record_id, code, entered_on in rows:
        day = ordinals.get(entered_on)
        if day is None:
            day = ordinals[entered_on] = date.fromisoformat(entered_on).toordinal()
        if record_id != record:
            record, status, start = record_id, code, day
        elif code != status:
            if day >= start:
                per_days = out.setdefault(status, {})
                per_days[day - start] = per_days.get(day - start, 0) + 1
            status, start = code, day
    return out


def _stay_counts_from_file(path: str) -> dict[str, dict[int, int]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _count_stays(conn.execute(_HISTORY_IN_ORDER))
    finally:
        conn.close()


async def stay_counts(conn: Conn) -> dict[str, dict[int, int]]:
    """Status code -> {days a finished stay took: how many stays}, over the whole history.

    Reads through its own read-only connection in a worker thread, so the bot's connection
    stays free for other work meanwhile (about a second on a million history rows).
    """
    if not conn.dialect.is_sqlite:
        return await _stay_counts_in_slices(conn)
    path = await database_file(conn)
    if path:
        return await asyncio.to_thread(_stay_counts_from_file, path)
    async with conn.execute(_HISTORY_IN_ORDER) as cur:
        return _count_stays(await cur.fetchall())


#: Records per slice when the history is read over the network (PostgreSQL).
_SLICE = 50_000


async def _stay_counts_in_slices(conn: Conn) -> dict[str, dict[int, int]]:
    """The same fold, a slice of record ids at a time (a record's history is never split), so
    a million records' history never sits in memory at once."""
    async with conn.execute("SELECT MAX(record_id) FROM status_history") as cur:
        row = await cur.fetchone()
    top = int(row[0] or 0) if row else 0
    out: dict[str, dict[int, int]] = {}
    for start in range(0, top, _SLICE):
        sql = (
            "SELECT record_id, status, entered_on FROM status_history"
            " WHERE record_id > ? AND record_id <= ? ORDER BY record_id, entered_on, id"
        )
        async with conn.execute(sql, (start, start + _SLICE)) as cur:
            part = _count_stays(await cur.fetchall())
        for code, per_days in part.items():
            merged = out.setdefault(code, {})
            for days, n in per_days.items():
                merged[days] = merged.get(days, 0) + n
    return out


async def history_version(conn: Conn) -> int:
    """A number that grows whenever history rows are added (the largest row id)."""
    async with conn.execute("SELECT MAX(id) FROM status_history") as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


async def database_file(conn: Conn) -> str:
    """The main database's file name ('' for an in-memory database); for PostgreSQL its name
    (a key for the figures' cache, never opened as a file)."""
    if not conn.dialect.is_sqlite:
        async with conn.execute("SELECT current_database()") as cur:
            row = await cur.fetchone()
        return f"postgresql:{row[0]}" if row else ""
    async with conn.execute("PRAGMA database_list") as cur:
        for row in await cur.fetchall():
            if row[1] == "main":
                return str(row[2] or "")
    return ""


async def count_print_ready_before(conn: Conn, status_date: date, record_id: int) -> int:
    """Print-ready records with an older (status_date, id): the queue ahead (records_status)."""
    sql = "SELECT COUNT(*) FROM records WHERE status = ? AND (status_date, id) < (?, ?)"
    params = (KtpStatus.PRINT_READY_RECORD.value, status_date.isoformat(), record_id)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def count_by_status(conn: Conn) -> dict[str, int]:
    async with conn.execute("SELECT status, COUNT(*) FROM records GROUP BY status") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}
