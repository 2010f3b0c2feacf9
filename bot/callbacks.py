"""Typed callback data: one small dataclass per kind of inline button, packed into a string.

Telegram gives a button at most 64 bytes of `callback_data`. Each kind has a prefix and a few
fields (`int` or `str`, joined by ":"), so a button is built with `ResSubscribe(12).pack()` and
read back with `unpack(query.data)`, which gives the instance, or None for data that no kind
knows or that does not fit its kind (a button of an older version of the bot, or forged): the
handler then answers with one polite line.

    match unpack(query.data):
        case ResSubscribe(record_id): ...
        case None: await query.answer(texts.BUTTON_UNKNOWN)

To add a kind: a frozen dataclass deriving from `CallbackData` with `prefix=` in its class line,
fields of type `int` or `str` (a `str` field never holds ":"), checks in `__post_init__` (raise
`ValueError`), and a `largest()` when it has a `str` field, so the test can check the 64 bytes.
The prefixes below are what buttons already sent to chats carry: do not change them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, ClassVar, Self, get_type_hints

#: Telegram's limit for `callback_data`, in UTF-8 bytes.
MAX_BYTES = 64
#: The largest integer a field may carry (SQLite's largest row id).
MAX_INT = 2**63 - 1
SEPARATOR = ":"

_INT = re.compile(r"-?[0-9]{1,19}")
#: Every kind by its prefix ("bc:stop", "res:sub", ...).
_KINDS: dict[str, type[CallbackData]] = {}


class CallbackData:
    """Base of every kind: `pack()` to a string, `unpack()` back (None when it does not fit)."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix in _KINDS:
            raise ValueError(f"two kinds of callback data share the prefix {prefix!r}")
        cls.prefix = prefix
        _KINDS[prefix] = cls

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in dataclasses.fields(self)]  # type: ignore[arg-type]
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
        """The longest data this kind can carry (kinds with a `str` field say it themselves)."""
        hints = get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if hints[f.name] is not int:
                raise NotImplementedError(f"{cls.__name__} must say its largest value")
            values[f.name] = -MAX_INT
        return cls(**values)

    @classmethod
    def _from_parts(cls, parts: list[str]) -> Self | None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if len(parts) != len(fields):
            return None
        hints = get_type_hints(cls)
        values: dict[str, int | str] = {}
        for f, part in zip(fields, parts, strict=True):
            if hints[f.name] is int:
                if not _INT.fullmatch(part) or abs(int(part)) > MAX_INT:
                    return None
                values[f.name] = int(part)
            elif part:
                values[f.name] = part
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


def _one_of(value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {allowed}")


def _word(value: str, limit: int) -> None:
    if not value or len(value) > limit or not value.isascii() or SEPARATOR in value:
        raise ValueError(f"{value!r} is not a short word")


# --- announcements (handlers/broadcast.py) --------------------------------------------------

#: A draft's token: ties the buttons of a preview to the draft it shows (hex).
TOKEN_LENGTH = 8
#: The longest code of a status (`KtpStatus` names) or district a button may carry.
CODE_LIMIT = 32


@dataclasses.dataclass(frozen=True)
class BroadcastList(CallbackData, prefix="bc:list"):
    """Show the recent announcements."""


@dataclasses.dataclass(frozen=True)
class BroadcastStep(CallbackData, prefix="bc"):
    """A step while writing an announcement: back to the audiences, edit the text, cancel."""

    action: str
    ACTIONS: ClassVar[tuple[str, ...]] = ("back", "edit", "cancel")

    def __post_init__(self) -> None:
        _one_of(self.action, self.ACTIONS)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(cls.ACTIONS, key=len))


@dataclasses.dataclass(frozen=True)
class BroadcastAudience(CallbackData, prefix="bc:aud"):
    """Choose the kind of audience: everyone, a district (menu), a status (menu)."""

    kind: str
    KINDS: ClassVar[tuple[str, ...]] = ("all", "district", "status", "pick")

    def __post_init__(self) -> None:
        _one_of(self.kind, self.KINDS)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(cls.KINDS, key=len))


@dataclasses.dataclass(frozen=True)
class BroadcastDistrict(CallbackData, prefix="bc:d"):
    """The residents of one district (its two-digit code in Musi Rawas)."""

    code: str

    def __post_init__(self) -> None:
        _word(self.code, CODE_LIMIT)

    @classmethod
    def largest(cls) -> Self:
        return cls("9" * CODE_LIMIT)


