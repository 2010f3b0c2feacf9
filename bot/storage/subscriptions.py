"""The NIKs a chat follows (a family, up to ten), each with an optional label such as "Ibu"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.storage.db import utc_iso
from bot.storage.driver import Conn
from bot.storage.records import Record

#: How many NIKs one chat may follow.
MAX_PER_CHAT = 10
#: Longest label kept, in characters.
MAX_LABEL = 30


class Subscribed(StrEnum):
    ADDED = "added"
    ALREADY = "already"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Subscription:
    record: Record
    label: str | None
    created_at: str


async def subscribe(conn: Conn, chat_id: int, record_id: int, now: datetime) -> Subscribed:
    """Follow a record in a chat (caller's transaction); never duplicates, never exceeds the cap."""
    cur = await conn.execute(
        "UPDATE subscriptions SET active = 1 WHERE chat_id = ? AND record_id = ?",
        (chat_id, record_id),
    )
    if cur.rowcount > 0:
        return Subscribed.ALREADY
    if await count(conn, chat_id) >= MAX_PER_CHAT:
        return Subscribed.FULL
    stamp = utc_iso(now)
    # The chat row is normally written by the chat tracker; make sure it is there for the FK.
    await conn.execute(
        "INSERT OR IGNORE INTO chats (chat_id, chat_type, first_seen, last_seen)"
        " VALUES (?, 'private', ?, ?)",
        (chat_id, stamp, stamp),
    )
    await conn.execute(
        "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (?, ?, ?)",
        (chat_id, record_id, stamp),
    )
    return Subscribed.ADDED


async def count(conn: Conn, chat_id: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def is_subscribed(conn: Conn, chat_id: int, record_id: int) -> bool:
    async with conn.execute(
        "SELECT 1 FROM subscriptions WHERE chat_id = ? AND record_id = ?", (chat_id, record_id)
    ) as cur:
        return await cur.fetchone() is not None


def clean_label(text: str) -> str | None:
    """A label as kept: one line, trimmed, at most MAX_LABEL characters; None when empty."""
    label = " ".join(text.split())[:MAX_LABEL].strip()
    return label or None


async def set_label(conn: Conn, chat_id: int, record_id: int, label: str | None) -> bool:
    """Name a followed record in this chat; False when the chat does not follow it."""
    cur = await conn.execute(
        "UPDATE subscriptions SET label = ? WHERE chat_id = ? AND record_id = ?",
        (clean_label(label) if label else None, chat_id, record_id),
    )
    return cur.rowcount > 0


async def for_chat(conn: Conn, chat_id: int) -> list[Subscription]:
    """The records a chat follows, in the order it started following them."""
    sql = (
        "SELECT r.*, s.label AS sub_label, s.created_at AS sub_created_at"
        " FROM subscriptions s JOIN records r ON r.id = s.record_id"
        " WHERE s.chat_id = ? ORDER BY s.created_at, s.rowid"
    )
    async with conn.execute(sql, (chat_id,)) as cur:
        rows = await cur.fetchall()
    return [
        Subscription(
            record=Record.from_row(row), label=row["sub_label"], created_at=row["sub_created_at"]
        )
        for row in rows
    ]


async def unsubscribe(conn: Conn, chat_id: int, record_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM subscriptions WHERE chat_id = ? AND record_id = ?", (chat_id, record_id)
    )
    return cur.rowcount > 0


async def unsubscribe_all(conn: Conn, chat_id: int) -> int:
    cur = await conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
    return cur.rowcount
