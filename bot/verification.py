"""Proving a NIK is one's own with its Nomor KK, and the limits that stop anyone guessing.

A wrong KK and an unknown NIK are the same outcome (NO_MATCH) and count the same, so nothing
tells whether a NIK exists. Limits: CHAT_FAILURE_LIMIT failures within CHAT_WINDOW make the chat
wait CHAT_WAIT; NIK_FAILURE_LIMIT failures for one NIK within NIK_WINDOW, from any chats, lock that
NIK for NIK_LOCK (staff still see it). Refused attempts are not counted again.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.nik import LENGTH, InvalidNumberError, Nik, normalise, parse_kk, parse_nik, split_numbers
from bot.privacy import Hasher, mask_nik
from bot.services import Services
from bot.storage import Db
from bot.storage import attempts as attempts_store
from bot.storage import checks as checks_store
from bot.storage import records as records_store
from bot.storage.attempts import LockScope
from bot.storage.driver import Conn
from bot.storage.records import Record

CHAT_FAILURE_LIMIT = 5
CHAT_WINDOW = timedelta(hours=1)
CHAT_WAIT = timedelta(hours=1)
NIK_FAILURE_LIMIT = 10
NIK_WINDOW = timedelta(days=1)
NIK_LOCK = timedelta(hours=24)
#: Failed attempts are kept this long, then deleted (long enough for both windows).
ATTEMPT_RETENTION = timedelta(days=2)


class Outcome(StrEnum):
    VERIFIED = "verified"
    NO_MATCH = "no_match"  # wrong KK or unknown NIK: deliberately the same
    CHAT_WAIT = "chat_wait"  # this chat failed too often; refused until `until`
    NIK_LOCKED = "nik_locked"  # this NIK failed too often from anywhere; refused until `until`


@dataclass(frozen=True, slots=True)
class Verification:
    outcome: Outcome
    record: Record | None = None  # only when VERIFIED
    until: datetime | None = None  # end of the wait or lock that applies now
    attempts_left: int | None = None  # NO_MATCH: failures this chat has left before waiting
    started: Outcome | None = None  # NO_MATCH: the wait or lock this failure set off, if any

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.VERIFIED


async def nik_locked_until(conn: Conn, nik_hash: str, now: datetime) -> datetime | None:
    """When the NIK's lock ends, or None when checks for it are allowed."""
    return await attempts_store.locked_until(conn, LockScope.NIK, nik_hash, now)


async def is_nik_locked(conn: Conn, nik_hash: str, now: datetime) -> bool:
    """True while residents may not check this NIK (staff lookups are not affected)."""
    return await nik_locked_until(conn, nik_hash, now) is not None


async def chat_wait_until(conn: Conn, chat_id: int, now: datetime) -> datetime | None:
    """When this chat may check again, or None when it may now."""
    return await attempts_store.locked_until(conn, LockScope.CHAT, str(chat_id), now)


async def refusal(
    conn: Conn, chat_id: int, nik_hash: str | None, now: datetime
) -> Verification | None:
    """CHAT_WAIT or NIK_LOCKED when a check may not go ahead now; None when it may."""
    until = await chat_wait_until(conn, chat_id, now)
    if until is not None:
        return Verification(Outcome.CHAT_WAIT, until=until)
    if nik_hash is not None:
        until = await nik_locked_until(conn, nik_hash, now)
        if until is not None:
            return Verification(Outcome.NIK_LOCKED, until=until)
    return None


async def verify_owner(
    db: Db, hasher: Hasher, *, chat_id: int, nik_hash: str, kk: str, now: datetime
) -> Verification:
    """Check that `kk` (16 normalised digits) is the Nomor KK of the record with `nik_hash`.

    On success the chat is remembered as having proved the record (it may then follow it).
    """
    async with db.transaction() as conn:
        refused = await refusal(conn, chat_id, nik_hash, now)
        if refused is not None:
            return refused
        record = await records_store.get_by_nik_hash(conn, nik_hash)
        if record is not None and hmac.compare_digest(record.kk_hash, hasher.kk(kk)):
            await checks_store.mark_verified(conn, chat_id, record.id, now)
            return Verification(Outcome.VERIFIED, record=record)
        return await _fail(conn, chat_id, nik_hash, now)


