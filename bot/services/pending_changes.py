"""/ubah: a status change asked for and waiting for the staff member's confirmation.

The question is kept in the database (`storage.steps`, kind "ubah"), so it survives a restart:
the buttons still work afterwards, until CONFIRM_MINUTES have passed. A staff member may have
several questions open at once (each message its own `change_id`); they live in one step row:

    {"changes": {change_id: {record_id, nik_masked, old, new, note, backward,
                             backward_confirmed, asked_at}}}

Once confirmed, the change itself is `services.status_change.change_status` (its own transaction,
audit row and notifications). This module imports no `telegram`: the handler parses the
command and the button, calls `propose` or `answer`, and turns the outcome into a reply.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.nik import Nik
from bot.domain.privacy import mask_nik
from bot.services import outbox, status_change
from bot.services.container import Services
from bot.services.redaction import clean_note
from bot.services.status_change import StatusChangeResult
from bot.states import KtpStatus, is_backward
from bot.storage import from_iso, utc_iso
from bot.storage import records as records_store
from bot.storage import steps as steps_store
from bot.storage.driver import Conn

#: The longest note /ubah keeps with a status change.
UBAH_NOTE_LIMIT = 500
#: A question nobody answered within this time is no longer valid.
CONFIRM_MINUTES = 60
#: The staff step's kind in `storage.steps`.
KIND = "ubah"
#: Open questions kept per staff member; the oldest give way.
MAX_OPEN = 20
#: Characters of a change id (hex); the buttons carry it.
CHANGE_ID_LENGTH = 8


class Action(StrEnum):
    """A button under the question (the values are what the buttons carry)."""

    YES = "ya"
    BACKWARD = "mundur"  # yes, at the second question of a backward change
    CANCEL = "batal"


@dataclass(frozen=True, slots=True)
class PendingChange:
    change_id: str
    record_id: int
    nik_masked: str
    old: KtpStatus
    new: KtpStatus
    note: str | None
    backward: bool
    asked_at: datetime
    backward_confirmed: bool = False

    def _payload(self) -> dict[str, Any]:
        data = asdict(self)
        del data["change_id"]
        data.update(old=self.old.value, new=self.new.value, asked_at=utc_iso(self.asked_at))
        return data

    @classmethod
    def _from_payload(cls, change_id: str, data: dict[str, Any]) -> PendingChange:
        return cls(
            change_id=change_id,
            record_id=int(data["record_id"]),
            nik_masked=str(data["nik_masked"]),
            old=KtpStatus(data["old"]),
            new=KtpStatus(data["new"]),
            note=data.get("note"),
            backward=bool(data["backward"]),
            asked_at=from_iso(data["asked_at"]),
            backward_confirmed=bool(data.get("backward_confirmed", False)),
        )

    def expires_at(self) -> datetime:
        return self.asked_at + timedelta(minutes=CONFIRM_MINUTES)


# --- asking -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteTooLong:
    limit: int


@dataclass(frozen=True, slots=True)
class NotFound:
    nik_masked: str


@dataclass(frozen=True, slots=True)
class SameStatus:
    nik_masked: str
    status: KtpStatus
    since: date


@dataclass(frozen=True, slots=True)
class Asked:
    """The question to show, with buttons carrying `change.change_id` and `change.record_id`."""

    change: PendingChange
    old_since: date


Proposal = NoteTooLong | NotFound | SameStatus | Asked


async def propose(
    svc: Services, *, chat_id: int, user_id: int, nik: Nik, new: KtpStatus, note_text: str
) -> Proposal:
    """Check an /ubah and keep the question until it is answered (or CONFIRM_MINUTES pass)."""
    if len(note_text) > UBAH_NOTE_LIMIT:
        return NoteTooLong(UBAH_NOTE_LIMIT)
    note = clean_note(note_text) if note_text else None
    record = await records_store.get_by_nik_hash(svc.db.conn, svc.hasher.nik(nik.digits))
    if record is None:
        return NotFound(mask_nik(nik.digits))
    if record.status == new:
        return SameStatus(record.nik_masked, new, record.status_date)
    now = svc.clock.now()
    change = PendingChange(
        change_id=secrets.token_hex(CHANGE_ID_LENGTH // 2),
        record_id=record.id,
        nik_masked=record.nik_masked,
        old=record.status,
        new=new,
        note=note,
        backward=is_backward(record.status, new),
        asked_at=now,
    )
    async with svc.db.transaction() as conn:
        changes = await _load(conn, chat_id, user_id, now)
        changes[change.change_id] = change
        await _save(conn, chat_id, user_id, changes, now)
    return Asked(change, record.status_date)


# --- answering --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expired:
    """Nobody answered within `minutes`; nothing was changed."""

    minutes: int


@dataclass(frozen=True, slots=True)
class NotValid:
    """Answered already, replaced, or the button does not belong to an open question."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    pass


