"""What residents and staff read about statuses, dates and numbers (the Indonesian texts)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.states import ALL_STATUSES, Actor, KtpStatus, Stage, UnknownStatusError, parse_status
from bot.texts_id import (
    ACTOR_NAMES,
    STAGE_NAMES,
    STATUS_CODES_HELP,
    STATUS_TEXTS,
    STATUS_TEXTS_FILE,
    StatusText,
    StatusTextsError,
    format_ago,
    format_date,
    format_datetime,
    format_days,
    format_number,
    format_short_date,
    format_time,
    load_status_texts,
    stage_track,
    status_reason,
)

S = KtpStatus
PARTS = [f.name for f in fields(StatusText)]


# --- formatting ----------------------------------------------------------------------------------


def test_dates_the_indonesian_way() -> None:
    assert format_date(date(2019, 1, 28)) == "Senin, 28 Januari 2019"
    assert format_date(date(2024, 8, 17)) == "Sabtu, 17 Agustus 2024"
    assert format_short_date(date(2019, 1, 28)) == "28 Januari 2019"


def test_numbers_the_indonesian_way() -> None:
    assert format_number(11000) == "11.000"
    assert format_number(6000) == "6.000"
    assert format_number(1234567) == "1.234.567"
    assert format_number(12.5) == "12,5"
    assert format_number(7) == "7"


def test_times_are_local_to_the_office() -> None:
    utc = datetime(2019, 1, 28, 7, 5, tzinfo=UTC)
    assert format_datetime(utc, "Asia/Jakarta") == "Senin, 28 Januari 2019 pukul 14.05 WIB"
    assert format_datetime(utc, "Asia/Makassar") == "Senin, 28 Januari 2019 pukul 15.05 WITA"
    assert format_time(datetime(2024, 3, 4, 23, 0, tzinfo=UTC), "Asia/Jakarta") == "06.00"
    # Late in the UTC evening it is already the next day in Musi Rawas.
    late = datetime(2019, 1, 27, 20, 30, tzinfo=UTC)
    assert format_datetime(late, "Asia/Jakarta") == "Senin, 28 Januari 2019 pukul 03.30 WIB"
    # The clock works in UTC: a time without zone is read as UTC.
    assert format_time(datetime(2024, 3, 4, 23, 0), "Asia/Jakarta") == "06.00"


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (12, "12 hari"),
        (12.4, "12 hari"),
        (1, "1 hari"),
        (0.3, "kurang dari 1 hari"),
        (1250, "1.250 hari"),
    ],
)
def test_days(days: float, text: str) -> None:
    assert format_days(days) == text


TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("then", "text"),
    [
        (TODAY, "hari ini"),
        (TODAY - timedelta(days=1), "kemarin"),
        (TODAY - timedelta(days=5), "5 hari lalu"),
        (TODAY - timedelta(days=21), "3 minggu lalu"),
        (date(2024, 3, 1), "3 bulan lalu"),
        (date(2023, 6, 2), "11 bulan lalu"),
        (date(2022, 5, 1), "2 tahun lalu"),
        (TODAY + timedelta(days=1), "besok"),
    ],
)
def test_how_long_ago(then: date, text: str) -> None:
    assert format_ago(then, TODAY) == text


# --- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_status_has_all_five_texts(status: KtpStatus) -> None:
    text = STATUS_TEXTS[status]
    for part in PARTS:
        value = getattr(text, part)
        assert isinstance(value, str) and value.strip(), (status, part)


@pytest.mark.parametrize("part", PARTS)
def test_no_two_statuses_share_a_text(part: str) -> None:
    values = [getattr(STATUS_TEXTS[s], part) for s in ALL_STATUSES]
    assert len(set(values)) == len(ALL_STATUSES), part


def test_texts_exist_for_exactly_the_eighteen_codes() -> None:
    assert set(STATUS_TEXTS) == set(KtpStatus)


# --- the data file office staff edit (bot/status_texts.toml) -------------------------------------

STATUS_FILE = resources.files("bot").joinpath(STATUS_TEXTS_FILE)


def test_the_file_has_every_text_of_every_status() -> None:
    data = tomllib.loads(STATUS_FILE.read_text(encoding="utf-8"))
    assert set(data) == {s.value for s in KtpStatus}
    for status in ALL_STATUSES:
        table = data[status.value]
        assert set(table) == set(PARTS), status
        for part in PARTS:
            assert isinstance(table[part], str) and table[part].strip(), (status, part)


def test_the_file_is_what_residents_read() -> None:
    data = tomllib.loads(STATUS_FILE.read_text(encoding="utf-8"))
    for status in ALL_STATUSES:
        for part in PARTS:
            # Line breaks in the file only wrap a long text: it is read as one paragraph.
            assert getattr(STATUS_TEXTS[status], part) == " ".join(data[status.value][part].split())


def _broken_copy(tmp_path: Path, change: str, into: str) -> Path:
    text = STATUS_FILE.read_text(encoding="utf-8")
    assert change in text
    path = tmp_path / "status_texts.toml"
    path.write_text(text.replace(change, into, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "into", "said"),
    [
        ("[SENT_FOR_DEDUP]", "[SENT_FOR_DEDUB]", "status SENT_FOR_DEDUP is missing"),
        ("[SENT_FOR_DEDUP]", "[SENT_FOR_DEDUB]", "unknown status code(s): SENT_FOR_DEDUB"),
        ('title = "Siap cetak (PRR)"', "", "[PRINT_READY_RECORD] has no 'title' text"),
        ('title = "Siap cetak (PRR)"', 'titel = "Siap cetak (PRR)"', "unknown text(s): titel"),
        ('title = "Siap cetak (PRR)"', 'title = "  "', "[PRINT_READY_RECORD] has no 'title'"),
        ('title = "Siap cetak (PRR)"', 'title = "Siap cetak (PRR)', "cannot be read as TOML"),
    ],
)
def test_a_broken_file_stops_the_bot_saying_what_is_wrong(
    tmp_path: Path, change: str, into: str, said: str
) -> None:
    with pytest.raises(StatusTextsError) as caught:
        load_status_texts(_broken_copy(tmp_path, change, into))
    assert said in str(caught.value)
    assert "status_texts.toml" in str(caught.value)


def test_a_missing_file_stops_the_bot(tmp_path: Path) -> None:
    with pytest.raises(StatusTextsError, match="cannot be read"):
        load_status_texts(tmp_path / "status_texts.toml")


def all_sentences() -> list[str]:
    found: list[str] = []
    for status in ALL_STATUSES:
        for part in PARTS:
            found.extend(re.split(r"(?<=[.!?:])\s+", getattr(STATUS_TEXTS[status], part)))
    return found


def test_sentences_are_short() -> None:
    for sentence in all_sentences():
        assert len(sentence.split()) <= 30, sentence


def test_titles_fit_a_phone_line() -> None:
    for status in ALL_STATUSES:
        assert len(STATUS_TEXTS[status].title) <= 32, status


@pytest.mark.parametrize(
    "jargon",
    [
        "enrollment",
        "enroll",
        "dedup",
        "adjudicat",
        "biometrik",
        "data center",
        "verifikasi",
        "validasi",
        "server",
        "record",
    ],
)
def test_no_jargon_for_residents(jargon: str) -> None:
    for status in ALL_STATUSES:
        for part in PARTS:
            assert jargon not in getattr(STATUS_TEXTS[status], part).lower(), (status, part)


def test_abbreviations_staff_use_are_explained() -> None:
    assert "PRR" in STATUS_TEXTS[S.PRINT_READY_RECORD].meaning
    assert "siap cetak" in STATUS_TEXTS[S.PRINT_READY_RECORD].meaning
    assert "DR" in STATUS_TEXTS[S.DUPLICATE_RECORD].meaning
    assert "data ganda" in STATUS_TEXTS[S.DUPLICATE_RECORD].meaning
    # De-duplication, said in words: one person, one record.
    assert "satu orang hanya punya satu data" in STATUS_TEXTS[S.SENT_FOR_DEDUP].meaning


def test_only_bold_and_italic_markup() -> None:
    for status in ALL_STATUSES:
        for part in PARTS:
            value = getattr(STATUS_TEXTS[status], part)
            bare = re.sub(r"</?[bi]>", "", value)
            assert "<" not in bare and ">" not in bare and "&" not in bare, (status, part)


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s.facts.resident_must_come])
def test_when_the_resident_must_come_the_text_says_what_to_bring(status: KtpStatus) -> None:
    todo = STATUS_TEXTS[status].what_to_do
    assert "Bawa" in todo
    assert "Kartu Keluarga (KK) asli" in todo
    assert "tidak perlu datang" not in todo.lower()


def test_problems_name_the_proof_of_recording() -> None:
    for status in (S.DUPLICATE_RECORD, S.ADJUDICATE_RECORD, S.REQUEST_VALIDATION, S.CARD_PRINTED):
        todo = STATUS_TEXTS[status].what_to_do
        assert "KTP lama" in todo and "surat keterangan" in todo and "bukti perekaman" in todo


@pytest.mark.parametrize(
    "status",
    [
        s
        for s in ALL_STATUSES
        if not s.facts.resident_must_come and s not in (S.CARD_SHIPPED, S.CARD_ISSUED)
    ],
)
def test_when_nothing_is_needed_the_text_says_wait(status: KtpStatus) -> None:
    todo = STATUS_TEXTS[status].what_to_do.lower()
    assert "tidak perlu datang" in todo
    assert "tunggu kabar" in todo or "memberi tahu" in todo


def test_why_slow_names_the_real_causes() -> None:
    assert "jaringan" in STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].why_slow
    assert "blanko" in STATUS_TEXTS[S.PRINT_READY_RECORD].why_slow
    assert "kartu kosong" in STATUS_TEXTS[S.PRINT_READY_RECORD].why_slow
    assert "mesin cetak" in STATUS_TEXTS[S.SENT_FOR_CARD_PRINTING].why_slow


def test_who_acts_agrees_with_the_facts() -> None:
    for status in ALL_STATUSES:
        who = STATUS_TEXTS[status].who_acts
        match status.facts.actor:
            case Actor.CENTRAL:
                assert "pusat" in who.lower(), status
            case Actor.OFFICE:
                assert "Disdukcapil" in who, status
            case Actor.RESIDENT:
                assert "Anda" in who, status
            case Actor.RESIDENT_AND_OFFICE:
                assert "Anda" in who and "Disdukcapil" in who, status
            case Actor.NOBODY:
                assert "selesai" in who, status


def test_names_of_stages_and_actors() -> None:
    assert set(STAGE_NAMES) == set(Stage)
    assert set(ACTOR_NAMES) == set(Actor)
    assert all(STAGE_NAMES.values()) and all(ACTOR_NAMES.values())


@pytest.mark.parametrize(
    ("status", "track"),
    [
        (S.UNREGISTERED, "👉 Rekam › ⬜ Kirim › ⬜ Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.BIO_CAPTURED, "🔄 Rekam › ⬜ Kirim › ⬜ Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.SENT_FOR_ENROLLMENT, "✅ Rekam › 🔄 Kirim › ⬜ Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.SENT_FOR_DEDUP, "✅ Rekam › ✅ Kirim › 🔄 Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.DUPLICATE_RECORD, "✅ Rekam › ✅ Kirim › ⚠️ Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.REQUEST_VALIDATION, "✅ Rekam › ✅ Kirim › ⚠️ Pusat › ⬜ Cetak › ⬜ Selesai"),
        (S.PRINT_READY_RECORD, "✅ Rekam › ✅ Kirim › ✅ Pusat › 🔄 Cetak › ⬜ Selesai"),
        (S.CARD_PRINTED, "✅ Rekam › ✅ Kirim › ✅ Pusat › ✅ Cetak › 👉 Selesai"),
        (S.CARD_SHIPPED, "✅ Rekam › ✅ Kirim › ✅ Pusat › ✅ Cetak › 🔄 Selesai"),
        (S.CARD_ISSUED, "✅ Rekam › ✅ Kirim › ✅ Pusat › ✅ Cetak › ✅ Selesai"),
    ],
)
def test_the_journey_line(status: KtpStatus, track: str) -> None:
    assert stage_track(status) == track


def test_every_journey_line_fits_a_phone() -> None:
    for status in ALL_STATUSES:
        assert stage_track(status).count("›") == 4
        assert len(stage_track(status)) <= 60


# --- staff: unknown status -----------------------------------------------------------------------


def reason_for(spelling: str) -> str:
    with pytest.raises(UnknownStatusError) as caught:
        parse_status(spelling)
    return status_reason(caught.value)


def test_unknown_status_names_the_closest_codes() -> None:
    assert reason_for("PRINT_REDY") == (
        "Status 'PRINT_REDY' tidak dikenal."
        " Mungkin maksud Anda: PRINT_READY_RECORD, CARD_PRINTED, PACKET_RETRY."
    )
    assert reason_for("card printd").startswith(
        "Status 'card printd' tidak dikenal. Mungkin maksud Anda: CARD_PRINTED"
    )


def test_unknown_status_without_a_close_code() -> None:
    assert reason_for("xyz") == (
        "Status 'xyz' tidak dikenal."
        " Tulis salah satu kode status, misalnya PRINT_READY_RECORD (boleh PRR)."
    )
    assert reason_for("  ").startswith("Status belum ditulis.")


def test_unknown_status_is_safe_in_an_html_message() -> None:
    assert "&lt;b&gt;" in reason_for("<b>oops")
    assert len(reason_for("x" * 500)) < 200


def test_code_list_for_staff() -> None:
    lines = STATUS_CODES_HELP.splitlines()
    assert lines[0] == "1. UNREGISTERED — Belum direkam"
    assert lines[13] == "14. PRINT_READY_RECORD — Siap cetak (PRR)"
    assert "PRR = PRINT_READY_RECORD" in lines[-1]
