"""The audit log: every staff change (who, when, what, old, new) and every refused attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import inserted_id, utc_iso
from bot.storage.driver import Conn

# Action names as stored (Indonesian, readable as they are in `python -m bot audit`).
STATUS_CHANGE = "ubah_status"
STAFF_ADD = "tambah_petugas"
STAFF_ROLE = "ubah_peran"
STAFF_REMOVE = "hapus_petugas"
BLANKO = "ubah_blanko"
OFFICE = "ubah_kantor"
FAQ = "ubah_faq"  # /faq: an answer residents read rewritten, added, hidden or restored
IMPORT = "impor"
NIK_UNLOCK = "buka_kunci_nik"
REFUSED = "ditolak"
RECEIPT = "kuitansi"  # a receipt slip printed: a deep-link token made (an older one ended)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str  # UTC ISO timestamp
    actor_id: int | None
    action: str
    target: str | None
    old_value: str | None
    new_value: str | None
    detail: str | None


async def add(
    conn: Conn,
    *,
    now: datetime,
    actor_id: int | None,
    action: str,
    target: str | None = None,
    old: str | None = None,
    new: str | None = None,
    detail: str | None = None,
) -> int:
    """Write one audit row (caller's transaction); never give it a raw NIK, KK or name."""
    cur = await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, old_value, new_value, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utc_iso(now), actor_id, action, target, old, new, detail),
    )
    return inserted_id(cur)


async def forget_actor(conn: Conn, actor_id: int) -> int:
    """/hapusdata: the person's refused attempts stay in the log (what was tried, when) but no
    longer say who (caller's transaction); the number of rows changed."""
    cur = await conn.execute(
        "UPDATE audit_log SET actor_id = NULL WHERE actor_id = ? AND action = ?",
        (actor_id, REFUSED),
    )
    return cur.rowcount


async def entries(
    conn: Conn,
    *,
    since: datetime | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Audit rows oldest first, optionally from `since` on and of one action."""
    where: list[str] = []
    params: list[object] = []
    if since is not None:
        where.append("at >= ?")
        params.append(utc_iso(since))
    if action is not None:
        where.append("action = ?")
        params.append(action)
    sql = "SELECT id, at, actor_id, action, target, old_value, new_value, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at, id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    async with conn.execute(sql, params) as cur:
        rows = await cur.fetchall()
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            actor_id=r["actor_id"],
            action=r["action"],
            target=r["target"],
            old_value=r["old_value"],
            new_value=r["new_value"],
            detail=r["detail"],
        )
        for r in rows
    ]


async def former_staff_ids(conn: Conn) -> list[int]:
    """Users once taken off the staff list who are not staff now (their menus need resetting)."""
    sql = (
        "SELECT DISTINCT CAST(target AS INTEGER) FROM audit_log WHERE action = ?"
        " AND CAST(target AS INTEGER) NOT IN (SELECT user_id FROM staff)"
    )
    async with conn.execute(sql, (STAFF_REMOVE,)) as cur:
        return [int(row[0]) for row in await cur.fetchall()]
