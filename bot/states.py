"""The 18 KTP-el record statuses, the facts about each, and parsing of the spellings staff use."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """The big steps of the journey a resident can picture."""

    RECORDING = "perekaman"
    SENDING = "pengiriman"
    CENTRAL = "pusat"
    PROBLEM = "masalah"
    PRINTING = "pencetakan"
    DONE = "selesai"


class Actor(StrEnum):
    """Who has to act now for the record to move on."""

    RESIDENT = "warga"
    OFFICE = "disdukcapil"
    CENTRAL = "pusat"
    RESIDENT_AND_OFFICE = "warga_disdukcapil"
    NOBODY = "selesai"


class KtpStatus(StrEnum):
    """The canonical status codes, in journey order."""

    UNREGISTERED = "UNREGISTERED"
    BIO_CAPTURED = "BIO_CAPTURED"
    PROCESSING = "PROCESSING"
    SENT_FOR_ENROLLMENT = "SENT_FOR_ENROLLMENT"
    RECEIVED_AT_CENTRAL = "RECEIVED_AT_CENTRAL"
    ENROLL_FAILURE_AT_CENTRAL = "ENROLL_FAILURE_AT_CENTRAL"
    SEARCH_FAILURE_AT_CENTRAL = "SEARCH_FAILURE_AT_CENTRAL"
    ENROLL_FAILURE_AT_REGIONAL = "ENROLL_FAILURE_AT_REGIONAL"
    PACKET_RETRY = "PACKET_RETRY"
    SENT_FOR_DEDUP = "SENT_FOR_DEDUP"
    DUPLICATE_RECORD = "DUPLICATE_RECORD"
    ADJUDICATE_RECORD = "ADJUDICATE_RECORD"
    REQUEST_VALIDATION = "REQUEST_VALIDATION"
    PRINT_READY_RECORD = "PRINT_READY_RECORD"
    SENT_FOR_CARD_PRINTING = "SENT_FOR_CARD_PRINTING"
    CARD_PRINTED = "CARD_PRINTED"
    CARD_SHIPPED = "CARD_SHIPPED"
    CARD_ISSUED = "CARD_ISSUED"

    @property
    def facts(self) -> StatusFacts:
        return FACTS[self]

    @property
    def order(self) -> int:
        return FACTS[self].order


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What is true of a record in one status."""

    order: int  # 1..18, place in the journey
    stage: Stage
    actor: Actor
    resident_must_come: bool  # the resident has to come to the office
    notifies: bool  # entering this status sends a message to subscribers


_S = StatusFacts
FACTS: dict[KtpStatus, StatusFacts] = {
    KtpStatus.UNREGISTERED: _S(1, Stage.RECORDING, Actor.RESIDENT, True, True),
    KtpStatus.BIO_CAPTURED: _S(2, Stage.RECORDING, Actor.OFFICE, False, False),
    KtpStatus.PROCESSING: _S(3, Stage.SENDING, Actor.OFFICE, False, False),
    KtpStatus.SENT_FOR_ENROLLMENT: _S(4, Stage.SENDING, Actor.CENTRAL, False, False),
    KtpStatus.RECEIVED_AT_CENTRAL: _S(5, Stage.CENTRAL, Actor.CENTRAL, False, False),
    KtpStatus.ENROLL_FAILURE_AT_CENTRAL: _S(6, Stage.CENTRAL, Actor.CENTRAL, False, False),
    KtpStatus.SEARCH_FAILURE_AT_CENTRAL: _S(7, Stage.CENTRAL, Actor.CENTRAL, False, False),
    KtpStatus.ENROLL_FAILURE_AT_REGIONAL: _S(8, Stage.SENDING, Actor.OFFICE, False, False),
    KtpStatus.PACKET_RETRY: _S(9, Stage.CENTRAL, Actor.CENTRAL, False, False),
    KtpStatus.SENT_FOR_DEDUP: _S(10, Stage.CENTRAL, Actor.CENTRAL, False, False),
    KtpStatus.DUPLICATE_RECORD: _S(11, Stage.PROBLEM, Actor.RESIDENT_AND_OFFICE, True, True),
    KtpStatus.ADJUDICATE_RECORD: _S(12, Stage.PROBLEM, Actor.RESIDENT_AND_OFFICE, True, True),
    KtpStatus.REQUEST_VALIDATION: _S(13, Stage.PROBLEM, Actor.RESIDENT_AND_OFFICE, True, True),
    KtpStatus.PRINT_READY_RECORD: _S(14, Stage.PRINTING, Actor.OFFICE, False, False),
    KtpStatus.SENT_FOR_CARD_PRINTING: _S(15, Stage.PRINTING, Actor.OFFICE, False, False),
    KtpStatus.CARD_PRINTED: _S(16, Stage.DONE, Actor.RESIDENT, True, True),
    KtpStatus.CARD_SHIPPED: _S(17, Stage.DONE, Actor.OFFICE, False, True),
    KtpStatus.CARD_ISSUED: _S(18, Stage.DONE, Actor.NOBODY, False, False),
}

