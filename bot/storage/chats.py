"""Every contact the bot has seen (the broadcast audience "every chat"), and forgetting one.

A row of `chats` is a contact: a person (or a group, on Telegram) the bot talks with, on one
channel (`channel`), reached at that channel's id (`address`: a Telegram chat id, a WhatsApp
wa_id). `chat_id` is the contact's id, the key every resident table refers to. A Telegram chat
keeps its own chat id as its contact id; a contact on another channel gets an id below
`OTHER_CHANNELS_BELOW` (no Telegram id lies there), chosen by `services/contacts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import attempts as attempts_store
from bot.storage import checks as checks_store
from bot.storage import outbox as outbox_store
from bot.storage import subscriptions as subscriptions_store
from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn, Db

TELEGRAM = "telegram"
#: Contacts of channels other than Telegram have ids below this (Telegram's ids, users'
#: and groups', fit in 53 bits).
OTHER_CHANNELS_BELOW = -(2**53)

#: `last_seen` is a note, not a log: refreshed at most this often per chat.
LAST_SEEN_STEP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: int
    chat_type: str
    first_seen: str
    last_seen: str
    reachable: bool
    announcements: bool
    channel: str = TELEGRAM
    address: str | None = None
    last_inbound_at: str | None = None


async def seen(conn: Conn, chat_id: int, chat_type: str, now: datetime) -> bool:
    """Note that the chat sent us something (caller's transaction); True when it came back.

    A chat that writes to the bot can be reached again, even if it had blocked the bot before:
    its subscriptions (switched off when Telegram said it blocked the bot) come back on, and
    the card news that failed because of the block is queued again.
    """
    stamp = utc_iso(now)
    async with conn.execute(
        "SELECT 1 FROM chats WHERE chat_id = ? AND reachable = 0", (chat_id,)
    ) as cur:
        came_back = await cur.fetchone() is not None
    if came_back:
        await conn.execute(
            "UPDATE subscriptions SET active = 1 WHERE chat_id = ? AND active = 0", (chat_id,)
        )
        await outbox_store.requeue_blocked_status_news(conn, chat_id, now)
    await conn.execute(
        "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen, address)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(chat_id) DO UPDATE SET chat_type = excluded.chat_type,"
        " last_seen = excluded.last_seen, reachable = 1",
        (chat_id, chat_type, stamp, stamp, str(chat_id)),
    )
    return came_back


async def note_seen(db: Db, reader: Conn, chat_id: int, chat_type: str, now: datetime) -> bool:
    """`seen` without a write to wait for, for a chat that has not blocked the bot: read on
    the reader; a new chat, a changed type or a `last_seen` older than LAST_SEEN_STEP is
    queued for the next commit (`Db.defer`), anything else writes nothing. False (and
    nothing done) for a chat that had blocked the bot: `seen` brings it back."""
    async with reader.execute(
        "SELECT chat_type, reachable, last_seen FROM chats WHERE chat_id = ?", (chat_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is not None and not row[1]:
        return False
    stamp = utc_iso(now)
    if row is None or row[0] != chat_type or row[2] < utc_iso(now - LAST_SEEN_STEP):
        # Not `reachable = 1`: a block noted meanwhile is undone by `seen`, with what it does.
        db.defer(
            "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen, address)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET chat_type = excluded.chat_type,"
            " last_seen = excluded.last_seen",
            (chat_id, chat_type, stamp, stamp, str(chat_id)),
        )
    return True


async def get(conn: Conn, chat_id: int) -> Chat | None:
    async with conn.execute("SELECT * FROM chats WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Chat(
        chat_id=row["chat_id"],
        chat_type=row["chat_type"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        reachable=bool(row["reachable"]),
        announcements=bool(row["announcements"]),
        channel=row["channel"],
        address=row["address"],
        last_inbound_at=row["last_inbound_at"],
    )


async def find_contact(conn: Conn, channel: str, address: str) -> int | None:
    """The contact id of `address` on `channel`, or None when the bot has not met it."""
    async with conn.execute(
        "SELECT chat_id FROM chats WHERE channel = ? AND address = ?", (channel, address)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else int(row[0])


async def add_contact(
    conn: Conn, contact_id: int, channel: str, address: str, now: datetime
) -> bool:
    """Keep a new contact (caller's transaction); False when `contact_id` is already taken
    (by another address: the caller picks the next id) or the address already has one.

    Announcements start off outside Telegram: on WhatsApp a business may send them only to
    people who chose to receive them."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO chats"
        " (chat_id, chat_type, first_seen, last_seen, channel, address, announcements)"
        " VALUES (?, 'private', ?, ?, ?, ?, ?)",
        (contact_id, stamp, stamp, channel, address, int(channel == TELEGRAM)),
    )
    return cur.rowcount == 1


async def note_inbound(conn: Conn, contact_id: int, at: datetime) -> None:
    """The contact wrote at `at` (the channel's own timestamp; caller's transaction)."""
    await conn.execute(
        "UPDATE chats SET last_inbound_at = ? WHERE chat_id = ?"
        " AND (last_inbound_at IS NULL OR last_inbound_at < ?)",
        (utc_iso(at), contact_id, utc_iso(at)),
    )


async def last_inbound(conn: Conn, contact_id: int) -> datetime | None:
    """When the contact last wrote, by the channel's clock (None: never noted)."""
    async with conn.execute(
        "SELECT last_inbound_at FROM chats WHERE chat_id = ?", (contact_id,)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None or row[0] is None else from_iso(row[0])


async def address_of(conn: Conn, contact_id: int) -> tuple[str, str] | None:
    """Where a contact is reached: its channel and its address there, or None (erased)."""
    async with conn.execute(
        "SELECT channel, address FROM chats WHERE chat_id = ?", (contact_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    channel, address = row[0], row[1]
    return channel, address if address is not None else str(contact_id)


async def set_reachable(conn: Conn, chat_id: int, reachable: bool) -> None:
    """Mark a chat (un)reachable, e.g. after Telegram said the user blocked the bot."""
    await conn.execute(
        "UPDATE chats SET reachable = ? WHERE chat_id = ?", (int(reachable), chat_id)
    )


async def delete(conn: Conn, chat_id: int) -> None:
    """Forget the chat row (its subscriptions go with it: ON DELETE CASCADE)."""
    await conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))


async def forget(
    conn: Conn,
    chat_id: int,
    keep_failures_since: datetime,
    *,
    chat_window_since: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Erase what the bot keeps about a chat (caller's transaction): /hapusdata.

    Subscriptions and their labels, a check in progress, proved checks, attempts (recent
    failures stay, unlinked from the chat, so the limit per NIK still counts them; those within
    the chat's own window stay linked, with a wait still in force, see
    attempts.forget_chat), the
    chat's personal notifications, and the chat row. Announcement rows keep their place in
    the broadcast's figures but lose the chat id (pending ones are cancelled).
    """
    await subscriptions_store.unsubscribe_all(conn, chat_id)
    await checks_store.forget_chat(conn, chat_id)
    await attempts_store.forget_chat(
        conn, chat_id, keep_failures_since, chat_window_since=chat_window_since, now=now
    )
    await conn.execute("DELETE FROM outbox WHERE chat_id = ? AND kind <> 'broadcast'", (chat_id,))
    await conn.execute(
        "UPDATE outbox SET chat_id = ?,"
        " state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END"
        " WHERE chat_id = ? AND kind = 'broadcast'",
        (attempts_store.NO_CHAT, chat_id),
    )
    await delete(conn, chat_id)
