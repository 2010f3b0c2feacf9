"""Proving a NIK is one's own with its Nomor KK, and the limits that stop anyone guessing.

A wrong KK and an unknown NIK are the same outcome (NO_MATCH) and count the same, so nothing
tells whether a NIK exists. Limits: CHAT_FAILURE_LIMIT failures within CHAT_WINDOW make the chat
wait CHAT_WAIT; NIK_FAILURE_LIMIT failures for one NIK within NIK_WINDOW, from any chats, lock that
NIK for NIK_LOCK (staff still see it). Refused attempts are not counted again.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiosqlite

from bot.privacy import Hasher
from bot.storage import Database
from bot.storage import attempts as attempts_store
from bot.storage import checks as checks_store
from bot.storage import records as records_store
from bot.storage.attempts import LockScope
from bot.storage.records import Record

CHAT_FAILURE_LIMIT = 5
CHAT_WINDOW = timedelta(hours=1)
CHAT_WAIT = timedelta(hours=1)
NIK_FAILURE_LIMIT = 10
NIK_WINDOW = timedelta(days=1)
NIK_LOCK = timedelta(hours=24)
#: Failed attempts are kept this long, then deleted (long enough for both windows).
ATTEMPT_RETENTION = timedelta(days=2)


class Outcome(StrEnum):
    VERIFIED = "verified"
    NO_MATCH = "no_match"  # wrong KK or unknown NIK: deliberately the same
    CHAT_WAIT = "chat_wait"  # this chat failed too often; refused until `until`
    NIK_LOCKED = "nik_locked"  # this NIK failed too often from anywhere; refused until `until`


@dataclass(frozen=True, slots=True)
class Verification:
    outcome: Outcome
    record: Record | None = None  # only when VERIFIED
    until: datetime | None = None  # end of the wait or lock that applies now
    attempts_left: int | None = None  # NO_MATCH: failures this chat has left before waiting
    started: Outcome | None = None  # NO_MATCH: the wait or lock this failure set off, if any

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.VERIFIED


async def nik_locked_until(
    conn: aiosqlite.Connection, nik_hash: str, now: datetime
) -> datetime | None:
    """When the NIK's lock ends, or None when checks for it are allowed."""
    return await attempts_store.locked_until(conn, LockScope.NIK, nik_hash, now)


async def is_nik_locked(conn: aiosqlite.Connection, nik_hash: str, now: datetime) -> bool:
    """True while residents may not check this NIK (staff lookups are not affected)."""
    return await nik_locked_until(conn, nik_hash, now) is not None


async def chat_wait_until(
    conn: aiosqlite.Connection, chat_id: int, now: datetime
) -> datetime | None:
    """When this chat may check again, or None when it may now."""
    return await attempts_store.locked_until(conn, LockScope.CHAT, str(chat_id), now)


async def refusal(
    conn: aiosqlite.Connection, chat_id: int, nik_hash: str | None, now: datetime
) -> Verification | None:
    """CHAT_WAIT or NIK_LOCKED when a check may not go ahead now; None when it may."""
    until = await chat_wait_until(conn, chat_id, now)
    if until is not None:
        return Verification(Outcome.CHAT_WAIT, until=until)
    if nik_hash is not None:
        until = await nik_locked_until(conn, nik_hash, now)
        if until is not None:
            return Verification(Outcome.NIK_LOCKED, until=until)
    return None


async def verify_owner(
    db: Database, hasher: Hasher, *, chat_id: int, nik_hash: str, kk: str, now: datetime
) -> Verification:
    """Check that `kk` (16 normalised digits) is the Nomor KK of the record with `nik_hash`.

    On success the chat is remembered as having proved the record (it may then follow it).
    """
    async with db.transaction() as conn:
        refused = await refusal(conn, chat_id, nik_hash, now)
        if refused is not None:
            return refused
        record = await records_store.get_by_nik_hash(conn, nik_hash)
        if record is not None and hmac.compare_digest(record.kk_hash, hasher.kk(kk)):
            await checks_store.mark_verified(conn, chat_id, record.id, now)
            return Verification(Outcome.VERIFIED, record=record)
        return await _fail(conn, chat_id, nik_hash, now)


async def _fail(
    conn: aiosqlite.Connection, chat_id: int, nik_hash: str, now: datetime
) -> Verification:
    await attempts_store.purge(conn, now - ATTEMPT_RETENTION, now)
    await attempts_store.record_failure(conn, chat_id, nik_hash, now)
    chat_failures = await attempts_store.chat_failures_since(conn, chat_id, now - CHAT_WINDOW)
    nik_failures = await attempts_store.nik_failures_since(conn, nik_hash, now - NIK_WINDOW)
    until: datetime | None = None
    started: Outcome | None = None
    if chat_failures >= CHAT_FAILURE_LIMIT:
        until, started = now + CHAT_WAIT, Outcome.CHAT_WAIT
        await attempts_store.lock(conn, LockScope.CHAT, str(chat_id), now, until)
    if nik_failures >= NIK_FAILURE_LIMIT:  # the longer of the two is the one to tell
        until, started = now + NIK_LOCK, Outcome.NIK_LOCKED
        await attempts_store.lock(conn, LockScope.NIK, nik_hash, now, until)
    left = max(0, CHAT_FAILURE_LIMIT - chat_failures)
    return Verification(Outcome.NO_MATCH, until=until, attempts_left=left, started=started)
