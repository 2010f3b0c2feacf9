"""Counting queries behind /statistik: records per status and district, chats, outbox."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    """One channel's share of the residents (Telegram, WhatsApp)."""

    residents: int = 0  # private contacts, staff left out
    checks: int = 0  # NIK + KK proved since `since` (kept 7 days)
    followers: int = 0  # contacts following at least one card
    questions: int = 0  # questions asked since `since`


async def followers_by_channel(conn: Conn, record_id: int | None = None) -> dict[str, int]:
    """Contacts with an active subscription per channel (to one record when given)."""
    sql = (
        "SELECT COALESCE(c.channel, 'telegram'), COUNT(DISTINCT s.chat_id) FROM subscriptions s"
        " LEFT JOIN chats c ON c.chat_id = s.chat_id WHERE s.active = 1"
    )
    params: tuple[object, ...] = ()
    if record_id is not None:
        sql += " AND s.record_id = ?"
        params = (record_id,)
    async with conn.execute(sql + " GROUP BY 1", params) as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def by_channel(conn: Conn, since: datetime) -> dict[str, ChannelCounts]:
    """Residents, checks, followers and questions per channel ("telegram", "whatsapp")."""
    stamp = utc_iso(since)
    figures: dict[str, dict[str, int]] = {}

    async def take(field: str, sql: str, params: tuple[object, ...] = ()) -> None:
        async with conn.execute(sql, params) as cur:
            for channel, count in await cur.fetchall():
                figures.setdefault(channel, {})[field] = int(count)

    await take(
        "residents",
        "SELECT channel, COUNT(*) FROM chats WHERE chat_type = 'private'"
        " AND chat_id NOT IN (SELECT user_id FROM staff) GROUP BY channel",
    )
    await take(
        "checks",
        "SELECT COALESCE(c.channel, 'telegram'), COUNT(*) FROM verified_checks v"
        " LEFT JOIN chats c ON c.chat_id = v.chat_id WHERE v.verified_at >= ? GROUP BY 1",
        (stamp,),
    )
    for channel, count in (await followers_by_channel(conn)).items():
        figures.setdefault(channel, {})["followers"] = count
    await take(
        "questions",
        "SELECT COALESCE(c.channel, 'telegram'), COUNT(*) FROM questions q"
        " LEFT JOIN chats c ON c.chat_id = q.chat_id WHERE q.created_at >= ? GROUP BY 1",
        (stamp,),
    )
    return {channel: ChannelCounts(**values) for channel, values in figures.items()}
