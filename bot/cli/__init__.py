"""CLI subcommands, one module each; every module has `add_parser(subparsers)` which sets `func`.

A command is listed here only once it works. `Parser` speaks Indonesian, help and errors alike.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TextIO

from bot import texts_ops
from bot.domain.config import ConfigError, Settings, load_settings
from bot.domain.markup import plain
from bot.services.key_guard import checked_key
from bot.storage import Db
from bot.storage import open_database as open_db

COMMANDS: list[str] = [
    "run",
    "demo",
    "import",
    "sample-data",
    "backup",
    "staff",
    "audit",
    "outbox",
    "jadwal",
    "migrate-db",
    "kuitansi",
]


#: Commands whose module name differs from the command ("import" is a Python keyword).
MODULES: dict[str, str] = {"import": "import_csv"}


def load(name: str) -> ModuleType:
    module = MODULES.get(name, name.replace("-", "_"))
    return importlib.import_module(f"bot.cli.{module}")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with Indonesian headings."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        # argparse passes prefix="" when it builds a subcommand's name: keep that one empty.
        if prefix is None:
            prefix = texts_ops.CLI_USAGE_PREFIX
        super().add_usage(usage, actions, groups, prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(texts_ops.CLI_SECTION_TITLES.get(heading or "", heading))


#: argparse's error messages (English; the first that matches wins) -> the sentence for each.
ARGPARSE_ERRORS: tuple[tuple[re.Pattern[str], Callable[..., str]], ...] = tuple(
    (re.compile(pattern, re.DOTALL), say)
    for pattern, say in (
        (r"the following arguments are required: (.*)", texts_ops.cli_missing_arguments),
        (r"unrecognized arguments: (.*)", texts_ops.cli_unknown_arguments),
        (
            r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
            texts_ops.cli_invalid_choice,
        ),
        (r"argument (\S+): invalid int value: (.*)", texts_ops.cli_not_an_integer),
        (r"argument (\S+): invalid \S+ value: (.*)", texts_ops.cli_unreadable_value),
        (r"argument (\S+): expected one argument", texts_ops.cli_expects_one_value),
        (r"argument (\S+): (.*)", texts_ops.cli_argument_problem),
    )
)


def translate_error(message: str) -> str:
    """One of argparse's English error messages in Indonesian (unknown ones are kept)."""
    for pattern, say in ARGPARSE_ERRORS:
        found = pattern.fullmatch(message)
        if found:
            return say(*found.groups())
    return message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Indonesian; subcommands inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False  # the -h below says it in Indonesian
        super().__init__(*args, **kwargs)
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=texts_ops.CLI_HELP_OPTION,
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, texts_ops.cli_error(self.prog, translate_error(message)) + "\n")


def user_id(text: str) -> int:
    """A Telegram user id typed in the shell (argparse `type`)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(texts_ops.CLI_USER_ID_INVALID)
    return int(value)


def settings_or_none(out: TextIO | None = None) -> Settings | None:
    """The settings, or None after saying on `out` (stdout by default) what is wrong."""
    try:
        return load_settings()
    except ConfigError as exc:
        print(texts_ops.cli_bad_config(exc), file=out or sys.stdout)
        return None


def database_exists(settings: Settings) -> bool:
    """True when BOT_DB_PATH exists; otherwise says so on stderr (a command that only reads
    stops there: the one rule is that only `run`, `import` and `staff add|remove` create it)."""
    if settings.database_url or settings.db_path.is_file():
        return True
    print(texts_ops.cli_database_missing(settings.db_path), file=sys.stderr)
    return False


def is_a_file(path: Path) -> bool:
    """True when `path` is a file to read; otherwise says on stderr why not."""
    if path.is_dir():
        print(texts_ops.import_is_a_folder(path), file=sys.stderr)
        return False
    if not path.is_file():
        print(texts_ops.file_not_found(str(path)), file=sys.stderr)
        return False
    return True


def print_summary(summary: str, errors: str | None) -> None:
    """An import's summary, then its rejected rows (when there are), as plain text."""
    print(plain(summary))
    if errors:
        print()
        print(plain(errors))


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Db]:
    """The database for one shell command, closed when the command is done with it.

    The secret key is checked against the database first (never created here)."""
    db = await open_db(settings)
    try:
        await checked_key(db, settings.secret_key_file, create=False)
    except BaseException:
        await db.close()
        raise
    try:
        yield db
    finally:
        await db.close()
