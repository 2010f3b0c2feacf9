"""What residents and staff read about statuses, dates and numbers (the Indonesian texts)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.domain.status_texts import (
    STATUS_TEXTS,
    STATUS_TEXTS_FILE,
    StatusText,
    StatusTextsError,
    load_status_texts,
)
from bot.handlers.render import html
from bot.states import ALL_STATUSES, Actor, KtpStatus, Stage, UnknownStatusError, parse_status
from bot.texts_common import (
    format_ago,
    format_date,
    format_datetime,
    format_days,
    format_number,
    format_short_date,
    format_time,
)
from bot.texts_id import STAGE_NAMES, stage_track
from bot.texts_staff import status_reason

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
    # De-duplication, said in words: one person, one NIK.
    assert "satu orang hanya punya satu NIK" in STATUS_TEXTS[S.SENT_FOR_DEDUP].meaning


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
        more = STATUS_TEXTS[status].more
        assert "KTP lama" in more and "surat keterangan" in more and "bukti perekaman" in more


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
    assert "datang ke" not in todo.replace("datang ke kantor tidak membuat", "")


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
                assert "Bapak/Ibu" in who, status
            case Actor.RESIDENT_AND_OFFICE:
                assert "Bapak/Ibu" in who and "Disdukcapil" in who, status
            case Actor.NOBODY:
                assert "selesai" in who, status


def test_names_of_stages() -> None:
    assert set(STAGE_NAMES) == set(Stage)
    assert all(STAGE_NAMES.values())


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
    assert "&lt;b&gt;" in html(reason_for("<b>oops"))
    assert len(reason_for("x" * 500)) < 200


# --- what residents read: one phone screen, one word for each thing, Bapak/Ibu (issue 10) ------

import ast  # noqa: E402
import html as _html  # noqa: E402
import inspect  # noqa: E402
import itertools  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import is_dataclass  # noqa: E402
from enum import Enum  # noqa: E402

from bot import (  # noqa: E402
    texts_common,
    texts_everyday,
    texts_ops,
    texts_staff,
)
from bot import texts_id as texts  # noqa: E402
from bot import texts_visits as visit_texts  # noqa: E402
from bot.domain.config import OfficeInfo  # noqa: E402
from bot.domain.markup import plain  # noqa: E402
from bot.domain.nik import InvalidNumberError, parse_kk, parse_nik  # noqa: E402
from bot.domain.text_fit import utf16_len  # noqa: E402
from bot.services.insights import EstimateKind  # noqa: E402
from bot.services.office import TEXT_LIMIT  # noqa: E402
from bot.states import NOTIFYING_STATUSES  # noqa: E402

DAY = date(2026, 11, 28)
AS_OF = datetime(2026, 11, 28, 3, tzinfo=UTC)


def visible(text: str) -> int:
    """What Telegram counts: the text without tags, entities as one character, in UTF-16."""
    return utf16_len(_html.unescape(re.sub(r"<[^>]*>", "", plain(text))))


def _long(prefix: str) -> str:
    return (prefix + " " + "Jl. Lintas Sumatera Km 12, Muara Beliti Baru & sekitarnya, " * 9)[
        :TEXT_LIMIT
    ]


#: The longest office information an admin can set with /kantor (every field at its limit).
LONGEST_OFFICE = OfficeInfo(
    address=_long("Alamat"),
    hours=_long("Jam"),
    contact=_long("Kontak"),
    pickup=_long("Ambil"),
    proxy_pickup=_long("Diwakilkan"),
)
SHORT_PROXY_OFFICE = OfficeInfo(
    address=_long("Alamat"),
    hours=_long("Jam"),
    contact=_long("Kontak"),
    pickup=_long("Ambil"),
    proxy_pickup="Boleh diambil keluarga serumah, dengan KK asli dan surat kuasa bermeterai.",
)
LONGEST_VISIT = "🚐 <b>Jemput bola</b> di Kantor Desa " + "Sumber Harta Makmur Jaya " * 12


def kinds_for(status: KtpStatus) -> set[EstimateKind]:
    """The estimates `bot.services.insights.estimate` can give a record in `status`."""
    if status.facts.resident_must_come or status in (S.CARD_SHIPPED, S.CARD_ISSUED):
        return {EstimateKind.NONE}
    if status is S.PRINT_READY_RECORD:
        return {k for k in EstimateKind if k.value.startswith("queue")}
    return {EstimateKind.RANGE, EstimateKind.TOO_LITTLE_HISTORY, EstimateKind.PAST_USUAL}


def waiting_variants(status: KtpStatus | None = None) -> list[texts.WaitingFigures]:
    """One of each estimate (those `status` can have), with the largest numbers a real office
    could see."""
    far = DAY + timedelta(days=400)
    base = dict(
        waited_days=12_345,
        usual_known=True,
        usual_median_days=1234.5,
        usual_p80_days=12_345,
        longer_than_usual=True,
        queue_before=123_456,
        blanko_stock=1_234_567,
        usual_samples=1_234_567,
        printed_recently=12_345,
    )
    spans = {
        EstimateKind.RANGE: (date(2026, 12, 14), date(2027, 1, 5)),
        EstimateKind.QUEUE: (far, far),
    }
    out = []
    for kind in EstimateKind if status is None else sorted(kinds_for(status)):
        start, end = spans.get(kind, (None, None))
        for known in (True, False):
            out.append(
                texts.WaitingFigures(
                    **base,  # type: ignore[arg-type]
                    estimate_kind=kind.value,
                    estimate_from=start,
                    estimate_to=end,
                    blanko_known=known,
                )
            )
    return out


def first_answers(status: KtpStatus) -> list[str]:
    return [
        texts.check_result(
            nik_masked="1605••••••••0012",
            name_masked="M••• A••• B••• C••• D••• E••• F••• G•••",
            status=status,
            status_date=date(2026, 1, 31),
            today=DAY,
            waiting=waiting,
            office=office,
            as_of=AS_OF,
            tz="Asia/Jakarta",
            visit_line=LONGEST_VISIT,
        )
        for waiting in waiting_variants(status)
        for office in (LONGEST_OFFICE, SHORT_PROXY_OFFICE)
    ]


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_the_first_answer_fits_one_phone_screen(status: KtpStatus) -> None:
    for answer in first_answers(status):
        assert visible(answer) <= texts.FIRST_ANSWER_LIMIT, (status, visible(answer), answer)
        about = STATUS_TEXTS[status]
        assert about.title in answer and about.meaning in answer
        assert f"👉 {about.what_to_do}" in answer
        actions = [ln for ln in answer.splitlines() if ln.startswith("👉") and "›" not in ln]
        assert len(actions) == 1  # one thing to do


def test_every_estimate_has_its_line() -> None:
    for waiting in waiting_variants():
        line = texts.estimate_line(waiting, DAY)
        if waiting.estimate_kind == EstimateKind.NONE:
            assert line is None
        else:
            assert line and line.count("\n") == 0, waiting.estimate_kind


@pytest.mark.parametrize(
    ("earliest", "latest", "said"),
    [
        (
            date(2026, 12, 14),
            date(2027, 1, 5),
            "pertengahan Desember 2026 sampai awal Januari 2027",
        ),
        (date(2026, 12, 1), date(2026, 12, 9), "awal Desember 2026"),
        (date(2026, 12, 1), date(2026, 12, 25), "awal sampai akhir Desember 2026"),
        (date(2026, 11, 28), date(2026, 12, 15), "akhir November sampai pertengahan Desember 2026"),
    ],
)
def test_a_plain_date_range(earliest: date, latest: date, said: str) -> None:
    assert texts_common.format_date_span(earliest, latest) == said


def test_the_visit_line_only_where_the_resident_must_come() -> None:
    for status in ALL_STATUSES:
        answer = first_answers(status)[0]
        assert ("Jemput bola" in answer) == status.facts.resident_must_come, status


def test_collecting_reads_the_office_setting_for_family() -> None:
    for status in texts.COLLECT_STATUSES:
        first = first_answers(status)[1]
        assert SHORT_PROXY_OFFICE.proxy_pickup in first
        details = texts.check_details(
            nik_masked="1605••••••••0012",
            status=status,
            waiting=waiting_variants()[0],
            office=LONGEST_OFFICE,
        )
        assert LONGEST_OFFICE.proxy_pickup in plain(details)  # marked text (bot.domain.markup)
        if status in NOTIFYING_STATUSES:
            notice = texts.status_notice(
                status,
                nik_masked="1605••••••••0012",
                label="Ibu",
                entered_on=DAY,
                office=SHORT_PROXY_OFFICE,
            )
            assert SHORT_PROXY_OFFICE.proxy_pickup in notice
            assert "tidak bisa diwakilkan" not in notice and "datang sendiri" not in notice


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_one_piece_of_advice_per_status(status: KtpStatus) -> None:
    """The action, the notice and "longer than usual" never say both "no need to come" and
    "come to the counter"."""
    about = STATUS_TEXTS[status]
    said = [about.what_to_do, about.meaning]
    for waiting in waiting_variants():
        said.append(texts.estimate_line(waiting, DAY) or "")
        said.append(
            texts.check_details(
                nik_masked="1605••••••••0012", status=status, waiting=waiting, office=LONGEST_OFFICE
            )
        )
    said.append(
        texts.status_notice(
            status, nik_masked="1605••••••••0012", label=None, entered_on=DAY, office=LONGEST_OFFICE
        )
    )
    everything = "\n".join(said).lower()
    if "tidak perlu datang" in everything:
        assert not status.facts.resident_must_come
        assert "loket" not in everything and "datang langsung" not in everything
        assert "datang ke kantor disdukcapil" not in everything
    if status.facts.resident_must_come:
        assert "tidak perlu datang" not in everything


def _nik_errors() -> list[InvalidNumberError]:
    found = []
    for typed in (
        "",
        "16O5011201900001",
        "16052113026952AB",
        "1605<01>1201900001",
        "160501120190001",
        "16050112019000011",
        "16050112019000011605010203150007",
        "9905011201900001",
        "1600011201900001",
        "1605013201900001",
        "1605011213900001",
        "1605011201900000",
    ):
        for parse in (lambda t: parse_nik(t, DAY), parse_kk):
            try:
                parse(typed)
            except InvalidNumberError as err:
                found.append(err)
    return found


def _nik_problems() -> list[str]:
    return [
        texts.invalid_number(texts.nik_problem(err, position))
        for err in _nik_errors()
        for position in (None, "first", "second")
    ]


# --- every text a resident can read, found by the section it stands in ---------------------------

#: The audiences (the `# --- AUDIENCE: subject ---` lines of texts_id) whose texts residents
#: read. Every other audience (staff, operators) is kept out of the resident checks.
RESIDENT_AUDIENCES = ("residents", "everyone")
KNOWN_AUDIENCES = (*RESIDENT_AUDIENCES, "staff", "operators")
_AUDIENCE_LINE = re.compile(r"# --- (\w+): ")


def audiences() -> dict[str, str]:
    """Every top-level name of texts_id, texts_everyday and texts_visits (split off texts_id),
    with the audience line it stands under."""
    named = _audiences_of(texts)
    named.update(_audiences_of(texts_everyday))
    named.update(_audiences_of(visit_texts))
    return named


def _audiences_of(module: object) -> dict[str, str]:
    source = Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    marks = [
        (number, found.group(1))
        for number, line in enumerate(source.splitlines(), 1)
        if (found := _AUDIENCE_LINE.match(line))
    ]
    named: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        above = [audience for number, audience in marks if number < node.lineno]
        for name in names:
            named[name] = above[-1] if above else ""
    return named


UNTIL = datetime(2026, 11, 28, 4, tzinfo=UTC)
NIK = "1605••••••••0012"
VISIT = visit_texts.VisitInfo(
    visit_id=7,
    day=date(2026, 12, 7),
    start="08:00",
    end="12:00",
    district_name="Muara Beliti",
    place="Balai Desa Wonokerto",
    services=("rekam", "ambil", "kk", "akta"),
    note="Bawa fotokopi KK bila ada.",
    tz="Asia/Jakarta",
)

#: Realistic values for the parameters of resident texts, by type, then by name; each tuple
#: lists the variants tried (a `bool` is tried both ways, an optional value also as None).
SAMPLES_BY_TYPE: dict[str, tuple[object, ...]] = {
    "KtpStatus": tuple(ALL_STATUSES),
    "OfficeInfo": (LONGEST_OFFICE, SHORT_PROXY_OFFICE),
    "VisitInfo": (VISIT,),
    "Sequence[VisitInfo]": ((VISIT,) * 6, ()),
    "InvalidNumberError": tuple(_nik_errors()),
    "date": (DAY,),
    "datetime": (UNTIL,),
}
SAMPLES_BY_NAME: dict[str, tuple[object, ...]] = {
    "hhmm": ("08:30",),
    "n": (0.3, 12.5, 12_345),
    "earliest": (date(2026, 12, 14),),
    "latest": (date(2027, 1, 5),),
    "tz": ("Asia/Jakarta",),
    "channel": ("telegram", "whatsapp"),
    "position": ("first", "second"),
    "first_name": ("Siti",),
    "bot_username": ("CekKtpElMuraBot",),
    "link": ("https://wa.me/6281234567890?text=rAbCdEf",),
    "commands": (("cek", "langganan", "berhenti", "pengumuman", "privasi", "bantuan"),),
    "command": ("/daftar",),
    "nik_masked": (NIK,),
    "name_masked": ("M••• A•••",),
    "label": ("Ibu",),
    "problem": ("NIK harus 16 angka, tetapi ini 15 angka.",),
    "attempts_left": (2, 5),
    "office": ("<b>Kantor Disdukcapil Kabupaten Musi Rawas</b>",),
    "visit_line": (LONGEST_VISIT,),
    "waiting": tuple(waiting_variants()),
    "following": (3,),
    "limit": (10,),
    "index": (1,),
    "count": (0, 2, 12),
    "items": (
        [("Ibu", NIK, S.PRINT_READY_RECORD, DAY), (None, NIK, S.CARD_PRINTED, date(2026, 2, 1))],
    ),
    "part_of_day": ("pagi", "malam"),
    "address": ("Jl. Lintas Sumatera Km 12, Muara Beliti",),
    "hours": ("Senin–Jumat, 08.00–15.00 WIB",),
    "contact": ("0812-3456-7890 (WhatsApp)",),
    "pickup": ("Loket 3, Disdukcapil Musi Rawas",),
    "proxy_pickup": (texts.OFFICE_PROXY_PICKUP_DEFAULT,),
    "title": tuple(f.title for f in texts.FAQ_DEFAULTS),
    "body": tuple(f.body for f in texts.FAQ_DEFAULTS),
    "number": (12,),
    "text": ("Kapan KTP-el saya bisa diambil?",),
    "name": ("Muara Beliti",),
    "role": ("petugas", "admin"),
    "services": (("rekam",), ("rekam", "ambil", "akta")),
    "card_districts": (("Muara Beliti",), ()),
    "followed": (("Tuah Negeri",), ()),
    "given": ("Muara Bliti",),
    "preset": (0, 1, 2, None),
    "reason": ("sudah dibantu langsung di loket",),
    "text_html": ("Kantor tutup tanggal 25 Desember.\nLayanan buka lagi tanggal 26 Desember.",),
}


def _variants(parameter: inspect.Parameter) -> tuple[object, ...]:
    annotation = str(parameter.annotation)
    if annotation.removesuffix(" | None") in SAMPLES_BY_TYPE:
        found = SAMPLES_BY_TYPE[annotation.removesuffix(" | None")]
    elif parameter.name in SAMPLES_BY_NAME:
        found = SAMPLES_BY_NAME[parameter.name]
    elif annotation == "bool":
        found = (True, False)
    elif parameter.default is not inspect.Parameter.empty:
        found = (parameter.default,)
    else:
        raise AssertionError(f"no sample for {parameter}: add one to SAMPLES_BY_NAME")
    optional = annotation.endswith("| None") or parameter.default is None
    return (*found, None) if optional and None not in found else found


def _texts_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [] if isinstance(value, Enum) else [value]
    if isinstance(value, Mapping):
        return [t for item in value.values() for t in _texts_in(item)]
    if isinstance(value, list | tuple):
        return [t for item in value for t in _texts_in(item)]
    if is_dataclass(value) and not isinstance(value, type):
        return [t for f in fields(value) for t in _texts_in(getattr(value, f.name))]
    return []


def rendered(function: Callable[..., object]) -> list[str]:
    """A text function called with every combination of its parameters' sample variants."""
    parameters = list(inspect.signature(function).parameters.values())
    found: list[str] = []
    for values in itertools.product(*(_variants(p) for p in parameters)):
        args, kwargs = [], {}
        for parameter, value in zip(parameters, values, strict=True):
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                kwargs[parameter.name] = value
            else:
                args.append(value)
        found += _texts_in(function(*args, **kwargs))
    return found


