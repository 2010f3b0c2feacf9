"""Failed ownership checks and the locks they cause, per chat and per NIK (keyed hash only)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn

#: The chat id kept on a failed attempt after its chat asked to be forgotten (see forget_chat).
NO_CHAT = 0


class LockScope(StrEnum):
    CHAT = "chat"
    NIK = "nik"


async def record_failure(conn: Conn, chat_id: int, nik_hash: str, now: datetime) -> None:
    """Write one failed check (caller's transaction). Successful checks are not kept."""
    await conn.execute(
        "INSERT INTO verify_attempts (chat_id, nik_hash, at, success) VALUES (?, ?, ?, 0)",
        (chat_id, nik_hash, utc_iso(now)),
    )


async def chat_failures_since(conn: Conn, chat_id: int, since: datetime) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE chat_id = ? AND at > ? AND success = 0",
        (chat_id, utc_iso(since)),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def nik_failures_since(conn: Conn, nik_hash: str, since: datetime) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE nik_hash = ? AND at > ? AND success = 0",
        (nik_hash, utc_iso(since)),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def nik_failures_by_chat(conn: Conn, nik_hash: str, since: datetime) -> list[int]:
    """The NIK's failures since `since`, counted per chat (erased chats together)."""
    async with conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE nik_hash = ? AND at > ? AND success = 0"
        " GROUP BY chat_id",
        (nik_hash, utc_iso(since)),
    ) as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def chat_failed_on_nik_since(
    conn: Conn, chat_id: int, nik_hash: str, since: datetime
) -> bool:
    """True when this chat gave a wrong KK (or an unknown NIK) for this NIK since `since`."""
    async with conn.execute(
        "SELECT 1 FROM verify_attempts WHERE nik_hash = ? AND chat_id = ? AND at > ?"
        " AND success = 0 LIMIT 1",
        (nik_hash, chat_id, utc_iso(since)),
    ) as cur:
        return await cur.fetchone() is not None


async def lock(conn: Conn, scope: LockScope, key: str, now: datetime, until: datetime) -> None:
    await conn.execute(
        "INSERT INTO verify_locks (scope, key, locked_at, until) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(scope, key) DO UPDATE SET locked_at = excluded.locked_at,"
        " until = excluded.until",
        (scope.value, key, utc_iso(now), utc_iso(until)),
    )


async def locked_until(conn: Conn, scope: LockScope, key: str, now: datetime) -> datetime | None:
    """When the lock ends, or None when there is no lock in force at `now`."""
    async with conn.execute(
        "SELECT until FROM verify_locks WHERE scope = ? AND key = ?", (scope.value, key)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    until = from_iso(row[0])
    return until if until > now else None


async def chat_and_nik_locked_until(
    conn: Conn, chat_id: int, nik_hash: str, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """When the chat's wait and the NIK's lock end (None: not in force at `now`), in one
    lookup (a check reads both before going ahead)."""
    async with conn.execute(
        "SELECT scope, until FROM verify_locks"
        " WHERE (scope = ? AND key = ?) OR (scope = ? AND key = ?)",
        (LockScope.CHAT.value, str(chat_id), LockScope.NIK.value, nik_hash),
    ) as cur:
        rows = await cur.fetchall()
    chat_until = nik_until = None
    for scope, until_text in rows:
        until = from_iso(until_text)
        if until <= now:
            continue
        if scope == LockScope.CHAT.value:
            chat_until = until
        else:
            nik_until = until
    return chat_until, nik_until


async def unlock(conn: Conn, scope: LockScope, key: str) -> bool:
    cur = await conn.execute(
        "DELETE FROM verify_locks WHERE scope = ? AND key = ?", (scope.value, key)
    )
    return cur.rowcount > 0


async def clear_nik_failures(conn: Conn, nik_hash: str) -> int:
    """Forget a NIK's failed tries (staff lifted its lock after seeing the person)."""
    cur = await conn.execute(
        "DELETE FROM verify_attempts WHERE nik_hash = ? AND success = 0", (nik_hash,)
    )
    return cur.rowcount


async def purge_some(conn: Conn, attempts_before: datetime, now: datetime, limit: int) -> int:
    """A write job for the periodic purge: up to `limit` attempts older than `attempts_before`
    and as many ended locks (by the indexes on `at` and `until`); the number dropped."""
    row = conn.dialect.row_address
    cur = await conn.execute(
        "DELETE FROM verify_attempts WHERE id IN (SELECT id FROM verify_attempts WHERE at < ?"
        " LIMIT ?)",
        (utc_iso(attempts_before), limit),
    )
    dropped = cur.rowcount
    cur = await conn.execute(
        f"DELETE FROM verify_locks WHERE {row} IN (SELECT {row} FROM verify_locks"
        " WHERE until <= ? LIMIT ?)",
        (utc_iso(now), limit),
    )
    return dropped + cur.rowcount


async def forget_chat(
    conn: Conn,
    chat_id: int,
    keep_since: datetime,
    *,
    chat_window_since: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Erase a chat's attempts and its lock, except what the limits still need.

    Failures newer than `keep_since` stay, cut loose from the chat (chat id NO_CHAT): the limit
    per NIK must keep counting them, or deleting one's data would reset it. Likewise failures
    newer than `chat_window_since` stay with the chat, and a chat lock still in force at `now`
    stays: erasing one's data must not lift the limit per chat either.
    """
    await conn.execute(
        "DELETE FROM verify_attempts WHERE chat_id = ? AND (at < ? OR success = 1)",
        (chat_id, utc_iso(keep_since)),
    )
    if chat_window_since is None:
        await conn.execute(
            "UPDATE verify_attempts SET chat_id = ? WHERE chat_id = ?", (NO_CHAT, chat_id)
        )
    else:
        await conn.execute(
            "UPDATE verify_attempts SET chat_id = ? WHERE chat_id = ? AND at <= ?",
            (NO_CHAT, chat_id, utc_iso(chat_window_since)),
        )
    if now is None:
        await unlock(conn, LockScope.CHAT, str(chat_id))
    else:
        await conn.execute(
            "DELETE FROM verify_locks WHERE scope = ? AND key = ? AND until <= ?",
            (LockScope.CHAT.value, str(chat_id), utc_iso(now)),
        )


async def count_for_chat(conn: Conn, chat_id: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE chat_id = ?", (chat_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
