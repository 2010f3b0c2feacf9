"""WhatsApp's sender: delivers the outbox rows of WhatsApp contacts through the Cloud API.

The same durable rows as Telegram's (`bot/storage/outbox.py`), queued for the contact's channel
(`chats.channel`) in the transaction that caused them. This sender claims only
`channel = 'whatsapp'` rows and Telegram's dispatcher (`bot/handlers/dispatcher.py`) only
Telegram's, each on its own loop, so an outage of one channel holds the other back in nothing.
It runs beside the dispatcher (`bot.app.start_delivery`), under the same election on
PostgreSQL (`fence`, `bot/services/leader.py`): it claims and sends only while this worker's
term is confirmed, its claims and marks carry the term, and a message that waited for its turn
while the lead was lost is not handed to the Cloud API (`_GatedClient`).

Each row is put together when its turn comes (`outbox_notices.compose_notice`: the words as
they are now, and the template with its parameters) and goes as the 24-hour window allows
(`notices.send_notice`): an ordinary message inside the window counted from the resident's
latest message (`chats.last_inbound_at`), the template of its kind outside it, or, for a kind
without a template, not at all: the row waits (`not_before` far ahead) until the resident
writes, when the WhatsApp door calls `release_waiting` (`bot/services/delivery.py`, on the
services floor so that the conversation's contact door may call it).

The Cloud API's refusals, by kind (`client.ErrorKind`):

- throughput (130429, HTTP 429): every send pauses for `retry_after`, then the row goes again;
- pair rate (131056): that contact waits (6 s), then the row goes again; two notices to one
  contact are `pair_interval` apart anyway;
- window closed (131047): the template at once (`send_notice`), or the row waits;
- not on WhatsApp / blocked the business (131026): the contact is unreachable, its
  subscriptions off, its pending rows failed, as Telegram's 403 does;
- the resident stopped marketing messages (131050): announcements off for that contact;
- 5xx, timeouts: tried again later with a growing wait, failed after `max_attempts`;
- Meta held it back (131049...): tried again hours later; token or account (190...): every
  send pauses `account_pause` and the operator reads why in the log;
- anything else is a mistake in the message: the row fails.

The id WhatsApp gives the message (wamid) is kept on the row, so the statuses its webhook
reports are joined to it (`status_reported`): a `failed` status with a code that waiting fixes
puts the row back in the queue; one that does not fails it (131026 stops the contact).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.notices import NoticeKind
from bot.services.container import Services
from bot.services.delivery import release_waiting
from bot.services.outbox import in_quiet_hours
from bot.storage import broadcasts as broadcasts_store
from bot.storage import chats as chats_store
from bot.storage import outbox as outbox_store
from bot.storage.outbox import CHANNEL_WHATSAPP
from bot.whatsapp.client import CloudApiClient, ErrorKind, SendError, classify
from bot.whatsapp.inbound import Status, StatusKind, masked
from bot.whatsapp.notices import NoticeOutcome, send_notice
from bot.whatsapp.outbox_notices import WhatsAppNotice, compose_notice
from bot.whatsapp.templates import Template, load_templates
from bot.whatsapp.window import NoticeRoute

log = logging.getLogger(__name__)

__all__ = ["SenderLimits", "WhatsAppSender", "release_waiting", "status_reported"]

#: `last_error` of a row whose message WhatsApp refused because the window had closed: the
#: next try goes as the template whatever the time of the resident's last message says.
WINDOW_CLOSED_NOTE = "window_closed"
#: fail_reason of a row whose contact turned marketing messages off (131050).
REASON_OPTED_OUT = "opted_out"
#: A message WhatsApp reported `failed` for a reason waiting fixes goes again after this long
#: (seconds; Meta's holding back: `HELD_BACK_WAIT`), at most this many tries in all.
STATUS_RETRY_WAIT = 30.0
HELD_BACK_WAIT = 6 * 3600.0
STATUS_MAX_ATTEMPTS = 5
#: Seconds between two looks at the failed statuses the webhook recorded (any worker may
#: have received them); at start the look goes back STATUS_LOOK_BACK_START, then a minute.
STATUS_SWEEP = 5.0
STATUS_LOOK_BACK_START = timedelta(days=30)
STATUS_LOOK_BACK = timedelta(minutes=1)


class Fence(Protocol):
    """This worker's lead (`bot.services.leader.Leadership`), as the dispatcher's."""

    term: int | None

    def may_send(self) -> bool: ...

    async def confirmed(self) -> bool: ...


@dataclass(slots=True)
class SenderLimits:
    """Pacing and retries; tests shrink them. The overall rate is the client's
    (BOT_WHATSAPP_PER_SECOND, 80 a second by default)."""

    pair_interval: float = 6.0  # seconds between two notices to one contact (the pair rate)
    pair_retries: int = 5  # 131056 answers waited out in a row before the row is rescheduled
    pair_rate_wait: float = 6.0  # after a 131056, that contact waits this long (Meta: ~6 s)
    throttle_wait: float = 1.0  # after a 130429 without Retry-After, all sending waits this long
    max_attempts: int = 5  # 5xx / timeouts: tries before the row is failed
    backoff_base: float = 30.0  # seconds before the 2nd try; doubles for each further try
    backoff_max: float = 3600.0
    poll_interval: float = 2.0
    max_in_flight: int = 100
    account_pause: float = 300.0  # the token or the account refused: all sending waits

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_base * 2.0 ** (attempt - 1), self.backoff_max)


class NotConfirmed(Exception):
    """The message was not handed to the Cloud API: this worker's lead was not confirmed when
    its turn came; the row stays pending (or is taken again once confirmed)."""


class _GatedClient(CloudApiClient):
    """The Cloud API client that asks the fence just before each message leaves."""

    gate: Callable[[], bool] | None = None

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        if self.gate is not None and path == "messages" and not self.gate():
            raise NotConfirmed
        return await super()._post(path, **kwargs)


@dataclass(slots=True)
class SenderStats:
    sent: int = 0
    templates: int = 0
    waiting: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    throttled: int = 0


@dataclass(slots=True)
class _Task:
    row: outbox_store.DueRow
    term: int | None = None
    task: asyncio.Task[None] | None = None
    sending: bool = False


class WhatsAppSender:
    """Sends due WhatsApp outbox rows, marking each sent (with its wamid) right after."""

    def __init__(
        self,
        services: Services,
        client: CloudApiClient,
        templates: Mapping[str, Template],
        *,
        limits: SenderLimits | None = None,
        fence: Fence | None = None,
        on_broadcast: Callable[[int], None] | None = None,
    ) -> None:
        self.services = services
        self.db = services.db
        self.clock = services.clock
        self.settings = services.settings
        self.client = client
        self.templates = templates
        self.limits = limits or SenderLimits()
        self.fence = fence
        if isinstance(client, _GatedClient) and fence is not None:
            client.gate = fence.may_send
        #: Told of each broadcast row handled, so the staff's progress message moves.
        self.on_broadcast = on_broadcast
        self.stats = SenderStats()
        self._own_client = False
        self._loop_task: asyncio.Task[None] | None = None
        self._inflight: dict[int, _Task] = {}
        self._contact_ready: dict[int, float] = {}
        self._pause_until = 0.0
        self._kick = asyncio.Event()
        self._idle = asyncio.Condition()
        self._wake_gen = 0
        self._idle_gen = -1
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._next_sweep = 0.0
        self._swept = False

    @classmethod
    def from_settings(
        cls,
        services: Services,
        *,
        limits: SenderLimits | None = None,
        fence: Fence | None = None,
        on_broadcast: Callable[[int], None] | None = None,
        timeout: float = 15.0,
    ) -> WhatsAppSender:
        """A sender with a client of its own (WHATSAPP_API_URL, the token, the phone number
        id, BOT_WHATSAPP_PER_SECOND) and the templates file; TemplatesError when broken."""
        settings = services.settings
        client = _GatedClient(
            api_url=settings.whatsapp_api_url,
            phone_number_id=settings.whatsapp_phone_number_id or "",
            token=settings.whatsapp_token or "",
            per_second=settings.whatsapp_per_second,
            timeout=timeout,
            attempts=1,  # the sender decides what to do with each refusal
        )
        sender = cls(
            services,
            client,
            load_templates(),
            limits=limits,
            fence=fence,
            on_broadcast=on_broadcast,
        )
        sender._own_client = True
        return sender

    # lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._stop_event.clear()
        self.services.listen_outbox(self.wake)
        self._loop_task = asyncio.create_task(self._run(), name="whatsapp-sender")
        log.info("WhatsApp sender started")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; messages already on their way finish and are marked sent."""
        self.services.unlisten_outbox(self.wake)
        self._stopping = True
        self._stop_event.set()
        self._kick.set()
        task, self._loop_task = self._loop_task, None
        if task is not None:
            done, _ = await asyncio.wait([task], timeout=timeout)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for handle in list(self._inflight.values()):
            if handle.task and not handle.sending:
                handle.task.cancel()
        pending = [h.task for h in self._inflight.values() if h.task]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        self._inflight.clear()
        if self._own_client:
            await self.client.close()
        log.info("WhatsApp sender stopped")

    def wake(self) -> int:
        self._wake_gen += 1
        self._kick.set()
        return self._wake_gen

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing is due and nothing is in flight (tests)."""
        gen = self.wake()
        async with asyncio.timeout(timeout):
            async with self._idle:
                await self._idle.wait_for(lambda: self._idle_gen >= gen or not self.running)

    # claiming ----------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._cycle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("WhatsApp sender cycle failed; trying again shortly")
                await self._sleep(self.limits.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop_event.wait()

    async def _sweep_statuses(self) -> None:
        """Act on the `failed` statuses recorded since the last look (by any worker's webhook)
        whose row is still marked sent, and make due the notices kept for residents who have
        written since (the door noted their message; `release_waiting` does it at once)."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_sweep:
            return
        self._next_sweep = loop.time() + STATUS_SWEEP
        now = self.clock.now()
        back = STATUS_LOOK_BACK if self._swept else STATUS_LOOK_BACK_START
        async with self.db.snapshot() as conn:
            failed = await outbox_store.failed_after_sent(conn, since=now - back)
            answered = await outbox_store.any_answered(conn)
        if answered:  # residents who wrote since: what waited for them goes now
            async with self.db.transaction() as conn:
                await outbox_store.release_answered(conn, now)
            self._kick.set()
        self._swept = True
        acted = 0
        for wamid, code in failed:
            acted += await act_on_failure(self.services, wamid, code)
        if acted:
            log.info("WhatsApp: %d messages reported failed after sending; acted on", acted)
            self._kick.set()

    async def _cycle(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await self._sweep_statuses()
        except Exception:
            log.exception("WhatsApp: the failed statuses could not be read; next round")
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
        if free * 2 >= self.limits.max_in_flight and not self._stopping and not fenced_out:
            now = self.clock.now()
            try:
                async with self.db.transaction() as conn:
                    rows = await outbox_store.claim_due(
                        conn,
                        now=now,
                        quiet=in_quiet_hours(self.settings, now),
                        limit=free,
                        exclude_ids=set(self._inflight),
                        busy_chats={h.row.chat_id for h in self._inflight.values()},
                        term=term,
                        channel=CHANNEL_WHATSAPP,
                    )
                    outdated = await outbox_store.cancel_outdated_status_rows(conn, rows)
            except outbox_store.Deposed as exc:
                log.warning("WhatsApp outbox: not claiming, %s", exc)
                rows, outdated = [], set()
            if outdated:
                rows = [r for r in rows if r.id not in outdated]
                self._kick.set()
            for row in rows:
                handle = _Task(row, term)
                self._inflight[row.id] = handle
                handle.task = asyncio.create_task(self._deliver(handle))
        if not rows and not self._inflight and not outdated and not self._kick.is_set():
            async with self._idle:
                self._idle_gen = max(self._idle_gen, gen)
                self._idle.notify_all()
        if not rows or len(self._inflight) * 2 > self.limits.max_in_flight:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.limits.poll_interval):
                    await self._kick.wait()

    # sending -----------------------------------------------------------------------------

    async def _wait_for_contact(self, contact: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wait = max(self._contact_ready.get(contact, 0.0), self._pause_until) - loop.time()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _contact_sent(self, contact: int, extra: float = 0.0) -> None:
        loop = asyncio.get_running_loop()
        self._contact_ready[contact] = loop.time() + max(self.limits.pair_interval, extra)
        if len(self._contact_ready) > 50_000:
            now = loop.time()
            self._contact_ready = {c: t for c, t in self._contact_ready.items() if t > now}

    async def _deliver(self, handle: _Task) -> None:
        row = handle.row
        try:
            notice = await self._compose(handle)
            if notice is None:
                return
            async with self.db.snapshot() as conn:
                where = await chats_store.address_of(conn, row.chat_id)
                last_inbound = await chats_store.last_inbound(conn, row.chat_id)
                broadcast = (
                    await broadcasts_store.get(conn, row.broadcast_id)
                    if row.broadcast_id is not None
                    else None
                )
            if broadcast is not None and broadcast.state != broadcasts_store.SENDING:
                return  # stopped by staff meanwhile: its pending rows are cancelled
            if where is None or where[0] != CHANNEL_WHATSAPP:
                async with self.db.transaction() as conn:
                    await outbox_store.cancel(conn, row.id, reason="the contact is gone")
                return
            wa_id = where[1]
            if row.last_error.startswith(WINDOW_CLOSED_NOTE):
                last_inbound = None  # WhatsApp said the window was closed: the template
            pair_waits = 0
            while True:
                await self._wait_for_contact(row.chat_id)
                if self.fence is not None and not await self.fence.confirmed():
                    return  # deposed: the row stays pending for the next sender
                if self._stopping:
                    return
                handle.sending = True
                try:
                    outcome = await self._send(row, notice, wa_id, last_inbound)
                except NotConfirmed:
                    handle.sending = False
                    continue
                finally:
                    handle.sending = False
                error = outcome.error
                if error is not None and not outcome.message_ids:
                    if error.kind is ErrorKind.THROTTLED:
                        self._throttled(error)
                        continue
                    if error.kind is ErrorKind.PAIR_RATE and pair_waits < self.limits.pair_retries:
                        pair_waits += 1
                        self._contact_sent(row.chat_id, self.limits.pair_rate_wait)
                        continue
                self._contact_sent(row.chat_id)
                await self._record(handle, outcome)
                return
        except asyncio.CancelledError:
            if handle.sending:
                raise
        except Exception:
            log.exception("WhatsApp outbox row %d: unexpected error", row.id)
        finally:
            self._inflight.pop(row.id, None)
            if row.broadcast_id is not None and self.on_broadcast is not None:
                self.on_broadcast(row.broadcast_id)
            self._kick.set()

    async def _compose(self, handle: _Task) -> WhatsAppNotice | None:
        row = handle.row
        try:
            notice = await compose_notice(self.services, row)
        except Exception as exc:
            log.exception("WhatsApp outbox row %d (%s) could not be rendered", row.id, row.notice)
            await self._fail(handle, outbox_store.REASON_ERROR, f"render: {type(exc).__name__}")
            return None
        if notice is None:
            async with self.db.transaction() as conn:
                await outbox_store.cancel(conn, row.id, reason="nothing left to say")
        return notice

    async def _send(
        self,
        row: outbox_store.DueRow,
        notice: WhatsAppNotice,
        wa_id: str,
        last_inbound: datetime | None,
    ) -> NoticeOutcome:
        template = self.templates.get(notice.template_kind)
        kind = notice.template_kind if template is not None else f"notice:{row.notice}"
        values: dict[str, object] = {}
        if template is not None:
            missing = [p for p in template.parameters if p not in notice.values]
            if missing:
                # A parameter the office named in the templates file that no notice knows:
                # the template cannot be filled, so the notice waits for the window.
                log.error(
                    "WhatsApp template %s: parameter(s) %s unknown; the notice waits",
                    template.name,
                    ", ".join(missing),
                )
                kind = f"notice:{row.notice}"
            else:
                values = {p: notice.values[p] for p in template.parameters}
        return await send_notice(
            self.client,
            self.templates,
            wa_id=wa_id,
            kind=kind,
            message=notice.message,
            values=values,
            last_inbound=last_inbound,
            now=self.clock.now(),
        )

    def _throttled(self, error: SendError) -> None:
        loop = asyncio.get_running_loop()
        wait = (
            error.retry_after
            if error.http_status == 429 and error.retry_after
            else self.limits.throttle_wait
        )
        until = loop.time() + wait
        if until > self._pause_until:
            log.warning("WhatsApp asked to slow down (%s); all sending waits %.1f s", error, wait)
            self._pause_until = until
        self.stats.throttled += 1

    # what became of a row ------------------------------------------------------------------

    async def _record(self, handle: _Task, outcome: NoticeOutcome) -> None:
        row, term = handle.row, handle.term
        if outcome.message_ids:
            if outcome.error is not None:  # a long notice cut off half-way: what went, went
                log.warning("WhatsApp outbox row %d partly sent: %s", row.id, outcome.error)
            await self._mark_sent(handle, outcome.message_ids[0])
            if outcome.route is NoticeRoute.TEMPLATE:
                self.stats.templates += 1
            return
        error = outcome.error
        if error is None:  # NoticeRoute.WAIT: window closed and no template
            async with self.db.transaction() as conn:
                await outbox_store.wait_for_resident(conn, row.id, self.clock.now(), term=term)
            self.stats.waiting += 1
            return
        text = f"{error.kind.value} (code {error.code}): {error.detail}"
        kind = error.kind
        if kind is ErrorKind.WINDOW_CLOSED:
            async with self.db.transaction() as conn:
                await outbox_store.wait_for_resident(conn, row.id, self.clock.now(), term=term)
            self.stats.waiting += 1
            return
        if kind is ErrorKind.RECIPIENT_GONE:
            async with self.db.transaction() as conn:
                failed = await outbox_store.block_chat(conn, row.chat_id, error=text)
            self.stats.blocked += failed
            log.info(
                "WhatsApp: a contact cannot be reached (%s); %d queued messages dropped",
                error.code,
                failed,
            )
            return
        if kind is ErrorKind.OPTED_OUT:
            await self._fail(handle, REASON_OPTED_OUT, text)
            if row.notice == NoticeKind.ANNOUNCEMENT:  # and the next ones are not queued
                async with self.db.transaction() as conn:
                    await broadcasts_store.set_announcements(
                        conn, row.chat_id, "private", False, self.clock.now()
                    )
            return
        if kind is ErrorKind.INVALID:
            log.warning("WhatsApp outbox row %d refused: %s", row.id, text)
            await self._fail(handle, outbox_store.REASON_BAD_REQUEST, text)
            return
        if kind is ErrorKind.ACCOUNT:
            log.error(
                "WhatsApp refused the office's token or account (%s); sending waits %.0f s",
                text,
                self.limits.account_pause,
            )
            loop = asyncio.get_running_loop()
            self._pause_until = max(self._pause_until, loop.time() + self.limits.account_pause)
            await self._reschedule(handle, self.limits.account_pause, text)
            return
        if kind is ErrorKind.HELD_BACK:
            await self._reschedule(handle, error.retry_after or HELD_BACK_WAIT, text)
            return
        # TRANSIENT, and throughput / pair rate that did not pass: later, with backoff.
        attempt = row.attempts + 1
        if attempt >= self.limits.max_attempts:
            reason = (
                outbox_store.REASON_TIMEOUT
                if error.detail == "timeout"
                else outbox_store.REASON_SERVER
            )
            await self._fail(handle, reason, text)
            log.warning("WhatsApp outbox row %d failed after %d tries: %s", row.id, attempt, text)
            return
        await self._reschedule(handle, self.limits.backoff(attempt), text)

    async def _mark_sent(self, handle: _Task, wamid: str) -> None:
        row = handle.row
        for attempt in range(5):
            try:
                async with self.db.transaction() as conn:
                    marked = await outbox_store.mark_sent(
                        conn, row.id, self.clock.now(), term=handle.term, wamid=wamid
                    )
                if not marked and handle.term is not None:
                    log.warning(
                        "WhatsApp outbox row %d was claimed again under a later term", row.id
                    )
                break
            except Exception:
                if attempt == 4:
                    raise
                log.warning("WhatsApp outbox row %d sent but not marked yet; retrying", row.id)
                await asyncio.sleep(0.5 * (attempt + 1))
        self.stats.sent += 1

    async def _reschedule(self, handle: _Task, seconds: float, error: str) -> None:
        when = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction() as conn:
            await outbox_store.reschedule(
                conn, handle.row.id, not_before=when, error=error, term=handle.term
            )
        self.stats.retried += 1

    async def _fail(self, handle: _Task, reason: str, error: str) -> None:
        async with self.db.transaction() as conn:
            await outbox_store.mark_failed(
                conn, handle.row.id, reason=reason, error=error, term=handle.term
            )
        self.stats.failed += 1


# --- the inbound side's hooks ------------------------------------------------------------------


async def status_reported(svc: Services, status: Status) -> None:
    """A status WhatsApp reported for a message the outbox sent (the webhook's `on_status`;
    the status itself is recorded by the webhook). A `failed` one is acted on at once (the
    sender also finds the failed statuses the webhook recorded, every STATUS_SWEEP seconds,
    so nothing depends on this hook being wired)."""
    if status.status is not StatusKind.FAILED:
        return
    if await act_on_failure(svc, status.message_id, status.error_code):
        log.info(
            "WhatsApp: a message to %s failed (%s)", masked(status.recipient), status.error_code
        )
        svc.wake_outbox()


async def act_on_failure(svc: Services, wamid: str, code: int | None) -> bool:
    """The outbox row sent as `wamid` failed with `code` after WhatsApp took it: queued again
    when waiting fixes the failure (as the template when the window had closed), failed
    otherwise; a number that is gone stops its contact. False when no sent row has it (not
    the outbox's, or already handled)."""
    kind = classify(code, 400 if code is not None else None)
    error = f"status failed: {kind.value} (code {code})"
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        row = await outbox_store.by_wamid(conn, wamid)
        if row is None or row.state != outbox_store.SENT:
            return False
        if kind is ErrorKind.RECIPIENT_GONE:
            await outbox_store.fail_sent(
                conn, row.id, reason=outbox_store.REASON_BLOCKED, error=error
            )
            await outbox_store.block_chat(conn, row.chat_id, error=error)
        elif kind is ErrorKind.WINDOW_CLOSED:
            await outbox_store.requeue_sent(
                conn, row.id, not_before=now, error=error, window_closed=True
            )
        elif (kind.retried or kind is ErrorKind.HELD_BACK) and row.attempts < STATUS_MAX_ATTEMPTS:
            wait = HELD_BACK_WAIT if kind is ErrorKind.HELD_BACK else STATUS_RETRY_WAIT
            await outbox_store.requeue_sent(
                conn, row.id, not_before=now + timedelta(seconds=wait), error=error
            )
        else:
            reason = REASON_OPTED_OUT if kind is ErrorKind.OPTED_OUT else outbox_store.REASON_ERROR
            await outbox_store.fail_sent(conn, row.id, reason=reason, error=error)
    return True
