"""Copy a SQLite database into an empty PostgreSQL database, then prove the copy.

Used by `python -m bot migrate-db --to postgresql://...`. The target is migrated by the same
numbered migrations first, so it has every table; it must hold no rows. Tables are copied
parents first (foreign keys), in one transaction, with PostgreSQL's COPY. A table without an
`id` gets SQLite's rowid as its `rowid` column (insertion order, see driver.py). Identity
sequences then continue after the largest id copied.

Each table is verified on both sides: the number of rows, and a checksum that does not depend
on row order (the sum of a SHA-256 per row, modulo 2^256, over the same columns).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.storage.db import Database
from bot.storage.pg import PgDatabase

_MOD = 1 << 256
#: Rows read from SQLite and handed to COPY at a time.
_BATCH = 20_000


@dataclass(frozen=True, slots=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


class TargetNotEmpty(Exception):
    """The PostgreSQL database already holds rows (table named)."""

    def __init__(self, table: str, rows: int) -> None:
        super().__init__(f"{table}: {rows}")
        self.table = table
        self.rows = rows


def _row_hash(row: Iterable[Any]) -> int:
    parts = []
    for value in row:
        if value is None:
            parts.append("\x00")
        elif isinstance(value, bool):
            parts.append(str(int(value)))
        elif isinstance(value, float):
            parts.append(repr(value))
        else:
            parts.append(str(value))
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest(), "big")


async def _tables_in_order(src: Database) -> list[str]:
    """SQLite's tables, each after the tables it references."""
    rows = await src.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    names = [r[0] for r in rows]
    parents: dict[str, set[str]] = {}
    for name in names:
        refs = await src.fetchall(f"PRAGMA foreign_key_list({name})")
        parents[name] = {r["table"] for r in refs if r["table"] != name}
    ordered: list[str] = []
    while len(ordered) < len(names):
        for name in names:
            if name not in ordered and parents[name] <= set(ordered):
                ordered.append(name)
                break
        else:  # a cycle: keep the rest in name order (COPY checks constraints per row anyway)
            ordered.extend(n for n in names if n not in ordered)
    return ordered


async def _columns(src: Database, target: asyncpg.Connection, table: str) -> tuple[str, list[str]]:
    """(SQLite select list, PostgreSQL column names) of one table, the same columns in order."""
    info = await src.fetchall(f"PRAGMA table_info({table})")
    names = [r["name"] for r in info]
    target_cols = {
        r[0]
        for r in await target.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1",
            table,
        )
    }
    if "rowid" in target_cols and "rowid" not in names:
        return ", ".join(["rowid", *names]), ["rowid", *names]
    return ", ".join(names), names


async def copy_database(
    src: Database,
    dest: PgDatabase,
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCheck]:
    """Copy every table of `src` into the empty `dest`, then verify; one check per table."""
    tables = await _tables_in_order(src)
    async with dest.pool.acquire() as target:
        for table in tables:
            rows = await target.fetchval(f"SELECT COUNT(*) FROM {table}")
            if rows:
                raise TargetNotEmpty(table, int(rows))
        async with target.transaction():
            for table in tables:
                select, columns = await _columns(src, target, table)
                copied = 0
                async with src.raw.execute(f"SELECT {select} FROM {table}") as cur:
                    while batch := list(await cur.fetchmany(_BATCH)):
                        await target.copy_records_to_table(
                            table, records=[tuple(r) for r in batch], columns=columns
                        )
                        copied += len(batch)
                        if progress is not None:
                            progress(table, copied)
            await _continue_sequences(target, tables)
        checks = []
        for table in tables:
            checks.append(await _check(src, target, table))
    return checks


async def _continue_sequences(target: asyncpg.Connection, tables: list[str]) -> None:
    identity = await target.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identity:
        if table in tables:
            await target.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )


async def _check(src: Database, target: asyncpg.Connection, table: str) -> TableCheck:
    select, columns = await _columns(src, target, table)
    source_rows, source_sum = 0, 0
    async with src.raw.execute(f"SELECT {select} FROM {table}") as cur:
        while batch := list(await cur.fetchmany(_BATCH)):
            source_rows += len(batch)
            source_sum = (source_sum + sum(_row_hash(r) for r in batch)) % _MOD
    target_rows, target_sum = 0, 0
    async with target.transaction():
        cursor = target.cursor(f"SELECT {', '.join(columns)} FROM {table}", prefetch=_BATCH)
        async for record in cursor:
            target_rows += 1
            target_sum = (target_sum + _row_hash(record)) % _MOD
    return TableCheck(
        table=table,
        source_rows=source_rows,
        target_rows=target_rows,
        source_sum=f"{source_sum:064x}"[:16],
        target_sum=f"{target_sum:064x}"[:16],
    )
