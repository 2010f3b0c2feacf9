"""Receipt deep-link tokens: a slip's link opens the bot on its record (hashes only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import utc_iso
from bot.storage.driver import Conn


@dataclass(frozen=True, slots=True)
class TokenRow:
    record_id: int
    revoked: bool


async def revoke_for_record(conn: Conn, record_id: int, now: datetime) -> int:
    """End every live token of a record (a reprint, or staff); how many ended."""
    cur = await conn.execute(
        "UPDATE receipt_tokens SET revoked_at = ? WHERE record_id = ? AND revoked_at IS NULL",
        (utc_iso(now), record_id),
    )
    return cur.rowcount


async def add(
    conn: Conn, token_hash: str, record_id: int, now: datetime, actor_id: int | None
) -> None:
    await conn.execute(
        "INSERT INTO receipt_tokens (token_hash, record_id, created_at, created_by)"
        " VALUES (?, ?, ?, ?)",
        (token_hash, record_id, utc_iso(now), actor_id),
    )


async def find(conn: Conn, token_hash: str) -> TokenRow | None:
    async with conn.execute(
        "SELECT record_id, revoked_at FROM receipt_tokens WHERE token_hash = ?", (token_hash,)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else TokenRow(int(row[0]), row[1] is not None)
