"""An import sent through the bot: the /impor wait for a file (kept in the database, so it
survives a restart) and the audit row of an import that ran.

The import itself is `bot.services.importer.import_file`; the size limit of an upload is the
Telegram handler's (`handlers/staff.py`), which refuses the file before it is downloaded.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from bot import texts_staff
from bot.services.container import Services
from bot.services.importer import ImportSummary
from bot.storage import audit as audit_store
from bot.storage import steps as steps_store

#: After /impor the bot waits this long for the file; a later document is not imported.
IMPOR_WAIT_MINUTES = 10
#: The staff step's kind in `storage.steps`.
WAIT_KIND = "impor"


class Wait(Enum):
    NONE = "none"  # no /impor is waiting
    OPEN = "open"  # the file is awaited
    EXPIRED = "expired"  # /impor was sent, but longer ago than IMPOR_WAIT_MINUTES (an expired
    # wait is kept until the next file or /batal, which is told it expired, as before a restart)


async def start_wait(svc: Services, chat_id: int, user_id: int) -> None:
    """/impor: wait IMPOR_WAIT_MINUTES for this staff member's file (a new /impor restarts it)."""
    now = svc.clock.now()
    until = now + timedelta(minutes=IMPOR_WAIT_MINUTES)
    async with svc.db.transaction() as conn:
        await steps_store.put(conn, chat_id, user_id, WAIT_KIND, {}, now, until)


async def wait_state(svc: Services, chat_id: int, user_id: int) -> Wait:
    """Whether a file is awaited from this staff member (changes nothing)."""
    now = svc.clock.now()
    step = await steps_store.get(
        svc.db.conn, chat_id, user_id, WAIT_KIND, now, include_expired=True
    )
    if step is None:
        return Wait.NONE
    return Wait.EXPIRED if step.expired(now) else Wait.OPEN


async def end_wait(svc: Services, chat_id: int, user_id: int) -> Wait:
    """Stop waiting (a file came, or /batal); the state the wait was in."""
    state = await wait_state(svc, chat_id, user_id)
    async with svc.db.transaction() as conn:
        await steps_store.delete(conn, chat_id, user_id, WAIT_KIND)
    return state


async def record_import(
    svc: Services, *, actor_id: int | None, name: str, summary: ImportSummary
) -> None:
    """The audit row of an import sent through the bot: the file's name and the counts."""
    async with svc.db.transaction() as conn:
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=actor_id,
            action=audit_store.IMPORT,
            target=name,
            new=texts_staff.audit_import_counts(
                summary.rows_read,
                summary.new,
                summary.changed,
                summary.unchanged,
                summary.rejected,
            ),
            detail=texts_staff.audit_import_detail(summary.import_id)
            if summary.import_id
            else None,
        )
