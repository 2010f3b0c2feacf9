"""Which worker delivers the outbox: the one holding a PostgreSQL advisory lock.

With several workers on one PostgreSQL database, every worker answers updates, but only one
runs the outbox dispatcher, so Telegram's limits (30 messages a second, one a second per chat,
20 a minute per group) hold for all of them together exactly as they hold for one process.

Each worker keeps one connection of its own and asks `pg_try_advisory_lock(DISPATCHER_LOCK)`
every `POLL` seconds. The winner starts delivering (`on_elected`) and then checks its
connection every `POLL` seconds; the lock lives as long as that session. When the worker dies
(even `kill -9`), its operating system closes the connection, PostgreSQL releases the lock at
once, and the next standby to ask takes over: within `POLL` + `TAKEOVER_GRACE` seconds. A
leader whose connection breaks stops delivering (`on_deposed`) before anyone else can start.
When a whole machine disappears, TCP keepalives (`KEEPALIVE`) let PostgreSQL notice within
about half a minute.

The new leader waits `TAKEOVER_GRACE` (just over a second) before its first message, so its
first second never overlaps the old leader's last one. A row the old leader had handed to
Telegram but not yet marked sent goes again: at most the rows that were in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable

import asyncpg

from bot.storage.pg import DISPATCHER_LOCK

log = logging.getLogger(__name__)

#: Seconds between two tries for the lock (standby) or two checks of the connection (leader).
POLL = 1.0
#: Seconds a new leader waits before delivering (the old leader's last second of sending).
TAKEOVER_GRACE = 1.1
#: TCP keepalive for the lock's connection, so a vanished machine's lock is freed (~25 s).
KEEPALIVE = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}

Hook = Callable[[], Awaitable[object]]


class Leadership:
    """Start `on_elected` while this worker holds the dispatcher lock; `on_deposed` when not."""

    def __init__(
        self, url: str, on_elected: Hook, on_deposed: Hook, *, poll: float | None = None
    ) -> None:
        self.url = url
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.poll = POLL if poll is None else poll
        self.leading = False
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try once now (a lone worker delivers at once), then keep trying in the background."""
        if self._task is not None:
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._try()
        self._task = asyncio.create_task(self._run(), name="dispatcher-leadership")

    async def stop(self) -> None:
        """Stop delivering (if leading) and give the lock up by closing its connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self.leading:
            self.leading = False
            await self.on_deposed()
        await self._close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll)
            try:
                if self.leading:
                    await self._check()
                else:
                    await self._try()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                await self._lost(exc)

    async def _connect(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(
                self.url,
                timeout=10,
                server_settings={"application_name": f"ktp-leader-{os.getpid()}", **KEEPALIVE},
            )
        return self._conn

    async def _try(self) -> None:
        conn = await self._connect()
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", DISPATCHER_LOCK):
            self.leading = True
            log.info("pekerja ini (PID %d) sekarang mengirim antrean pesan", os.getpid())
            if TAKEOVER_GRACE > 0:
                await asyncio.sleep(TAKEOVER_GRACE)
            await self.on_elected()

    async def _check(self) -> None:
        conn = await self._connect()
        async with asyncio.timeout(max(3 * self.poll, 3.0)):
            await conn.fetchval("SELECT 1")

    async def _lost(self, exc: BaseException) -> None:
        if self.leading:
            self.leading = False
            log.warning("koneksi kunci pengirim terputus (%s); berhenti mengirim", exc)
            with contextlib.suppress(Exception):
                await self.on_deposed()
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