def _is_text_function(value: object) -> bool:
    returns = inspect.signature(value).return_annotation if inspect.isfunction(value) else ""
    return returns in ("str", "str | None", "list[str]")


def resident_texts() -> list[str]:
    """Every text residents can read: each constant and, rendered with realistic values, each
    function of the sections of RESIDENT_AUDIENCES (a new text there is covered by itself),
    and the status texts of bot/status_texts.toml."""
    found: list[str] = []
    for name, audience in audiences().items():
        if name.startswith("_") or audience not in RESIDENT_AUDIENCES:
            continue
        module = next(m for m in (texts, texts_everyday, visit_texts) if hasattr(m, name))
        value = getattr(module, name)
        if inspect.isfunction(value):
            found += rendered(value) if _is_text_function(value) else []
        elif not isinstance(value, type):
            found += _texts_in(value)
    return found + _nik_problems()


def test_every_text_stands_under_an_audience() -> None:
    for name, audience in audiences().items():
        if name not in ("ECHO_LIMIT", "escape", "_shown", "said", "_n"):  # the preamble
            assert audience in KNOWN_AUDIENCES, (name, audience)


def test_resident_texts_cover_every_resident_section() -> None:
    found = "\n".join(resident_texts())
    for expected in (
        texts.ERROR_KIND,  # general
        texts.ASK_NIK,  # the check
        texts.FAQ_DEFAULTS[0].title,  # conversation
        "Jawaban petugas Disdukcapil",  # questions
        "Jemput bola dibatalkan",  # visits
        "KTP-el sudah dicetak!",  # notifications
        "Pengumuman Disdukcapil Musi Rawas",  # broadcasts
        STATUS_TEXTS[S.PRINT_READY_RECORD].why_slow,  # statuses
    ):
        assert expected in found, expected
    for staff_only in (
        texts_staff.UBAH_USAGE,
        texts_staff.BROADCAST_ASK_TEXT,
        texts_ops.RUN_NO_TOKEN,
    ):
        assert staff_only not in found


