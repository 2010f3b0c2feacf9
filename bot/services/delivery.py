"""A resident's message and the notices that waited for it (WhatsApp's 24-hour window).

A notice for a WhatsApp contact whose window is closed and whose kind has no template is kept
in the outbox until the resident writes again (`storage/outbox.wait_for_resident`). The door
of a channel with such a window calls `release_waiting` with each message a resident sends,
giving its time as `at` (so the release and the open window are written together): those
notices are due at once, and a contact the channel had given up on (it blocked the office) is
reachable again. It writes only when there is something to release, so a resident's every
message costs one read here.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.container import Services
from bot.storage import chats as chats_store
from bot.storage import outbox as outbox_store


async def release_waiting(svc: Services, contact: int, at: datetime | None = None) -> int:
    """The contact wrote (at `at`, the channel's timestamp of the message, when given): its
    latest message time is noted, the notices kept for this moment are due now, and a
    contact that had been stopped (WhatsApp's 131026: it blocked the office) is reachable
    again, its subscriptions back on and its failed card news queued again (as a Telegram
    chat that comes back). Returns the number of rows released."""
    async with svc.db.snapshot() as conn:
        if not await outbox_store.has_waiting_or_stopped(conn, contact):
            return 0  # the usual case: one read; the door notes the message's time itself
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        if at is not None:
            await chats_store.note_inbound(conn, contact, at)
        chat = await chats_store.get(conn, contact)
        if chat is not None and not chat.reachable:
            await chats_store.seen(conn, contact, chat.chat_type, now)
        released = await outbox_store.release_waiting(conn, contact, now)
    svc.wake_outbox()
    return released