#: Stages in the order a resident passes them (PROBLEM is a detour, shown beside CENTRAL).
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.RECORDING,
    Stage.SENDING,
    Stage.CENTRAL,
    Stage.PRINTING,
    Stage.DONE,
)

ALL_STATUSES: tuple[KtpStatus, ...] = tuple(sorted(KtpStatus, key=lambda s: s.order))
NOTIFYING_STATUSES: frozenset[KtpStatus] = frozenset(s for s in KtpStatus if s.facts.notifies)

_SHORT_FORMS: dict[str, KtpStatus] = {
    "PRR": KtpStatus.PRINT_READY_RECORD,
    "SFE": KtpStatus.SENT_FOR_ENROLLMENT,
    "DR": KtpStatus.DUPLICATE_RECORD,
    "DUP": KtpStatus.DUPLICATE_RECORD,
}

#: How the central system's export (SIAK, and the village and regency software that shows it)
#: writes a status where it differs from the code, as people see it written; each is read
#: case-insensitively with spaces, hyphens or underscores (README lists them all).
EXPORT_SPELLINGS: dict[str, KtpStatus] = {
    "BELUM REKAM": KtpStatus.UNREGISTERED,
    "BELUM PEREKAMAN": KtpStatus.UNREGISTERED,
    "BELUM DIREKAM": KtpStatus.UNREGISTERED,
    "NOT REGISTERED": KtpStatus.UNREGISTERED,
    "SUDAH REKAM": KtpStatus.BIO_CAPTURED,
    "SUDAH PEREKAMAN": KtpStatus.BIO_CAPTURED,
    "SUDAH DIREKAM": KtpStatus.BIO_CAPTURED,
    "BIOMETRIC CAPTURED": KtpStatus.BIO_CAPTURED,
    "BIO CAPTURE": KtpStatus.BIO_CAPTURED,
    "IN PROCESS": KtpStatus.PROCESSING,
    "DALAM PROSES": KtpStatus.PROCESSING,
    "SENT FOR ENROLMENT": KtpStatus.SENT_FOR_ENROLLMENT,
    "SENT TO ENROLLMENT": KtpStatus.SENT_FOR_ENROLLMENT,
    "SEND FOR ENROLLMENT": KtpStatus.SENT_FOR_ENROLLMENT,
    "RECEIVED AT CENTRAL SERVER": KtpStatus.RECEIVED_AT_CENTRAL,
    "RECEIVED AT DATA CENTER": KtpStatus.RECEIVED_AT_CENTRAL,
    "RECEIVED CENTRAL": KtpStatus.RECEIVED_AT_CENTRAL,
    "ENROLLMENT FAILURE AT CENTRAL": KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
    "ENROLMENT FAILURE AT CENTRAL": KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
    "ENROLL FAILED AT CENTRAL": KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
    "SEARCH FAILED AT CENTRAL": KtpStatus.SEARCH_FAILURE_AT_CENTRAL,
    "SEARCH FAILURE": KtpStatus.SEARCH_FAILURE_AT_CENTRAL,
    "ENROLLMENT FAILURE AT REGIONAL": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "ENROLMENT FAILURE AT REGIONAL": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "ENROLL FAILURE AT REGION": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "ENROLL FAILED AT REGIONAL": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "RETRY PACKET": KtpStatus.PACKET_RETRY,
    "PACKET RESEND": KtpStatus.PACKET_RETRY,
    "SENT FOR DEDUPLICATION": KtpStatus.SENT_FOR_DEDUP,
    "SENT TO DEDUP": KtpStatus.SENT_FOR_DEDUP,
    "DEDUPLICATION": KtpStatus.SENT_FOR_DEDUP,
    "DUPLICATE": KtpStatus.DUPLICATE_RECORD,
    "DUPLICATE RECORD 1:1": KtpStatus.DUPLICATE_RECORD,
    "DUPLICATE RECORD 1:N": KtpStatus.DUPLICATE_RECORD,
    "DATA GANDA": KtpStatus.DUPLICATE_RECORD,
    "ADJUDICATE": KtpStatus.ADJUDICATE_RECORD,
    "ADJUDICATION": KtpStatus.ADJUDICATE_RECORD,
    "ADJUDIKASI": KtpStatus.ADJUDICATE_RECORD,
    "REQUEST FOR VALIDATION": KtpStatus.REQUEST_VALIDATION,
    "VALIDATION REQUEST": KtpStatus.REQUEST_VALIDATION,
    "PERMINTAAN VALIDASI": KtpStatus.REQUEST_VALIDATION,
    "PRINT READY": KtpStatus.PRINT_READY_RECORD,
    "READY TO PRINT": KtpStatus.PRINT_READY_RECORD,
    "READY FOR PRINTING": KtpStatus.PRINT_READY_RECORD,
    "SIAP CETAK": KtpStatus.PRINT_READY_RECORD,
    "SENT FOR PRINTING": KtpStatus.SENT_FOR_CARD_PRINTING,
    "SENT TO CARD PRINTING": KtpStatus.SENT_FOR_CARD_PRINTING,
    "SENT FOR PRINT": KtpStatus.SENT_FOR_CARD_PRINTING,
    "PROSES CETAK": KtpStatus.SENT_FOR_CARD_PRINTING,
    "PRINTED": KtpStatus.CARD_PRINTED,
    "SUDAH CETAK": KtpStatus.CARD_PRINTED,
    "SUDAH DICETAK": KtpStatus.CARD_PRINTED,
    "CARD SENT": KtpStatus.CARD_SHIPPED,
    "SHIPPED": KtpStatus.CARD_SHIPPED,
    "CARD DISTRIBUTED": KtpStatus.CARD_SHIPPED,
    "ISSUED": KtpStatus.CARD_ISSUED,
    "CARD DELIVERED": KtpStatus.CARD_ISSUED,
    "SUDAH DIAMBIL": KtpStatus.CARD_ISSUED,
    "SUDAH DISERAHKAN": KtpStatus.CARD_ISSUED,
}

