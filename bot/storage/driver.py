"""The seam between the storage modules and a database driver: one `Conn` for both databases.

Storage modules write their SQL once, in SQLite's spelling with `?` placeholders, and run it
through a `Conn`:

    async with conn.execute("SELECT status FROM records WHERE id = ?", (record_id,)) as cur:
        row = await cur.fetchone()          # row["status"] or row[0]
    rows = await conn.execute_fetchall(sql, params)   # every row, in one trip
    cur = await conn.execute("UPDATE ... WHERE id = ?", (record_id,))
    cur.rowcount, cur.lastrowid             # rows changed; id of the row an INSERT added
    await conn.executemany(sql, rows)

`SqliteConn` wraps the aiosqlite connection (the writer, on its own thread). `SqliteSyncConn`
wraps a plain sqlite3 connection used on the thread that runs the code: the event loop's
read-only connection (`Database.snapshot()`), and the writer's own connection inside a group
commit (`Database.write`); its statements run inside the `await`, which never suspends, so the
same async storage functions serve both without a trip to another thread (`run_now` drives
such a coroutine on the writer's thread). `PgConn` (bot/storage/pg.py) wraps an asyncpg
connection or pool and hands every statement to `Dialect.translate` first. The few places
where the dialects differ are named there, in `POSTGRES.translate`, and nowhere else:

- `?` placeholders become `$1, $2, ...`;
- `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`, `INSERT OR REPLACE` an
  upsert on the table's primary key;
- an INSERT into a table with an `id` identity column gets `RETURNING id`, so `lastrowid`
  works as on SQLite;
- `IFNULL(` becomes `COALESCE(`;
- `INTEGER` becomes `BIGINT` (Telegram ids do not fit PostgreSQL's 32-bit integer); in a
  migration `AUTOINCREMENT` and `WITHOUT ROWID` are dropped, `id INTEGER PRIMARY KEY` becomes
  an identity column, and a table without one gets a `rowid` column, as every SQLite table
  has.

What cannot be translated (PRAGMA, SQLite's backup API, reading the file from a thread) is
asked of `conn.dialect.name` by the one function that needs it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Coroutine, Generator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiosqlite

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

T = TypeVar("T")


class Row(Protocol):
    """A result row: by column name or position, iterable, like sqlite3.Row and asyncpg.Record."""

    def __getitem__(self, key: Any, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Any: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    @property
    def lastrowid(self) -> int | None: ...
    async def fetchone(self) -> Row | None: ...
    async def fetchall(self) -> list[Row]: ...


class Conn(Protocol):
    """What a storage function may do with its connection (aiosqlite's shape)."""

    @property
    def dialect(self) -> Dialect: ...
    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Result: ...
    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]: ...
    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None: ...


class Db(Protocol):
    """A database either driver opens (bot.storage.db.Database, bot.storage.pg.PgDatabase)."""

    @property
    def conn(self) -> Conn: ...
    @property
    def dialect(self) -> Dialect: ...
    @property
    def path(self) -> Path | str: ...
    @property
    def reader(self) -> Conn: ...
    def transaction(self) -> AbstractAsyncContextManager[Conn]: ...
    def snapshot(self) -> AbstractAsyncContextManager[Conn]: ...
    async def write(self, job: Callable[[Conn], Coroutine[Any, Any, T]]) -> T: ...
    def defer(self, sql: str, params: tuple[Any, ...] = ()) -> None: ...
    async def flush(self) -> None: ...
    async def start_maintenance(self) -> None: ...
    async def stop_maintenance(self) -> None: ...
    def bulk_writes(self) -> AbstractAsyncContextManager[None]: ...
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...
    async def schema_version(self) -> int: ...
    async def migrate(self) -> list[int]: ...
    async def backup(self, dest: Path | str) -> None: ...
    async def close(self) -> None: ...


