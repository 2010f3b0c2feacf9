"""Announcements: a staff member's draft (kept across restarts for a day), the audiences and their
counts, sending (queued in the outbox with its audit row), stopping, and residents opting out.

No Telegram here: `bot.handlers.broadcast` turns these answers into messages and buttons.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from bot import texts_staff
from bot.domain.nik import MUSI_RAWAS, MUSI_RAWAS_DISTRICTS
from bot.domain.nik import district_name as nik_district_name
from bot.services.container import Services
from bot.services.drafts import DraftSteps
from bot.services.outbox import in_quiet_hours, quiet_hours_end
from bot.services.redaction import carries_id_number
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import broadcasts as broadcasts_store
from bot.storage import steps as steps_store
from bot.storage.broadcasts import (
    ALL,
    CANCELLED,
    DISTRICT,
    SENDING,
    STATUS,
    Audience,
    Broadcast,
)
from bot.storage.broadcasts import BroadcastFigures as Figures

__all__ = [
    "ALL",
    "CANCELLED",
    "DISTRICT",
    "SENDING",
    "STATUS",
    "Audience",
    "Broadcast",
    "Figures",
]

#: The staff step's kind in `storage.steps`.
DRAFT_KIND = "siaran"
#: A draft not sent within this time is dropped.
DRAFT_LIFETIME = timedelta(days=1)
#: Letters the staff may write (Telegram allows 4096 with the announcement's frame).
TEXT_LIMIT = 3500
#: Musi Rawas' province and regency code: a district audience is this and the district's two.
#: How many recent announcements the list shows.
LIST_LIMIT = 8

AUDIT_BROADCAST = "siaran"
AUDIT_BROADCAST_STOP = "hentikan_siaran"


class Step(StrEnum):
    """Where a draft is: waiting for its text, for its audience, for the go."""

    WRITING = "writing"
    CHOOSING = "choosing"
    CONFIRMING = "confirming"


class TextProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    ID_NUMBER = "id_number"  # a NIK or KK: personal data, never sent out


@dataclass(frozen=True, slots=True)
class Draft:
    """A staff member's announcement in the making (one per chat and staff member)."""

    chat_id: int
    user_id: int
    expires_at: datetime
    step: Step = Step.WRITING
    text: str = ""  # HTML, as staff wrote it
    audience: Audience | None = None
    token: str = ""  # ties the buttons of a preview to this draft
    expired: bool = False

    def _payload(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "text": self.text,
            "audience": self.audience.to_json() if self.audience else None,
            "token": self.token,
        }


@dataclass(frozen=True, slots=True)
class Sent:
    broadcast_id: int
    recipients: int


def check_text(plain: str) -> TextProblem | None:
    """Why this announcement text cannot go out, or None when it can."""
    if not plain.strip():
        return TextProblem.EMPTY
    if len(plain.strip()) > TEXT_LIMIT:
        return TextProblem.TOO_LONG
    if carries_id_number(plain):  # never goes out, nor is stored with it
        return TextProblem.ID_NUMBER
    return None


def district_audience(code: str) -> Audience | None:
    """The subscribers of a Musi Rawas district (its two-digit code), or None for no district."""
    return Audience(DISTRICT, MUSI_RAWAS + code) if code in MUSI_RAWAS_DISTRICTS else None


def status_audience(name: str) -> Audience | None:
    """The subscribers of cards in one status (its `KtpStatus` name), or None for no status."""
    return Audience(STATUS, name) if name in KtpStatus.__members__ else None


def everyone() -> Audience:
    return Audience(ALL)


def district_name(audience: Audience) -> str | None:
    """The district's name of a district audience."""
    if audience.kind == DISTRICT and audience.value:
        return nik_district_name(audience.value)
    return None


