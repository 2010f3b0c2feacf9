"""Typed callback data of the staff's buttons (announcements, /ubah, planning visits, the desk).

The machinery (`CallbackData`, `pack`, `unpack`) and the residents' kinds live on the
conversation floor (`bot/conversation/buttons.py`), where the channel-free dialogue reads them;
they are re-exported here, so the Telegram adapter finds every kind in one place. A button is
built with `UbahAnswer(...).pack()` and read back with `unpack(query.data)` (None for data no
kind knows: the handler answers with one polite line). The prefixes below are what buttons
already sent to chats carry: do not change them.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, ClassVar

from bot.conversation.buttons import (
    CODE_LIMIT,
    MAX_BYTES,
    MAX_INT,
    NO_LABEL,
    SEPARATOR,
    TOKEN_LENGTH,
    Allowed,
    Announcements,
    CallbackData,
    DistrictCode,
    FaqList,
    FaqShow,
    OnOff,
    QuestionReply,
    ResAllStages,
    ResAskLabel,
    ResCheckAnother,
    ResErase,
    ResLabel,
    ResMore,
    ResStop,
    ResSubscribe,
    ScheduleDistrict,
    ScheduleDistricts,
    ScheduleFollow,
    Token,
    any_of,
    kinds,
    one_of,
    unpack,
    word,
)
from bot.services import questions  # the desk's actions
from bot.services.broadcasting import ALL, DISTRICT, STATUS  # the kinds of audience
from bot.services.pending_changes import Action  # the answers to an /ubah question
from bot.services.visits import SERVICE_CODES

__all__ = [
    "CODE_LIMIT",
    "MAX_BYTES",
    "MAX_INT",
    "NO_LABEL",
    "SEPARATOR",
    "TOKEN_LENGTH",
    "Allowed",
    "Announcements",
    "CallbackData",
    "DistrictCode",
    "FaqList",
    "FaqShow",
    "OnOff",
    "QuestionReply",
    "ResAllStages",
    "ResAskLabel",
    "ResCheckAnother",
    "ResErase",
    "ResLabel",
    "ResMore",
    "ResStop",
    "ResSubscribe",
    "ScheduleDistrict",
    "ScheduleDistricts",
    "ScheduleFollow",
    "Token",
    "any_of",
    "kinds",
    "one_of",
    "unpack",
    "word",
]


# --- announcements (handlers/broadcast.py) --------------------------------------------------


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
