"""`migrate-db --to postgresql://...`: move the SQLite database (BOT_DB_PATH) to PostgreSQL.

Records, history, chats, subscriptions, outbox, audit, settings and the key's fingerprint are
copied into an empty PostgreSQL database; every table is then counted and checksummed on both
sides and the command says, per table, whether they match. The key file stays the same: point
BOT_SECRET_KEY_FILE of every worker at a copy of it. Stop the bot first (the instance lock is
taken, so a running bot is refused), then set BOT_DATABASE_URL and start it again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import texts_ops
from bot.cli import settings_or_none
from bot.domain.config import Settings
from bot.services import instance_lock
from bot.services.key_guard import checked_key
from bot.storage.db import Database
from bot.storage.driver import redact
from bot.storage.pg import PgDatabase
from bot.storage.transfer import TableCheck, TargetNotEmpty, copy_database


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate-db",
        help="pindahkan basis data SQLite ke PostgreSQL yang masih kosong, lalu periksa",
        description=(
            "Salin basis data SQLite (BOT_DB_PATH) ke basis data PostgreSQL yang kosong: semua"
            " tabel, lalu jumlah baris dan checksum tiap tabel dibandingkan. Hentikan bot dulu."
        ),
    )
    p.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="basis data tujuan, mis. postgresql://bot:sandi@localhost/dukcapil",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    if not str(args.to).startswith(("postgresql://", "postgres://")):
        print(texts_ops.MIGRATE_DB_NOT_POSTGRES, file=sys.stderr)
        return 2
    if not settings.db_path.is_file():
        print(texts_ops.cli_database_missing(settings.db_path), file=sys.stderr)
        return 1
    instance_lock.acquire(settings.db_path, settings.tz)  # no bot may write meanwhile
    checks = asyncio.run(_migrate(settings, args.to))
    if checks is None:
        return 1
    for check in checks:
        print(
            texts_ops.migrate_db_table(
                check.table, check.source_rows, check.target_rows, check.source_sum, check.ok
            )
        )
    if all(c.ok for c in checks):
        print(texts_ops.migrate_db_done(redact(args.to), sum(c.source_rows for c in checks)))
        return 0
    print(texts_ops.migrate_db_mismatch([c.table for c in checks if not c.ok]), file=sys.stderr)
    return 1


async def _migrate(settings: Settings, url: str) -> list[TableCheck] | None:
    src = await Database.open(settings.db_path)
    try:
        await checked_key(src, settings.secret_key_file, create=False)
        dest = await PgDatabase.open(url)
        try:
            print(texts_ops.migrate_db_start(settings.db_path, redact(url)), flush=True)
            return await copy_database(src, dest)
        except TargetNotEmpty as exc:
            print(texts_ops.migrate_db_not_empty(redact(url), exc.table, exc.rows), file=sys.stderr)
            return None
        finally:
            await dest.close()
    finally:
        await src.close()
