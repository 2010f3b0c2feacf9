"""Resident checks per second: SQLite with one process beside PostgreSQL with 1, 2 and 4 workers.

Usage:
    python bench/bench_workers.py --pg postgresql://postgres@127.0.0.1:5432/postgres
        [--records 1000000] [--seconds 10] [--workers 1,2,4] [--concurrency 16]

A "check" is what a resident's NIK + KK costs the database: `verify_owner` (the lockout
checks, the lookup by keyed hash, the proof written, all in one transaction) and
`record_insight` (queue position, usual waiting time from the warm cache). Each worker is a
process of its own with its own connections and `--concurrency` checks in flight, as a bot
worker answering many residents at once. SQLite runs the same in one process (the only way
it runs). The records are seeded into SQLite (as bench_resident_check.py does) and copied to a
fresh PostgreSQL database with `migrate-db`'s copier. The --pg URL must allow CREATE DATABASE.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_resident_check import KEY, seed

from bot.domain.privacy import Hasher
from bot.services import insights
from bot.services.verification import verify_owner
from bot.storage import Database, Db
from bot.storage.pg import PgDatabase
from bot.storage.transfer import copy_database

NOW = datetime(2026, 11, 28, 5, tzinfo=UTC)
BENCH_DB = "bench_workers"


class Checker:
    """One worker's checks: warm up (figures cached), then as many checks as fit in `seconds`."""

    def __init__(self, db: Db, records: int, concurrency: int, seed_: int) -> None:
        self.db, self.records, self.concurrency, self.seed = db, records, concurrency, seed_
        self.hasher = Hasher(KEY)
        self.figures = insights.InsightsCache()
        self.rng = random.Random(seed_)

    async def warm_up(self) -> None:
        digits = f"{1:016d}"
        first = await verify_owner(
            self.db,
            self.hasher,
            chat_id=1,
            nik_hash=self.hasher.nik(digits),
            kk=digits[::-1],
            now=NOW,
        )
        assert first.ok and first.record is not None
        await self.figures.record_insight(self.db.conn, first.record, NOW.date())

    async def run(self, seconds: float) -> int:
        done = 0
        deadline = time.perf_counter() + seconds

        async def loop(index: int) -> None:
            nonlocal done
            chat = self.seed * 1000 + index
            while time.perf_counter() < deadline:
                digits = f"{self.rng.randint(1, self.records):016d}"
                result = await verify_owner(
                    self.db,
                    self.hasher,
                    chat_id=chat,
                    nik_hash=self.hasher.nik(digits),
                    kk=digits[::-1],
                    now=NOW,
                )
                assert result.ok and result.record is not None, result
                await self.figures.record_insight(self.db.conn, result.record, NOW.date())
                done += 1

        await asyncio.gather(*(loop(i) for i in range(self.concurrency)))
        await self.figures.stop()
        return done


def _worker(
    url: str, records: int, seconds: float, concurrency: int, index: int, barrier: Any, out: Any
) -> None:
    async def main() -> int:
        db = await PgDatabase.open(url, max_size=concurrency)
        try:
            checker = Checker(db, records, concurrency, index + 1)
            await checker.warm_up()
            barrier.wait()  # every worker warm: all start together
            return await checker.run(seconds)
        finally:
            await db.close()

    out.put(asyncio.run(main()))


async def _fresh_pg(admin_url: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {BENCH_DB}")
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


async def prepare(args: argparse.Namespace) -> tuple[Path, str | None]:
    path = Path(args.sqlite)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = await Database.open(path)
    t = time.perf_counter()
    await seed(db, args.records, Hasher(KEY))
    print(f"SQLite seeded in {time.perf_counter() - t:.0f} s")
    url = None
    if args.pg:
        url = await _fresh_pg(args.pg)
        pg = await PgDatabase.open(url)
        t = time.perf_counter()
        checks = await copy_database(db, pg)
        assert all(c.ok for c in checks)
        await pg.pool.execute("ANALYZE")
        print(f"PostgreSQL filled by migrate-db's copier in {time.perf_counter() - t:.0f} s")
        await pg.close()
    await db.close()
    return path, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sqlite", default="/tmp/bench_workers.sqlite3")
    parser.add_argument("--pg", help="an admin URL of a PostgreSQL server (CREATE DATABASE)")
    args = parser.parse_args()
    path, url = asyncio.run(prepare(args))

    async def sqlite_run() -> int:
        db = await Database.open(path)
        try:
            checker = Checker(db, args.records, args.concurrency, 1)
            await checker.warm_up()
            return await checker.run(args.seconds)
        finally:
            await db.close()

    done = asyncio.run(sqlite_run())
    print(f"SQLite, 1 process:      {done / args.seconds:8.0f} checks/s")
    if url is None:
        return
    ctx = mp.get_context("spawn")
    for workers in [int(w) for w in args.workers.split(",")]:
        out = ctx.Queue()
        barrier = ctx.Barrier(workers)
        procs = [
            ctx.Process(
                target=_worker,
                args=(url, args.records, args.seconds, args.concurrency, i, barrier, out),
            )
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        total = sum(out.get() for _ in procs)
        for p in procs:
            p.join()
        print(f"PostgreSQL, {workers} worker(s): {total / args.seconds:8.0f} checks/s")


if __name__ == "__main__":
    main()
