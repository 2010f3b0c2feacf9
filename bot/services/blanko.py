"""/blanko: the stock of blank KTP-el cards staff record, beside the print queue (PRR)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.numbers import parse_int
from bot.services.container import Services
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import settings as settings_store
from bot.storage import stats as stats_store

#: A stock above this is a typing mistake.
BLANKO_MAX = 1_000_000

_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


@dataclass(frozen=True, slots=True)
class Blanko:
    stock: int | None  # None until somebody set it
    backlog: int  # records waiting to be printed (PRINT_READY_RECORD)


@dataclass(frozen=True, slots=True)
class BlankoChange:
    old: int | None
    new: int
    backlog: int


class BlankoError(ValueError):
    """A stock that cannot be right; `problem` says which check it failed."""

    NOT_NUMBER = "not_number"
    NEGATIVE = "negative"
    TOO_BIG = "too_big"

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def parse_stock(text: str) -> int:
    """ "2500", "2.500" or "2,500" -> 2500; ValueError for anything else (sign kept)."""
    value = text.strip()
    negative = value.startswith(("-", "−"))
    if negative:
        value = value[1:].strip()
    if _GROUPED.match(value):
        value = re.sub(r"[.,]", "", value)
    if not value.isascii() or not value.isdigit():
        raise ValueError(text)
    number = int(value)
    return -number if negative else number


def _stock(text: str | None) -> int | None:
    return parse_int(text or "", max_digits=12)


async def current(svc: Services) -> Blanko:
    conn = svc.db.conn
    backlog = (await stats_store.count_by_status(conn)).get(KtpStatus.PRINT_READY_RECORD, 0)
    return Blanko(_stock(await settings_store.get(conn, settings_store.BLANKO_STOCK)), backlog)


async def set_stock(svc: Services, *, actor_id: int, text: str) -> BlankoChange:
    """Record the stock typed by a staff member (audited); BlankoError when it cannot be right."""
    try:
        new = parse_stock(text)
    except ValueError:
        raise BlankoError(BlankoError.NOT_NUMBER) from None
    if new < 0:
        raise BlankoError(BlankoError.NEGATIVE)
    if new > BLANKO_MAX:
        raise BlankoError(BlankoError.TOO_BIG)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        old_text = await settings_store.get(conn, settings_store.BLANKO_STOCK)
        backlog = (await stats_store.count_by_status(conn)).get(KtpStatus.PRINT_READY_RECORD, 0)
        await settings_store.put(conn, settings_store.BLANKO_STOCK, str(new))
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.BLANKO,
            target=settings_store.BLANKO_STOCK,
            old=old_text,
            new=str(new),
        )
    return BlankoChange(_stock(old_text), new, backlog)
