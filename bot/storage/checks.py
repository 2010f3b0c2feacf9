"""A resident's check in progress (waiting for the KK or a label) and the NIKs a chat proved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.storage import context as context_store
from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn, Row

#: A step nobody finished within this time is forgotten.
PENDING_TTL = timedelta(minutes=30)
#: A chat may follow a record it proved for this long after the check.
VERIFIED_TTL = timedelta(days=7)


class Step(StrEnum):
    KK = "kk"  # a NIK was sent; the Nomor KK is awaited
    LABEL = "label"  # a label for a followed record is awaited


@dataclass(frozen=True, slots=True)
class Pending:
    chat_id: int
    step: Step
    nik_hash: str | None
    nik_masked: str | None
    record_id: int | None
    created_at: datetime
    as_kk_hash: str | None = None  # the number taken for the NIK, hashed as a KK (KK first)


async def set_pending(
    conn: Conn,
    chat_id: int,
    step: Step,
    now: datetime,
    *,
    nik_hash: str | None = None,
    nik_masked: str | None = None,
    record_id: int | None = None,
    as_kk_hash: str | None = None,
) -> None:
    """Remember the one step this chat is in (replaces any earlier step)."""
    await conn.execute(
        "INSERT OR REPLACE INTO resident_pending"
        " (chat_id, kind, nik_hash, nik_masked, record_id, created_at, as_kk_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, step.value, nik_hash, nik_masked, record_id, utc_iso(now), as_kk_hash),
    )


async def get_pending(conn: Conn, chat_id: int, now: datetime) -> Pending | None:
    """The chat's step in progress, unless it is older than PENDING_TTL."""
    async with conn.execute("SELECT * FROM resident_pending WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return _pending(row, now)


async def has_pending_row(conn: Conn, chat_id: int) -> bool:
    """A step row exists for the chat (expired or not): clearing it would change something."""
    async with conn.execute("SELECT 1 FROM resident_pending WHERE chat_id = ?", (chat_id,)) as cur:
        return await cur.fetchone() is not None


def _pending(row: Row | None, now: datetime) -> Pending | None:
    if row is None:
        return None
    created = from_iso(row["created_at"])
    if now - created > PENDING_TTL:
        return None
    return Pending(
        chat_id=row["chat_id"],
        step=Step(row["kind"]),
        nik_hash=row["nik_hash"],
        nik_masked=row["nik_masked"],
        record_id=row["record_id"],
        created_at=created,
        as_kk_hash=row["as_kk_hash"],
    )


async def clear_pending(conn: Conn, chat_id: int) -> bool:
    cur = await conn.execute("DELETE FROM resident_pending WHERE chat_id = ?", (chat_id,))
    return cur.rowcount > 0


async def mark_verified(conn: Conn, chat_id: int, record_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO verified_checks (chat_id, record_id, verified_at) VALUES (?, ?, ?)"
        " ON CONFLICT(chat_id, record_id) DO UPDATE SET verified_at = excluded.verified_at",
        (chat_id, record_id, utc_iso(now)),
    )


async def verified_now(
    conn: Conn, chat_id: int, record_id: int, now: datetime, clear_step: bool
) -> None:
    """A write job (`Db.write`): the chat proved the record; its step ends."""
    if clear_step:
        await conn.execute("DELETE FROM resident_pending WHERE chat_id = ?", (chat_id,))
    await mark_verified(conn, chat_id, record_id, now)


async def is_verified(conn: Conn, chat_id: int, record_id: int, now: datetime) -> bool:
    """True when this chat proved NIK + KK of the record within VERIFIED_TTL."""
    async with conn.execute(
        "SELECT verified_at FROM verified_checks WHERE chat_id = ? AND record_id = ?",
        (chat_id, record_id),
    ) as cur:
        row = await cur.fetchone()
    return row is not None and now - from_iso(row[0]) <= VERIFIED_TTL


async def purge_some(conn: Conn, now: datetime, limit: int) -> int:
    """A write job for the periodic purge: up to `limit` expired steps and as many expired
    proofs (by the indexes on their time columns); the number of rows dropped."""
    row = conn.dialect.row_address
    cur = await conn.execute(
        f"DELETE FROM resident_pending WHERE {row} IN (SELECT {row} FROM resident_pending"
        " WHERE created_at < ? LIMIT ?)",
        (utc_iso(now - PENDING_TTL), limit),
    )
    dropped = cur.rowcount
    cur = await conn.execute(
        f"DELETE FROM verified_checks WHERE {row} IN (SELECT {row} FROM verified_checks"
        " WHERE verified_at < ? LIMIT ?)",
        (utc_iso(now - VERIFIED_TTL), limit),
    )
    return dropped + cur.rowcount


async def forget_chat(conn: Conn, chat_id: int) -> None:
    await conn.execute("DELETE FROM resident_pending WHERE chat_id = ?", (chat_id,))
    await conn.execute("DELETE FROM verified_checks WHERE chat_id = ?", (chat_id,))
    await context_store.forget_chat(conn, chat_id)  # the status last shown, the last question
