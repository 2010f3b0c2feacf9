"""Questions to staff ("Tanya petugas"): a resident asks, the staff desk answers in the thread.

A resident writes a question in the private chat; it gets a number ("Pertanyaan #128") and is
posted at the desk: the staff group an admin named with `/meja`, or, without one, every staff
member's private chat. Staff take it ("Saya tangani": a conditional UPDATE, so one of two
presses wins), answer (a reply to the desk's message, or the answer button) and close it; the
resident reads "Jawaban petugas Disdukcapil:" and may reply in the thread until it is closed or
seven days pass without a word. Every message to another chat is an outbox row written in the
transaction of the change (answers in office hours are urgent: quiet hours do not hold them).

Texts are kept with NIK/KK-like numbers masked; the record a resident proved in this chat is
shown to staff masked. The audit log names who took, answered and closed which number, never
the text. Closed threads are erased after the retention period, and `/hapusdata` erases a
resident's threads at once (`erase_chat`, in the caller's transaction); a question's row stays
without text or chat so numbers and statistics stay true.

No Telegram here: buttons are plain `Button`s. The outbox keeps events (the kind of notice and
the question's ids); a post is put together when it is sent (`render_post`, through
`bot/services/notices.py`) and its buttons become an inline keyboard in the Telegram adapter
(`bot.handlers.questions.keyboard_markup`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot import texts_desk, texts_id
from bot.domain.nik import LENGTH, split_numbers
from bot.domain.notices import NoticeKind
from bot.services import office_hours as hours_mod
from bot.services import record_lookup
from bot.services.container import Services
from bot.services.office_hours import OfficeHours
from bot.services.outbox import enqueue_desk_note
from bot.services.record_lookup import RecordView
from bot.services.redaction import mask_numbers
from bot.storage import audit as audit_store
from bot.storage import outbox as outbox_store
from bot.storage import questions as store
from bot.storage import records as records_store
from bot.storage import settings as settings_store
from bot.storage import staff as staff_store
from bot.storage import steps as steps_store
from bot.storage.checks import VERIFIED_TTL, is_verified
from bot.storage.db import utc_iso
from bot.storage.driver import Conn
from bot.storage.questions import Question

#: A resident may have this many questions not closed at once ...
MAX_OPEN = 3
#: ... and write this many messages in them a day (the office's calendar day).
MAX_PER_DAY = 20
#: A resident's "write your question / reply" step ends after this long.
RESIDENT_STEP_TTL = timedelta(minutes=30)
#: A staff member's "write your answer" step ends after this long.
ANSWER_STEP_TTL = timedelta(hours=2)
STAFF_STEP_ANSWER = "jawab"
#: An answered thread closes by itself after this long without a word.
THREAD_QUIET = timedelta(days=7)
DEFAULT_RETENTION_DAYS = 90
RETENTION_LIMITS = (7, 3650)
DEFAULT_REMIND_HOURS = 4
REMIND_LIMITS = (1, 40)
#: The longest message kept (characters).
TEXT_LIMIT = 1500
#: /statistik counts the questions of this many days.
STATS_DAYS = 30
MUTE_DEFAULT_DAYS = 7
MUTE_MAX_DAYS = 365
#: /pertanyaan lists at most this many.
LIST_LIMIT = 30
#: How long a staff member's first name may be, as residents see it.
NAME_LIMIT = 32

# Audit actions (never the text of a question or an answer).
AUDIT_TAKE = "tangani_pertanyaan"
AUDIT_ANSWER = "jawab_pertanyaan"
AUDIT_CLOSE = "tutup_pertanyaan"
AUDIT_MUTE = "bisukan_warga"
AUDIT_UNMUTE = "cabut_bisukan"
AUDIT_DESK = "ubah_meja"
AUDIT_REMIND = "ubah_pengingat_pertanyaan"
AUDIT_RETENTION = "ubah_masa_simpan_pertanyaan"

# Why a thread was closed.
CLOSED_BY_STAFF = "staff"
CLOSED_QUIET = "expired"
ERASED_BY_RESIDENT = "erased"
ERASED_RETENTION = "retention"

# Button actions (the handlers pack them into callback data).
TAKE, ANSWER, CLOSE, CHECK, REPLY = "take", "answer", "close", "check", "reply"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str
    question_id: int


Keyboard = list[list[Button]]


@dataclass(frozen=True, slots=True)
class StaffRef:
    """The staff member acting, as the desk and residents will see them."""

    user_id: int
    first_name: str
    role: str  # "admin" or "petugas"

    @classmethod
    def of(cls, user_id: int, telegram_first_name: str | None, role: str) -> StaffRef:
        words = (telegram_first_name or "").split()
        name = words[0][:NAME_LIMIT] if words else ""
        return cls(user_id, name or "Petugas", role)

    @property
    def is_admin(self) -> bool:
        return self.role == staff_store.ADMIN


class Outcome(StrEnum):
    OK = "ok"
    MUTED = "muted"
    TOO_MANY_OPEN = "too_many_open"
    DAY_LIMIT = "day_limit"
    UNKNOWN = "unknown"  # no such question (or not this chat's)
    CLOSED = "closed"
    LOST = "lost"  # someone else has it
    NOT_YOURS = "not_yours"
    NOT_MUTED = "not_muted"
    NEEDS_REASON = "needs_reason"  # nobody answered it: closing asks why first


@dataclass(frozen=True, slots=True)
class ResidentResult:
    """What happened to a resident's action, and what to tell them."""

    outcome: Outcome
    number: int | None = None
    muted_until: datetime | None = None
    office_open: bool = True
    opens_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StaffResult:
    outcome: Outcome
    question: Question | None = None


