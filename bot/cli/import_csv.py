"""`import FILE`: bulk status import (CSV or .xlsx) from the shell, with a progress bar and a
summary."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot import texts_ops, texts_staff
from bot.cli import is_a_file, plain, print_summary, settings_or_none
from bot.domain.config import Settings
from bot.services.container import Services
from bot.services.importer import ImportFileError, ImportSummary, import_file, shell_batch_size
from bot.services.redaction import redact_file_name
from bot.storage import audit as audit_store

SHOWN_ERRORS = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="impor status dari berkas CSV atau Excel (sama seperti /impor di Telegram)",
        description=(
            "Impor status KTP-el dari berkas CSV atau Excel (.xlsx; lembar pertama, atau yang"
            " disebut dengan --sheet): judul kolom nik, no_kk, nama, status,"
            " tanggal_status, keterangan (urutan bebas; nik dan status wajib, no_kk wajib untuk"
            " NIK baru), dipisah koma atau titik koma, UTF-8; di Excel kolom nik dan no_kk"
            " berformat Teks. Baris yang salah dilaporkan dan"
            " tidak menghentikan yang lain; impor ulang berkas yang sama tidak mengubah apa pun."
        ),
    )
    p.add_argument("file", type=Path, metavar="FILE", help="berkas CSV atau .xlsx yang diimpor")
    p.add_argument(
        "--sheet",
        default=None,
        metavar="NAMA",
        help="lembar Excel yang dibaca (bawaan: lembar pertama)",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=None,
        metavar="N",
        help=(
            "baris per transaksi (bawaan: sepersepuluh baris berkas, antara 50000 dan 250000;"
            " lebih besar: lebih sedikit tulisan ke disk, lebih banyak memori)"
        ),
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none(sys.stderr)
    if settings is None:
        return 2
    path: Path = args.file
    if not is_a_file(path):
        return 1
    try:
        batch = args.batch or shell_batch_size(path.stat().st_size)
        summary = asyncio.run(_import(settings, path, max(1, batch), args.sheet))
    except ImportFileError as exc:
        print(plain(texts_ops.import_cli_unusable(exc.reason)), file=sys.stderr)
        return 1
    print_summary(summary.text(), summary.errors_text(limit=SHOWN_ERRORS))
    return 0


async def _audit(services: Services, path: Path, summary: ImportSummary) -> None:
    """Every import is in the audit log: one from the shell has no actor ("shell")."""
    async with services.db.transaction() as conn:
        await audit_store.add(
            conn,
            now=services.clock.now(),
            actor_id=None,
            action=audit_store.IMPORT,
            target=redact_file_name(path.name),
            new=texts_staff.audit_import_counts(
                summary.rows_read, summary.new, summary.changed, summary.unchanged, summary.rejected
            ),
            detail=f"impor #{summary.import_id}" if summary.import_id else None,
        )


async def _import(
    settings: Settings, path: Path, batch_size: int, sheet: str | None = None
) -> ImportSummary:
    from tqdm import tqdm  # type: ignore[import-untyped]
    from tqdm.contrib.logging import logging_redirect_tqdm  # type: ignore[import-untyped]

    services = await Services.open(settings)
    bar = tqdm(
        total=path.stat().st_size,
        unit="",
        unit_scale=True,
        desc=texts_staff.IMPORT_PROGRESS,
        disable=not sys.stderr.isatty(),
        leave=False,
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        with logging_redirect_tqdm():  # log lines go above the bar, never onto it
            summary = await import_file(
                services,
                path,
                source_name=path.name,
                sheet=sheet,
                on_progress=progress,
                batch_size=batch_size,
            )
        await _audit(services, path, summary)
        return summary
    finally:
        bar.close()
        await services.close()
