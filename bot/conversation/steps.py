"""Every step a person can be in, declared in one place, and the order messages are routed in.

A step is something a person started and has not finished: a NIK waiting for its Nomor KK, a
followed card waiting for its name, a question being written, a staff member's walk-through.
Each is declared here with what it waits for, what interrupts it and when it expires
(`STEPS`); where it is kept is the storage's business (three tables today, read together by
`bot.storage.steps.current`: one trip per update, `read`). `ROUTING` is the order in which
an incoming message is offered to the steps and then to everything else: the Telegram adapter
registers its handlers from it (`bot/handlers/router.py`), the conversation follows it for the
residents' steps.

Staff walk-throughs keep their logic with the staff's handlers (staff are on Telegram only), but
they are declared, and read, here like the residents' steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.conversation.events import Event
from bot.services import broadcasting, office, pending_changes, questions, staff_import, visits
from bot.services.container import Services
from bot.services.residents import Residents
from bot.services.verification import looks_like_numbers
from bot.storage import chats as chats_store
from bot.storage import checks as checks_store
from bot.storage import questions as questions_store
from bot.storage import steps as steps_store
from bot.storage.driver import Conn


class Waits(StrEnum):
    """What a step waits for."""

    TEXT = "text"
    NUMBERS = "numbers"  # a Nomor KK
    BUTTON = "button"
    DOCUMENT = "document"
    LOCATION = "location"
    TEXT_OR_BUTTON = "text or button"


class Interrupt(StrEnum):
    """What ends a step before it is finished (the interrupting message is then answered as
    if there had been no step)."""

    CANCEL = "/batal"  # ends it, and says so
    COMMAND = "another command"
    MENU = "a main-menu button"
    NUMBERS = "a NIK or KK attempt, even a mistyped one: a check"
    CHECK = "a NIK (and KK) standing alone: a check (a text with a number in it is not)"
    NEW_STEP = "the same walk-through started again"


@dataclass(frozen=True, slots=True)
class StepKind:
    """A declared step: its `name` (as stored), who is in it, what it waits for, what
    interrupts it and how long it lives."""

    name: str
    who: str  # "resident" or "staff"
    place: str  # "check", "question" or "staff" (where `bot.storage.steps.current` finds it)
    waits: Waits
    interrupted_by: frozenset[Interrupt]
    lives: timedelta
    about: str

    def expired(self, row: steps_store.StepRow, now: datetime) -> bool:
        if row.until is not None:
            return now >= row.until
        return row.since is None or now - row.since > self.lives


_DRAFT_INTERRUPTS = frozenset({Interrupt.CANCEL, Interrupt.CHECK, Interrupt.NEW_STEP})

KK = StepKind(
    checks_store.Step.KK.value,
    "resident",
    "check",
    Waits.NUMBERS,
    frozenset({Interrupt.CANCEL, Interrupt.COMMAND}),
    checks_store.PENDING_TTL,
    "a NIK was sent; its Nomor KK is awaited (a wrong KK keeps it waiting)",
)
LABEL = StepKind(
    checks_store.Step.LABEL.value,
    "resident",
    "check",
    Waits.TEXT_OR_BUTTON,
    frozenset({Interrupt.COMMAND, Interrupt.MENU, Interrupt.NUMBERS}),  # /batal: the command
    checks_store.PENDING_TTL,
    "a followed card's name: a preset button or a typed name",
)
ASK = StepKind(
    questions_store.STEP_ASK,
    "resident",
    "question",
    Waits.TEXT,
    frozenset({Interrupt.CANCEL, Interrupt.COMMAND, Interrupt.MENU, Interrupt.CHECK}),
    questions.RESIDENT_STEP_TTL,
    "Tanya petugas: the question is awaited",
)
REPLY = StepKind(
    questions_store.STEP_REPLY,
    "resident",
    "question",
    Waits.TEXT,
    frozenset({Interrupt.CANCEL, Interrupt.COMMAND, Interrupt.MENU}),
    questions.RESIDENT_STEP_TTL,
    "a reply in a question's thread, after 'Balas'",
)
ANSWER = StepKind(
    questions.STAFF_STEP_ANSWER,
    "staff",
    "staff",
    Waits.TEXT,
    frozenset({Interrupt.CANCEL}),
    questions.ANSWER_STEP_TTL,
    "a staff member writes the answer to a question (after 'Jawab')",
)
UBAH = StepKind(
    pending_changes.KIND,
    "staff",
    "staff",
    Waits.BUTTON,
    frozenset({Interrupt.NEW_STEP}),
    timedelta(minutes=pending_changes.CONFIRM_MINUTES),
    "/ubah asks to confirm a change (yes, backward, cancel)",
)
IMPOR = StepKind(
    staff_import.WAIT_KIND,
    "staff",
    "staff",
    Waits.DOCUMENT,
    frozenset({Interrupt.CANCEL, Interrupt.NEW_STEP}),
    timedelta(minutes=staff_import.IMPOR_WAIT_MINUTES),
    "/impor waits for the CSV file",
)
SIARAN = StepKind(
    broadcasting.DRAFT_KIND,
    "staff",
    "staff",
    Waits.TEXT_OR_BUTTON,
    _DRAFT_INTERRUPTS,
    broadcasting.DRAFT_LIFETIME,
    "/siaran: an announcement's audience and text",
)
JADWAL = StepKind(
    visits.DRAFT_KIND,
    "staff",
    "staff",
    Waits.TEXT_OR_BUTTON,
    _DRAFT_INTERRUPTS,
    visits.DRAFT_LIFETIME,
    "/jadwal tambah: a jemput bola visit, field by field",
)
LOKASI = StepKind(
    office.LOCATION_STEP,
    "staff",
    "staff",
    Waits.LOCATION,
    frozenset({Interrupt.NEW_STEP}),
    office.LOCATION_STEP_TTL,
    "/kantor lokasi: the admin's next location pin is the office's",
)

#: Every step, by where it is kept and its name.
STEPS: dict[tuple[str, str], StepKind] = {
    (kind.place, kind.name): kind
    for kind in (KK, LABEL, ASK, REPLY, ANSWER, UBAH, IMPOR, SIARAN, JADWAL, LOKASI)
}

#: The order an incoming update is offered in, first to last. A step's name: the update goes
#: to that step's owner when the person is in it (the owner takes it or lets it pass). The
#: rest: "chat" notes the chat and reads the steps (every update); "conversation" is the
#: residents' dialogue (`bot.conversation.dialogue.Conversation.answer`); "commands" the
#: staff's commands and buttons; "leftovers" what nobody took (an unknown command or button).
ROUTING: tuple[str, ...] = (
    "chat",
    SIARAN.name,
    JADWAL.name,
    IMPOR.name,
    ANSWER.name,  # and a staff member's reply to a desk message
    LOKASI.name,
    "conversation",  # the residents' steps (KK, LABEL, ASK, REPLY) are read there
    "commands",
    "leftovers",
)
#: The staff's walk-throughs whose owners see messages, in the routing's order.
STAFF_WALKTHROUGHS: tuple[StepKind, ...] = tuple(
    kind for name in ROUTING for kind in STEPS.values() if kind.name == name and kind.who == "staff"
)


@dataclass(frozen=True, slots=True)
class Current:
    """The steps a chat (and the person writing in it) is in now, from one read."""

    rows: tuple[tuple[StepKind, steps_store.StepRow], ...] = ()
    now: datetime | None = None

    def get(self, kind: StepKind, *, expired: bool = False) -> steps_store.StepRow | None:
        """The row of this step, or None; an expired one only with `expired=True`."""
        for found, row in self.rows:
            if found is kind and (expired or self.now is None or not kind.expired(row, self.now)):
                return row
        return None

    def has(self, kind: StepKind) -> bool:
        """The person is in this step (expired or not: its owner says it expired)."""
        return any(found is kind for found, _ in self.rows)

    @property
    def staff(self) -> bool:
        """A staff walk-through is open here (its owner gets the message first)."""
        return any(kind.who == "staff" for kind, _ in self.rows)

    @property
    def any(self) -> bool:
        return bool(self.rows)


NONE = Current()


#: What a resident types instead of /batal (the whole message, any case, without its dots).
CANCEL_WORDS = frozenset({"batal", "batalkan", "tidak jadi", "gak jadi", "ga jadi", "nggak jadi"})


def said_cancel(text: str | None) -> bool:
    """The message is only "batal" (or "tidak jadi"): as /batal."""
    return bool(text) and " ".join(str(text).casefold().strip(" .!").split()) in CANCEL_WORDS


def interruption(kind: StepKind, event: Event, menu_labels: frozenset[str]) -> Interrupt | None:
    """What in `event` interrupts a step of `kind`, as declared (None: the step takes it, or
    it is nothing the step waits for and the step goes on)."""
    command = event.command
    text = event.text
    found: Interrupt | None = None
    if command == Interrupt.CANCEL.value or (kind.who == "resident" and said_cancel(text)):
        found = Interrupt.CANCEL
    elif command is not None:
        found = Interrupt.COMMAND
    elif text in menu_labels:
        found = Interrupt.MENU
    elif text and Interrupt.CHECK in kind.interrupted_by:
        found = Interrupt.CHECK if looks_like_numbers(text, alone=True) else None
    elif text and Interrupt.NUMBERS in kind.interrupted_by:
        found = Interrupt.NUMBERS if looks_like_numbers(text) else None
    return found if found in kind.interrupted_by else None


def pending_of(row: steps_store.StepRow | None, chat_id: int) -> checks_store.Pending | None:
    """A check step's row as the check reads it."""
    if row is None or row.since is None:
        return None
    return checks_store.Pending(
        chat_id=chat_id,
        step=checks_store.Step(row.kind),
        nik_hash=row.nik_hash,
        nik_masked=row.nik_masked,
        record_id=row.number,
        created_at=row.since,
        as_kk_hash=row.as_kk_hash,
    )


