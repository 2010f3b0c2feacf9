"""Jemput bola: the office's visits to villages and schools, told to the people they are for.

Staff plan, change and cancel visits (each change audited, in one transaction with the messages
it causes); residents see the upcoming visits and may ask to hear of those in a kecamatan. A
visit's notice goes through the outbox when it is saved and again the day before it, to the
chats following a card in that kecamatan whose owner must still be recorded or come (UNREGISTERED;
CARD_PRINTED and CARD_SHIPPED when the visit hands out cards) and to the chats that asked for
that kecamatan. A chat gets each kind of message about a visit once (dedup key per visit, kind
and chat); a change or a cancellation drops what has not gone out yet and sends a short
correction to those already told.

No Telegram here: `bot.handlers.schedule` asks and answers, `bot.cli.jadwal` imports a CSV.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot import texts_common, texts_desk, texts_ops, texts_staff
from bot import texts_visits as visit_texts
from bot.domain.names import reduce_names
from bot.domain.nik import MUSI_RAWAS, MUSI_RAWAS_DISTRICTS, district_name
from bot.domain.notices import NoticeKind
from bot.services.container import Services
from bot.services.drafts import DraftSteps
from bot.services.redaction import carries_id_number
from bot.services.tables import TableError, Tally, open_table
from bot.states import KtpStatus
from bot.storage import audit as audit_store
from bot.storage import outbox as outbox_store
from bot.storage import visits as store
from bot.storage.driver import Conn
from bot.storage.visits import CANCELLED, KIND_VISIT, PLANNED, Listener, VisitFields, VisitRow

__all__ = ["CANCELLED", "PLANNED", "VisitFields"]

RECORDING = "rekam"
COLLECTION = "ambil"
#: What a visit can serve, in the order residents read them.
SERVICE_CODES: tuple[str, ...] = (RECORDING, COLLECTION, "kk", "akta")

#: Whose card status means the person must still come, per service.
STATUSES_FOR: dict[str, tuple[KtpStatus, ...]] = {
    RECORDING: (KtpStatus.UNREGISTERED,),
    COLLECTION: (KtpStatus.CARD_PRINTED, KtpStatus.CARD_SHIPPED),
}

#: The staff step's kind in `storage.steps`.
DRAFT_KIND = "jadwal"
DRAFT_LIFETIME = timedelta(days=1)
PLACE_LIMIT = 120
NOTE_LIMIT = 300
#: How far ahead a visit may be planned.
MAX_AHEAD = timedelta(days=366)
#: From this local hour on, the day-before notices of tomorrow's visits are queued.
REMINDER_HOUR = 7
#: /jadwal hasil: how long after a visit status changes count, how far back visits are shown.
RESULT_DAYS = 14
RESULT_LOOKBACK = timedelta(days=90)
RESULT_LIMIT = 10
UPCOMING_LIMIT = 30

AUDIT_ADD = "jadwal_tambah"
AUDIT_CHANGE = "jadwal_ubah"
AUDIT_CANCEL = "jadwal_batal"
AUDIT_IMPORT = "jadwal_impor"

# Dedup keys: visit:{id}:{what}:{chat}; `what` is one of these (the reminder with its date,
# a change with the visit's revision).
_NOTICE = "baru"
_REMINDER = "ingat"
_CHANGE = "ubah"
_CANCEL = "batal"


def dedup_key(visit_id: int, what: str, chat_id: int) -> str:
    return f"visit:{visit_id}:{what}:{chat_id}"


def district_code(district: str) -> str:
    """The two-digit kecamatan code of a six-digit district ("160501" -> "01")."""
    return district[4:6]


def six_digits(code: str) -> str:
    return MUSI_RAWAS + code


def districts_by_name() -> list[tuple[str, str]]:
    """(code, name) of every Musi Rawas kecamatan, by name."""
    return sorted(MUSI_RAWAS_DISTRICTS.items(), key=lambda item: item[1])


# --- what people type: dates, times, kecamatan, services ---------------------------------------


class Problem(StrEnum):
    """Why a value staff gave (or a CSV cell) cannot be used; texts_id says each."""

    BAD_DATE = "bad_date"
    PAST_DATE = "past_date"
    FAR_DATE = "far_date"
    BAD_TIME = "bad_time"
    END_NOT_AFTER_START = "end_not_after_start"
    UNKNOWN_DISTRICT = "unknown_district"
    NO_PLACE = "no_place"
    PLACE_TOO_LONG = "place_too_long"
    NO_SERVICES = "no_services"
    UNKNOWN_SERVICE = "unknown_service"
    NOTE_TOO_LONG = "note_too_long"
    ID_NUMBER = "id_number"  # a NIK or KK in a place or note: personal data, never sent out


class VisitInputError(ValueError):
    def __init__(self, problem: Problem, given: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.given = given

    def text(self) -> str:
        return texts_desk.visit_problem(self.problem.value, self.given)


_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "januari"),
            ("feb", "februari", "pebruari"),
            ("mar", "maret"),
            ("apr", "april"),
            ("mei",),
            ("jun", "juni"),
            ("jul", "juli"),
            ("agu", "agt", "agus", "agustus"),
            ("sep", "sept", "september"),
            ("okt", "oktober"),
            ("nov", "nopember", "november"),
            ("des", "desember"),
        ),
        start=1,
    )
    for name in names
}
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS = re.compile(r"(\d{1,2})\s+([a-z]+)(?:\s+(\d{4}))?")
_TIME = re.compile(r"(\d{1,2})(?:[.:](\d{2}))?")


def parse_day(text: str, today: date) -> date:
    """A date as staff write it: 07-12-2026, 7/12/2026, 2026-12-07, 7-12, "7 Desember 2026",
    "7 des". Without a year: the next such day from today."""
    given = " ".join(text.strip().casefold().replace(",", " ").split())
    year: int | None
    try:
        if m := _YMD.fullmatch(given):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(given):
            day, month = int(m[1]), int(m[2])
            year = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else None
        elif (m := _WORDS.fullmatch(given)) and m[2] in _MONTHS:
            day, month = int(m[1]), _MONTHS[m[2]]
            year = int(m[3]) if m[3] else None
        else:
            raise VisitInputError(Problem.BAD_DATE, text)
        if year is not None:
            return date(year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError as exc:
        if isinstance(exc, VisitInputError):
            raise
        raise VisitInputError(Problem.BAD_DATE, text) from None


def parse_time(text: str) -> str:
    """A clock time as staff write it (8, 08.30, 8:30) as "HH:MM"."""
    m = _TIME.fullmatch(text.strip().removesuffix("WIB").strip())
    if m is None:
        raise VisitInputError(Problem.BAD_TIME, text)
    hour, minute = int(m[1]), int(m[2] or 0)
    if hour > 23 or minute > 59:
        raise VisitInputError(Problem.BAD_TIME, text)
    return f"{hour:02d}:{minute:02d}"


def parse_district(text: str) -> str:
    """A Musi Rawas kecamatan by its name (any case; "Kecamatan" and extra spaces allowed), its
    two-digit code or its six digits: the two-digit code."""
    given = " ".join(text.casefold().split()).removeprefix("kecamatan ").removeprefix("kec. ")
    given = given.strip()
    if given.isdigit():
        code = given[4:6] if len(given) == 6 and given.startswith(MUSI_RAWAS) else given.zfill(2)
        if code in MUSI_RAWAS_DISTRICTS:
            return code
    for code, name in MUSI_RAWAS_DISTRICTS.items():
        if " ".join(name.casefold().split()) == given:
            return code
    raise VisitInputError(Problem.UNKNOWN_DISTRICT, text)


_SERVICE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (RECORDING, re.compile(r"rekam|perekaman")),
    (COLLECTION, re.compile(r"ambil|pengambilan|penyerahan|distribusi")),
    ("kk", re.compile(r"\bkk\b|kartu keluarga")),
    ("akta", re.compile(r"akta|akte")),
)


def parse_services(text: str) -> tuple[str, ...]:
    """What a visit serves, from words ("perekaman KTP-el, pengambilan KTP-el; KK dan akta")."""
    found: set[str] = set()
    for part in re.split(r"[,;/+&]|\bdan\b", text.casefold()):
        part = part.strip()
        if not part:
            continue
        codes = {code for code, pattern in _SERVICE_WORDS if pattern.search(part)}
        if not codes:
            raise VisitInputError(Problem.UNKNOWN_SERVICE, part)
        found |= codes
    if not found:
        raise VisitInputError(Problem.NO_SERVICES, text)
    return tuple(code for code in SERVICE_CODES if code in found)


def clean_place(text: str) -> str:
    place = " ".join(text.split())
    if not place:
        raise VisitInputError(Problem.NO_PLACE)
    if len(place) > PLACE_LIMIT:
        raise VisitInputError(Problem.PLACE_TOO_LONG, str(PLACE_LIMIT))
    if carries_id_number(place):
        raise VisitInputError(Problem.ID_NUMBER)
    return place


def check_note(text: str | None) -> str | None:
    """A visit's note: it goes out to residents, so, like its place, it is refused when it
    carries a NIK or KK (`redaction.carries_id_number`); a phone number stays as written."""
    note = (text or "").strip()
    if len(note) > NOTE_LIMIT:
        raise VisitInputError(Problem.NOTE_TOO_LONG, str(NOTE_LIMIT))
    if carries_id_number(note):
        raise VisitInputError(Problem.ID_NUMBER)
    return reduce_names(note) or None  # "dikoordinasi Pak Rahmat Hidayat" keeps initials


def check_day(day: date, today: date) -> None:
    """Raise VisitInputError when a visit cannot be planned on `day` (past, or too far)."""
    if day < today:
        raise VisitInputError(Problem.PAST_DATE, texts_common.format_date(day))
    if day > today + MAX_AHEAD:
        raise VisitInputError(Problem.FAR_DATE, texts_common.format_date(day))


def check_times(start: str | None, end: str) -> None:
    """Raise VisitInputError when the end is not after the start."""
    if start is not None and end <= start:
        raise VisitInputError(Problem.END_NOT_AFTER_START, end)


def check_fields(fields: VisitFields, today: date) -> None:
    """Raise VisitInputError when these fields cannot make a visit planned `today`."""
    check_day(fields.visit_date, today)
    check_times(fields.start_time, fields.end_time)
    if district_code(fields.district) not in MUSI_RAWAS_DISTRICTS:
        raise VisitInputError(Problem.UNKNOWN_DISTRICT, fields.district)
    if not fields.services:
        raise VisitInputError(Problem.NO_SERVICES)


# --- visits as the rest of the bot sees them ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visit:
    id: int
    day: date
    start: str  # "08:00", office time
    end: str
    code: str  # two-digit kecamatan code
    place: str
    services: tuple[str, ...]
    note: str | None
    state: str
    revision: int

    @classmethod
    def from_row(cls, row: VisitRow) -> Visit:
        return cls(
            id=row.id,
            day=row.visit_date,
            start=row.start_time,
            end=row.end_time,
            code=district_code(row.district),
            place=row.place,
            services=row.services,
            note=row.note,
            state=row.state,
            revision=row.revision,
        )

    @property
    def district_name(self) -> str:
        return district_name(self.code) or self.code

    @property
    def fields(self) -> VisitFields:
        return VisitFields(
            self.day, self.start, self.end, six_digits(self.code), self.place, self.services,
            self.note,
        )  # fmt: skip

    def info(self, tz: str) -> visit_texts.VisitInfo:
        return visit_info(self.fields, tz, visit_id=self.id)


def visit_info(fields: VisitFields, tz: str, visit_id: int | None = None) -> visit_texts.VisitInfo:
    code = district_code(fields.district)
    return visit_texts.VisitInfo(
        visit_id=visit_id,
        day=fields.visit_date,
        start=fields.start_time,
        end=fields.end_time,
        district_name=district_name(code) or code,
        place=fields.place,
        services=fields.services,
        note=fields.note,
        tz=tz,
    )


def _audit_value(fields: VisitFields) -> str:
    """A visit in one line for the audit log."""
    return (
        f"{fields.visit_date.isoformat()} {fields.start_time}-{fields.end_time}"
        f" {district_name(fields.district) or fields.district}, {fields.place},"
        f" {'+'.join(fields.services)}" + (f", catatan: {fields.note}" if fields.note else "")
    )


# --- the staff's draft (kept in storage.steps, survives a restart) ------------------------------


class Step(StrEnum):
    DATE = "date"
    START = "start"
    END = "end"
    DISTRICT = "district"
    PLACE = "place"
    SERVICES = "services"
    NOTE = "note"
    PREVIEW = "preview"


#: The steps waiting for typed text (the others are answered with buttons too).
TYPED_STEPS = frozenset({Step.DATE, Step.START, Step.END, Step.PLACE, Step.NOTE})


@dataclass(frozen=True, slots=True)
class Draft:
    """A visit being planned (visit_id None) or changed, one per chat and staff member."""

    chat_id: int
    user_id: int
    expires_at: datetime
    visit_id: int | None = None
    step: Step = Step.DATE
    day: date | None = None
    start: str | None = None
    end: str | None = None
    code: str | None = None
    place: str | None = None
    services: tuple[str, ...] = ()
    services_done: bool = False
    note: str | None = None
    note_done: bool = False
    token: str = ""
    expired: bool = False

    def next_step(self) -> Step:
        """The first step still to do, or the preview."""
        if self.day is None:
            return Step.DATE
        if self.start is None:
            return Step.START
        if self.end is None:
            return Step.END
        if self.code is None:
            return Step.DISTRICT
        if self.place is None:
            return Step.PLACE
        if not self.services_done or not self.services:
            return Step.SERVICES
        if not self.note_done:
            return Step.NOTE
        return Step.PREVIEW

    def fields(self) -> VisitFields | None:
        if self.next_step() is not Step.PREVIEW:
            return None
        assert self.day and self.start and self.end and self.code and self.place
        return VisitFields(
            self.day, self.start, self.end, six_digits(self.code), self.place, self.services,
            self.note,
        )  # fmt: skip

    def payload(self) -> dict[str, Any]:
        return {
            "visit_id": self.visit_id,
            "step": self.step.value,
            "day": self.day.isoformat() if self.day else None,
            "start": self.start,
            "end": self.end,
            "code": self.code,
            "place": self.place,
            "services": list(self.services),
            "services_done": self.services_done,
            "note": self.note,
            "note_done": self.note_done,
            "token": self.token,
        }

    @classmethod
    def from_payload(
        cls, chat_id: int, user_id: int, expires_at: datetime, p: dict[str, Any], expired: bool
    ) -> Draft:
        try:
            step = Step(p.get("step") or Step.DATE.value)
        except ValueError:
            step = Step.DATE
        return cls(
            chat_id=chat_id,
            user_id=user_id,
            expires_at=expires_at,
            visit_id=p.get("visit_id"),
            step=step,
            day=date.fromisoformat(p["day"]) if p.get("day") else None,
            start=p.get("start"),
            end=p.get("end"),
            code=p.get("code"),
            place=p.get("place"),
            services=tuple(c for c in p.get("services") or () if c in SERVICE_CODES),
            services_done=bool(p.get("services_done")),
            note=p.get("note"),
            note_done=bool(p.get("note_done")),
            token=str(p.get("token") or ""),
            expired=expired,
        )


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a visit's notice goes to now."""

    card_followers: int
    district_followers: int
    total: int  # chats (a chat in both groups counts once)