async def _fail(conn: Conn, chat_id: int, nik_hash: str, now: datetime) -> Verification:
    await attempts_store.purge(conn, now - ATTEMPT_RETENTION, now)
    await attempts_store.record_failure(conn, chat_id, nik_hash, now)
    chat_failures = await attempts_store.chat_failures_since(conn, chat_id, now - CHAT_WINDOW)
    nik_failures = await attempts_store.nik_failures_since(conn, nik_hash, now - NIK_WINDOW)
    until: datetime | None = None
    started: Outcome | None = None
    if chat_failures >= CHAT_FAILURE_LIMIT:
        until, started = now + CHAT_WAIT, Outcome.CHAT_WAIT
        await attempts_store.lock(conn, LockScope.CHAT, str(chat_id), now, until)
    if nik_failures >= NIK_FAILURE_LIMIT:  # the longer of the two is the one to tell
        until, started = now + NIK_LOCK, Outcome.NIK_LOCKED
        await attempts_store.lock(conn, LockScope.NIK, nik_hash, now, until)
    left = max(0, CHAT_FAILURE_LIMIT - chat_failures)
    return Verification(Outcome.NO_MATCH, until=until, attempts_left=left, started=started)


# --- what a resident sends: a NIK, a KK, or both ------------------------------------------------

#: Words people put around the numbers ("NIK: ...", "No KK ..."); they do not make it free text.
_LABEL_WORDS = frozenset(
    {"nik", "kk", "no", "nomor", "nomer", "nokk", "ktp", "kartu", "keluarga", "dan", "saya"}
)
_WORD = re.compile(r"[^\W\d_]+")
#: Digits with letters between them, e.g. "16050101O1900012" (a letter O for a zero). Anchored
#: at the start of a digit run and possessive, so it never backtracks (linear in the text).
_LETTERS_IN_NUMBER = re.compile(r"(?<!\d)\d++(?:[^\W\d_]++\d++)+")
#: A NIK and a KK with labels and spaces fit in far less. A longer message is judged by its
#: length before any pattern runs, so whatever is sent costs next to nothing to answer.
MAX_NUMBERS_TEXT = 200
#: A digit run at least this long is a number meant for the bot even inside other words.
_LONG_RUN = 10
#: Runs shorter than this are ignored when a long one is present ("anak ke 2").
_SHORT_RUN = 6