async def read(svc: Services, chat_id: int, person_id: int) -> Current:
    """Every step of this chat and person, in one read (on the reader: committed data)."""
    async with svc.db.snapshot() as reader:
        return await read_on(reader, chat_id, person_id, svc.clock.now())


async def read_on(reader: Conn, chat_id: int, person_id: int, now: datetime) -> Current:
    rows = await steps_store.current(reader, chat_id, person_id)
    known = tuple(
        (STEPS[(row.place, row.kind)], row) for row in rows if (row.place, row.kind) in STEPS
    )
    return Current(known, now) if known else Current((), now)


async def arrive(
    svc: Services,
    chat_id: int,
    chat_type: str,
    person_id: int,
    *,
    gone: bool,
    read_steps: bool,
) -> tuple[bool, Current]:
    """Every update: the chat is noted as seen (or as gone: the bot was removed or blocked)
    and, when `read_steps`, its steps are read, together on the reader: usually no write is
    waited for. (True when the chat came back after blocking the bot, its steps.)"""
    now = svc.clock.now()
    current = NONE
    if not gone:
        async with svc.db.snapshot() as reader:
            noted = await chats_store.note_seen(svc.db, reader, chat_id, chat_type, now)
            if read_steps:
                current = await read_on(reader, chat_id, person_id, now)
        if noted:
            return False, current
    came_back = await Residents(svc).seen(chat_id, chat_type, gone=gone)
    return came_back, current
