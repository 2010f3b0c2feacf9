"""Housekeeping while the bot runs, never inside a resident's request.

`purge_expired` drops what has expired — check steps and proofs (`storage/checks`), failed
attempts and ended locks (`storage/attempts`), staff steps (`storage/steps`), WhatsApp's
message ids, statuses and paged menus (`storage/whatsapp`), the status a chat was last shown
(`storage/context`) — a chunk at a
time by the indexes on their time columns, each chunk a short write of its own so residents'
checks slip in between. `bot/app.py` runs it every PURGE_EVERY; it is idempotent and keeps no
state of its own (what has expired is read from the rows), so a restart changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.services.container import Services
from bot.services.verification import ATTEMPT_RETENTION
from bot.storage import attempts as attempts_store
from bot.storage import checks as checks_store
from bot.storage import context as context_store
from bot.storage import steps as steps_store
from bot.storage import whatsapp as whatsapp_store
from bot.storage.driver import Conn

PURGE_EVERY = timedelta(minutes=1)
#: Rows dropped per table per write: small enough that a check never waits long behind one.
PURGE_CHUNK = 2000


async def _purge_chunk(conn: Conn, now: datetime) -> int:
    dropped = await checks_store.purge_some(conn, now, PURGE_CHUNK)
    dropped += await attempts_store.purge_some(conn, now - ATTEMPT_RETENTION, now, PURGE_CHUNK)
    dropped += await whatsapp_store.purge_some(conn, now, PURGE_CHUNK)
    dropped += await context_store.purge_some(conn, now, PURGE_CHUNK)
    return dropped


async def purge_expired(services: Services) -> int:
    """Drop every expired row (steps, proofs, attempts, locks, staff steps); how many."""
    now = services.clock.now()
    db = services.db
    total = 0
    while True:
        dropped = await db.write(lambda conn: _purge_chunk(conn, now))
        total += dropped
        if dropped == 0:
            break
        await asyncio.sleep(0)  # residents' writes go in between
    async with db.transaction() as conn:
        total += await steps_store.purge_expired(conn, now)
    return total