def looks_like_numbers(text: str) -> bool:
    """True when a message is a NIK/KK attempt (the check answers it), not free text (help)."""
    if len(text) > MAX_NUMBERS_TEXT:  # mostly digits: a (too long) attempt; else free text
        return 2 * sum(map(str.isdigit, text)) >= len(text)
    runs = split_numbers(text)
    if not runs:
        return False
    if any(len(run) >= _LONG_RUN for run in runs):
        return True
    if _letters_in_number(text):
        return True
    words = {w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", text))}
    return words <= _LABEL_WORDS


def _letters_in_number(text: str) -> str | None:
    for match in _LETTERS_IN_NUMBER.finditer(normalise(text)):
        if sum(ch.isdigit() for ch in match.group()) >= _LONG_RUN:
            return match.group()
    return None


def read_numbers(text: str) -> list[str]:
    """The numbers in a message, in order, each as typed but normalised (may still be invalid).

    A number with letters inside it is kept whole, so validation can name the letters.
    """
    runs: list[str] = []
    for run in split_numbers(text):  # "NIK KK KK" typed with spaces arrives as one long run
        if len(run) > LENGTH and len(run) % LENGTH == 0:
            runs += [run[i : i + LENGTH] for i in range(0, len(run), LENGTH)]
        else:
            runs.append(run)
    if not any(len(run) == LENGTH for run in runs):
        mixed = _letters_in_number(text)
        if mixed is not None:
            return [mixed]
    if any(len(run) >= _LONG_RUN for run in runs):
        runs = [run for run in runs if len(run) >= _SHORT_RUN]
    return runs


class Reply(StrEnum):
    ASK_KK = "ask_kk"  # a valid NIK: now the Nomor KK
    INVALID = "invalid"  # `error` says what is wrong with the NIK or KK
    TOO_MANY = "too_many"  # more than two numbers
    TOO_LONG = "too_long"  # longer than any NIK and KK could be (MAX_NUMBERS_TEXT)
    SAME_AS_NIK = "same_as_nik"  # the NIK was sent again where the KK was expected
    REFUSED = "refused"  # the chat waits or the NIK is locked (`verification`)
    CHECKED = "checked"  # `verification` is VERIFIED or NO_MATCH


@dataclass(frozen=True, slots=True)
class CheckReply:
    reply: Reply
    nik_masked: str | None = None
    error: InvalidNumberError | None = None
    verification: Verification | None = None


async def handle_numbers(services: Services, chat_id: int, text: str) -> CheckReply:
    """One step of a check from a message: a NIK (then the KK is asked), the KK, or both.

    The step in progress lives in the database (keyed hash and masked NIK only), so a check
    goes on after a restart.
    """
    if len(text) > MAX_NUMBERS_TEXT:
        return CheckReply(Reply.TOO_LONG)
    now = services.clock.now()
    today = services.today(now)
    numbers = read_numbers(text)
    if len(numbers) > 2:
        return CheckReply(Reply.TOO_MANY)
    pending = await checks_store.get_pending(services.db.conn, chat_id, now)
    expecting_kk = pending is not None and pending.step is checks_store.Step.KK
    try:
        if len(numbers) == 2:
            nik = parse_nik(numbers[0], today)
            kk = parse_kk(numbers[1])
        elif expecting_kk and pending is not None and pending.nik_hash is not None:
            kk = parse_kk(numbers[0] if numbers else "")
            if services.hasher.nik(kk) == pending.nik_hash:
                return CheckReply(Reply.SAME_AS_NIK, nik_masked=pending.nik_masked)
            return await _check(services, chat_id, pending.nik_hash, kk, now)
        else:
            return await _ask_kk(services, chat_id, parse_nik(numbers[0] if numbers else "", today))
    except InvalidNumberError as err:
        return CheckReply(Reply.INVALID, error=err)
    return await _check(services, chat_id, services.hasher.nik(nik.digits), kk, now)


async def _ask_kk(services: Services, chat_id: int, nik: Nik) -> CheckReply:
    now = services.clock.now()
    nik_hash = services.hasher.nik(nik.digits)
    masked = mask_nik(nik.digits)
    async with services.db.transaction() as conn:
        refused = await refusal(conn, chat_id, nik_hash, now)
        if refused is not None:
            await checks_store.clear_pending(conn, chat_id)
            return CheckReply(Reply.REFUSED, nik_masked=masked, verification=refused)
        await checks_store.purge(conn, now)
        await checks_store.set_pending(
            conn, chat_id, checks_store.Step.KK, now, nik_hash=nik_hash, nik_masked=masked
        )
    return CheckReply(Reply.ASK_KK, nik_masked=masked)


async def _check(
    services: Services, chat_id: int, nik_hash: str, kk: str, now: datetime
) -> CheckReply:
    async with services.db.transaction() as conn:
        await checks_store.clear_pending(conn, chat_id)
        await checks_store.purge(conn, now)
        await attempts_store.purge(conn, now - ATTEMPT_RETENTION, now)
    result = await verify_owner(
        services.db, services.hasher, chat_id=chat_id, nik_hash=nik_hash, kk=kk, now=now
    )
    if result.outcome in (Outcome.CHAT_WAIT, Outcome.NIK_LOCKED):
        return CheckReply(Reply.REFUSED, verification=result)
    return CheckReply(Reply.CHECKED, verification=result)