@dataclass(frozen=True, slots=True)
class DeskEdit:
    """A desk message already sent that should now read `text` with `keyboard`."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard


@dataclass(frozen=True, slots=True)
class DeskSettings:
    group_id: int | None
    group_title: str | None
    remind_hours: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class Housekeeping:
    expired: int
    erased: int
    reminded: int


@dataclass(frozen=True, slots=True)
class QuestionFigures:
    days: int
    asked: int
    answered: int
    median_first_answer_s: float | None
    open_older: int


def clean_text(text: str) -> str:
    """A message as kept and shown to staff: trimmed, numbers masked, at most TEXT_LIMIT."""
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    masked = mask_numbers(text[: TEXT_LIMIT * 2])
    return masked if len(masked) <= TEXT_LIMIT else masked[: TEXT_LIMIT - 1] + "…"


async def _setting_int(conn: Conn, key: str, default: int) -> int:
    raw = await settings_store.get(conn, key)
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


async def desk_settings(conn: Conn) -> DeskSettings:
    raw = await settings_store.get(conn, store.SETTING_DESK)
    return DeskSettings(
        group_id=int(raw) if raw else None,
        group_title=await settings_store.get(conn, store.SETTING_DESK_TITLE),
        remind_hours=await _setting_int(conn, store.SETTING_REMIND_HOURS, DEFAULT_REMIND_HOURS),
        retention_days=await _setting_int(
            conn, store.SETTING_RETENTION_DAYS, DEFAULT_RETENTION_DAYS
        ),
    )


def start_of_day(svc: Services, now: datetime) -> datetime:
    local = now.astimezone(svc.settings.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class Questions:
    """The use cases of questions to staff; each change owns its transaction."""

    def __init__(self, services: Services) -> None:
        self.svc = services

    @classmethod
    def of(cls, services: Services) -> Questions:
        return cls(services)

    @property
    def tz(self) -> str:
        return self.svc.settings.timezone

    async def hours(self, conn: Conn | None = None) -> OfficeHours:
        return await hours_mod.load(conn or self.svc.db.conn, self.svc.settings.tz)

    # --- residents ------------------------------------------------------------------------

    async def _gate(
        self, conn: Conn, chat_id: int, now: datetime, *, new_question: bool
    ) -> ResidentResult | None:
        """Why this chat may not write now (None: it may)."""
        until = await store.muted_until(conn, chat_id, now)
        if until is not None:
            return ResidentResult(Outcome.MUTED, muted_until=until)
        start = start_of_day(self.svc, now)
        # What the chat wrote before erasing its data today still counts (/hapusdata is no way
        # around the limits).
        erased_messages, erased_open = await store.tally(conn, chat_id, start.date().isoformat())
        if new_question and await store.open_count(conn, chat_id) + erased_open >= MAX_OPEN:
            return ResidentResult(Outcome.TOO_MANY_OPEN)
        written = await store.resident_messages_since(conn, chat_id, start) + erased_messages
        if written >= MAX_PER_DAY:
            return ResidentResult(Outcome.DAY_LIMIT)
        return None

    def _opening(
        self, hours: OfficeHours, now: datetime, outcome: Outcome, number: int | None = None
    ) -> ResidentResult:
        return ResidentResult(
            outcome,
            number=number,
            office_open=hours.is_open(now),
            opens_at=hours.next_open(now),
        )

    async def begin_ask(self, chat_id: int) -> ResidentResult:
        """ "Tanya petugas": wait for the question, unless the chat may not ask now."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            refused = await self._gate(conn, chat_id, now, new_question=True)
            if refused is not None:
                await store.delete_step(conn, chat_id)
                return refused
            await store.put_step(conn, chat_id, store.STEP_ASK, None, now + RESIDENT_STEP_TTL)
            hours = await self.hours(conn)
        return self._opening(hours, now, Outcome.OK)

    async def step(self, chat_id: int) -> store.Step | None:
        async with self.svc.db.snapshot() as reader:
            return await store.get_step(reader, chat_id, self.svc.clock.now())

    async def cancel_step(self, chat_id: int) -> bool:
        async with self.svc.db.transaction() as conn:
            return await store.delete_step(conn, chat_id)

    async def ask(self, chat_id: int, text: str) -> ResidentResult:
        """The resident's question: numbered, kept (numbers masked) and posted at the desk."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            await store.delete_step(conn, chat_id)
            refused = await self._gate(conn, chat_id, now, new_question=True)
            if refused is not None:
                return refused
            hours = await self.hours(conn)
            record_id = await self._proved_record(conn, chat_id, text, now)
            number = await store.create(conn, chat_id, record_id, now)
            await store.add_message(conn, number, store.RESIDENT, clean_text(text), now)
            question = await store.get(conn, number)
            assert question is not None
            await self._post_question(conn, question, hours, now, kind=store.POST_DESK)
        self.svc.wake_outbox()
        return self._opening(hours, now, Outcome.OK, number)

    async def _proved_record(
        self, conn: Conn, chat_id: int, text: str, now: datetime
    ) -> int | None:
        """A NIK in the question that this chat proved (NIK + KK) recently, else the record it
        proved last; None when it proved none."""
        for digits in split_numbers(text):
            if len(digits) != LENGTH:
                continue
            record = await records_store.get_by_nik_hash(conn, self.svc.hasher.nik(digits))
            if record is not None and await is_verified(conn, chat_id, record.id, now):
                return record.id
        return await store.latest_proved_record(conn, chat_id, now - VERIFIED_TTL)

    async def begin_reply(self, chat_id: int, question_id: int) -> ResidentResult:
        """The resident pressed "Balas" on an answer: wait for the reply."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            refused = await self._reply_gate(conn, chat_id, question_id, now)
            if refused is not None:
                return refused
            await store.put_step(
                conn, chat_id, store.STEP_REPLY, question_id, now + RESIDENT_STEP_TTL
            )
        return ResidentResult(Outcome.OK, number=question_id)

    async def _reply_gate(
        self, conn: Conn, chat_id: int, question_id: int, now: datetime
    ) -> ResidentResult | None:
        question = await store.get(conn, question_id)
        if question is None or question.chat_id != chat_id:
            return ResidentResult(Outcome.UNKNOWN, number=question_id)
        if not question.closed and self._quiet_too_long(question, now):
            await store.close(conn, question_id, by=None, reason=CLOSED_QUIET, now=now)
            question = await store.get(conn, question_id)
        if question is None or question.closed:
            return ResidentResult(Outcome.CLOSED, number=question_id)
        refused = await self._gate(conn, chat_id, now, new_question=False)
        if refused is not None:
            return ResidentResult(refused.outcome, question_id, refused.muted_until)
        return None

    @staticmethod
    def _quiet_too_long(question: Question, now: datetime) -> bool:
        return (
            question.waiting_for == store.WAITING_RESIDENT
            and now - question.last_activity_at >= THREAD_QUIET
        )

    async def reply(self, chat_id: int, question_id: int, text: str) -> ResidentResult:
        """The resident's reply in a thread: kept and posted at the desk (to whoever has it,
        when the desk is the staff's private chats)."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            await store.delete_step(conn, chat_id)
            refused = await self._reply_gate(conn, chat_id, question_id, now)
            if refused is not None:
                return refused
            row = await store.add_message(conn, question_id, store.RESIDENT, clean_text(text), now)
            await store.record_resident_reply(conn, question_id, now)
            question = await store.get(conn, question_id)
            assert question is not None
            hours = await self.hours(conn)
            for desk in await self._desk_chats(conn, only=question.taken_by):
                await self._post(
                    conn,
                    question,
                    chat_id=desk,
                    kind=store.POST_REPLY,
                    notice=NoticeKind.QUESTION_REPLY,
                    key=f"q:{question_id}:reply:{row}:{desk}",
                    now=now,
                    urgent=hours.is_open(now),
                    message_row=row,
                )
        self.svc.wake_outbox()
        return ResidentResult(Outcome.OK, number=question_id)

    async def question_sent_as(self, chat_id: int, wamid: str) -> int | None:
        """The question whose answer (or notice) reached this resident as WhatsApp message
        `wamid`, or None."""
        post = await store.post_sent_as(self.svc.db.conn, chat_id, wamid)
        if post is None or post.kind in store.DESK_KINDS:
            return None
        return post.question_id

    async def awaiting_reply(self, chat_id: int) -> int | None:
        """The one thread of this resident that waits for their word (staff answered, not
        closed, not quiet too long); None when there is none, or several (which is unknown)."""
        since = self.svc.clock.now() - THREAD_QUIET
        async with self.svc.db.snapshot() as reader:
            waiting = await store.awaiting_resident(reader, chat_id, since)
        return waiting[0] if len(waiting) == 1 else None

    async def question_of_resident_post(self, chat_id: int, message_id: int) -> int | None:
        """The question whose answer is message `message_id` in this resident's chat."""
        post = await store.post_at(self.svc.db.conn, chat_id, message_id)
        if post is None or post.kind in store.DESK_KINDS:
            return None
        return post.question_id

    # --- the desk -------------------------------------------------------------------------

    async def _desk_chats(self, conn: Conn, *, only: int | None = None) -> list[int]:
        """Where desk posts go: the staff group, or every staff member's private chat (only
        `only`'s, when given and still staff)."""
        settings = await desk_settings(conn)
        if settings.group_id is not None and await store.reachable(conn, settings.group_id):
            return [settings.group_id]
        members = set(self.svc.settings.admin_ids)
        members |= {row.user_id for row in await staff_store.list_all(conn)}
        if only is not None and only in members:
            return [only]
        return [m for m in sorted(members) if await store.reachable(conn, m)]

    async def _post(
        self,
        conn: Conn,
        question: Question,
        *,
        chat_id: int,
        kind: str,
        notice: NoticeKind,
        key: str,
        now: datetime,
        urgent: bool,
        message_row: int | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        """Queue a message about `question` (an event: the kind of notice and its ids; it is
        rendered when it is sent, so a desk post reads as the question is then)."""
        values: dict[str, object] = {"question_id": question.id, **(params or {})}
        if message_row is not None:
            values["message_row"] = message_row
        await outbox_store.insert(
            conn,
            kind=store.KIND_QUESTION,
            chat_id=chat_id,
            dedup_key=key,
            now=now,
            notice=notice,
            params=values,
            urgent=urgent,
            lane=outbox_store.LANE_DESK if kind in store.DESK_KINDS else outbox_store.LANE_PERSONAL,
        )
        await store.link_post(conn, key, question.id, kind, message_row)

    async def _post_question(
        self,
        conn: Conn,
        question: Question,
        hours: OfficeHours,
        now: datetime,
        *,
        kind: str,
    ) -> int:
        """Post the question's card at the desk (the first time, or again as a reminder)."""
        chats = await self._desk_chats(conn)
        for desk in chats:
            tag = "desk" if kind == store.POST_DESK else f"remind:{utc_iso(now)}"
            await self._post(
                conn,
                question,
                chat_id=desk,
                kind=kind,
                notice=NoticeKind.QUESTION_DESK,
                params={"reminder": True} if kind == store.POST_REMINDER else None,
                key=f"q:{question.id}:{tag}:{desk}",
                now=now,
                urgent=hours.is_open(now),
            )
        return len(chats)

    async def _card(
        self, conn: Conn, question: Question, reminder_age: float | None = None
    ) -> texts_desk.QuestionCard:
        thread = await store.messages(conn, question.id)
        record_line = None
        if question.record_id is not None:
            record = await records_store.get_by_id(conn, question.record_id)
            if record is not None:
                record_line = texts_desk.QuestionRecordLine(
                    record.nik_masked, record.name_masked, record.status, record.status_date
                )
        return texts_desk.QuestionCard(
            number=question.id,
            created_at=question.created_at,
            state=question.state,
            waiting_for=question.waiting_for,
            text=thread[0].text if thread and not question.erased else None,
            erased_by_resident=question.close_reason == ERASED_BY_RESIDENT,
            taken_name=question.taken_name,
            taken_role=question.taken_role,
            close_reason=question.close_reason,
            record=record_line,
            replies=max(len(thread) - 1, 0),
            reminder_age_s=reminder_age if question.state == store.NEW else None,
        )

    def _question_keyboard(self, question: Question) -> Keyboard:
        if question.closed or question.erased:
            return []
        n = question.id
        rows: Keyboard = []
        if question.state == store.NEW:
            rows.append([Button(texts_desk.BTN_QUESTION_TAKE, TAKE, n)])
        rows.append(
            [
                Button(texts_desk.BTN_QUESTION_ANSWER, ANSWER, n),
                Button(texts_desk.BTN_QUESTION_CLOSE, CLOSE, n),
            ]
        )
        if question.record_id is not None:
            rows.append([Button(texts_desk.BTN_QUESTION_CHECK, CHECK, n)])
        return rows

    def _reply_keyboard(self, question: Question) -> Keyboard:
        if question.closed or question.erased:
            return []
        return [
            [
                Button(texts_desk.BTN_QUESTION_ANSWER, ANSWER, question.id),
                Button(texts_desk.BTN_QUESTION_CLOSE, CLOSE, question.id),
            ]
        ]

    async def _reply_text(self, conn: Conn, question: Question, row: int | None) -> str:
        message = await store.message(conn, row) if row is not None else None
        return texts_desk.question_reply_card(
            question.id,
            message.text if message is not None and not question.erased else None,
            message.at if message is not None else question.created_at,
            question.closed,
            self.tz,
        )

    async def render_post(
        self,
        conn: Conn,
        question: Question,
        post_kind: str,
        message_row: int | None,
        now: datetime,
    ) -> tuple[str, Keyboard]:
        """A desk post (card, reminder or reply) as it reads now, with its buttons."""
        if post_kind == store.POST_REPLY:
            text = await self._reply_text(conn, question, message_row)
            return text, self._reply_keyboard(question)
        age = None
        if post_kind == store.POST_REMINDER:
            age = (await self.hours(conn)).working_seconds(question.created_at, now)
        card = await self._card(conn, question, age)
        return texts_desk.question_card(card, self.tz), self._question_keyboard(question)

    @staticmethod
    def answer_keyboard(question_id: int) -> Keyboard:
        """The resident's button under an answer."""
        return [[Button(texts_id.BTN_QUESTION_REPLY, REPLY, question_id)]]

    async def desk_edits(self, question_id: int) -> list[DeskEdit]:
        """The desk messages of this question already sent, as they should read now."""
        conn = self.svc.db.conn
        question = await store.get(conn, question_id)
        if question is None:
            return []
        now = self.svc.clock.now()
        edits = []
        for post in await store.posts(conn, question_id):
            if post.kind not in store.DESK_KINDS or post.message_id is None:
                continue
            if post.state != outbox_store.SENT:
                continue
            text, keyboard = await self.render_post(
                conn, question, post.kind, post.message_row, now
            )
            edits.append(DeskEdit(post.chat_id, post.message_id, text, keyboard))
        return edits

    async def card(self, question_id: int) -> tuple[str, Keyboard] | None:
        """The desk card of a question now (for /pertanyaan NOMOR), or None."""
        conn = self.svc.db.conn
        question = await store.get(conn, question_id)
        if question is None:
            return None
        text = texts_desk.question_card(await self._card(conn, question), self.tz)
        return text, self._question_keyboard(question)

    async def thread(self, question_id: int) -> list[tuple[str, str, datetime]]:
        """(who, text, when) of every message of the thread after the question."""
        rows = await store.messages(self.svc.db.conn, question_id)
        found = []
        for row in rows[1:]:
            if row.author == store.RESIDENT:
                who = texts_desk.QUESTION_THREAD_RESIDENT
            else:
                who = (
                    f"{row.staff_name} ({texts_id.STAFF_ROLE_NAMES.get(row.staff_role or '', '')})"
                )
            found.append((who, row.text, row.at))
        return found

    async def dirty(self) -> list[int]:
        return await store.dirty(self.svc.db.conn)

    async def mark_clean(self, question_id: int) -> None:
        async with self.svc.db.transaction() as conn:
            await store.set_clean(conn, question_id)

    async def question_of_desk_post(self, chat_id: int, message_id: int) -> int | None:
        """The question shown by desk message `message_id` in `chat_id`, or None."""
        post = await store.post_at(self.svc.db.conn, chat_id, message_id)
        if post is None or post.kind not in store.DESK_KINDS:
            return None
        return post.question_id

    # --- staff actions --------------------------------------------------------------------

    async def take(self, question_id: int, staff: StaffRef) -> StaffResult:
        """ "Saya tangani": the first press wins; the others learn who has it."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            question = await store.get(conn, question_id)
            if question is None or question.erased:
                return StaffResult(Outcome.UNKNOWN)
            if question.closed:
                return StaffResult(Outcome.CLOSED, question)
            won = await self._take(conn, question_id, staff, now)
            question = await store.get(conn, question_id)
        if won:
            return StaffResult(Outcome.OK, question)
        if question is not None and question.taken_by == staff.user_id:
            return StaffResult(Outcome.OK, question)
        return StaffResult(Outcome.LOST, question)

    async def _take(self, conn: Conn, question_id: int, staff: StaffRef, now: datetime) -> bool:
        """The question is this staff member's now (audited); False when someone else has it."""
        won = await store.take(
            conn,
            question_id,
            staff_id=staff.user_id,
            name=staff.first_name,
            role=staff.role,
            now=now,
        )
        if won:
            await self._audit(conn, now, staff.user_id, AUDIT_TAKE, question_id)
        return won

    async def _acted(
        self,
        conn: Conn,
        question: Question,
        staff: StaffRef,
        action: str,
        now: datetime,
    ) -> Question | None:
        """Audit what the staff member did, mark the desk's messages for an update, and read
        the question again."""
        await self._audit(conn, now, staff.user_id, action, question.id)
        return await store.get(conn, question.id)

    async def _staff_gate(
        self, conn: Conn, question_id: int, staff: StaffRef
    ) -> StaffResult | None:
        question = await store.get(conn, question_id)
        if question is None or question.erased:
            return StaffResult(Outcome.UNKNOWN)
        if question.closed or question.chat_id is None:
            return StaffResult(Outcome.CLOSED, question)
        if (
            question.state == store.TAKEN
            and question.taken_by != staff.user_id
            and not staff.is_admin
        ):
            return StaffResult(Outcome.NOT_YOURS, question)
        return None

    async def begin_answer(self, chat_id: int, question_id: int, staff: StaffRef) -> StaffResult:
        """The answer button: this staff member's next message in this chat is the answer."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            refused = await self._staff_gate(conn, question_id, staff)
            if refused is not None:
                return refused
            await steps_store.put(
                conn,
                chat_id,
                staff.user_id,
                STAFF_STEP_ANSWER,
                {"question_id": question_id},
                now,
                now + ANSWER_STEP_TTL,
            )
            question = await store.get(conn, question_id)
        return StaffResult(Outcome.OK, question)

    async def answer_step(self, chat_id: int, user_id: int) -> int | None:
        """The question this staff member is writing an answer to in this chat, or None."""
        async with self.svc.db.snapshot() as reader:
            step = await steps_store.get(
                reader, chat_id, user_id, STAFF_STEP_ANSWER, self.svc.clock.now()
            )
        return int(step.payload["question_id"]) if step is not None else None

    async def end_answer_step(self, chat_id: int, user_id: int) -> bool:
        async with self.svc.db.transaction() as conn:
            return await steps_store.delete(conn, chat_id, user_id, STAFF_STEP_ANSWER)

    async def answer(
        self, question_id: int, staff: StaffRef, text: str, chat_id: int | None = None
    ) -> StaffResult:
        """Send staff's answer to the resident (through the outbox; urgent in office hours).

        An untaken question is taken by whoever answers it."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            if chat_id is not None:
                await steps_store.delete(conn, chat_id, staff.user_id, STAFF_STEP_ANSWER)
            refused = await self._staff_gate(conn, question_id, staff)
            if refused is not None:
                return refused
            await self._take(conn, question_id, staff, now)
            question = await store.get(conn, question_id)
            assert question is not None and question.chat_id is not None
            hours = await self.hours(conn)
            body = clean_text(text)
            row = await store.add_message(
                conn,
                question_id,
                store.STAFF,
                body,
                now,
                staff_id=staff.user_id,
                staff_name=staff.first_name,
                staff_role=staff.role,
            )
            await store.record_answer(
                conn, question_id, now, hours.working_seconds(question.created_at, now)
            )
            await self._post(
                conn,
                question,
                chat_id=question.chat_id,
                kind=store.POST_ANSWER,
                notice=NoticeKind.QUESTION_ANSWER,
                key=f"q:{question_id}:answer:{row}",
                now=now,
                urgent=hours.is_open(now),
                message_row=row,
            )
            question = await self._acted(conn, question, staff, AUDIT_ANSWER, now)
        self.svc.wake_outbox()
        return StaffResult(Outcome.OK, question)

    async def needs_reason(self, question_id: int, staff: StaffRef) -> StaffResult:
        """Before ✅ Tutup: OK when the question may be closed at once (someone answered it);
        NEEDS_REASON when nobody answered yet (the desk asks why first); else the refusal."""
        conn = self.svc.db.conn
        refused = await self._staff_gate(conn, question_id, staff)
        if refused is not None:
            return refused
        question = await store.get(conn, question_id)
        if question is not None and question.first_answer_at is None:
            return StaffResult(Outcome.NEEDS_REASON, question)
        return StaffResult(Outcome.OK, question)

    async def close(
        self,
        question_id: int,
        staff: StaffRef,
        *,
        preset: int | None = None,
        reason: str | None = None,
    ) -> StaffResult:
        """Close the thread and tell the resident: thanks for an answered question; for one
        nobody answered, why it is closed (`preset`: the index of a common reason,
        `texts_id.CLOSE_REASONS`; or `reason` as the staff member typed it) and how to ask
        again."""
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            refused = await self._staff_gate(conn, question_id, staff)
            if refused is not None:
                return refused
            question = await store.get(conn, question_id)
            assert question is not None and question.chat_id is not None
            why: dict[str, object] | None = None
            if question.first_answer_at is None or preset is not None or reason:
                # The resident reads why (rendered when sent, `services.notices`).
                why = {"why": True, "preset": preset, "reason": clean_text(reason or "") or None}
            await store.close(conn, question_id, by=staff.user_id, reason=CLOSED_BY_STAFF, now=now)
            step = await store.get_step(conn, question.chat_id, now)
            if step is not None and step.question_id == question_id:
                await store.delete_step(conn, question.chat_id)
            await self._post(
                conn,
                question,
                chat_id=question.chat_id,
                kind=store.POST_NOTICE,
                notice=NoticeKind.QUESTION_CLOSED,
                params=why,
                key=f"q:{question_id}:closed",
                now=now,
                urgent=False,
            )
            question = await self._acted(conn, question, staff, AUDIT_CLOSE, now)
        self.svc.wake_outbox()
        return StaffResult(Outcome.OK, question)

    async def record_view(self, question_id: int) -> RecordView | None:
        """What /status shows of the record the resident proved in this chat (masked)."""
        conn = self.svc.db.conn
        question = await store.get(conn, question_id)
        if question is None or question.record_id is None:
            return None
        record = await records_store.get_by_id(conn, question.record_id)
        if record is None:
            return None
        return await record_lookup.view_of(self.svc, record)

    async def open_list(
        self, *, mine: int | None = None, untaken: bool = False
    ) -> tuple[list[texts_desk.QuestionListItem], int]:
        """Questions not closed, oldest first, with their age in office hours."""
        conn = self.svc.db.conn
        now = self.svc.clock.now()
        hours = await self.hours()
        found, total = await store.open_questions(
            conn, taken_by=mine, untaken=untaken, limit=LIST_LIMIT
        )
        items = []
        for question in found:
            thread = await store.messages(conn, question.id)
            items.append(
                texts_desk.QuestionListItem(
                    number=question.id,
                    state=question.state,
                    waiting_for=question.waiting_for,
                    taken_name=question.taken_name,
                    taken_role=question.taken_role,
                    age_s=hours.working_seconds(question.created_at, now),
                    snippet=thread[0].text if thread else None,
                )
            )
        return items, total

    # --- mutes ----------------------------------------------------------------------------

    async def mute(
        self, question_id: int, staff: StaffRef, days: int
    ) -> tuple[Outcome, datetime | None]:
        """Mute the resident who asked `question_id` for `days` (audited; they are told)."""
        now = self.svc.clock.now()
        days = max(1, min(days, MUTE_MAX_DAYS))
        async with self.svc.db.transaction() as conn:
            question = await store.get(conn, question_id)
            if question is None:
                return Outcome.UNKNOWN, None
            if question.chat_id is None:
                return Outcome.CLOSED, None
            until = now + timedelta(days=days)
            await store.mute(conn, question.chat_id, until=until, by=staff.user_id, now=now)
            await store.delete_step(conn, question.chat_id)
            await self._post(
                conn,
                question,
                chat_id=question.chat_id,
                kind=store.POST_NOTICE,
                notice=NoticeKind.QUESTION_MUTED,
                params={"until": utc_iso(until)},
                key=f"q:{question_id}:muted:{utc_iso(now)}",
                now=now,
                urgent=False,
            )
            await audit_store.add(
                conn,
                now=now,
                actor_id=staff.user_id,
                action=AUDIT_MUTE,
                target=f"#{question_id}",
                new=utc_iso(until),
                detail=f"{days} hari",
            )
        self.svc.wake_outbox()
        return Outcome.OK, until

    async def unmute(self, question_id: int, staff: StaffRef) -> Outcome:
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            question = await store.get(conn, question_id)
            if question is None:
                return Outcome.UNKNOWN
            if question.chat_id is None:
                return Outcome.CLOSED
            if not await store.unmute(conn, question.chat_id):
                return Outcome.NOT_MUTED
            await audit_store.add(
                conn, now=now, actor_id=staff.user_id, action=AUDIT_UNMUTE, target=f"#{question_id}"
            )
        return Outcome.OK

    # --- the desk's settings (admins) -----------------------------------------------------

    async def settings(self) -> DeskSettings:
        return await desk_settings(self.svc.db.conn)

    async def desk_members(self) -> int:
        members = set(self.svc.settings.admin_ids)
        members |= {row.user_id for row in await staff_store.list_all(self.svc.db.conn)}
        return len(members)

    async def _set(
        self, actor_id: int, key: str, value: str | None, action: str, detail: str | None = None
    ) -> None:
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            old = await settings_store.get(conn, key)
            if value is None:
                await store.delete_setting(conn, key)
            else:
                await settings_store.put(conn, key, value)
            if key == store.SETTING_DESK:
                await store.delete_setting(conn, store.SETTING_DESK_TITLE)
                if detail:
                    await settings_store.put(conn, store.SETTING_DESK_TITLE, detail[:100])
            await audit_store.add(
                conn,
                now=now,
                actor_id=actor_id,
                action=action,
                target=key,
                old=old,
                new=value,
                detail=detail,
            )

    async def set_desk_group(
        self, actor_id: int, chat_id: int | None, title: str | None = None
    ) -> None:
        """Questions go to this group from now on (None: to every staff member in private)."""
        value = None if chat_id is None else str(chat_id)
        await self._set(actor_id, store.SETTING_DESK, value, AUDIT_DESK, detail=title)

    async def set_remind_hours(self, actor_id: int, hours: int) -> bool:
        if not REMIND_LIMITS[0] <= hours <= REMIND_LIMITS[1]:
            return False
        await self._set(actor_id, store.SETTING_REMIND_HOURS, str(hours), AUDIT_REMIND)
        return True

    async def set_retention_days(self, actor_id: int, days: int) -> bool:
        if not RETENTION_LIMITS[0] <= days <= RETENTION_LIMITS[1]:
            return False
        await self._set(actor_id, store.SETTING_RETENTION_DAYS, str(days), AUDIT_RETENTION)
        return True

    # --- housekeeping (a periodic job) ----------------------------------------------------

    async def housekeeping(self) -> Housekeeping:
        """Close threads quiet for seven days, erase closed ones past the retention period,
        show untaken questions at the desk again after the threshold. Idempotent and cheap."""
        now = self.svc.clock.now()
        reminded = 0
        async with self.svc.db.transaction() as conn:
            settings = await desk_settings(conn)
            hours = await self.hours(conn)
            quiet = await store.quiet_threads(conn, now - THREAD_QUIET)
            for question_id in quiet:
                await store.close(conn, question_id, by=None, reason=CLOSED_QUIET, now=now)
            old = await store.closed_before(conn, now - timedelta(days=settings.retention_days))
            for question_id in old:
                await store.erase(
                    conn,
                    question_id,
                    placeholder=texts_desk.QUESTION_PURGED,
                    now=now,
                    reason=ERASED_RETENTION,
                )
            threshold = settings.remind_hours * 3600
            for question in await store.untaken(conn):
                since = question.reminded_at or question.created_at
                if hours.working_seconds(since, now) >= threshold:
                    await self._post_question(conn, question, hours, now, kind=store.POST_REMINDER)
                    await store.set_reminded(conn, question.id, now)
                    reminded += 1
            await store.purge_steps(conn, now)
            await store.purge_mutes(conn, now)
            await store.purge_tallies(conn, start_of_day(self.svc, now).date().isoformat())
        if reminded:
            self.svc.wake_outbox()
        return Housekeeping(len(quiet), len(old), reminded)

    async def _audit(
        self, conn: Conn, now: datetime, actor_id: int, action: str, number: int
    ) -> None:
        await audit_store.add(conn, now=now, actor_id=actor_id, action=action, target=f"#{number}")


# --- used by other services -------------------------------------------------------------------


async def erase_chat(conn: Conn, chat_id: int, now: datetime, day_start: datetime) -> int:
    """/hapusdata: erase this chat's questions and answers (caller's transaction); the desk's
    messages will read "[dihapus oleh warga]". Returns how many questions were erased. A mute
    stays until it ends, and what the chat wrote today (`day_start`: the office's midnight)
    still counts toward its limits until the day ends: erasing is no way around them."""
    found = await store.of_chat(conn, chat_id)
    written = await store.resident_messages_since(conn, chat_id, day_start)
    still_open = await store.open_count(conn, chat_id)
    if written or still_open:
        await store.add_tally(conn, chat_id, day_start.date().isoformat(), written, still_open)
    for question_id in found:
        await store.erase(
            conn,
            question_id,
            placeholder=texts_desk.QUESTION_ERASED,
            now=now,
            reason=ERASED_BY_RESIDENT,
        )
    await store.delete_step(conn, chat_id)
    return len(found)


#: The audit's detail when the desk followed its group or fell back to private chats.
DESK_MIGRATED = "migrate_to_chat_id"
DESK_UNREACHABLE = "tidak_terjangkau"


async def desk_moved(svc: Services, old_chat: int, new_chat: int | None) -> bool:
    """The staff group `old_chat` became the supergroup `new_chat` (Telegram moves a group when
    an admin makes its history visible or gives it a public link), or, with None, can no longer
    be reached (the bot was removed from it). False when `old_chat` is not the desk.

    Moved: the desk setting follows it and an audit row says so (the dispatcher, which saw the
    move, sends every message still waiting for the old id to the new one). Lost: the desk
    falls back to staff in private at once, every open question is posted to them again
    (nothing waits for a group that is gone), and the admins are told in private to name a new
    group with /meja.
    """
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        settings = await desk_settings(conn)
        if settings.group_id != old_chat:
            return False
        if new_chat is not None:  # the waiting messages follow it in the dispatcher
            await settings_store.put(conn, store.SETTING_DESK, str(new_chat))
            detail = DESK_MIGRATED
        else:
            await store.delete_setting(conn, store.SETTING_DESK)
            detail = DESK_UNREACHABLE
        await audit_store.add(
            conn,
            now=now,
            actor_id=None,
            action=AUDIT_DESK,
            target=store.SETTING_DESK,
            old=str(old_chat),
            new=str(new_chat) if new_chat is not None else None,
            detail=detail,
        )
        if new_chat is None:
            questions = Questions.of(svc)
            hours = await questions.hours(conn)
            waiting, _ = await store.open_questions(conn, limit=500)
            for question in waiting:
                await questions._post_question(conn, question, hours, now, kind=store.POST_DESK)
            admins = set(svc.settings.admin_ids) | await staff_store.admin_ids(conn)
            text = texts_desk.desk_group_lost(settings.group_title)
            await enqueue_desk_note(
                conn,
                kind=DESK_LOST_KIND,
                chat_ids=[a for a in sorted(admins) if await store.reachable(conn, a)],
                text=text,
                key=f"desk-lost:{old_chat}:{utc_iso(now)}",
                now=now,
            )
    svc.wake_outbox()
    return True


#: The outbox kind of the admins' note that the desk group was lost.
DESK_LOST_KIND = "desk_lost"


async def figures(svc: Services) -> QuestionFigures:
    """/statistik: questions of the last STATS_DAYS days, the median time to a first answer in
    office hours, and questions not closed that are older than a day."""
    now = svc.clock.now()
    found = await store.figures(
        svc.db.conn, now - timedelta(days=STATS_DAYS), now - timedelta(days=1)
    )
    waits: Sequence[int] = found.first_answer_work_s
    return QuestionFigures(
        days=STATS_DAYS,
        asked=found.asked,
        answered=found.answered,
        median_first_answer_s=float(statistics.median(waits)) if waits else None,
        open_older=found.open_older,
    )
