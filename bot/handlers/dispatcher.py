"""The dispatcher: delivers the outbox (`bot/services/outbox.py`) to Telegram within its limits.

It claims only Telegram's rows (`channel = 'telegram'`); WhatsApp contacts' rows are claimed by
`bot/whatsapp/sender.py`, on a loop of its own, so neither channel's outage holds the other.

It claims due rows (events: a kind of notice and its parameters, `bot/domain/notices.py`),
renders each for Telegram just before sending it (`bot/handlers/notices.py`), paces them (30
messages a second overall, one a second per private chat, 20 a minute per group), retries
timeouts and server errors with backoff, waits out a 429's `retry_after`, stops writing to a
chat that blocked the bot (403), and marks each row sent right after Telegram accepted it. It
also keeps each running broadcast's progress message up to date; what that message says (and
its buttons) is rendered by `handlers/broadcast.py` through the `render_progress` callback
given to the dispatcher. `bot.app` starts it in `post_init` and stops it before the services
close; services ring it through `Services.wake_outbox()` without importing it. On PostgreSQL
it runs under the elected worker's term (`fence`, `bot/services/leader.py`): it claims and
sends only while the lock is confirmed, and its claims and marks carry the term.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.handlers import notices
from bot.services import questions
from bot.services.container import Services
from bot.services.outbox import in_quiet_hours, quiet_hours_end
from bot.storage import broadcasts as broadcasts_store
from bot.storage import outbox as outbox_store

log = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# --- the broadcast progress message (rendered by the handlers) ------------------------------


@dataclass(frozen=True, slots=True)
class ProgressView:
    """What a broadcast's progress message shows now."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    #: Sent once, as a new message to the progress chat, when the broadcast has just finished.
    done_notice: str | None = None


class ProgressRenderer(Protocol):
    """Renders a broadcast's progress message (`bot.handlers.broadcast.render_progress`).

    `waiting_until` is when quiet hours end while they hold the broadcast back; `finished` is
    True the one time the broadcast has just sent its last message."""

    def __call__(
        self,
        broadcast: broadcasts_store.Broadcast,
        figures: broadcasts_store.BroadcastFigures,
        *,
        waiting_until: datetime | None,
        finished: bool,
        tz: str,
    ) -> ProgressView: ...


# --- the sender's fence (PostgreSQL's election) -----------------------------------------------


class Fence(Protocol):
    """Whether this process may send now (`bot.services.leader.Leadership`): its `term`, None
    while it does not lead; `may_send()` now; `confirmed()` waits until it may (True) or has
    lost the lead (False)."""

    term: int | None

    def may_send(self) -> bool: ...

    async def confirmed(self) -> bool: ...


class SendFenced(Exception):
    """A message was not handed to Telegram: this worker's lead was not confirmed when its turn
    came (raised by the bot's rate limiter, `bot.app`); the row stays pending."""


# --- the dispatcher ---------------------------------------------------------------------------


#: True inside the dispatcher's own deliveries: the bot's rate limiter tells them apart from
#: replies to residents, which it reports with `Dispatcher.note_send` (see `bot.app`).
OUTBOX_SEND: ContextVar[bool] = ContextVar("outbox_send", default=False)


@dataclass(slots=True)
class Limits:
    """Delivery limits and retry policy; tests shrink them, the benchmark keeps them real."""

    per_second: float = 30.0  # all outbox messages together (Telegram: 30/s)
    private_interval: float = 1.0  # seconds between two messages to one private chat
    group_interval: float = 3.0  # seconds between two messages to one group (20/min)
    max_attempts: int = 5  # timeouts/5xx: tries before the row is failed
    backoff_base: float = 30.0  # seconds before the 2nd try; doubles for each further try
    backoff_max: float = 3600.0
    poll_interval: float = 2.0  # look for due rows at least this often (seconds)
    max_in_flight: int = 60  # rows being waited for, paced or sent at one time
    progress_interval: float = 3.0  # broadcast progress messages are edited at most this often
    # Telegram counts messages as they arrive: a few ms of jitter between our clock and theirs
    # must not make per_second + 1 messages land within one second.
    window_margin: float = 0.01

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failed try (1-based)."""
        return min(self.backoff_base * 2.0 ** (attempt - 1), self.backoff_max)


@dataclass(slots=True)
class _Task:
    row: outbox_store.DueRow
    term: int | None = None  # the sender's term under which the row was claimed
    task: asyncio.Task[None] | None = None
    sending: bool = False


@dataclass(slots=True)
class DeliveryStats:
    """What this dispatcher did since it started (for the benchmark and logs)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    fenced: int = 0  # rows another term had claimed again when this one went to mark them
    blocked: int = 0
    flood_waits: int = 0


