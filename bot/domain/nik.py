"""NIK and Nomor KK: normalise what people type, validate it, derive region, birth date, sex."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

LENGTH = 16

#: Province codes (the first two digits) of Indonesia, as used in NIK.
PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua Barat",
    "92": "Papua Barat Daya",
    "94": "Papua",
    "95": "Papua Selatan",
    "96": "Papua Tengah",
    "97": "Papua Pegunungan",
}

MUSI_RAWAS = "1605"

#: Districts (kecamatan) of Kabupaten Musi Rawas, by the two digits after 16.05.
MUSI_RAWAS_DISTRICTS: dict[str, str] = {
    "01": "Tugumulyo",
    "02": "Muara Lakitan",
    "03": "Muara Kelingi",
    "08": "Jayaloka",
    "09": "Muara Beliti",
    "10": "STL Ulu Terawas",
    "11": "Selangit",
    "12": "Megang Sakti",
    "13": "Purwodadi",
    "14": "BTS Ulu",
    "18": "Tiang Pumpung Kepungut",
    "19": "Sumber Harta",
    "20": "Tuah Negeri",
    "21": "Suka Karya",
}


def district_name(code: str) -> str | None:
    """A Musi Rawas kecamatan's name, from its six-digit code ("160501") or its own two digits
    ("01"); None for a district of another regency or a code that names none."""
    if len(code) == 6:
        if code[:4] != MUSI_RAWAS:
            return None
        code = code[4:]
    return MUSI_RAWAS_DISTRICTS.get(code) if len(code) == 2 else None


class Problem(StrEnum):
    """Why a NIK or KK number was refused; texts_id turns each into a sentence."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    WRONG_LENGTH = "wrong_length"
    UNKNOWN_PROVINCE = "unknown_province"
    IMPOSSIBLE_BIRTH_DATE = "impossible_birth_date"
    ZERO_SERIAL = "zero_serial"
    ZERO_REGION = "zero_region"


class InvalidNumberError(ValueError):
    """A NIK or KK that cannot be right; `problem` says why, `detail` carries the facts."""

    def __init__(self, kind: str, problem: Problem, **detail: object) -> None:
        self.kind = kind  # "nik" or "kk"
        self.problem = problem
        self.detail = detail
        super().__init__(f"invalid {kind}: {problem.value} {detail}")


# Characters people paste between digits: spaces of every kind, dots, dashes, slashes, zero-width.
_IGNORABLE = re.compile(r"[\s.\-‐‑‒–—―_/,:|·•\u200b\u200c\u200d\u2060\ufeff\u00ad]+")


def _normalise_once(text: str) -> str:
    out: list[str] = []
    for ch in _IGNORABLE.sub("", unicodedata.normalize("NFKC", text)):
        if ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
        elif unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp", "Cc"):
            continue
        else:
            out.append(ch)
    return "".join(out)


#: What normalising does to ASCII text, character by character (NFKC leaves ASCII as it is, so
#: each character is either kept or dropped): the characters it drops.
_ASCII_DROPPED = {c: None for c in range(128) if not _normalise_once(chr(c))}


def normalise(text: str) -> str:
    """Map every Unicode decimal digit to ASCII and drop separators and invisible characters.

    Letters and other symbols are kept so validation can say they are there. Normalising twice
    gives the same result as normalising once.
    """
    if text.isascii():  # the usual case (a typed or exported number): no Unicode pass needed
        return text if text.isdigit() else text.translate(_ASCII_DROPPED)
    result = _normalise_once(text)
    # Dropping a separator can let two neighbours combine under NFKC (a letter and an accent):
    # repeat until nothing changes (in practice at most one more round).
    for _ in range(8):
        again = _normalise_once(result)
        if again == result:
            break
        result = again
    return result


