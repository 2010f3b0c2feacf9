"""`jadwal import FILE` (CSV or .xlsx): load the office's jemput bola schedule (a month of
visits) from the shell, with the same rules and reader as the status import: rejected rows by
line number, a re-import of the same file changes nothing, audited (as "shell")."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot import texts_ops
from bot.cli import database_exists, is_a_file, plain, print_summary, settings_or_none
from bot.domain.config import Settings
from bot.services.container import Services
from bot.services.redaction import redact_file_name
from bot.services.visits import ImportSummary, VisitImportError, Visits

SHOWN_ERRORS = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "jadwal",
        help="jadwal jemput bola: impor dari berkas CSV atau Excel",
        description="Jadwal jemput bola (petugas datang ke desa dan sekolah).",
    )
    actions = p.add_subparsers(dest="action", metavar="AKSI", required=True)
    imp = actions.add_parser(
        "import",
        help="impor jadwal dari berkas CSV atau Excel (.xlsx)",
        description=(
            "Impor jadwal jemput bola dari berkas CSV atau Excel (.xlsx; lembar pertama, atau"
            " yang disebut dengan --sheet): judul kolom tanggal, mulai, selesai,"
            " kecamatan, tempat, layanan, catatan (urutan bebas; catatan boleh kosong), dipisah"
            " koma atau titik koma, UTF-8. Kecamatan ditulis namanya atau kodenya (01, 02, ...);"
            " layanan ditulis kata-kata, mis. 'perekaman KTP-el, pengambilan KTP-el'. Baris yang"
            " salah dilaporkan dengan nomor barisnya; impor ulang berkas yang sama tidak mengubah"
            " apa pun. Warga yang perlu tahu diberi tahu lewat bot."
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="berkas CSV atau .xlsx jadwal")
    imp.add_argument(
        "--sheet",
        default=None,
        metavar="NAMA",
        help="lembar Excel yang dibaca (bawaan: lembar pertama)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none(sys.stderr)
    if settings is None:
        return 2
    path: Path = args.file
    if not is_a_file(path) or not database_exists(settings):
        return 1
    try:
        summary = asyncio.run(_import(settings, path, args.sheet))
    except VisitImportError as exc:
        print(plain(texts_ops.import_cli_unusable(exc.reason)), file=sys.stderr)
        return 1
    print_summary(summary.text(), texts_ops.visit_import_errors(summary.errors, SHOWN_ERRORS))
    return 0


async def _import(settings: Settings, path: Path, sheet: str | None) -> ImportSummary:
    services = await Services.open(settings)
    try:
        return await Visits.of(services).import_csv(
            path.read_bytes(), source_name=redact_file_name(path.name), sheet=sheet
        )
    finally:
        await services.close()
