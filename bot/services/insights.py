"""Waiting-time figures from the status history, the place in the print queue, backlog counts.

A stay in a status runs from the day a record entered it to the day it entered the next,
different status; only finished stays count. Figures are shown only with MIN_SAMPLES stays.
`estimate` turns these figures (and, for the print queue, the queue position, the blanko stock
and the cards printed in the last PACE_WINDOW_DAYS) into the range a resident reads; it runs on
figures already at hand and never reads the history itself.
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
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

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
#: The print queue's pace is the cards that left PRINT_READY_RECORD in this many last days.
PACE_WINDOW_DAYS = 30
#: Fewer cards than this printed in the window and the pace says nothing useful.
PACE_MIN_CARDS = 5

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
    printed_recently: int | None = None  # PRINT_READY_RECORD: left the queue in PACE_WINDOW_DAYS
    estimate: Estimate | None = None  # when the record will likely move on (`estimate`)


# --- the estimate a resident reads ("Perkiraan: ...") -----------------------------------------


class EstimateKind(StrEnum):
    NONE = "none"  # nothing to estimate: the resident acts next, or the card is handed over
    RANGE = "range"  # from `earliest` to `latest`, from the usual stays in this status
    TOO_LITTLE_HISTORY = "too_little_history"  # fewer than MIN_SAMPLES finished stays
    PAST_USUAL = "past_usual"  # already waited longer than 8 in 10 finished stays
    QUEUE = "queue"  # print queue: the turn comes around `earliest` at the recent pace
    QUEUE_NO_PACE = "queue_no_pace"  # print queue: too few cards printed lately to say
    QUEUE_NO_BLANKO = "queue_no_blanko"  # print queue: no blanko; waits for the centre's delivery
    QUEUE_BLANKO_SHORT = "queue_blanko_short"  # the stock runs out before this record's turn


@dataclass(frozen=True, slots=True)
class Estimate:
    kind: EstimateKind
    earliest: date | None = None
    latest: date | None = None
    blanko_known: bool = False  # QUEUE: the blanko stock was counted (staff set it)


def estimate(
    status: KtpStatus,
    entered_on: date,
    today: date,
    usual: WaitingTime,
    *,
    queue_before: int | None = None,
    blanko_stock: int | None = None,
    printed_recently: int | None = None,
) -> Estimate:
    """When a record will likely leave its status, from figures already at hand (no queries).

    A status the office or the centre must move: from the day the record entered it, the
    median and the 80th percentile of the finished stays in it (the earliest day is never
    before today). The print queue: the records ahead, at the pace of the last
    PACE_WINDOW_DAYS, within the blanko stock when staff set it. Too little history, or a
    record already past the 80th percentile, gets no date.
    """
    if status is KtpStatus.CARD_ISSUED or status is KtpStatus.CARD_SHIPPED:
        return Estimate(EstimateKind.NONE)
    if status.facts.resident_must_come:
        return Estimate(EstimateKind.NONE)
    if status is KtpStatus.PRINT_READY_RECORD and queue_before is not None:
        return _queue_estimate(today, queue_before, blanko_stock, printed_recently or 0)
    if not usual.enough or usual.median_days is None or usual.p80_days is None:
        return Estimate(EstimateKind.TOO_LITTLE_HISTORY)
    latest = entered_on + timedelta(days=usual.p80_days)
    if today > latest:
        return Estimate(EstimateKind.PAST_USUAL)
    earliest = max(today, entered_on + timedelta(days=math.ceil(usual.median_days)))
    return Estimate(EstimateKind.RANGE, earliest, latest)


def _queue_estimate(today: date, ahead: int, stock: int | None, printed: int) -> Estimate:
    if stock == 0:
        return Estimate(EstimateKind.QUEUE_NO_BLANKO, blanko_known=True)
    if stock is not None and stock <= ahead:
        return Estimate(EstimateKind.QUEUE_BLANKO_SHORT, blanko_known=True)
    if printed < PACE_MIN_CARDS:
        return Estimate(EstimateKind.QUEUE_NO_PACE, blanko_known=stock is not None)
    days = math.ceil((ahead + 1) * PACE_WINDOW_DAYS / printed)
    turn = today + timedelta(days=days)
    return Estimate(EstimateKind.QUEUE, turn, turn, blanko_known=stock is not None)


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
    exits: dict[KtpStatus, dict[int, int]]  # status -> {date ordinal: stays that ended then}
    #: The print queue in order (`insights_store.queue_key`); None: count it in the database.
    queue: array[int] | None = None
    checked_at: float = 0.0  # time.monotonic() when the history was last seen unchanged
    #: Each status's WaitingTime, worked out once per computation (not per check).
    waits: dict[KtpStatus, WaitingTime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.checked_at = self.checked_at or self.computed_at
        self.waits = {s: WaitingTime.from_counts(c) for s, c in self.by_status.items()}

    @classmethod
    def of(cls, saved: insights_store.SavedFigures, computed_at: float) -> _Cached:
        known = KtpStatus.__members__
        raw = saved.figures
        return cls(
            version=saved.version,
            computed_at=computed_at,
            by_status={KtpStatus(code): c for code, c in raw.stays.items() if code in known},
            exits={KtpStatus(code): c for code, c in raw.exits.items() if code in known},
            queue=saved.queue,
        )


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
        self._conn: Conn | None = None  # the connection whose file is _key
        self._key = ""

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

    async def _compute(self, conn: Conn, key: str) -> _Cached:
        version = await insights_store.history_version(conn)
        raw = await insights_store.history_figures(conn)
        known = KtpStatus.__members__
        figures = _Cached(
            version=version,
            computed_at=time.monotonic(),
            by_status={KtpStatus(code): c for code, c in raw.stays.items() if code in known},
            exits={KtpStatus(code): c for code, c in raw.exits.items() if code in known},
        )
        if key:
            self._cache[key] = figures
        return figures

    async def _refresh(self, conn: Conn, key: str, force: bool = False) -> None:
        """In the background, one at a time: recompute (in a worker thread) when the history
        has grown or the figures are older than CACHE_TTL, and keep them for the next start."""
        try:
            cached = self._cache.get(key)
            if cached is not None and not force:
                young = time.monotonic() - cached.computed_at < CACHE_TTL.total_seconds()
                if young and await insights_store.history_version(conn) == cached.version:
                    cached.checked_at = time.monotonic()
                    return
            saved = await insights_store.compute_and_save(conn)
            if saved is not None:
                self._cache[key] = _Cached.of(saved, time.monotonic())
        except Exception:  # the old figures stay; the next check tries again
            log.exception("could not recompute the waiting-time figures")
        finally:
            self._refreshing.pop(key, None)

    async def stay_counts(self, conn: Conn) -> dict[KtpStatus, dict[int, int]]:
        """Finished stays per status as {days: count}."""
        return (await self._figures(conn)).by_status

    async def left_recently(self, conn: Conn, status: KtpStatus, today: date, days: int) -> int:
        """How many records left `status` in the `days` days up to `today` (from the cache)."""
        ended = (await self._figures(conn)).exits.get(status, {})
        last = today.toordinal()
        return sum(n for day, n in ended.items() if last - days < day <= last)

    async def history_changed(self, conn: Conn) -> None:
        """The history changed in bulk (an import): bring the figures up to date and keep them
        for the next start. In the background when the bot runs (one recomputation at a
        time); at once otherwise (the shell's import), so the bot's first check has them."""
        key = await self._key_of(conn)
        if self._running:
            self._refresh_later(conn, key, force=True)
        else:
            await self._refresh(conn, key, force=True)

    async def _key_of(self, conn: Conn) -> str:
        if conn is not self._conn:  # a connection's file is asked once, not on every check
            self._key = await insights_store.database_file(conn)
            self._conn = conn
        return self._key

    async def _figures(self, conn: Conn) -> _Cached:
        key = await self._key_of(conn)
        cached = self._cache.get(key) if key else None
        if cached is not None and self._running:
            # Never computed in a resident's request: at most a background refresh is started.
            if time.monotonic() - cached.checked_at >= MIN_RECOMPUTE.total_seconds():
                self._refresh_later(conn, key)
            return cached
        if cached is None and self._running and key:
            return await self._load(conn, key)
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
        return cached

    def _refresh_later(self, conn: Conn, key: str, force: bool = False) -> None:
        if key not in self._refreshing:  # single flight
            self._refreshing[key] = asyncio.create_task(self._refresh(conn, key, force))

    async def _load(self, conn: Conn, key: str) -> _Cached:
        """The running bot's first need: the figures kept by the last computation (one
        statement; a background refresh then brings them up to date). Only a database that
        never had them computes them here, once, and keeps them for every start after."""
        saved = await insights_store.load_saved(conn)
        fresh = saved is None
        if saved is None:
            saved = await insights_store.compute_and_save(conn)
            if saved is None:
                return await self._compute(conn, key)
        cached = _Cached.of(saved, time.monotonic())
        self._cache[key] = cached
        if not fresh:
            self._refresh_later(conn, key)
        return cached

    async def waiting_time(self, conn: Conn, status: KtpStatus) -> WaitingTime:
        """Median and p80 of the days finished stays in `status` took."""
        cached = (await self._figures(conn)).waits.get(status)  # worked out once, not per check
        return cached or WaitingTime.from_counts({})

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
        printed: int | None = None
        if record.status is KtpStatus.PRINT_READY_RECORD:
            queue = (await self._figures(conn)).queue
            if queue is None:
                queue_before = await print_queue_position(conn, record)
            else:  # the queue as last computed, in memory: no count per check
                queue_before = bisect_left(
                    queue, insights_store.queue_key(record.status_date, record.id)
                )
            stock = await blanko_stock(conn)
            printed = await self.left_recently(conn, record.status, today, PACE_WINDOW_DAYS)
        return RecordInsight(
            waited_days=waited,
            usual=usual,
            longer_than_usual=longer,
            queue_before=queue_before,
            blanko_stock=stock,
            printed_recently=printed,
            estimate=estimate(
                record.status,
                record.status_date,
                today,
                usual,
                queue_before=queue_before,
                blanko_stock=stock,
                printed_recently=printed,
            ),
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
