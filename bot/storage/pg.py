"""PostgreSQL through asyncpg: the same `Conn` as SQLite, a pool, migrations under a lock.

`BOT_DATABASE_URL=postgresql://...` opens a `PgDatabase` instead of the SQLite `Database`;
everything above the storage floor sees the same `Db` (bot/storage/driver.py). Differences:

- a pool of connections: reads (`db.conn`) take any free connection; `transaction()` holds one
  for its BEGIN ... COMMIT (READ COMMITTED). Several transactions of one process may run at
  once, and so may those of several processes;
- SQLite's speed devices keep their API and become plain: `snapshot()` is a read-only
  REPEATABLE READ transaction on one pooled connection, `reader` the pool, `write(job)` one
  transaction per job (no group commit: PostgreSQL commits concurrently), `defer(sql)` a
  statement run at once in the background (and awaited by the next `transaction()`, so it
  stays before what follows it), and there are no checkpoints to move (`start_maintenance`);
- the schema version lives in the table `schema_version` (SQLite: `PRAGMA user_version`);
- `migrate()` runs under a session advisory lock, so two workers starting together never
  apply a migration twice: the second waits, then finds nothing left to do;
- `MIGRATIONS` are translated statement by statement (`Dialect.migration`); a migration whose
  SQLite text cannot be translated gets its PostgreSQL text in `POSTGRES_VARIANTS`;
- no `backup()`: PostgreSQL's own `pg_dump` makes a consistent copy (README).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from bot.domain.operator_error import StorageError
from bot.storage.db import _statements
from bot.storage.driver import (
    POSTGRES_DIALECT,
    Catalog,
    Conn,
    Cursor,
    ListCursor,
    ReadsAfterFlush,
    Result,
    Row,
    Statement,
    T,
    redact,
    status_rowcount,
)
from bot.storage.schema import MIGRATIONS

log = logging.getLogger(__name__)

#: Advisory lock keys (one 64-bit number each, the same in every worker).
MIGRATION_LOCK = 0x4B54_5045_0001  # "KTPE" + 1: applying migrations
DISPATCHER_LOCK = (
    0x4B54_5045_0002  # the one worker that delivers the outbox (bot/services/leader.py)
)

#: Migration version -> its PostgreSQL script, for a migration the translation cannot carry.
POSTGRES_VARIANTS: dict[int, str] = {}

POOL_MIN = 1
POOL_MAX = 10


class PgConn:
    """An asyncpg connection (in a transaction) or the pool, seen through `Conn`."""

    __slots__ = ("_catalog_of", "raw")
    dialect = POSTGRES_DIALECT

    def __init__(self, raw: asyncpg.Connection | asyncpg.Pool, db: PgDatabase) -> None:
        self.raw = raw
        self._catalog_of = db

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Result:
        return Result(self._execute(sql, tuple(parameters)))

    async def _execute(self, sql: str, parameters: tuple[Any, ...]) -> Cursor:
        db = self._catalog_of
        stmt = self.dialect.translate(sql, db.catalog)
        types = db.param_types.get(stmt.text)
        if types is not None:
            parameters = coerce(parameters, types)
        try:
            return await self._run(stmt, parameters)
        except asyncpg.DataError as exc:
            if types is not None or "invalid input for query argument" not in str(exc):
                raise
        # SQLite takes 5 for a TEXT parameter and "5" for an INTEGER one; PostgreSQL wants
        # the declared type. Learn the statement's parameter types once and convert.
        types = db.param_types[stmt.text] = await self._parameter_types(stmt.text)
        return await self._run(stmt, coerce(parameters, types))

    async def _run(self, stmt: Statement, parameters: tuple[Any, ...]) -> Cursor:
        if stmt.returns_rows:
            rows: list[Row] = list(await self.raw.fetch(stmt.text, *parameters))
            last = int(rows[-1][0]) if stmt.returns_id and rows else None
            return ListCursor(rows, rowcount=len(rows), lastrowid=last)
        status = await self.raw.execute(stmt.text, *parameters)
        return ListCursor([], rowcount=status_rowcount(status))

    async def _parameter_types(self, text: str) -> tuple[str, ...]:
        if isinstance(self.raw, asyncpg.Pool):
            async with self.raw.acquire() as raw:
                prepared = await raw.prepare(text)
        else:
            prepared = await self.raw.prepare(text)
        return tuple(t.name for t in prepared.get_parameters())

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        cur = await self._execute(sql, tuple(parameters))
        return await cur.fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None:
        stmt = self.dialect.translate(sql, self._catalog_of.catalog, many=True)
        await self.raw.executemany(stmt.text, [tuple(p) for p in parameters])


_TEXT_TYPES = {"text", "varchar", "bpchar", "name"}
_INT_TYPES = {"int2", "int4", "int8"}


def coerce(parameters: tuple[Any, ...], types: tuple[str, ...]) -> tuple[Any, ...]:
    """Parameters converted the way SQLite would take them (int <-> text, bool -> int)."""
    out = list(parameters)
    for i, (value, kind) in enumerate(zip(parameters, types, strict=False)):
        if value is None:
            continue
        if kind in _TEXT_TYPES and not isinstance(value, str):
            out[i] = str(int(value)) if isinstance(value, bool) else str(value)
        elif (kind in _INT_TYPES and not isinstance(value, int)) or (
            kind in _INT_TYPES and isinstance(value, bool)
        ):
            out[i] = int(value)
    return tuple(out)


class PgDatabase(ReadsAfterFlush):
    """A pool on one PostgreSQL database; the `Db` the services use when BOT_DATABASE_URL is set."""

    dialect = POSTGRES_DIALECT

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.path = redact(url)
        self.catalog = Catalog()
        #: Statement -> its parameter types, for statements whose values needed converting.
        self.param_types: dict[str, tuple[str, ...]] = {}
        self.conn: Conn = PgConn(pool, self)
        self._deferred: list[tuple[str, tuple[Any, ...]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX
    ) -> PgDatabase:
        """Connect, migrate (under the migration lock) and read the catalog; an unreachable or
        refusing server becomes one StorageError line naming the URL without its password."""
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(redact(url), exc) from None
        db = cls(pool, url)
        try:
            await db.migrate()
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, OSError | asyncpg.PostgresError | asyncpg.InterfaceError):
                raise StorageError(redact(url), exc) from None
            raise
        return db

    async def close(self) -> None:
        await self.flush()
        await self.pool.close()

    async def schema_version(self) -> int:
        row = await self.pool.fetchrow(
            "SELECT to_regclass('schema_version') IS NOT NULL AS present"
        )
        if row is None or not row["present"]:
            return 0
        value = await self.pool.fetchval("SELECT MAX(version) FROM schema_version")
        return int(value or 0)

    async def migrate(self) -> list[int]:
        """Apply the migrations newer than the database, one transaction each, while holding
        the migration lock (a second worker starting meanwhile waits, then applies none)."""
        applied: list[int] = []
        async with self.pool.acquire() as raw:
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await raw.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"
                )
                current = int(await raw.fetchval("SELECT MAX(version) FROM schema_version") or 0)
                for version, description, script in sorted(MIGRATIONS):
                    if version <= current:
                        continue
                    log.info("menerapkan migrasi skema %d: %s", version, description)
                    variant = POSTGRES_VARIANTS.get(version)
                    statements = (
                        _statements(variant)
                        if variant is not None
                        else [self.dialect.migration(s) for s in _statements(script)]
                    )
                    async with raw.transaction():
                        for statement in statements:
                            await raw.execute(statement)
                        await raw.execute("INSERT INTO schema_version VALUES ($1)", version)
                    applied.append(version)
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        await self.load_catalog()
        return applied

    async def load_catalog(self) -> None:
        """Which tables have an identity `id`, and each table's primary key (for translation)."""
        identity = await self.pool.fetch(
            "SELECT table_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND column_name = 'id' AND is_identity = 'YES'"
        )
        keys = await self.pool.fetch(
            "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc"
            " JOIN information_schema.key_column_usage kcu"
            " ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema"
            " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
            " ORDER BY tc.table_name, kcu.ordinal_position"
        )
        primary: dict[str, tuple[str, ...]] = {}
        for row in keys:
            primary[row[0]] = (*primary.get(row[0], ()), row[1])
        self.catalog = Catalog(frozenset(r[0] for r in identity), primary)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """BEGIN ... COMMIT on one pooled connection, rolled back on any error (after the
        deferred statements of this process, so they keep their order)."""
        if self._flusher is not None:
            await self.flush()
        async with self.pool.acquire() as raw, raw.transaction():
            yield PgConn(raw, self)

    # --- SQLite's speed API, made plain (see the module's docstring) ----------------------------

    @property
    def reader(self) -> Conn:
        return self.conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """One read-only transaction for several lookups (one view of the data)."""
        async with (
            self.pool.acquire() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PgConn(raw, self)

    async def write(self, job: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        """`job(conn)` in a transaction of its own; its result once committed."""
        async with self.transaction() as conn:
            return await job(conn)

    def defer(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run a note's statement in the background (its loss in a crash costs nothing)."""
        self._deferred.append((sql, params))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._run_deferred())

    async def _run_deferred(self) -> None:
        try:
            while self._deferred:
                sql, params = self._deferred.pop(0)
                try:
                    await self.conn.execute(sql, params)
                except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("a queued statement failed: %s", exc)
        finally:
            self._flusher = None

    async def flush(self) -> None:
        """Wait until the deferred statements have run."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def start_maintenance(self) -> None:
        """Nothing to do: PostgreSQL checkpoints on its own, off the bot's requests."""

    @asynccontextmanager
    async def bulk_writes(self) -> AsyncIterator[None]:
        """Nothing to tune: PostgreSQL's shared buffers serve every connection."""
        yield

    async def stop_maintenance(self) -> None:
        """Nothing to stop."""

    async def backup(self, dest: Path | str) -> None:
        """Not here: `python -m bot backup` sends the operator to pg_dump before calling this."""
        raise NotImplementedError("PostgreSQL is backed up with pg_dump")
