"""The outbox: durable notifications and broadcasts, and the rate-limited dispatcher."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot import texts_id
from bot.office import load_office_info
from bot.states import KtpStatus
from bot.storage import outbox as outbox_store
from bot.storage import records as records_store


def status_dedup_key(record_id: int, status: KtpStatus, entered_on: date, chat_id: int) -> str:
    return f"status:{record_id}:{status.value}:{entered_on.isoformat()}:{chat_id}"


async def enqueue_status_change(
    conn: aiosqlite.Connection,
    *,
    record_id: int,
    status: KtpStatus,
    entered_on: date,
    now: datetime,
) -> int:
    """Queue the message for each subscriber of a record that entered `status` (caller's txn).

    Does nothing for statuses that do not notify. One event (record, status, date, chat) is
    queued once however often the same data is imported. Returns the number of rows queued.
    Call `wake(application)` after the transaction commits so delivery starts at once.
    """
    if not status.facts.notifies:
        return 0
    subscribers = await outbox_store.reachable_subscribers(conn, record_id)
    if not subscribers:
        return 0
    record = await records_store.get_by_id(conn, record_id)
    if record is None:
        return 0
    office = await load_office_info(conn)
    queued = 0
    for sub in subscribers:
        text = texts_id.status_notice(
            status,
            nik_masked=record.nik_masked,
            label=sub.label,
            entered_on=entered_on,
            office=office,
        )
        if await outbox_store.insert(
            conn,
            kind=outbox_store.KIND_STATUS,
            chat_id=sub.chat_id,
            text=text,
            dedup_key=status_dedup_key(record_id, status, entered_on, sub.chat_id),
            now=now,
        ):
            queued += 1
    return queued


NOTIFIER_KEY = "notifier"


def wake(application: object) -> None:
    """Tell the running dispatcher (if any) that rows were queued; safe to call anywhere."""
    bot_data = getattr(application, "bot_data", None)
    notifier = bot_data.get(NOTIFIER_KEY) if isinstance(bot_data, dict) else None
    if notifier is not None:
        notifier.wake()
