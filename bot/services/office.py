"""The office information residents see: address, hours, contact, where cards are collected,
whether someone else may collect them ("diwakilkan"), and where the office is on a map."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import NamedTuple

from bot import texts_id
from bot.domain.config import OfficeInfo
from bot.services.container import Services
from bot.storage import audit as audit_store
from bot.storage import settings as settings_store
from bot.storage import steps as steps_store
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
    "diwakilkan": OfficeField(settings_store.OFFICE_PROXY_PICKUP, "proxy_pickup"),
}
#: The field name admins type for the map pin (`/kantor lokasi LAT,LON`, or a pin after it).
LOCATION_FIELD = "lokasi"
#: The longest text admins may set for one field.
TEXT_LIMIT = 300


DEFAULT = OfficeInfo(
    address="Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti",
    hours="Senin–Jumat, 08.00–15.00 WIB",
    contact="datang langsung ke loket pelayanan",
    pickup="loket pengambilan KTP-el di Kantor Disdukcapil",
    proxy_pickup=texts_id.OFFICE_PROXY_PICKUP_DEFAULT,
)


async def load_office_info(conn: Conn) -> OfficeInfo:
    """The office information as admins set it, with defaults for what is not set yet."""
    keys = [f.key for f in FIELDS.values()] + [settings_store.OFFICE_LOCATION]
    return office_info(await settings_store.get_many(conn, keys))


def office_info(values: Mapping[str, str]) -> OfficeInfo:
    """The office information from settings' values (every setting, or just the office's)."""
    return replace(
        DEFAULT,
        **{f.attribute: values[f.key] for f in FIELDS.values() if f.key in values},
        location=_stored_location(values.get(settings_store.OFFICE_LOCATION)),
    )


# --- the map pin ------------------------------------------------------------------------------

_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
#: "LAT,LON", "LAT, LON" or "LAT LON" (as Google Maps copies them: "-3.2851, 103.0475").
_COORDINATES = re.compile(rf"\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*")


def parse_location(text: str) -> tuple[float, float] | None:
    """Latitude and longitude from what an admin typed, or None when it is not a place."""
    found = _COORDINATES.fullmatch(text)
    if found is None:
        return None
    lat, lon = float(found.group(1)), float(found.group(2))
    return (lat, lon) if valid_location(lat, lon) else None


def valid_location(lat: float, lon: float) -> bool:
    """A point on Earth, and not the 0,0 a phone sends when it has no fix."""
    finite = math.isfinite(lat) and math.isfinite(lon)
    return finite and -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0)


def location_text(location: tuple[float, float] | None) -> str:
    """How a pin is kept and shown: "-3.285100,103.047500" (or "" for none)."""
    return "" if location is None else f"{location[0]:.6f},{location[1]:.6f}"


def _stored_location(value: str | None) -> tuple[float, float] | None:
    return parse_location(value) if value else None


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
    BAD_LOCATION = "bad_location"

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


async def set_location(
    svc: Services, *, actor_id: int, location: tuple[float, float] | None
) -> OfficeChange:
    """Put the office on the map (None: take the pin away), audited with the old and new pin.

    OfficeTextError(BAD_LOCATION) for a point that is not on Earth."""
    if location is not None and not valid_location(*location):
        raise OfficeTextError(OfficeTextError.BAD_LOCATION)
    new = location_text(location)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        old = location_text((await load_office_info(conn)).location)
        await settings_store.put(conn, settings_store.OFFICE_LOCATION, new)  # "": no pin
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.OFFICE,
            target=LOCATION_FIELD,
            old=old or None,
            new=new or None,
        )
    return OfficeChange(LOCATION_FIELD, old, new)


# --- `/kantor lokasi` alone: the admin's next location pin is the office's -----------------

#: The staff step (`bot.storage.steps`) that waits for the pin; it survives a restart.
LOCATION_STEP = "kantor_lokasi"
LOCATION_STEP_TTL = timedelta(minutes=15)


async def await_location_pin(svc: Services, *, chat_id: int, user_id: int) -> None:
    """Remember that this admin's next location pin in this chat places the office."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        await steps_store.put(
            conn, chat_id, user_id, LOCATION_STEP, {}, now, now + LOCATION_STEP_TTL
        )


async def take_location_step(svc: Services, *, chat_id: int, user_id: int) -> bool:
    """True (and the step ended) when this person's pin here was asked for by `/kantor lokasi`."""
    now = svc.clock.now()
    step = await steps_store.get(svc.db.conn, chat_id, user_id, LOCATION_STEP, now)
    if step is None:
        return False
    async with svc.db.transaction() as conn:
        return await steps_store.delete(conn, chat_id, user_id, LOCATION_STEP)
