"""Time one resident check (verify + insights + PRR queue) on a large synthetic database.

Usage: python bench/bench_resident_check.py [--records 300000] [--db /tmp/bench.sqlite3]
Seeds records and their history directly (fast), then prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.privacy import Hasher, mask_nik
from bot.services import insights
from bot.services.verification import verify_owner
from bot.states import ALL_STATUSES, KtpStatus
from bot.storage import Database
from bot.storage import insights as insights_store
from bot.storage.records import get_by_nik_hash

KEY = b"k" * 32


async def seed(db: Database, count: int, hasher: Hasher) -> None:
    rng = random.Random(1)
    today = date(2026, 11, 28)
    stamp = "2026-11-28T00:00:00+00:00"
    records = []
    history = []
    hid = 0
    for i in range(1, count + 1):
        final = rng.choice(ALL_STATUSES)
        steps = [s for s in ALL_STATUSES if s.order <= final.order and rng.random() < 0.3]
        if not steps or steps[-1] is not final:
            steps.append(final)
        day = today - timedelta(days=rng.randint(30, 700))
        dates = []
        for _ in steps:
            dates.append(day)
            day = min(today, day + timedelta(days=rng.randint(1, 40)))
        digits = f"{i:016d}"
        records.append(
            (
                i,
                hasher.nik(digits),
                hasher.kk(digits[::-1]),
                mask_nik(digits),
                None,
                "160501",
                final.value,
                dates[-1].isoformat(),
                None,
                stamp,
                stamp,
            )
        )
        for s, d in zip(steps, dates, strict=True):
            hid += 1
            history.append((hid, i, s.value, d.isoformat(), None, "bench", None, stamp))
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)", records)
        await conn.executemany(
            "INSERT OR IGNORE INTO status_history VALUES (?,?,?,?,?,?,?,?)", history
        )
    print(f"seeded {count} records, {len(history)} history rows")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--db", default="/tmp/bench_resident.sqlite3")
    args = parser.parse_args()
    path = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = await Database.open(path)
    hasher = Hasher(KEY)
    t = time.perf_counter()
    await seed(db, args.records, hasher)
    print(f"seed: {time.perf_counter() - t:.1f} s")
    now = datetime(2026, 11, 28, 5, tzinfo=UTC)
    # Find a print-ready record late in the queue.
    row = await db.fetchone(
        "SELECT id FROM records WHERE status = ? ORDER BY status_date DESC LIMIT 1",
        (KtpStatus.PRINT_READY_RECORD.value,),
    )
    digits = f"{row[0]:016d}"
    figures = insights.InsightsCache()  # what Services holds
    for label in ("first check (cold cache)", "second check (warm cache)"):
        t = time.perf_counter()
        result = await verify_owner(
            db, hasher, chat_id=1, nik_hash=hasher.nik(digits), kk=digits[::-1], now=now
        )
        assert result.ok and result.record is not None
        info = await figures.record_insight(db.conn, result.record, now.date())
        print(
            f"{label}: {1000 * (time.perf_counter() - t):.1f} ms"
            f" (queue before {info.queue_before}, usual median {info.usual.median_days},"
            f" p80 {info.usual.p80_days}, samples {info.usual.samples})"
        )
    t = time.perf_counter()
    await insights_store.stay_counts(db.conn)
    print(f"whole-history waiting figures (cache miss): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    for _ in range(100):
        await get_by_nik_hash(db.conn, hasher.nik(digits))
        await insights.print_queue_position(db.conn, result.record)
    print(f"lookup + queue position: {10 * (time.perf_counter() - t):.2f} ms each")
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM records WHERE status = ?"
        " AND (status_date, id) < (?, ?)",
        ("PRINT_READY_RECORD", "2026-01-01", 5),
    )
    print("queue plan:", [tuple(r)[-1] for r in plan])
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
