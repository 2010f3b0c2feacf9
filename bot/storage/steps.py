"""Staff steps in progress: one row per (chat, user, kind), a JSON payload and an expiry.

A staff step is something a staff member started and has not finished yet: an `/ubah` waiting
for its confirmation, an `/impor` waiting for its file, a `/siaran` draft. Keeping them here
(instead of in memory) lets them survive a restart. SQL only: the service or handler that owns
a kind decides its payload and how long it lives.

Usage (writes inside the caller's `db.transaction()`, reads on any connection)::

    async with db.transaction() as conn:
        await steps.put(conn, chat_id, user_id, "ubah", {"nik_hash": ...}, now, now + ttl)
    step = await steps.get(db.conn, chat_id, user_id, "ubah", now)   # None when absent/expired
    step = await steps.get(db.conn, chat_id, user_id, "ubah", now, include_expired=True)
    if step is not None and step.expired(now): ...                    # "it expired" answers
    async with db.transaction() as conn:
        await steps.delete(conn, chat_id, user_id, "ubah")            # True when there was one
        await steps.purge_expired(conn, now)                          # housekeeping

The payload must be a JSON object of plain values and never hold a raw NIK, KK or full name
(store keyed hashes and masked forms, as elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.db import from_iso, utc_iso
from bot.storage.driver import Conn


@dataclass(frozen=True, slots=True)
class StaffStep:
    chat_id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


async def put(
    conn: Conn,
    chat_id: int,
    user_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> None:
    """Start (or replace) this chat and user's step of this kind (caller's transaction)."""
    await conn.execute(
        "INSERT OR REPLACE INTO staff_steps"
        " (chat_id, user_id, kind, payload, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (chat_id, user_id, kind, json.dumps(payload), utc_iso(now), utc_iso(expires_at)),
    )


async def get(
    conn: Conn,
    chat_id: int,
    user_id: int,
    kind: str,
    now: datetime,
    *,
    include_expired: bool = False,
) -> StaffStep | None:
    """The step of this kind, or None; an expired one only with `include_expired`."""
    sql = (
        "SELECT chat_id, user_id, kind, payload, created_at, expires_at FROM staff_steps"
        " WHERE chat_id = ? AND user_id = ? AND kind = ?"
    )
    rows = await conn.execute_fetchall(sql, (chat_id, user_id, kind))  # one trip: every update
    row = next(iter(rows), None)
    if row is None:
        return None
    step = StaffStep(
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        created_at=from_iso(row["created_at"]),
        expires_at=from_iso(row["expires_at"]),
    )
    if step.expired(now) and not include_expired:
        return None
    return step


async def delete(conn: Conn, chat_id: int, user_id: int, kind: str) -> bool:
    """Forget the step (caller's transaction); False when there was none."""
    cur = await conn.execute(
        "DELETE FROM staff_steps WHERE chat_id = ? AND user_id = ? AND kind = ?",
        (chat_id, user_id, kind),
    )
    return cur.rowcount > 0


async def purge_expired(conn: Conn, now: datetime) -> int:
    """Drop every step whose expiry has passed (caller's transaction); the number dropped."""
    cur = await conn.execute("DELETE FROM staff_steps WHERE expires_at <= ?", (utc_iso(now),))
    return cur.rowcount


async def forget_chat(conn: Conn, chat_id: int) -> None:
    """Drop every step started in this chat (caller's transaction)."""
    await conn.execute("DELETE FROM staff_steps WHERE chat_id = ?", (chat_id,))


# --- every step of a chat and person, in one read -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step as stored, from whichever table keeps it (`place`: "check" for
    `resident_pending`, "question" for `question_steps`, "staff" for `staff_steps`).

    `since` is when a check step began (its expiry is counted from it); `until` when a
    question's or staff member's step expires."""

    place: str
    kind: str
    nik_hash: str | None = None
    nik_masked: str | None = None
    number: int | None = None  # the record (check) or question the step is about
    payload: str | None = None  # a staff step's JSON
    as_kk_hash: str | None = None  # a check step: the number taken for a NIK, hashed as a KK
    since: datetime | None = None
    until: datetime | None = None


#: The three places steps live, read together: one trip to the database per update.
_CURRENT = (
    "SELECT 'check' AS place, kind, nik_hash, nik_masked, record_id AS number,"
    " NULL AS payload, as_kk_hash, created_at AS stamp FROM resident_pending WHERE chat_id = ?"
    " UNION ALL"
    " SELECT 'question', kind, NULL, NULL, question_id, NULL, NULL, expires_at"
    " FROM question_steps WHERE chat_id = ?"
    " UNION ALL"
    " SELECT 'staff', kind, NULL, NULL, NULL, payload, NULL, expires_at"
    " FROM staff_steps WHERE chat_id = ? AND user_id = ?"
)


async def current(conn: Conn, chat_id: int, user_id: int) -> list[StepRow]:
    """Every step this chat (and this person in it) is in, expired ones included (the caller
    knows each kind's lifetime): one statement over the three tables."""
    rows = await conn.execute_fetchall(_CURRENT, (chat_id, chat_id, chat_id, user_id))
    found = []
    for row in rows:
        place = row["place"]
        stamp = from_iso(row["stamp"])
        found.append(
            StepRow(
                place=place,
                kind=row["kind"],
                nik_hash=row["nik_hash"],
                nik_masked=row["nik_masked"],
                number=row["number"],
                payload=row["payload"],
                as_kk_hash=row["as_kk_hash"],
                since=stamp if place == "check" else None,
                until=None if place == "check" else stamp,
            )
        )
    return found
