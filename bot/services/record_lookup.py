"""/status: what staff see about one NIK (record, history, subscribers, the residents' lock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.nik import Nik
from bot.services.container import Services
from bot.services.verification import nik_locked_until
from bot.storage import records as records_store
from bot.storage import stats as stats_store
from bot.storage.records import HistoryEntry, Record


@dataclass(frozen=True, slots=True)
class RecordView:
    record: Record
    history: list[HistoryEntry]  # oldest first
    subscribers: int  # chats following the record
    locked_until: datetime | None  # residents may not check the NIK until then
    #: The followers per channel ("telegram", "whatsapp"): counts only, never who.
    by_channel: dict[str, int] = field(default_factory=dict)


async def look_up(svc: Services, nik: Nik) -> RecordView | None:
    """Everything /status shows about the NIK, or None when it is not in the bot's data.

    Staff lookups are read-only and not limited (the residents' lock does not apply)."""
    record = await records_store.get_by_nik_hash(svc.db.conn, svc.hasher.nik(nik.digits))
    return None if record is None else await view_of(svc, record)


async def view_of(svc: Services, record: Record) -> RecordView:
    """What /status shows about this record (its history, followers and lock)."""
    conn = svc.db.conn
    return RecordView(
        record=record,
        history=await records_store.history(conn, record.id),
        subscribers=await stats_store.subscribed_chats(conn, record.id),
        locked_until=await nik_locked_until(conn, record.nik_hash, svc.clock.now()),
        by_channel=await stats_store.followers_by_channel(conn, record.id),
    )
