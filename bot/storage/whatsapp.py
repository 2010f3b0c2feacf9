"""WhatsApp's tables: message ids already taken, delivery statuses, menus kept for paging.

No WhatsApp id (a phone number) is kept here: a message id and a status say nothing about
who wrote or received them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn

#: Meta retries a webhook delivery for up to seven days: an id is remembered a little longer.
INBOUND_RETENTION = timedelta(days=8)
#: Statuses are read by the outbox and `python -m bot outbox` soon after; then they go.
STATUS_RETENTION = timedelta(days=30)
#: A paged menu's "next page" row stops working after this.
MENU_RETENTION = timedelta(days=7)

#: How far a message went; a status never moves back (WhatsApp may report "read" before
#: "delivered"), and "failed" stands over the others.
STATUS_STEPS = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


async def claim_message(conn: Conn, message_id: str, now: datetime) -> bool:
    """True the first time `message_id` is seen (across restarts and workers), else False."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO whatsapp_inbound (message_id, received_at) VALUES (?, ?)",
        (message_id, utc_iso(now)),
    )
    return cur.rowcount == 1


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    message_id: str
    status: str
    error_code: int | None
    reported_at: datetime
    recorded_at: datetime


async def record_status(
    conn: Conn,
    message_id: str,
    status: str,
    error_code: int | None,
    reported_at: datetime,
    now: datetime,
) -> bool:
    """Keep the furthest status of a sent message; True when this one moved it on."""
    step = STATUS_STEPS.get(status)
    if step is None:
        return False
    cur = await conn.execute(
        "INSERT INTO whatsapp_statuses"
        " (message_id, status, step, error_code, reported_at, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(message_id) DO UPDATE SET status = excluded.status,"
        " step = excluded.step, error_code = excluded.error_code,"
        " reported_at = excluded.reported_at, recorded_at = excluded.recorded_at"
        " WHERE whatsapp_statuses.step < excluded.step",
        (message_id, status, step, error_code, utc_iso(reported_at), utc_iso(now)),
    )
    return cur.rowcount == 1


async def status_of(conn: Conn, message_id: str) -> DeliveryStatus | None:
    async with conn.execute(
        "SELECT message_id, status, error_code, reported_at, recorded_at"
        " FROM whatsapp_statuses WHERE message_id = ?",
        (message_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return DeliveryStatus(
        message_id=row[0],
        status=row[1],
        error_code=None if row[2] is None else int(row[2]),
        reported_at=from_iso(row[3]),
        recorded_at=from_iso(row[4]),
    )


async def status_counts(conn: Conn, since: datetime) -> dict[str, int]:
    """How many sent messages reached each status, among those reported since `since`."""
    rows = await conn.execute_fetchall(
        "SELECT status, COUNT(*) FROM whatsapp_statuses WHERE recorded_at >= ? GROUP BY status",
        (utc_iso(since),),
    )
    return {row[0]: int(row[1]) for row in rows}


async def save_menu(conn: Conn, menu_key: str, menu: str, now: datetime) -> None:
    """Keep (or refresh) a paged menu under its key."""
    await conn.execute(
        "INSERT INTO whatsapp_menus (menu_key, menu, saved_at) VALUES (?, ?, ?)"
        " ON CONFLICT(menu_key) DO UPDATE SET saved_at = excluded.saved_at",
        (menu_key, menu, utc_iso(now)),
    )


async def load_menu(conn: Conn, menu_key: str) -> str | None:
    async with conn.execute(
        "SELECT menu FROM whatsapp_menus WHERE menu_key = ?", (menu_key,)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else str(row[0])


async def purge_some(conn: Conn, now: datetime, limit: int) -> int:
    """A write job for the periodic purge: up to `limit` expired rows of each table."""
    row = conn.dialect.row_address
    dropped = 0
    for table, column, keep in (
        ("whatsapp_inbound", "received_at", INBOUND_RETENTION),
        ("whatsapp_statuses", "recorded_at", STATUS_RETENTION),
        ("whatsapp_menus", "saved_at", MENU_RETENTION),
    ):
        cur = await conn.execute(
            f"DELETE FROM {table} WHERE {row} IN (SELECT {row} FROM {table}"
            f" WHERE {column} < ? LIMIT ?)",
            (utc_iso(now - keep), limit),
        )
        dropped += cur.rowcount
    return dropped
