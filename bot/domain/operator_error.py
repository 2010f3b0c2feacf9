"""`OperatorError`: a condition the operator must fix, told in one Indonesian line, no traceback.

Raised anywhere below the CLI (key guard, instance lock, opening the database, webhook secret);
`python -m bot` prints it (`texts_id.operator_line`) on stderr and exits with status 1.
`StorageError` is the database's: it carries the path and the cause (read-only, full, not a
database, locked, ...), which `texts_id` words for the operator. A domain module: it imports
nothing of the bot, so the storage floor can raise it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class OperatorError(Exception):
    """`str(error)` is the one line the operator reads."""


class StorageError(OperatorError):
    """The database at `path` could not be opened, read or written (`cause` is the error)."""

    def __init__(self, path: Path | str, cause: BaseException) -> None:
        # A PostgreSQL URL (password already removed) stays as it is; a file becomes a Path.
        self.path: Path | str = path if "://" in str(path) else Path(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")


def as_operator_error(exc: BaseException, db_path: Path | str) -> OperatorError | None:
    """An OS or SQLite error that reached the CLI as one line (None for anything else).

    SQLite errors are the database's; an OS error names its own file when it has one."""
    if isinstance(exc, OperatorError):
        return exc
    if isinstance(exc, sqlite3.Error):
        return StorageError(db_path, exc)
    if isinstance(exc, OSError):
        return StorageError(os.fsdecode(exc.filename) if exc.filename else db_path, exc)
    return None
