"""No personal data in free text (issue 11, item 6).

Before: an import's `keterangan`, a `/ubah` note and an uploaded file's name were stored as given:
"diambil oleh Siti Aminah binti Ahmad", NIKs written with `/`, `_` or `,` between groups, and a
file called `1605…_nama.csv` all landed in the database in clear. Now every note passes one
redaction and upload names are not kept; the test greps the database files' bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BotEnv
from hypothesis import given
from hypothesis import strategies as st

from bot.local_api import LocalUser
from bot.services import broadcasting, importer, pending_changes, visits
from bot.services.redaction import MAX_NOTE, carries_id_number, clean_note

NIK = "1605010101900012"
KK = "1605010101100001"
OTHER_NIK = "1605124509870003"
NAME = "Siti Aminah binti Ahmad"

#: The same NIK written as people write it.
NIK_FORMS = [
    "1605 0101 0190 0012",
    "1605/0101/0190/0012",
    "1605_0101_0190_0012",
    "1605,0101,0190,0012",
    "1605.01.010190.0012",
    "1605-0101-0190-0012",
    "16 05 01 01 01 90 00 12",
    "1605:0101:0190:0012",
]


def _database_bytes(env: BotEnv) -> bytes:
    path = Path(env.settings.db_path)
    return b"".join(
        p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith("lock")
    )


def _assert_clean(data: bytes, *secrets: str) -> None:
    for secret in secrets:
        for form in (secret, secret.lower(), secret.upper()):
            assert form.encode() not in data, form


def test_the_redaction_itself() -> None:
    for form in NIK_FORMS:
        assert clean_note(f"milik {form} ya") == "milik 1605••••••••0012 ya", form
    assert clean_note("diambil oleh Siti Aminah binti Ahmad", NAME) == (
        "diambil oleh S••• A••• B••• A•••"
    )
    assert clean_note("tanggal 05-01-2026, loket 3", NAME) == "tanggal 05-01-2026, loket 3"
    assert len(clean_note("x" * 5000) or "") == MAX_NOTE


def test_a_kept_note_is_masked_and_a_text_for_residents_is_refused() -> None:
    """An import's keterangan and an /ubah note: one function, numbers masked. A visit's note and
    place and an announcement go out to residents: one rule, refused when they carry a NIK or KK
    (a phone number stays)."""
    assert importer.clean_note is pending_changes.clean_note is clean_note
    assert clean_note("HP 0812-3456-7890") == "HP 0812••••7890"
    for form in (NIK, "1605 0101 0190 0012", "1605.01.010190.0012", "1605-0101-0190-0012"):
        assert carries_id_number(f"bawa KK {form}"), form
        with pytest.raises(visits.VisitInputError):
            visits.check_note(f"bawa KK {form}")
        assert broadcasting.check_text(f"bawa {form}") is broadcasting.TextProblem.ID_NUMBER
    assert not carries_id_number("HP 0812-3456-7890")
    assert visits.check_note(" HP 0812-3456-7890 ") == "HP 0812-3456-7890"
    assert visits.check_note("  ") is None


@pytest.mark.sqlite_only  # reads the database file's bytes
async def test_notes_and_file_names_never_reach_the_database_in_clear(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    notes = [f"diambil oleh {NAME}"] + [f"KK {form} / NIK ayah {OTHER_NIK}" for form in NIK_FORMS]
    rows = "".join(
        f"{NIK};{KK};{NAME};{status};2026-10-0{day};{note}\n"
        for day, (status, note) in enumerate(
            zip(["BIO_CAPTURED", "PROCESSING", "PRR"] * 3, notes, strict=False), start=1
        )
    )
    content = ("nik;no_kk;nama;status;tanggal_status;keterangan\n" + rows).encode()
    replies = await staff.send_document(f"{NIK}_siti_aminah.csv", content, caption="/impor")
    assert "Impor selesai" in replies[-1].plain

    replies = await staff.send_document(f"{NIK}_siti_aminah.csv", content, caption="/impor")
    await staff.send(f"/ubah {NIK} SENT_FOR_ENROLLMENT diserahkan ke Siti, KK 1605/0101/0110/0001")
    await staff.press("✅ Ya, ubah")

    await bot_env.services.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = _database_bytes(bot_env)
    _assert_clean(data, NIK, KK, OTHER_NIK, "Aminah", "Ahmad", "siti_aminah", *NIK_FORMS)
    _assert_clean(data, "1605/0101/0110/0001")
    assert "1605••••••••0012".encode() in data  # masked as everywhere else


# --- hardening, round 3, item 6: other people's names -----------------------------------------

#: Names from the sample data's lists, as staff type them about someone else.
OTHER_NAMES = ["Rahmat Hidayat", "Fatimah Zubaidah", "Joko Santoso", "Halimah"]


@pytest.mark.parametrize(
    ("note", "kept"),
    [
        ("diambil oleh Rahmat Hidayat", "diambil oleh R••• H•••"),
        ("anak dari Halimah binti Yusuf", "anak dari H••• binti Y•••"),
        ("a.n. FATIMAH ZUBAIDAH sudah datang", "a.n. F••• Z••• sudah datang"),
        ("Diserahkan ke Ibu Halimah di Kecamatan Muara Beliti", None),
        ("Status Print Ready Record, tunggu blanko", "Status Print Ready Record, tunggu blanko"),
        ("Mohon datang Senin 5 Januari ke Kantor Dukcapil", None),
        ("SUDAH DIAMBIL", "SUDAH DIAMBIL"),
        ("rekam ulang sidik jari di Desa Sumber Harta", None),
    ],
)
def test_names_in_a_note_become_initials(note: str, kept: str | None) -> None:
    from bot.domain.names import reduce_names

    assert reduce_names(note) == (kept if kept is not None else note.replace("Halimah", "H•••"))


@given(st.text(max_size=300))
def test_reducing_names_never_fails_and_never_grows_a_word_twice(text: str) -> None:
    from bot.domain.names import reduce_names

    once = reduce_names(text)
    assert reduce_names(once) == once  # initials stay initials


@pytest.mark.sqlite_only  # reads the database file's bytes
async def test_other_peoples_names_in_notes_never_reach_the_database(
    bot_env: BotEnv, staff: LocalUser, admin: LocalUser
) -> None:
    content = (
        "nik;no_kk;nama;status;tanggal_status;keterangan\n"
        f"{NIK};{KK};{NAME};BIO_CAPTURED;2026-10-01;dibantu Joko Santoso\n"
        f"{NIK};{KK};{NAME};PROCESSING;2026-10-02;anak dari Halimah binti Yusuf\n"
    ).encode()
    replies = await staff.send_document("harian.csv", content, caption="/impor")
    assert "Impor selesai" in replies[-1].plain
    await staff.send(f"/ubah {NIK} SENT_FOR_ENROLLMENT diambil oleh Rahmat Hidayat")
    await staff.press("✅ Ya, ubah")
    await bot_env.services.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = _database_bytes(bot_env)
    _assert_clean(data, "Joko", "Santoso", "Halimah", "Yusuf", "Rahmat", "Hidayat")
    assert "R••• H•••".encode() in data


def test_a_jemput_bola_note_keeps_initials_too() -> None:
    from bot.services.visits import check_note

    assert check_note("hubungi Pak Rahmat Hidayat di balai desa") == (
        "hubungi Pak R••• H••• di balai desa"
    )