def _check_digits(kind: str, text: str) -> str:
    digits = normalise(text)
    if not digits:
        raise InvalidNumberError(kind, Problem.EMPTY)
    if not digits.isdigit():
        bad = "".join(dict.fromkeys(ch for ch in digits if not ch.isdigit()))
        raise InvalidNumberError(kind, Problem.NOT_DIGITS, characters=bad[:10])
    if len(digits) != LENGTH:
        raise InvalidNumberError(kind, Problem.WRONG_LENGTH, length=len(digits))
    if digits[:2] not in PROVINCES:
        raise InvalidNumberError(kind, Problem.UNKNOWN_PROVINCE, province=digits[:2])
    if digits[2:4] == "00":
        raise InvalidNumberError(kind, Problem.ZERO_REGION)
    return digits


@dataclass(frozen=True, slots=True)
class Nik:
    """A valid NIK and what it says about its holder."""

    digits: str
    birth_date: date
    female: bool

    @property
    def province(self) -> str:
        return self.digits[:2]

    @property
    def regency(self) -> str:
        """Province + regency, e.g. "1605" for Musi Rawas."""
        return self.digits[:4]

    @property
    def district(self) -> str:
        """Province + regency + district, e.g. "160501" for Tugumulyo."""
        return self.digits[:6]

    @property
    def serial(self) -> str:
        return self.digits[12:]

    @property
    def province_name(self) -> str:
        return PROVINCES[self.province]

    @property
    def district_name(self) -> str | None:
        return district_name(self.digits[:6])

    def age_on(self, today: date) -> int:
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birth_date(digits: str, today: date) -> tuple[date, bool]:
    raw_day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    female = raw_day > 40
    day = raw_day - 40 if female else raw_day
    # Two-digit year: the most recent century that does not put the birth in the future.
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    for candidate in (year, year - 100):
        try:
            born = date(candidate, month, day)
        except ValueError:
            continue
        if born <= today:
            return born, female
    raise InvalidNumberError(
        "nik",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        digits=digits[6:12],
        raw_day=raw_day,
        day=day,
        month=month,
        year=year,
        female=female,
    )


def _valid_nik(text: str, today: date | None) -> tuple[str, date, bool]:
    digits = _check_digits("nik", text)
    born, female = _birth_date(digits, today or date.today())
    if digits[12:] == "0000":
        raise InvalidNumberError("nik", Problem.ZERO_SERIAL)
    return digits, born, female


def parse_nik(text: str, today: date | None = None) -> Nik:
    """Normalise and validate a NIK; raise InvalidNumberError with the precise problem."""
    digits, born, female = _valid_nik(text, today)
    return Nik(digits=digits, birth_date=born, female=female)


def nik_digits(text: str, today: date | None = None) -> str:
    """The 16 digits of a valid NIK: `parse_nik(text, today).digits` without making a Nik
    (the import checks every person's NIK and needs only the digits)."""
    return _valid_nik(text, today)[0]


def parse_kk(text: str) -> str:
    """Normalise and validate a Nomor KK (family card number); return its 16 digits."""
    digits = _check_digits("kk", text)
    if digits[12:] == "0000":
        raise InvalidNumberError("kk", Problem.ZERO_SERIAL)
    return digits


_DIGIT_RUN = re.compile(r"\d[\d\s.\-‐‑–—_/\u200b\u200c\u200d\u2060\ufeff]*\d|\d")
_CHUNK_BREAK = re.compile(r"[\n,;]+")


def split_numbers(text: str) -> list[str]:
    """Find the number-like runs in a message ("NIK KK" in one line), each normalised.

    A run of exactly 32 digits is taken as NIK followed by KK.
    """
    if not text.isascii():  # ASCII (the usual message) is already NFKC, with ASCII digits
        text = unicodedata.normalize("NFKC", text)
        text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    runs: list[str] = []
    for chunk in _CHUNK_BREAK.split(text):
        for match in _DIGIT_RUN.finditer(chunk):
            digits = normalise(match.group())
            if len(digits) == 2 * LENGTH:
                runs.extend([digits[:LENGTH], digits[LENGTH:]])
            elif digits:
                runs.append(digits)
    return runs
