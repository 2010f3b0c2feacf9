"""The outbox: what the bot has to send, queued inside the transaction that caused it.

A status change (by staff or an import) queues one message per subscriber here, in the caller's
transaction, so a change and its notifications exist together or not at all. Quiet hours are
decided here too. Delivery is the dispatcher's job; once the transaction has committed the
caller rings `Services.wake_outbox()` so a running dispatcher looks at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.domain.config import Settings
from bot.domain.notices import NoticeKind
from bot.states import KtpStatus
from bot.storage import outbox as outbox_store
from bot.storage import records as records_store
from bot.storage.driver import Conn

# --- queueing (called inside the caller's transaction) ----------------------------------------


def status_dedup_key(record_id: int, status: KtpStatus, entered_on: date, chat_id: int) -> str:
    return f"status:{record_id}:{status.value}:{entered_on.isoformat()}:{chat_id}"


async def enqueue_status_change(
    conn: Conn,
    *,
    record_id: int,
    status: KtpStatus,
    entered_on: date,
    now: datetime,
) -> int:
    """Queue the message for each subscriber of a record that entered `status` (caller's txn).

    Does nothing for statuses that do not notify. One event (record, status, date, chat) is
    queued once however often the same data is imported. Returns the number of rows queued.
    Call `services.wake_outbox()` after the transaction commits so delivery starts at once.
    """
    if not status.facts.notifies:
        return 0
    subscribers = await outbox_store.reachable_subscribers(conn, record_id)
    if not subscribers:
        return 0
    if await records_store.get_by_id(conn, record_id) is None:
        return 0
    # An event per subscriber; its words (masked NIK, the chat's label, the office's details)
    # are put together when it is sent (bot/services/notices.py).
    params = {"record_id": record_id, "status": status.value, "entered_on": entered_on.isoformat()}
    queued = 0
    for sub in subscribers:
        if await outbox_store.insert(
            conn,
            kind=outbox_store.KIND_STATUS,
            chat_id=sub.chat_id,
            dedup_key=status_dedup_key(record_id, status, entered_on, sub.chat_id),
            now=now,
            notice=NoticeKind.STATUS_CHANGE,
            params=params,
        ):
            queued += 1
    return queued


# --- quiet hours ------------------------------------------------------------------------------


async def enqueue_desk_note(
    conn: Conn, *, kind: str, chat_ids: list[int], text: str, key: str, now: datetime
) -> None:
    """A note to staff (marked text, e.g. an import's report, the desk group lost) queued for
    each of `chat_ids` in the caller's transaction; `key` makes it once per chat."""
    for chat_id in chat_ids:
        await outbox_store.insert(
            conn,
            kind=kind,
            chat_id=chat_id,
            dedup_key=f"{key}:{chat_id}",
            now=now,
            notice=NoticeKind.DESK_NOTE,
            params={"markup": text},
            urgent=True,
            lane=outbox_store.LANE_DESK,
        )


def in_quiet_hours(settings: Settings, now: datetime) -> bool:
    return settings.quiet_hours.contains(now.astimezone(settings.tz).hour)


def quiet_hours_end(settings: Settings, now: datetime) -> datetime | None:
    """When the current quiet hours end (UTC), or None outside quiet hours."""
    if not in_quiet_hours(settings, now):
        return None
    quiet = settings.quiet_hours
    local = now.astimezone(settings.tz)
    end = local.replace(hour=quiet.end, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)