@dataclasses.dataclass(frozen=True)
class BroadcastStatus(CallbackData, prefix="bc:s"):
    """The residents whose card has one status (its `KtpStatus` name)."""

    status: str

    def __post_init__(self) -> None:
        _word(self.status, CODE_LIMIT)

    @classmethod
    def largest(cls) -> Self:
        return cls("X" * CODE_LIMIT)


@dataclasses.dataclass(frozen=True)
class BroadcastSend(CallbackData, prefix="bc:send"):
    """Send the draft with this token (after the quiet hours when they are on)."""

    token: str

    def __post_init__(self) -> None:
        _word(self.token, TOKEN_LENGTH)

    @classmethod
    def largest(cls) -> Self:
        return cls("f" * TOKEN_LENGTH)


@dataclasses.dataclass(frozen=True)
class BroadcastSendNow(CallbackData, prefix="bc:now"):
    """Send the draft with this token now, even in the quiet hours."""

    token: str

    def __post_init__(self) -> None:
        _word(self.token, TOKEN_LENGTH)

    @classmethod
    def largest(cls) -> Self:
        return cls("f" * TOKEN_LENGTH)


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

    turn: str
    TURNS: ClassVar[tuple[str, ...]] = ("on", "off")

    def __post_init__(self) -> None:
        _one_of(self.turn, self.TURNS)

    @property
    def on(self) -> bool:
        return self.turn == "on"

    @classmethod
    def largest(cls) -> Self:
        return cls("off")


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


@dataclasses.dataclass(frozen=True)
class ResLabel(CallbackData, prefix="res:label"):
    """Name a followed card with a preset label (its index) or none (`NO_LABEL`)."""

    record_id: int
    choice: str

    def __post_init__(self) -> None:
        if self.choice != NO_LABEL and not (self.choice.isascii() and self.choice.isdigit()):
            raise ValueError(f"not a label choice: {self.choice!r}")
        _word(self.choice, 3)

    @property
    def preset(self) -> int | None:
        """The index of the preset label, or None for no label."""
        return None if self.choice == NO_LABEL else int(self.choice)

    @classmethod
    def largest(cls) -> Self:
        return cls(-MAX_INT, "999")


@dataclasses.dataclass(frozen=True)
class ResAskLabel(CallbackData, prefix="res:ask"):
    """Ask for a new label for a followed card."""

    record_id: int


@dataclasses.dataclass(frozen=True)
class ResStop(CallbackData, prefix="res:stop"):
    """Stop following one card (its record id), all of them ("all"), or none ("keep")."""

    choice: str
    ALL: ClassVar[str] = "all"
    KEEP: ClassVar[str] = "keep"

    def __post_init__(self) -> None:
        if self.choice not in (self.ALL, self.KEEP) and not _INT.fullmatch(self.choice):
            raise ValueError(f"not a choice: {self.choice!r}")

    @property
    def record_id(self) -> int | None:
        return int(self.choice) if _INT.fullmatch(self.choice) else None

    @classmethod
    def largest(cls) -> Self:
        return cls(str(-MAX_INT))


@dataclasses.dataclass(frozen=True)
class ResErase(CallbackData, prefix="res:erase"):
    """Answer to "erase what the bot keeps about this chat?"."""

    answer: str
    ANSWERS: ClassVar[tuple[str, ...]] = ("yes", "no")

    def __post_init__(self) -> None:
        _one_of(self.answer, self.ANSWERS)

    @property
    def confirmed(self) -> bool:
        return self.answer == "yes"

    @classmethod
    def largest(cls) -> Self:
        return cls("yes")


# --- staff (handlers/staff.py) --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UbahAnswer(CallbackData, prefix="ubah"):
    """An answer to an /ubah question: yes, yes to a backward change, or cancel."""

    action: str
    record_id: int
    change_id: str
    YES: ClassVar[str] = "ya"
    BACKWARD: ClassVar[str] = "mundur"
    CANCEL: ClassVar[str] = "batal"
    ACTIONS: ClassVar[tuple[str, ...]] = (YES, BACKWARD, CANCEL)
    #: A question's id (hex), as `bot.pending_changes` makes it.
    CHANGE_ID_LENGTH: ClassVar[int] = 8

    def __post_init__(self) -> None:
        _one_of(self.action, self.ACTIONS)
        _word(self.change_id, self.CHANGE_ID_LENGTH)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(cls.ACTIONS, key=len), -MAX_INT, "f" * cls.CHANGE_ID_LENGTH)


# --- jemput bola: visits (handlers/schedule.py, issue 13) ----------------------------------

#: The codes of what a visit serves (`bot.visits.SERVICE_CODES`).
VISIT_SERVICES: tuple[str, ...] = ("rekam", "ambil", "kk", "akta")


