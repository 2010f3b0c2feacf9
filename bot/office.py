"""The office information residents see (address, hours, contact, where cards are collected)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage import settings as settings_store

#: Field name -> settings key. Admins change these with a Telegram command.
FIELDS: dict[str, str] = {
    "alamat": settings_store.OFFICE_ADDRESS,
    "jam": settings_store.OFFICE_HOURS,
    "kontak": settings_store.OFFICE_PHONE,
    "pengambilan": settings_store.OFFICE_PICKUP,
}


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    address: str
    hours: str
    contact: str
    pickup: str


DEFAULT = OfficeInfo(
    address="Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti",
    hours="Senin–Jumat, 08.00–15.00 WIB",
    contact="datang langsung ke loket pelayanan",
    pickup="loket pengambilan KTP-el di Kantor Disdukcapil",
)


async def load_office_info(conn: aiosqlite.Connection) -> OfficeInfo:
    """The office information as admins set it, with defaults for what is not set yet."""
    values = await settings_store.get_many(conn, list(FIELDS.values()))
    return OfficeInfo(
        address=values.get(settings_store.OFFICE_ADDRESS, DEFAULT.address),
        hours=values.get(settings_store.OFFICE_HOURS, DEFAULT.hours),
        contact=values.get(settings_store.OFFICE_PHONE, DEFAULT.contact),
        pickup=values.get(settings_store.OFFICE_PICKUP, DEFAULT.pickup),
    )
