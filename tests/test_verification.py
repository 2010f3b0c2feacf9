"""Proving a NIK with its Nomor KK: same answer for a wrong KK and an unknown NIK, and limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.domain.clock import FakeClock
from bot.domain.privacy import Hasher, mask_nik
from bot.services.verification import (
    CHAT_FAILURE_LIMIT,
    NIK_FAILURE_LIMIT,
    NIK_FAILURES_PER_CHAT,
    Outcome,
    is_nik_locked,
    nik_locked_until,
    verify_owner,
)
from bot.states import KtpStatus
from bot.storage import Database, Db
from bot.storage import attempts as attempts_store
from bot.storage import records as records_store

NIK = "1605014107900012"
KK = "1605010101150003"
WRONG_KK = "1605010101150004"
UNKNOWN_NIK = "1605015508920031"


@pytest.fixture
async def db(any_db: Db) -> AsyncIterator[Db]:
    """SQLite or PostgreSQL (conftest: every test here runs on both)."""
    yield any_db


@pytest.fixture
def hasher() -> Hasher:
    return Hasher(b"x" * 32)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def record_id(db: Database, hasher: Hasher, clock: FakeClock) -> int:
    async with db.transaction() as conn:
        return await records_store.insert_record(
            conn,
            nik_hash=hasher.nik(NIK),
            kk_hash=hasher.kk(KK),
            nik_masked=mask_nik(NIK),
            name_masked="S••• A•••",
            district=NIK[:6],
            status=KtpStatus.PRINT_READY_RECORD,
            status_date=date(2026, 10, 1),
            note=None,
            source="test",
            actor_id=None,
            now=clock.now(),
        )


async def check(db: Database, hasher: Hasher, clock: FakeClock, chat: int, nik: str, kk: str):
    return await verify_owner(
        db, hasher, chat_id=chat, nik_hash=hasher.nik(nik), kk=kk, now=clock.now()
    )


async def test_the_right_kk_proves_the_record(db, hasher, clock, record_id) -> None:
    result = await check(db, hasher, clock, 1, NIK, KK)
    assert result.ok
    assert result.record is not None and result.record.id == record_id


async def test_wrong_kk_and_unknown_nik_look_the_same(db, hasher, clock, record_id) -> None:
    wrong = await check(db, hasher, clock, 1, NIK, WRONG_KK)
    unknown = await check(db, hasher, clock, 2, UNKNOWN_NIK, KK)
    assert wrong == unknown
    assert wrong.outcome is Outcome.NO_MATCH and wrong.record is None
    assert wrong.attempts_left == CHAT_FAILURE_LIMIT - 1


async def test_a_chat_waits_an_hour_after_five_failures(db, hasher, clock, record_id) -> None:
    for _ in range(CHAT_FAILURE_LIMIT - 1):
        assert (await check(db, hasher, clock, 1, NIK, WRONG_KK)).until is None
        clock.advance(minutes=5)
    fifth = await check(db, hasher, clock, 1, NIK, WRONG_KK)
    assert fifth.outcome is Outcome.NO_MATCH and fifth.started is Outcome.CHAT_WAIT
    assert fifth.until == clock.now() + timedelta(hours=1)
    # Even the right KK is refused while the chat waits; other chats are not affected.
    refused = await check(db, hasher, clock, 1, NIK, KK)
    assert refused.outcome is Outcome.CHAT_WAIT and refused.until == fifth.until
    assert (await check(db, hasher, clock, 2, NIK, KK)).ok
    clock.advance(minutes=59)
    assert (await check(db, hasher, clock, 1, NIK, KK)).outcome is Outcome.CHAT_WAIT
    clock.advance(minutes=1)
    assert (await check(db, hasher, clock, 1, NIK, KK)).ok


async def test_failures_spread_over_more_than_an_hour_do_not_make_a_chat_wait(
    db, hasher, clock, record_id
) -> None:
    for _ in range(NIK_FAILURE_LIMIT - 1):
        result = await check(db, hasher, clock, 1, UNKNOWN_NIK, KK)
        assert result.started is None
        clock.advance(minutes=16)


async def test_a_nik_is_locked_for_a_day_after_ten_failures_from_any_chats(
    db, hasher, clock, record_id
) -> None:
    nik_hash = hasher.nik(NIK)
    for i in range(NIK_FAILURE_LIMIT - 1):
        await check(db, hasher, clock, 100 + i, NIK, WRONG_KK)
        clock.advance(hours=2)
    assert not await is_nik_locked(db.conn, nik_hash, clock.now())
    tenth = await check(db, hasher, clock, 200, NIK, WRONG_KK)
    assert tenth.started is Outcome.NIK_LOCKED
    assert tenth.until == clock.now() + timedelta(hours=24)
    assert await is_nik_locked(db.conn, nik_hash, clock.now())
    assert await nik_locked_until(db.conn, nik_hash, clock.now()) == tenth.until
    # A chat that gave a wrong KK is refused, even with the right one, until the day is over.
    refused = await check(db, hasher, clock, 100, NIK, KK)
    assert refused.outcome is Outcome.NIK_LOCKED and refused.until == tenth.until
    clock.advance(hours=24)
    assert not await is_nik_locked(db.conn, nik_hash, clock.now())
    assert (await check(db, hasher, clock, 100, NIK, KK)).ok


async def test_the_owner_proves_a_locked_nik_from_a_chat_that_never_failed(
    db, hasher, clock, record_id
) -> None:
    for i in range(NIK_FAILURE_LIMIT):
        await check(db, hasher, clock, 100 + i, NIK, WRONG_KK)
    assert await is_nik_locked(db.conn, hasher.nik(NIK), clock.now())
    assert (await check(db, hasher, clock, 300, NIK, KK)).ok
    # A fresh chat's one wrong KK counts, and then the lock holds against it too.
    assert (await check(db, hasher, clock, 301, NIK, WRONG_KK)).outcome is Outcome.NO_MATCH
    assert (await check(db, hasher, clock, 301, NIK, KK)).outcome is Outcome.NIK_LOCKED


async def test_one_account_cannot_lock_a_strangers_nik(db, hasher, clock, record_id) -> None:
    """Ten wrong KKs from one chat (over hours, within its own limit) never lock the NIK: at
    most NIK_FAILURES_PER_CHAT of one chat's failures count toward the NIK's limit."""
    for _ in range(3 * NIK_FAILURE_LIMIT):
        await check(db, hasher, clock, 100, NIK, WRONG_KK)
        clock.advance(minutes=20)
    assert not await is_nik_locked(db.conn, hasher.nik(NIK), clock.now())
    for i in range(2):  # two more accounts: still not enough
        for _ in range(NIK_FAILURES_PER_CHAT):
            await check(db, hasher, clock, 200 + i, NIK, WRONG_KK)
    assert not await is_nik_locked(db.conn, hasher.nik(NIK), clock.now())
    assert (await check(db, hasher, clock, 100, NIK, KK)).outcome is not Outcome.NIK_LOCKED


async def test_an_unknown_nik_locks_the_same_way(db, hasher, clock, record_id) -> None:
    for i in range(NIK_FAILURE_LIMIT):
        await check(db, hasher, clock, 100 + i, UNKNOWN_NIK, KK)
    assert await is_nik_locked(db.conn, hasher.nik(UNKNOWN_NIK), clock.now())
    assert not await is_nik_locked(db.conn, hasher.nik(NIK), clock.now())


async def test_forgetting_a_chat_keeps_recent_failures_counting_for_the_nik(
    db, hasher, clock, record_id
) -> None:
    for _ in range(3):
        await check(db, hasher, clock, 1, NIK, WRONG_KK)
    async with db.transaction() as conn:
        await attempts_store.forget_chat(conn, 1, clock.now() - timedelta(days=1))
    assert await attempts_store.count_for_chat(db.conn, 1) == 0
    since = clock.now() - timedelta(days=1)
    assert await attempts_store.nik_failures_since(db.conn, hasher.nik(NIK), since) == 3


async def test_nothing_raw_is_stored(db, hasher, clock, record_id) -> None:
    await check(db, hasher, clock, 1, NIK, WRONG_KK)
    rows = await db.fetchall("SELECT * FROM verify_attempts")
    dump = repr([tuple(r) for r in rows])
    assert NIK not in dump and WRONG_KK not in dump


# --- reading what residents type: forgiving honest mistakes (issue 10) ------------------------

from bot.services.verification import read_numbers  # noqa: E402


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        (f"{NIK} {KK}", [NIK, KK]),
        (f"{NIK} {KK[:15]}", [NIK, KK[:15]]),  # one long run, split where the NIK ends
        (f"{NIK[:15]} {KK}", [NIK[:15], KK]),
        ("1605 0141 0790 0012 1605 0101 0115 000", [NIK, KK[:15]]),
        (f"{NIK}{KK}", [NIK, KK]),
        ("16052113026952AB", ["16052113026952AB"]),  # letters at the end are kept, to be named
        ("AB16052113026952", ["AB16052113026952"]),
        ("16050141O7900012", ["16050141O7900012"]),
        ("160521130269 saya", ["160521130269"]),  # a word after a short number is a word
    ],
)
def test_read_numbers(typed: str, numbers: list[str]) -> None:
    assert read_numbers(typed) == numbers
