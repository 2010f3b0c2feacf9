"""Benchmark the import: 300,000 sample rows into a fresh database, then the same file again.

Prints rows per second, peak memory and the re-import time, beside two floors measured in the
same run on the same file:

- the **Python floor** (the one that matters): the least Python that imports the file into the
  project's own schema: `csv.reader`, the project's keyed hashes (once a person), `executemany`
  into `records` and `status_history` with all their indexes, one transaction, the same SQLite
  settings (WAL, synchronous=NORMAL). No validation, no notifications, no report;
- the `sqlite3` shell's `.import` into a plain table (no parsing, hashing or indexes).

Also the bytes each wrote to disk (Linux /proc/self/io) against the final database size.
With --xlsx the same rows are written once to an .xlsx workbook (cached in bench/.cache/) and
imported from it, beside the time python-calamine needs just to read the sheet. Run:

    python bench/import_bench.py [--rows 300000] [--batch N] [--tracemalloc] [--csv FILE]
                                 [--xlsx] [--cache DIR] [--no-reimport]
                                 [--repeat N]

--csv FILE imports that file instead of generating --rows rows (e.g. the 2.16 M-row file of
bench/.cache/people-300000-seed-1.csv, `python -m bot sample-data --count 300000 --seed 1`).

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
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.domain.privacy import Hasher, mask_name, mask_nik
from bot.services.container import Services
from bot.services.importer import ImportSummary, import_file, shell_batch_size
from bot.services.sample_data import COLUMNS, generate_rows

CACHE = Path(__file__).resolve().parent / ".cache"


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


#: Wall and CPU seconds the last timed import spent on the waiting-time figures (worked out at
#: its end, which the floor does not do).
FIGURES: list[float] = [0.0, 0.0]


async def timed_import(
    services: Services, path: Path, batch: int
) -> tuple[ImportSummary, float, float]:
    """The import's summary, wall seconds and CPU seconds (all threads)."""
    insights = services.insights
    refresh = insights.history_changed
    FIGURES[:] = [0.0, 0.0]

    async def timed_refresh(conn: Any) -> None:
        cpu, start = cpu_seconds(), time.perf_counter()
        await refresh(conn)
        FIGURES[:] = [time.perf_counter() - start, cpu_seconds() - cpu]

    insights.history_changed = timed_refresh  # type: ignore[method-assign]
    try:
        cpu = cpu_seconds()
        start = time.perf_counter()
        summary = await import_file(services, path, source_name=path.name, batch_size=batch)
        return summary, time.perf_counter() - start, cpu_seconds() - cpu
    finally:
        insights.history_changed = refresh  # type: ignore[method-assign]


async def empty_database(folder: Path, name: str) -> Settings:
    """A fresh database with the project's schema (every migration), closed again."""
    settings = Settings(db_path=folder / name, secret_key_file=folder / "key")
    services = await Services.open(settings, Clock())
    await services.close()
    return settings


