"""The database API the services use, the same on both databases (`[sqlite]` and `[postgresql]`).

SQLite implements it with its speed devices (a reader on the event loop, group commits, notes
deferred to the next commit); PostgreSQL plainly, through its pool (bot/storage/pg.py). Either
way: a write job's result comes after its commit, a failing job takes only its own changes
back, a snapshot reads what was committed, a deferred note is in before the next transaction,
and the periodic purge drops every expired row a chunk at a time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.domain.clock import FakeClock
from bot.services import maintenance
from bot.storage import Conn, Db, checks, utc_iso
from bot.storage import settings as settings_store
from bot.storage.attempts import LockScope, lock, locked_until

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


async def _put(conn: Conn, key: str, value: str) -> str:
    await conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))
    return key


async def _put_then_fail(conn: Conn) -> None:
    await _put(conn, "broken", "x")
    raise ValueError("the job changed its mind")


async def test_write_jobs_commit_together_and_a_failing_one_alone_is_undone(any_db: Db) -> None:
    db = any_db
    first, failed, second = await asyncio.gather(
        db.write(lambda conn: _put(conn, "a", "1")),
        db.write(_put_then_fail),
        db.write(lambda conn: _put(conn, "b", "2")),
        return_exceptions=True,
    )
    assert (first, second) == ("a", "b")
    assert isinstance(failed, ValueError)
    assert await settings_store.read_all(db.reader) == {"a": "1", "b": "2"}


async def test_a_snapshot_reads_what_was_committed(any_db: Db) -> None:
    db = any_db
    async with db.transaction() as conn:
        await lock(conn, LockScope.CHAT, "7", NOW, NOW + timedelta(minutes=5))
    async with db.snapshot() as reader:
        assert await locked_until(reader, LockScope.CHAT, "7", NOW) == NOW + timedelta(minutes=5)
        assert await locked_until(reader, LockScope.NIK, "7", NOW) is None
        assert await checks.get_pending(reader, 7, NOW) is None


async def test_a_deferred_note_is_in_before_the_next_transaction(any_db: Db) -> None:
    db = any_db
    stamp = utc_iso(NOW)
    db.defer(
        "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen) VALUES (?, ?, ?, ?)",
        (42, "private", stamp, stamp),
    )
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall("SELECT chat_type FROM chats WHERE chat_id = ?", (42,))
    row = rows[0] if rows else None
    assert row is not None and row[0] == "private"


async def test_the_purge_drops_every_expired_row_a_chunk_at_a_time(
    any_db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = any_db
    monkeypatch.setattr(maintenance, "PURGE_CHUNK", 2)
    old = NOW - checks.PENDING_TTL - timedelta(minutes=1)
    async with db.transaction() as conn:
        for chat_id in range(1, 6):  # five expired steps, one fresh
            await checks.set_pending(conn, chat_id, checks.Step.KK, old, nik_hash="h")
        await checks.set_pending(conn, 6, checks.Step.KK, NOW, nik_hash="h")
        for key in range(5):  # five ended locks, one in force
            await lock(conn, LockScope.NIK, f"n{key}", old, NOW - timedelta(seconds=1))
        await lock(conn, LockScope.NIK, "live", NOW, NOW + timedelta(minutes=5))
    services = SimpleNamespace(db=db, clock=FakeClock(NOW))
    assert await maintenance.purge_expired(services) == 10  # type: ignore[arg-type]
    assert [tuple(r) for r in await db.fetchall("SELECT chat_id FROM resident_pending")] == [(6,)]
    assert [tuple(r) for r in await db.fetchall("SELECT key FROM verify_locks")] == [("live",)]


@pytest.mark.sqlite_only
async def test_a_sqlite_write_job_may_await_nothing_but_its_statements(any_db: Db) -> None:
    async def sleeps(conn: Conn) -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something else"):
        await any_db.write(sleeps)
