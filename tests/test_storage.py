"""Storage: migrations from empty and on a second start, the secret key, online backup."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from bot.domain.privacy import Hasher, load_or_create_key, mask_name, mask_nik
from bot.storage import Database
from bot.storage.schema import MIGRATIONS

EXPECTED_TABLES = {
    "records",
    "status_history",
    "chats",
    "subscriptions",
    "verify_attempts",
    "staff",
    "audit_log",
    "broadcasts",
    "outbox",
    "settings",
    "imports",
}


async def test_migrations_from_empty_then_second_start_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    latest = max(v for v, _, _ in MIGRATIONS)
    assert await db.schema_version() == latest
    tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= EXPECTED_TABLES
    mode = await db.fetchone("PRAGMA journal_mode")
    assert mode[0] == "wal"
    fk = await db.fetchone("PRAGMA foreign_keys")
    assert fk[0] == 1
    await db.close()

    again = await Database.open(path)
    assert await again.migrate() == []
    assert await again.schema_version() == latest
    await again.close()


async def test_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert await db.fetchone("SELECT * FROM settings WHERE key = 'a'") is None
    await db.close()


def test_secret_key_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "secret.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_key(path) == key
    nik = "1605011001900012"
    assert Hasher(key).nik(nik) == Hasher(load_or_create_key(path)).nik(nik)
    assert Hasher(key).nik(nik) != Hasher(key).kk(nik)
    assert nik not in Hasher(key).nik(nik)


def test_masks_show_only_what_a_reply_may_show() -> None:
    assert mask_nik("1605011001900012") == "1605••••••••0012"
    assert mask_name("Siti Aminah binti Ahmad") == "S••• A••• B••• A•••"
    assert mask_name("") == ""


async def test_backup_command_copies_a_consistent_database(tmp_path: Path) -> None:
    db_path = tmp_path / "live.sqlite3"
    db = await Database.open(db_path)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO settings (key, value) VALUES ('blanko_stock', '6000')")
    dest = tmp_path / "backup" / "copy.sqlite3"
    env = {**os.environ, "BOT_DB_PATH": str(db_path), "BOT_SECRET_KEY_FILE": str(tmp_path / "k")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    await db.close()
    assert done.returncode == 0, done.stderr
    assert "Backup selesai" in done.stdout
    copy = await Database.open(dest)
    row = await copy.fetchone("SELECT value FROM settings WHERE key = 'blanko_stock'")
    assert row[0] == "6000"
    await copy.close()


async def test_a_transaction_cancelled_at_its_start_leaves_the_connection_usable(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
            await asyncio.sleep(10)

    for delay in (0, 0.001, 0.01):
        task = asyncio.create_task(write())
        await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def write_b() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")

    await asyncio.wait_for(write_b(), timeout=5)  # a stuck connection fails instead of hanging
    rows = await db.fetchall("SELECT key FROM settings")
    assert [r[0] for r in rows] == ["b"]
    await db.close()


def test_migration_numbers_only_grow_in_the_order_they_are_written() -> None:
    # A database already at version N skips every migration numbered N or less: a new one
    # slipped in below the highest number would never reach an upgraded office's database.
    numbers = [version for version, _, _ in MIGRATIONS]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), numbers


async def test_a_database_of_the_first_version_is_upgraded_with_every_later_table(
    tmp_path: Path,
) -> None:
    # The first version's database stood at migration 40: build exactly that, then open it.
    path = tmp_path / "old.sqlite3"
    first_version = [m for m in MIGRATIONS if m[0] <= 40]
    conn = sqlite3.connect(path)
    for version, _, script in first_version:
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        assert await db.schema_version() == max(m[0] for m in MIGRATIONS)
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert "staff_steps" in {row[0] for row in rows}
    finally:
        await db.close()
