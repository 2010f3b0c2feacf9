"""Broadcasts (staff announcements): audiences, queueing to the outbox, figures, cancelling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.domain.notices import NoticeKind
from bot.storage.db import inserted_id, utc_iso
from bot.storage.driver import Conn, Row
from bot.storage.outbox import LANE_BROADCAST, REASON_BLOCKED

SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"

ALL = "all"
DISTRICT = "district"
STATUS = "status"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who gets an announcement: every chat, or subscribers by district or by status."""

    kind: str  # ALL, DISTRICT (value: six-digit code, e.g. "160501") or STATUS (value: code)
    value: str | None = None

    def to_json(self) -> str:
        data: dict[str, str] = {"kind": self.kind}
        if self.kind == DISTRICT and self.value:
            data["district"] = self.value
        elif self.kind == STATUS and self.value:
            data["status"] = self.value
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text)
        kind = data.get("kind", ALL)
        return cls(kind, data.get("district") or data.get("status"))


_SUBSCRIBERS = (
    "SELECT DISTINCT s.chat_id, c.channel FROM subscriptions s"
    " JOIN records r ON r.id = s.record_id JOIN chats c ON c.chat_id = s.chat_id"
    " WHERE s.active = 1 AND c.reachable = 1 AND c.announcements = 1"
)


def _audience_sql(audience: Audience) -> tuple[str, tuple[str, ...]]:
    """SQL selecting the contacts of an audience (reachable, not opted out; on WhatsApp only
    those who chose announcements, which start off there): chat_id and channel."""
    if audience.kind == ALL:
        return "SELECT chat_id, channel FROM chats WHERE reachable = 1 AND announcements = 1", ()
    if audience.kind == DISTRICT and audience.value:
        return _SUBSCRIBERS + " AND r.district = ?", (audience.value,)
    if audience.kind == STATUS and audience.value:
        return _SUBSCRIBERS + " AND r.status = ?", (audience.value,)
    raise ValueError(f"unknown audience {audience!r}")


async def count_audience(conn: Conn, audience: Audience) -> int:
    sql, params = _audience_sql(audience)
    async with conn.execute(f"SELECT COUNT(*) FROM ({sql}) AS a", params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def counts_by_district(conn: Conn) -> dict[str, int]:
    """Recipients per district code for district announcements."""
    sql = (
        "SELECT r.district, COUNT(DISTINCT s.chat_id) FROM subscriptions s"
        " JOIN records r ON r.id = s.record_id JOIN chats c ON c.chat_id = s.chat_id"
        " WHERE s.active = 1 AND c.reachable = 1 AND c.announcements = 1 GROUP BY r.district"
    )
    async with conn.execute(sql) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def counts_by_status(conn: Conn) -> dict[str, int]:
    """Recipients per status code for status announcements."""
    sql = (
        "SELECT r.status, COUNT(DISTINCT s.chat_id) FROM subscriptions s"
        " JOIN records r ON r.id = s.record_id JOIN chats c ON c.chat_id = s.chat_id"
        " WHERE s.active = 1 AND c.reachable = 1 AND c.announcements = 1 GROUP BY r.status"
    )
    async with conn.execute(sql) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    text: str  # the announcement as staff wrote it (HTML)
    audience: Audience
    created_at: str
    state: str
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None
    send_now: bool
    finished_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> Broadcast:
        return cls(
            id=row["id"],
            created_by=row["created_by"],
            text=row["text"],
            audience=Audience.from_json(row["audience"]),
            created_at=row["created_at"],
            state=row["state"],
            recipients=row["recipients"],
            progress_chat_id=row["progress_chat_id"],
            progress_message_id=row["progress_message_id"],
            send_now=bool(row["send_now"]),
            finished_at=row["finished_at"],
        )


async def create(
    conn: Conn,
    *,
    created_by: int,
    text: str,
    audience: Audience,
    now: datetime,
    send_now: bool,
    progress_chat_id: int | None,
    progress_message_id: int | None,
) -> tuple[int, int]:
    """Record a broadcast (`text`, the staff's words) and queue an announcement event for each
    chat of the audience (caller's txn); its message is put together when it is sent.

    Returns (broadcast id, recipients queued).
    """
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT INTO broadcasts (created_by, text, audience, created_at, state, recipients,"
        " progress_chat_id, progress_message_id, send_now) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            created_by,
            text,
            audience.to_json(),
            stamp,
            SENDING,
            0,
            progress_chat_id,
            progress_message_id,
            int(send_now),
        ),
    )
    broadcast_id = inserted_id(cur)
    sql, params = _audience_sql(audience)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox (kind, chat_id, text, dedup_key, broadcast_id, created_at,"
        " not_before, urgent, lane, notice, params, channel) SELECT 'broadcast', a.chat_id,"
        " '', 'broadcast:' || ? || ':' || a.chat_id, ?, ?, ?, ?, ?, ?, ?, a.channel FROM"
        f" ({sql}) a ORDER BY a.chat_id",
        (
            broadcast_id,
            broadcast_id,
            stamp,
            stamp,
            int(send_now),
            LANE_BROADCAST,
            NoticeKind.ANNOUNCEMENT.value,
            json.dumps({"broadcast_id": broadcast_id}),
            *params,
        ),
    )
    recipients = cur.rowcount
    await conn.execute(
        "UPDATE broadcasts SET recipients = ? WHERE id = ?", (recipients, broadcast_id)
    )
    return broadcast_id, recipients