class ReadsAfterFlush:
    """`fetchone`/`fetchall` of both databases: they first wait for what was queued to be
    written (`flush`), so a read sees every write made before it."""

    conn: Conn

    async def flush(self) -> None:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """One row, after everything queued so far is written (reads what was written)."""
        await self.flush()
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row, after everything queued so far is written (reads what was written)."""
        await self.flush()
        return await self.conn.execute_fetchall(sql, tuple(params))


class Result:
    """What `Conn.execute` returns: await it for the cursor, or use it in `async with`."""

    __slots__ = ("_coro", "_cursor")

    def __init__(self, coro: Coroutine[Any, Any, Cursor]) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._coro

    async def __aexit__(self, *exc: object) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ListCursor:
    """A finished statement's rows and counts (what the PostgreSQL adapter returns)."""

    rows: list[Row] = field(default_factory=list)
    rowcount: int = -1
    lastrowid: int | None = None

    async def fetchone(self) -> Row | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[Row]:
        return self.rows


class _CursorCounts:
    """What an aiosqlite and a sqlite3 cursor tell alike: rows changed, the id inserted."""

    __slots__ = ("_cur",)

    def __init__(self, cur: aiosqlite.Cursor | sqlite3.Cursor) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cur.lastrowid


class _SqliteCursor(_CursorCounts):
    __slots__ = ()
    _cur: aiosqlite.Cursor

    async def fetchone(self) -> Row | None:
        row: Row | None = await self._cur.fetchone()
        return row

    async def fetchall(self) -> list[Row]:
        return list(await self._cur.fetchall())


# --- dialects ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a translation cache key
class Catalog:
    """What the PostgreSQL translation needs to know about the tables (read after migrating)."""

    identity_tables: frozenset[str] = frozenset()  # tables with an `id` identity column
    primary_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    returns_rows: bool
    returns_id: bool = False  # RETURNING id was added: lastrowid is the last row's first value


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str

    @property
    def is_sqlite(self) -> bool:
        return self.name == SQLITE

    def translate(self, sql: str, catalog: Catalog | None = None, many: bool = False) -> Statement:
        """The statement as this database wants it (SQLite: unchanged). `many`: for
        executemany, which returns no rows (so no RETURNING id is added)."""
        if self.is_sqlite:
            return Statement(sql, returns_rows=True)
        return _pg_cached(sql, catalog or _EMPTY, many)

    def indexed_by(self, index: str) -> str:
        """SQLite's `INDEXED BY` (the plan a query was built for); PostgreSQL plans alone."""
        return f" INDEXED BY {index}" if self.is_sqlite else ""

    def skip_locked(self, table_alias: str) -> str:
        """The clause that claims a SELECT's rows for this transaction, skipping rows another
        transaction holds (SQLite: nothing; its writers take turns anyway)."""
        return "" if self.is_sqlite else f" FOR UPDATE OF {table_alias} SKIP LOCKED"

    @property
    def row_address(self) -> str:
        """The column that names one row of any table, for `DELETE ... WHERE <it> IN (SELECT
        <it> ... LIMIT n)`: SQLite's rowid, PostgreSQL's ctid (found without an index)."""
        return "rowid" if self.is_sqlite else "ctid"

    def migration(self, script_statement: str) -> str:
        """A migration statement as this database wants it (DDL types, identity, rowid)."""
        if self.is_sqlite:
            return script_statement
        return _pg_ddl(script_statement)


SQLITE_DIALECT = Dialect(SQLITE)
POSTGRES_DIALECT = Dialect(POSTGRESQL)


class SqliteConn:
    """An aiosqlite connection seen through `Conn` (`raw` for what only SQLite has)."""

    __slots__ = ("raw",)
    dialect = SQLITE_DIALECT

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Result:
        return Result(self._execute(sql, tuple(parameters)))

    async def _execute(self, sql: str, parameters: tuple[Any, ...]) -> Cursor:
        return _SqliteCursor(await self.raw.execute(sql, parameters))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        return list(await self.raw.execute_fetchall(sql, tuple(parameters)))

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None:
        await self.raw.executemany(sql, parameters)


