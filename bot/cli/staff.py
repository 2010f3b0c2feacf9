"""`staff add ID --role admin|petugas`, `staff remove ID`, `staff list`: staff from the shell."""

from __future__ import annotations

import argparse
import asyncio

from bot import texts_ops, texts_staff
from bot.cli import database_exists, open_database, settings_or_none, user_id
from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.services.roles import Role, StaffChangeError, StaffRoles

CLI_DETAIL = "cli"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "staff",
        help="kelola petugas dan admin bot",
        description="Tambah, hapus, atau lihat petugas dan admin bot (dicatat di log audit).",
    )
    actions = p.add_subparsers(dest="action", metavar="AKSI", required=True)
    add = actions.add_parser("add", help="tambah petugas atau ubah perannya")
    add.add_argument("user_id", type=user_id, metavar="ID", help="ID pengguna Telegram (angka)")
    add.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.PETUGAS.value,
        help="peran (bawaan: petugas)",
    )
    remove = actions.add_parser("remove", help="hapus petugas")
    remove.add_argument("user_id", type=user_id, metavar="ID", help="ID pengguna Telegram (angka)")
    actions.add_parser("list", help="daftar petugas dan admin")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    # `staff add` on a fresh install creates the database, so the first admin can be named
    # before the bot has ever run; `staff list` only reads, and never creates it.
    if args.action == "list" and not database_exists(settings):
        return 1
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    async with open_database(settings) as db:
        roles = StaffRoles(db, settings.admin_ids, Clock())
        if args.action == "list":
            members = [
                texts_staff.StaffLine(m.user_id, m.role, m.fixed, m.added_by, m.added_at)
                for m in await roles.members()
            ]
            print(texts_ops.staff_list_plain(members, settings.timezone))
            return 0
        try:
            if args.action == "add":
                change = await roles.set_role(
                    actor_id=None, user_id=args.user_id, role=Role(args.role), detail=CLI_DETAIL
                )
            else:
                change = await roles.remove(actor_id=None, user_id=args.user_id, detail=CLI_DETAIL)
        except StaffChangeError as exc:
            # Audited like the same refusal in Telegram; actor None reads "shell" in `audit`.
            await roles.record_refusal(None, f"staff {args.action}", exc.reason.value)
            print(texts_staff.staff_refusal(exc.reason, exc.user_id))
            return 1
        print(texts_staff.staff_changed(change.user_id, change.old, change.new))
        return 0
