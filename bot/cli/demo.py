"""`demo`: chat with the real bot in the terminal on invented data, no Telegram account needed."""

from __future__ import annotations

import argparse

from bot import texts_ops
from bot.demo import DEFAULT_PEOPLE, main
from bot.demo_whatsapp import main as whatsapp_main


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="coba bot di terminal dengan data rekaan (tanpa Telegram)",
        description=(
            "Bangun basis data demo di folder sementara dari data rekaan, tampilkan pasangan"
            " NIK/KK untuk dicoba, lalu chat dengan bot di terminal. Tombol ditekan dengan"
            " mengetik nomor atau tulisannya; /keluar atau Ctrl-D untuk selesai. Bila stdin"
            " bukan terminal, tiap baris dibaca sebagai satu pesan (bisa dipakai dalam skrip)."
        ),
    )
    p.add_argument(
        "--staff", action="store_true", help="chat sebagai petugas (admin), bukan sebagai warga"
    )
    p.add_argument(
        "--whatsapp",
        action="store_true",
        help="chat sebagai warga di WhatsApp: tombol dan daftar seperti yang digambar WhatsApp",
    )
    p.add_argument(
        "--count",
        type=_positive,
        default=DEFAULT_PEOPLE,
        metavar="N",
        help=f"jumlah warga rekaan di basis data demo (bawaan: {DEFAULT_PEOPLE})",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed acak (bawaan: 1)")
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(texts_ops.SAMPLE_COUNT_INVALID)
    return int(text)


def run(args: argparse.Namespace) -> int:
    if args.whatsapp:
        return whatsapp_main(count=args.count, seed=args.seed)
    return main(staff=args.staff, count=args.count, seed=args.seed)
