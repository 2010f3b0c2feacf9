"""Shared by the bench scripts: a cached database of N sample people, and small helpers.

`people_db(count, seed)` builds (once) a database exactly as an operator would: the CSV from
`python -m bot sample-data --count N --seed S`, imported with `python -m bot import`, the key
file next to the database. A finished build leaves a `.json` beside it; a later call with the
same folder, count and seed reuses it (delete the folder to rebuild).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class PeopleDb:
    db_path: Path
    key_path: Path
    csv_path: Path
    meta: dict

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {
            "BOT_DB_PATH": str(self.db_path),
            "BOT_SECRET_KEY_FILE": str(self.key_path),
        }


def people_db(
    count: int, seed: int = 1, folder: Path | None = None, quiet: bool = False
) -> PeopleDb:
    """The database of `count` sample people (seed `seed`), built on first use, then reused."""
    folder = (folder or CACHE).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"people-{count}-seed-{seed}"
    db_path = stem.with_suffix(".sqlite3")
    key_path = stem.with_suffix(".key")
    csv_path = stem.with_suffix(".csv")
    meta_path = stem.with_suffix(".json")
    if meta_path.exists() and db_path.exists() and key_path.exists() and csv_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("count") == count and meta.get("seed") == seed:
            prime(db_path)
            return PeopleDb(db_path, key_path, csv_path, meta)
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), key_path, meta_path):
        path.unlink(missing_ok=True)
    say = (lambda *_: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    today = date.today().isoformat()
    start = time.perf_counter()
    say(f"building {db_path.name}: sample-data --count {count} --seed {seed} ...")
    with csv_path.open("w", encoding="utf-8") as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "sample-data",
                "--count",
                str(count),
                "--seed",
                str(seed),
            ],
            stdout=out,
            check=True,
        )
    generated = time.perf_counter() - start
    say(f"  CSV {csv_path.stat().st_size / 1e6:.0f} MB in {generated:.0f} s; importing ...")
    env = os.environ | {"BOT_DB_PATH": str(db_path), "BOT_SECRET_KEY_FILE": str(key_path)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "import", str(csv_path)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    imported = time.perf_counter() - start
    say(f"  imported in {imported:.0f} s")
    meta = {
        "count": count,
        "seed": seed,
        "today": today,
        "generate_seconds": round(generated, 1),
        "import_seconds": round(imported, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    prime(db_path)
    return PeopleDb(db_path, key_path, csv_path, meta)


def prime(db_path: Path) -> None:
    """Bring a cached database to the state a running bot leaves it in: migrated, and the
    waiting-time figures kept (`insight_figures`), as after the bot's first refresh."""

    async def run() -> None:
        from bot.storage import Database
        from bot.storage import insights as insights_store

        db = await Database.open(db_path)
        try:
            if await insights_store.load_saved(db.conn) is None:
                await insights_store.compute_and_save(db.conn)
            await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            await db.close()

    worker = threading.Thread(target=asyncio.run, args=(run(),))  # also from inside a loop
    worker.start()
    worker.join()


def read_pairs(csv_path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """Distinct (NIK, KK) pairs from the sample CSV, in file order (`limit`: the first ones)."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    with csv_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            nik = row["nik"]
            if nik in seen:
                continue
            seen.add(nik)
            pairs.append((nik, row["no_kk"]))
            if limit is not None and len(pairs) >= limit:
                break
    return pairs


def rss_mb() -> float:
    """The resident set size of this process now, in MB (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