#: Words residents must not read: (pattern, why). Status codes in brackets are stripped first.
BANNED: list[tuple[str, str]] = [
    (r"\bAnda\b", "say Bapak/Ibu"),
    (r"\bribbon\b", "say pita tinta"),
    (r"\bfilm\b", "say lapisan pelindung kartu"),
    (r"\brecord\b", "English"),
    (r"\benroll(ment)?\b", "English"),
    (r"\bdedup", "jargon"),
    (r"\bbiometrik", "jargon"),
    (r"\d[\d.]*[ \t]+data\b", "people are counted as orang"),
    (r"\bdata (antre|lain|orang|warga)\b", "people are orang, not data"),
    (r"dari 10 data", "people are orang"),
    (r"kode acak", "the keyed hash is not random"),
    (r"tidak bisa dibalik", "the keyed hash can be recomputed with the key"),
    (r"(?<!foto )\bwajah\b", "the photo is 'foto wajah'"),
    (r"(?<!iris )\bmata\b", "the iris is 'iris mata'"),
    (r"lapisan kartu|bahan cetak", "say pita tinta dan lapisan pelindung kartu"),
    (r"\+ ?40|ditambah 40|dikurangi 40", "the birth-date digit rules are not taught"),
]
_STATUS_CODE_IN_BRACKETS = re.compile(r"\((?:[A-Z]+_)+[A-Z]+\)")


