"""The staff table: who is petugas or admin beyond the ids fixed in BOT_ADMIN_IDS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import utc_iso
from bot.storage.driver import Conn, Row

ADMIN = "admin"
PETUGAS = "petugas"
ROLES: tuple[str, ...] = (ADMIN, PETUGAS)


@dataclass(frozen=True, slots=True)
class StaffRow:
    user_id: int
    role: str
    added_by: int | None
    added_at: str


def _row(row: Row) -> StaffRow:
    return StaffRow(
        user_id=row["user_id"], role=row["role"], added_by=row["added_by"], added_at=row["added_at"]
    )


async def get(conn: Conn, user_id: int) -> StaffRow | None:
    sql = "SELECT user_id, role, added_by, added_at FROM staff WHERE user_id = ?"
    async with conn.execute(sql, (user_id,)) as cur:
        row = await cur.fetchone()
    return _row(row) if row else None


async def list_all(conn: Conn) -> list[StaffRow]:
    """Everyone in the staff table, admins first, then by user id."""
    sql = (
        "SELECT user_id, role, added_by, added_at FROM staff"
        " ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, user_id"
    )
    async with conn.execute(sql) as cur:
        return [_row(r) for r in await cur.fetchall()]


async def admin_ids(conn: Conn) -> set[int]:
    async with conn.execute("SELECT user_id FROM staff WHERE role = 'admin'") as cur:
        return {int(r[0]) for r in await cur.fetchall()}


async def put(conn: Conn, user_id: int, role: str, added_by: int | None, now: datetime) -> None:
    """Add a staff member or change their role (caller's transaction)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    await conn.execute(
        "INSERT INTO staff (user_id, role, added_by, added_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET role = excluded.role,"
        " added_by = excluded.added_by, added_at = excluded.added_at",
        (user_id, role, added_by, utc_iso(now)),
    )


async def remove(conn: Conn, user_id: int) -> bool:
    """Remove a staff member (caller's transaction); False when they were not in the table."""
    cur = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    return cur.rowcount > 0
