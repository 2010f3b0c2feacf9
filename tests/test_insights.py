"""Waiting-time figures from the history, the print queue and the blanko stock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import insights
from bot.states import KtpStatus, Stage
from bot.storage import Database, Db
from bot.storage import records as records_store
from bot.storage import settings as settings_store

NOW = datetime(2026, 11, 28, 3, tzinfo=UTC)
TODAY = date(2026, 11, 28)
S = KtpStatus


@pytest.fixture
async def db(any_db: Db) -> AsyncIterator[Db]:
    """SQLite or PostgreSQL (conftest: every test here runs on both)."""
    yield any_db


@pytest.fixture
async def cache() -> AsyncIterator[insights.InsightsCache]:
    """The figures' cache as the bot holds it (in `Services`), running, stopped afterwards."""
    figures = insights.InsightsCache()
    figures.start()
    yield figures
    await figures.stop()


async def add(db: Database, n: int, steps: list[tuple[KtpStatus, date]]) -> int:
    """A record whose history is `steps` (oldest first); returns its id."""
    async with db.transaction() as conn:
        first_status, first_day = steps[0]
        record_id = await records_store.insert_record(
            conn,
            nik_hash=f"h{n}",
            kk_hash=f"k{n}",
            nik_masked="1605••••••••0001",
            name_masked=None,
            district="160501",
            status=first_status,
            status_date=first_day,
            note=None,
            source="test",
            actor_id=None,
            now=NOW,
        )
        for status, day in steps[1:]:
            await records_store.set_status(conn, record_id, status, day, None, "test", None, NOW)
    return record_id


def test_percentiles_from_counts() -> None:
    counts = {1: 5, 2: 3, 10: 2}  # 1,1,1,1,1,2,2,2,10,10
    assert insights.median_from_counts(counts) == 1.5
    assert insights.percentile_from_counts(counts, 0.8) == 2
    assert insights.percentile_from_counts({7: 1}, 0.8) == 7
    assert insights.median_from_counts({3: 1, 9: 2}) == 9.0


async def test_stays_end_when_the_next_status_begins(
    db: Database, cache: insights.InsightsCache
) -> None:
    start = date(2026, 1, 1)
    for i in range(40):
        await add(
            db,
            i,
            [
                (S.SENT_FOR_ENROLLMENT, start),
                (S.RECEIVED_AT_CENTRAL, start + timedelta(days=i + 1)),
            ],
        )
    figures = await cache.waiting_time(db.conn, S.SENT_FOR_ENROLLMENT)
    assert figures.samples == 40 and figures.enough
    assert figures.median_days == 20.5  # stays of 1..40 days
    assert figures.p80_days == 32
    # The stays still running in RECEIVED_AT_CENTRAL do not count.
    assert (await cache.waiting_time(db.conn, S.RECEIVED_AT_CENTRAL)).samples == 0


async def test_a_status_entered_twice_in_a_row_is_one_stay(
    db: Database, cache: insights.InsightsCache
) -> None:
    await add(
        db,
        1,
        [
            (S.PACKET_RETRY, date(2026, 1, 1)),
            (S.PACKET_RETRY, date(2026, 1, 5)),
            (S.SENT_FOR_DEDUP, date(2026, 1, 11)),
        ],
    )
    figures = await cache.waiting_time(db.conn, S.PACKET_RETRY)
    assert figures.samples == 1 and figures.median_days == 10