def test_resident_texts_use_one_word_for_each_thing() -> None:
    for text in resident_texts():
        bare = _STATUS_CODE_IN_BRACKETS.sub("", _html.unescape(re.sub(r"<[^>]*>", "", text)))
        for pattern, why in BANNED:
            found = re.search(pattern, bare, flags=re.IGNORECASE if pattern.islower() else 0)
            assert found is None, (why, found.group() if found else "", text)


def test_resident_texts_are_short() -> None:
    for text in resident_texts():
        assert visible(text) <= 4096
        for line in _html.unescape(re.sub(r"<[^>]*>", "", text)).splitlines():
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                words = [w for w in sentence.split() if any(c.isalpha() for c in w)]
                assert len(words) <= 32, sentence


def test_privacy_says_what_the_keyed_hash_is() -> None:
    assert "NIK yang sama selalu menjadi kode yang sama" in texts.PRIVACY
    assert "kunci" in texts.PRIVACY and "menghitung ulang" in texts.PRIVACY


def test_a_resident_sentence_in_html_reads_the_same_through_the_markup() -> None:
    """texts_common.html_as_markup: a staff preview quotes a resident's HTML sentence."""
    for sentence in (
        "❓ <b>Jam buka &amp; tutup</b>\n\nSenin–Jumat",
        'Lihat <a href="https://x.id/?a=1&amp;b=2">peta</a> dan <code>/jadwal</code>, <i>ya</i>.',
        "1 &lt; 2 tanpa tanda",
    ):
        assert html(texts_common.html_as_markup(sentence)) == sentence
    assert texts_common.html_as_markup("tanpa tanda apa pun") == "tanpa tanda apa pun"


