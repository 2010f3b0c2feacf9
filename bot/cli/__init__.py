"""CLI subcommands, one module each; every module has `add_parser(subparsers)` which sets `func`.

A command is listed here only once it works.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: list[str] = ["backup"]


def load(name: str) -> ModuleType:
    return importlib.import_module(f"bot.cli.{name.replace('-', '_')}")
