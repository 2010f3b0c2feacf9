"""The secret key can never be silently replaced (issue 11, item 2).

Before: a missing key file was recreated (or another key used) without a word; every resident
then got "tidak cocok", staff saw "not found", a re-import made a second record per person.
Now a fingerprint of the key is kept in the database; `run` and every CLI command refuse with
one line when the key is missing, unreadable, truncated or different, and a new key is made
only for an empty database.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.services.key_guard import FINGERPRINT_SETTING, fingerprint
from bot.storage import Database
from bot.storage import settings as settings_store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample.csv"
COMMANDS = [
    ["staff", "list"],
    ["staff", "add", "222"],
    ["audit"],
    ["outbox"],
    ["backup", "kopi.sqlite3"],
    ["import", str(SAMPLE)],
]


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_WEBHOOK_URL", "BOT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "data" / "secret.key"))
    monkeypatch.setenv("BOT_ADMIN_IDS", "111")
    return tmp_path


def _key(shell: Path) -> Path:
    return shell / "data" / "secret.key"


def _imported(shell: Path, capsys: pytest.CaptureFixture[str]) -> bytes:
    assert main(["import", str(SAMPLE)]) == 0
    capsys.readouterr()
    return _key(shell).read_bytes()


def _refusals(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    for argv in COMMANDS:
        assert main(argv) == 1, argv
        out, err = capsys.readouterr()
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, (argv, err)
        assert out == "" or "Traceback" not in out
        for word in words:
            assert word in lines[0], (argv, lines[0])


def test_the_fingerprint_is_kept_and_is_not_the_key(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _imported(shell, capsys)

    async def stored() -> str | None:
        db = await Database.open(shell / "data" / "bot.sqlite3")
        try:
            return await settings_store.get(db.conn, FINGERPRINT_SETTING)
        finally:
            await db.close()

    value = asyncio.run(stored())
    assert value == fingerprint(key)
    assert key.hex() not in (shell / "data" / "bot.sqlite3").read_bytes().hex()


def test_a_missing_key_is_not_recreated_and_every_command_refuses(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _imported(shell, capsys)
    _key(shell).unlink()
    _refusals(capsys, str(_key(shell)), "cadangan")
    assert not _key(shell).exists()  # never silently replaced


def test_a_different_key_is_refused(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _imported(shell, capsys)
    _key(shell).write_bytes(secrets.token_bytes(32))
    _refusals(capsys, "bukan kunci yang dipakai", "cadangan")


def test_a_truncated_key_is_refused(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = _imported(shell, capsys)
    _key(shell).write_bytes(key[:20])  # long enough to look like a key: the fingerprint tells
    _refusals(capsys, "bukan kunci yang dipakai")
    _key(shell).write_bytes(key[:5])
    _refusals(capsys, "rusak")


def test_an_unreadable_key_is_refused(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _imported(shell, capsys)
    _key(shell).unlink()
    _key(shell).mkdir()  # unreadable as a file even for root
    _refusals(capsys, "tidak bisa dibaca")


def test_a_key_with_records_but_no_fingerprint_yet_is_adopted_not_replaced(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database from before fingerprints: a missing key is refused because records exist."""
    _imported(shell, capsys)

    async def forget() -> None:
        db = await Database.open(shell / "data" / "bot.sqlite3")
        try:
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM settings WHERE key = ?", (FINGERPRINT_SETTING,))
        finally:
            await db.close()

    asyncio.run(forget())
    key = _key(shell).read_bytes()
    _key(shell).unlink()
    assert main(["import", str(SAMPLE)]) == 1
    assert "cadangan" in capsys.readouterr().err
    _key(shell).write_bytes(key)
    assert main(["staff", "list"]) == 0


def test_a_new_key_is_made_only_for_an_empty_database(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "add", "222"]) == 0  # the first admin, before any import
    assert not _key(shell).exists()  # a shell command never makes the key
    assert main(["import", str(SAMPLE)]) == 0  # the first import does, on an empty database
    assert _key(shell).exists()
    assert oct(_key(shell).stat().st_mode & 0o777) == "0o600"


def test_files_others_can_read_are_warned_about(
    shell: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _imported(shell, capsys)
    caplog.clear()
    assert main(["staff", "list"]) == 0
    assert "bisa dibaca pengguna lain" not in caplog.text  # made 0600: nothing to warn about
    os.chmod(_key(shell), 0o644)
    assert main(["staff", "list"]) == 0
    assert f"Batasi dengan: chmod 600 {_key(shell)}" in caplog.text


def test_run_refuses_before_contacting_telegram(shell: Path, capsys: pytest.CaptureFixture) -> None:
    _imported(shell, capsys)
    _key(shell).write_bytes(secrets.token_bytes(32))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": "123:ABC",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "BOT_DB_PATH": str(shell / "data" / "bot.sqlite3"),
        "BOT_SECRET_KEY_FILE": str(_key(shell)),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=shell,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "bukan kunci yang dipakai" in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what a server usually has: files readable by all unless made private
    yield
    os.umask(old)


def test_the_database_its_wal_and_shm_and_every_backup_are_the_owners_alone(
    shell: Path, capsys: pytest.CaptureFixture[str], usual_umask: None
) -> None:
    """Issue 11, item 7: created 0600 whatever the umask, as the key already was."""
    _imported(shell, capsys)

    async def while_open() -> list[tuple[str, int]]:
        db = await Database.open(shell / "data" / "bot.sqlite3")
        try:
            await db.backup(shell / "cadangan" / "kopi.sqlite3")
            files = sorted((shell / "data").glob("bot.sqlite3*"))
            return [(p.name, p.stat().st_mode & 0o777) for p in files]
        finally:
            await db.close()

    modes = asyncio.run(while_open())
    assert {name for name, _ in modes} >= {"bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"}
    assert all(mode == 0o600 for _, mode in modes), modes
    assert main(["backup", "harian.sqlite3"]) == 0
    for copy in (shell / "cadangan" / "kopi.sqlite3", shell / "harian.sqlite3"):
        assert copy.stat().st_mode & 0o777 == 0o600


def test_privasi_says_what_the_keyed_hash_does_not_protect_against() -> None:
    from bot import texts_id
    from bot.handlers.render import html

    assert "tidak bisa dibalik" not in texts_id.PRIVACY
    assert "basis data <i>dan</i> kuncinya" in html(texts_id.PRIVACY)
