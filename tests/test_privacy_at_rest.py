"""After an import, no raw NIK, KK number or full name is anywhere in the database's bytes."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from bot.domain.clock import FakeClock
from bot.domain.config import Settings
from bot.services.container import Services
from bot.services.importer import import_csv
from bot.services.sample_data import generate_people, write_csv

TODAY = date(2026, 11, 28)
PEOPLE = 300


def database_bytes(db_path: Path) -> dict[str, bytes]:
    files = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-journal")]
    return {p.name: p.read_bytes() for p in files if p.exists()}


def leaks(blobs: dict[str, bytes], secrets: list[str]) -> list[str]:
    found = []
    for name, blob in blobs.items():
        found.extend(f"{secret!r} in {name}" for secret in secrets if secret.encode() in blob)
    return found


async def test_imported_sample_data_keeps_no_nik_kk_or_name_at_rest(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "bot.sqlite3", secret_key_file=tmp_path / "secret.key")
    out = io.StringIO()
    write_csv(out, PEOPLE, seed=21, today=TODAY)
    people = list(generate_people(PEOPLE, seed=21, today=TODAY))
    someone = people[0]
    extra = (
        f"{someone.nik},{someone.kk},{someone.name},CARD_ISSUED,2026-11-27,"
        f'"diambil sendiri, NIK {someone.nik}, KK {someone.kk}"\n'
    )
    data = (out.getvalue() + extra).encode("utf-8")
    secrets = sorted(
        {p.nik for p in people} | {p.kk for p in people} | {p.name for p in people if " " in p.name}
    )

    services = await Services.open(settings, FakeClock())
    try:
        summary = await import_csv(
            services, io.BytesIO(data), source_name="sampel.csv", batch_size=500
        )
        assert summary.rejected == 0 and summary.new == PEOPLE
        nik_hash = services.hasher.nik(someone.nik)
        # While the bot runs: the main file and the write-ahead log.
        open_files = database_bytes(settings.db_path)
        assert "bot.sqlite3-wal" in open_files
        assert leaks(open_files, secrets) == []
    finally:
        await services.close()

    closed_files = database_bytes(settings.db_path)
    # The data really is in there, as keyed hashes and masks.
    assert any(nik_hash.encode() in blob for blob in closed_files.values())
    assert any(
        f"{someone.nik[:4]}••••••••{someone.nik[-4:]}".encode() in blob
        for blob in closed_files.values()
    )
    assert leaks(closed_files, secrets) == []
