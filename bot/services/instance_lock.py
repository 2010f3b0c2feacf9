"""One bot per database: `run` holds an OS file lock beside the database for its whole life.

Two `run` processes on one SQLite file would both dispatch the outbox and send messages twice.
The lock (`flock` on `<database>.lock`) is released by the kernel when the process ends, also
on `kill -9`, so a crash never leaves a stale lock behind. The file says which process holds it.
The database is named by its real path (a symlink leads to the file it points at) and, beside
the lock file, the database file itself is locked too (`flock` on its inode, which SQLite's own
POSIX locks never see): two paths to one file — a symlink, a hard link, a bind mount — are one
database.
Shell commands (`staff`, `audit`, `outbox`, `backup`, `import`) do not take it: they read or
write a few rows in their own transactions beside a running bot.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import texts_ops
from bot.domain.operator_error import OperatorError, cause_of

#: Held open (and so locked) until the process exits.
_held: dict[Path, int] = {}


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _real(db_path: Path) -> Path:
    return Path(os.path.realpath(db_path))


def acquire(db_path: Path, tz: ZoneInfo) -> Path:
    """Take the lock for `db_path` for this process's life; OperatorError naming the holder
    when another process has it."""
    real = _real(Path(db_path))
    path = lock_path(real)
    if path in _held:
        return path
    fd = _open_locked(path, db_path, names_holder=True)
    try:  # another path to the same file (a hard link, a bind mount) has its own lock file
        database = _open_locked(real, db_path, names_holder=False)
    except FileNotFoundError:  # a new database: made by SQLite, under this path's lock
        database = None
    except OperatorError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    started = datetime.now(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    os.write(fd, f"PID {os.getpid()}, sejak {started}\n".encode())
    _held[path] = fd
    if database is not None:
        _held[real] = database
    return path


def _open_locked(path: Path, db_path: Path, *, names_holder: bool) -> int:
    """`path` opened and locked: a lock file (`names_holder`) is made if absent, a database
    only read (FileNotFoundError when there is none yet). OperatorError when another process
    holds it (naming the holder when `path` is a lock file, which says who)."""
    try:
        if names_holder:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        else:
            fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if names_holder:
            raise OperatorError(
                texts_ops.lock_unusable(path, cause_of(FileNotFoundError(path)))
            ) from None
        raise
    except OSError as exc:
        raise OperatorError(texts_ops.lock_unusable(path, cause_of(exc))) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode("utf-8", "replace").strip() if names_holder else ""
        os.close(fd)
        raise OperatorError(texts_ops.bot_already_running(db_path, holder)) from None
    except OSError as exc:
        os.close(fd)
        raise OperatorError(texts_ops.lock_unusable(path, cause_of(exc))) from None
    return fd


def release(db_path: Path) -> None:
    """Give the lock up before the process ends (tests; `run` keeps it to the end)."""
    real = _real(Path(db_path))
    for key in (lock_path(real), real):
        fd = _held.pop(key, None)
        if fd is not None:
            os.close(fd)