class Dispatcher:
    """Sends due outbox rows within Telegram's limits, marking each sent right after success.

    A row is sent at most once in normal operation: rows being handled are tracked in memory,
    and each success is written to the database before the chat gets its next message. After a
    crash only the few rows that were in flight can go out again.
    """

    def __init__(
        self,
        bot: Bot,
        services: Services,
        limits: Limits | None = None,
        *,
        render_progress: ProgressRenderer | None = None,
        fence: Fence | None = None,
    ) -> None:
        self.bot = bot
        #: PostgreSQL: the election this dispatcher runs under (None: SQLite, one process).
        self.fence = fence
        self.services = services
        self.db = services.db
        self.settings = services.settings
        self.clock = services.clock
        self.limits = limits or Limits()
        #: None: broadcasts are still finished, but no progress message is edited.
        self.render_progress = render_progress
        self.stats = DeliveryStats()
        self._loop_task: asyncio.Task[None] | None = None
        self._progress_task: asyncio.Task[None] | None = None
        self._inflight: dict[int, _Task] = {}
        self._chat_ready: dict[int, float] = {}  # chat id -> loop time of its next allowed send
        self._next_slot = 0.0  # loop time of the next global send slot
        self._pause_until = 0.0  # loop time until which Telegram asked us to wait (429)
        self._kick = asyncio.Event()
        self._idle = asyncio.Condition()
        self._wake_gen = 0
        self._idle_gen = -1
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._cancelled_broadcasts: set[int] = set()
        self._dirty_broadcasts: set[int] = set()
        self._progress_shown: dict[int, str] = {}
        self._progress_lock = asyncio.Lock()
        self._slot_lock = asyncio.Lock()
        self._recent_sends: deque[float] = deque(maxlen=1000)  # loop times of the last sends

    # lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._stop_event.clear()
        self._dirty_broadcasts.update(await broadcasts_store.sending_ids(self.db.conn))
        self.services.listen_outbox(self.wake)
        self._loop_task = asyncio.create_task(self._run(), name="outbox-dispatcher")
        self._progress_task = asyncio.create_task(self._progress_run(), name="outbox-progress")
        log.info("outbox dispatcher started")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming rows; let messages already on their way finish and be marked sent.

        The loops are asked to stop rather than cancelled, so no database transaction is ever
        interrupted half-way.
        """
        self.services.unlisten_outbox(self.wake)
        self._stopping = True
        self._stop_event.set()
        self._kick.set()
        for task in (self._loop_task, self._progress_task):
            if task is None:
                continue
            done, _ = await asyncio.wait([task], timeout=timeout)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = self._progress_task = None
        waiting = [t.task for t in self._inflight.values() if t.task and not t.sending]
        for task in waiting:
            task.cancel()
        pending = [t.task for t in self._inflight.values() if t.task]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        self._inflight.clear()
        log.info("outbox dispatcher stopped")

    def wake(self) -> int:
        """Rows were queued or became due: look now rather than at the next poll."""
        self._wake_gen += 1
        self._kick.set()
        return self._wake_gen

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing is due and nothing is in flight, then update progress messages.

        For tests and the benchmark: rows waiting for quiet hours or a later retry stay queued.
        """
        gen = self.wake()
        async with asyncio.timeout(timeout):
            async with self._idle:
                await self._idle.wait_for(lambda: self._idle_gen >= gen or not self.running)
            await self.update_progress(force=True)

    def broadcast_queued(self, broadcast_id: int) -> None:
        """A broadcast was queued: show its progress from now on and start sending."""
        self._progress_shown.pop(broadcast_id, None)
        self._dirty_broadcasts.add(broadcast_id)
        self.wake()

    def broadcast_moved(self, broadcast_id: int) -> None:
        """Another channel's sender handled a row of this broadcast: its progress message
        (which counts every channel) is brought up to date at the next round."""
        self._dirty_broadcasts.add(broadcast_id)

    def cancel_broadcast_in_memory(self, broadcast_id: int) -> None:
        """Rows of this broadcast already claimed are dropped instead of sent."""
        self._cancelled_broadcasts.add(broadcast_id)
        self._dirty_broadcasts.add(broadcast_id)
        for handle in list(self._inflight.values()):
            if handle.row.broadcast_id == broadcast_id and not handle.sending and handle.task:
                handle.task.cancel()

    # claiming ----------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._cycle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox dispatcher cycle failed; trying again shortly")
                await self._sleep(self.limits.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when asked to stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop_event.wait()

    async def _cycle(self) -> None:
        loop = asyncio.get_running_loop()
        pause = self._pause_until - loop.time()
        if pause > 0:
            await self._sleep(pause)
            return
        gen = self._wake_gen
        self._kick.clear()
        free = self.limits.max_in_flight - len(self._inflight)
        rows: list[outbox_store.DueRow] = []
        outdated: set[int] = set()
        term = self.fence.term if self.fence is not None else None
        fenced_out = self.fence is not None and (term is None or not self.fence.may_send())
        # Claim when at most half the slots are busy, so claims come in batches.
        if free * 2 >= self.limits.max_in_flight and not self._stopping and not fenced_out:
            now = self.clock.now()
            try:
                async with self.db.transaction() as conn:  # a committed snapshot
                    rows = await outbox_store.claim_due(
                        conn,
                        now=now,
                        quiet=in_quiet_hours(self.settings, now),
                        limit=free,
                        exclude_ids=set(self._inflight),
                        busy_chats={h.row.chat_id for h in self._inflight.values()},
                        term=term,
                    )
                    outdated = await outbox_store.cancel_outdated_status_rows(conn, rows)
            except outbox_store.Deposed as exc:
                log.warning("outbox: not claiming, %s", exc)
                rows, outdated = [], set()
            if outdated:
                log.info("%d status messages dropped: no longer true or wanted", len(outdated))
                rows = [r for r in rows if r.id not in outdated]
                self._kick.set()  # the chats' next rows may be due now
            rows = [r for r in rows if r.broadcast_id not in self._cancelled_broadcasts]
            for row in rows:
                handle = _Task(row, term)
                self._inflight[row.id] = handle
                handle.task = asyncio.create_task(self._deliver(handle))
        # Idle only if nothing rang meanwhile: with PostgreSQL a row's retry may be written
        # while this claim ran (SQLite serialises the two), and its sender kicks when done.
        if not rows and not self._inflight and not outdated and not self._kick.is_set():
            async with self._idle:
                self._idle_gen = max(self._idle_gen, gen)
                self._idle.notify_all()
        if not rows or len(self._inflight) * 2 > self.limits.max_in_flight:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.limits.poll_interval):
                    await self._kick.wait()

    # pacing ------------------------------------------------------------------------------

    async def _wait_for_chat(self, row: outbox_store.DueRow) -> None:
        loop = asyncio.get_running_loop()
        ready = self._chat_ready.get(row.chat_id, 0.0)
        if ready > loop.time():
            await asyncio.sleep(ready - loop.time())

    async def _wait_for_slot(self) -> None:
        """Wait for the next global send slot (1/per_second apart) and for any flood-wait pause
        Telegram asked for. Senders queue on a fair lock, so no slot is reserved ahead and a
        cancelled sender leaves no gap."""
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.limits.per_second
        cap = max(1, int(self.limits.per_second))
        recent = self._recent_sends
        async with self._slot_lock:
            while True:
                now = loop.time()
                wait = max(self._pause_until, self._next_slot) - now
                if len(recent) >= cap:  # never more than `cap` sends in any one second
                    wait = max(wait, recent[-cap] + 1.0 + self.limits.window_margin - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            # Keep to the schedule (no drift from sleeping a little long), but never catch up
            # on slots missed while idle: that would be a burst.
            base = self._next_slot if now - self._next_slot < interval else now
            self._next_slot = base + interval
            recent.append(now)

    def _chat_sent(self, row: outbox_store.DueRow) -> None:
        loop = asyncio.get_running_loop()
        interval = (
            self.limits.private_interval
            if row.chat_type == "private"
            else self.limits.group_interval
        )
        self._chat_ready[row.chat_id] = loop.time() + interval
        if len(self._chat_ready) > 50_000:
            now = loop.time()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}

    # sending -----------------------------------------------------------------------------

    def note_send(self) -> None:
        """A message went out besides the outbox (a reply to a resident): it takes its place in
        the one-second window, so the outbox leaves it room instead of making it queue. Replies
        come first; announcements use what replies leave of the limit."""
        self._recent_sends.append(asyncio.get_running_loop().time())

    async def _deliver(self, handle: _Task) -> None:
        row = handle.row
        OUTBOX_SEND.set(True)  # this task's sends are the outbox's (not counted twice)
        try:
            await self._wait_for_chat(row)
            message = await self._render(row)
            if message is None:
                return
            while True:
                if self.fence is not None and not await self.fence.confirmed():
                    return  # deposed: the row stays pending for the next sender
                await self._wait_for_slot()
                if self._stopping or row.broadcast_id in self._cancelled_broadcasts:
                    return
                if self.fence is not None and not self.fence.may_send():
                    continue  # never send late on an old slot: take a new one once confirmed
                handle.sending = True
                try:
                    sent = await self.bot.send_message(
                        row.chat_id,
                        message.text,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=_NO_PREVIEW,
                        reply_markup=message.markup,
                    )
                except RetryAfter as exc:
                    handle.sending = False
                    self._flood_wait(exc)
                    continue
                except SendFenced:
                    handle.sending = False
                    continue  # confirmed again: a new slot; deposed: `confirmed()` ends it
                except Exception as exc:
                    self._chat_sent(row)
                    await self._record_failure(handle, exc)
                    return
                self._chat_sent(row)
                await self._record_sent(handle, sent.message_id)
                return
        except asyncio.CancelledError:
            if handle.sending:
                raise
        except Exception:
            log.exception("outbox row %d: unexpected error", row.id)
        finally:
            self._inflight.pop(row.id, None)
            if row.broadcast_id is not None:
                self._dirty_broadcasts.add(row.broadcast_id)
            self._kick.set()

    async def _render(self, row: outbox_store.DueRow) -> notices.TelegramMessage | None:
        """The row's notice as a Telegram message now; None when it is not to be sent: nothing
        true is left to say (cancelled), or it could not be put together (failed)."""
        try:
            message = await notices.render(self.services, row)
        except Exception as exc:
            log.exception("outbox row %d (%s) could not be rendered", row.id, row.notice)
            async with self.db.transaction() as conn:
                await outbox_store.mark_failed(
                    conn,
                    row.id,
                    reason=outbox_store.REASON_ERROR,
                    error=f"render: {type(exc).__name__}",
                )
            self.stats.failed += 1
            return None
        if message is None:
            async with self.db.transaction() as conn:
                await outbox_store.cancel(conn, row.id, reason="nothing left to say")
        return message

    def _flood_wait(self, exc: RetryAfter) -> None:
        loop = asyncio.get_running_loop()
        with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            seconds = exc.retry_after
        wait = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        until = loop.time() + wait
        if until > self._pause_until:
            log.warning("Telegram asked to wait %.0f s; all outbox sending paused", wait)
            self._pause_until = until
            self._next_slot = max(self._next_slot, until)
        self.stats.flood_waits += 1

    async def _record_sent(self, handle: _Task, message_id: int | None = None) -> None:
        row = handle.row
        for attempt in range(5):
            try:
                async with self.db.transaction() as conn:
                    marked = await outbox_store.mark_sent(
                        conn, row.id, self.clock.now(), message_id, term=handle.term
                    )
                if not marked and handle.term is not None:
                    self.stats.fenced += 1
                    log.warning("outbox row %d was claimed again under a later term", row.id)
                break
            except Exception:
                if attempt == 4:
                    raise
                log.warning("outbox row %d sent but not marked yet; retrying", row.id)
                await asyncio.sleep(0.5 * (attempt + 1))
        self.stats.sent += 1

    async def _record_failure(self, handle: _Task, exc: Exception) -> None:
        row, term = handle.row, handle.term
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, ChatMigrated):
            # The group became a supergroup: the desk (when it is the desk) and every message
            # waiting for the old id follow it; this one is tried again at once.
            new_chat = int(exc.new_chat_id)
            await questions.desk_moved(self.services, row.chat_id, new_chat)
            async with self.db.transaction() as conn:
                await outbox_store.move_chat(conn, row.chat_id, new_chat)
                await outbox_store.reschedule(
                    conn, row.id, not_before=self.clock.now(), error=error, term=term
                )
            log.info("chat %d moved to %d; its waiting messages follow", row.chat_id, new_chat)
            return
        if isinstance(exc, Forbidden) or (
            isinstance(exc, BadRequest) and "chat not found" in str(exc).lower()
        ):
            async with self.db.transaction() as conn:
                failed = await outbox_store.block_chat(conn, row.chat_id, error=error)
            if row.chat_type != "private" and await questions.desk_moved(
                self.services, row.chat_id, None
            ):
                log.warning("the desk group cannot be reached; questions go to staff in private")
            self.stats.blocked += failed
            self._dirty_broadcasts.update(await broadcasts_store.sending_ids(self.db.conn))
            log.info("chat %d blocked the bot; %d queued messages dropped", row.chat_id, failed)
            return
        if isinstance(exc, BadRequest):
            async with self.db.transaction() as conn:
                await outbox_store.mark_failed(
                    conn, row.id, reason=outbox_store.REASON_BAD_REQUEST, error=error, term=term
                )
            self.stats.failed += 1
            log.warning("outbox row %d refused by Telegram: %s", row.id, exc)
            return
        reason = _retry_reason(exc)
        attempt = row.attempts + 1
        async with self.db.transaction() as conn:
            if attempt >= self.limits.max_attempts:
                await outbox_store.mark_failed(conn, row.id, reason=reason, error=error, term=term)
                self.stats.failed += 1
                log.warning("outbox row %d failed after %d tries: %s", row.id, attempt, error)
            else:
                when = self.clock.now() + timedelta(seconds=self.limits.backoff(attempt))
                await outbox_store.reschedule(conn, row.id, not_before=when, error=error, term=term)
                self.stats.retried += 1

    # broadcast progress ------------------------------------------------------------------

    async def _progress_run(self) -> None:
        while not self._stopping:
            await self._sleep(self.limits.progress_interval)
            if self._stopping:
                return
            try:
                await self.update_progress()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("updating broadcast progress failed")

    async def update_progress(self, force: bool = False) -> None:
        """Edit the progress message of every broadcast that moved; finish completed ones."""
        async with self._progress_lock:
            dirty = set(self._dirty_broadcasts)
            if force:
                dirty |= set(await broadcasts_store.sending_ids(self.db.conn))
            self._dirty_broadcasts -= dirty
            for broadcast_id in sorted(dirty):
                await self._show_progress(broadcast_id)

    async def _show_progress(self, broadcast_id: int) -> None:
        now = self.clock.now()
        broadcast = await broadcasts_store.get(self.db.conn, broadcast_id)
        if broadcast is None:
            return
        figures = await broadcasts_store.figures(self.db.conn, broadcast_id)
        finished = False
        if broadcast.state == broadcasts_store.SENDING and figures.pending == 0:
            async with self.db.transaction() as conn:
                finished = await broadcasts_store.finish(conn, broadcast_id, now)
            broadcast = await broadcasts_store.get(self.db.conn, broadcast_id) or broadcast
        if self.render_progress is None:
            return
        waiting = None
        if (
            broadcast.state == broadcasts_store.SENDING
            and not broadcast.send_now
            and in_quiet_hours(self.settings, now)
        ):
            waiting = quiet_hours_end(self.settings, now)
        view = self.render_progress(
            broadcast, figures, waiting_until=waiting, finished=finished, tz=self.settings.timezone
        )
        await self._edit_progress(broadcast, view.text, view.markup)
        if finished and broadcast.progress_chat_id is not None and view.done_notice:
            await self._tell(broadcast.progress_chat_id, view.done_notice)

    async def _edit_progress(
        self,
        broadcast: broadcasts_store.Broadcast,
        text: str,
        markup: InlineKeyboardMarkup | None,
    ) -> None:
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        if self._progress_shown.get(broadcast.id) == text:
            return
        if self.fence is not None and not self.fence.may_send():
            return
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=broadcast.progress_chat_id,
                message_id=broadcast.progress_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not edit progress of broadcast %d: %s", broadcast.id, exc)
        except TelegramError as exc:
            log.warning("could not edit progress of broadcast %d: %s", broadcast.id, exc)
            return
        self._progress_shown[broadcast.id] = text

    async def _tell(self, chat_id: int, text: str) -> None:
        if self.fence is not None and not self.fence.may_send():
            return
        try:
            await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("could not send a broadcast summary: %s", exc)


def _retry_reason(exc: Exception) -> str:
    if isinstance(exc, TimedOut):
        return outbox_store.REASON_TIMEOUT
    if isinstance(exc, NetworkError):
        return outbox_store.REASON_SERVER
    return outbox_store.REASON_ERROR
