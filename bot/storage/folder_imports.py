"""The folder import's memory: which file contents (by SHA-256) were imported, and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import utc_iso
from bot.storage.driver import Conn

RUNNING = "running"
DONE = "done"


@dataclass(frozen=True, slots=True)
class FolderImport:
    digest: str
    name: str
    state: str
    outcome: str | None
    owner: str
    heartbeat_at: str
    moved: bool


async def get(conn: Conn, digest: str) -> FolderImport | None:
    async with conn.execute(
        "SELECT digest, name, state, outcome, owner, heartbeat_at, moved_at"
        " FROM folder_imports WHERE digest = ?",
        (digest,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return FolderImport(row[0], row[1], row[2], row[3], row[4], row[5], row[6] is not None)


async def start(conn: Conn, digest: str, name: str, owner: str, now: datetime) -> bool:
    """A new file's row, taken by `owner`; False when another worker inserted it first."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO folder_imports (digest, name, state, owner, heartbeat_at,"
        " started_at) VALUES (?, ?, ?, ?, ?, ?)",
        (digest, name, RUNNING, owner, stamp, stamp),
    )
    return cur.rowcount > 0


async def take_over(
    conn: Conn, digest: str, owner: str, now: datetime, stale_before: datetime | None
) -> bool:
    """Take a file left running (its owner stopped: a crash, `kill -9`); with `stale_before`,
    only when its owner gave no sign of life since then."""
    sql = "UPDATE folder_imports SET owner = ?, heartbeat_at = ? WHERE digest = ? AND state = ?"
    params: tuple[object, ...] = (owner, utc_iso(now), digest, RUNNING)
    if stale_before is not None:
        sql += " AND (owner = ? OR heartbeat_at < ?)"
        params += (owner, utc_iso(stale_before))
    cur = await conn.execute(sql, params)
    return cur.rowcount > 0


async def again(conn: Conn, digest: str, owner: str, now: datetime) -> bool:
    """A file refused as a whole, dropped again (perhaps renamed): read it once more."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "UPDATE folder_imports SET state = ?, outcome = NULL, owner = ?, heartbeat_at = ?,"
        " started_at = ?, finished_at = NULL, moved_at = NULL WHERE digest = ? AND state = ?",
        (RUNNING, owner, stamp, stamp, digest, DONE),
    )
    return cur.rowcount > 0


async def heartbeat(conn: Conn, digest: str, owner: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE folder_imports SET heartbeat_at = ? WHERE digest = ? AND owner = ?",
        (utc_iso(now), digest, owner),
    )


async def finish(
    conn: Conn, digest: str, outcome: str, import_id: int | None, now: datetime
) -> None:
    await conn.execute(
        "UPDATE folder_imports SET state = ?, outcome = ?, import_id = ?, finished_at = ?"
        " WHERE digest = ?",
        (DONE, outcome, import_id, utc_iso(now), digest),
    )


async def moved(conn: Conn, digest: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE folder_imports SET moved_at = ? WHERE digest = ?", (utc_iso(now), digest)
    )
