"""Typed callback data: one small dataclass per kind of inline button, packed into a string.

Telegram gives a button at most 64 bytes of `callback_data`. Each kind has a prefix and a few
fields (`int` or `str`, joined by ":"), so a button is built with `ResSubscribe(12).pack()` and
read back with `unpack(query.data)`, which gives the instance, or None for data that no kind
knows or that does not fit its kind (a button of an older version of the bot, or forged): the
handler then answers with one polite line.

    match unpack(query.data):
        case ResSubscribe(record_id): ...
        case None: await query.answer(texts.BUTTON_UNKNOWN)

To add a kind: a frozen dataclass deriving from `CallbackData` with `prefix=` in its class line
and fields of type `int` or `Annotated[str, Allowed(...)]` (usually `one_of(...)`, `word(...)`
or an alias such as `DistrictCode`): the base checks every field when the kind is built (a
`ValueError` for a value it would not read back) and knows each field's largest value, so the
test can check the 64 bytes. A `str` field never holds ":".
The prefixes below are what buttons already sent to chats carry: do not change them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, NamedTuple, Self, get_type_hints

from bot.services import questions  # the desk's actions
from bot.services.broadcasting import ALL, DISTRICT, STATUS  # the kinds of audience
from bot.services.pending_changes import Action  # the answers to an /ubah question
from bot.services.visits import SERVICE_CODES

#: Telegram's limit for `callback_data`, in UTF-8 bytes.
MAX_BYTES = 64
#: The largest integer a field may carry (SQLite's largest row id).
MAX_INT = 2**63 - 1
SEPARATOR = ":"

_INT = re.compile(r"-?[0-9]{1,19}")
#: Every kind by its prefix ("bc:stop", "res:sub", ...).
_KINDS: dict[str, type[CallbackData]] = {}


@dataclasses.dataclass(frozen=True)
class Allowed:
    """What a `str` field may hold, as `Annotated[str, Allowed(check, largest)]`: `check` raises
    `ValueError` for anything else, `largest` is its longest value (for the 64-byte test)."""

    check: Callable[[str], None]
    largest: str


def one_of(*allowed: str) -> Allowed:
    """A field holding one of these words."""

    def check(value: str) -> None:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {allowed}")

    return Allowed(check, max(allowed, key=len))


def word(limit: int, largest: str) -> Allowed:
    """A short ASCII word of at most `limit` characters, without ":"."""
    return Allowed(functools.partial(_word, limit=limit), largest)


def _word(value: str, limit: int) -> None:
    if not value or len(value) > limit or not value.isascii() or SEPARATOR in value:
        raise ValueError(f"{value!r} is not a short word")


class _Field(NamedTuple):
    name: str
    is_int: bool
    #: For a `str` field, what it may hold (None: unchecked, and the kind says its largest).
    allowed: Allowed | None


#: Each kind's fields, read from its annotations once.
_FIELDS: dict[str, tuple[_Field, ...]] = {}


def _fields(kind: type[CallbackData]) -> tuple[_Field, ...]:
    known = _FIELDS.get(kind.prefix)
    if known is not None:
        return known
    hints = get_type_hints(kind, include_extras=True)
    found = []
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]
        hint = hints[f.name]
        metadata = getattr(hint, "__metadata__", ())
        allowed = next((m for m in metadata if isinstance(m, Allowed)), None)
        found.append(_Field(f.name, hint is int, allowed))
    _FIELDS[kind.prefix] = tuple(found)
    return _FIELDS[kind.prefix]


class CallbackData:
    """Base of every kind: `pack()` to a string, `unpack()` back (None when it does not fit)."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix in _KINDS:
            raise ValueError(f"two kinds of callback data share the prefix {prefix!r}")
        cls.prefix = prefix
        _KINDS[prefix] = cls

    def __post_init__(self) -> None:
        for field in _fields(type(self)):
            if field.allowed is not None:
                field.allowed.check(getattr(self, field.name))

    def pack(self) -> str:
        values = [str(getattr(self, field.name)) for field in _fields(type(self))]
        data = SEPARATOR.join([self.prefix, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {self.prefix}")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """This kind read from `data`, or None when `data` is not of this kind."""
        found = unpack(data)
        return found if isinstance(found, cls) else None

    @classmethod
    def matches(cls, data: object) -> bool:
        """For `CallbackQueryHandler(pattern=Kind.matches)`."""
        return cls.unpack(data) is not None

    @classmethod
    def largest(cls) -> Self:
        """The longest data this kind can carry (from its fields' `int` or `Allowed`)."""
        values: dict[str, int | str] = {}
        for field in _fields(cls):
            if field.is_int:
                values[field.name] = -MAX_INT
            elif field.allowed is not None:
                values[field.name] = field.allowed.largest
            else:
                raise NotImplementedError(f"{cls.__name__} must say its largest value")
        return cls(**values)

    @classmethod
    def _from_parts(cls, parts: list[str]) -> Self | None:
        fields = _fields(cls)
        if len(parts) != len(fields):
            return None
        values: dict[str, int | str] = {}
        for field, part in zip(fields, parts, strict=True):
            if field.is_int:
                if not _INT.fullmatch(part) or abs(int(part)) > MAX_INT:
                    return None
                values[field.name] = int(part)
            elif part:
                values[field.name] = part
            else:
                return None
        try:
            return cls(**values)
        except ValueError:
            return None


def unpack(data: object) -> CallbackData | None:
    """The button this data belongs to, or None for data no kind knows (or that does not fit).

    The longest matching prefix wins: "bc:stop:7" is `BroadcastStop`, "bc:back" is `BroadcastStep`.
    """
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    for cut in range(len(parts), 0, -1):
        kind = _KINDS.get(SEPARATOR.join(parts[:cut]))
        if kind is not None:
            return kind._from_parts(parts[cut:])
    return None


def kinds() -> list[type[CallbackData]]:
    """Every kind of callback data (the test packs the largest of each)."""
    return list(_KINDS.values())


def any_of(*wanted: type[CallbackData]) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern matching data of any of these kinds."""

    def pattern(data: object) -> bool:
        return isinstance(unpack(data), wanted)

    return pattern


# --- announcements (handlers/broadcast.py) --------------------------------------------------

#: A draft's token: ties the buttons of a preview to the draft it shows (hex).
TOKEN_LENGTH = 8
#: The longest code of a status (`KtpStatus` names) or district a button may carry.
CODE_LIMIT = 32

#: A district's (kecamatan's) code: two digits in Musi Rawas.
DistrictCode = Annotated[str, word(CODE_LIMIT, "9" * CODE_LIMIT)]
#: A draft's or a preview's token.
Token = Annotated[str, word(TOKEN_LENGTH, "f" * TOKEN_LENGTH)]
#: Turn something on or off.
OnOff = Annotated[str, one_of("on", "off")]


@dataclasses.dataclass(frozen=True)
class BroadcastList(CallbackData, prefix="bc:list"):
    """Show the recent announcements."""


@dataclasses.dataclass(frozen=True)
class BroadcastStep(CallbackData, prefix="bc"):
    """A step while writing an announcement: back to the audiences, edit the text, cancel."""

    action: Annotated[str, one_of("back", "edit", "cancel")]


@dataclasses.dataclass(frozen=True)
class BroadcastAudience(CallbackData, prefix="bc:aud"):
    """Choose the kind of audience (everyone, a district's menu, a status's menu: the kinds of
    `services.broadcasting`), or choose again."""

    ALL: ClassVar[str] = ALL
    DISTRICT: ClassVar[str] = DISTRICT
    STATUS: ClassVar[str] = STATUS
    PICK: ClassVar[str] = "pick"

    kind: Annotated[str, one_of(ALL, DISTRICT, STATUS, PICK)]


@dataclasses.dataclass(frozen=True)
class BroadcastDistrict(CallbackData, prefix="bc:d"):
    """The residents of one district (its two-digit code in Musi Rawas)."""

    code: DistrictCode


@dataclasses.dataclass(frozen=True)
class BroadcastStatus(CallbackData, prefix="bc:s"):
    """The residents whose card has one status (its `KtpStatus` name)."""

    status: Annotated[str, word(CODE_LIMIT, "X" * CODE_LIMIT)]


@dataclasses.dataclass(frozen=True)
class BroadcastSend(CallbackData, prefix="bc:send"):
    """Send the draft with this token (after the quiet hours when they are on)."""

    token: Token


@dataclasses.dataclass(frozen=True)
class BroadcastSendNow(CallbackData, prefix="bc:now"):
    """Send the draft with this token now, even in the quiet hours."""

    token: Token


@dataclasses.dataclass(frozen=True)
class BroadcastStop(CallbackData, prefix="bc:stop"):
    """Ask before stopping an announcement being sent."""

    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class BroadcastStopYes(CallbackData, prefix="bc:stopyes"):
    """Yes, stop it."""

    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class BroadcastStopNo(CallbackData, prefix="bc:stopno"):
    """No, keep sending."""

    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class Announcements(CallbackData, prefix="ann"):
    """A resident turns announcements on or off."""

    turn: OnOff

    @property
    def on(self) -> bool:
        return self.turn == "on"


# --- residents (handlers/resident.py) -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ResSubscribe(CallbackData, prefix="res:sub"):
    """Follow the card just checked."""

    record_id: int


@dataclasses.dataclass(frozen=True)
class ResCheckAnother(CallbackData, prefix="res:other"):
    """Check another card."""


@dataclasses.dataclass(frozen=True)
class ResAllStages(CallbackData, prefix="res:stages"):
    """Explain every stage of a card."""


#: A label button's choice when the resident wants no label.
NO_LABEL = "-"


def _label_choice(value: str) -> None:
    if value != NO_LABEL and not (value.isascii() and value.isdigit()):
        raise ValueError(f"not a label choice: {value!r}")
    _word(value, 3)


@dataclasses.dataclass(frozen=True)
class ResLabel(CallbackData, prefix="res:label"):
    """Name a followed card with a preset label (its index) or none (`NO_LABEL`)."""

    record_id: int
    choice: Annotated[str, Allowed(_label_choice, "999")]

    @property
    def preset(self) -> int | None:
        """The index of the preset label, or None for no label."""
        return None if self.choice == NO_LABEL else int(self.choice)


@dataclasses.dataclass(frozen=True)
class ResAskLabel(CallbackData, prefix="res:ask"):
    """Ask for a new label for a followed card."""

    record_id: int


def _stop_choice(value: str) -> None:
    if value not in (ResStop.ALL, ResStop.KEEP) and not (
        _INT.fullmatch(value) and abs(int(value)) <= MAX_INT
    ):
        raise ValueError(f"not a choice: {value!r}")


@dataclasses.dataclass(frozen=True)
class ResStop(CallbackData, prefix="res:stop"):
    """Stop following one card (its record id), all of them ("all"), or none ("keep")."""

    choice: Annotated[str, Allowed(_stop_choice, str(-MAX_INT))]
    ALL: ClassVar[str] = "all"
    KEEP: ClassVar[str] = "keep"

    @property
    def record_id(self) -> int | None:
        return int(self.choice) if _INT.fullmatch(self.choice) else None


@dataclasses.dataclass(frozen=True)
class ResErase(CallbackData, prefix="res:erase"):
    """Answer to "erase what the bot keeps about this chat?"."""

    answer: Annotated[str, one_of("yes", "no")]

    @property
    def confirmed(self) -> bool:
        return self.answer == "yes"


# --- staff (handlers/staff.py) --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UbahAnswer(CallbackData, prefix="ubah"):
    """An answer to an /ubah question: yes, yes to a backward change, or cancel."""

    YES: ClassVar[str] = Action.YES.value
    BACKWARD: ClassVar[str] = Action.BACKWARD.value
    CANCEL: ClassVar[str] = Action.CANCEL.value
    #: A question's id (hex), as `bot.services.pending_changes` makes it.
    CHANGE_ID_LENGTH: ClassVar[int] = 8

    action: Annotated[str, one_of(YES, BACKWARD, CANCEL)]
    record_id: int
    change_id: Annotated[str, word(CHANGE_ID_LENGTH, "f" * CHANGE_ID_LENGTH)]


# --- jemput bola: visits (handlers/schedule.py, issue 13) ----------------------------------


@dataclasses.dataclass(frozen=True)
class VisitStep(CallbackData, prefix="vis"):
    """A step of a visit being planned or changed: a field to (re)enter, services done, no
    note, stop planning."""

    action: Annotated[
        str,
        one_of(
            "date",
            "time",
            "district",
            "place",
            "services",
            "note",
            "done",
            "nonote",
            "quit",  # not "cancel": "vis:cancel" is `VisitCancel`
        ),
    ]


@dataclasses.dataclass(frozen=True)
class VisitDay(CallbackData, prefix="vis:d"):
    """The visit's date, as YYYYMMDD."""

    day: int


@dataclasses.dataclass(frozen=True)
class VisitTime(CallbackData, prefix="vis:t"):
    """A start ("s") or end ("e") time, as HHMM."""

    which: Annotated[str, one_of("s", "e")]
    hhmm: int


@dataclasses.dataclass(frozen=True)
class VisitDistrict(CallbackData, prefix="vis:k"):
    """The visit's kecamatan (its two-digit code in Musi Rawas)."""

    code: DistrictCode


@dataclasses.dataclass(frozen=True)
class VisitService(CallbackData, prefix="vis:l"):
    """Turn one service of the visit on or off."""

    code: Annotated[str, one_of(*SERVICE_CODES)]  # what a visit serves


@dataclasses.dataclass(frozen=True)
class VisitSave(CallbackData, prefix="vis:save"):
    """Save the visit shown in the preview with this token."""

    token: Token


@dataclasses.dataclass(frozen=True)
class VisitEdit(CallbackData, prefix="vis:edit"):
    """Change a planned visit (from the staff's list)."""

    visit_id: int


@dataclasses.dataclass(frozen=True)
class VisitCancel(CallbackData, prefix="vis:cancel"):
    """Ask before cancelling a planned visit."""

    visit_id: int


@dataclasses.dataclass(frozen=True)
class VisitCancelYes(CallbackData, prefix="vis:cancelyes"):
    """Yes, cancel it."""

    visit_id: int


@dataclasses.dataclass(frozen=True)
class VisitCancelNo(CallbackData, prefix="vis:cancelno"):
    """No, keep it."""

    visit_id: int


@dataclasses.dataclass(frozen=True)
class ScheduleDistricts(CallbackData, prefix="sch:list"):
    """A resident: back to the list of kecamatan."""


@dataclasses.dataclass(frozen=True)
class ScheduleDistrict(CallbackData, prefix="sch:k"):
    """A resident: the visits in one kecamatan (two-digit code)."""

    code: DistrictCode


@dataclasses.dataclass(frozen=True)
class ScheduleFollow(CallbackData, prefix="sch:f"):
    """A resident: tell me of visits in this kecamatan ("on") or stop ("off")."""

    code: DistrictCode
    turn: OnOff

    @property
    def on(self) -> bool:
        return self.turn == "on"


# --- residents' conversation: questions people often ask (handlers/conversation.py) ----------

#: The longest key of an answer: a default's ("blanko") or an added one's ("t" + its row id).
FAQ_KEY_LENGTH = 24


@dataclasses.dataclass(frozen=True)
class FaqShow(CallbackData, prefix="faq"):
    """Show the answer with this key (`bot.services.faq`)."""

    key: Annotated[str, word(FAQ_KEY_LENGTH, "t" + "9" * (FAQ_KEY_LENGTH - 1))]


@dataclasses.dataclass(frozen=True)
class FaqList(CallbackData, prefix="faq:list"):
    """Show the list of questions again."""


# --- residents' check answer: the rest behind "Selengkapnya" (handlers/resident.py, A2) -------


@dataclasses.dataclass(frozen=True)
class ResMore(CallbackData, prefix="res:more"):
    """Show the rest of a check's answer for a card this chat has just proved."""

    record_id: int


# --- questions to staff (handlers/questions.py) ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeskAction(CallbackData, prefix="meja"):
    """A staff member's button on a question at the desk: take, answer, close, the resident's
    proved record."""

    TAKE: ClassVar[str] = questions.TAKE
    ANSWER: ClassVar[str] = questions.ANSWER
    CLOSE: ClassVar[str] = questions.CLOSE
    CHECK: ClassVar[str] = questions.CHECK

    action: Annotated[str, one_of(TAKE, ANSWER, CLOSE, CHECK)]
    question_id: int


@dataclasses.dataclass(frozen=True)
class QuestionReply(CallbackData, prefix="tanya:balas"):
    """The resident replies to staff's answer in a question's thread."""

    question_id: int
