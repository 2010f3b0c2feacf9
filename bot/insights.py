"""Waiting-time figures from the status history, the place in the print queue, backlog counts.

A stay in a status runs from the day a record entered it to the day it entered the next,
different status; only finished stays count. Figures are shown only with MIN_SAMPLES stays.
The whole-history figures are cached by an `InsightsCache` (one per `Services`, started and
stopped with the bot) and recomputed when the history has grown (checked at most once per
MIN_RECOMPUTE) or after CACHE_TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.states import ALL_STATUSES, KtpStatus, Stage
from bot.storage import insights as insights_store
from bot.storage import settings as settings_store
from bot.storage.driver import Conn
from bot.storage.records import Record

#: Fewer finished stays than this and the figures say nothing useful.
MIN_SAMPLES = 30
#: The share of stays that "usually" covers: beyond it a wait is longer than usual.
USUAL_SHARE = 0.8
CACHE_TTL = timedelta(hours=1)
MIN_RECOMPUTE = timedelta(minutes=5)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WaitingTime:
    """How long finished stays in one status (or stage) took, in days."""

    samples: int
    median_days: float | None
    p80_days: int | None

    @property
    def enough(self) -> bool:
        return self.samples >= MIN_SAMPLES

    @classmethod
    def from_counts(cls, counts: Mapping[int, int]) -> WaitingTime:
        samples = sum(counts.values())
        if samples == 0:
            return cls(0, None, None)
        return cls(samples, median_from_counts(counts), percentile_from_counts(counts, USUAL_SHARE))


@dataclass(frozen=True, slots=True)
class RecordInsight:
    """What the figures say about one record today."""

    waited_days: int  # days since it entered its current status
    usual: WaitingTime  # finished stays in that status
    longer_than_usual: bool  # waited more than p80, with enough samples
    queue_before: int | None = None  # PRINT_READY_RECORD: records ahead in the print queue
    blanko_stock: int | None = None  # PRINT_READY_RECORD: blank cards in stock, when staff set it


def percentile_from_counts(counts: Mapping[int, int], share: float) -> int:
    """The nearest-rank percentile of a distribution given as value -> occurrences."""
    total = sum(counts.values())
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def median_from_counts(counts: Mapping[int, int]) -> float:
    """The median of a distribution given as value -> occurrences (mean of the middle two)."""
    total = sum(counts.values())
    values = sorted(counts)

    def at(rank: int) -> int:  # the value at 1-based rank
        seen = 0
        for value in values:
            seen += counts[value]
            if seen >= rank:
                return value
        return values[-1]

    if total % 2:
        return float(at(total // 2 + 1))
    return (at(total // 2) + at(total // 2 + 1)) / 2


@dataclass(slots=True)
class _Cached:
    version: int
    computed_at: float  # time.monotonic()
    by_status: dict[KtpStatus, dict[int, int]]


class InsightsCache:
    """The whole-history waiting-time figures, kept between calls; one per `Services`.

    The first call per database computes them (about a second on a million history rows);
    later calls answer from the cache at once and, when it is out of date, recompute it for the
    calls after: in the background once `start()` was called (`post_init`, when the bot runs its
    background work), in the call itself otherwise. `stop()` (when the services close) waits for
    a recomputation under way, so none outlives the database connection.
    """

    def __init__(self) -> None:
        self._cache: dict[str, _Cached] = {}  # database file -> figures
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Recompute out-of-date figures in the background from now on."""
        self._running = True

    async def stop(self, timeout: float = 10.0) -> None:
        """No more background recomputation; wait for one under way (cancel it after `timeout`)."""
        self._running = False
        tasks = list(self._refreshing.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._refreshing.clear()

    def forget(self) -> None:
        """Drop every cached figure (tests, or after a bulk correction of the history)."""
        self._cache.clear()

    async def _compute(self, conn: Conn, key: str) -> dict[KtpStatus, dict[int, int]]:
        version = await insights_store.history_version(conn)
        raw = await insights_store.stay_counts(conn)
        by_status = {KtpStatus(code): c for code, c in raw.items() if code in KtpStatus.__members__}
        if key:
            self._cache[key] = _Cached(
                version=version, computed_at=time.monotonic(), by_status=by_status
            )
        return by_status

    async def _refresh(self, conn: Conn, key: str) -> None:
        try:
            await self._compute(conn, key)
        except Exception:  # the old figures stay; the next check tries again
            log.exception("could not recompute the waiting-time figures")
        finally:
            self._refreshing.pop(key, None)

    async def stay_counts(self, conn: Conn) -> dict[KtpStatus, dict[int, int]]:
        """Finished stays per status as {days: count}."""
        key = await insights_store.database_file(conn)
        cached = self._cache.get(key) if key else None
        if cached is None:
            return await self._compute(conn, key)
        age = time.monotonic() - cached.computed_at
        stale = age >= CACHE_TTL.total_seconds()
        if not stale and age >= MIN_RECOMPUTE.total_seconds():
            stale = await insights_store.history_version(conn) != cached.version
        if stale and key not in self._refreshing:
            if not self._running:
                return await self._compute(conn, key)
            self._refreshing[key] = asyncio.create_task(self._refresh(conn, key))
        return cached.by_status

    async def waiting_time(self, conn: Conn, status: KtpStatus) -> WaitingTime:
        """Median and p80 of the days finished stays in `status` took."""
        return WaitingTime.from_counts((await self.stay_counts(conn)).get(status, {}))

    async def waiting_times(self, conn: Conn) -> dict[KtpStatus, WaitingTime]:
        """Every status's waiting time, in journey order (for staff statistics)."""
        counts = await self.stay_counts(conn)
        return {s: WaitingTime.from_counts(counts.get(s, {})) for s in ALL_STATUSES}

    async def stage_waiting_times(self, conn: Conn) -> dict[Stage, WaitingTime]:
        """Waiting times per stage: the stays of the stage's statuses taken together."""
        counts = await self.stay_counts(conn)
        merged: dict[Stage, dict[int, int]] = {}
        for status, per_days in counts.items():
            bucket = merged.setdefault(status.facts.stage, {})
            for days, n in per_days.items():
                bucket[days] = bucket.get(days, 0) + n
        return {stage: WaitingTime.from_counts(merged.get(stage, {})) for stage in Stage}

    async def median_days_per_stage(self, conn: Conn) -> dict[Stage, float | None]:
        """Median days of a stay per stage (None when there are fewer than MIN_SAMPLES stays)."""
        return {
            stage: wt.median_days if wt.enough else None
            for stage, wt in (await self.stage_waiting_times(conn)).items()
        }

    async def record_insight(self, conn: Conn, record: Record, today: date) -> RecordInsight:
        """The waiting-time context of one record; `today` is the office's local date."""
        waited = max(0, (today - record.status_date).days)
        usual = await self.waiting_time(conn, record.status)
        longer = (
            usual.enough
            and usual.p80_days is not None
            and record.status is not KtpStatus.CARD_ISSUED
            and waited > usual.p80_days
        )
        queue_before: int | None = None
        stock: int | None = None
        if record.status is KtpStatus.PRINT_READY_RECORD:
            queue_before = await print_queue_position(conn, record)
            stock = await blanko_stock(conn)
        return RecordInsight(
            waited_days=waited,
            usual=usual,
            longer_than_usual=longer,
            queue_before=queue_before,
            blanko_stock=stock,
        )


async def print_queue_position(conn: Conn, record: Record) -> int:
    """How many print-ready records come before this one (older status date, then lower id)."""
    return await insights_store.count_print_ready_before(conn, record.status_date, record.id)


async def blanko_stock(conn: Conn) -> int | None:
    """The blank cards in stock as staff last set it; None when never set (or unreadable)."""
    text = await settings_store.get(conn, settings_store.BLANKO_STOCK)
    if text is None:
        return None
    try:
        return int(text.strip().replace(".", "").replace(",", ""))
    except ValueError:
        return None


async def backlog(conn: Conn) -> dict[KtpStatus, int]:
    """Records currently in each status, every status present (zero when empty)."""
    counts = await insights_store.count_by_status(conn)
    return {s: counts.get(s.value, 0) for s in ALL_STATUSES}
