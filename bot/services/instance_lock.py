"""One bot per database: `run` holds an OS file lock beside the database for its whole life.

Two `run` processes on one SQLite file would both dispatch the outbox and send messages twice.
The lock (`flock` on `<database>.lock`) is released by the kernel when the process ends, also
on `kill -9`, so a crash never leaves a stale lock behind. The file says which process holds it.
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


def acquire(db_path: Path, tz: ZoneInfo) -> Path:
    """Take the lock for `db_path` for this process's life; OperatorError naming the holder
    when another process has it."""
    path = lock_path(Path(db_path)).resolve()
    if path in _held:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise OperatorError(texts_ops.lock_unusable(path, cause_of(exc))) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode("utf-8", "replace").strip()
        os.close(fd)
        raise OperatorError(texts_ops.bot_already_running(db_path, holder)) from None
    except OSError as exc:
        os.close(fd)
        raise OperatorError(texts_ops.lock_unusable(path, cause_of(exc))) from None
    os.ftruncate(fd, 0)
    started = datetime.now(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    os.write(fd, f"PID {os.getpid()}, sejak {started}\n".encode())
    _held[path] = fd
    return path


def release(db_path: Path) -> None:
    """Give the lock up before the process ends (tests; `run` keeps it to the end)."""
    fd = _held.pop(lock_path(Path(db_path)).resolve(), None)
    if fd is not None:
        os.close(fd)
