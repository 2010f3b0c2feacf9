"""NIK and Nomor KK: what residents type, what is accepted, and the exact reason when it is not."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.nik import (
    MUSI_RAWAS_DISTRICTS,
    PROVINCES,
    InvalidNumberError,
    Problem,
    district_name,
    normalise,
    parse_kk,
    parse_nik,
    split_numbers,
)
from bot.handlers.render import html
from bot.texts_id import nik_problem

TODAY = date(2024, 6, 1)
NIK = "1605011201900001"  # a man from Tugumulyo, born 12 January 1990
KK = "1605010203150007"

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def nik_reason(text: str) -> str:
    with pytest.raises(InvalidNumberError) as caught:
        parse_nik(text, today=TODAY)
    assert caught.value.kind == "nik"
    return nik_problem(caught.value)


def kk_reason(text: str) -> str:
    with pytest.raises(InvalidNumberError) as caught:
        parse_kk(text)
    assert caught.value.kind == "kk"
    return nik_problem(caught.value)


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        NIK,
        "1605 0112 0190 0001",
        "1605.0112.0190.0001",
        "16.05.01.120190.0001",
        "1605-0112-0190-0001",
        "1605–0112—0190‑0001",  # en dash, em dash, non-breaking hyphen
        "  1605011201900001\n",
        "1605\u00a00112\u00a00190\u00a00001",  # no-break spaces
        "1605\t0112 0190\t0001",
        "1605\u200b0112\u200c0190\u200d0001\ufeff",  # zero-width characters
        "\u20601605011201900001\u00ad",  # word joiner, soft hyphen
        NIK.translate(ARABIC_INDIC),
        NIK.translate(PERSIAN),
        NIK.translate(DEVANAGARI),
        NIK.translate(FULLWIDTH),
        "1605 0112 " + "0190 0001".translate(ARABIC_INDIC),  # mixed scripts
    ],
)
def test_a_nik_typed_in_many_ways_is_accepted(typed: str) -> None:
    nik = parse_nik(typed, today=TODAY)
    assert nik.digits == NIK
    assert nik.birth_date == date(1990, 1, 12)
    assert not nik.female


def test_what_a_nik_says() -> None:
    nik = parse_nik(NIK, today=TODAY)
    assert (nik.province, nik.regency, nik.district, nik.serial) == ("16", "1605", "160501", "0001")
    assert nik.province_name == "Sumatera Selatan"
    assert nik.district_name == "Tugumulyo"
    assert nik.age_on(TODAY) == 34
    assert nik.age_on(date(2024, 1, 11)) == 33
    assert nik.age_on(date(2024, 1, 12)) == 34


def test_a_woman_has_forty_added_to_her_birth_day() -> None:
    nik = parse_nik("1605095201900003", today=TODAY)
    assert nik.female
    assert nik.birth_date == date(1990, 1, 12)
    assert nik.district_name == "Muara Beliti"


@pytest.mark.parametrize(
    ("typed", "born", "female"),
    [
        ("1605012902000001", date(2000, 2, 29), False),  # 29 Feb in a leap year
        ("1605016902960001", date(1996, 2, 29), True),  # the same for a woman: 29 + 40
        ("1605017112990001", date(1999, 12, 31), True),  # 31 + 40 = 71, the largest day
        ("1605010101240001", date(2024, 1, 1), False),  # a baby: NIK from birth
        ("1605010107300001", date(1930, 7, 1), False),  # "30" cannot be 2030: it is 1930
        ("1605010106240001", date(2024, 6, 1), False),  # born today
        ("1605010206240001", date(1924, 6, 2), False),  # tomorrow in 2024 means 1924
    ],
)
def test_birth_dates(typed: str, born: date, female: bool) -> None:
    nik = parse_nik(typed, today=TODAY)
    assert (nik.birth_date, nik.female) == (born, female)


@pytest.mark.parametrize(
    ("typed", "district_name"),
    [
        ("1673011201900001", None),  # Lubuklinggau: split off, still welcome
        ("1613041201900001", None),  # Musi Rawas Utara
        ("3273011201900001", None),  # Bandung, Jawa Barat
        ("3201011201900001", None),  # Kabupaten Bogor
        ("1605211201900001", "Suka Karya"),
        ("1605991201900001", None),  # a district code we do not know is not refused
    ],
)
def test_a_nik_from_anywhere_is_accepted(typed: str, district_name: str | None) -> None:
    nik = parse_nik(typed, today=TODAY)
    assert nik.digits == typed
    assert nik.district_name == district_name


def test_district_table_of_the_design() -> None:
    assert len(MUSI_RAWAS_DISTRICTS) == 14
    assert MUSI_RAWAS_DISTRICTS["18"] == "Tiang Pumpung Kepungut"
    assert PROVINCES["16"] == "Sumatera Selatan"


# --- refused, with the exact reason ------------------------------------------------------------

NIK_REASONS: list[tuple[str, Problem, dict[str, object], str]] = [
    (
        "160501120190001",
        Problem.WRONG_LENGTH,
        {"length": 15},
        "NIK harus 16 angka, tetapi ini 15 angka. Mungkin ada angka yang terlewat.",
    ),
    (
        "1605 0112 0190 00011",
        Problem.WRONG_LENGTH,
        {"length": 17},
        "NIK harus 16 angka, tetapi ini 17 angka. Mungkin ada angka yang terketik dua kali.",
    ),
    (
        "16050112019000011605010203150007",
        Problem.WRONG_LENGTH,
        {"length": 32},
        "NIK harus 16 angka, tetapi ini 32 angka."
        " Bila itu NIK dan Nomor KK, beri spasi di antara keduanya.",
    ),
    (
        "",
        Problem.EMPTY,
        {},
        "NIK belum ada. Ketik 16 angka NIK di KTP atau Kartu Keluarga.",
    ),
    (" . - \u200b", Problem.EMPTY, {}, None),
    (
        "16O5011201900001",
        Problem.NOT_DIGITS,
        {"characters": "O"},
        "Di NIK itu ada huruf <b>O</b>; NIK hanya berisi angka. Huruf O mungkin angka 0.",
    ),
    (
        "NIK1605011201900001",
        Problem.NOT_DIGITS,
        {"characters": "NIK"},
        "Di NIK itu ada huruf <b>N</b>, <b>I</b> dan <b>K</b>; NIK hanya berisi angka."
        " Huruf I mungkin angka 1.",
    ),
    (
        "1605<01>1201900001",
        Problem.NOT_DIGITS,
        {"characters": "<>"},
        "Di NIK itu ada tanda <b>&lt;</b> dan <b>&gt;</b>; NIK hanya berisi angka.",
    ),
    (
        "9905011201900001",
        Problem.UNKNOWN_PROVINCE,
        {"province": "99"},
        "Dua angka pertama NIK (99) bukan kode provinsi. Di Sumatera Selatan, NIK mulai dengan 16.",
    ),
    (
        "1600011201900001",
        Problem.ZERO_REGION,
        {},
        "Angka ke-3 dan ke-4 NIK tidak mungkin 00. Di Musi Rawas, awalnya 1605.",
    ),
    (
        "1605013201900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"raw_day": 32, "month": 1},
        "Angka ke-7 sampai ke-12 NIK (320190) tidak mungkin benar.",
    ),
    (
        "1605010001900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"raw_day": 0, "month": 1},
        None,
    ),
    (
        "1605017201900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"raw_day": 72, "month": 1, "female": True},
        None,
    ),
    (
        "1605011213900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"month": 13},
        "Angka ke-7 sampai ke-12 NIK (121390) tidak mungkin benar.",
    ),
    (
        "1605011200900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"month": 0},
        None,
    ),
    (
        "1605012902010001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"day": 29, "month": 2, "year": 2001},
        "Angka ke-7 sampai ke-12 NIK (290201) tidak mungkin benar.",
    ),
    (
        "1605013104900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"day": 31, "month": 4},
        "Angka ke-7 sampai ke-12 NIK (310490) tidak mungkin benar.",
    ),
    (
        "1605017002900001",
        Problem.IMPOSSIBLE_BIRTH_DATE,
        {"raw_day": 70, "day": 30, "month": 2, "female": True},
        "Angka ke-7 sampai ke-12 NIK (700290) tidak mungkin benar.",
    ),
    (
        "1605011201900000",
        Problem.ZERO_SERIAL,
        {},
        "Empat angka terakhir NIK tidak mungkin 0000.",
    ),
]


@pytest.mark.parametrize(("typed", "problem", "detail", "reason"), NIK_REASONS)
def test_a_wrong_nik_gets_its_own_reason(
    typed: str, problem: Problem, detail: dict[str, object], reason: str | None
) -> None:
    with pytest.raises(InvalidNumberError) as caught:
        parse_nik(typed, today=TODAY)
    assert caught.value.problem is problem
    assert detail.items() <= caught.value.detail.items()
    if reason is not None:
        assert html(nik_problem(caught.value)) == reason  # as Telegram shows it


def test_an_impossible_birth_date_is_named_without_teaching_the_rules() -> None:
    for typed in ("1605010001900001", "1605017201900001", "1605013501900001", "1605011200900001"):
        reason = nik_reason(typed)
        assert f"({typed[6:12]}) tidak mungkin benar" in reason
        assert "40" not in reason and "perempuan" not in reason and "laki-laki" not in reason


def test_a_wrong_nik_is_one_or_two_short_sentences() -> None:
    for typed, *_ in NIK_REASONS:
        if typed.strip(" .-\u200b"):
            reason = nik_reason(typed)
            assert 1 <= len(re.findall(r"[.!?](?:\s|$)", reason)) <= 2, reason
            assert len(reason.split()) <= 25, reason


def test_every_reason_is_different() -> None:
    reasons = [nik_reason(typed) for typed, problem, *_ in NIK_REASONS if typed.strip(" .-\u200b")]
    assert len(set(reasons)) == len(reasons)


KK_REASONS: list[tuple[str, Problem, str]] = [
    (
        "160501020315007",
        Problem.WRONG_LENGTH,
        "Nomor KK harus 16 angka, tetapi ini 15 angka. Mungkin ada angka yang terlewat.",
    ),
    (
        "16050102031500071",
        Problem.WRONG_LENGTH,
        "Nomor KK harus 16 angka, tetapi ini 17 angka. Mungkin ada angka yang terketik dua kali.",
    ),
    ("", Problem.EMPTY, "Nomor KK belum ada. Ketik 16 angka di bagian atas Kartu Keluarga."),
    (
        "1605O10203150007",
        Problem.NOT_DIGITS,
        "Di Nomor KK itu ada huruf <b>O</b>; Nomor KK hanya berisi angka. Huruf O mungkin angka 0.",
    ),
    (
        "0005010203150007",
        Problem.UNKNOWN_PROVINCE,
        "Dua angka pertama Nomor KK (00) bukan kode provinsi."
        " Di Sumatera Selatan, Nomor KK mulai dengan 16.",
    ),
    (
        "1605010203150000",
        Problem.ZERO_SERIAL,
        "Empat angka terakhir Nomor KK tidak mungkin 0000.",
    ),
]


@pytest.mark.parametrize(("typed", "problem", "reason"), KK_REASONS)
def test_a_wrong_kk_gets_its_own_reason(typed: str, problem: Problem, reason: str) -> None:
    with pytest.raises(InvalidNumberError) as caught:
        parse_kk(typed)
    assert caught.value.problem is problem
    assert html(nik_problem(caught.value)) == reason  # as Telegram shows it


@pytest.mark.parametrize(
    "typed",
    [
        KK,
        "1605 0102 0315 0007",
        "1605.0102.0315.0007",
        KK.translate(ARABIC_INDIC),
        "1605\u200b010203150007",
    ],
)
def test_a_kk_typed_in_many_ways_is_accepted(typed: str) -> None:
    assert parse_kk(typed) == KK


def test_a_kk_is_not_read_as_a_birth_date() -> None:
    # Digits 7-12 of a KK are the day it was issued, not a birth date: 32 there is not checked.
    assert parse_kk("1605013213150007") == "1605013213150007"


def test_nik_and_kk_reasons_are_worded_differently() -> None:
    for nik_input, kk_input in [("160501120190001", "160501020315007"), ("", "")]:
        assert nik_reason(nik_input) != kk_reason(kk_input)
        assert nik_reason(nik_input).startswith("NIK")
        assert kk_reason(kk_input).startswith("Nomor KK")


# --- finding numbers in a message ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "numbers"),
    [
        (NIK, [NIK]),
        (f"{NIK} {KK}", [NIK, KK]),
        (f"NIK: {NIK}\nKK: {KK}", [NIK, KK]),
        ("1605 0112 0190 0001 1605 0102 0315 0007", [NIK, KK]),
        (f"{NIK},{KK}", [NIK, KK]),
        (f"{NIK};{KK}", [NIK, KK]),
        (NIK + KK, [NIK, KK]),
        (f"{NIK} {KK}".translate(ARABIC_INDIC), [NIK, KK]),
        ("nik saya 1605.0112.0190.0001 ya pak", [NIK]),
        ("halo", []),
        ("", []),
    ],
)
def test_split_numbers(message: str, numbers: list[str]) -> None:
    assert split_numbers(message) == numbers


# --- properties ----------------------------------------------------------------------------------

# Text with the characters that matter here: digits of several scripts, separators, invisible
# characters, letters with accents that NFKC combines, and anything else.
tricky = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩۰१०１ .-–_/,;:\n\t\u00a0\u200b\u200d\ufeff\u00ad"),
        st.sampled_from("aeOoIlxK\u0301\u0308\u1100\u1161\u11a8ﬁ²①㎏"),
        st.characters(),
    ),
    max_size=40,
)


@given(tricky)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(tricky)
def test_parse_nik_raises_only_its_own_error(text: str) -> None:
    try:
        nik = parse_nik(text, today=TODAY)
    except InvalidNumberError as err:
        assert err.kind == "nik"
        assert nik_problem(err)
    else:
        assert len(nik.digits) == 16 and nik.digits.isascii() and nik.digits.isdigit()


@given(tricky)
def test_parse_kk_raises_only_its_own_error(text: str) -> None:
    try:
        kk = parse_kk(text)
    except InvalidNumberError as err:
        assert err.kind == "kk"
        assert nik_problem(err)
    else:
        assert len(kk) == 16 and kk.isascii() and kk.isdigit()


@given(tricky)
def test_split_numbers_never_fails_and_gives_digits(text: str) -> None:
    for run in split_numbers(text):
        assert run.isascii() and run.isdigit()


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, date, bool]:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    regency = draw(st.integers(1, 99))
    district = draw(st.integers(0, 99))
    born = draw(st.dates(min_value=date(1925, 1, 1), max_value=TODAY))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = born.day + 40 if female else born.day
    digits = f"{province}{regency:02d}{district:02d}{day:02d}{born:%m%y}{serial:04d}"
    return digits, born, female


@given(valid_niks(), st.lists(st.sampled_from([" ", ".", "-", "\u200b", "\u00a0"]), max_size=16))
def test_a_valid_nik_with_separators_reads_back_its_facts(
    case: tuple[str, date, bool], separators: list[str]
) -> None:
    digits, born, female = case
    typed = "".join(
        d + (separators[i] if i < len(separators) else "") for i, d in enumerate(digits)
    )
    nik = parse_nik(typed, today=TODAY)
    assert (nik.digits, nik.birth_date, nik.female) == (digits, born, female)


def test_one_district_name_for_every_spelling_of_a_district() -> None:
    assert district_name("09") == district_name("160509") == "Muara Beliti"
    assert district_name("167109") is None  # another regency
    assert district_name("99") is None and district_name("1605") is None
