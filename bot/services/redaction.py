"""One redaction for every free text the bot keeps: import `keterangan`, `/ubah` notes, a
and the names of imported files; what must go out to residents without a NIK or KK.

Two rules, each written once. A note the bot keeps about a record (an import's `keterangan`, an
`/ubah` note) goes through `clean_note`: numbers and the name are masked, never refused (an
import row is not lost for a number in its remark). A text that goes out to residents (an
announcement, a visit's place and note) must carry no NIK or KK at all (`carries_id_number`):
it is refused, so staff rewrite it, and the phone numbers it gives residents stay as written.

- Any NIK/KK-like run of digits, in any grouping (spaces, `.`, `-`, `/`, `_`, `,`, `:` between
  groups), of ten digits or more is masked as a NIK is shown (`1605••••••••0012`). Dates and
  short numbers stay as written.
- The record's own name, word by word, becomes initials (`Siti` -> `S•••`), wherever it appears;
  so does any other name-like run of words (`bot.domain.names`: "oleh Siti Aminah", "binti
  Ahmad").
- Notes are at most MAX_NOTE characters.

Linear in the text: the patterns never backtrack, and names are matched as one alternation.
"""

from __future__ import annotations

import re

from bot.domain.names import reduce_names
from bot.domain.privacy import mask_nik

MAX_NOTE = 500
#: Sixteen digits, perhaps written in groups ("1605 0141 0190 0001", "1605.01..."): a NIK or KK.
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")
#: Digits of a NIK/KK-like run at least this many are masked.
MIN_MASKED_DIGITS = 10
#: A run of digits with up to three separator characters between groups.
_NUMBER_RUN = re.compile(r"\d(?:[\s./_,:\-‐‑–—|]{0,3}+\d)*+")
#: Only this much of a name is used (a real name is far shorter).
_NAME_WORDS = 12


def _mask_run(match: re.Match[str]) -> str:
    digits = "".join(ch for ch in match.group() if ch.isdigit())
    if len(digits) < MIN_MASKED_DIGITS:
        return match.group()
    return mask_nik(digits)


def mask_numbers(text: str) -> str:
    """Every NIK/KK-like run of digits in `text` masked (see the module's docstring)."""
    return _NUMBER_RUN.sub(_mask_run, text)


_WORD = re.compile(r"[^\W\d_]+")


def mask_name_words(text: str, name: str | None) -> str:
    """Each word of `name` (two letters or more) found in `text` replaced by its initial."""
    if not name or not text:
        return text
    words = {w.casefold() for w in _WORD.findall(name[:200])[:_NAME_WORDS] if len(w) > 1}
    if not words:
        return text
    return _WORD.sub(
        lambda m: m.group()[0].upper() + "•••" if m.group().casefold() in words else m.group(),
        text,
    )


def clean_note(text: str | None, name: str | None = None, limit: int = MAX_NOTE) -> str | None:
    """A note as stored: spaces collapsed, numbers and the record's name masked, at most
    `limit` characters; None when nothing is left."""
    if not text or text.isspace():
        return None
    note = " ".join(text[: limit * 4].split())
    note = mask_name_words(reduce_names(mask_numbers(note)), name)[:limit].strip()
    return note or None


def carries_id_number(text: str) -> bool:
    """Whether `text` holds a NIK or KK (sixteen digits, perhaps in groups)."""
    return _ID_NUMBER.search(text) is not None


def redact_file_name(name: str) -> str:
    """A file name as it may be kept (e.g. `1605…_nama.csv` loses its number)."""
    return mask_numbers(name)[:100]
