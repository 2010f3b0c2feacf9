"""The office information residents see (address, hours, contact, where cards are collected)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from bot.config import OfficeInfo
from bot.services import Services
from bot.storage import audit as audit_store
from bot.storage import settings as settings_store
from bot.storage.driver import Conn


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
#: The longest text admins may set for one field.
TEXT_LIMIT = 300


DEFAULT = OfficeInfo(
    address="Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti",
    hours="Senin–Jumat, 08.00–15.00 WIB",
    contact="datang langsung ke loket pelayanan",
    pickup="loket pengambilan KTP-el di Kantor Disdukcapil",
)


async def load_office_info(conn: Conn) -> OfficeInfo:
    """The office information as admins set it, with defaults for what is not set yet."""
    values = await settings_store.get_many(conn, [f.key for f in FIELDS.values()])
    return replace(
        DEFAULT, **{f.attribute: values[f.key] for f in FIELDS.values() if f.key in values}
    )


@dataclass(frozen=True, slots=True)
class OfficeChange:
    field: str  #: as admins type it ("alamat", ...)
    old: str
    new: str


class OfficeTextError(ValueError):
    """A /kantor change that cannot be made; `problem` says why."""

    UNKNOWN_FIELD = "unknown_field"
    MISSING_TEXT = "missing_text"
    TOO_LONG = "too_long"

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


async def set_field(svc: Services, *, actor_id: int, field: str, text: str) -> OfficeChange:
    """Change one field of the office information (audited with the old and new text).

    `field` as typed (any case); `text` with its spaces tidied. OfficeTextError when the field
    is unknown, the text empty, or longer than TEXT_LIMIT."""
    field = field.lower()
    if field not in FIELDS:
        raise OfficeTextError(OfficeTextError.UNKNOWN_FIELD)
    new = " ".join(text.split())
    if not new:
        raise OfficeTextError(OfficeTextError.MISSING_TEXT)
    if len(new) > TEXT_LIMIT:
        raise OfficeTextError(OfficeTextError.TOO_LONG)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        old = (await load_office_info(conn)).text(field)
        await settings_store.put(conn, FIELDS[field].key, new)
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.OFFICE,
            target=field,
            old=old,
            new=new,
        )
    return OfficeChange(field, old, new)