async def get(conn: Conn, broadcast_id: int) -> Broadcast | None:
    async with conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)) as cur:
        row = await cur.fetchone()
    return Broadcast.from_row(row) if row else None


async def recent(conn: Conn, limit: int = 10) -> list[Broadcast]:
    async with conn.execute("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)) as cur:
        return [Broadcast.from_row(row) for row in await cur.fetchall()]


async def sending_ids(conn: Conn) -> list[int]:
    async with conn.execute(
        "SELECT id FROM broadcasts WHERE state = ? ORDER BY id", (SENDING,)
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


@dataclass(frozen=True, slots=True)
class BroadcastFigures:
    total: int
    sent: int
    failed: int  # failed for any reason except a block
    blocked: int  # the chat blocked the bot
    pending: int
    cancelled: int
    #: Of the above, WhatsApp's recipients, and how many of them it was sent to (the rest
    #: are Telegram's).
    whatsapp_total: int = 0
    whatsapp_sent: int = 0


async def figures(conn: Conn, broadcast_id: int) -> BroadcastFigures:
    counts = {"sent": 0, "failed": 0, "blocked": 0, "pending": 0, "cancelled": 0}
    whatsapp = {"total": 0, "sent": 0}
    sql = (
        "SELECT CASE WHEN state = 'failed' AND fail_reason = ? THEN 'blocked' ELSE state END,"
        " channel, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY 1, 2"
    )
    async with conn.execute(sql, (REASON_BLOCKED, broadcast_id)) as cur:
        for state, channel, count in await cur.fetchall():
            counts[state] = counts.get(state, 0) + count
            if channel == "whatsapp":
                whatsapp["total"] += count
                whatsapp["sent"] += count if state == "sent" else 0
    return BroadcastFigures(
        total=sum(counts.values()),
        **counts,
        whatsapp_total=whatsapp["total"],
        whatsapp_sent=whatsapp["sent"],
    )


async def finish(conn: Conn, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast whose rows are all handled as done; False if it was not sending."""
    cur = await conn.execute(
        "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state = ?"
        " AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = ? AND state = 'pending')",
        (DONE, utc_iso(now), broadcast_id, SENDING, broadcast_id),
    )
    return cur.rowcount > 0


async def cancel(conn: Conn, broadcast_id: int, now: datetime) -> int | None:
    """Stop a broadcast: its pending rows are cancelled. None if it was not sending."""
    cur = await conn.execute(
        "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state = ?",
        (CANCELLED, utc_iso(now), broadcast_id, SENDING),
    )
    if cur.rowcount == 0:
        return None
    cur = await conn.execute(
        "UPDATE outbox SET state = 'cancelled' WHERE broadcast_id = ? AND state = 'pending'",
        (broadcast_id,),
    )
    return cur.rowcount


# --- residents' choice about announcements ----------------------------------------------------


async def announcements_on(conn: Conn, chat_id: int) -> bool:
    async with conn.execute("SELECT announcements FROM chats WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return bool(row[0]) if row else True


async def set_announcements(
    conn: Conn, chat_id: int, chat_type: str, on: bool, now: datetime
) -> None:
    """Opt a chat in or out of announcements (its own card's notifications are not affected).

    Opting out also drops the announcements still waiting for this chat (e.g. for the end of
    the quiet hours): they count as not sent in their broadcast's figures.
    """
    stamp = utc_iso(now)
    await conn.execute(
        "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen, announcements)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET"
        " announcements = excluded.announcements, last_seen = excluded.last_seen",
        (chat_id, chat_type, stamp, stamp, int(on)),
    )
    if not on:
        await conn.execute(
            "UPDATE outbox SET state = 'cancelled' WHERE chat_id = ? AND kind = 'broadcast'"
            " AND state = 'pending'",
            (chat_id,),
        )
