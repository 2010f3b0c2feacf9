"""A staff member's status change: record, history, audit and notifications in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services import outbox
from bot.services.container import Services
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import records as records_store

SOURCE_STAFF = "staff"


@dataclass(frozen=True, slots=True)
class StatusChangeResult:
    applied: bool  # False: the record was not in `expected` any more (or is gone)
    current: KtpStatus  # the record's status after the call
    entered_on: date  # the office's date of the change
    notifications: int  # messages queued for subscribers


async def change_status(
    svc: Services,
    *,
    record_id: int,
    expected: KtpStatus,
    new: KtpStatus,
    note: str | None,
    actor_id: int,
) -> StatusChangeResult:
    """Move a record from `expected` to `new`, dated today in the office's time zone.

    The status, its history row, the audit row and the notifications it causes are written in
    one transaction, so none of them exists without the others; the dispatcher is woken once
    it commits. Nothing is written when the record moved meanwhile (another staff member, an
    import): the caller says so instead.
    """
    now = svc.clock.now()
    today = svc.today(now)
    async with svc.db.transaction() as conn:
        record = await records_store.get_by_id(conn, record_id)
        if record is None or record.status != expected:
            current = record.status if record else expected
            return StatusChangeResult(False, current, today, 0)
        await records_store.set_status(
            conn, record.id, new, today, note, SOURCE_STAFF, actor_id, now
        )
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.STATUS_CHANGE,
            target=record.nik_masked,
            old=expected.value,
            new=new.value,
            detail=note,
        )
        queued = await outbox.enqueue_status_change(
            conn, record_id=record.id, status=new, entered_on=today, now=now
        )
    if queued:
        svc.wake_outbox()  # committed: the dispatcher may deliver at once
    return StatusChangeResult(True, new, today, queued)
