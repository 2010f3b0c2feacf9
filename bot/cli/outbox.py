"""`outbox`: what the bot still has to send, what it sent, and what failed and why, per kind."""

from __future__ import annotations

import argparse
import asyncio

from bot import texts_ops
from bot.cli import database_exists, open_database, settings_or_none
from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.services.outbox import in_quiet_hours, quiet_hours_end
from bot.storage import outbox as outbox_store


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "outbox",
        help="lihat kotak keluar: pesan menunggu, terkirim, gagal (per sebab), per jenis",
        description=(
            "Ringkasan kotak keluar (outbox): kabar status dan siaran yang menunggu dikirim, "
            "yang sudah terkirim, dan yang gagal beserta sebabnya."
        ),
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    if not database_exists(settings):
        return 1
    print(asyncio.run(report(settings)))
    return 0


async def report(settings: Settings, clock: Clock | None = None) -> str:
    """The outbox report as printed by the command."""
    async with open_database(settings) as db:
        figures = await outbox_store.figures(db.conn)
        whatsapp = await outbox_store.whatsapp_delivery(db.conn)
    now = (clock or Clock()).now()
    quiet = settings.quiet_hours
    note = None
    if quiet.start != quiet.end:
        note = texts_ops.outbox_quiet_note(quiet.start, quiet.end, in_quiet_hours(settings, now))
    text = texts_ops.outbox_report(
        by_state=figures.by_state,
        failed_by_reason=figures.failed_by_reason,
        next_due=figures.next_due,
        tz=settings.timezone,
        quiet_note=note,
        now=now,
        quiet_end=quiet_hours_end(settings, now),
    )
    if whatsapp.by_state:
        text += "\n" + texts_ops.outbox_whatsapp(
            whatsapp.by_state, whatsapp.waiting_for_resident, whatsapp.reported
        )
    return text
