"""`jadwal import FILE.csv`: load the office's jemput bola schedule (a month of visits) from the
shell, with the same rules as the status import: rejected rows by line number, a re-import of
the same file changes nothing, audited (as "shell")."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
from pathlib import Path

from bot import texts_id
from bot.cli import database_exists, settings_or_none
from bot.config import Settings
from bot.redaction import redact_file_name
from bot.services import Services
from bot.visits import ImportSummary, VisitImportError, Visits

SHOWN_ERRORS = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "jadwal",
        help="jadwal jemput bola: impor dari berkas CSV",
        description="Jadwal jemput bola (petugas datang ke desa dan sekolah).",
    )
    actions = p.add_subparsers(dest="action", metavar="AKSI", required=True)
    imp = actions.add_parser(
        "import",
        help="impor jadwal dari berkas CSV",
        description=(
            "Impor jadwal jemput bola dari berkas CSV: judul kolom tanggal, mulai, selesai,"
            " kecamatan, tempat, layanan, catatan (urutan bebas; catatan boleh kosong), dipisah"
            " koma atau titik koma, UTF-8. Kecamatan ditulis namanya atau kodenya (01, 02, ...);"
            " layanan ditulis kata-kata, mis. 'perekaman KTP-el, pengambilan KTP-el'. Baris yang"
            " salah dilaporkan dengan nomor barisnya; impor ulang berkas yang sama tidak mengubah"
            " apa pun. Warga yang perlu tahu diberi tahu lewat bot."
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="berkas CSV jadwal")
    p.set_defaults(func=run)


def _plain(text: str) -> str:
    """The texts are written for Telegram's HTML mode; a terminal wants them without tags."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", text))


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none(sys.stderr)
    if settings is None:
        return 2
    path: Path = args.file
    if path.is_dir():
        print(texts_id.import_is_a_folder(path), file=sys.stderr)
        return 1
    if not path.is_file():
        print(texts_id.file_not_found(str(path)), file=sys.stderr)
        return 1
    if not database_exists(settings):
        return 1
    try:
        summary = asyncio.run(_import(settings, path))
    except VisitImportError as exc:
        print(_plain(texts_id.import_cli_unusable(exc.reason)), file=sys.stderr)
        return 1
    print(_plain(summary.text()))
    errors = texts_id.visit_import_errors(summary.errors, SHOWN_ERRORS)
    if errors:
        print()
        print(_plain(errors))
    return 0


async def _import(settings: Settings, path: Path) -> ImportSummary:
    services = await Services.open(settings)
    try:
        return await Visits.of(services).import_csv(
            path.read_bytes(), source_name=redact_file_name(path.name)
        )
    finally:
        await services.close()
