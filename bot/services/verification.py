"""Proving a NIK is one's own with its Nomor KK, and the limits that stop anyone guessing.

A wrong KK and an unknown NIK are the same outcome (NO_MATCH) and count the same, so nothing
tells whether a NIK exists. Limits: CHAT_FAILURE_LIMIT failures within CHAT_WINDOW make the chat
wait CHAT_WAIT; NIK_FAILURE_LIMIT failures for one NIK within NIK_WINDOW lock that NIK for
NIK_LOCK (staff still see it). Refused attempts are not counted again.

One account must not be able to shut a stranger out: toward a NIK's limit each chat counts at
most NIK_FAILURES_PER_CHAT failures (so a lock needs failures from several chats), and a NIK's
lock holds only against the chats that failed on it: the owner, writing from a chat that has
never given a wrong KK for that NIK, can still prove it (one try; a failure counts as any other).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.nik import (
    LENGTH,
    InvalidNumberError,
    Nik,
    normalise,
    parse_kk,
    parse_nik,
    split_numbers,
)
from bot.domain.privacy import Hasher, mask_nik
from bot.services.container import Services
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
#: At most this many of one chat's failures count toward a NIK's limit.
NIK_FAILURES_PER_CHAT = 3
#: Failed attempts are kept this long, then deleted by `services.maintenance` (long enough for both
#: windows).
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


async def refusal(conn: Conn, chat_id: int, nik_hash: str, now: datetime) -> Verification | None:
    """CHAT_WAIT or NIK_LOCKED when a check may not go ahead now; None when it may (one
    lookup for both)."""
    chat_until, nik_until = await attempts_store.chat_and_nik_locked_until(
        conn, chat_id, nik_hash, now
    )
    if chat_until is not None:
        return Verification(Outcome.CHAT_WAIT, until=chat_until)
    if nik_until is not None and await attempts_store.chat_failed_on_nik_since(
        conn, chat_id, nik_hash, now - NIK_WINDOW
    ):
        return Verification(Outcome.NIK_LOCKED, until=nik_until)
    return None


async def verify_owner(
    db: Db, hasher: Hasher, *, chat_id: int, nik_hash: str, kk: str, now: datetime
) -> Verification:
    """Check that `kk` (16 normalised digits) is the Nomor KK of the record with `nik_hash`.

    On success the chat is remembered as having proved the record (it may then follow it).
    """
    kk_hash = hasher.kk(kk)
    async with db.transaction() as conn:
        return await _verify(conn, chat_id, nik_hash, kk_hash, now)


async def _verify(
    conn: Conn, chat_id: int, nik_hash: str, kk_hash: str, now: datetime
) -> Verification:
    """`verify_owner` inside the caller's write transaction, with the KK's keyed hash."""
    refused = await refusal(conn, chat_id, nik_hash, now)
    if refused is not None:
        return refused
    record = await records_store.get_by_nik_hash(conn, nik_hash)
    if record is not None and hmac.compare_digest(record.kk_hash, kk_hash):
        await checks_store.mark_verified(conn, chat_id, record.id, now)
        return Verification(Outcome.VERIFIED, record=record)
    return await _fail(conn, chat_id, nik_hash, now)


async def _fail(conn: Conn, chat_id: int, nik_hash: str, now: datetime) -> Verification:
    await attempts_store.record_failure(conn, chat_id, nik_hash, now)
    chat_failures = await attempts_store.chat_failures_since(conn, chat_id, now - CHAT_WINDOW)
    per_chat = await attempts_store.nik_failures_by_chat(conn, nik_hash, now - NIK_WINDOW)
    nik_failures = sum(min(count, NIK_FAILURES_PER_CHAT) for count in per_chat)
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
#: Digits with one or two letters at an end, e.g. "16052113026952AB"; a NIK only when the
#: whole is 16 characters long (so "160521130269 ya" stays a number that is too short).
_LETTERS_AT_AN_END = re.compile(
    r"(?<![^\W_])(?:[^\W\d_]{1,2}(?=\d))?\d++(?:[^\W\d_]++\d++)*+[^\W\d_]{0,2}(?![^\W_])"
)
#: A NIK and a KK with labels and spaces fit in far less. A longer message is judged by its
#: length before any pattern runs, so whatever is sent costs next to nothing to answer.
MAX_NUMBERS_TEXT = 200
#: A digit run at least this long is a number meant for the bot even inside other words.
_LONG_RUN = 10
#: Runs shorter than this are ignored when a long one is present ("anak ke 2").
_SHORT_RUN = 6


def looks_like_numbers(text: str, *, alone: bool = False) -> bool:
    """True when a message is a NIK/KK attempt (the check answers it), not free text (help).

    The one test of "is this a check?" everywhere. `alone=True` asks for numbers standing
    alone: a long run of digits and no words but those people put around the numbers ("NIK",
    "KK"): a check sent where a step waits for words (a question being written, an
    announcement or a visit being drafted), which then gives way to the check. A time
    ("08.00") or a question with a NIK in it is not a check there."""
    if len(text) > MAX_NUMBERS_TEXT:  # mostly digits: a (too long) attempt; else free text
        return not alone and 2 * sum(map(str.isdigit, text)) >= len(text)
    runs = split_numbers(text)
    if not runs:
        return False
    long_run = any(len(run) >= _LONG_RUN for run in runs)
    if alone:
        return long_run and _only_label_words(text)
    if long_run or _letters_in_number(text):
        return True
    return _only_label_words(text)


def _only_label_words(text: str) -> bool:
    words = {w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", text))}
    return words <= _LABEL_WORDS


def _letters_in_number(text: str) -> str | None:
    normalised = normalise(text)
    for match in _LETTERS_IN_NUMBER.finditer(normalised):
        if sum(ch.isdigit() for ch in match.group()) >= _LONG_RUN:
            return match.group()
    for match in _LETTERS_AT_AN_END.finditer(normalised):
        found = match.group()
        if len(found) == LENGTH and not found.isdigit():
            return found
    return None


def _split_pair(run: str, text: str) -> list[str] | None:
    """A run that is really two numbers typed with a space between them, one of them of the
    wrong length ("NIK KK" with a KK of 15 digits): split where one side has 16 digits."""
    words = [normalise(word) for word in text.split()]
    groups = [word for word in words if word.isdigit()]
    for start in range(len(groups)):
        joined, cuts = "", []
        for group in groups[start:]:
            joined += group
            cuts.append(len(joined))
            if len(joined) >= len(run):
                break
        if joined != run:
            continue
        for cut in cuts[:-1]:
            sides = (cut, len(run) - cut)
            if LENGTH in sides and min(sides) >= _LONG_RUN:
                return [run[:cut], run[cut:]]
    return None


def read_numbers(text: str) -> list[str]:
    """The numbers in a message, in order, each as typed but normalised (may still be invalid).

    A number with letters inside it is kept whole, so validation can name the letters.
    """
    runs: list[str] = []
    for run in split_numbers(text):  # "NIK KK KK" typed with spaces arrives as one long run
        if len(run) > LENGTH and len(run) % LENGTH == 0:
            runs += [run[i : i + LENGTH] for i in range(0, len(run), LENGTH)]
        elif len(run) > LENGTH + _LONG_RUN and (pair := _split_pair(run, text)) is not None:
            runs += pair
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
    SAME_TWICE = "same_twice"  # one number twice in one message (not counted as a failure)
    SWAPPED = "swapped"  # KK then NIK: it matches the other way round (not counted)
    REFUSED = "refused"  # the chat waits or the NIK is locked (`verification`)
    CHECKED = "checked"  # `verification` is VERIFIED or NO_MATCH


@dataclass(frozen=True, slots=True)
class CheckReply:
    reply: Reply
    nik_masked: str | None = None  # CHECKED with NO_MATCH: the NIK still waiting for its KK
    error: InvalidNumberError | None = None
    verification: Verification | None = None
    position: str | None = None  # INVALID in "NIK KK": "first" or "second"


#: `handle_numbers(known=...)` when the caller has not read the chat's check step.
UNREAD = None


@dataclass(frozen=True, slots=True)
class KnownStep:
    """The chat's check step as the caller read it already (with its other steps, in one
    read): `pending` the step in force (None: none), `stored` whether a row is kept at all
    (an expired one too), so the check reads nothing more about it."""

    pending: checks_store.Pending | None
    stored: bool


async def handle_numbers(
    services: Services, chat_id: int, text: str, known: KnownStep | None = UNREAD
) -> CheckReply:
    """One step of a check from a message: a NIK (then the KK is asked), the KK, or both.

    The step in progress lives in the database (keyed hash and masked NIK only), so a check
    goes on after a restart. Honest mistakes are forgiven: after a wrong KK the NIK keeps
    waiting for its KK (the failure counts); the same number twice, or KK and NIK swapped, is
    answered with what to change and counts nothing; the KK sent first, then its NIK, proves
    the pair. Reads go to the reader; what a step
    changes is one write job (`Db.write`), whatever the outcome.
    """
    if len(text) > MAX_NUMBERS_TEXT:
        return CheckReply(Reply.TOO_LONG)
    now = services.clock.now()
    today = services.today(now)
    numbers = read_numbers(text)
    if len(numbers) > 2:
        return CheckReply(Reply.TOO_MANY)
    stored = known.stored if known is not None else None
    if len(numbers) == 2:
        return await _pair(services, chat_id, numbers[0], numbers[1], today, now, stored)
    pending = (
        known.pending
        if known is not None
        else await checks_store.get_pending(services.db.reader, chat_id, now)
    )
    number = numbers[0] if numbers else ""
    try:
        if pending is not None and pending.step is checks_store.Step.KK and pending.nik_hash:
            kk = parse_kk(number)
            if services.hasher.nik(kk) == pending.nik_hash:
                return CheckReply(Reply.SAME_AS_NIK, nik_masked=pending.nik_masked)
            kk_hash = services.hasher.kk(kk)
            record = await _prove(services, chat_id, pending.nik_hash, kk_hash, now, True)
            if record is None and pending.as_kk_hash is not None:
                record = await _kk_came_first(services, chat_id, kk, pending.as_kk_hash, now)
            if record is not None:
                return _verified(record)
            return await _wrong_kk(
                services, chat_id, pending.nik_hash, pending.nik_masked, kk_hash, now
            )
        return await _ask_kk(services, chat_id, parse_nik(number, today), now)
    except InvalidNumberError as err:
        return CheckReply(Reply.INVALID, error=err)


def _verified(record: Record) -> CheckReply:
    return CheckReply(Reply.CHECKED, verification=Verification(Outcome.VERIFIED, record=record))


async def _pair(
    services: Services,
    chat_id: int,
    first: str,
    second: str,
    today: date,
    now: datetime,
    stored: bool | None,
) -> CheckReply:
    """ "NIK KK" in one message."""
    if first == second:
        return CheckReply(Reply.SAME_TWICE)
    try:
        nik = parse_nik(first, today)
    except InvalidNumberError as err:
        if await _swapped(services, chat_id, first, second, today, now):
            return CheckReply(Reply.SWAPPED)
        return CheckReply(Reply.INVALID, error=err, position="first")
    try:
        kk = parse_kk(second)
    except InvalidNumberError as err:
        return CheckReply(Reply.INVALID, error=err, position="second")
    nik_hash = services.hasher.nik(nik.digits)
    kk_hash = services.hasher.kk(kk)
    record = await _prove(services, chat_id, nik_hash, kk_hash, now, stored)
    if record is not None:  # the usual case: no swap to look for
        return _verified(record)
    if await _swapped(services, chat_id, first, second, today, now, (nik_hash, kk_hash)):
        return CheckReply(Reply.SWAPPED)
    return await _wrong_kk(services, chat_id, nik_hash, mask_nik(nik.digits), kk_hash, now)


async def _kk_came_first(
    services: Services, chat_id: int, number: str, first_as_kk: str, now: datetime
) -> Record | None:
    """The record, when the number taken for a NIK was its KK and `number` is its NIK (the KK
    sent first): proved as "NIK KK" in one message would be, no failed try counted."""
    try:
        nik = parse_nik(number, services.today(now))
    except InvalidNumberError:
        return None
    nik_hash = services.hasher.nik(nik.digits)
    return await _prove(services, chat_id, nik_hash, first_as_kk, now, True)


async def _matches(reader: Conn, nik_hash: str, kk_hash: str) -> bool:
    record = await records_store.get_by_nik_hash(reader, nik_hash)
    return record is not None and hmac.compare_digest(record.kk_hash, kk_hash)


async def _prove(
    services: Services,
    chat_id: int,
    nik_hash: str,
    kk_hash: str,
    now: datetime,
    stored: bool | None,
) -> Record | None:
    """The record, when `kk_hash` is its Nomor KK's and this chat may check it now: the
    lookups in one read transaction on the reader, then the proof (the step ends) in one
    group-committed write. None, with nothing written, otherwise (`_wrong_kk` follows).
    `stored`: whether the chat has a check step row (None: read it here)."""
    async with services.db.snapshot() as reader:
        if await refusal(reader, chat_id, nik_hash, now) is not None:
            return None
        record = await records_store.get_by_nik_hash(reader, nik_hash)
        if record is None or not hmac.compare_digest(record.kk_hash, kk_hash):
            return None
        stepped = (
            stored if stored is not None else await checks_store.has_pending_row(reader, chat_id)
        )
    record_id = record.id
    await services.db.write(
        lambda conn: checks_store.verified_now(conn, chat_id, record_id, now, stepped)
    )
    return record


async def _swapped(
    services: Services,
    chat_id: int,
    first: str,
    second: str,
    today: date,
    now: datetime,
    straight: tuple[str, str] | None = None,
) -> bool:
    """True when `first` is the KK and `second` the NIK of one record (and `straight`, the
    keyed hashes of the pair as sent, is not), while this chat may check: a swap, not a guess."""
    try:
        kk = parse_kk(first)
        nik = parse_nik(second, today)
    except InvalidNumberError:
        return False
    hasher = services.hasher
    nik_hash = hasher.nik(nik.digits)
    async with services.db.snapshot() as reader:
        if await refusal(reader, chat_id, nik_hash, now) is not None:
            return False
        if straight is not None and await _matches(reader, *straight):
            return False
        return await _matches(reader, nik_hash, hasher.kk(kk))


async def _ask_kk(services: Services, chat_id: int, nik: Nik, now: datetime) -> CheckReply:
    """A NIK alone: wait for its KK, unless the chat waits or the NIK is locked (then the step
    ends). One write job: the limits are read where the step is written."""
    nik_hash = services.hasher.nik(nik.digits)
    as_kk_hash = services.hasher.kk(nik.digits)  # in case it was the KK, sent first
    masked = mask_nik(nik.digits)

    async def ask(conn: Conn) -> Verification | None:
        refused = await refusal(conn, chat_id, nik_hash, now)
        if refused is not None:
            await checks_store.clear_pending(conn, chat_id)
        else:
            await checks_store.set_pending(
                conn,
                chat_id,
                checks_store.Step.KK,
                now,
                nik_hash=nik_hash,
                nik_masked=masked,
                as_kk_hash=as_kk_hash,
            )
        return refused

    refused = await services.db.write(ask)
    if refused is not None:
        return CheckReply(Reply.REFUSED, nik_masked=masked, verification=refused)
    return CheckReply(Reply.ASK_KK, nik_masked=masked)


async def _wrong_kk(
    services: Services,
    chat_id: int,
    nik_hash: str,
    nik_masked: str | None,
    kk_hash: str,
    now: datetime,
) -> CheckReply:
    """A KK the reader found wrong (or a check it found refused), settled in one write job:
    the limits and the record are read again where the failure is counted (as `verify_owner`
    does); after a wrong KK the NIK keeps waiting for its KK, unless the failure set off a wait
    or a lock; otherwise the step ends."""

    async def settle(conn: Conn) -> Verification:
        result = await _verify(conn, chat_id, nik_hash, kk_hash, now)
        if result.outcome is Outcome.NO_MATCH and result.started is None:
            await checks_store.set_pending(
                conn, chat_id, checks_store.Step.KK, now, nik_hash=nik_hash, nik_masked=nik_masked
            )
        else:
            await checks_store.clear_pending(conn, chat_id)
        return result

    result = await services.db.write(settle)
    if result.outcome in (Outcome.CHAT_WAIT, Outcome.NIK_LOCKED):
        return CheckReply(Reply.REFUSED, verification=result)
    if result.outcome is Outcome.NO_MATCH and result.started is None:
        return CheckReply(Reply.CHECKED, nik_masked=nik_masked, verification=result)
    return CheckReply(Reply.CHECKED, verification=result)
