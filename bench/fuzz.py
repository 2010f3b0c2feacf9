"""The whole fuzz: every command and sub-command × every hostile payload × resident, petugas
and admin, and forged data for every kind of button, through the real Application.

Usage: python bench/fuzz.py [--per-kind 20] [--sample N] [--database-url postgresql://...]

Prints how many messages and buttons were sent and what went wrong: ERROR log lines (an
unhandled exception), tracebacks or apologies in a chat, messages left unanswered. The goal is
0 of each. `tests/test_fuzz.py` runs a fixed sample on both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from bot import fuzz
from bot.app import build_application, start_in_process, stop_in_process
from bot.domain.clock import FakeClock
from bot.domain.config import QuietHours, Settings
from bot.local_api import LOCAL_TOKEN, LocalBotApi
from bot.storage import staff as staff_store

ADMIN, PETUGAS, WARGA = 3003, 2002, 1001


async def fuzz_all(per_kind: int, sample: int | None, database_url: str | None) -> fuzz.FuzzFigures:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            token=LOCAL_TOKEN,
            db_path=Path(folder) / "fuzz.sqlite3",
            secret_key_file=Path(folder) / "secret.key",
            quiet_hours=QuietHours(0, 0),
            admin_ids=frozenset({ADMIN}),
            database_url=database_url,
        )
        clock = FakeClock()
        api = LocalBotApi(token=LOCAL_TOKEN, clock=clock)
        app = build_application(settings, request=api, clock=clock, background=False)
        api.attach(app)
        await start_in_process(app)
        try:
            services = app.bot_data.services
            async with services.db.transaction() as conn:
                await staff_store.put(conn, PETUGAS, staff_store.PETUGAS, ADMIN, clock.now())
            users = {
                "warga": api.user(WARGA, "Warga"),
                "petugas": api.user(PETUGAS, "Petugas"),
                "admin": api.user(ADMIN, "Admin"),
            }
            rng = random.Random(20261207)
            figures = fuzz.FuzzFigures()
            texts = list(fuzz.messages(rng, sample))
            await fuzz.run(api, users, texts, list(fuzz.forged_data(rng, per_kind)), figures)
            return figures
        finally:
            await stop_in_process(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=20, help="forged data per button kind")
    parser.add_argument(
        "--sample", type=int, default=None, help="only N payloads per command (a quick run)"
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)  # the fuzz collects ERROR lines itself
    started = time.monotonic()
    figures = asyncio.run(fuzz_all(args.per_kind, args.sample, args.database_url))
    print(f"fuzz: {figures.summary()} in {time.monotonic() - started:.0f} s")
    for label, found in (
        ("ERROR", [line.splitlines()[0] for line in figures.errors]),
        ("traceback", figures.tracebacks),
        ("apology", figures.apologies),
        ("unanswered", figures.unanswered),
    ):
        for line in found[:40]:
            print(f"  {label}: {line}")
    return 0 if figures.clean else 1


if __name__ == "__main__":
    sys.exit(main())
