"""The scale curve: the same measurements at each number of people, one table, one row a size.

    python bench/scale.py [--people 30000,300000,1000000] [--checks 2000] [--runs 1]
                          [--skip-import] [--cache DIR] [--batch 50000] [--seed 1]

For each size: the database of `python -m bot sample-data --count N --seed 1` imported with
`python -m bot import`, built once and then reused (bench/common.people_db, in --cache, default
bench/.cache/). Per size it prints:

  history rows     COUNT(*) of status_history; the database's size on disk (with its -wal)
  import           that size's CSV imported into a fresh, empty database in this process
                   (bench/import_bench.timed_import, --batch rows a transaction): rows/s, seconds
  checks           bench/checks.py's capacity configuration (limiter off, concurrent on, 256 in
                   flight, --checks "NIK KK" updates from distinct chats through the real
                   Application), each run in a fresh child process on a fresh copy of the
                   database, beside the bare PTB echo Application (the floor) in the same run:
                   checks/s, CPU ms per update, p50/p95/p99 ms, echo/bot (the floor's rate over
                   the bot's), CPU x echo (the bot's CPU per update over the floor's), and the
                   first check after a start (ms). Medians of --runs.

Then one line per figure: how it grows from the smallest size to the largest (largest / smallest,
and each size between). --skip-import leaves the import out (its columns show "-").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sqlite3
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from checks import Config, child_task, run_child, summarise
from common import CACHE, PeopleDb, people_db, read_pairs
from import_bench import timed_import

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.services.container import Services

IN_FLIGHT = 256  # as bench/checks.py's default
TIMEOUT = 900.0  # seconds per child run at most
CAPACITY = Config("bot", limiter=False, concurrent=True)
ECHO = replace(CAPACITY, app="echo")

#: (key, column header, column width, digits, growth label), in table order.
COLUMNS: list[tuple[str, str, int, int, str]] = [
    ("people", "people", 10, 0, ""),
    ("history", "history rows", 13, 0, "history rows"),
    ("db_mb", "DB MB", 8, 1, "database size on disk"),
    ("import_rate", "import rows/s", 14, 0, "import rows/s"),
    ("import_s", "import s", 9, 1, "import seconds"),
    ("rate", "checks/s", 9, 0, "checks/s"),
    ("cpu_ms", "CPU ms/upd", 11, 2, "check CPU ms/update"),
    ("p50", "p50 ms", 8, 1, "check p50"),
    ("p95", "p95 ms", 8, 1, "check p95"),
    ("p99", "p99 ms", 8, 1, "check p99"),
    ("echo_ratio", "echo/bot", 9, 1, "echo/bot (rate)"),
    ("cpu_ratio", "CPU x echo", 11, 1, "CPU x echo"),
    ("first_ms", "first check ms", 15, 1, "first check after a start"),
]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def short(count: int) -> str:
    """30000 -> 30k, 1000000 -> 1M."""
    for unit, size in (("M", 1_000_000), ("k", 1000)):
        if count >= size:
            return f"{count / size:.3g}{unit}"
    return str(count)


def on_disk(people: PeopleDb) -> tuple[int, float]:
    """The database's status_history rows and its size in MB (the file and its -wal)."""
    conn = sqlite3.connect(people.db_path)
    try:
        history = conn.execute("SELECT COUNT(*) FROM status_history").fetchone()[0]
    finally:
        conn.close()
    wal = Path(f"{people.db_path}-wal")
    size = people.db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return history, size / 1e6


async def measure_import(csv_path: Path, batch: int, folder: Path) -> tuple[int, float]:
    """Rows read and wall seconds of importing `csv_path` into a fresh database (in `folder`,
    the cache's disk) as bench/import_bench.py's first import does."""
    with tempfile.TemporaryDirectory(prefix="scale-import-", dir=folder) as tmp:
        settings = Settings(db_path=Path(tmp) / "import.sqlite3", secret_key_file=Path(tmp) / "key")
        services = await Services.open(settings, Clock())
        try:
            summary, seconds, _cpu = await timed_import(services, csv_path, batch)
        finally:
            await services.close()
    return summary.rows_read, seconds


