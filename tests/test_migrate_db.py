"""`python -m bot migrate-db --to postgresql://...`: a SQLite office moves to PostgreSQL.

A bot on SQLite with records, a resident who follows two NIKs with labels, a staff change in
the audit log and an announcement in the outbox is stopped; `migrate-db` copies it into an
empty PostgreSQL database and says per table that counts and checksums match. The same key
then finds the same records there, the resident's list keeps its order, and ids go on after
the largest copied. A second run refuses: the target is no longer empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from conftest import RESIDENT_ID, pg_or_skip, start_env
from resident_support import KK, NIK, add_record, check, kk_of, nik_of

from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import subscriptions as subscriptions_store


def _migrate(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
        BOT_SECRET_KEY_FILE=str(tmp_path / "secret.key"),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "migrate-db", "--to", url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_sqlite_office_moves_to_postgresql_without_loss(tmp_path: Path) -> None:
    server = pg_or_skip()
    env = await start_env(tmp_path)  # SQLite
    resident = env.api.user(RESIDENT_ID, "Siti")
    await add_record(env)
    second = await add_record(
        env, nik_of(7), kk_of(7), status=KtpStatus.PRINT_READY_RECORD, since=date(2026, 10, 1)
    )
    await check(resident)
    await check(resident, nik_of(7), kk_of(7))
    async with env.services.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, RESIDENT_ID, second, env.clock.now())
        await audit_store.add(
            conn,
            now=env.clock.now(),
            actor_id=3003,
            action="ubah_status",
            target="1605••••••••0012",
            old="A",
            new="B",
        )
    before = [
        s.record.id for s in await subscriptions_store.for_chat(env.services.db.conn, RESIDENT_ID)
    ]
    await env.close()

    url = await server.new_database(migrated=False)
    done = _migrate(tmp_path, url)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "records: 2 baris, cocok" in done.stdout
    assert "audit_log: " in done.stdout and "TIDAK" not in done.stdout
    assert "Selesai" in done.stdout and "cocok" in done.stdout

    pg_env = await start_env(tmp_path, database_url=url)  # the same key file
    try:
        resident = pg_env.api.user(RESIDENT_ID, "Siti")
        after = [
            s.record.id
            for s in await subscriptions_store.for_chat(pg_env.services.db.conn, RESIDENT_ID)
        ]
        assert after == before
        reply = await check(resident, NIK, KK)
        assert "1605••••••••0012" in reply
        fresh = await add_record(pg_env, nik_of(9), kk_of(9))
        assert fresh == 3  # ids go on after the copied ones
    finally:
        await pg_env.close()

    again = _migrate(tmp_path, url)
    assert again.returncode == 1 and "tidak kosong" in again.stderr
