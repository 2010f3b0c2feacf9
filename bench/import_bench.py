"""Benchmark the CSV import: 300,000 sample rows into a fresh database, then the same file again.

Prints rows per second, peak memory and the re-import time, beside the floor measured in the
same run: the `sqlite3` shell's `.import` of the same file into a plain table (no parsing, no
hashing, no indexes). Also the bytes the process wrote to disk (Linux /proc/self/io) against the
final database size. Run:

    python bench/import_bench.py [--rows 300000] [--batch 50000] [--tracemalloc] [--csv FILE]

--csv FILE imports that file instead of generating --rows rows (e.g. the 2.16 M-row file of
bench/.cache/people-300000-seed-1.csv).

--tracemalloc measures the Python heap peak exactly (and makes the run slower); without it the
peak resident set size of the process is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.services.container import Services
from bot.services.importer import ImportSummary, import_csv
from bot.services.sample_data import COLUMNS, generate_rows


def write_sample(path: Path, rows: int, today: date) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        # ~7 rows per person: ask for enough people, stop at exactly `rows` rows.
        writer.writerows(itertools.islice(generate_rows(rows // 4 + 10, 42, today), rows))


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU time of this process (every thread), or of its finished children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def timed_import(
    services: Services, path: Path, batch: int
) -> tuple[ImportSummary, float, float]:
    """The import's summary, wall seconds and CPU seconds (all threads)."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    summary = await import_csv(services, path, source_name=path.name, batch_size=batch)
    return summary, time.perf_counter() - start, cpu_seconds() - cpu


def sqlite_floor(csv_path: Path, folder: Path) -> tuple[float, float] | None:
    """Wall and CPU seconds the sqlite3 shell takes to `.import` the file into a plain table
    (None when the shell is not installed)."""
    shell = shutil.which("sqlite3")
    if shell is None:
        return None
    target = folder / "floor.sqlite3"
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [shell, str(target), ".mode csv", f".import {csv_path} plain"],
        check=True,
        capture_output=True,
    )
    took = time.perf_counter() - start
    target.unlink()
    return took, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu


def written_bytes() -> int:
    """Bytes this process has caused to be written to storage (Linux), or 0."""
    try:
        with open("/proc/self/io") as f:
            for row in f:
                if row.startswith("write_bytes:"):
                    return int(row.split()[1])
    except OSError:
        pass
    return 0


def line(label: str, summary: ImportSummary, seconds: float, cpu: float) -> str:
    return (
        f"{label}: {summary.rows_read:,} rows in {seconds:.2f} s"
        f" = {summary.rows_read / seconds:,.0f} rows/s, CPU {cpu:.2f} s"
        f" = {cpu / max(1, summary.rows_read) * 1e6:.1f} µs/row (new {summary.new:,},"
        f" changed {summary.changed:,}, unchanged {summary.unchanged:,},"
        f" rejected {summary.rejected:,})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument(
        "--batch", type=int, default=50000, help="rows a transaction (the shell import's default)"
    )
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--csv", type=Path, default=None, help="import this file instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.csv is not None:
            csv_path = args.csv.resolve()
            print(f"file {csv_path} ({csv_path.stat().st_size / 1e6:.1f} MB)")
        else:
            csv_path = folder / "sample.csv"
            start = time.perf_counter()
            write_sample(csv_path, args.rows, date.today())
            size_mb = csv_path.stat().st_size / 1e6
            took = time.perf_counter() - start
            print(f"generated {args.rows:,} rows ({size_mb:.1f} MB) in {took:.1f} s")
        floor = sqlite_floor(csv_path, folder)

        settings = Settings(db_path=folder / "bench.sqlite3", secret_key_file=folder / "key")
        services = await Services.open(settings, Clock())
        try:
            rss_before = peak_rss_mb()
            if args.tracemalloc:
                tracemalloc.start()
            written = written_bytes()
            first, first_s, first_cpu = await timed_import(services, csv_path, args.batch)
            written = written_bytes() - written
            if args.tracemalloc:
                _, heap_peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"python heap peak during import: {heap_peak / 1e6:.1f} MB")
            print(line("first import", first, first_s, first_cpu))
            if floor is not None:
                floor_s, floor_cpu = floor
                print(
                    f"floor (sqlite3 .import, plain table): {floor_s:.2f} s"
                    f" = {first.rows_read / floor_s:,.0f} rows/s, CPU {floor_cpu:.2f} s;"
                    f" the import takes {first_s / floor_s:.1f}x the floor's time,"
                    f" {first_cpu / max(floor_cpu, 1e-3):.1f}x its CPU"
                )
            print(f"peak RSS: {peak_rss_mb():.0f} MB (before import: {rss_before:.0f} MB)")
            again, again_s, again_cpu = await timed_import(services, csv_path, args.batch)
            print(line("re-import", again, again_s, again_cpu))
            db_mb = settings.db_path.stat().st_size / 1e6
            print(f"database: {db_mb:.1f} MB; peak RSS after both: {peak_rss_mb():.0f} MB")
            if written:
                print(
                    f"disk written by the first import: {written / 1e6:,.0f} MB"
                    f" = {written / 1e6 / db_mb:.1f}x the database"
                )
        finally:
            await services.close()


if __name__ == "__main__":
    asyncio.run(main())