_SEPARATORS = re.compile(r"[\s\-‐‑–—_.]+")
# "PRINT_READY_RECORD (PRR)" as written in the office's list: the part in brackets is a comment.
_BRACKETED = re.compile(r"\(.*?\)|\[.*?\]")


class UnknownStatusError(ValueError):
    """A status spelling that matches no code; `suggestions` holds the closest codes."""

    def __init__(self, given: str, suggestions: list[KtpStatus]) -> None:
        self.given = given
        self.suggestions = suggestions
        super().__init__(f"unknown status {given!r}; closest: {[s.value for s in suggestions]}")


def _canonical_spelling(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip().upper()).strip("_")


def _lookup(key: str) -> KtpStatus | None:
    if key in KtpStatus.__members__:
        return KtpStatus[key]
    return _SHORT_FORMS.get(key) or _EXPORT_KEYS.get(key)


_EXPORT_KEYS: dict[str, KtpStatus] = {
    _canonical_spelling(spelling): status for spelling, status in EXPORT_SPELLINGS.items()
}


def parse_status(text: str) -> KtpStatus:
    """Read a status as staff write it: any case, spaces or hyphens for underscores, short forms.

    "print ready record", "Print-Ready-Record", "PRR" and "PRINT_READY_RECORD (PRR)" all give
    PRINT_READY_RECORD. Raises UnknownStatusError naming the closest codes when nothing matches.
    """
    key = _canonical_spelling(text)
    found = _lookup(key)
    if found is None and _BRACKETED.search(text):
        found = _lookup(_canonical_spelling(_BRACKETED.sub(" ", text)))
    if found is None:
        raise UnknownStatusError(text, suggest_statuses(key))
    return found


def suggest_statuses(text: str, limit: int = 3) -> list[KtpStatus]:
    """The codes closest to a mistyped spelling, best first (may be empty)."""
    key = _canonical_spelling(text)
    found: list[KtpStatus] = []
    if len(key) >= 3:
        # A fragment such as "PRINT", "DEDUP" or "FAILURE": the codes that contain it come first.
        found = [s for s in ALL_STATUSES if key in s.value]
    candidates = list(KtpStatus.__members__) + list(_SHORT_FORMS) + list(_EXPORT_KEYS)
    for name in difflib.get_close_matches(key, candidates, n=limit * 2, cutoff=0.5):
        status = _lookup(name)
        assert status is not None
        if status not in found:
            found.append(status)
    return found[:limit]


def is_backward(old: KtpStatus | None, new: KtpStatus) -> bool:
    """True when moving from old to new goes back in the journey."""
    return old is not None and new.order < old.order
