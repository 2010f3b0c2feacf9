"""/buka NIK: staff lift the residents' lock on a NIK after checking the person at the counter.

Anyone who knows a NIK can lock it for a day with ten wrong KKs. A staff member who has seen the
person (and their KK) lifts the lock: the lock and the NIK's failed tries are removed, so the
person starts with fresh tries; one audit row says who lifted which NIK (masked) and until when
it would have held.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.nik import Nik
from bot.domain.privacy import mask_nik
from bot.services.container import Services
from bot.storage import attempts as attempts_store
from bot.storage import audit as audit_store
from bot.storage.attempts import LockScope


async def lift(svc: Services, nik: Nik, actor_id: int) -> datetime | None:
    """Lift the NIK's lock; returns when it would have ended, or None when there was none
    (then nothing changes and nothing is audited)."""
    nik_hash = svc.hasher.nik(nik.digits)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        until = await attempts_store.locked_until(conn, LockScope.NIK, nik_hash, now)
        if until is None:
            return None
        await attempts_store.unlock(conn, LockScope.NIK, nik_hash)
        await attempts_store.clear_nik_failures(conn, nik_hash)
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.NIK_UNLOCK,
            target=mask_nik(nik.digits),
            old=until.isoformat(timespec="seconds"),
        )
    return until
