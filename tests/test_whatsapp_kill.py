"""A WhatsApp broadcast and a `kill -9`: `python -m bot run` (Telegram polling `local_api` over
HTTP, WhatsApp configured against the Cloud API double over HTTP) sends an announcement to a
few hundred WhatsApp contacts who chose announcements, half inside their 24-hour window (a
message), half outside it (the template). Mid-broadcast the process is killed with SIGKILL and
started again: every contact gets the announcement, at most one of them twice (the messages
the killed process had handed to the Cloud API but not yet marked sent). On SQLite and on
PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import test_settings
from test_run_over_http import _bot_env, _start_bot
from whatsapp_double import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, CloudApiDouble

from bot.local_api import LocalBotApiServer
from bot.storage import Db
from bot.storage import broadcasts as broadcasts_store
from bot.storage import chats as chats_store
from bot.storage.chats import OTHER_CHANNELS_BELOW

CONTACTS = 300
PER_SECOND = 60  # BOT_WHATSAPP_PER_SECOND: the broadcast takes about 5 s
KILL_AFTER = 80  # messages the double has accepted when the process is killed
TIMEOUT = 120.0


def _address(n: int) -> str:
    return f"62812{n:08d}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(db: Db) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        for n in range(CONTACTS):
            contact = OTHER_CHANNELS_BELOW - 1 - n
            assert await chats_store.add_contact(conn, contact, "whatsapp", _address(n), now)
            wrote = now - timedelta(hours=2 if n % 2 == 0 else 40)
            await chats_store.note_inbound(conn, contact, wrote)
        await conn.execute("UPDATE chats SET announcements = 1 WHERE channel = 'whatsapp'")
        _, queued = await broadcasts_store.create(
            conn,
            created_by=1,
            text="Kantor Disdukcapil <b>tutup</b> hari Jumat.",
            audience=broadcasts_store.Audience(broadcasts_store.ALL),
            now=now,
            send_now=True,
            progress_chat_id=None,
            progress_message_id=None,
        )
    assert queued == CONTACTS


async def _until(what: str, check, proc: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the bot exited before {what}:\n{log.read_text()[-3000:]}")
        assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s:\n{log.read_text()}"
        await asyncio.sleep(0.05)


async def _broadcast_state(db: Db) -> str:
    async with db.snapshot() as conn:
        broadcast = await broadcasts_store.get(conn, 1)
    return broadcast.state if broadcast else ""


async def test_a_kill_9_during_a_whatsapp_broadcast_loses_nothing(
    tmp_path: Path, any_db: Db, db_backend: str | None
) -> None:
    await _seed(any_db)
    settings = test_settings(tmp_path)
    front = LocalBotApiServer()
    front.start()
    procs: list[subprocess.Popen[bytes]] = []
    async with CloudApiDouble() as double:
        env = _bot_env(tmp_path, front.url)
        env.update(
            BOT_DB_PATH=str(settings.db_path),
            BOT_SECRET_KEY_FILE=str(settings.secret_key_file),
            WHATSAPP_TOKEN=TOKEN,
            WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
            WHATSAPP_APP_SECRET=APP_SECRET,
            WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
            WHATSAPP_API_URL=double.url,
            BOT_WHATSAPP_PORT=str(_free_port()),
            BOT_WHATSAPP_PER_SECOND=str(PER_SECOND),
        )
        if db_backend:
            env["BOT_DATABASE_URL"] = db_backend
        try:
            log = tmp_path / "bot.log"
            proc = _start_bot(tmp_path, env, log)
            procs.append(proc)
            await _until("sending", lambda: len(double.sent) >= KILL_AFTER, proc, log)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            sent_before = len(double.sent)
            assert sent_before < CONTACTS, "the broadcast was over before the kill"

            log2 = tmp_path / "bot-again.log"
            env["BOT_WHATSAPP_PORT"] = str(_free_port())
            again = _start_bot(tmp_path, env, log2)
            procs.append(again)

            def everyone_has_it() -> bool:
                return len({r.body["to"] for r in double.sent}) == CONTACTS

            await _until("every contact served", everyone_has_it, again, log2)
            deadline = time.monotonic() + 30
            while await _broadcast_state(any_db) != broadcasts_store.DONE:
                assert time.monotonic() < deadline, log2.read_text()[-3000:]
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # nothing more may arrive
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
            front.stop()
        sent = [r.body for r in double.sent]
        arrivals = sorted(r.at for r in double.sent)
        refused = list(double.refused)

    assert refused == []
    counts = Counter(body["to"] for body in sent)
    assert set(counts) == {_address(n) for n in range(CONTACTS)}  # nobody lost
    assert max(counts.values()) <= 2  # at most the one copy the killed process had on its way
    by_type = Counter(
        body["type"] for body in {body["to"]: body for body in sent}.values()
    )  # one per contact
    assert by_type == {"text": CONTACTS // 2, "template": CONTACTS // 2}
    async with any_db.snapshot() as conn:
        figures = await broadcasts_store.figures(conn, 1)
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM outbox WHERE wamid IS NOT NULL AND state = 'sent'"
        )
    assert (figures.sent, figures.whatsapp_sent, figures.pending) == (CONTACTS, CONTACTS, 0)
    assert rows[0][0] == CONTACTS
    busiest, start = 0, 0  # never more than BOT_WHATSAPP_PER_SECOND in any one second
    for end, t in enumerate(arrivals):
        while t - arrivals[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    assert busiest <= PER_SECOND * 1.1 + 1, f"{busiest} messages in one second"
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\n{len(sent)} messages to {CONTACTS} contacts; {sent_before} before the kill;"
        f" {duplicates} repeated; busiest second {busiest}"
    )
