"""Receipt deep links: a slip's QR code opens the bot on that record, and asks only for the KK.

A token is random and opaque (never derived from the NIK): "r" and 32 characters of Telegram's
deep-link alphabet ([A-Za-z0-9_-], 33 in all, well under its 64), from `secrets`. Only its
SHA-256 is stored (`storage/receipts.py`); a reprint (a second slip for the same record) makes
a new token and ends the old one; a token stops working once the card has been handed over
(CARD_ISSUED). Opening a link (`/start <token>`) puts the chat in the ordinary check step that
waits for the KK (`storage/checks`), so the KK that follows is checked, limited and counted like
any other (`services/verification.py`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from bot import texts_ops, texts_staff
from bot.domain.nik import InvalidNumberError, parse_nik
from bot.services import verification
from bot.services.container import Services
from bot.services.importer import (
    DateFormatError,
    ImportFileError,
    normalise_header,
    open_import_table,
    parse_date,
    unwrap_number,
)
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import checks as checks_store
from bot.storage import receipts as store
from bot.storage import records as records_store
from bot.storage.driver import Conn
from bot.storage.records import Record

#: Telegram's deep-link parameter: at most 64 characters of [A-Za-z0-9_-].
DEEP_LINK_ALPHABET = re.compile(r"[A-Za-z0-9_-]{1,64}")
TOKEN_PREFIX = "r"
_TOKEN_BYTES = 24  # 32 characters of base64url: 192 random bits
#: The status from which a receipt's link no longer opens the record (the card was collected).
EXPIRES_AT = KtpStatus.CARD_ISSUED
#: The audit detail of a slip printed from the shell ("dari shell").
CLI_DETAIL = "cli"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def deep_link(username: str, token: str) -> str:
    """The link printed on the slip and in its QR code."""
    return f"https://t.me/{username.lstrip('@')}?start={token}"


def looks_like_token(payload: str) -> bool:
    """A /start parameter that could be a receipt's token (Telegram passes nothing else)."""
    return bool(DEEP_LINK_ALPHABET.fullmatch(payload)) and payload.startswith(TOKEN_PREFIX)


class Problem(StrEnum):
    INVALID_NIK = "invalid_nik"  # `error` says what is wrong
    NOT_FOUND = "not_found"  # no record with that NIK
    COLLECTED = "collected"  # the card was handed over: a slip would open nothing


class ReceiptError(Exception):
    def __init__(self, problem: Problem, error: InvalidNumberError | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.error = error


@dataclass(frozen=True, slots=True)
class Slip:
    """What one printed slip shows (nothing raw: the NIK and the name masked)."""

    token: str
    link: str
    nik_masked: str
    name_masked: str | None
    on: date
    reprint: bool
    #: The WhatsApp link with the token as its first message, when WhatsApp is configured (the
    #: renderer prints it under the Telegram link; not yet set anywhere).
    whatsapp_link: str | None = None


async def issue(
    svc: Services,
    nik_text: str,
    *,
    username: str,
    actor_id: int | None,
    on: date | None = None,
) -> Slip:
    """A slip for the record with this NIK: a new token (an older one stops working)."""
    now = svc.clock.now()
    try:
        nik = parse_nik(nik_text, svc.today(now))
    except InvalidNumberError as err:
        raise ReceiptError(Problem.INVALID_NIK, err) from None
    token = new_token()
    async with svc.db.transaction() as conn:
        record = await records_store.get_by_nik_hash(conn, svc.hasher.nik(nik.digits))
        if record is None:
            raise ReceiptError(Problem.NOT_FOUND)
        if record.status is EXPIRES_AT:
            raise ReceiptError(Problem.COLLECTED)
        ended = await store.revoke_for_record(conn, record.id, now)
        await store.add(conn, token_hash(token), record.id, now, actor_id)
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=audit_store.RECEIPT,
            target=record.nik_masked,
            new=texts_staff.AUDIT_RECEIPT_REPRINT if ended else texts_staff.AUDIT_RECEIPT_NEW,
            detail=None if actor_id is not None else CLI_DETAIL,
        )
    return Slip(
        token=token,
        link=deep_link(username, token),
        nik_masked=record.nik_masked,
        name_masked=record.name_masked,
        on=on or svc.today(now),
        reprint=ended > 0,
    )


