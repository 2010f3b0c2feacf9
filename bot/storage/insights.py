"""Queries behind the waiting-time figures and the print queue (see bot/insights.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from array import array
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

import aiosqlite

from bot.states import KtpStatus

_HISTORY_IN_ORDER = (
    "SELECT record_id, status, entered_on FROM status_history ORDER BY record_id, entered_on, id"
)


class HistoryFigures(NamedTuple):
    """The whole history folded once: finished stays per status, and the days they ended."""

    #: Status code -> {days a finished stay took: how many stays}.
    stays: dict[str, dict[int, int]]
    #: Status code -> {day a stay ended (date ordinal): how many stays ended that day}.
    exits: dict[str, dict[int, int]]


def _count_stays(rows: Iterable[tuple[int, str, str] | sqlite3.Row]) -> HistoryFigures:
    """Fold history rows (ordered by record, date) into finished stays per status.

    Consecutive rows with the same status are one stay; a stay ends on the day the record
    entered a different status. The last stay of each record is still running: not counted.
    (One pass in Python over the index is several times faster than SQL window functions.)
    """
    out: dict[str, dict[int, int]] = {}
    exits: dict[str, dict[int, int]] = {}
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
                per_exit = exits.setdefault(status, {})
                per_exit[day] = per_exit.get(day, 0) + 1
            status, start = code, day
    return HistoryFigures(out, exits)


def _figures_from_file(path: str) -> HistoryFigures:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _count_stays(conn.execute(_HISTORY_IN_ORDER))
    finally:
        conn.close()


async def history_figures(conn: aiosqlite.Connection) -> HistoryFigures:
    """Finished stays per status and the days they ended, over the whole history.

    Reads through its own read-only connection in a worker thread, so the bot's connection
    stays free for other work meanwhile (about a second on a million history rows).
    """
    path = await database_file(conn)
    if path:
        return await asyncio.to_thread(_figures_from_file, path)
    async with conn.execute(_HISTORY_IN_ORDER) as cur:
        return _count_stays(await cur.fetchall())


# --- the figures kept in the database (table insight_figures), for the first check after a start


class SavedFigures(NamedTuple):
    """The figures as last computed: the history they cover, and the print queue then."""

    version: int  # history_version() when they were computed
    figures: HistoryFigures
    #: The print queue in order, each record as queue_key(status_date, id).
    queue: array[int]


def queue_key(status_date: date, record_id: int) -> int:
    """A print-ready record's place as one sortable number (status date, then id)."""
    return status_date.toordinal() << 32 | record_id


_PRINT_QUEUE = "SELECT status_date, id FROM records WHERE status = ? ORDER BY status_date, id"


def _compute_and_save(path: str) -> SavedFigures:
    """In a worker thread, on connections of its own: fold the history (read-only, one
    snapshot), then keep the result in insight_figures (waits for the writer's lock there,
    never on the event loop)."""
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        reader.execute("BEGIN")
        version = int(reader.execute("SELECT MAX(id) FROM status_history").fetchone()[0] or 0)
        figures = _count_stays(reader.execute(_HISTORY_IN_ORDER))
        queue = array(
            "q",
            (
                date.fromisoformat(day).toordinal() << 32 | record_id
                for day, record_id in reader.execute(
                    _PRINT_QUEUE, (KtpStatus.PRINT_READY_RECORD.value,)
                )
            ),
        )
        reader.execute("COMMIT")
    finally:
        reader.close()
    saved = SavedFigures(version, figures, queue)
    writer = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        writer.execute(
            "INSERT OR REPLACE INTO insight_figures (id, version, saved_at, figures, queue)"
            " VALUES (1, ?, ?, ?, ?)",
            (
                version,
                datetime.now(UTC).isoformat(timespec="seconds"),
                json.dumps({"stays": figures.stays, "exits": figures.exits}),
                queue.tobytes(),
            ),
        )
    except sqlite3.Error:  # e.g. a database file opened read-only: the figures still serve
        pass
    finally:
        writer.close()
    return saved


async def compute_and_save(conn: aiosqlite.Connection) -> SavedFigures | None:
    """Compute the figures and the print queue in a worker thread and keep them for the next
    start; None for an in-memory database (no file for other connections to open)."""
    path = await database_file(conn)
    if not path:
        return None
    return await asyncio.to_thread(_compute_and_save, path)


async def load_saved(conn: aiosqlite.Connection) -> SavedFigures | None:
    """The figures kept by the last computation (None when there are none): one statement."""
    rows = await conn.execute_fetchall(
        "SELECT version, figures, queue FROM insight_figures WHERE id = 1"
    )
    row = next(iter(rows), None)
    if row is None:
        return None
    raw = json.loads(row[1])

    def counts(part: dict[str, dict[str, int]]) -> dict[str, dict[int, int]]:
        return {code: {int(k): n for k, n in per.items()} for code, per in part.items()}

    queue: array[int] = array("q")
    queue.frombytes(row[2])
    return SavedFigures(
        int(row[0]), HistoryFigures(counts(raw["stays"]), counts(raw["exits"])), queue
    )


async def stay_counts(conn: aiosqlite.Connection) -> dict[str, dict[int, int]]:
    """Status code -> {days a finished stay took: how many stays}, over the whole history."""
    return (await history_figures(conn)).stays


async def history_version(conn: aiosqlite.Connection) -> int:
    """A number that grows whenever history rows are added (the largest row id)."""
    async with conn.execute("SELECT MAX(id) FROM status_history") as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


async def database_file(conn: aiosqlite.Connection) -> str:
    """The main database's file name ('' for an in-memory database)."""
    for row in await conn.execute_fetchall("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2] or "")
    return ""


async def count_print_ready_before(
    conn: aiosqlite.Connection, status_date: date, record_id: int
) -> int:
    """Print-ready records with an older (status_date, id): the queue ahead (records_status)."""
    sql = "SELECT COUNT(*) FROM records WHERE status = ? AND (status_date, id) < (?, ?)"
    params = (KtpStatus.PRINT_READY_RECORD.value, status_date.isoformat(), record_id)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def count_by_status(conn: aiosqlite.Connection) -> dict[str, int]:
    async with conn.execute("SELECT status, COUNT(*) FROM records GROUP BY status") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}