@dataclass(frozen=True, slots=True)
class Saved:
    visit: Visit
    queued: int  # notices queued now
    corrections: int = 0  # corrections queued for chats already told (a change)


@dataclass(frozen=True, slots=True)
class Cancelled:
    visit: Visit
    corrections: int  # chats already told that get the cancellation
    dropped: int  # messages that had not gone out and now never will


@dataclass(frozen=True, slots=True)
class StaffLine:
    visit: Visit
    told: int
    pending: int


@dataclass(frozen=True, slots=True)
class VisitResult:
    visit: Visit
    told: int
    unrecorded_before: int
    moved_since: int
    until: date  # the last day counted (the visit + 14 days, or today when sooner)
    complete: bool  # the 14 days are over


@dataclass(frozen=True, slots=True)
class MonthFigures:
    planned: int  # visits dated this month, not cancelled
    done: int  # of them, dated before today
    cancelled: int
    told: int


@dataclass(frozen=True, slots=True)
class ChatSchedule:
    """What /jadwal shows a resident first."""

    card_codes: list[str]  # kecamatan of the cards the chat follows
    followed_codes: list[str]  # kecamatan the chat asked to hear of
    visits: list[Visit]  # upcoming visits in those kecamatan
    counts: dict[str, int]  # upcoming visits per kecamatan code