async def revoke(svc: Services, nik_text: str, *, actor_id: int | None) -> int:
    """End the record's live tokens (no new one); how many ended."""
    now = svc.clock.now()
    try:
        nik = parse_nik(nik_text, svc.today(now))
    except InvalidNumberError as err:
        raise ReceiptError(Problem.INVALID_NIK, err) from None
    async with svc.db.transaction() as conn:
        record = await records_store.get_by_nik_hash(conn, svc.hasher.nik(nik.digits))
        if record is None:
            raise ReceiptError(Problem.NOT_FOUND)
        ended = await store.revoke_for_record(conn, record.id, now)
        if ended:
            await audit_store.add(
                conn,
                now=now,
                actor_id=actor_id,
                action=audit_store.RECEIPT,
                target=record.nik_masked,
                new=texts_staff.AUDIT_RECEIPT_REVOKED,
                detail=None if actor_id is not None else CLI_DETAIL,
            )
        return ended


class Opened(StrEnum):
    ASK_KK = "ask_kk"  # the record's KK is awaited (`nik_masked`)
    UNKNOWN = "unknown"  # no such token, a revoked one, or its card was collected
    REFUSED = "refused"  # the chat waits or the NIK is locked (`refusal`)


@dataclass(frozen=True, slots=True)
class Opening:
    outcome: Opened
    nik_masked: str | None = None
    refusal: verification.Verification | None = None


async def open_link(svc: Services, chat_id: int, token: str) -> Opening:
    """`/start <token>`: the record's masked NIK, and the chat now waits for its KK."""
    if not looks_like_token(token):
        return Opening(Opened.UNKNOWN)
    now = svc.clock.now()
    found = await store.find(svc.db.conn, token_hash(token))
    if found is None or found.revoked:
        return Opening(Opened.UNKNOWN)
    record: Record | None = await records_store.get_by_id(svc.db.conn, found.record_id)
    if record is None or record.status is EXPIRES_AT:
        return Opening(Opened.UNKNOWN)

    async def ask(conn: Conn) -> verification.Verification | None:
        refused = await verification.refusal(conn, chat_id, record.nik_hash, now)
        if refused is not None:
            await checks_store.clear_pending(conn, chat_id)
        else:
            await checks_store.set_pending(
                conn,
                chat_id,
                checks_store.Step.KK,
                now,
                nik_hash=record.nik_hash,
                nik_masked=record.nik_masked,
            )
        return refused

    refused = await svc.db.write(ask)
    if refused is not None:
        return Opening(Opened.REFUSED, nik_masked=record.nik_masked, refusal=refused)
    return Opening(Opened.ASK_KK, nik_masked=record.nik_masked)


# --- a day's recordings (the `kuitansi --csv` command) ----------------------------------------


@dataclass(frozen=True, slots=True)
class Recording:
    """A row of a day's recordings: its line in the file, the NIK as written, its date."""

    line: int
    nik: str
    on: date | None


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    reason: str


def read_recordings(path: Path) -> list[Recording | Skipped]:
    """The rows of a CSV (or an .xlsx's first sheet) with the import's columns (`nik` required;
    `tanggal_status` gives the slip's date); other columns are not read. Read by the importer's
    own reader (`tables.py`: quoted line breaks, a row numbered by the line it starts on).
    Raises ImportFileError for a file that cannot be read at all."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFileError(texts_ops.file_not_found(str(path))) from exc
    with raw:
        table = open_import_table(raw)
        header = [normalise_header(cell) for cell in table.header]
        if "nik" not in header:
            raise ImportFileError(texts_staff.import_missing_columns(["nik"], header))
        nik_at = header.index("nik")
        date_at = header.index("tanggal_status") if "tanggal_status" in header else None
        rows: list[Recording | Skipped] = []
        for line, cells, why in table.rows():
            if cells is None:
                rows.append(Skipped(line, why or texts_staff.IMPORT_ROW_UNREADABLE))
                continue
            nik = cells[nik_at].strip() if nik_at < len(cells) else ""
            on: date | None = None
            if date_at is not None and date_at < len(cells) and cells[date_at].strip():
                try:
                    on = parse_date(cells[date_at])
                except DateFormatError:
                    reason = texts_staff.import_row_bad_date(cells[date_at], False)
                    rows.append(Skipped(line, reason))
                    continue
            rows.append(Recording(line, unwrap_number(nik), on))
    return rows