#: Office information as an admin of Musi Rawas would set it with /kantor (not the limits).
REALISTIC_OFFICE = OfficeInfo(
    address="Jl. Lintas Sumatera Km 12, Muara Beliti Baru, Kabupaten Musi Rawas",
    hours="Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 WIB",
    contact="WhatsApp 0812-7300-1234 (hari kerja)",
    pickup="Loket 3, Kantor Disdukcapil Musi Rawas, Muara Beliti",
    proxy_pickup="Boleh diambil suami, istri, orang tua atau anak, dengan KK asli dan surat kuasa.",
)


def realistic_waiting(status: KtpStatus) -> list[texts.WaitingFigures]:
    """What a busy office really shows: a thousand finished stays, a long wait, a queue."""
    out = []
    for longer, known in itertools.product((True, False), (True, False)):
        figures: dict[str, object] = dict(
            waited_days=147,
            usual_known=known,
            usual_median_days=21.5,
            usual_p80_days=138,
            longer_than_usual=longer,
            usual_samples=12_284,
        )
        if status is S.PRINT_READY_RECORD:
            figures.update(queue_before=14_321, blanko_stock=2_500, printed_recently=1_870)
        out.append(texts.WaitingFigures(**figures))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_selengkapnya_is_plain_and_fits_800_characters(status: KtpStatus) -> None:
    """What a person reads after "📄 Selengkapnya": no status code, no English, no code in
    brackets, at most DETAILS_LIMIT characters, with the default and a realistic office."""
    from bot.services.office import DEFAULT

    for office in (DEFAULT, REALISTIC_OFFICE):
        for waiting in realistic_waiting(status):
            read = plain(
                texts.check_details(
                    nik_masked="1605••••••••0012", status=status, waiting=waiting, office=office
                )
            )
            assert len(read) <= texts.DETAILS_LIMIT, (status, len(read), read)
            for code in KtpStatus:
                assert code.value not in read, (status, code)
            for word in ("(PRR)", "(DR)", "riwayat", "server", "enrollment", "dedup", "print"):
                assert word.lower() not in read.lower(), (status, word)


def test_all_stages_in_screens_a_phone_shows_whole() -> None:
    pages = texts.all_stages_pages()
    assert len(pages) >= 3
    read = [plain(page) for page in pages]
    assert all(len(page) <= texts.STAGES_PAGE_LIMIT for page in read), [len(p) for p in read]
    for number, page in enumerate(read, 1):
        assert page.startswith(f"📖 Perjalanan KTP-el · {number} dari {len(pages)}")
    joined = "\n".join(read)
    for status in ALL_STATUSES:
        assert joined.count(f"• {texts.plain_title(status)}: ") == 1, status
        assert status.value not in joined


def test_privacy_names_no_algorithm() -> None:
    read = plain(texts.PRIVACY)
    for word in ("HMAC", "SHA", "hash", "algoritma"):
        assert word.lower() not in read.lower(), word
    assert "kunci rahasia" in read
