"""What the bot keeps for a resident's chat: that it was seen (or left), the cards it follows and
their labels, the check step in progress, and erasing all of it (/hapusdata).

Each change owns its transaction. No channel here: the conversation
(`bot.conversation.dialogue`) asks and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.config import OfficeInfo
from bot.services import questions
from bot.services.container import Services
from bot.services.insights import RecordInsight
from bot.services.office import load_office_info, office_info
from bot.services.verification import CHAT_WINDOW, NIK_WINDOW
from bot.storage import audit as audit_store
from bot.storage import chats as chats_store
from bot.storage import checks as checks_store
from bot.storage import records as records_store
from bot.storage import settings as settings_store
from bot.storage import subscriptions as subscriptions_store
from bot.storage.db import from_iso
from bot.storage.records import Record
from bot.storage.subscriptions import MAX_PER_CHAT, Subscribed, Subscription

__all__ = ["MAX_PER_CHAT", "Subscribed", "Subscription"]


@dataclass(frozen=True, slots=True)
class Followed:
    """A card this chat follows, as the resident reads it."""

    label: str | None
    nik_masked: str


@dataclass(frozen=True, slots=True)
class CardFacts:
    """Everything a check's answer says about a card besides the record itself."""

    today: date
    insight: RecordInsight
    office: OfficeInfo
    as_of: datetime  # the data is as of this moment (the record's update, or the last import)


class Residents:
    def __init__(self, services: Services) -> None:
        self.svc = services

    @classmethod
    def of(cls, services: Services) -> Residents:
        return cls(services)

    # --- every update ------------------------------------------------------------------------

    async def seen(self, chat_id: int, chat_type: str, *, gone: bool) -> bool:
        """Note the chat (`gone`: the bot was removed or blocked there) in a transaction; True
        when it came back after blocking the bot. (The usual update is noted without a write
        to wait for: `bot.conversation.steps.arrive`.)"""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            if gone:
                await chats_store.set_reachable(conn, chat_id, False)
                return False
            return await chats_store.seen(conn, chat_id, chat_type, now)

    async def cancel_step(self, chat_id: int) -> bool:
        """End the check step in progress; False when there was none."""
        async with self.svc.db.transaction() as conn:
            return await checks_store.clear_pending(conn, chat_id)

    # --- a check's answer --------------------------------------------------------------------

    async def card_facts(self, record: Record) -> CardFacts:
        reader = self.svc.db.reader  # committed data only, read here: no trip to the writer
        today = self.svc.today()
        insight = await self.svc.insights.record_insight(reader, record, today)
        values = await settings_store.read_all(reader)  # one small table
        office = office_info(values)
        as_of = from_iso(record.updated_at)
        last_import = values.get(settings_store.LAST_IMPORT_AT)
        if last_import:
            as_of = max(as_of, from_iso(last_import))
        return CardFacts(today, insight, office, as_of)

    async def proved(self, chat_id: int, record_id: int) -> Record | None:
        """The record this chat proved with NIK + KK lately (None when it did not, or long ago)."""
        conn = self.svc.db.conn
        if not await checks_store.is_verified(conn, chat_id, record_id, self.svc.clock.now()):
            return None
        return await records_store.get_by_id(conn, record_id)

    async def office(self) -> OfficeInfo:
        return await load_office_info(self.svc.db.conn)

    # --- following cards ---------------------------------------------------------------------

    async def following(self, chat_id: int) -> list[Subscription]:
        return await subscriptions_store.for_chat(self.svc.db.conn, chat_id)

    async def count(self, chat_id: int) -> int:
        return await subscriptions_store.count(self.svc.db.conn, chat_id)

    async def followed(self, chat_id: int, record_id: int) -> Followed:
        """The label and masked NIK of a card this chat follows (empty when it does not)."""
        for item in await self.following(chat_id):
            if item.record.id == record_id:
                return Followed(item.label, item.record.nik_masked)
        return Followed(None, "")

    async def subscribe(self, chat_id: int, record_id: int) -> Subscribed | None:
        """Follow a card this chat has just proved (then a label is asked for); None when the
        proof expired."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            if not await checks_store.is_verified(conn, chat_id, record_id, now):
                return None
            outcome = await subscriptions_store.subscribe(conn, chat_id, record_id, now)
            if outcome is not Subscribed.FULL:
                await checks_store.set_pending(
                    conn, chat_id, checks_store.Step.LABEL, now, record_id=record_id
                )
        return outcome

    async def ask_label(self, chat_id: int, record_id: int) -> bool:
        """Wait for a new label for a followed card; False when the chat does not follow it."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            following = await subscriptions_store.is_subscribed(conn, chat_id, record_id)
            if following:
                await checks_store.set_pending(
                    conn, chat_id, checks_store.Step.LABEL, now, record_id=record_id
                )
        return following

    async def set_label(self, chat_id: int, record_id: int, label: str | None) -> bool:
        """Name a followed card (None: no name); False when the chat does not follow it."""
        async with self.svc.db.transaction() as conn:
            saved = await subscriptions_store.set_label(conn, chat_id, record_id, label)
            await checks_store.clear_pending(conn, chat_id)
        return saved

    async def stop(self, chat_id: int, record_id: int) -> bool:
        async with self.svc.db.transaction() as conn:
            return await subscriptions_store.unsubscribe(conn, chat_id, record_id)

    async def stop_all(self, chat_id: int) -> int:
        async with self.svc.db.transaction() as conn:
            return await subscriptions_store.unsubscribe_all(conn, chat_id)

    # --- privacy -----------------------------------------------------------------------------

    async def erase(self, chat_id: int) -> None:
        """Erase what the bot keeps about this chat (recent failures still count, unlinked)."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            # the desk shows "[dihapus oleh warga]"; today's question limits keep counting
            await questions.erase_chat(conn, chat_id, now, questions.start_of_day(self.svc, now))
            await audit_store.forget_actor(conn, chat_id)  # refused commands: no chat id kept
            await chats_store.forget(
                conn,
                chat_id,
                keep_failures_since=now - NIK_WINDOW,
                chat_window_since=now - CHAT_WINDOW,
                now=now,
            )