def measure_checks(
    people: PeopleDb, checks: int, runs: int, seed: int, folder: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """bench/checks.py's capacity configuration and its echo floor, alternating, `runs` times:
    (bot summary, echo summary), as checks.summarise makes them."""
    all_pairs = read_pairs(people.csv_path)
    pairs = random.Random(seed).sample(all_pairs, min(checks + 1, len(all_pairs)))
    del all_pairs
    pairs_file = folder / "pairs.json"
    pairs_file.write_text(json.dumps(pairs))
    by_app: dict[str, list[dict[str, Any]]] = {"bot": [], "echo": []}
    for run in range(runs):
        for config in (CAPACITY, ECHO):  # bot and floor alternate, same conditions
            task = child_task(
                config,
                people,
                pairs_file,
                checks,
                seed=seed + run,
                in_flight=IN_FLIGHT,
                timeout=TIMEOUT,
            )
            result = run_child(task)
            by_app[config.app].append(result)
            say(
                f"  {config.app:4} run {run + 1}: {result['rate']:8,.0f} updates/s,"
                f" {result['cpu_ms']:6.2f} ms CPU/update,"
                f" first check {1000 * result['first_check_s']:.1f} ms"
            )
    return summarise(by_app["bot"]), summarise(by_app["echo"])


def ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom and not math.isnan(bottom) else float("nan")


def measure_size(args: argparse.Namespace, count: int, folder: Path) -> dict[str, Any]:
    say(f"{count:,} people:")
    people = people_db(count, args.seed, args.cache)
    history, db_mb = on_disk(people)
    say(f"  {people.db_path.name}: {history:,} history rows, {db_mb:,.0f} MB")
    row: dict[str, Any] = {"people": count, "history": history, "db_mb": db_mb}
    row["import_rate"] = row["import_s"] = float("nan")
    if not args.skip_import:
        rows, seconds = asyncio.run(measure_import(people.csv_path, args.batch, folder))
        row["import_rate"], row["import_s"] = rows / seconds, seconds
        say(f"  import: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    with tempfile.TemporaryDirectory(prefix="scale-pairs-") as tmp:
        bot, echo = measure_checks(people, args.checks, args.runs, args.seed, Path(tmp))
    row |= {
        "rate": bot["rate"][0],
        "cpu_ms": bot["cpu_ms"][0],
        "p50": bot["p50"][0],
        "p95": bot["p95"][0],
        "p99": bot["p99"][0],
        "echo_ratio": ratio(echo["rate"][0], bot["rate"][0]),
        "cpu_ratio": ratio(bot["cpu_ms"][0], echo["cpu_ms"][0]),
        "first_ms": bot["first_check_ms"][0],
        "missing": bot["missing"],
        "wrong": bot["wrong"],
        "sample": bot["sample"],
    }
    return row


def cell(value: float, width: int, digits: int) -> str:
    if isinstance(value, float) and math.isnan(value):
        return f"{'-':>{width}}"
    return f"{value:>{width},.{digits}f}"


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(
        f"scale: {args.checks:,} checks a run, {args.runs} run(s) a size (medians),"
        f" {IN_FLIGHT} in flight, limiter off, concurrent on; import batch {args.batch:,}"
        + ("; import skipped" if args.skip_import else "")
    )
    print(" ".join(f"{header:>{width}}" for _, header, width, _, _ in COLUMNS))
    for row in rows:
        print(" ".join(cell(row[key], width, digits) for key, _, width, digits, _ in COLUMNS))
    for row in rows:
        if row["missing"] or row["wrong"]:
            print(
                f"!! {row['people']:,} people: unanswered {row['missing']},"
                f" unexpected answers {row['wrong']}"
                + (f"; e.g. {row['sample']}" if row["sample"] else "")
            )
    if len(rows) < 2:
        return
    first, last = rows[0], rows[-1]
    print()
    print(
        f"growth from {short(first['people'])} to {short(last['people'])} people"
        f" ({last['people'] / first['people']:.1f}x the people):"
    )
    for key, _, _, _, label in COLUMNS[1:]:
        growth = ratio(last[key], first[key])
        if math.isnan(growth):
            print(f"  {label} at {short(last['people'])} / at {short(first['people'])} = n/a")
            continue
        between = ", ".join(
            f"at {short(row['people'])}: {ratio(row[key], first[key]):.2f}x" for row in rows[1:-1]
        )
        print(
            f"  {label} at {short(last['people'])} / at {short(first['people'])}"
            f" = {growth:.2f}x" + (f" ({between})" if between else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people",
        default="30000,300000,1000000",
        help="sizes, comma-separated (default 30000,300000,1000000)",
    )
    parser.add_argument("--checks", type=int, default=2000, help="checks per run (default 2000)")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (medians; default 1)")
    parser.add_argument("--skip-import", action="store_true", help="leave the import out")
    parser.add_argument("--cache", type=Path, default=None, help="folder of the built databases")
    parser.add_argument("--batch", type=int, default=50_000, help="import rows per transaction")
    parser.add_argument("--seed", type=int, default=1, help="sample-data seed (default 1)")
    args = parser.parse_args()
    sizes = sorted({int(s.replace("_", "")) for s in args.people.split(",") if s.strip()})
    if not sizes:
        parser.error("--people: at least one size")
    folder = (args.cache or CACHE).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    rows = [measure_size(args, count, folder) for count in sizes]
    report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
