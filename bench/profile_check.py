"""Where one resident check spends its time: cProfile and SQL round trips, whole Application.

    python bench/profile_check.py [--people 300000] [--checks 300] [--top 25] [--out FILE]
                                  [--kind check|wrong_kk|nik_only]

Same database and harness as bench/checks.py (limiter off, one update at a time, fresh copy of
the database): one check first (its figures are then cached), then --checks checks from distinct
chats, one after another, under cProfile (the event loop's thread) while every call into the
aiosqlite thread (a round trip) and every SQL statement (sqlite3's trace callback) is counted
and timed. Prints per check: wall time, round trips, statements by kind, write transactions,
time spent inside sqlite3; the statements run most; the top functions of the profile.

--kind      what each chat sends: "NIK KK" (check, the default), "NIK KK" with a wrong KK
            (wrong_kk: the failure is counted, the NIK waits for its KK) or the NIK alone
            (nik_only: the KK is asked for)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import pstats
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiosqlite
from checks import FIRST_CHAT, _wrong, copy_database
from common import people_db, read_pairs
from harness import Feeder, Job, text_update

from bot.app import build_application, start_in_process, stop_in_process
from bot.domain.config import Settings
from bot.local_api import LOCAL_TOKEN, LocalBotApi


class SqlCounter:
    """Counts round trips to aiosqlite's thread and the statements sqlite3 runs there."""

    def __init__(self) -> None:
        self.on = False
        self.round_trips = 0
        self.thread_seconds = 0.0  # time the aiosqlite thread spent running our calls
        self.statements: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        original_execute = aiosqlite.Connection._execute
        original_connect = sqlite3.connect
        counter = self

        async def _execute(conn: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            if not counter.on:
                return await original_execute(conn, fn, *args, **kwargs)
            counter.round_trips += 1

            def timed(*a: Any, **k: Any) -> Any:
                start = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    with counter._lock:
                        counter.thread_seconds += time.perf_counter() - start

            return await original_execute(conn, functools.wraps(fn)(timed), *args, **kwargs)

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = original_connect(*args, **kwargs)
            conn.set_trace_callback(counter._trace)
            return conn

        aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]
        sqlite3.connect = connect  # type: ignore[assignment]

    def _trace(self, statement: str) -> None:
        if self.on:
            shape = re.sub(r"\s+", " ", statement.strip())
            shape = re.sub(r"'[^']*'|\b\d+\b", "?", shape)
            with self._lock:
                self.statements[shape[:110]] += 1


async def profile(args: argparse.Namespace) -> None:
    people = people_db(args.people, args.seed, args.cache)
    pairs = read_pairs(people.csv_path)
    random.Random(args.seed).shuffle(pairs)
    counter = SqlCounter()
    counter.install()
    api = LocalBotApi(token=LOCAL_TOKEN, keep_history=False)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        db_path = copy_database(people.db_path, Path(tmp))
        settings = Settings(token=LOCAL_TOKEN, db_path=db_path, secret_key_file=people.key_path)
        app = build_application(settings, request=api, rate_limiter=False)
        feeder = Feeder(api, app)
        await start_in_process(app)
        try:
            nik, kk = pairs[-1]
            first = Job("first", FIRST_CHAT - 1, lambda: text_update(FIRST_CHAT - 1, f"{nik} {kk}"))
            counter.on = True
            first_s = await feeder.one(first)
            first_trips, first_statements = counter.round_trips, sum(counter.statements.values())
            counter.round_trips, counter.thread_seconds = 0, 0.0
            counter.statements.clear()
            count = min(args.checks, len(pairs) - 1)
            jobs = [
                Job(
                    args.kind,
                    FIRST_CHAT + i,
                    lambda i=i: text_update(FIRST_CHAT + i, _message(args.kind, *pairs[i])),
                    pairs[i][0][-4:],  # every kind's answer shows the masked NIK
                )
                for i in range(count)
            ]
            profiler = cProfile.Profile()
            profiler.enable()
            outcome = await feeder.run(jobs, in_flight=1, timeout=600)
            profiler.disable()
            counter.on = False
        finally:
            await stop_in_process(app)

    n = max(1, outcome.updates)
    kinds: Counter[str] = Counter()
    for statement, times in counter.statements.items():
        kinds[statement.split(" ", 1)[0].upper()] += times
    print(f"database: {args.people:,} people; {n} checks ({args.kind}) one at a time, limiter off")
    print(
        f"first check: {1000 * first_s:.1f} ms, {first_trips} round trips,"
        f" {first_statements} statements"
    )
    print(f"later checks: {1000 * outcome.seconds / n:.2f} ms wall each (under cProfile)")
    print(f"  CPU per check        {1000 * outcome.cpu / n:.2f} ms (all threads, profiled)")
    print(f"  round trips          {counter.round_trips / n:.1f} per check (aiosqlite thread)")
    print(f"  statements           {sum(counter.statements.values()) / n:.1f} per check")
    print("  by kind              " + ", ".join(f"{k} {v / n:.1f}" for k, v in kinds.most_common()))
    print(f"  write transactions   {counter.statements['BEGIN IMMEDIATE'] / n:.1f} per check")
    print(f"  inside sqlite3       {1000 * counter.thread_seconds / n:.2f} ms per check")
    if outcome.wrong or outcome.missing:
        print(f"  !! unexpected answers {outcome.wrong}, unanswered {outcome.missing}")
    print()
    print("statements per check:")
    for statement, times in counter.statements.most_common(30):
        print(f"  {times / n:5.2f}  {statement}")
    stats = pstats.Stats(profiler, stream=io.StringIO())
    for order, where, only in (
        ("tottime", "", ()),
        ("cumulative", "the bot's own functions, ", ("/bot/",)),
    ):
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats(order).print_stats(*only, args.top)
        print()
        print(
            f"cProfile, event-loop thread, {where}top {args.top} by {order}"
            f" (totals over {n} checks; a coroutine counts a call per resumption):"
        )
        text = out.getvalue()
        print(text[text.find("   ncalls") :].rstrip())
    if args.out:
        stats.dump_stats(args.out)
        print(f"\nprofile written to {args.out} (python -m pstats {args.out})")


def _message(kind: str, nik: str, kk: str) -> str:
    if kind == "wrong_kk":
        return f"{nik} {_wrong(kk)}"
    if kind == "nik_only":
        return nik
    return f"{nik} {kk}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--kind",
        choices=("check", "wrong_kk", "nik_only"),
        default="check",
        help="what each chat sends (default: NIK and the right KK)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also save the cProfile data")
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(profile(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
