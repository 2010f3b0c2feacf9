"""A staff member's draft kept between messages as a step (`storage.steps`), so a restart in the
middle changes nothing: written in its own transaction, read back (an expired one too, for the
caller to say so), dropped. An announcement (`broadcasting`) and a visit (`visits`) keep theirs
here, each under its own kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.container import Services
from bot.storage import steps as steps_store
from bot.storage.steps import StaffStep


@dataclass(frozen=True, slots=True)
class DraftSteps:
    svc: Services
    kind: str

    async def read(self, chat_id: int, user_id: int, now: datetime) -> StaffStep | None:
        """The draft's step, expired or not; None when there is none (read on the reader, no
        trip to the writer: asked on every update)."""
        async with self.svc.db.snapshot() as reader:
            return await steps_store.get(
                reader, chat_id, user_id, self.kind, now, include_expired=True
            )

    async def put(
        self,
        chat_id: int,
        user_id: int,
        payload: dict[str, Any],
        expires_at: datetime,
        now: datetime | None = None,
    ) -> None:
        """Keep the draft (replacing an earlier one of this staff member in this chat)."""
        async with self.svc.db.transaction() as conn:
            await steps_store.put(
                conn,
                chat_id,
                user_id,
                self.kind,
                payload,
                now if now is not None else self.svc.clock.now(),
                expires_at,
            )

    async def drop(self, chat_id: int, user_id: int) -> bool:
        """Forget the draft; False when there was none."""
        async with self.svc.db.transaction() as conn:
            return await steps_store.delete(conn, chat_id, user_id, self.kind)
