"""`backup DEST`: a consistent online copy of the database, safe while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from bot import texts_ops
from bot.cli import database_exists, open_database, settings_or_none
from bot.storage.driver import redact


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="salin basis data dengan aman (boleh saat bot berjalan)",
        description="Salin basis data ke DEST dengan API backup SQLite (konsisten).",
    )
    p.add_argument(
        "dest",
        type=Path,
        metavar="DEST",
        help="berkas tujuan, mis. /var/backups/dukcapil.sqlite3, atau folder (berkas bertanggal"
        " dibuat di dalamnya)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    if settings.database_url:
        print(texts_ops.backup_use_pg_dump(redact(settings.database_url)), file=sys.stderr)
        return 1
    if not database_exists(settings):
        return 1
    if args.dest.is_dir() or str(args.dest).endswith(("/", os.sep)):
        # A folder: a dated file in it (the office's time), never a traceback.
        stamp = datetime.now(settings.tz).strftime("%Y-%m-%d-%H%M%S")
        args.dest = args.dest / f"{settings.db_path.stem}-{stamp}.sqlite3"
    if args.dest.resolve() == settings.db_path.resolve():
        print(texts_ops.BACKUP_ONTO_ITSELF)
        return 2

    async def copy() -> None:
        async with open_database(settings) as db:
            await db.backup(args.dest)

    asyncio.run(copy())
    print(texts_ops.backup_done(args.dest, settings.secret_key_file))
    return 0
