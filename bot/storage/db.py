"""The SQLite connections: WAL, foreign keys, busy timeout, migrations, serialised transactions.

(SQLite is the default; with BOT_DATABASE_URL the same API is `bot.storage.pg.PgDatabase`.)

Two connections to one file. The writer (aiosqlite: its own thread) runs every change:
`transaction()` for work that reads and writes under one lock, `write(job)` for short jobs that
are committed together with whatever other jobs are waiting (a group commit: one transaction
and one trip to the writer's thread for many residents' checks), and `defer(sql, params)` for
notes that may wait for the next commit (a chat seen). The reader (plain sqlite3, used on the
event loop's thread) answers point lookups at once: in WAL mode a reader never waits behind the
writer and sees every committed change, so a resident's check makes no trip to another thread
for its reads (`snapshot()`: one read transaction for several lookups).

Storage functions take a `Conn` (bot/storage/driver.py) and run on all three: `conn` (the
writer through aiosqlite, awaited), `reader` and the connection a write job is given (plain
sqlite3 as `SqliteSyncConn`: its awaits never suspend, so the reader makes no trip to another
thread, and `driver.run_now` runs a job's coroutine to its end on the writer's thread).

Checkpoints of the WAL run off the request path: `start_maintenance()` (the running bot)
switches SQLite's automatic checkpoint off and checkpoints from a worker thread instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.operator_error import StorageError
from bot.storage.driver import (
    SQLITE_DIALECT,
    Conn,
    Cursor,
    ReadsAfterFlush,
    SqliteConn,
    SqliteSyncConn,
    T,
    run_now,
)
from bot.storage.schema import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
#: A deferred note waits at most this long (seconds) for a write to share a commit with.
DEFER_DELAY = 0.05
#: While the bot runs, the WAL is checkpointed from a worker thread this often (seconds).
CHECKPOINT_EVERY = 1.0
#: The reader's page cache (KiB; SQLite's default is 2 MB): the records index stays in memory.
READER_CACHE_KIB = 16_384
#: The writer's page cache during a bulk import (KiB): the indexes a batch touches stay in
#: memory instead of being spilled to the WAL mid-transaction and read back.
BULK_CACHE_KIB = 65_536
#: During a bulk import from the shell, SQLite checkpoints the WAL when it holds this many
#: pages (256 MB; its default is 1,000 pages, 4 MB).
BULK_AUTOCHECKPOINT = 65_536
#: SQLite's own default page cache (KiB), restored after a bulk import.
DEFAULT_CACHE_KIB = 2_000

#: A write job: runs on the writer's thread inside the group's transaction, given the
#: writer's sqlite3 connection as a `Conn`; what it returns is what `Database.write` returns.
Job = Callable[[Conn], Coroutine[Any, Any, Any]]


def utc_iso(when: datetime) -> str:
    """A UTC timestamp as stored in the database (sortable text)."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Database(ReadsAfterFlush):
    """The writer (aiosqlite; writes never interleave) and the reader (sqlite3, this thread)."""

    dialect = SQLITE_DIALECT

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.raw = conn
        self.conn: Conn = SqliteConn(conn)
        self.path = path
        self._write_lock = asyncio.Lock()
        self._reader: SqliteSyncConn | None = None
        self._read_depth = 0
        self._jobs: list[tuple[Job, asyncio.Future[Any]]] = []
        self._deferred: list[tuple[str, tuple[Any, ...]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._checkpointer: asyncio.Task[None] | None = None

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
            await conn.execute("PRAGMA secure_delete = ON")  # erased rows leave no bytes behind
            db = cls(conn, path)
            await db.migrate()
            reader = _open_reader(path)
            db._reader = SqliteSyncConn(reader) if reader is not None else None
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await conn.close()
            if isinstance(exc, OSError | sqlite3.Error):
                raise StorageError(path, exc) from None
            raise
        return db

    async def close(self) -> None:
        """Commit what is still queued, stop the checkpoints, close both connections."""
        await self.stop_maintenance()
        with contextlib.suppress(Exception):
            await self.flush()
        if self._reader is not None:
            self._reader.raw.close()
            self._reader = None
        await self.raw.close()

    # --- reads on the reader ---------------------------------------------------------------------

    @property
    def reader(self) -> SqliteSyncConn:
        """The read-only connection, for lookups on the event loop's thread (its awaits never
        suspend: no trip to another thread)."""
        if self._reader is None:
            raise RuntimeError("the database is closed (or in memory: no reader)")
        return self._reader

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """One read transaction for several lookups (nested use joins the outer one). Await
        only the reader's statements inside: the reader belongs to the event loop's thread."""
        reader = self.reader
        if self._read_depth == 0:
            reader.raw.execute("BEGIN")
        self._read_depth += 1
        try:
            yield reader
        finally:
            self._read_depth -= 1
            if self._read_depth == 0:
                reader.raw.execute("COMMIT")

    # --- group-committed writes --------------------------------------------------------------

    async def write(self, job: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        """Run `job(conn)` on the writer's thread inside a transaction shared with the other
        jobs waiting now, and return its result once that transaction is committed (or raise
        what the job raised; its own changes are then rolled back, the others' are not). The
        job awaits nothing but its statements on `conn` (they run at once, on that thread)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.append((job, future))
        self._kick()
        return await future

    def defer(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Queue a statement for the next commit (a group of jobs, or the next transaction,
        which runs it first). Only for notes whose loss in a crash costs nothing."""
        self._deferred.append((sql, params))
        if self._flusher is None and self._timer is None:  # usually it joins a job's commit
            self._timer = asyncio.get_running_loop().call_later(DEFER_DELAY, self._kick)

    async def flush(self) -> None:
        """Wait until everything queued so far is committed."""
        while self._jobs or self._deferred or self._flusher is not None:
            if self._flusher is None:
                self._kick()
            flusher = self._flusher
            if flusher is not None:
                await asyncio.shield(flusher)

    def _kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        try:
            while self._jobs or self._deferred:
                async with self._write_lock:
                    await self._commit_queued()
        finally:
            self._flusher = None

    async def _commit_queued(self) -> None:
        """Commit the queued statements and jobs in one transaction (write lock held)."""
        deferred, self._deferred = self._deferred, []
        jobs, self._jobs = self._jobs, []
        if not deferred and not jobs:
            return
        raw = self.raw._conn  # the sqlite3 connection, used only on the writer's thread
        try:
            outcomes = await self.raw._execute(_run_group, raw, deferred, [j for j, _ in jobs])
        except BaseException as exc:
            for _, future in jobs:
                if not future.done():
                    future.set_exception(
                        exc if isinstance(exc, Exception) else RuntimeError("write cancelled")
                    )
            if isinstance(exc, Exception):
                log.error("could not commit %d queued writes: %s", len(deferred) + len(jobs), exc)
                return
            raise
        for (_, future), (ok, value) in zip(jobs, outcomes, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    @asynccontextmanager
    async def bulk_writes(self) -> AsyncIterator[None]:
        """A bulk import: the writer keeps a bigger page cache meanwhile (BULK_CACHE_KIB), and,
        unless the bot's own checkpoints run (`start_maintenance`), SQLite checkpoints the WAL
        only when it holds BULK_AUTOCHECKPOINT pages: an index page that every batch touches
        is then copied into the database once for several batches, not once a batch. After:
        the memory is given back, and the WAL checkpointed and cut to its usual size."""
        await self.raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        own_checkpoints = self._checkpointer is None and str(self.path) != ":memory:"
        if own_checkpoints:
            await self.raw.execute(f"PRAGMA wal_autocheckpoint = {BULK_AUTOCHECKPOINT}")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await self.raw.execute(f"PRAGMA cache_size = -{DEFAULT_CACHE_KIB}")
                await self.raw.execute("PRAGMA shrink_memory")
            if own_checkpoints:
                with contextlib.suppress(Exception):
                    await self.raw.execute(f"PRAGMA wal_autocheckpoint = {DEFAULT_AUTOCHECKPOINT}")
                    await self.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- checkpoints off the request path ------------------------------------------------------

    async def start_maintenance(self) -> None:
        """The running bot: no automatic checkpoint inside a commit; a worker thread
        checkpoints instead (PASSIVE: it never blocks the writer or a reader)."""
        if self._checkpointer is not None or str(self.path) == ":memory:":
            return
        await self.raw.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = asyncio.get_running_loop().create_task(self._checkpoint_loop())

    async def stop_maintenance(self) -> None:
        task, self._checkpointer = self._checkpointer, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        with contextlib.suppress(Exception):
            await self.raw.execute(f"PRAGMA wal_autocheckpoint = {DEFAULT_AUTOCHECKPOINT}")

    async def _checkpoint_loop(self) -> None:
        stop = threading.Event()
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_EVERY)
                await asyncio.to_thread(checkpoint, self.path, stop)
        finally:
            stop.set()

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
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; one at a time per process.
        Statements and jobs queued before it are committed first, so they keep their order."""
        async with self._write_lock:
            if self._deferred or self._jobs:
                await self._commit_queued()
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

    async def backup(self, dest: Path | str) -> None:
        """A consistent online copy of the database (SQLite's backup API)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        create_private(dest)
        os.chmod(dest, 0o600)  # also when it replaces an older copy
        async with aiosqlite.connect(dest) as target:
            await self.raw.backup(target)


DEFAULT_AUTOCHECKPOINT = 1000


def _run_group(
    raw: sqlite3.Connection,
    deferred: list[tuple[str, tuple[Any, ...]]],
    jobs: list[Job],
) -> list[tuple[bool, Any]]:
    """On the writer's thread: the queued statements, then each job in its own savepoint, all
    in one transaction. Returns (True, result) or (False, exception) per job."""
    outcomes: list[tuple[bool, Any]] = []
    conn = SqliteSyncConn(raw)
    raw.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in deferred:
            try:
                raw.execute(sql, params)
            except sqlite3.Error as exc:  # a note that no longer fits (e.g. its chat erased)
                log.warning("a queued statement failed: %s", exc)
        if len(jobs) == 1 and not deferred:
            # Alone (a batch of an import, usually): no savepoint, whose journal would copy
            # every page the job changes to a temporary file; a failure rolls back everything.
            try:
                outcomes.append((True, run_now(jobs[0](conn))))
            except Exception as exc:
                if raw.in_transaction:  # else SQLite rolled it back itself (a full disk, I/O)
                    raw.execute("ROLLBACK")
                return [(False, exc)]
        else:
            for job in jobs:
                raw.execute("SAVEPOINT job")
                try:
                    outcomes.append((True, run_now(job(conn))))
                except Exception as exc:
                    if not raw.in_transaction:
                        # SQLite rolled the whole transaction back itself (a full disk, an I/O
                        # error): every job of the group failed with this error, not another.
                        raise
                    raw.execute("ROLLBACK TO job")
                    outcomes.append((False, exc))
                raw.execute("RELEASE job")
        raw.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            raw.execute("ROLLBACK")
        raise
    return outcomes


def _open_reader(path: Path) -> sqlite3.Connection | None:
    """The read-only connection (none for an in-memory database, which only one connection
    can see)."""
    if str(path) == ":memory:":
        return None
    reader = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    reader.row_factory = sqlite3.Row
    reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
    return reader


def checkpoint(path: Path, stop: threading.Event | None = None) -> None:
    """A PASSIVE checkpoint from a connection of its own (a worker thread): copies what it can
    of the WAL into the database without waiting for, or blocking, the writer or a reader."""
    if stop is not None and stop.is_set():
        return
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as exc:
        log.debug("checkpoint skipped: %s", exc)
    finally:
        conn.close()


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