@dataclasses.dataclass(frozen=True)
class VisitStep(CallbackData, prefix="vis"):
    """A step of a visit being planned or changed: a field to (re)enter, services done, no
    note, stop planning."""

    action: str
    ACTIONS: ClassVar[tuple[str, ...]] = (
        "date",
        "time",
        "district",
        "place",
        "services",
        "note",
        "done",
        "nonote",
        "quit",  # not "cancel": "vis:cancel" is `VisitCancel`
    )

    def __post_init__(self) -> None:
        _one_of(self.action, self.ACTIONS)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(cls.ACTIONS, key=len))


@dataclasses.dataclass(frozen=True)
class VisitDay(CallbackData, prefix="vis:d"):
    """The visit's date, as YYYYMMDD."""

    day: int


@dataclasses.dataclass(frozen=True)
class VisitTime(CallbackData, prefix="vis:t"):
    """A start ("s") or end ("e") time, as HHMM."""

    which: str
    hhmm: int

    def __post_init__(self) -> None:
        _one_of(self.which, ("s", "e"))

    @classmethod
    def largest(cls) -> Self:
        return cls("s", -MAX_INT)


@dataclasses.dataclass(frozen=True)
class VisitDistrict(CallbackData, prefix="vis:k"):
    """The visit's kecamatan (its two-digit code in Musi Rawas)."""

    code: str

    def __post_init__(self) -> None:
        _word(self.code, CODE_LIMIT)

    @classmethod
    def largest(cls) -> Self:
        return cls("9" * CODE_LIMIT)


@dataclasses.dataclass(frozen=True)
class VisitService(CallbackData, prefix="vis:l"):
    """Turn one service of the visit on or off."""

    code: str

    def __post_init__(self) -> None:
        _one_of(self.code, VISIT_SERVICES)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(VISIT_SERVICES, key=len))


@dataclasses.dataclass(frozen=True)
class VisitSave(CallbackData, prefix="vis:save"):
    """Save the visit shown in the preview with this token."""

    token: str

    def __post_init__(self) -> None:
        _word(self.token, TOKEN_LENGTH)

    @classmethod
    def largest(cls) -> Self:
        return cls("f" * TOKEN_LENGTH)


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

    code: str

    def __post_init__(self) -> None:
        _word(self.code, CODE_LIMIT)

    @classmethod
    def largest(cls) -> Self:
        return cls("9" * CODE_LIMIT)


@dataclasses.dataclass(frozen=True)
class ScheduleFollow(CallbackData, prefix="sch:f"):
    """A resident: tell me of visits in this kecamatan ("on") or stop ("off")."""

    code: str
    turn: str

    def __post_init__(self) -> None:
        _word(self.code, CODE_LIMIT)
        _one_of(self.turn, ("on", "off"))

    @property
    def on(self) -> bool:
        return self.turn == "on"

    @classmethod
    def largest(cls) -> Self:
        return cls("9" * CODE_LIMIT, "off")


# --- residents' conversation: questions people often ask (handlers/conversation.py) ----------

#: The longest key of an answer: a default's ("blanko") or an added one's ("t" + its row id).
FAQ_KEY_LENGTH = 24


@dataclasses.dataclass(frozen=True)
class FaqShow(CallbackData, prefix="faq"):
    """Show the answer with this key (`bot.faq`)."""

    key: str

    def __post_init__(self) -> None:
        _word(self.key, FAQ_KEY_LENGTH)

    @classmethod
    def largest(cls) -> Self:
        return cls("t" + "9" * (FAQ_KEY_LENGTH - 1))


@dataclasses.dataclass(frozen=True)
class FaqList(CallbackData, prefix="faq:list"):
    """Show the list of questions again."""

    @classmethod
    def largest(cls) -> Self:
        return cls()


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

    action: str
    question_id: int
    TAKE: ClassVar[str] = "take"
    ANSWER: ClassVar[str] = "answer"
    CLOSE: ClassVar[str] = "close"
    CHECK: ClassVar[str] = "check"
    ACTIONS: ClassVar[tuple[str, ...]] = (TAKE, ANSWER, CLOSE, CHECK)

    def __post_init__(self) -> None:
        _one_of(self.action, self.ACTIONS)

    @classmethod
    def largest(cls) -> Self:
        return cls(max(cls.ACTIONS, key=len), -MAX_INT)


@dataclasses.dataclass(frozen=True)
class QuestionReply(CallbackData, prefix="tanya:balas"):
    """The resident replies to staff's answer in a question's thread."""

    question_id: int
