"""The SQLite connection: WAL, foreign keys, busy timeout, migrations, serialised transactions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.operator_error import StorageError
from bot.storage.driver import SQLITE_DIALECT, Conn, Cursor, Row, SqliteConn
from bot.storage.schema import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def utc_iso(when: datetime) -> str:
    """A UTC timestamp as stored in the database (sortable text)."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Database:
    """One aiosqlite connection; writes go through `transaction()` so they never interleave."""

    dialect = SQLITE_DIALECT

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.raw = conn
        self.conn: Conn = SqliteConn(conn)
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (or create, mode 0600) the database and migrate it.

        Any OS or SQLite failure becomes a StorageError naming the path and the cause, and the
        connection's thread is closed first (left open, it would keep the process alive)."""
        path = Path(path)
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
                create_private(path)
            conn = await connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(path, exc) from None
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            db = cls(conn, path)
            await db.migrate()
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await conn.close()
            if isinstance(exc, OSError | sqlite3.Error):
                raise StorageError(path, exc) from None
            raise
        return db

    async def close(self) -> None:
        await self.raw.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row is not None else 0

    async def migrate(self) -> list[int]:
        """Apply the migrations newer than the database; return the versions applied."""
        applied: list[int] = []
        current = await self.schema_version()
        for version, description, script in sorted(MIGRATIONS):
            if version <= current:
                continue
            log.info("menerapkan migrasi skema %d: %s", version, description)
            async with self.transaction() as conn:
                for statement in _statements(script):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {version}")
            applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; one at a time per process."""
        async with self._write_lock:
            try:
                await self.raw.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                # Also when cancelled while BEGIN was on its way: the connection runs statements
                # in order, so this ROLLBACK follows it, and shielding it means it always runs.
                await asyncio.shield(self._rollback())
                raise
            else:
                await asyncio.shield(self.raw.execute("COMMIT"))

    async def _rollback(self) -> None:
        # OperationalError: no transaction was open (BEGIN itself failed).
        with contextlib.suppress(sqlite3.OperationalError):
            await self.raw.execute("ROLLBACK")

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchall()

    async def backup(self, dest: Path | str) -> None:
        """A consistent online copy of the database (SQLite's backup API)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        create_private(dest)
        os.chmod(dest, 0o600)  # also when it replaces an older copy
        async with aiosqlite.connect(dest) as target:
            await self.raw.backup(target)


def inserted_id(cur: Cursor) -> int:
    """The id of the row an INSERT just added."""
    if cur.lastrowid is None:
        raise RuntimeError("the statement inserted no row")
    return cur.lastrowid


async def connect(path: Path) -> aiosqlite.Connection:
    """The one place a database connection is made (a seam for fault-injection tests)."""
    return await aiosqlite.connect(path, isolation_level=None)


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 when it does not exist, so SQLite's file and its
    -wal and -shm (which SQLite gives the database's mode) are the owner's alone."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _statements(script: str) -> list[str]:
    """Split a migration script into statements: `--` comments (which may hold a semicolon)
    go first, then the script splits at each semicolon (none inside our DDL strings)."""
    code = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [stmt.strip() for stmt in code.split(";") if stmt.strip()]
