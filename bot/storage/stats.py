"""Counting queries behind /statistik: records per status and district, chats, outbox."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import utc_iso
from bot.storage.driver import Conn


async def count_by_status(conn: Conn) -> dict[str, int]:
    """Status code -> number of records currently in it (codes with no records are absent)."""
    async with conn.execute("SELECT status, COUNT(*) FROM records GROUP BY status") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def count_by_district(conn: Conn) -> dict[str, int]:
    """District code (first six NIK digits) -> number of records."""
    async with conn.execute("SELECT district, COUNT(*) FROM records GROUP BY district") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def subscribed_chats(conn: Conn, record_id: int | None = None) -> int:
    """Chats with an active subscription (to one record when `record_id` is given)."""
    sql = "SELECT COUNT(DISTINCT chat_id) FROM subscriptions WHERE active = 1"
    params: tuple[object, ...] = ()
    if record_id is not None:
        sql += " AND record_id = ?"
        params = (record_id,)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def outbox_outcomes(conn: Conn, since: datetime) -> tuple[int, int]:
    """(sent, failed) notifications and broadcast messages since `since`."""
    sql = (
        "SELECT"
        " SUM(CASE WHEN state = 'sent' AND COALESCE(sent_at, created_at) >= ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'failed' AND COALESCE(sent_at, created_at) >= ? THEN 1 ELSE 0 END)"
        " FROM outbox WHERE state IN ('sent', 'failed')"
    )
    stamp = utc_iso(since)
    async with conn.execute(sql, (stamp, stamp)) as cur:
        row = await cur.fetchone()
    if row is None:
        return 0, 0
    return int(row[0] or 0), int(row[1] or 0)
