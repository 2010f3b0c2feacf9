"""The words staff write for a status in `/ubah`: codes, short forms, export spellings, the
Indonesian names residents read (`status_texts.toml` titles) and everyday office words.

`read_status_words(["siap", "cetak", "tunggu", "blanko"])` gives PRINT_READY_RECORD and the note
words ["tunggu", "blanko"]: the longest known status phrase at the start wins, so a multi-word
name never swallows the note, and a one-word name never cuts a longer one short.
"""

from __future__ import annotations

import difflib
import re

from bot.domain.status_texts import STATUS_TEXTS
from bot.states import (
    EXPORT_SPELLINGS,
    KtpStatus,
    UnknownStatusError,
    parse_status,
    suggest_statuses,
)

#: Everyday words at the office for each status, beside its title and the export's spellings.
EVERYDAY_WORDS: dict[str, KtpStatus] = {
    "belum rekam": KtpStatus.UNREGISTERED,
    "belum direkam": KtpStatus.UNREGISTERED,
    "belum perekaman": KtpStatus.UNREGISTERED,
    "sudah rekam": KtpStatus.BIO_CAPTURED,
    "sudah direkam": KtpStatus.BIO_CAPTURED,
    "direkam": KtpStatus.BIO_CAPTURED,
    "disiapkan": KtpStatus.PROCESSING,
    "diproses": KtpStatus.PROCESSING,
    "dalam proses": KtpStatus.PROCESSING,
    "dikirim": KtpStatus.SENT_FOR_ENROLLMENT,
    "dikirim ke pusat": KtpStatus.SENT_FOR_ENROLLMENT,
    "kirim ke pusat": KtpStatus.SENT_FOR_ENROLLMENT,
    "diterima di pusat": KtpStatus.RECEIVED_AT_CENTRAL,
    "sampai di pusat": KtpStatus.RECEIVED_AT_CENTRAL,
    "rekaman kurang jelas": KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
    "gagal di pusat": KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
    "pencarian gagal": KtpStatus.SEARCH_FAILURE_AT_CENTRAL,
    "gagal dikirim": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "gagal di daerah": KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    "dikirim ulang": KtpStatus.PACKET_RETRY,
    "kirim ulang": KtpStatus.PACKET_RETRY,
    "cek ganda": KtpStatus.SENT_FOR_DEDUP,
    "diperiksa ganda": KtpStatus.SENT_FOR_DEDUP,
    "rekaman ganda": KtpStatus.DUPLICATE_RECORD,
    "ganda": KtpStatus.DUPLICATE_RECORD,
    "sidik jari mirip": KtpStatus.ADJUDICATE_RECORD,
    "validasi": KtpStatus.REQUEST_VALIDATION,
    "dicocokkan": KtpStatus.REQUEST_VALIDATION,
    "sedang dicetak": KtpStatus.SENT_FOR_CARD_PRINTING,
    "dalam pencetakan": KtpStatus.SENT_FOR_CARD_PRINTING,
    "dicetak": KtpStatus.CARD_PRINTED,
    "tercetak": KtpStatus.CARD_PRINTED,
    "siap diambil": KtpStatus.CARD_PRINTED,
    "dikirim ke kecamatan": KtpStatus.CARD_SHIPPED,
    "dikirim ke tempat pengambilan": KtpStatus.CARD_SHIPPED,
    "diambil": KtpStatus.CARD_ISSUED,
    "diserahkan": KtpStatus.CARD_ISSUED,
    "selesai": KtpStatus.CARD_ISSUED,
}

_WORD = re.compile(r"[^\w:]+")
_BRACKETED = re.compile(r"\(.*?\)")


def _key(text: str) -> str:
    return " ".join(_WORD.sub(" ", text.lower()).split())


def staff_name(status: KtpStatus) -> str:
    """The Indonesian name of a status as residents read it, without a code in brackets."""
    return " ".join(_BRACKETED.sub(" ", STATUS_TEXTS[status].title).split())


def _phrases() -> dict[str, KtpStatus]:
    table: dict[str, KtpStatus] = {}
    for status in KtpStatus:
        table[_key(staff_name(status))] = status
    for spelling, status in EXPORT_SPELLINGS.items():
        table[_key(spelling)] = status
    table.update({_key(words): status for words, status in EVERYDAY_WORDS.items()})
    return table


#: Every Indonesian phrase known for a status, lower case, words separated by one space.
STATUS_PHRASES: dict[str, KtpStatus] = _phrases()
_LONGEST = max(len(phrase.split()) for phrase in STATUS_PHRASES)

#: The examples an unknown word is answered with: (what staff may write, the status).
EXAMPLES: tuple[tuple[str, KtpStatus], ...] = (
    ("siap cetak", KtpStatus.PRINT_READY_RECORD),
    ("dicetak", KtpStatus.CARD_PRINTED),
    ("rekaman ganda", KtpStatus.DUPLICATE_RECORD),
    ("dikirim ke pusat", KtpStatus.SENT_FOR_ENROLLMENT),
    ("diambil", KtpStatus.CARD_ISSUED),
)


def read_status_words(words: list[str]) -> tuple[KtpStatus, list[str]]:
    """The status at the start of `words` and the words after it (the note).

    The longest known phrase wins, whether a code ("PRINT_READY_RECORD", "print ready record",
    "PRR"), an export spelling or an Indonesian name ("siap cetak", "sudah dicetak"). Raises
    UnknownStatusError with the closest statuses when nothing at the start is a status.
    """
    for size in range(min(_LONGEST, len(words)), 0, -1):
        head = words[:size]
        found = STATUS_PHRASES.get(_key(" ".join(head)))
        if found is None and size <= 4:
            try:
                found = parse_status(" ".join(head))
            except UnknownStatusError:
                found = None
        if found is not None:
            return found, words[size:]
    given = words[0] if words else ""
    suggestions: list[KtpStatus] = []
    for size in (1, min(3, len(words))):
        text = " ".join(words[:size])
        near = [STATUS_PHRASES[p] for p in _close_phrases(_key(text))]
        for status in near + suggest_statuses(text):
            if status not in suggestions:
                suggestions.append(status)
    raise UnknownStatusError(given, suggestions[:3])


def _close_phrases(key: str) -> list[str]:
    if not key:
        return []
    return difflib.get_close_matches(key, list(STATUS_PHRASES), n=3, cutoff=0.75)