@dataclass(slots=True)
class ImportSummary:
    rows_read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    notices: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: The file's physical lines: the header's (and blank ones before it) + blank_lines +
    #: rows_read + continued_lines (lines inside a quoted cell begun on an earlier line).
    lines: int = 0
    blank_lines: int = 0
    continued_lines: int = 0

    def text(self) -> str:
        return texts_ops.visit_import_summary(
            self.rows_read, self.new, self.changed, self.unchanged, self.rejected, self.notices
        )


class VisitImportError(Exception):
    """The file as a whole cannot be read; `reason` says why (Indonesian)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


IMPORT_COLUMNS = ("tanggal", "mulai", "selesai", "kecamatan", "tempat", "layanan", "catatan")
IMPORT_REQUIRED = ("tanggal", "mulai", "selesai", "kecamatan", "tempat", "layanan")


# --- the use cases ----------------------------------------------------------------------------


class Visits:
    """The jemput bola use cases; each change owns its transaction and audit row."""

    def __init__(self, services: Services) -> None:
        self.svc = services
        self._drafts = DraftSteps(services, DRAFT_KIND)

    @classmethod
    def of(cls, services: Services) -> Visits:
        return cls(services)

    @property
    def tz(self) -> str:
        return self.svc.settings.timezone

    def today(self) -> date:
        return self.svc.today()

    # --- the draft ---------------------------------------------------------------------------

    async def start_draft(self, chat_id: int, user_id: int, visit_id: int | None = None) -> Draft:
        """A new draft (an earlier one of this staff member is replaced); for a change, filled
        with the visit and at its preview. Raises LookupError when the visit is not planned."""
        now = self.svc.clock.now()
        draft = Draft(chat_id, user_id, now + DRAFT_LIFETIME, token=secrets.token_hex(4))
        if visit_id is not None:
            row = await store.get(self.svc.db.conn, visit_id)
            if row is None or row.state != PLANNED:
                raise LookupError(visit_id)
            visit = Visit.from_row(row)
            draft = replace(
                draft,
                visit_id=visit.id,
                day=visit.day,
                start=visit.start,
                end=visit.end,
                code=visit.code,
                place=visit.place,
                services=visit.services,
                services_done=True,
                note=visit.note,
                note_done=True,
                step=Step.PREVIEW,
            )
        await self._drafts.put(chat_id, user_id, draft.payload(), draft.expires_at, now)
        return draft

    async def draft(self, chat_id: int, user_id: int) -> Draft | None:
        now = self.svc.clock.now()
        step = await self._drafts.read(chat_id, user_id, now)
        if step is None:
            return None
        return Draft.from_payload(
            chat_id, user_id, step.expires_at, step.payload, step.expired(now)
        )

    async def save_draft(self, draft: Draft, **changes: Any) -> Draft:
        """The draft with `changes`, at its next step unless `step` is given."""
        draft = replace(draft, **changes)
        if "step" not in changes:
            draft = replace(draft, step=draft.next_step())
        if draft.step is Step.PREVIEW:
            draft = replace(draft, token=secrets.token_hex(4))
        await self._drafts.put(draft.chat_id, draft.user_id, draft.payload(), draft.expires_at)
        return draft

    async def drop_draft(self, chat_id: int, user_id: int) -> bool:
        return await self._drafts.drop(chat_id, user_id)

    # --- who is told -------------------------------------------------------------------------

    async def _listeners(self, conn: Conn, fields: VisitFields) -> tuple[list[Listener], list[int]]:
        statuses = sorted({s.value for code in fields.services for s in STATUSES_FOR.get(code, ())})
        cards = await store.card_followers(conn, fields.district, statuses)
        followers = await store.district_followers(conn, fields.district)
        return cards, followers

    async def audience(self, fields: VisitFields) -> Audience:
        cards, followers = await self._listeners(self.svc.db.conn, fields)
        chats = {c.chat_id for c in cards} | set(followers)
        return Audience(len(cards), len(followers), len(chats))

    async def _queue_notices(
        self, conn: Conn, visit_id: int, fields: VisitFields, what: str
    ) -> int:
        """Queue a notice (or a reminder) of this visit for everyone it is for (caller's txn)."""
        now = self.svc.clock.now()
        reminder = what.startswith(_REMINDER)
        cards, followers = await self._listeners(conn, fields)
        # An event per chat: the visit, and for a chat following a card there that card (its
        # masked NIK and label are read when the notice is sent).
        messages: dict[int, dict[str, object]] = {}
        for listener in cards:
            messages[listener.chat_id] = {
                "visit_id": visit_id,
                "reminder": reminder,
                "record_id": listener.record_id,
                "to_collect": listener.status != KtpStatus.UNREGISTERED.value,
            }
        for chat_id in followers:
            messages.setdefault(chat_id, {"visit_id": visit_id, "reminder": reminder})
        queued = 0
        for chat_id, params in sorted(messages.items()):
            if await outbox_store.insert(
                conn,
                kind=KIND_VISIT,
                chat_id=chat_id,
                dedup_key=dedup_key(visit_id, what, chat_id),
                now=now,
                notice=NoticeKind.VISIT_NOTICE,
                params=params,
            ):
                queued += 1
        return queued

    def _reminder_due_now(self, visit_date: date) -> bool:
        """Is the day-before notice of a visit on `visit_date` already late (or due) now? A
        visit saved the day before (after the reminder hour) or on the day gets no reminder:
        its first notice is news enough."""
        return visit_date <= self.today() + timedelta(days=1)

    # --- planning ----------------------------------------------------------------------------

    async def plan(
        self, fields: VisitFields, *, actor_id: int | None, source: str = "staff"
    ) -> Saved:
        """Save a new visit, audit it and queue its notices, in one transaction."""
        check_fields(fields, self.today())
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            saved = await self._plan(conn, fields, actor_id=actor_id, source=source, now=now)
        self.svc.wake_outbox()
        return saved

    async def _plan(
        self,
        conn: Conn,
        fields: VisitFields,
        *,
        actor_id: int | None,
        source: str,
        now: datetime,
    ) -> Saved:
        reminded = fields.visit_date if self._reminder_due_now(fields.visit_date) else None
        visit_id = await store.insert(
            conn, fields, source=source, created_by=actor_id, now=now, reminded_for=reminded
        )
        queued = await self._queue_notices(conn, visit_id, fields, _NOTICE)
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=AUDIT_ADD,
            target=f"jadwal #{visit_id}",
            new=_audit_value(fields),
            detail=texts_desk.audit_visit_detail(queued, 0, source),
        )
        row = await store.get(conn, visit_id)
        assert row is not None
        return Saved(Visit.from_row(row), queued)

    async def change(
        self, visit_id: int, fields: VisitFields, *, actor_id: int | None, source: str = "staff"
    ) -> Saved | None:
        """Change a planned visit: what has not gone out is dropped, those already told get a
        correction, everyone it is for now gets the notice they have not had; audited. None when
        the visit is not planned (any more)."""
        check_fields(fields, self.today())
        async with self.svc.db.transaction() as conn:
            saved = await self._change(conn, visit_id, fields, actor_id=actor_id, source=source)
        if saved is not None:
            self.svc.wake_outbox()
        return saved

    async def _change(
        self,
        conn: Conn,
        visit_id: int,
        fields: VisitFields,
        *,
        actor_id: int | None,
        source: str,
    ) -> Saved | None:
        now = self.svc.clock.now()
        old = await store.get(conn, visit_id)
        if old is None or old.state != PLANNED:
            return None
        if not await store.update(conn, visit_id, fields, now=now):
            return None
        row = await store.get(conn, visit_id)
        assert row is not None
        if self._reminder_due_now(fields.visit_date) and row.reminded_for != fields.visit_date:
            # Moved to tomorrow or today: the correction (or the notice) is the reminder.
            await store.set_reminded(conn, visit_id, fields.visit_date)
        await store.drop_pending(conn, visit_id)
        told = await store.told_chats(conn, visit_id)
        corrections = 0
        for chat_id in told:
            if await outbox_store.insert(
                conn,
                kind=KIND_VISIT,
                chat_id=chat_id,
                dedup_key=dedup_key(visit_id, f"{_CHANGE}{row.revision}", chat_id),
                now=now,
                notice=NoticeKind.VISIT_CHANGED,
                params={"visit_id": visit_id},
            ):
                corrections += 1
        queued = await self._queue_notices(conn, visit_id, fields, _NOTICE)
        await audit_store.add(
            conn,
            now=now,
            actor_id=actor_id,
            action=AUDIT_CHANGE,
            target=f"jadwal #{visit_id}",
            old=_audit_value(Visit.from_row(old).fields),
            new=_audit_value(fields),
            detail=texts_desk.audit_visit_detail(queued, corrections, source),
        )
        return Saved(Visit.from_row(row), queued, corrections)

    async def cancel(self, visit_id: int, *, actor_id: int | None) -> Cancelled | None:
        """Cancel a planned visit: its messages not yet sent are dropped (so a visit cancelled
        before its notice went out sends nothing), those already told get a short correction;
        audited. None when it is not planned."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            row = await store.get(conn, visit_id)
            if row is None or not await store.cancel(conn, visit_id, now=now):
                return None
            visit = Visit.from_row(row)
            dropped = await store.drop_pending(conn, visit_id)
            corrections = 0
            for chat_id in await store.told_chats(conn, visit_id):
                if await outbox_store.insert(
                    conn,
                    kind=KIND_VISIT,
                    chat_id=chat_id,
                    dedup_key=dedup_key(visit_id, _CANCEL, chat_id),
                    now=now,
                    notice=NoticeKind.VISIT_CANCELLED,
                    params={"visit_id": visit_id},
                ):
                    corrections += 1
            await audit_store.add(
                conn,
                now=now,
                actor_id=actor_id,
                action=AUDIT_CANCEL,
                target=f"jadwal #{visit_id}",
                old=_audit_value(visit.fields),
                detail=texts_desk.audit_visit_cancel_detail(corrections, dropped),
            )
        self.svc.wake_outbox()
        return Cancelled(replace(visit, state=CANCELLED), corrections, dropped)

    async def get(self, visit_id: int) -> Visit | None:
        row = await store.get(self.svc.db.conn, visit_id)
        return Visit.from_row(row) if row else None

    async def told(self, visit_id: int) -> int:
        return (await store.outbox_counts(self.svc.db.conn, visit_id)).told

    # --- the day-before notice (a periodic job) ------------------------------------------

    async def queue_reminders(self) -> int:
        """Queue the day-before notice of tomorrow's visits, once each (cheap when there is
        nothing to do; safe to run as often as wanted and after a restart)."""
        now = self.svc.clock.now()
        local = now.astimezone(self.svc.settings.tz)
        if local.hour < REMINDER_HOUR:
            return 0
        tomorrow = local.date() + timedelta(days=1)
        rows = await store.due_reminders(self.svc.db.conn, tomorrow)
        if not rows:
            return 0
        queued = 0
        async with self.svc.db.transaction() as conn:
            for row in await store.due_reminders(conn, tomorrow):
                visit = Visit.from_row(row)
                what = f"{_REMINDER}{visit.day.isoformat()}"
                queued += await self._queue_notices(conn, visit.id, visit.fields, what)
                await store.set_reminded(conn, visit.id, visit.day)
        self.svc.wake_outbox()
        return queued

    # --- lists -------------------------------------------------------------------------------

    async def upcoming(self, codes: Iterable[str] | None = None) -> list[Visit]:
        districts = None if codes is None else [six_digits(c) for c in codes]
        rows = await store.upcoming(
            self.svc.db.conn, self.today(), districts=districts, limit=UPCOMING_LIMIT
        )
        return [Visit.from_row(r) for r in rows]

    async def staff_list(self) -> list[StaffLine]:
        lines = []
        for visit in await self.upcoming():
            counts = await store.outbox_counts(self.svc.db.conn, visit.id)
            lines.append(StaffLine(visit, counts.told, counts.pending))
        return lines

    async def chat_schedule(self, chat_id: int) -> ChatSchedule:
        conn = self.svc.db.conn
        cards = [
            district_code(d)
            for d in await store.card_districts(conn, chat_id)
            if district_code(d) in MUSI_RAWAS_DISTRICTS and d.startswith(MUSI_RAWAS)
        ]
        followed = [district_code(d) for d in await store.followed_districts(conn, chat_id)]
        codes = list(dict.fromkeys([*cards, *followed]))
        visits = await self.upcoming(codes) if codes else []
        counts = {
            district_code(d): n
            for d, n in (await store.upcoming_counts(conn, self.today())).items()
        }
        return ChatSchedule(cards, followed, visits, counts)

    async def is_following(self, chat_id: int, code: str) -> bool:
        return six_digits(code) in await store.followed_districts(self.svc.db.conn, chat_id)

    async def follow(self, chat_id: int, chat_type: str, code: str) -> bool:
        """Hear of visits in this kecamatan; False when the chat already did."""
        if code not in MUSI_RAWAS_DISTRICTS:
            raise VisitInputError(Problem.UNKNOWN_DISTRICT, code)
        async with self.svc.db.transaction() as conn:
            return await store.follow(
                conn, chat_id, chat_type, six_digits(code), self.svc.clock.now()
            )

    async def unfollow(self, chat_id: int, code: str | None = None) -> int:
        """Stop hearing of visits in a kecamatan (None: in all of them); how many stopped."""
        async with self.svc.db.transaction() as conn:
            return await store.unfollow(conn, chat_id, six_digits(code) if code else None)

    async def followed(self, chat_id: int) -> list[str]:
        return [district_code(d) for d in await store.followed_districts(self.svc.db.conn, chat_id)]

    # --- the check answer's line -----------------------------------------------------------

    async def next_for(self, district: str, status: KtpStatus) -> Visit | None:
        """The next visit in the record's kecamatan that serves what a person in `status` must
        come for (recording for UNREGISTERED, collection for a printed or shipped card), or
        None (also for statuses no visit serves and districts outside Musi Rawas)."""
        wanted = {code for code, statuses in STATUSES_FOR.items() if status in statuses}
        if not wanted or not district.startswith(MUSI_RAWAS):
            return None
        rows = await store.upcoming(self.svc.db.conn, self.today(), districts=[district], limit=20)
        for row in rows:
            if wanted & set(row.services):
                return Visit.from_row(row)
        return None

    async def check_line(self, district: str, status: KtpStatus) -> str | None:
        """The one line a check answer gives about the next visit (None when there is none)."""
        visit = await self.next_for(district, status)
        return visit_texts.visit_check_line(visit.info(self.tz)) if visit else None

    # --- the effect of visits ----------------------------------------------------------------

    async def results(self) -> list[VisitResult]:
        conn = self.svc.db.conn
        today = self.today()
        found = []
        for row in await store.past(conn, today, today - RESULT_LOOKBACK, RESULT_LIMIT):
            until_full = row.visit_date + timedelta(days=RESULT_DAYS)
            until = min(until_full, today)
            base, moved = await store.unrecorded_moved(conn, row.district, row.visit_date, until)
            counts = await store.outbox_counts(conn, row.id)
            found.append(
                VisitResult(
                    Visit.from_row(row), counts.told, base, moved, until, until_full <= today
                )
            )
        return found

    async def month(self) -> MonthFigures:
        """The visits dated in the current month (office time)."""
        today = self.today()
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        conn = self.svc.db.conn
        counts = await store.month_counts(conn, first, last)
        done = await store.month_counts(conn, first, today - timedelta(days=1))
        return MonthFigures(
            planned=counts.get(PLANNED, 0),
            done=done.get(PLANNED, 0) if today > first else 0,
            cancelled=counts.get(CANCELLED, 0),
            told=await store.month_told(conn, first, last),
        )

    # --- the office's spreadsheet --------------------------------------------------------

    async def import_csv(
        self, data: bytes, *, source_name: str, sheet: str | None = None
    ) -> ImportSummary:
        """Load visits from a CSV or an Excel workbook (columns tanggal, mulai, selesai,
        kecamatan, tempat, layanan, catatan), read by `tables.py` like the status import. Rows
        are checked one by one: bad ones (an unclosed quote, a line too long included) are
        reported by line and skip; a row equal to a visit already planned changes nothing, one
        with the same date, start, kecamatan and place but other details changes it. One
        transaction; audited (from the shell: no actor)."""
        rows, tally = _read_rows(data, sheet)
        summary = ImportSummary(
            lines=tally.lines, blank_lines=tally.blank, continued_lines=tally.continued
        )
        today = self.today()
        now = self.svc.clock.now()
        source = f"import:{source_name}"
        async with self.svc.db.transaction() as conn:
            for line, cells, why in rows:
                summary.rows_read += 1
                if cells is None:
                    summary.rejected += 1
                    summary.errors.append((line, why or texts_staff.IMPORT_ROW_UNREADABLE))
                    continue
                try:
                    fields = _row_fields(cells, today)
                    same = await store.find_same(
                        conn, fields.visit_date, fields.start_time, fields.district, fields.place
                    )
                    if same is not None and same.state == CANCELLED:
                        raise _RowRejected(texts_ops.VISIT_IMPORT_CANCELLED_BEFORE)
                    if same is not None and Visit.from_row(same).fields == fields:
                        summary.unchanged += 1
                        continue
                    check_fields(fields, today)
                except VisitInputError as exc:
                    summary.rejected += 1
                    summary.errors.append((line, exc.text()))
                    continue
                except _RowRejected as exc:
                    summary.rejected += 1
                    summary.errors.append((line, exc.reason))
                    continue
                if same is None:
                    saved = await self._plan(conn, fields, actor_id=None, source=source, now=now)
                    summary.new += 1
                    summary.notices += saved.queued
                else:
                    changed = await self._change(
                        conn, same.id, fields, actor_id=None, source=source
                    )
                    if changed is not None:
                        summary.changed += 1
                        summary.notices += changed.queued + changed.corrections
            await audit_store.add(
                conn,
                now=now,
                actor_id=None,
                action=AUDIT_IMPORT,
                target=source_name,
                new=texts_staff.audit_visit_import_counts(
                    summary.rows_read,
                    summary.new,
                    summary.changed,
                    summary.unchanged,
                    summary.rejected,
                ),
            )
        self.svc.wake_outbox()
        return summary


class _RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _visit_header(cell: str) -> str:
    """ "Tanggal", " TEMPAT ", "Jam Mulai" -> "tanggal", "tempat", "jam_mulai"."""
    return " ".join(cell.strip().casefold().split()).replace(" ", "_")


def _read_rows(
    data: bytes, sheet: str | None = None
) -> tuple[list[tuple[int, dict[str, str] | None, str | None]], Tally]:
    """The records of the file as (line, column -> cell, None) or (line, None, why it cannot be
    read), the header being line 1 (an Excel row number in a workbook), and how its physical
    lines were counted. The reader is the status import's (`tables.py`)."""
    try:
        table = open_table(
            io.BytesIO(data), columns=IMPORT_COLUMNS, normalise=_visit_header, sheet=sheet
        )
    except TableError as exc:
        raise VisitImportError(exc.reason) from None
    header = [_visit_header(h) for h in table.header]
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    if missing:
        raise VisitImportError(texts_ops.visit_import_missing_columns(missing))
    rows: list[tuple[int, dict[str, str] | None, str | None]] = []
    for line, cells, why in table.rows():
        if cells is None:
            rows.append((line, None, why))
        else:
            rows.append((line, dict(zip(header, (c.strip() for c in cells), strict=False)), None))
    return rows, table.tally


def _row_fields(cells: dict[str, str], today: date) -> VisitFields:
    day = parse_day(cells.get("tanggal", ""), today)
    start = parse_time(cells.get("mulai", ""))
    end = parse_time(cells.get("selesai", ""))
    code = parse_district(cells.get("kecamatan", ""))
    place = clean_place(cells.get("tempat", ""))
    services = parse_services(cells.get("layanan", ""))
    note = check_note(cells.get("catatan"))
    return VisitFields(day, start, end, six_digits(code), place, services, note)
