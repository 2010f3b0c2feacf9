"""Queries behind the waiting-time figures and the print queue (see bot/services/insights.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from array import array
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

from bot.states import KtpStatus
from bot.storage.driver import Conn, Row

_HISTORY_IN_ORDER = (
    "SELECT record_id, status, entered_on FROM status_history ORDER BY record_id, entered_on, id"
)


class HistoryFigures(NamedTuple):
    """The whole history folded once: finished stays per status, and the days they ended."""

    #: Status code -> {days a finished stay took: how many stays}.
    stays: dict[str, dict[int, int]]
    #: Status code -> {day a stay ended (date ordinal): how many stays ended that day}.
    exits: dict[str, dict[int, int]]


def _count_stays(rows: Iterable[tuple[int, str, str] | sqlite3.Row | Row]) -> HistoryFigures:
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


async def history_figures(conn: Conn) -> HistoryFigures:
    """Finished stays per status and the days they ended, over the whole history.

    Reads through its own read-only connection in a worker thread, so the bot's connection
    stays free for other work meanwhile (about a second on a million history rows).
    """
    if not conn.dialect.is_sqlite:
        return await _figures_in_slices(conn)
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


def _print_queue(rows: Iterable[tuple[str, int] | Row]) -> array[int]:
    return array("q", (date.fromisoformat(day).toordinal() << 32 | rid for day, rid in rows))


_SAVE = (
    "INSERT OR REPLACE INTO insight_figures (id, version, saved_at, figures, queue)"
    " VALUES (1, ?, ?, ?, ?)"
)


def _save_params(saved: SavedFigures) -> tuple[int, str, str, bytes]:
    figures = saved.figures
    return (
        saved.version,
        datetime.now(UTC).isoformat(timespec="seconds"),
        json.dumps({"stays": figures.stays, "exits": figures.exits}),
        saved.queue.tobytes(),
    )


def _compute_and_save(path: str) -> SavedFigures:
    """In a worker thread, on connections of its own: fold the history (read-only, one
    snapshot), then keep the result in insight_figures (waits for the writer's lock there,
    never on the event loop)."""
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        reader.execute("BEGIN")
        version = int(reader.execute("SELECT MAX(id) FROM status_history").fetchone()[0] or 0)
        figures = _count_stays(reader.execute(_HISTORY_IN_ORDER))
        queue = _print_queue(reader.execute(_PRINT_QUEUE, (KtpStatus.PRINT_READY_RECORD.value,)))
        reader.execute("COMMIT")
    finally:
        reader.close()
    saved = SavedFigures(version, figures, queue)
    writer = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        writer.execute(_SAVE, _save_params(saved))
    except sqlite3.Error:  # e.g. a database file opened read-only: the figures still serve
        pass
    finally:
        writer.close()
    return saved


async def _compute_and_save_through(conn: Conn) -> SavedFigures:
    """PostgreSQL: the same over the connection (the history a slice at a time)."""
    version = await history_version(conn)
    figures = await _figures_in_slices(conn)
    async with conn.execute(_PRINT_QUEUE, (KtpStatus.PRINT_READY_RECORD.value,)) as cur:
        queue = _print_queue(await cur.fetchall())
    saved = SavedFigures(version, figures, queue)
    await conn.execute(_SAVE, _save_params(saved))
    return saved


async def compute_and_save(conn: Conn) -> SavedFigures | None:
    """Compute the figures and the print queue in a worker thread and keep them for the next
    start; None for an in-memory database (no file for other connections to open)."""
    if not conn.dialect.is_sqlite:
        return await _compute_and_save_through(conn)
    path = await database_file(conn)
    if not path:
        return None
    return await asyncio.to_thread(_compute_and_save, path)


async def load_saved(conn: Conn) -> SavedFigures | None:
    """The figures kept by the last computation (None when there are none): one statement."""
    async with conn.execute(
        "SELECT version, figures, queue FROM insight_figures WHERE id = 1"
    ) as cur:
        row = await cur.fetchone()
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


async def stay_counts(conn: Conn) -> dict[str, dict[int, int]]:
    """Status code -> {days a finished stay took: how many stays}, over the whole history."""
    return (await history_figures(conn)).stays


#: Records per slice when the history is read over the network (PostgreSQL).
_SLICE = 50_000


async def _figures_in_slices(conn: Conn) -> HistoryFigures:
    """The same fold, a slice of record ids at a time (a record's history is never split), so
    a million records' history never sits in memory at once."""
    async with conn.execute("SELECT MAX(record_id) FROM status_history") as cur:
        row = await cur.fetchone()
    top = int(row[0] or 0) if row else 0
    out = HistoryFigures({}, {})
    for start in range(0, top, _SLICE):
        sql = (
            "SELECT record_id, status, entered_on FROM status_history"
            " WHERE record_id > ? AND record_id <= ? ORDER BY record_id, entered_on, id"
        )
        async with conn.execute(sql, (start, start + _SLICE)) as cur:
            part = _count_stays(await cur.fetchall())
        for whole, piece in ((out.stays, part.stays), (out.exits, part.exits)):
            for code, per_key in piece.items():
                merged = whole.setdefault(code, {})
                for key, n in per_key.items():
                    merged[key] = merged.get(key, 0) + n
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