def python_floor(csv_path: Path, settings: Settings) -> tuple[int, float, float, int]:
    """The least Python that imports the file into the project's schema (see the docstring):
    (rows, wall seconds, CPU seconds, bytes written)."""
    hasher = Hasher(settings.secret_key_file.read_bytes())
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    written = written_bytes()
    cpu = cpu_seconds()
    start = time.perf_counter()
    stamp = "2026-01-01T00:00:00Z"
    source = f"import:{csv_path.name}"
    ids: dict[str, int] = {}
    people: list[list[object]] = []
    history: list[tuple[object, ...]] = []
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for nik, kk, name, status, on, note in reader:
            record_id = ids.get(nik)
            if record_id is None:
                record_id = ids[nik] = len(ids) + 1
                people.append(
                    [
                        record_id,
                        hasher.nik(nik),
                        hasher.kk(kk),
                        mask_nik(nik),
                        mask_name(name),
                        nik[:6],
                        status,
                        on,
                        note or None,
                        stamp,
                        stamp,
                    ]
                )
            else:
                person = people[record_id - 1]
                if on >= person[7]:  # type: ignore[operator]
                    person[6], person[7], person[8] = status, on, note or None
            history.append((record_id, status, on, note or None, source, stamp))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO records (id, nik_hash, kk_hash, nik_masked, name_masked, district, status,"
        " status_date, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        people,
    )
    conn.executemany(
        "INSERT OR IGNORE INTO status_history (record_id, status, entered_on, note, source,"
        " recorded_at) VALUES (?,?,?,?,?,?)",
        history,
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    took = time.perf_counter() - start
    return len(history), took, cpu_seconds() - cpu, written_bytes() - written


def write_xlsx(csv_path: Path, xlsx_path: Path) -> None:
    """The CSV's rows as a workbook (NIK and KK as text cells, dates as date cells)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    with csv_path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        sheet.append(next(reader))
        for nik, kk, name, status, on, note in reader:
            sheet.append([nik, kk, name, status, date.fromisoformat(on), note or None])
    book.save(xlsx_path)


def calamine_read(xlsx_path: Path) -> tuple[float, float]:
    """Wall and CPU seconds python-calamine takes just to read the workbook's first sheet."""
    from python_calamine import CalamineWorkbook

    cpu = cpu_seconds()
    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python()
    took = time.perf_counter() - start
    assert rows
    return took, cpu_seconds() - cpu


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


def _least(
    best: tuple[float, float, float, float] | None, new: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """(wall, CPU, figures' wall, figures' CPU): the run with the least wall time."""
    return new if best is None or new[0] < best[0] else best


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help="rows a transaction (default: the shell import's, by the file's size)",
    )
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--csv", type=Path, default=None, help="import this file instead")
    parser.add_argument("--xlsx", action="store_true", help="import the rows from an .xlsx")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import")
    parser.add_argument("--no-floor", action="store_true", help="skip the Python floor")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the .xlsx is kept")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure floor and import N times, keep the least"
    )
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
        source = csv_path
        read_s = read_cpu = None
        if args.xlsx:
            args.cache.mkdir(parents=True, exist_ok=True)
            source = args.cache / f"{csv_path.stem}-{args.rows}-{date.today()}.xlsx"
            if not source.exists():
                start = time.perf_counter()
                write_xlsx(csv_path, source)
                print(f"wrote {source.name} in {time.perf_counter() - start:.1f} s")
            print(f"workbook {source.name} ({source.stat().st_size / 1e6:.1f} MB)")
            read_s, read_cpu = calamine_read(source)
            print(
                f"reader floor (python-calamine reads the sheet): {read_s:.2f} s,"
                f" CPU {read_cpu:.2f} s"
            )
        shell = sqlite_floor(csv_path, folder)
        batch = args.batch or shell_batch_size(csv_path.stat().st_size)
        print(f"{batch:,} rows a transaction")
        # On a shared machine one run says little: with --repeat N the floor and the import
        # take turns N times, each on a fresh database, and the least time of each is kept.
        floor: tuple[int, float, float, int] | None = None
        best_import: tuple[float, float, float, float] | None = None  # wall, CPU, figures'
        for turn in range(args.repeat):
            if read_s is not None and read_cpu is not None and turn:
                again_read = calamine_read(source)
                read_s, read_cpu = min(read_s, again_read[0]), min(read_cpu, again_read[1])
            if not args.no_floor:
                floor_settings = await empty_database(folder, f"floor-{turn}.sqlite3")
                measured = python_floor(csv_path, floor_settings)
                floor_mb = floor_settings.db_path.stat().st_size / 1e6
                floor_settings.db_path.unlink()
                if floor is None:
                    floor = measured
                else:
                    floor = (
                        measured[0],
                        min(floor[1], measured[1]),
                        min(floor[2], measured[2]),
                        measured[3],
                    )
            if turn < args.repeat - 1:
                turn_settings = await empty_database(folder, f"turn-{turn}.sqlite3")
                turn_services = await Services.open(turn_settings, Clock())
                try:
                    _, took, cpu = await timed_import(turn_services, source, batch)
                finally:
                    await turn_services.close()
                turn_settings.db_path.unlink()
                best_import = _least(best_import, (took, cpu, *FIGURES))
        if floor is not None:
            rows, floor_s, floor_cpu, floor_written = floor
            print(
                f"Python floor (csv, keyed hashes, executemany, one transaction): {rows:,} rows"
                f" in {floor_s:.2f} s, CPU {floor_cpu:.2f} s; database {floor_mb:.1f} MB,"
                f" {floor_written / 1e6:,.0f} MB written = {floor_written / 1e6 / floor_mb:.1f}x"
            )

        settings = await empty_database(folder, "bench.sqlite3")
        services = await Services.open(settings, Clock())
        try:
            rss_before = peak_rss_mb()
            if args.tracemalloc:
                tracemalloc.start()
            written = written_bytes()
            first, first_s, first_cpu = await timed_import(services, source, batch)
            written = written_bytes() - written
            if args.tracemalloc:
                _, heap_peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"python heap peak during import: {heap_peak / 1e6:.1f} MB")
            print(line("first import", first, first_s, first_cpu))
            first_s, first_cpu, figures_s, figures_cpu = _least(
                best_import, (first_s, first_cpu, *FIGURES)
            )
            if args.repeat > 1:
                print(f"  least of {args.repeat}: {first_s:.2f} s, CPU {first_cpu:.2f} s")
            print(
                f"  of which the waiting-time figures: {figures_s:.2f} s, CPU {figures_cpu:.2f} s"
            )
            if floor is not None:
                _, floor_s, floor_cpu, _ = floor
                print(
                    f"  = {first_s / floor_s:.2f}x the Python floor's time,"
                    f" {first_cpu / max(floor_cpu, 1e-3):.2f}x its CPU; without the figures"
                    f" {(first_s - figures_s) / floor_s:.2f}x its time,"
                    f" {(first_cpu - figures_cpu) / max(floor_cpu, 1e-3):.2f}x its CPU"
                )
            if read_s is not None and read_cpu is not None:
                print(
                    f"  = {first_s / read_s:.2f}x the time python-calamine needs to read the"
                    f" workbook, {first_cpu / max(read_cpu, 1e-3):.2f}x its CPU"
                )
            if shell is not None:
                shell_s, shell_cpu = shell
                print(
                    f"  (sqlite3 .import into a plain table: {shell_s:.2f} s, CPU"
                    f" {shell_cpu:.2f} s: {first_s / shell_s:.1f}x)"
                )
            print(f"peak RSS: {peak_rss_mb():.0f} MB (before import: {rss_before:.0f} MB)")
            if not args.no_reimport:
                again, again_s, again_cpu = await timed_import(services, source, batch)
                print(line("re-import", again, again_s, again_cpu))
        finally:
            await services.close()
        db_mb = settings.db_path.stat().st_size / 1e6
        print(f"database: {db_mb:.1f} MB; peak RSS: {peak_rss_mb():.0f} MB")
        if written:
            print(
                f"disk written by the first import: {written / 1e6:,.0f} MB"
                f" = {written / 1e6 / db_mb:.1f}x the database"
            )


if __name__ == "__main__":
    asyncio.run(main())
