"""One sender, provably: the dispatcher's lock cut, PostgreSQL restarted, the sender paused.

Two `python -m bot run` workers share one PostgreSQL database and one Bot API server
(`bot.local_api.LocalBotApiServer`), as in `test_workers.py`. A 3,000-chat announcement is
under way when a fault strikes the worker that sends it:

- its lock's connection is cut (`pg_terminate_backend`);
- the whole server restarts (`pg_ctl restart` of a cluster of the test's own);
- the worker is paused (SIGSTOP) for longer than the lock lives (`LOCK_LIFE_MS`), then
  woken (SIGCONT).

The announcement must still reach every chat, with at most one copy repeated per chat (what the
deposed sender had already handed over); then a second announcement, with no fault at all,
must reach every chat exactly once (the bug this reproduces: after a restart both workers kept
sending, for good). In no second do the workers together send more than the configured rate
(`BOT_OUTBOX_PER_SECOND`).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from conftest import pg_or_skip, test_settings
from pg_support import PgServer, _bindir
from test_workers import _free_port, _leader_pid, _wait, _worker_env, max_in_any_second

from bot.local_api import LocalBotApiServer
from bot.services import leader
from bot.services.container import Services
from bot.storage import broadcasts

RATE = 250.0  # BOT_OUTBOX_PER_SECOND of the workers (see test_workers.py for the time scale)
CHATS = 3000
WORKERS = 2
FIRST_CHAT = 200_000
#: What a deposed sender may have had on its way: at most its in-flight rows
#: (bot.handlers.dispatcher.Limits.max_in_flight).
MAX_IN_FLIGHT = 60


def _sends(telegram: LocalBotApiServer, since: float = 0.0) -> list[tuple[float, int]]:
    return [
        (m.arrived, m.chat_id)
        for m in telegram.sent_messages()
        if m.method == "sendMessage" and m.arrived > since
    ]


async def _announce(tmp_path: Path, url: str, *, make_chats: bool) -> int:
    """Queue an announcement to every chat (making the chats the first time); its id."""
    services = await Services.open(test_settings(tmp_path, database_url=url))
    try:
        now = services.clock.now()
        stamp = now.isoformat()
        async with services.db.transaction() as conn:
            if make_chats:
                await conn.executemany(
                    "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)"
                    " VALUES (?, 'private', ?, ?)",
                    [(FIRST_CHAT + i, stamp, stamp) for i in range(CHATS)],
                )
            broadcast_id, queued = await broadcasts.create(
                conn,
                created_by=1,
                text="Kantor tutup hari Jumat.",
                audience=broadcasts.Audience(broadcasts.ALL),
                now=now,
                send_now=True,
                progress_chat_id=None,
                progress_message_id=None,
            )
        assert queued == CHATS
        return broadcast_id
    finally:
        await services.close()


async def _fetchval(url: str, sql: str, *args: object) -> object:
    for attempt in range(40):  # the server may be restarting
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError):
            if attempt == 39:
                raise
            await asyncio.sleep(0.25)
            continue
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()
    raise AssertionError("unreachable")


def _state(url: str, broadcast_id: int) -> str:
    sql = "SELECT state FROM broadcasts WHERE id = $1"
    return str(asyncio.run(_fetchval(url, sql, broadcast_id)))


def _cut_lock_connection(url: str) -> None:
    """Kill the session that holds the dispatcher lock (as a network cut or a DBA would)."""
    killed = asyncio.run(
        _fetchval(
            url,
            "SELECT COUNT(pg_terminate_backend(l.pid)) FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            " AND l.granted AND a.application_name LIKE 'ktp-leader-%'",
        )
    )
    assert killed == 1


def _restart(server: PgServer) -> None:
    assert server.own_cluster is not None and server.bindir is not None
    run: dict[str, object] = {"capture_output": True, "cwd": server.own_cluster, "text": True}
    if server.user is not None:
        run["user"] = server.user
    done = subprocess.run(  # type: ignore[call-overload]
        [
            str(server.bindir / "pg_ctl"),
            "-D",
            str(server.own_cluster / "data"),
            "-l",
            str(server.own_cluster / "log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        ],
        **run,
    )
    assert done.returncode == 0, done.stderr


def _run_fault(
    tmp_path: Path, url: str, fault: Callable[[dict[int, subprocess.Popen[bytes]], int], None]
) -> None:
    first = asyncio.run(_announce(tmp_path, url, make_chats=True))
    telegram = LocalBotApiServer()
    telegram.start()
    env = _worker_env(tmp_path, url, telegram.url)
    procs: dict[int, subprocess.Popen[bytes]] = {}
    logs: list[Path] = []
    everyone = {FIRST_CHAT + i for i in range(CHATS)}
    try:
        for i in range(WORKERS):
            log_path = tmp_path / f"worker{i}.log"
            logs.append(log_path)
            with log_path.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"],
                    cwd=tmp_path,
                    env={**env, "BOT_WEBHOOK_PORT": str(_free_port())},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            procs[proc.pid] = proc

        _wait("sending", lambda: len(_sends(telegram)) >= 800, 60, logs)
        sender = asyncio.run(_leader_pid(url))
        assert sender in procs, f"the dispatcher lock is held by {sender}, not a worker"
        fault(procs, sender)

        def reached_all(since: float = 0.0) -> bool:
            return {chat for _, chat in _sends(telegram, since)} == everyone

        _wait("complete first announcement", reached_all, 120, logs)
        _wait("first announcement done", lambda: _state(url, first) == "done", 30, logs)
        time.sleep(1.5)  # whatever a deposed sender still had must arrive now
        first_sends = _sends(telegram)
        between = time.monotonic()

        second = asyncio.run(_announce(tmp_path, url, make_chats=False))
        _wait("complete second announcement", lambda: reached_all(between), 120, logs)
        _wait("second announcement done", lambda: _state(url, second) == "done", 30, logs)
        time.sleep(1.5)  # nothing more may arrive
        all_sends = _sends(telegram)
        second_sends = _sends(telegram, between)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        telegram.stop()

    counts = Counter(chat for _, chat in first_sends)
    assert set(counts) == everyone  # nobody lost
    repeated = sum(n - 1 for n in counts.values())
    assert max(counts.values()) <= 2, "a chat got the announcement three times or more"
    assert repeated <= MAX_IN_FLIGHT, f"{repeated} chats got it twice"

    again = Counter(chat for _, chat in second_sends)
    assert set(again) == everyone
    assert max(again.values()) == 1, f"{sum(n - 1 for n in again.values())} duplicates, no fault"

    peak = max_in_any_second([t for t, _ in all_sends])
    # arrival jitter of two processes' HTTP clients on a shared machine (see test_workers.py)
    assert peak <= RATE * 1.1, f"{peak} messages in one second"
    print(f"\nfirst: {len(first_sends)} messages, {repeated} repeated; busiest second {peak}")


def test_the_lock_connection_cut_mid_broadcast(tmp_path: Path) -> None:
    server = pg_or_skip()
    url = asyncio.run(server.new_database(migrated=False))

    def cut(procs: dict[int, subprocess.Popen[bytes]], sender: int) -> None:
        _cut_lock_connection(url)

    _run_fault(tmp_path, url, cut)


def test_postgresql_restarted_mid_broadcast(tmp_path: Path) -> None:
    pg_or_skip()  # the same reasons to skip; the restart needs a cluster of its own
    bindir = _bindir()
    if bindir is None:
        pytest.skip("no initdb/pg_ctl to run a cluster that may be restarted")
    server = PgServer._own_cluster(bindir)
    try:
        url = asyncio.run(server.new_database(migrated=False))

        def restart(procs: dict[int, subprocess.Popen[bytes]], sender: int) -> None:
            _restart(server)

        _run_fault(tmp_path, url, restart)
    finally:
        server.stop()


def test_the_sender_paused_past_the_lock_life(tmp_path: Path) -> None:
    server = pg_or_skip()
    url = asyncio.run(server.new_database(migrated=False))

    def pause(procs: dict[int, subprocess.Popen[bytes]], sender: int) -> None:
        procs[sender].send_signal(signal.SIGSTOP)
        time.sleep(leader.LOCK_LIFE_MS / 1000 + 3.0)
        procs[sender].send_signal(signal.SIGCONT)

    _run_fault(tmp_path, url, pause)
