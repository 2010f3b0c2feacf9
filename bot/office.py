"""The office information residents see (address, hours, contact, where cards are collected)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import aiosqlite

from bot.storage import settings as settings_store


class OfficeField(NamedTuple):
    key: str  #: where the text is kept (bot.storage.settings)
    attribute: str  #: its name on OfficeInfo


#: Field name, as admins type it in /kantor -> where it is kept and read.
FIELDS: dict[str, OfficeField] = {
    "alamat": OfficeField(settings_store.OFFICE_ADDRESS, "address"),
    "jam": OfficeField(settings_store.OFFICE_HOURS, "hours"),
    "kontak": OfficeField(settings_store.OFFICE_PHONE, "contact"),
    "pengambilan": OfficeField(settings_store.OFFICE_PICKUP, "pickup"),
}


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    address: str
    hours: str
    contact: str
    pickup: str

    def text(self, field: str) -> str:
        """One field's text, by the name admins type in /kantor ("alamat", "jam", ...)."""
        return str(getattr(self, FIELDS[field].attribute))


DEFAULT = OfficeInfo(
    address="Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti",
    hours="Senin–Jumat, 08.00–15.00 WIB",
    contact="datang langsung ke loket pelayanan",
    pickup="loket pengambilan KTP-el di Kantor Disdukcapil",
)


async def load_office_info(conn: aiosqlite.Connection) -> OfficeInfo:
    """The office information as admins set it, with defaults for what is not set yet."""
    values = await settings_store.get_many(conn, [f.key for f in FIELDS.values()])
    return replace(
        DEFAULT, **{f.attribute: values[f.key] for f in FIELDS.values() if f.key in values}
    )
