"""`audit [--since YYYY-MM-DD]`: print the audit log (staff changes and refused attempts)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, time

from bot import texts_ops
from bot.cli import database_exists, open_database, settings_or_none
from bot.domain.config import Settings
from bot.storage import audit as audit_store


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="tampilkan log audit petugas",
        description="Tampilkan log audit: setiap perubahan oleh petugas dan setiap percobaan"
        " yang ditolak, urut dari yang terlama.",
    )
    p.add_argument(
        "--since",
        metavar="TANGGAL",
        help="hanya sejak tanggal ini (YYYY-MM-DD, waktu kantor)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    since: datetime | None = None
    if args.since:
        try:
            day = date.fromisoformat(args.since.strip())
        except ValueError:
            print(texts_ops.audit_bad_date(args.since))
            return 2
        since = datetime.combine(day, time(0), tzinfo=settings.tz)
    if not database_exists(settings):
        return 1
    return asyncio.run(_run(settings, since))


async def _run(settings: Settings, since: datetime | None) -> int:
    async with open_database(settings) as db:
        rows = await audit_store.entries(db.conn, since=since)
    lines = [
        texts_ops.AuditLine(
            r.at, r.actor_id, r.action, r.target, r.old_value, r.new_value, r.detail
        )
        for r in rows
    ]
    print(texts_ops.audit_table(lines, settings.timezone))
    return 0
