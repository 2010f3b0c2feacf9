"""What a resident's chat was last shown and asked: the subject of follow-up questions.

One row per chat (`conversation_context`, migration 180): the card whose status was shown last
(its record id and when) and the question the bot asked last ("Maksud Bapak/Ibu…?", "send
this to staff?", "erase?") with what it needs (the intents offered, or the message to send,
its numbers masked). A shown status is a subject for SHOWN_TTL, a question for ASKED_TTL;
older rows are purged by `purge_some`, and erasure drops the chat's row (`forget_chat`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn, Db

#: A status shown to a chat is what "apa itu DR", "knp lama" are about for this long.
SHOWN_TTL = timedelta(hours=24)
#: A question the bot asked is answered by "ya"/"tidak" for this long.
ASKED_TTL = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Context:
    record_id: int | None  # the card last shown (None: none within SHOWN_TTL)
    shown_at: datetime | None
    asked: str | None  # what the bot asked last (None: nothing within ASKED_TTL)
    detail: str  # what the question needs: offered intents, or a masked message


NONE = Context(None, None, None, "")

_UPSERT_SHOWN = (
    "INSERT INTO conversation_context (chat_id, record_id, shown_at) VALUES (?, ?, ?)"
    " ON CONFLICT(chat_id) DO UPDATE SET record_id = excluded.record_id,"
    " shown_at = excluded.shown_at"
)


def note_shown(db: Db, chat_id: int, record_id: int, now: datetime) -> None:
    """A card's status was shown to the chat: a note on the next commit (no wait)."""
    db.defer(_UPSERT_SHOWN, (chat_id, record_id, utc_iso(now)))


async def set_asked(
    conn: Conn, chat_id: int, asked: str | None, detail: str, now: datetime
) -> None:
    """The bot asked `asked` (None: nothing is asked any more)."""
    await conn.execute(
        "INSERT INTO conversation_context (chat_id, asked, asked_detail, asked_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET asked = excluded.asked,"
        " asked_detail = excluded.asked_detail, asked_at = excluded.asked_at",
        (chat_id, asked, detail if asked else None, utc_iso(now) if asked else None),
    )


async def get(conn: Conn, chat_id: int, now: datetime) -> Context:
    async with conn.execute(
        "SELECT record_id, shown_at, asked, asked_detail, asked_at FROM conversation_context"
        " WHERE chat_id = ?",
        (chat_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return NONE
    shown_at = from_iso(row[1]) if row[1] else None
    if shown_at is None or now - shown_at > SHOWN_TTL:
        record_id, shown_at = None, None
    else:
        record_id = row[0]
    asked_at = from_iso(row[4]) if row[4] else None
    fresh = asked_at is not None and now - asked_at <= ASKED_TTL
    asked = row[2] if fresh else None
    return Context(record_id, shown_at, asked, (row[3] or "") if asked else "")


async def purge_some(conn: Conn, now: datetime, limit: int) -> int:
    """A chunk of rows whose status and question are both stale."""
    row = conn.dialect.row_address
    cur = await conn.execute(
        f"DELETE FROM conversation_context WHERE {row} IN (SELECT {row} FROM"
        " conversation_context WHERE (shown_at IS NULL OR shown_at < ?)"
        " AND (asked_at IS NULL OR asked_at < ?) LIMIT ?)",
        (utc_iso(now - SHOWN_TTL), utc_iso(now - ASKED_TTL), limit),
    )
    return cur.rowcount


async def forget_chat(conn: Conn, chat_id: int) -> None:
    await conn.execute("DELETE FROM conversation_context WHERE chat_id = ?", (chat_id,))
