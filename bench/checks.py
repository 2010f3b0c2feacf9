"""Resident checks end to end: "NIK KK" in, the answer out, through the real Application.

    python bench/checks.py [--people 300000] [--checks 2000] [--runs 3] [--mixed] [--aged]
                           [--refresh] [--open-loop 0.5,0.8]

Builds (once, then reuses: bench/.cache/) a database from `python -m bot sample-data --count N
--seed 1` imported with `python -m bot import`, reads valid NIK/KK pairs from that CSV, and
sends checks from distinct private chats into `app.update_queue`, as PTB's Updater would,
keeping `--in-flight` updates unanswered (a closed loop). A reply counts when `bot.local_api`
accepts it. Every configuration runs in a fresh process on a fresh copy of the database, beside
a bare PTB echo Application with the same switches (the floor) on the same harness:

  limiter off/on      PTB's AIORateLimiter left out (capacity) or in (as deployed: 30 msg/s)
  concurrent on/off   PTB's concurrent_updates (256 at once) or one update at a time

Prints per configuration: checks per second, CPU per update (process CPU time of all threads /
updates), p50/p95/p99 latency (update in -> reply accepted) and the ratio to the floor; and the
first check after a start (start_in_process -> first reply). Medians of --runs, with ranges.

--mixed     what residents send: checks, greetings, /start, wrong KKs, NIK-only first steps,
            subscriptions (the button under an answer)
--refresh   the capacity run again while the waiting-time figures are recomputed in the
            background (one single-flight refresh started after the first check)
--open-loop the same checks arriving at a fixed rate (shares of the capacity just measured):
            p95/p99 below capacity, where "256 in flight" says nothing; latency counts from
            each update's due time (an open loop has no coordinated omission)
--aged      first fill verified_checks, verify_attempts and resident_pending with a year of
            traffic (--aged-rows, 1,000,000), inserted with sqlite3; --aged-spread live (the
            default) dates them within each table's retention, so every version keeps them;
            year spreads them over 365 days (what a purge has to remove)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import PeopleDb, median, people_db, percentile, read_pairs
from harness import Feeder, Job, echo_application, text_update

from bot.app import build_application, start_in_process, stop_in_process
from bot.domain.config import Settings
from bot.local_api import LOCAL_TOKEN, LocalBotApi

FIRST_CHAT = 500_000_000
#: Share of each kind of update in --mixed (per 100): checks dominate; people greet, start,
#: mistype the KK, send the NIK alone first, and some follow the card they checked.
MIXED = {"check": 50, "greeting": 12, "start": 12, "wrong_kk": 10, "nik_only": 8, "subscribe": 8}
GREETINGS = ("halo", "selamat pagi", "assalamualaikum", "kapan ktp saya jadi?", "terima kasih")
AGED_SHARE = {"verified_checks": 0.5, "verify_attempts": 0.4, "resident_pending": 0.1}


@dataclass(frozen=True)
class Config:
    app: str  # "bot" or "echo"
    limiter: bool
    concurrent: bool
    workload: str = "checks"  # "checks" or "mixed"
    aged: bool = False
    refresh: bool = False  # the waiting-time figures are recomputed while the checks run
    rate: float = 0.0  # > 0: an open loop, updates arriving at this rate per second
    share: float = 0.0  # the open loop's rate as a share of the bot's measured capacity

    @property
    def label(self) -> str:
        opened = f"open loop {self.rate:,.0f}/s ({self.share:.0%} of capacity)"
        parts = [
            *([opened] if self.rate else []),
            self.workload + (" aged" if self.aged else "") + (" refresh" if self.refresh else ""),
            "limiter " + ("on" if self.limiter else "off"),
            "concurrent " + ("on" if self.concurrent else "off"),
        ]
        return ", ".join(parts)


# --- the child: one configuration, one run, in its own process ----------------------------------


def _mask(nik: str) -> str:
    return nik[:4] + "•" * 8 + nik[-4:]


def _wrong(kk: str) -> str:
    return kk[:-1] + str((int(kk[-1]) + 1) % 10)


def make_jobs(workload: str, pairs: list[list[str]], count: int, seed: int) -> list[Job]:
    """`count` updates from distinct chats (a subscription is a press after a check's answer)."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    kinds = list(MIXED)
    weights = [MIXED[k] for k in kinds]
    for i in range(count):
        chat = FIRST_CHAT + i
        nik, kk = pairs[i % len(pairs)]
        kind = "check" if workload == "checks" else rng.choices(kinds, weights)[0]
        if kind in ("check", "subscribe"):
            text, expect = f"{nik} {kk}", _mask(nik)
        elif kind == "wrong_kk":
            text, expect = f"{nik} {_wrong(kk)}", None
        elif kind == "nik_only":
            text, expect = nik, _mask(nik)
        elif kind == "start":
            text, expect = "/start", None
        else:
            text, expect = rng.choice(GREETINGS), None
        jobs.append(
            Job(
                "check" if kind == "subscribe" else kind,
                chat,
                lambda chat=chat, text=text: text_update(chat, text),
                expect,
                then_press=kind == "subscribe",
            )
        )
    return jobs


def age_database(path: Path, rows: int, spread: str, seed: int = 1) -> dict[str, int]:
    """Insert `rows` rows of past traffic into the check tables (not the bench's chats)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    windows = {  # live: inside each table's retention (see bot/storage/checks.py, verification)
        "verified_checks": timedelta(days=7) - timedelta(hours=1),
        "verify_attempts": timedelta(days=2) - timedelta(hours=1),
        "resident_pending": timedelta(minutes=25),
    }
    year = timedelta(days=365)

    def stamp(table: str) -> str:
        window = windows[table] if spread == "live" else year
        when = now - window * rng.random()
        return when.isoformat(timespec="seconds")

    conn = sqlite3.connect(path)
    try:
        low, high = conn.execute("SELECT MIN(id), MAX(id) FROM records").fetchone()
        counts = {table: int(rows * share) for table, share in AGED_SHARE.items()}
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO verified_checks (chat_id, record_id, verified_at)"
                " VALUES (?, ?, ?)",
                (
                    (3_000_000_000 + i, rng.randint(low, high), stamp("verified_checks"))
                    for i in range(counts["verified_checks"])
                ),
            )
            conn.executemany(
                "INSERT INTO verify_attempts (chat_id, nik_hash, at, success) VALUES (?, ?, ?, 0)",
                (
                    (4_000_000_000 + i // 3, rng.randbytes(32).hex(), stamp("verify_attempts"))
                    for i in range(counts["verify_attempts"])
                ),
            )
            conn.executemany(
                "INSERT INTO resident_pending (chat_id, kind, nik_hash, nik_masked, created_at)"
                " VALUES (?, 'kk', ?, '1605••••••••0001', ?)",
                (
                    (5_000_000_000 + i, rng.randbytes(32).hex(), stamp("resident_pending"))
                    for i in range(counts["resident_pending"])
                ),
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return table_counts(conn)
    finally:
        conn.close()


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in AGED_SHARE
    }


def copy_database(source: Path, folder: Path) -> Path:
    target = folder / "bot.sqlite3"
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


async def child(task: dict[str, Any]) -> dict[str, Any]:
    config = Config(**task["config"])
    pairs: list[list[str]] = json.loads(Path(task["pairs_file"]).read_text())
    result: dict[str, Any] = {}
    api = LocalBotApi(token=LOCAL_TOKEN, keep_history=False)
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        if config.app == "bot":
            db_path = copy_database(Path(task["db"]), Path(tmp))
            if config.aged:
                result["aged_before"] = age_database(db_path, task["aged_rows"], task["spread"])
            settings = Settings(
                token=LOCAL_TOKEN, db_path=db_path, secret_key_file=Path(task["key"])
            )
            app = build_application(
                settings,
                request=api,
                rate_limiter=config.limiter,
                concurrent_updates=config.concurrent,
            )
        else:
            app = echo_application(api, rate_limiter=config.limiter, concurrent=config.concurrent)
        feeder = Feeder(api, app)
        t0 = time.perf_counter()
        await start_in_process(app)
        result["start_s"] = time.perf_counter() - t0
        try:
            nik, kk = pairs[-1]  # not among the measured chats' pairs
            first = Job("first", FIRST_CHAT - 1, lambda: text_update(FIRST_CHAT - 1, f"{nik} {kk}"))
            result["first_check_s"] = await feeder.one(first)
            refreshing = None
            if config.refresh:  # as when the history grew: one single-flight background refresh
                cache = app.bot_data.services.insights
                cache._refresh_later(cache._conn, cache._key, force=True)
                refreshing = cache._refreshing.get(cache._key)
                refresh_started = time.perf_counter()
            result["first_reply_s"] = time.perf_counter() - t0
            jobs = make_jobs(config.workload, pairs[:-1], task["count"], task["seed"])
            if config.rate > 0:
                outcome = await feeder.run_open(jobs, config.rate, task["timeout"])
            else:
                outcome = await feeder.run(jobs, task["in_flight"], task["timeout"])
            if refreshing is not None:
                await refreshing
                result["refresh_s"] = time.perf_counter() - refresh_started
        finally:
            await stop_in_process(app)
        if config.app == "bot" and config.aged:
            conn = sqlite3.connect(db_path)
            result["aged_after"] = table_counts(conn)
            conn.close()
    result |= {
        "updates": outcome.updates,
        "missing": outcome.missing,
        "wrong": outcome.wrong if config.app == "bot" else 0,
        "sample": outcome.samples[:1] if config.app == "bot" else [],
        "seconds": outcome.seconds,
        "rate": outcome.updates / outcome.seconds if outcome.seconds else 0.0,
        "cpu_ms": 1000 * outcome.cpu / max(1, outcome.updates),
        "latencies": {kind: values for kind, values in outcome.latencies.items()},
    }
    return result


# --- the parent: every configuration, --runs times, then the table -----------------------------


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(task)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
        raise SystemExit(f"a run failed: {Config(**task['config']).label}")
    line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    if result.get("wrong") or result.get("missing"):  # show why (the bot's log)
        sys.stderr.write(proc.stderr[-5000:])
    return result


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    def spread(values: list[float]) -> tuple[float, float, float]:
        return median(values), min(values), max(values)

    def per_run(q: float) -> list[float]:
        return [
            percentile([x for v in r["latencies"].values() for x in v], q) * 1000 for r in results
        ]

    kinds = sorted({k for r in results for k in r["latencies"]})
    return {
        "rate": spread([r["rate"] for r in results]),
        "cpu_ms": spread([r["cpu_ms"] for r in results]),
        "p50": spread(per_run(0.50)),
        "p95": spread(per_run(0.95)),
        "p99": spread(per_run(0.99)),
        "first_check_ms": spread([1000 * r["first_check_s"] for r in results]),
        "first_reply_ms": spread([1000 * r["first_reply_s"] for r in results]),
        "start_ms": spread([1000 * r["start_s"] for r in results]),
        "missing": sum(r["missing"] for r in results),
        "wrong": sum(r["wrong"] for r in results),
        "sample": next((r["sample"][0] for r in results if r["sample"]), None),
        "kinds": {
            kind: (
                sum(len(r["latencies"].get(kind, [])) for r in results),
                median([percentile(r["latencies"].get(kind, []), 0.5) * 1000 for r in results]),
                median([percentile(r["latencies"].get(kind, []), 0.95) * 1000 for r in results]),
            )
            for kind in kinds
        },
        "aged_before": results[0].get("aged_before"),
        "refresh": [(r["refresh_s"], r["seconds"]) for r in results if "refresh_s" in r],
        "aged_after": [r.get("aged_after") for r in results if r.get("aged_after")],
    }


def child_task(
    config: Config,
    people: PeopleDb,
    pairs_file: Path,
    count: int,
    *,
    seed: int,
    in_flight: int,
    timeout: float,
    aged_rows: int = 0,
    spread: str = "live",
) -> dict[str, Any]:
    """What a child process (`--child`) is given to run one configuration once."""
    return {
        "config": asdict(config),
        "db": str(people.db_path),
        "key": str(people.key_path),
        "pairs_file": str(pairs_file),
        "count": count,
        "seed": seed,
        "in_flight": in_flight,
        "timeout": timeout,
        "aged_rows": aged_rows,
        "spread": spread,
    }


def fmt(value: tuple[float, float, float], digits: int = 1, runs: int = 1) -> str:
    mid, low, high = value
    text = f"{mid:,.{digits}f}"
    return text if runs == 1 else f"{text} ({low:,.{digits}f}-{high:,.{digits}f})"


def report(rows: list[tuple[Config, dict[str, Any], dict[str, Any]]], runs: int) -> None:
    print()
    print(
        f"{'configuration':40} {'':5} {'updates/s':>22} {'CPU ms/update':>20}"
        f" {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}"
    )
    for config, bot, floor in rows:
        for who, s in (("bot", bot), ("echo", floor)):
            print(
                f"{config.label if who == 'bot' else '':40} {who:5} {fmt(s['rate'], 0, runs):>22}"
                f" {fmt(s['cpu_ms'], 2, runs):>20} {s['p50'][0]:9.1f} {s['p95'][0]:9.1f}"
                f" {s['p99'][0]:9.1f}"
            )
        speed = floor["rate"][0] / bot["rate"][0] if bot["rate"][0] else float("inf")
        cpu = bot["cpu_ms"][0] / floor["cpu_ms"][0] if floor["cpu_ms"][0] else float("inf")
        p95 = bot["p95"][0] / floor["p95"][0] if floor["p95"][0] else float("inf")
        print(f"{'':40} {'ratio':5} floor/bot {speed:9.1f}x {cpu:15.1f}x {'':9} {p95:9.1f}x")
        if bot["missing"] or bot["wrong"]:
            print(f"{'':46}!! unanswered {bot['missing']}, unexpected answers {bot['wrong']}")
            if bot["sample"]:
                print(f"{'':46}!! e.g. {bot['sample']}")
        if len(bot["kinds"]) > 1:
            for kind, (n, p50, p95) in bot["kinds"].items():
                print(f"{'':46}{kind:10} n={n:<6} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms")
        for took, span in bot["refresh"]:
            print(f"{'':46}a refresh ran {took:.1f} s from the start of this {span:.1f} s run")
        if bot["aged_before"]:
            print(f"{'':46}rows before: {bot['aged_before']}")
            print(f"{'':46}rows after:  {bot['aged_after'][0]}")
    print()
    print("first check after a start (a fresh process; start_in_process -> first reply):")
    for config, bot, floor in rows:
        print(
            f"  {config.label:40} start {fmt(bot['start_ms'], 0, runs)} ms,"
            f" first check {fmt(bot['first_check_ms'], 1, runs)} ms,"
            f" start to first reply {fmt(bot['first_reply_ms'], 0, runs)} ms"
            f"  (echo: {floor['first_reply_ms'][0]:,.0f} ms)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300_000, help="people in the sample data")
    parser.add_argument("--seed", type=int, default=1, help="sample-data seed (default 1)")
    parser.add_argument("--checks", type=int, default=2000, help="updates per run, limiter off")
    parser.add_argument(
        "--limited-checks", type=int, default=300, help="updates per run, limiter on (30 msg/s)"
    )
    parser.add_argument("--in-flight", type=int, default=256, help="unanswered updates at most")
    parser.add_argument("--runs", type=int, default=3, help="runs per configuration (medians)")
    parser.add_argument("--mixed", action="store_true", help="also the mixed workload")
    parser.add_argument("--aged", action="store_true", help="also on an aged database")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="also while the waiting-time figures are recomputed (in the background)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "capacity", "extra"),
        default="all",
        help="all four switch settings (default); capacity: only limiter off, concurrent on;"
        " extra: only the --mixed and --aged runs",
    )
    parser.add_argument(
        "--open-loop",
        default="",
        metavar="SHARES",
        help="also open-loop runs (limiter off, concurrent on): updates arriving at these"
        " shares of the bot's capacity measured first, e.g. 0.5,0.8; latency from each update's"
        " due time",
    )
    parser.add_argument("--aged-rows", type=int, default=1_000_000)
    parser.add_argument("--aged-spread", choices=("live", "year"), default="live")
    parser.add_argument("--cache", type=Path, default=None, help="folder of the built databases")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run at most")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(child(json.loads(args.child)))
        print("RESULT " + json.dumps(result))
        return 0

    people = people_db(args.people, args.seed, args.cache)
    largest = max(args.checks, args.limited_checks) + 1
    all_pairs = read_pairs(people.csv_path)
    pairs = random.Random(args.seed).sample(all_pairs, min(largest, len(all_pairs)))
    print(
        f"database: {people.db_path} ({args.people:,} people, {len(all_pairs):,} in the CSV,"
        f" built {people.meta['today']}); {args.runs} run(s) per configuration,"
        f" {args.in_flight} in flight"
    )
    configs: list[Config] = []
    switches = {
        "all": [(False, True), (False, False), (True, True), (True, False)],
        "capacity": [(False, True)],
        "extra": [],
    }[args.only]
    for limiter, concurrent in switches:
        configs.append(Config("bot", limiter, concurrent))
    if args.mixed:
        configs.append(Config("bot", False, True, workload="mixed"))
    if args.refresh:
        configs.append(Config("bot", False, True, refresh=True))
    if args.aged:
        configs.append(Config("bot", False, True, aged=True))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pairs-") as tmp:
        pairs_file = Path(tmp) / "pairs.json"
        pairs_file.write_text(json.dumps(pairs))

        def measure(config: Config) -> None:
            floor_config = replace(config, app="echo", aged=False, refresh=False)
            count = args.limited_checks if config.limiter else args.checks
            by_app: dict[str, list[dict[str, Any]]] = {"bot": [], "echo": []}
            for run in range(args.runs):
                for which in (config, floor_config):  # bot and floor alternate, same conditions
                    task = child_task(
                        which,
                        people,
                        pairs_file,
                        count,
                        seed=args.seed + run,
                        in_flight=args.in_flight,
                        timeout=args.timeout,
                        aged_rows=args.aged_rows,
                        spread=args.aged_spread,
                    )
                    result = run_child(task)
                    by_app[which.app].append(result)
                    print(
                        f"  {which.app:4} {which.label:40} run {run + 1}:"
                        f" {result['rate']:8,.0f} updates/s, {result['cpu_ms']:6.2f} ms CPU/update",
                        flush=True,
                    )
            rows.append((config, summarise(by_app["bot"]), summarise(by_app["echo"])))

        for config in configs:
            measure(config)
        shares = [float(s) for s in args.open_loop.split(",") if s.strip()]
        if shares:
            capacity = Config("bot", False, True)
            found = [bot for config, bot, _ in rows if config == capacity]
            if not found:
                measure(capacity)
                found = [rows[-1][1]]
            top = found[0]["rate"][0]  # median updates/s of the closed loop
            for share in shares:
                measure(Config("bot", False, True, rate=share * top, share=share))
    report(rows, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