@dataclass(frozen=True, slots=True)
class AskBackward:
    """A backward change: ask once more, with a `Action.BACKWARD` button."""

    change: PendingChange


@dataclass(frozen=True, slots=True)
class MovedMeanwhile:
    nik_masked: str
    current: KtpStatus


@dataclass(frozen=True, slots=True)
class Done:
    change: PendingChange
    result: StatusChangeResult
    held_until: datetime | None  # the news to subscribers waits for the quiet hours' end


Answer = Expired | NotValid | Cancelled | AskBackward | MovedMeanwhile | Done


async def answer(
    svc: Services, *, chat_id: int, user_id: int, change_id: str, record_id: int, action: Action
) -> Answer:
    """A button under an /ubah question was pressed by the staff member who asked."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        changes = await _load(conn, chat_id, user_id, now, keep_expired=True)
        change = changes.get(change_id)
        if change is None or change.record_id != record_id:
            return NotValid()
        if now >= change.expires_at():
            del changes[change_id]
            await _save(conn, chat_id, user_id, changes, now)
            return Expired(CONFIRM_MINUTES)
        if action == Action.CANCEL:
            del changes[change_id]
            await _save(conn, chat_id, user_id, changes, now)
            return Cancelled()
        if change.backward and not change.backward_confirmed:
            if action != Action.YES:
                return NotValid()
            change = replace(change, backward_confirmed=True)
            changes[change_id] = change
            await _save(conn, chat_id, user_id, changes, now)
            return AskBackward(change)
        if action != (Action.BACKWARD if change.backward else Action.YES):
            return NotValid()
        del changes[change_id]
        await _save(conn, chat_id, user_id, changes, now)
    # The question is gone (a second press finds nothing); the change is its own transaction.
    result = await status_change.change_status(
        svc,
        record_id=change.record_id,
        expected=change.old,
        new=change.new,
        note=change.note,
        actor_id=user_id,
    )
    if not result.applied:
        return MovedMeanwhile(change.nik_masked, result.current)
    return Done(change, result, outbox.quiet_hours_end(svc.settings, svc.clock.now()))


# --- the step row -----------------------------------------------------------------------------


async def _load(
    conn: Conn,
    chat_id: int,
    user_id: int,
    now: datetime,
    *,
    keep_expired: bool = False,
) -> dict[str, PendingChange]:
    step = await steps_store.get(conn, chat_id, user_id, KIND, now, include_expired=True)
    if step is None:
        return {}
    found: dict[str, PendingChange] = {}
    for change_id, data in dict(step.payload.get("changes", {})).items():
        try:
            change = PendingChange._from_payload(change_id, data)
        except (KeyError, ValueError, TypeError):
            continue  # written by another version of the bot: let it go
        if keep_expired or now < change.expires_at():
            found[change_id] = change
    return found


async def _save(
    conn: Conn,
    chat_id: int,
    user_id: int,
    changes: dict[str, PendingChange],
    now: datetime,
) -> None:
    live = sorted((c for c in changes.values() if now < c.expires_at()), key=lambda c: c.asked_at)[
        -MAX_OPEN:
    ]
    if not live:
        await steps_store.delete(conn, chat_id, user_id, KIND)
        return
    payload = {"changes": {c.change_id: c._payload() for c in live}}
    expires_at = max(c.expires_at() for c in live)
    created_at = min(c.asked_at for c in live)
    await steps_store.put(conn, chat_id, user_id, KIND, payload, created_at, expires_at)