class Broadcasting:
    """The announcement use cases; each change owns its transaction and audit row."""

    def __init__(self, services: Services) -> None:
        self.svc = services
        self._drafts = DraftSteps(services, DRAFT_KIND)

    @classmethod
    def of(cls, services: Services) -> Broadcasting:
        return cls(services)

    # --- the draft ---------------------------------------------------------------------------

    async def start_draft(self, chat_id: int, user_id: int) -> Draft:
        """A new, empty draft (an earlier one of this staff member is replaced)."""
        now = self.svc.clock.now()
        draft = Draft(chat_id, user_id, now + DRAFT_LIFETIME, token=secrets.token_hex(4))
        await self._drafts.put(chat_id, user_id, draft._payload(), draft.expires_at, now)
        return draft

    async def draft(self, chat_id: int, user_id: int) -> Draft | None:
        """The staff member's draft, or None; an expired one comes with `expired` set (and is
        dropped after the caller said so with `drop_draft`)."""
        now = self.svc.clock.now()
        step = await self._drafts.read(chat_id, user_id, now)
        if step is None:
            return None
        payload = step.payload
        audience = payload.get("audience")
        try:
            kind = Step(payload.get("step", Step.WRITING.value))
        except ValueError:
            kind = Step.WRITING
        return Draft(
            chat_id=chat_id,
            user_id=user_id,
            expires_at=step.expires_at,
            step=kind,
            text=str(payload.get("text") or ""),
            audience=Audience.from_json(audience) if audience else None,
            token=str(payload.get("token") or ""),
            expired=step.expired(now),
        )

    async def save_draft(self, draft: Draft, **changes: Any) -> Draft:
        """The draft with `changes` (step, text, audience), kept until its original expiry."""
        draft = replace(draft, **changes)
        await self._drafts.put(draft.chat_id, draft.user_id, draft._payload(), draft.expires_at)
        return draft

    async def drop_draft(self, chat_id: int, user_id: int) -> bool:
        """Forget the draft; False when there was none."""
        return await self._drafts.drop(chat_id, user_id)

    # --- audiences ---------------------------------------------------------------------------

    async def count(self, audience: Audience) -> int:
        return await broadcasts_store.count_audience(self.svc.db.conn, audience)

    async def counts_by_district(self) -> dict[str, int]:
        """Recipients per two-digit district code."""
        counts = await broadcasts_store.counts_by_district(self.svc.db.conn)
        return {code: counts.get(MUSI_RAWAS + code, 0) for code in sorted(MUSI_RAWAS_DISTRICTS)}

    async def counts_by_status(self) -> dict[str, int]:
        """Recipients per status name."""
        return await broadcasts_store.counts_by_status(self.svc.db.conn)

    def quiet_hours_end(self) -> datetime | None:
        """When the quiet hours end, or None when it is not quiet now."""
        return quiet_hours_end(self.svc.settings, self.svc.clock.now())

    # --- sending and stopping ----------------------------------------------------------------

    async def send(
        self,
        draft: Draft,
        *,
        now_in_quiet_hours: bool,
        progress_chat_id: int,
        progress_message_id: int,
    ) -> Sent:
        """Queue the draft's announcement for its audience, audit it and drop the draft, in one
        transaction. `now_in_quiet_hours`: staff chose to send even in the quiet hours."""
        assert draft.audience is not None
        now = self.svc.clock.now()
        send_now = now_in_quiet_hours and in_quiet_hours(self.svc.settings, now)
        async with self.svc.db.transaction() as conn:
            broadcast_id, count = await broadcasts_store.create(
                conn,
                created_by=draft.user_id,
                text=draft.text,
                audience=draft.audience,
                now=now,
                send_now=send_now,
                progress_chat_id=progress_chat_id,
                progress_message_id=progress_message_id,
            )
            await audit_store.add(
                conn,
                now=now,
                actor_id=draft.user_id,
                action=AUDIT_BROADCAST,
                target=f"#{broadcast_id}",
                new=draft.audience.to_json(),
                detail=texts_staff.audit_broadcast_detail(count, send_now),
            )
            await steps_store.delete(conn, draft.chat_id, draft.user_id, DRAFT_KIND)
        return Sent(broadcast_id, count)

    async def running(self, broadcast_id: int) -> Figures | None:
        """The figures of an announcement being sent; None when it is not being sent."""
        broadcast = await broadcasts_store.get(self.svc.db.conn, broadcast_id)
        if broadcast is None or broadcast.state != SENDING:
            return None
        return await broadcasts_store.figures(self.svc.db.conn, broadcast_id)

    async def stop(self, broadcast_id: int, actor_id: int) -> int | None:
        """Stop an announcement being sent (audited): how many messages will not go out, or
        None when it was not being sent."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            dropped = await broadcasts_store.cancel(conn, broadcast_id, now)
            if dropped is not None:
                await audit_store.add(
                    conn,
                    now=now,
                    actor_id=actor_id,
                    action=AUDIT_BROADCAST_STOP,
                    target=f"#{broadcast_id}",
                    detail=texts_staff.audit_broadcast_stop_detail(dropped),
                )
        return dropped

    async def recent(self, limit: int = LIST_LIMIT) -> list[tuple[Broadcast, Figures]]:
        """The latest announcements, newest first, with their figures."""
        conn = self.svc.db.conn
        return [
            (broadcast, await broadcasts_store.figures(conn, broadcast.id))
            for broadcast in await broadcasts_store.recent(conn, limit)
        ]

    # --- residents' choice -------------------------------------------------------------------

    async def announcements_on(self, chat_id: int) -> bool:
        return await broadcasts_store.announcements_on(self.svc.db.conn, chat_id)

    async def set_announcements(self, chat_id: int, chat_type: str, on: bool) -> None:
        """Opt a chat in or out of announcements (its card news is not affected)."""
        async with self.svc.db.transaction() as conn:
            await broadcasts_store.set_announcements(
                conn, chat_id, chat_type, on, self.svc.clock.now()
            )
