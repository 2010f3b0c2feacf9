"""Sample data: the same seed gives the same file, and the file looks like Musi Rawas's export."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from bot.__main__ import main
from bot.domain.nik import MUSI_RAWAS_DISTRICTS, parse_kk, parse_nik
from bot.services import sample_data
from bot.states import ALL_STATUSES, KtpStatus

TODAY = date(2026, 11, 28)


def csv_text(count: int, seed: int) -> str:
    out = io.StringIO()
    sample_data.write_csv(out, count, seed, TODAY)
    return out.getvalue()


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    assert csv_text(150, 7) == csv_text(150, 7)
    assert csv_text(150, 7) != csv_text(150, 8)
    assert list(sample_data.generate_rows(40, 3, TODAY)) == list(
        sample_data.generate_rows(40, 3, TODAY)
    )


def test_the_command_writes_the_csv_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sample-data", "--count", "25", "--seed", "4", "--today", "2026-11-28"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first == csv_text(25, 4)
    assert first.splitlines()[0] == "nik,no_kk,nama,status,tanggal_status,keterangan"


def test_a_count_that_is_not_a_positive_number_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sample-data", "--count", "nol"])
    assert exit_.value.code == 2
    assert "harus bilangan bulat 1 atau lebih" in capsys.readouterr().err


def test_rows_are_valid_histories_of_musi_rawas_residents() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(400, 11))))
    by_nik: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_nik[row["nik"]].append(row)

    assert len(by_nik) == 400
    assert len(rows) > 3 * 400  # several rows per person
    family_sizes = Counter(row[0]["no_kk"] for row in by_nik.values())
    assert max(family_sizes.values()) > 1  # families share a KK
    for nik, history in by_nik.items():
        parsed = parse_nik(nik, TODAY)
        assert parsed.district_name in MUSI_RAWAS_DISTRICTS.values()
        assert 17 <= parsed.age_on(TODAY) <= 80
        kk = {row["no_kk"] for row in history}
        assert len(kk) == 1 and parse_kk(kk.pop())[:6] == nik[:6]
        assert len({row["nama"] for row in history}) == 1
        days = [date.fromisoformat(row["tanggal_status"]) for row in history]
        assert days == sorted(days) and len(set(days)) == len(days)
        assert TODAY - timedelta(days=sample_data.HISTORY_DAYS) <= days[0]
        assert days[-1] <= TODAY
        statuses = [KtpStatus(row["status"]) for row in history]
        if statuses[-1] is KtpStatus.CARD_ISSUED and len(statuses) > 1:
            assert statuses[-2] in (KtpStatus.CARD_PRINTED, KtpStatus.CARD_SHIPPED)
    women = sum(int(nik[6:8]) > 40 for nik in by_nik)
    assert 120 < women < 280


def test_every_status_is_present_in_plausible_proportions() -> None:
    finals = Counter(status for _, _, status in sample_data.sample_pairs(20_000, 2, TODAY))

    assert set(finals) == set(ALL_STATUSES)
    assert finals.most_common(1)[0][0] is KtpStatus.CARD_ISSUED
    assert finals[KtpStatus.PRINT_READY_RECORD] > 2_000  # a PRR backlog of thousands
    failures = (
        KtpStatus.ENROLL_FAILURE_AT_CENTRAL,
        KtpStatus.SEARCH_FAILURE_AT_CENTRAL,
        KtpStatus.ENROLL_FAILURE_AT_REGIONAL,
    )
    assert sum(finals[s] for s in failures) < 0.05 * 20_000


def test_small_files_still_have_every_status_and_pairs_to_try() -> None:
    pairs = sample_data.pairs_to_try(18, 9, TODAY)

    assert list(pairs) == list(ALL_STATUSES)
    for status, (nik, kk) in pairs.items():
        person = next(
            p for p in sample_data.generate_people(18, 9, TODAY) if p.nik == nik and p.kk == kk
        )
        assert person.final_status is status
