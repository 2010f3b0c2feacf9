"""`kuitansi NIK --out FILE.png`, `kuitansi --csv FILE --out FILE.pdf`: receipt slips to print.

Each slip carries a QR code of `https://t.me/<bot username>?start=<token>` (a new token: a
reprint ends the link of the slip before). The bot's username comes from BOT_USERNAME, or from
Telegram (`getMe` with TELEGRAM_BOT_TOKEN at TELEGRAM_API_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot import texts_id, texts_ops, texts_staff
from bot.cli import database_exists, is_a_file, plain, settings_or_none
from bot.domain.config import Settings
from bot.services import receipts, slips
from bot.services.container import Services
from bot.services.importer import ImportFileError
from bot.services.office import load_office_info
from bot.services.receipts import Problem, ReceiptError, Recording, Skipped, Slip
from bot.texts_common import html_as_markup

USERNAME_ENV = "BOT_USERNAME"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kuitansi",
        help="cetak tanda terima dengan kode QR yang membuka bot pada data warga",
        description=(
            "Tanda terima perekaman: NIK dan nama tersamar, tanggal, kantor, kode QR dan tautan"
            " https://t.me/<bot>?start=<token>. Satu NIK: gambar PNG; --csv: PDF, satu halaman"
            " per baris (kolom sama dengan impor; nik wajib, tanggal_status jadi tanggalnya)."
            " Cetak ulang membuat tautan baru; tautan lama tidak berlaku lagi. Nama bot dari"
            " BOT_USERNAME, atau ditanyakan ke Telegram (getMe) dengan TELEGRAM_BOT_TOKEN."
        ),
    )
    p.add_argument("nik", nargs="?", metavar="NIK", help="NIK warga (16 angka)")
    p.add_argument(
        "--csv", type=Path, metavar="BERKAS", help="perekaman hari ini (CSV, kolom seperti impor)"
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="KELUARAN",
        help="berkas hasil: .png untuk satu NIK, .pdf untuk --csv",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none(sys.stderr)
    if settings is None:
        return 2
    if (args.nik is None) == (args.csv is None):
        print(texts_ops.CLI_KUITANSI_NEEDS_ONE, file=sys.stderr)
        return 2
    out: Path = args.out
    wanted = ".pdf" if args.csv is not None else ".png"
    if out.suffix.lower() != wanted:
        print(texts_ops.cli_kuitansi_wrong_suffix(str(out), wanted), file=sys.stderr)
        return 2
    if args.csv is not None and not is_a_file(args.csv):
        return 1
    if not database_exists(settings):
        return 1
    username = os.environ.get(USERNAME_ENV, "").strip().lstrip("@")
    if not username:
        try:
            username = asyncio.run(_ask_telegram(settings))
        except _NoUsername as exc:
            print(exc.text, file=sys.stderr)
            return 2
    return asyncio.run(_run(settings, args, username, out))


class _NoUsername(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


async def _ask_telegram(settings: Settings) -> str:
    """The bot's username by getMe (TELEGRAM_BOT_TOKEN at TELEGRAM_API_URL)."""
    if not settings.token:
        raise _NoUsername(texts_ops.CLI_KUITANSI_NO_USERNAME)
    from telegram import Bot
    from telegram.error import TelegramError

    bot = Bot(settings.token, base_url=settings.api_base_url)
    try:
        async with bot:
            me = await bot.get_me()
    except TelegramError as exc:
        raise _NoUsername(texts_ops.cli_kuitansi_getme_failed(str(exc))) from None
    except OSError as exc:
        raise _NoUsername(texts_ops.cli_kuitansi_getme_failed(exc.__class__.__name__)) from None
    if not me.username:
        raise _NoUsername(texts_ops.CLI_KUITANSI_NO_USERNAME)
    return me.username


async def _run(settings: Settings, args: argparse.Namespace, username: str, out: Path) -> int:
    services = await Services.open(settings)
    try:
        address = (await load_office_info(services.db.conn)).address
        if args.nik is not None:
            try:
                slip = await receipts.issue(services, args.nik, username=username, actor_id=None)
            except ReceiptError as exc:
                print(plain(_problem(exc)), file=sys.stderr)
                return 1
            out.write_bytes(await asyncio.to_thread(slips.png, slip, address))
            print(plain(texts_staff.kuitansi_caption(slip.nik_masked, slip.link, slip.reprint)))
            return 0
        try:
            rows = receipts.read_recordings(args.csv)
        except ImportFileError as exc:
            print(plain(texts_ops.import_cli_unusable(exc.reason)), file=sys.stderr)
            return 1
        made: list[Slip] = []
        skipped = 0
        for row in rows:
            reason: str | None = None
            if isinstance(row, Skipped):
                reason = row.reason
            else:
                reason = await _issue_row(services, row, username, made)
            if reason is not None:
                skipped += 1
                print(plain(texts_ops.cli_kuitansi_row(row.line, reason)), file=sys.stderr)
        if not made:
            print(texts_ops.CLI_KUITANSI_NONE, file=sys.stderr)
            return 1
        out.write_bytes(await asyncio.to_thread(slips.pdf, made, address))
        print(texts_ops.cli_kuitansi_done(len(made), str(out), skipped))
        return 0
    finally:
        await services.close()


async def _issue_row(
    services: Services, row: Recording, username: str, made: list[Slip]
) -> str | None:
    """A slip for one row (appended to `made`), or the reason there is none."""
    try:
        made.append(
            await receipts.issue(services, row.nik, username=username, actor_id=None, on=row.on)
        )
    except ReceiptError as exc:
        return plain(_problem(exc))
    return None


def _problem(exc: ReceiptError) -> str:
    """Why there is no slip, as marked text (`plain` before printing)."""
    if exc.problem is Problem.INVALID_NIK and exc.error is not None:
        return texts_staff.kuitansi_invalid(html_as_markup(texts_id.nik_problem(exc.error)))
    if exc.problem is Problem.COLLECTED:
        return texts_staff.KUITANSI_COLLECTED
    return texts_staff.KUITANSI_NOT_FOUND
