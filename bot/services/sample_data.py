"""Synthetic import data: realistic people of Musi Rawas, their KTP-el journeys, as import CSV rows.

`count` is a number of PEOPLE; each person yields several rows (their history over the past two
years, in journey order, dates increasing), so the file has about six times as many rows as
people. Everything comes from `random.Random(seed)` and `today`: the same seed and the same day
give the same bytes. Nothing here is real: names are drawn from common Indonesian names, NIK and
KK numbers are well-formed but invented.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TextIO

from bot.domain.nik import MUSI_RAWAS, MUSI_RAWAS_DISTRICTS
from bot.states import ALL_STATUSES, KtpStatus

S = KtpStatus

COLUMNS: tuple[str, ...] = ("nik", "no_kk", "nama", "status", "tanggal_status", "keterangan")

HISTORY_DAYS = 730  # rows older than two years are left out of the export

#: Where people's records end up (per 10,000): most cards are issued; a large print-ready
#: (PRR) backlog waiting for blank cards; few failures.
FINAL_WEIGHTS: dict[KtpStatus, int] = {
    S.UNREGISTERED: 80,
    S.BIO_CAPTURED: 250,
    S.PROCESSING: 150,
    S.SENT_FOR_ENROLLMENT: 300,
    S.RECEIVED_AT_CENTRAL: 150,
    S.ENROLL_FAILURE_AT_CENTRAL: 60,
    S.SEARCH_FAILURE_AT_CENTRAL: 40,
    S.ENROLL_FAILURE_AT_REGIONAL: 40,
    S.PACKET_RETRY: 60,
    S.SENT_FOR_DEDUP: 250,
    S.DUPLICATE_RECORD: 120,
    S.ADJUDICATE_RECORD: 80,
    S.REQUEST_VALIDATION: 80,
    S.PRINT_READY_RECORD: 1500,
    S.SENT_FOR_CARD_PRINTING: 250,
    S.CARD_PRINTED: 450,
    S.CARD_SHIPPED: 140,
    S.CARD_ISSUED: 6000,
}

#: Days a step usually takes before the next status (min, max).
STEP_DAYS: dict[KtpStatus, tuple[int, int]] = {
    S.UNREGISTERED: (1, 30),
    S.BIO_CAPTURED: (1, 4),
    S.PROCESSING: (1, 5),
    S.SENT_FOR_ENROLLMENT: (2, 25),  # the network to the Data Center
    S.RECEIVED_AT_CENTRAL: (1, 7),
    S.ENROLL_FAILURE_AT_CENTRAL: (3, 30),
    S.SEARCH_FAILURE_AT_CENTRAL: (3, 30),
    S.ENROLL_FAILURE_AT_REGIONAL: (2, 20),
    S.PACKET_RETRY: (1, 10),
    S.SENT_FOR_DEDUP: (2, 20),
    S.DUPLICATE_RECORD: (20, 120),
    S.ADJUDICATE_RECORD: (14, 90),
    S.REQUEST_VALIDATION: (7, 60),
    S.PRINT_READY_RECORD: (14, 240),  # waiting for blanko
    S.SENT_FOR_CARD_PRINTING: (1, 6),
    S.CARD_PRINTED: (1, 45),
    S.CARD_SHIPPED: (2, 10),
    S.CARD_ISSUED: (0, 0),
}

#: How long ago people still in a status entered it (min, max days before today).
WAIT_DAYS: dict[KtpStatus, tuple[int, int]] = {
    S.UNREGISTERED: (0, 400),
    S.BIO_CAPTURED: (0, 10),
    S.PROCESSING: (0, 10),
    S.SENT_FOR_ENROLLMENT: (0, 40),
    S.RECEIVED_AT_CENTRAL: (0, 20),
    S.ENROLL_FAILURE_AT_CENTRAL: (0, 60),
    S.SEARCH_FAILURE_AT_CENTRAL: (0, 60),
    S.ENROLL_FAILURE_AT_REGIONAL: (0, 30),
    S.PACKET_RETRY: (0, 20),
    S.SENT_FOR_DEDUP: (0, 30),
    S.DUPLICATE_RECORD: (0, 200),
    S.ADJUDICATE_RECORD: (0, 150),
    S.REQUEST_VALIDATION: (0, 90),
    S.PRINT_READY_RECORD: (0, 420),
    S.SENT_FOR_CARD_PRINTING: (0, 7),
    S.CARD_PRINTED: (0, 60),
    S.CARD_SHIPPED: (0, 10),
    S.CARD_ISSUED: (0, 700),
}

NOTES: dict[KtpStatus, tuple[str, ...]] = {
    S.PRINT_READY_RECORD: ("", "", "", "menunggu blanko"),
    S.DUPLICATE_RECORD: ("", "perlu rekam ulang"),
    S.ADJUDICATE_RECORD: ("", "cek sidik jari"),
    S.REQUEST_VALIDATION: ("", "cek data jenis kelamin"),
    S.ENROLL_FAILURE_AT_CENTRAL: ("", "biometrik tidak lengkap"),
    S.ENROLL_FAILURE_AT_REGIONAL: ("", "kode wilayah salah"),
    S.CARD_SHIPPED: ("", "dikirim ke kecamatan"),
}

#: District weights (bigger districts have more people).
DISTRICT_WEIGHTS: dict[str, int] = {
    "01": 14,
    "02": 8,
    "03": 9,
    "08": 6,
    "09": 8,
    "10": 6,
    "11": 5,
    "12": 7,
    "13": 8,
    "14": 6,
    "18": 6,
    "19": 5,
    "20": 6,
    "21": 6,
}
assert set(DISTRICT_WEIGHTS) == set(MUSI_RAWAS_DISTRICTS)

MALE_NAMES = (
    "Ahmad", "Budi", "Rahmat", "Agus", "Andi", "Dedi", "Eko", "Fajar", "Hendra", "Irwan",
    "Joko", "Kurniawan", "Lukman", "Muhammad", "Nanang", "Rizki", "Slamet", "Taufik", "Wahyu",
    "Yusuf", "Zainal", "Arif", "Bambang", "Darmawan", "Gunawan", "Hadi", "Iwan", "Rudi",
    "Sutrisno", "Yanto", "Herman", "Syahrial", "Firdaus", "Ilham", "Fauzi", "Rusdi",
)  # fmt: skip
FEMALE_NAMES = (
    "Siti", "Sri", "Dewi", "Nur", "Ani", "Ratna", "Rina", "Wati", "Yuni", "Lestari", "Fitri",
    "Indah", "Kartini", "Lina", "Maya", "Nurhayati", "Puspita", "Rahayu", "Suryani", "Tuti",
    "Umi", "Yanti", "Aisyah", "Desi", "Eka", "Fatimah", "Hartini", "Juwita", "Marlina", "Novi",
    "Rohani", "Sulastri", "Zubaidah", "Mariam", "Halimah", "Rosmala",
)  # fmt: skip
MALE_SECOND = (
    "Saputra", "Pratama", "Hidayat", "Setiawan", "Santoso", "Wijaya", "Kurnia", "Syahputra",
    "Ramadhan", "Firmansyah", "Hakim", "Nugroho", "Effendi", "Harahap", "Sembiring",
)  # fmt: skip
FEMALE_SECOND = (
    "Aminah", "Wulandari", "Susanti", "Handayani", "Lestari", "Puspitasari", "Rahmawati",
    "Maharani", "Anggraini", "Permatasari", "Safitri", "Yulianti", "Oktaviani", "Sari",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    status: KtpStatus
    on: date
    note: str = ""


@dataclass(slots=True)
class Person:
    """One invented resident: identifiers, name and the history rows the export shows."""

    nik: str
    kk: str
    name: str
    history: list[Step] = field(default_factory=list)

    @property
    def final_status(self) -> KtpStatus:
        return self.history[-1].status


def _journey(rng: random.Random, final: KtpStatus) -> list[KtpStatus]:
    """A plausible path of statuses ending in `final`, with the usual detours now and then."""
    if final is S.UNREGISTERED:
        return [S.UNREGISTERED]
    path = [S.BIO_CAPTURED, S.PROCESSING]
    if final in (S.BIO_CAPTURED, S.PROCESSING):
        return path[: 1 if final is S.BIO_CAPTURED else 2]
    if final is S.ENROLL_FAILURE_AT_REGIONAL:
        return [*path, S.ENROLL_FAILURE_AT_REGIONAL]
    if rng.random() < 0.04:  # wrong area code fixed by the office, sent again
        path += [S.ENROLL_FAILURE_AT_REGIONAL, S.PROCESSING]
    path.append(S.SENT_FOR_ENROLLMENT)
    if final is S.SENT_FOR_ENROLLMENT:
        return path
    if final in (S.ENROLL_FAILURE_AT_CENTRAL, S.SEARCH_FAILURE_AT_CENTRAL):
        return [*path, S.RECEIVED_AT_CENTRAL, final]
    if final is S.PACKET_RETRY:
        failure = rng.choice((S.ENROLL_FAILURE_AT_CENTRAL, S.SEARCH_FAILURE_AT_CENTRAL))
        return [*path, S.RECEIVED_AT_CENTRAL, failure, S.PACKET_RETRY]
    path.append(S.RECEIVED_AT_CENTRAL)
    if rng.random() < 0.05:  # a failure at the centre, retried and received again
        failure = rng.choice((S.ENROLL_FAILURE_AT_CENTRAL, S.SEARCH_FAILURE_AT_CENTRAL))
        path += [failure, S.PACKET_RETRY, S.RECEIVED_AT_CENTRAL]
    if final is S.RECEIVED_AT_CENTRAL:
        return path
    path.append(S.SENT_FOR_DEDUP)
    if final is S.SENT_FOR_DEDUP:
        return path
    if final in (S.DUPLICATE_RECORD, S.ADJUDICATE_RECORD, S.REQUEST_VALIDATION):
        return [*path, final]
    if rng.random() < 0.06:  # a problem the resident came in to solve
        path.append(rng.choice((S.DUPLICATE_RECORD, S.ADJUDICATE_RECORD, S.REQUEST_VALIDATION)))
    path.append(S.PRINT_READY_RECORD)
    for status in (S.SENT_FOR_CARD_PRINTING, S.CARD_PRINTED, S.CARD_SHIPPED, S.CARD_ISSUED):
        if path[-1] is final:
            break
        if status is S.CARD_SHIPPED and final is S.CARD_ISSUED and rng.random() < 0.7:
            continue  # most cards are collected at the office, not shipped
        path.append(status)
    return path


def _dates(rng: random.Random, path: list[KtpStatus], today: date) -> list[date]:
    """Dates for each step, strictly increasing, the last one at most today."""
    low, high = WAIT_DAYS[path[-1]]
    last = today - timedelta(days=rng.randint(low, high))
    dates = [last]
    for status in reversed(path[:-1]):
        low, high = STEP_DAYS[status]
        dates.append(dates[-1] - timedelta(days=max(1, rng.randint(low, high))))
    dates.reverse()
    return dates


def _birth_date(rng: random.Random, today: date) -> date:
    age_days = rng.randint(17 * 365 + 5, 80 * 365)
    return today - timedelta(days=age_days)


def _nik(rng: random.Random, district: str, born: date, female: bool) -> str:
    day = born.day + 40 if female else born.day
    serial = rng.randint(1, 9999)
    return f"{MUSI_RAWAS}{district}{day:02d}{born:%m%y}{serial:04d}"


def _kk(rng: random.Random, district: str, today: date) -> str:
    issued = today - timedelta(days=rng.randint(30, 20 * 365))
    return f"{MUSI_RAWAS}{district}{issued:%d%m%y}{rng.randint(1, 9999):04d}"


def _name(rng: random.Random, female: bool) -> str:
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    roll = rng.random()
    if roll < 0.15:
        return first
    if roll < 0.25:
        father = rng.choice(MALE_NAMES)
        return f"{first} {'binti' if female else 'bin'} {father}"
    second = rng.choice(FEMALE_SECOND if female else MALE_SECOND)
    return f"{first} {second}"


def _final_statuses(rng: random.Random, count: int) -> Iterator[KtpStatus]:
    """Final statuses by FINAL_WEIGHTS; the first 18 people cover every status once."""
    every = list(ALL_STATUSES)
    rng.shuffle(every)
    statuses = list(FINAL_WEIGHTS)
    weights = list(FINAL_WEIGHTS.values())
    for i in range(count):
        yield every[i] if i < len(every) else rng.choices(statuses, weights)[0]


def generate_people(count: int, seed: int = 1, today: date | None = None) -> Iterator[Person]:
    """`count` invented people, in families that share a KK, each with their history rows."""
    today = today or date.today()
    rng = random.Random(seed)
    districts = list(DISTRICT_WEIGHTS)
    district_weights = list(DISTRICT_WEIGHTS.values())
    seen_nik: set[str] = set()
    seen_kk: set[str] = set()
    oldest = today - timedelta(days=HISTORY_DAYS)
    family_left = 0
    kk = district = ""
    for final in _final_statuses(rng, count):
        if family_left == 0:  # a new household: 1 to 4 adults on one family card
            district = rng.choices(districts, district_weights)[0]
            kk = _kk(rng, district, today)
            while kk in seen_kk:
                kk = _kk(rng, district, today)
            seen_kk.add(kk)
            family_left = rng.choice((1, 2, 2, 3, 3, 4))
        family_left -= 1
        female = rng.random() < 0.5
        born = _birth_date(rng, today)
        nik = _nik(rng, district, born, female)
        while nik in seen_nik:
            nik = _nik(rng, district, born, female)
        seen_nik.add(nik)
        path = _journey(rng, final)
        steps = [
            Step(status, on, rng.choice(NOTES.get(status, ("",))))
            for status, on in zip(path, _dates(rng, path, today), strict=True)
        ]
        recent = [step for step in steps if step.on >= oldest] or steps[-1:]
        yield Person(nik=nik, kk=kk, name=_name(rng, female), history=recent)


def generate_rows(count: int, seed: int = 1, today: date | None = None) -> Iterator[dict[str, str]]:
    """Import CSV rows (dicts keyed by COLUMNS) for `count` people, person by person."""
    for person in generate_people(count, seed, today):
        for step in person.history:
            yield {
                "nik": person.nik,
                "no_kk": person.kk,
                "nama": person.name,
                "status": step.status.value,
                "tanggal_status": step.on.isoformat(),
                "keterangan": step.note,
            }


def sample_pairs(
    count: int, seed: int = 1, today: date | None = None
) -> list[tuple[str, str, KtpStatus]]:
    """(nik, kk, final status) of every person the same arguments generate, in file order."""
    return [(p.nik, p.kk, p.final_status) for p in generate_people(count, seed, today)]


def pairs_to_try(
    count: int, seed: int = 1, today: date | None = None
) -> dict[KtpStatus, tuple[str, str]]:
    """One (nik, kk) per final status present in the data: handy pairs for a demo."""
    found: dict[KtpStatus, tuple[str, str]] = {}
    for nik, kk, status in sample_pairs(count, seed, today):
        found.setdefault(status, (nik, kk))
    return {status: found[status] for status in ALL_STATUSES if status in found}


def write_csv(out: TextIO, count: int, seed: int = 1, today: date | None = None) -> int:
    """Write the import CSV (header + rows, comma separated, UTF-8 text); return the row count."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = 0
    for row in generate_rows(count, seed, today):
        writer.writerow(row)
        rows += 1
    return rows
