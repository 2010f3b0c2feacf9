"""BOT_IMPORT_DIR for real: `python -m bot run` (polling `local_api` over HTTP) is fed through
its folder as an office's copy job feeds it (`NAME.part`, then a rename), then killed with
`kill -9` in the middle of a big file; the next start imports that file again: every row once,
no resident told twice, the desk told once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import test_settings
from test_run_over_http import _bot_env, _start_bot

from bot.local_api import LocalBotApiServer
from bot.storage import Db

ADMIN = 3003
PEOPLE = 12_000
SUBSCRIBERS = 400
STAMP = "2026-11-01T00:00:00+00:00"
TIMEOUT = 120.0


def _env(tmp_path: Path, url: str, folder: Path, database_url: str | None) -> dict[str, str]:
    settings = test_settings(tmp_path)
    env = _bot_env(tmp_path, url)
    env.update(
        BOT_DB_PATH=str(settings.db_path),
        BOT_SECRET_KEY_FILE=str(settings.secret_key_file),
        BOT_IMPORT_DIR=str(folder),
        BOT_ADMIN_IDS=str(ADMIN),
    )
    if database_url:
        env["BOT_DATABASE_URL"] = database_url
    return env


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _until(what: str, check, proc: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not await check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the bot exited before {what}:\n{log.read_text()}")
        assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s:\n{log.read_text()}"
        await asyncio.sleep(0.1)


def _drop(folder: Path, name: str, content: bytes) -> None:
    """As rsync or a copy job does: write NAME.part, then rename it when complete."""
    part = folder / f"{name}.part"
    part.write_bytes(content)
    os.replace(part, folder / name)


async def test_a_folder_fed_while_the_bot_runs_and_a_kill_9_mid_file(
    tmp_path: Path, any_db: Db, db_backend: str | None
) -> None:
    settings_url = db_backend
    folder = tmp_path / "impor"
    folder.mkdir()
    front = LocalBotApiServer()
    front.start()
    try:
        env = _env(tmp_path, front.url, folder, settings_url)
        full = _cli(env, tmp_path, "sample-data", "--count", str(PEOPLE), "--seed", "3")
        rows = list(csv.reader(io.StringIO(full)))
        header, body = rows[0], rows[1:]
        firsts: dict[str, list[str]] = {}
        for row in body:
            firsts.setdefault(row[0], row)
        small = io.StringIO()
        csv.writer(small, lineterminator="\n").writerows([header, *firsts.values()])
        base = tmp_path / "awal.csv"
        base.write_text(small.getvalue(), encoding="utf-8")
        _cli(env, tmp_path, "import", str(base))
        async with any_db.transaction() as conn:
            ids = [r[0] for r in await conn.execute_fetchall("SELECT id FROM records ORDER BY id")]
            for n, record_id in enumerate(ids[:: len(ids) // SUBSCRIBERS][:SUBSCRIBERS]):
                chat = 50_000 + n
                await conn.execute(
                    "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)"
                    " VALUES (?, 'private', ?, ?)",
                    (chat, STAMP, STAMP),
                )
                await conn.execute(
                    "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (?, ?, ?)",
                    (chat, record_id, STAMP),
                )

        log = tmp_path / "bot.log"
        proc = _start_bot(tmp_path, env, log)
        try:
            # 1. A small file, copied as rsync does: imported, moved, reported at the desk.
            small_day = f"{','.join(header)}\n{','.join(body[0])}\n".encode()
            _drop(folder, "01-pagi.csv", small_day)

            async def small_done() -> bool:
                return (folder / "selesai" / "01-pagi.csv.laporan.txt").exists()

            await _until("the first file", small_done, proc, log)

            def desk_about(name: str) -> int:
                return front.read(lambda: sum(name in m.plain for m in front.api.messages(ADMIN)))

            async def told(name: str) -> bool:
                return desk_about(name) >= 1

            await _until("the desk's message", lambda: told("01-pagi.csv"), proc, log)

            # 2. The whole export: killed in the middle of it.
            _drop(folder, "02-lengkap.csv", full.encode())

            async def mid_file() -> bool:
                row = await any_db.fetchone(
                    "SELECT rows_read FROM imports WHERE finished_at IS NULL"
                    " ORDER BY id DESC LIMIT 1"
                )
                return row is not None and row[0] >= 20_000

            await _until("the middle of the big file", mid_file, proc, log)
            proc.kill()  # kill -9
            proc.wait(15)
            assert (folder / "02-lengkap.csv").exists()  # still there: not done
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(15)

        # 3. The next start imports it again, once.
        proc = _start_bot(tmp_path, env, log)
        try:

            async def big_done() -> bool:
                return (folder / "selesai" / "02-lengkap.csv").exists()

            await _until("the big file after the restart", big_done, proc, log)
            await _until("the desk's message", lambda: told("02-lengkap.csv"), proc, log)

            async def all_sent() -> bool:
                row = await any_db.fetchone("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
                return row[0] == 0

            await _until("every message sent", all_sent, proc, log)
            await asyncio.sleep(1.5)  # a message told twice would come now
        finally:
            proc.kill()
            proc.wait(15)
        output = log.read_text()
        assert "Traceback" not in output, output
        assert desk_about("02-lengkap.csv") == 1 and desk_about("01-pagi.csv") == 1
        report = (folder / "selesai" / "02-lengkap.csv.laporan.txt").read_text()
        assert "dilanjutkan" in report
        # Every row once: importing the file again changes nothing.
        again = _cli(env, tmp_path, "import", str(folder / "selesai" / "02-lengkap.csv"))
        assert "Baru: 0 " in again and "Berubah: 0 " in again and "Ditolak: 0" in again, again
        # Each resident's news once (a message on its way at the kill may repeat: at most one).
        queued = await any_db.fetchall("SELECT chat_id FROM outbox WHERE kind = 'status'")
        assert len(queued) >= 5  # the file moved some of them into news
        sent = Counter(m.chat_id for m in front.sent_messages() if m.chat_id >= 50_000)
        expected = Counter(row[0] for row in queued)
        assert sum(sent.values()) - sum(expected.values()) <= 1, (sent, expected)
        assert set(sent) == set(expected)
    finally:
        front.stop()
