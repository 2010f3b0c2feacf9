"""Button values: one small dataclass per kind of button, packed into a short string.

A choice (`messages.Choice`) carries its value as a string the conversation reads back when the
button is pressed, whatever the channel (Telegram's `callback_data`, WhatsApp's reply id). Each
kind has a prefix and a few fields (`int` or `str`, joined by ":"), so a value is built with
`ResSubscribe(12).pack()` and read back with `unpack(value)`, which gives the instance, or None
for a value that no kind knows or that does not fit its kind (a button of an older version of
the bot, or forged): the conversation then answers with one polite line.

    match unpack(value):
        case ResSubscribe(record_id): ...
        case None: ...

A value fits Telegram's 64 bytes of `callback_data` (the smallest of the channels' limits).
To add a kind: a frozen dataclass deriving from `CallbackData` with `prefix=` in its class line
and fields of type `int` or `Annotated[str, Allowed(...)]` (usually `one_of(...)`, `word(...)`
or an alias such as `DistrictCode`): the base checks every field when the kind is built (a
`ValueError` for a value it would not read back) and knows each field's largest value, so the
test can check the 64 bytes. A `str` field never holds ":".
The prefixes are what buttons already sent to chats carry: do not change them. The residents'
kinds live here (the conversation reads them); the staff's in `bot/handlers/callbacks.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, NamedTuple, Self, get_type_hints

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


# --- shared field types ---------------------------------------------------------------------

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
    """Explain every stage of a card (its first screen)."""


@dataclasses.dataclass(frozen=True)
class ResStagesPage(CallbackData, prefix="res:stpg"):
    """One screen of the all-stages explanation (‹ ›), replacing the one shown."""

    page: int


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


# --- announcements: a resident turns them on or off ---------------------------------------


@dataclasses.dataclass(frozen=True)
class Announcements(CallbackData, prefix="ann"):
    """A resident turns announcements on or off."""

    turn: OnOff

    @property
    def on(self) -> bool:
        return self.turn == "on"


# --- jemput bola: residents --------------------------------------------------------------


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


# --- questions to staff: a resident's reply ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class QuestionReply(CallbackData, prefix="tanya:balas"):
    """The resident replies to staff's answer in a question's thread."""

    question_id: int


# --- residents' free text: "Maksud Bapak/Ibu…?", a person, a long message to the desk ----------

#: The longest intent name a button carries (intents.toml's section names).
INTENT_NAME_LIMIT = 24


@dataclasses.dataclass(frozen=True)
class ResIntent(CallbackData, prefix="res:int"):
    """One of the answers offered under "Maksud Bapak/Ibu…?": that intent's answer."""

    name: Annotated[str, word(INTENT_NAME_LIMIT, "n" * INTENT_NAME_LIMIT)]


@dataclasses.dataclass(frozen=True)
class ResAskStaff(CallbackData, prefix="res:petugas"):
    """💬 Tanya petugas under an answer: start writing a question to the staff."""


@dataclasses.dataclass(frozen=True)
class ResSendDraft(CallbackData, prefix="res:kirim"):
    """A long message the bot could not answer: send it to the staff ("yes") or not ("no")."""

    answer: Annotated[str, one_of("yes", "no")]

    @property
    def confirmed(self) -> bool:
        return self.answer == "yes"


@dataclasses.dataclass(frozen=True)
class ResPrivacy(CallbackData, prefix="res:privasi"):
    """How the bot keeps personal data: the whole explanation (as /privasi)."""