async def test_too_few_samples_is_not_enough(db: Database, cache: insights.InsightsCache) -> None:
    for i in range(insights.MIN_SAMPLES - 1):
        await add(db, i, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    figures = await cache.waiting_time(db.conn, S.BIO_CAPTURED)
    assert figures.samples == 29 and not figures.enough
    stages = await cache.median_days_per_stage(db.conn)
    assert stages[Stage.RECORDING] is None


async def test_a_record_that_waited_longer_than_most(
    db: Database, cache: insights.InsightsCache
) -> None:
    for i in range(30):
        await add(
            db,
            i,
            [(S.SENT_FOR_DEDUP, date(2026, 1, 1)), (S.PRINT_READY_RECORD, date(2026, 1, 11))],
        )
    cache.forget()
    slow = await add(db, 100, [(S.SENT_FOR_DEDUP, TODAY - timedelta(days=11))])
    usual = await add(db, 101, [(S.SENT_FOR_DEDUP, TODAY - timedelta(days=10))])
    slow_info = await cache.record_insight(
        db.conn, await records_store.get_by_id(db.conn, slow), TODAY
    )
    assert slow_info.waited_days == 11 and slow_info.longer_than_usual
    usual_info = await cache.record_insight(
        db.conn, await records_store.get_by_id(db.conn, usual), TODAY
    )
    assert not usual_info.longer_than_usual


async def test_print_queue_oldest_first_then_by_id(
    db: Database, cache: insights.InsightsCache
) -> None:
    ids = [
        await add(db, 1, [(S.PRINT_READY_RECORD, date(2026, 3, 1))]),
        await add(db, 2, [(S.PRINT_READY_RECORD, date(2026, 2, 1))]),
        await add(db, 3, [(S.PRINT_READY_RECORD, date(2026, 3, 1))]),
        await add(db, 4, [(S.CARD_PRINTED, date(2026, 1, 1))]),
    ]
    positions = []
    for record_id in ids[:3]:
        record = await records_store.get_by_id(db.conn, record_id)
        positions.append(await insights.print_queue_position(db.conn, record))
    assert positions == [1, 0, 2]
    info = await cache.record_insight(db.conn, record, TODAY)
    assert info.queue_before == 2 and info.blanko_stock is None
    async with db.transaction() as conn:
        await settings_store.put(conn, settings_store.BLANKO_STOCK, "6000")
    assert (await cache.record_insight(db.conn, record, TODAY)).blanko_stock == 6000


async def test_backlog_counts_every_status(db: Database) -> None:
    await add(db, 1, [(S.PRINT_READY_RECORD, date(2026, 3, 1))])
    counts = await insights.backlog(db.conn)
    assert len(counts) == 18 and counts[S.PRINT_READY_RECORD] == 1 and counts[S.CARD_ISSUED] == 0


async def test_out_of_date_figures_are_recomputed_in_the_background(
    db: Database, cache: insights.InsightsCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        await add(db, i, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    assert (await cache.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 3
    await add(db, 9, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 2))])
    later = time.monotonic() + insights.CACHE_TTL.total_seconds()
    monkeypatch.setattr(insights.time, "monotonic", lambda: later)
    # The first call after the figures went stale answers at once with the old ones ...
    assert (await cache.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 3
    await cache.stop()  # ... and stopping waits for the recomputation it started.
    assert (await cache.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 4


async def test_a_cache_not_started_recomputes_in_the_call(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = insights.InsightsCache()
    await add(db, 1, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    assert (await cache.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 1
    await add(db, 2, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    later = time.monotonic() + insights.CACHE_TTL.total_seconds()
    monkeypatch.setattr(insights.time, "monotonic", lambda: later)
    assert (await cache.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 2
    await cache.stop()


async def test_each_cache_keeps_its_own_figures(db: Database) -> None:
    await add(db, 1, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    first = insights.InsightsCache()
    assert (await first.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 1
    await add(db, 2, [(S.BIO_CAPTURED, date(2026, 1, 1)), (S.PROCESSING, date(2026, 1, 3))])
    second = insights.InsightsCache()  # e.g. the services of a restarted bot
    assert (await second.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 2
    assert (await first.waiting_time(db.conn, S.BIO_CAPTURED)).samples == 1  # still cached


# --- the estimate a resident reads (pure: from figures already at hand) -----------------------


def _usual(samples: int, median: float, p80: int) -> insights.WaitingTime:
    return insights.WaitingTime(samples, median, p80)


def test_an_estimate_runs_from_the_median_to_the_80th_percentile() -> None:
    entered = date(2026, 11, 23)
    est = insights.estimate(S.SENT_FOR_DEDUP, entered, TODAY, _usual(40, 21, 45))
    assert est.kind is insights.EstimateKind.RANGE
    assert est.earliest == date(2026, 12, 14) and est.latest == date(2027, 1, 7)
    # Past the median: from today; past the 80th percentile: no date at all.
    est = insights.estimate(S.SENT_FOR_DEDUP, date(2026, 11, 1), TODAY, _usual(40, 21, 45))
    assert est.earliest == TODAY
    past = insights.estimate(S.SENT_FOR_DEDUP, date(2026, 9, 1), TODAY, _usual(40, 21, 45))
    assert past.kind is insights.EstimateKind.PAST_USUAL and past.earliest is None
    few = insights.estimate(S.SENT_FOR_DEDUP, entered, TODAY, _usual(29, 21, 45))
    assert few.kind is insights.EstimateKind.TOO_LITTLE_HISTORY


def test_no_estimate_where_the_resident_acts_next() -> None:
    for status in (S.UNREGISTERED, S.DUPLICATE_RECORD, S.CARD_PRINTED, S.CARD_ISSUED):
        est = insights.estimate(status, TODAY, TODAY, _usual(40, 3, 5))
        assert est.kind is insights.EstimateKind.NONE


def test_the_print_queue_estimate() -> None:
    def queue(ahead: int, stock: int | None, printed: int) -> insights.Estimate:
        return insights.estimate(
            S.PRINT_READY_RECORD,
            date(2026, 1, 1),
            TODAY,
            _usual(0, 0, 0),
            queue_before=ahead,
            blanko_stock=stock,
            printed_recently=printed,
        )

    turn = queue(59, None, 300)  # 10 a day: the 60th in 6 days
    assert turn.kind is insights.EstimateKind.QUEUE and not turn.blanko_known
    assert turn.earliest == TODAY + timedelta(days=6)
    assert queue(59, 6000, 300).blanko_known
    assert queue(59, 0, 300).kind is insights.EstimateKind.QUEUE_NO_BLANKO
    assert queue(59, 59, 300).kind is insights.EstimateKind.QUEUE_BLANKO_SHORT
    assert queue(59, 6000, 4).kind is insights.EstimateKind.QUEUE_NO_PACE


async def test_the_pace_of_printing_comes_from_the_cached_history(
    db: Database, cache: insights.InsightsCache
) -> None:
    for i, left in enumerate([date(2026, 11, 27), date(2026, 11, 1), date(2026, 10, 28)]):
        await add(
            db, i, [(S.PRINT_READY_RECORD, date(2026, 8, 1)), (S.SENT_FOR_CARD_PRINTING, left)]
        )
    waiting = await add(db, 9, [(S.PRINT_READY_RECORD, date(2026, 9, 1))])
    assert await cache.left_recently(db.conn, S.PRINT_READY_RECORD, TODAY, 30) == 2
    info = await cache.record_insight(
        db.conn, await records_store.get_by_id(db.conn, waiting), TODAY
    )
    assert info.printed_recently == 2 and info.queue_before == 0
    assert info.estimate is not None
    assert info.estimate.kind is insights.EstimateKind.QUEUE_NO_PACE  # 2 is too few to say
