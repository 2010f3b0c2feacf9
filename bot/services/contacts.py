"""Contacts: the person behind a conversation, on whichever channel they write from.

A resident is a contact: a channel and that channel's id (`storage/chats.py` keeps them). The
conversation and every resident table know only the contact id, an integer. On Telegram it is
the chat id itself (so nothing had to move when contacts came). On another channel (WhatsApp)
the id is derived from a keyed hash of the address, below `OTHER_CHANNELS_BELOW`: the same
number always comes back as the same contact (so the limits that outlast erasure, such as the
lockouts, hold there too), and the id alone does not give the phone number away.
"""

from __future__ import annotations

from bot.services.container import Services
from bot.storage import chats as chats_store
from bot.storage.chats import OTHER_CHANNELS_BELOW, TELEGRAM

#: Width of the range the other channels' ids are drawn from (below OTHER_CHANNELS_BELOW).
_SPAN = 2**52
#: Two addresses whose hashes meet take the next id down; this many tries is far more than
#: enough (a meeting is about one in 2^52 per pair).
_PROBES = 64


def preferred_id(svc: Services, channel: str, address: str) -> int:
    """The id a contact on a channel other than Telegram gets, unless another has it."""
    digest = svc.hasher.contact(channel, address)
    return OTHER_CHANNELS_BELOW - int(digest[:16], 16) % _SPAN


async def contact_id(svc: Services, channel: str, address: str) -> int:
    """The contact id of `address` on `channel`, a new contact kept when first met."""
    if channel == TELEGRAM:
        return int(address)
    async with svc.db.snapshot() as conn:
        known = await chats_store.find_contact(conn, channel, address)
    if known is not None:
        return known
    start = preferred_id(svc, channel, address)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        for probe in range(_PROBES):
            if await chats_store.add_contact(conn, start - probe, channel, address, now):
                return start - probe
            known = await chats_store.find_contact(conn, channel, address)
            if known is not None:  # another worker kept it meanwhile
                return known
    raise RuntimeError("no free contact id")  # pragma: no cover - 64 meetings in 2^52


async def address_of(svc: Services, contact: int) -> tuple[str, str] | None:
    """Where a contact is reached (its channel and its address there), None once erased."""
    async with svc.db.snapshot() as conn:
        return await chats_store.address_of(conn, contact)
