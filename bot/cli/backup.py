"""`backup DEST`: a consistent online copy of the database, safe while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.storage import Database


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="salin basis data dengan aman (boleh saat bot berjalan)",
        description="Salin basis data ke DEST dengan API backup SQLite (konsisten).",
    )
    p.add_argument(
        "dest", type=Path, metavar="DEST", help="berkas tujuan, mis. /var/backups/dukcapil.sqlite3"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Konfigurasi salah: {exc}")
        return 2
    if not settings.db_path.exists():
        print(f"Basis data tidak ditemukan: {settings.db_path}")
        return 1
    if args.dest.resolve() == settings.db_path.resolve():
        print("Tujuan backup tidak boleh sama dengan basis data itu sendiri.")
        return 2

    async def copy() -> None:
        db = await Database.open(settings.db_path)
        try:
            await db.backup(args.dest)
        finally:
            await db.close()

    asyncio.run(copy())
    print(f"Backup selesai: {args.dest}")
    print(f"Simpan juga kunci rahasia ({settings.secret_key_file}) di tempat aman dan terpisah.")
    return 0