class SqliteSyncConn:
    """A plain sqlite3 connection seen through `Conn`, for code on the thread that owns it:
    each statement runs at once, inside an `await` that never suspends."""

    __slots__ = ("raw",)
    dialect = SQLITE_DIALECT

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Result:
        return Result(self._execute(sql, tuple(parameters)))

    async def _execute(self, sql: str, parameters: tuple[Any, ...]) -> Cursor:
        return _SyncCursor(self.raw.execute(sql, parameters))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        return self.raw.execute(sql, tuple(parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None:
        self.raw.executemany(sql, (tuple(p) for p in parameters))


class _SyncCursor(_CursorCounts):
    __slots__ = ()
    _cur: sqlite3.Cursor

    async def fetchone(self) -> Row | None:
        row: Row | None = self._cur.fetchone()
        return row

    async def fetchall(self) -> list[Row]:
        return self._cur.fetchall()


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (storage code on a `SqliteSyncConn`),
    computed on this thread; one that does suspend is a bug, and is closed and refused."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise RuntimeError("a job on a SQLite connection awaited something else than its statements")


# --- PostgreSQL translation -------------------------------------------------------------------

_INSERT = re.compile(
    r"^\s*INSERT\s+(?:OR\s+(?P<mode>IGNORE|REPLACE)\s+)?INTO\s+(?P<table>\w+)"
    r"\s*(?:\((?P<cols>[^)]*)\))?",
    re.IGNORECASE,
)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_ROWS_FIRST_WORD = {"SELECT", "WITH", "VALUES", "SHOW", "EXPLAIN"}
_STATUS_COUNT = re.compile(r"(\d+)$")


def _placeholders(sql: str) -> str:
    """`?` -> `$1, $2, ...` outside quoted strings and identifiers."""
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


_INTEGER = re.compile(r"\bINTEGER\b")
_IFNULL = re.compile(r"\bIFNULL\(", re.IGNORECASE)


_EMPTY = Catalog()


@lru_cache(maxsize=4096)
def _pg_cached(sql: str, catalog: Catalog, many: bool) -> Statement:
    text = _IFNULL.sub("COALESCE(", _INTEGER.sub("BIGINT", sql))
    returns_id = False
    insert = _INSERT.match(text)
    if insert is not None:
        mode = (insert.group("mode") or "").upper()
        table = insert.group("table")
        head = f"INSERT INTO {table}" + (
            f" ({insert.group('cols')})" if insert.group("cols") else ""
        )
        text = head + text[insert.end() :]
        returning = _RETURNING.search(text)
        body, tail = (
            (text[: returning.start()], text[returning.start() :]) if returning else (text, "")
        )
        if mode == "IGNORE":
            body = body.rstrip() + " ON CONFLICT DO NOTHING "
        elif mode == "REPLACE":
            body = body.rstrip() + " " + _upsert_clause(table, insert.group("cols"), catalog) + " "
        if not tail and not many and table in catalog.identity_tables:
            tail, returns_id = "RETURNING id", True
        text = f"{body.rstrip()} {tail}".strip()
        rows = bool(tail)
    else:
        first = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
        rows = first in _ROWS_FIRST_WORD or bool(_RETURNING.search(text))
    return Statement(_placeholders(text), returns_rows=rows, returns_id=returns_id)


def _upsert_clause(table: str, cols: str | None, catalog: Catalog) -> str:
    keys = catalog.primary_keys.get(table)
    if not keys or not cols:
        raise ValueError(f"INSERT OR REPLACE INTO {table}: columns and primary key needed")
    names = [c.strip() for c in cols.split(",")]
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in keys)
    target = ", ".join(keys)
    return f"ON CONFLICT ({target}) DO UPDATE SET {sets}" if sets else "ON CONFLICT DO NOTHING"


_ID_PK = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s*\(", re.IGNORECASE)


_SQLITE_ONLY_WORDS = re.compile(r"\s+(?:AUTOINCREMENT\b|WITHOUT\s+ROWID\b)", re.IGNORECASE)


def _pg_ddl(statement: str) -> str:
    """A migration statement for PostgreSQL: identity ids, BIGINT, a rowid for id-less tables."""
    statement = _SQLITE_ONLY_WORDS.sub("", statement)
    text = _ID_PK.sub("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", statement)
    create = _CREATE_TABLE.match(text)
    if create is not None and not _ID_PK.search(statement):
        # Every SQLite table has a rowid (insertion order); queries may order by it.
        text = (
            text[: create.end()]
            + " rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,"
            + text[create.end() :]
        )
    text = _INTEGER.sub("BIGINT", text)
    return text.replace(" REAL", " DOUBLE PRECISION").replace(" BLOB", " BYTEA")


def status_rowcount(status: str) -> int:
    """The row count in a PostgreSQL command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    found = _STATUS_COUNT.search(status or "")
    return int(found.group(1)) if found else -1


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
