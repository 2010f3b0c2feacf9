"""`sample-data --count N [--seed S]`: write a realistic synthetic import CSV to stdout."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from bot import texts_ops
from bot.services import sample_data


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample-data",
        help="tulis CSV impor contoh (data rekaan) ke stdout",
        description=(
            "Tulis CSV impor contoh ke stdout: warga rekaan Musi Rawas dengan riwayat status"
            " KTP-el selama dua tahun terakhir (beberapa baris per NIK, urut perjalanan)."
            " Seed dan tanggal yang sama menghasilkan berkas yang sama persis."
        ),
    )
    p.add_argument(
        "--count",
        type=_positive,
        default=1000,
        metavar="N",
        help="jumlah WARGA (bukan baris); tiap warga rata-rata 7 baris riwayat (bawaan: 1000)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed acak (bawaan: 1)")
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="tanggal 'hari ini' untuk riwayat (bawaan: hari ini)",
    )
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(texts_ops.SAMPLE_COUNT_INVALID) from None
    if value < 1:
        raise argparse.ArgumentTypeError(texts_ops.SAMPLE_COUNT_INVALID)
    return value


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        sample_data.write_csv(out, args.count, args.seed, args.today)
        out.flush()
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
