"""Test helpers for the staff features: records to look at, subscriptions, audit rows."""

from __future__ import annotations

from datetime import date

from conftest import BotEnv

from bot.domain.privacy import mask_name, mask_nik
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import records as records_store
from bot.storage import subscriptions as subscriptions_store
from bot.storage.audit import AuditEntry

# Valid NIKs: Tugumulyo (160501) woman born 1 Jan 1990; Muara Beliti (160509) man born
# 15 Mar 1985; Lubuklinggau (167301, outside Musi Rawas) man born 2 Feb 2000.
NIK_A = "1605014101900001"
NIK_B = "1605091503850002"
NIK_C = "1673010202000003"
KK_A = "1605010101100001"
KK_B = "1605090101100002"
KK_C = "1673010101100003"


async def add_record(
    env: BotEnv,
    nik: str,
    kk: str,
    history: list[tuple[KtpStatus, date]],
    *,
    name: str = "Siti Aminah",
    source: str = "import:data.csv",
) -> int:
    """A record with its history (oldest first); the last entry is its current status."""
    hasher = env.services.hasher
    now = env.clock.now()
    first_status, first_on = history[0]
    async with env.services.db.transaction() as conn:
        record_id = await records_store.insert_record(
            conn,
            nik_hash=hasher.nik(nik),
            kk_hash=hasher.kk(kk),
            nik_masked=mask_nik(nik),
            name_masked=mask_name(name),
            district=nik[:6],
            status=first_status,
            status_date=first_on,
            note=None,
            source=source,
            actor_id=None,
            now=now,
        )
        for status, on in history[1:]:
            await records_store.set_status(conn, record_id, status, on, None, source, None, now)
    return record_id


async def subscribe(env: BotEnv, chat_id: int, record_id: int) -> None:
    async with env.services.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, chat_id, record_id, env.clock.now())


async def audit_rows(env: BotEnv, action: str | None = None) -> list[AuditEntry]:
    return await audit_store.entries(env.services.db.conn, action=action)


async def current_status(env: BotEnv, nik: str) -> KtpStatus:
    record = await records_store.get_by_nik_hash(env.services.db.conn, env.services.hasher.nik(nik))
    assert record is not None
    return record.status
