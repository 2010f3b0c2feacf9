"""CLI subcommands, one module each; every module has `add_parser(subparsers)` which sets `func`.

A command is listed here only once it works.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: list[str] = ["run", "demo", "import", "sample-data", "backup", "staff", "audit", "outbox"]


#: Commands whose module name differs from the command ("import" is a Python keyword).
MODULES: dict[str, str] = {"import": "import_csv"}


def load(name: str) -> ModuleType:
    module = MODULES.get(name, name.replace("-", "_"))
    return importlib.import_module(f"bot.cli.{module}")
