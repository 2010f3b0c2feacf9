"""Command line: `python -m bot COMMAND` (also installed as `dukcapil-bot`)."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys

from bot import texts_ops
from bot.cli import COMMANDS, Parser, load
from bot.domain.operator_error import OperatorError, StorageError, as_operator_error, cause_of
from bot.services import logs


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bot",
        description="Cek KTP-el: bot Telegram Disdukcapil Kabupaten Musi Rawas.",
        epilog=texts_ops.CLI_DATABASE_RULE,
    )
    sub = parser.add_subparsers(
        dest="command", metavar=texts_ops.CLI_COMMAND_METAVAR, required=True
    )
    for name in COMMANDS:
        load(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    problem = logs.configure()  # BOT_LOG_LEVEL, times in the office's zone
    if problem:
        logging.getLogger(__name__).warning(problem)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (OperatorError, OSError, sqlite3.Error) as exc:
        # One line the operator can act on (path and cause), never a traceback.
        error = as_operator_error(exc, _db_path())
        print(operator_line(error) if error else str(exc), file=sys.stderr)
        return 1


def operator_line(error: OperatorError) -> str:
    """The one line an operator reads for a condition they must fix."""
    if isinstance(error, StorageError):
        return texts_ops.storage_failed(error.path, cause_of(error.cause))
    return str(error)


def _db_path() -> str:
    return os.environ.get("BOT_DB_PATH") or "data/dukcapil.sqlite3"


if __name__ == "__main__":
    sys.exit(main())
