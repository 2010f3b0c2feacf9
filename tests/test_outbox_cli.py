"""`python -m bot outbox`: pending, sent and failed messages per kind, failures by reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.storage import Database
from bot.storage import outbox as outbox_store

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


async def _fill(path: Path) -> None:
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            number = 0

            async def add(kind: str, chat_id: int, delay: int = 0) -> int:
                nonlocal number
                number += 1
                await outbox_store.insert(
                    conn,
                    kind=kind,
                    chat_id=chat_id,
                    text="x",
                    notice="legacy",
                    dedup_key=f"k{number}",
                    now=NOW,
                    not_before=NOW + timedelta(hours=delay),
                )
                return number

            for chat in range(1, 4):
                await outbox_store.mark_sent(conn, await add("status", chat), NOW)
            await add("status", 4, delay=3)  # pending, waits for the morning
            await outbox_store.mark_failed(
                conn, await add("status", 5), reason="timeout", error="TimedOut"
            )
            for chat in range(10, 1210):
                await outbox_store.mark_sent(conn, await add("broadcast", chat), NOW)
            for chat in range(2000, 2012):
                await outbox_store.mark_failed(
                    conn, await add("broadcast", chat), reason="blocked", error="Forbidden"
                )
            await outbox_store.mark_failed(
                conn, await add("broadcast", 3000), reason="server_error", error="NetworkError"
            )
    finally:
        await db.close()


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    db_path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("BOT_DB_PATH", str(db_path))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("BOT_QUIET_HOURS", "21-06")
    return db_path


def test_outbox_shows_each_kind_and_failures_by_reason(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_fill(shell))

    assert main(["outbox"]) == 0
    out = capsys.readouterr().out

    lines = out.splitlines()
    assert lines[0] == "Kotak keluar (outbox)"
    header = next(line for line in lines if "menunggu" in line)
    assert header.split() == ["menunggu", "terkirim", "gagal", "dibatalkan"]
    status_row = next(line for line in lines if line.startswith("Kabar status"))
    assert status_row.split()[2:] == ["1", "3", "1", "0"]
    broadcast_row = next(line for line in lines if line.startswith("Siaran"))
    assert broadcast_row.split()[1:] == ["0", "1.200", "13", "0"]
    total_row = next(line for line in lines if line.startswith("Jumlah"))
    assert total_row.split()[1:] == ["1", "1.203", "14", "0"]
    assert "Kabar status: waktu habis (timeout): 1" in out
    assert "Siaran: memblokir bot / chat tidak ada: 12" in out
    assert "Siaran: galat server atau jaringan: 1" in out
    # The shell's clock is the real one: the row is overdue now, or waits for the quiet hours.
    assert "Pesan menunggu" in out and "Sabtu, 28 November 2026 pukul 13.00 WIB" in out
    assert "Jam tenang 21.00–06.00" in out


def test_an_empty_outbox_says_so(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def create() -> None:
        await (await Database.open(shell)).close()

    asyncio.run(create())
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "Tidak ada pesan yang gagal." in out
    assert "Pesan menunggu" not in out


def test_a_missing_database_is_named(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox"]) == 1
    assert f"Basis data tidak ditemukan: {shell}" in capsys.readouterr().err


def test_help_is_in_indonesian(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["outbox", "--help"])
    assert "kotak keluar" in capsys.readouterr().out.lower()
