"""Which worker delivers the outbox: the one holding a PostgreSQL advisory lock, in its term.

With several workers on one PostgreSQL database, every worker answers updates, but only one
runs the outbox dispatcher, so Telegram's limits (30 messages a second, one a second per chat,
20 a minute per group) hold for all of them together exactly as they hold for one process.

Each worker keeps one connection of its own and asks `pg_try_advisory_lock(DISPATCHER_LOCK)`
every `POLL` seconds. The winner opens a new term (`dispatcher_term.term + 1`, on the lock's
connection), waits `TAKEOVER_GRACE`, and starts delivering (`on_elected`). From then on it asks
every `CHECK` seconds, on that very connection and never on another, whether the session still
holds the lock and the term is still its own. The lock lives as long as that session:

- the connection is cut, or the server restarts: the session is gone, and so is the lock. The
  connection is never silently replaced: the leader stops sending the moment asyncpg reports
  the connection closed (a termination listener), or at the latest when its confirmation runs
  out, and calls `on_deposed`; it may then stand for election again like any standby;
- the worker dies (even `kill -9`): its operating system closes the connection;
- the worker is paused (SIGSTOP) or its machine hangs: the session is idle, and PostgreSQL ends
  it after `LOCK_LIFE` (`idle_session_timeout`; the leader's checks keep it busy otherwise);
  TCP keepalives (`KEEPALIVE`) catch a vanished machine.

Sending is fenced twice. In time: each check confirms the lock as of the moment it was sent,
and the leader sends only within `CONFIRMED_FOR` of its latest confirmation, which is less than
the `TAKEOVER_GRACE` a new leader waits after taking the lock: the two never send in the same
second, and a paused leader that wakes sends nothing before it has checked again (it finds the
session gone). In the database: every claim carries the term and is refused once the term has
moved on, and a row claimed again under a later term can no longer be marked sent (or failed)
by the earlier one (`storage/outbox.py`). What can go twice after a fault is at most the
messages already handed to Telegram: one per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg

from bot.storage.pg import DISPATCHER_LOCK

log = logging.getLogger(__name__)

#: Seconds between two tries for the lock (a standby).
POLL = 1.0
#: Seconds between two checks of the lock by the leader, on the lock's own connection.
CHECK = 0.3
#: The leader sends only this long after the start of its latest successful check ...
CONFIRMED_FOR = 0.9
#: ... and a new leader waits this long before its first message, so they never overlap.
TAKEOVER_GRACE = 1.1
#: Seconds a check may take before the connection counts as lost.
CHECK_TIMEOUT = 3.0
#: Milliseconds a lock's session may stay idle (a paused worker) before PostgreSQL ends it.
LOCK_LIFE_MS = 5000
#: TCP keepalive for the lock's connection, so a vanished machine's lock is freed (~25 s).
KEEPALIVE = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}

#: Is the lock still held by this very session, and is the term still ours?
_CHECK_SQL = (
    "SELECT (SELECT term FROM dispatcher_term WHERE id = 1),"
    " EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND objsubid = 1)"
)
_LOCK_CLASS, _LOCK_OBJ = DISPATCHER_LOCK >> 32, DISPATCHER_LOCK & 0xFFFF_FFFF

Hook = Callable[[], Awaitable[object]]


class LeadershipLost(Exception):
    """The lock's session is gone, or another worker's term began."""


class Leadership:
    """Start `on_elected` while this worker holds the dispatcher lock; `on_deposed` when not.

    `term` is the term of this worker's election (None while standing by); `may_send()` says
    whether a message may be handed to Telegram now, `confirmed()` waits until it may (or
    until leadership is lost)."""

    def __init__(
        self, url: str, on_elected: Hook, on_deposed: Hook, *, poll: float | None = None
    ) -> None:
        self.url = url
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.poll = POLL if poll is None else poll
        self.leading = False
        self.term: int | None = None
        self._valid_until = 0.0  # loop time until which sending is confirmed safe
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost_event = asyncio.Event()

    # --- the fence the dispatcher asks --------------------------------------------------

    def may_send(self) -> bool:
        """This worker leads and confirmed its lock less than CONFIRMED_FOR ago."""
        return (
            self.leading
            and self._conn is not None
            and not self._conn.is_closed()
            and asyncio.get_running_loop().time() < self._valid_until
        )

    async def confirmed(self) -> bool:
        """Wait until sending is confirmed (True), or leadership is lost (False)."""
        while not self.may_send():
            if not self.leading:
                return False
            await asyncio.sleep(0.02)
        return True

    # --- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Try once now (a lone worker delivers at once), then keep trying in the background."""
        if self._task is not None:
            return
        with contextlib.suppress(
            OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, LeadershipLost
        ):
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
            self._step_down()
            await self.on_deposed()
        await self._close()

    async def _run(self) -> None:
        while True:
            try:
                if self.leading:
                    await self._wait_check()
                    await self._check()
                else:
                    await asyncio.sleep(self.poll)
                    await self._try()
            except (
                OSError,
                TimeoutError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                LeadershipLost,
            ) as exc:
                await self._lost(exc)

    async def _wait_check(self) -> None:
        """Sleep until the next check, waking at once when the lock's connection closes."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(CHECK, self.poll)):
                await self._lost_event.wait()

    async def _connect(self) -> asyncpg.Connection:
        """A new session for a standby's try (a leader never reconnects: see `_check`)."""
        if self._conn is None or self._conn.is_closed():
            settings = {
                "application_name": f"ktp-leader-{os.getpid()}",
                "idle_session_timeout": str(LOCK_LIFE_MS),
                **KEEPALIVE,
            }
            try:
                self._conn = await asyncpg.connect(self.url, timeout=10, server_settings=settings)
            except asyncpg.UndefinedObjectError:  # PostgreSQL before 14: no idle_session_timeout
                log.warning(
                    "PostgreSQL ini tidak mengenal idle_session_timeout: pekerja pengirim yang"
                    " terhenti (SIGSTOP) baru digantikan setelah prosesnya jalan lagi"
                )
                del settings["idle_session_timeout"]
                self._conn = await asyncpg.connect(self.url, timeout=10, server_settings=settings)
            self._lost_event.clear()
            self._conn.add_termination_listener(self._connection_closed)
        return self._conn

    def _connection_closed(self, conn: object) -> None:
        """asyncpg saw the lock's session end: no message more from this worker."""
        if conn is self._conn:
            self._valid_until = 0.0
            self._lost_event.set()

    async def _try(self) -> None:
        conn = await self._connect()
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", DISPATCHER_LOCK):
            return
        self.term = int(
            await conn.fetchval(
                "INSERT INTO dispatcher_term (id, term, elected_at) VALUES (1, 1, $1)"
                " ON CONFLICT (id) DO UPDATE SET term = dispatcher_term.term + 1,"
                " elected_at = excluded.elected_at RETURNING term",
                datetime.now(UTC).isoformat(),
            )
        )
        self.leading = True
        log.info(
            "pekerja ini (PID %d) sekarang mengirim antrean pesan (masa ke-%d)",
            os.getpid(),
            self.term,
        )
        if TAKEOVER_GRACE > 0:
            await asyncio.sleep(TAKEOVER_GRACE)
        await self._check()
        await self.on_elected()

    async def _check(self) -> None:
        """Confirm, on the lock's own connection, that its session still holds the lock and
        the term is ours; raise `LeadershipLost` (never reconnect) when not."""
        conn = self._conn
        if conn is None or conn.is_closed():
            raise LeadershipLost("the lock's connection is closed")
        began = asyncio.get_running_loop().time()
        async with asyncio.timeout(max(CHECK_TIMEOUT, 3 * CHECK)):
            row = await conn.fetchrow(_CHECK_SQL, _LOCK_CLASS, _LOCK_OBJ)
        if row is None or not row[1]:
            raise LeadershipLost("this session no longer holds the lock")
        if row[0] != self.term:
            raise LeadershipLost(f"term {self.term} is over (now {row[0]})")
        if self.leading and not conn.is_closed():
            self._valid_until = max(self._valid_until, began + CONFIRMED_FOR)

    def _step_down(self) -> None:
        self.leading = False
        self._valid_until = 0.0
        self.term = None

    async def _lost(self, exc: BaseException) -> None:
        if self.leading:
            self._step_down()
            log.warning("kunci pengirim hilang (%s); berhenti mengirim", exc)
            with contextlib.suppress(Exception):
                await self.on_deposed()
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
