"""`OperatorError`: a condition the operator must fix, told in one Indonesian line, no traceback.

Raised anywhere below the CLI (key guard, instance lock, opening the database, webhook secret);
`python -m bot` prints it (`operator_line` in `bot/__main__.py`) on stderr and exits with
status 1. `StorageError` is the database's: it carries the path and the cause. `cause_of`
classifies an OS or SQLite error (read-only, full, not a database, locked, ...) as a `Cause`,
which `texts_ops.cause` words for the operator. A domain module: it imports nothing of the
bot, so the storage floor can raise it.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Cause:
    """Why an OS or SQLite call failed, as the operator is told it.

    `kind` names a cause the operator can act on (`CAUSE_KINDS`), or is None when the error is
    not one of them; then `detail` holds the error's own words, and `sqlite` says whose."""

    kind: str | None
    detail: str = ""
    sqlite: bool = False


#: SQLite's error code (or words of its message, for older versions) → the cause's kind.
_SQLITE_KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("SQLITE_FULL", ("disk is full",), "disk_full"),
    ("SQLITE_READONLY", ("readonly", "read-only"), "db_read_only"),
    ("SQLITE_NOTADB", ("not a database",), "not_a_database"),
    ("SQLITE_CORRUPT", ("malformed",), "corrupt"),
    ("SQLITE_BUSY", ("database is locked",), "locked"),
    ("SQLITE_LOCKED", ("table is locked",), "locked"),
    ("SQLITE_CANTOPEN", ("unable to open",), "cannot_open"),
    ("SQLITE_PERM", ("access permission",), "no_permission"),
    ("SQLITE_IOERR", ("disk i/o error",), "io_error"),
)

#: An OS error's errno → the cause's kind.
_OS_KINDS: dict[int, str] = {
    errno.ENOSPC: "disk_full",
    errno.EDQUOT: "quota",
    errno.EROFS: "fs_read_only",
    errno.EACCES: "no_permission",
    errno.EPERM: "no_permission",
    errno.ENOENT: "missing",
    errno.ENOTDIR: "not_a_folder",
    errno.EISDIR: "a_folder",
    errno.EEXIST: "exists",
}

CAUSE_KINDS = frozenset({kind for _, _, kind in _SQLITE_KINDS} | set(_OS_KINDS.values()))


def cause_of(exc: BaseException) -> Cause:
    """`exc` classified: a known kind, or its own words."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        message = str(exc).lower()
        for code, words, kind in _SQLITE_KINDS:
            if name.startswith(code) or any(w in message for w in words):
                return Cause(kind)
        return Cause(None, str(exc), sqlite=True)
    if isinstance(exc, OSError):
        known = _OS_KINDS.get(exc.errno or 0)
        return Cause(known) if known else Cause(None, exc.strerror or str(exc))
    return Cause(None, str(exc))
