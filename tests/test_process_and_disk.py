"""One bot per database, and no hang or traceback whatever the disk does (issue 11, items 4, 5).

Before: two `run` processes on one SQLite file both dispatched (256 of 300 broadcast messages
arrived twice); on a read-only file system `run`, `staff list`, `backup`, `audit`, `outbox` and
`import` printed a traceback and never exited (aiosqlite's thread was left open); a BOT_DB_PATH
whose folder cannot be made gave a FileNotFoundError traceback; a full disk during an import gave
a raw traceback. Now each exits promptly, non-zero, with one Indonesian line naming the path and
the cause.

No root needed: a read-only folder is a real `chmod` when that restricts us, and an injected
read-only connection (SQLite's own `PRAGMA query_only`) when we run as root; a full disk is
SQLite's own SQLITE_FULL from `PRAGMA max_page_count`; a locked database is a real lock held by
another connection. The faults go in through `bot.storage.db.connect`, the one place a
connection is made.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_run_over_http import EXIT_TIMEOUT, HttpBotApi, _bot_env, _start_bot, _wait_for

from bot.__main__ import main
from bot.domain.operator_error import OperatorError
from bot.services import instance_lock
from bot.services.sample_data import write_csv
from bot.storage import db as db_module

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample.csv"
#: A command that hangs is a failure; a prompt one takes well under a second or two.
PROMPT = 30.0

READERS = [["staff", "list"], ["audit"], ["outbox"], ["backup", "kopi.sqlite3"]]
WRITERS = [["staff", "add", "222"], ["import", str(SAMPLE)], ["run"]]


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "BOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9")  # never reached in these tests
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "key" / "secret.key"))
    yield tmp_path
    instance_lock.release(tmp_path / "data" / "bot.sqlite3")


def _aiosqlite_threads() -> list[threading.Thread]:
    return [
        t for t in threading.enumerate() if t is not threading.current_thread() and t.is_alive()
    ]


def _one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], *words: str, code: int = 1
) -> str:
    """Run a command in-process: it fails with exactly one line on stderr holding `words`, no
    traceback, and leaves no database thread behind (which would keep a process alive)."""
    before = len(_aiosqlite_threads())
    assert main(argv) == code, argv
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, (argv, err, out)
    assert "Traceback" not in out + err
    for word in words:
        assert word in lines[0], (argv, lines[0])
    deadline = time.monotonic() + 5
    while len(_aiosqlite_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_aiosqlite_threads()) <= before, (argv, _aiosqlite_threads())
    return lines[0]


def _import_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(SAMPLE)]) == 0
    capsys.readouterr()


def _read_only_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection refuses writes as on a read-only file system (SQLITE_READONLY)."""
    real = db_module.connect

    async def read_only(path: Path):  # type: ignore[no-untyped-def]
        conn = await real(path)
        await conn.execute("PRAGMA query_only = 1")
        return conn

    monkeypatch.setattr(db_module, "connect", read_only)


def _read_only_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `folder` read-only for us: chmod, or (as root, where chmod does not bind) the
    injected read-only connection plus a refused file creation."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        os.chmod(item, 0o400)
    os.chmod(folder, 0o555)
    probe = folder / ".probe"
    try:
        probe.touch()
    except PermissionError:
        return  # chmod binds: the real thing
    probe.unlink()
    _read_only_connections(monkeypatch)
    real_create = db_module.create_private

    def refuse(path: Path) -> None:
        if not path.exists():
            raise PermissionError(13, "Permission denied", str(path))
        real_create(path)

    monkeypatch.setattr(db_module, "create_private", refuse)


def _full_disk(monkeypatch: pytest.MonkeyPatch, spare_pages: int = 3) -> None:
    """The disk fills up a few pages from now: SQLite's own SQLITE_FULL."""
    real = db_module.connect

    async def full(path: Path):  # type: ignore[no-untyped-def]
        conn = await real(path)
        async with conn.execute("PRAGMA page_count") as cur:
            (pages,) = await cur.fetchone()
        await conn.execute(f"PRAGMA max_page_count = {max(pages, 1) + spare_pages}")
        return conn

    monkeypatch.setattr(db_module, "connect", full)


@pytest.fixture(autouse=True)
def _restore_modes(tmp_path: Path) -> Iterator[None]:
    yield
    for root, dirs, _files in os.walk(tmp_path):
        for name in dirs:
            os.chmod(Path(root) / name, 0o755)


# --- item 4: one bot per database -------------------------------------------------------------


def test_a_second_run_refuses_naming_the_first_and_kill_9_frees_the_database(
    tmp_path: Path,
) -> None:
    front = HttpBotApi()
    front.start()
    env = _bot_env(tmp_path, front.url)
    api = front.api
    out = tmp_path / "first.log"
    procs: list[subprocess.Popen[bytes]] = []

    def start(log_path: Path) -> subprocess.Popen[bytes]:
        proc = _start_bot(tmp_path, env, log_path)
        procs.append(proc)
        return proc

    try:
        first = start(out)
        _wait_for(
            "getUpdates", lambda: front.read(lambda: bool(api.calls_to("getUpdates"))), first, out
        )

        second = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=PROMPT,
        )
        assert second.returncode == 1
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, second.stderr
        assert "Bot lain sudah berjalan" in lines[0] and f"PID {first.pid}" in lines[0]
        assert "Traceback" not in second.stdout + second.stderr

        # The shell commands still work beside the running bot.
        for argv in (["staff", "add", "222"], ["staff", "list"], ["outbox"], ["audit"]):
            done = subprocess.run(
                [sys.executable, "-m", "bot", *argv],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=PROMPT,
            )
            assert done.returncode == 0, (argv, done.stdout, done.stderr)

        # kill -9: the kernel releases the lock; the next start is not refused.
        first.kill()
        first.wait(EXIT_TIMEOUT)
        polls = front.read(lambda: len(api.calls_to("getUpdates")))
        third_log = tmp_path / "third.log"
        third = start(third_log)
        _wait_for(
            "getUpdates from the restarted bot",
            lambda: front.read(lambda: len(api.calls_to("getUpdates")) > polls),
            third,
            third_log,
        )
        third.send_signal(signal.SIGTERM)
        assert third.wait(EXIT_TIMEOUT) == 0, third_log.read_text()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        front.stop()


# --- item 5: whatever the disk does ---------------------------------------------------------


@pytest.mark.parametrize("argv", READERS + WRITERS, ids=" ".join)
def test_a_folder_that_cannot_be_made(
    shell: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    blocker = shell / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    os.environ["BOT_DB_PATH"] = str(blocker / "data" / "bot.sqlite3")
    line = _one_line(argv, capsys, str(blocker))
    assert "bukan folder" in line or "tidak ditemukan" in line


@pytest.mark.parametrize("argv", READERS + WRITERS, ids=" ".join)
def test_a_file_that_is_not_a_database(
    shell: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    path = shell / "data" / "bot.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"Ini catatan rapat, bukan basis data.\n" * 200)
    _one_line(argv, capsys, str(path), "bukan basis data SQLite")


@pytest.mark.parametrize("argv", WRITERS, ids=" ".join)
def test_a_read_only_database(
    shell: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    _import_sample(capsys)
    _read_only_folder(shell / "data", monkeypatch)
    _one_line(argv, capsys, str(shell / "data" / "bot.sqlite3"), "read-only")


@pytest.mark.parametrize("argv", READERS + WRITERS, ids=" ".join)
def test_a_new_database_in_a_read_only_folder(
    shell: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    _read_only_folder(shell / "data", monkeypatch)
    line = _one_line(argv, capsys, str(shell / "data"))
    assert any(word in line for word in ("izin akses", "read-only", "tidak ditemukan")), line


def test_a_full_disk_during_an_import(
    shell: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_sample(capsys)
    with (shell / "big.csv").open("w", encoding="utf-8", newline="") as out:
        write_csv(out, count=3000, seed=7)
    _full_disk(monkeypatch)
    _one_line(["import", "big.csv"], capsys, str(shell / "data" / "bot.sqlite3"), "disk penuh")


@pytest.mark.parametrize("argv", [["staff", "add", "222"], ["import", str(SAMPLE)], ["run"]])
def test_a_locked_database(
    shell: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    _import_sample(capsys)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(shell / "data" / "bot.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program writing, and not letting go
    try:
        _one_line(argv, capsys, str(shell / "data" / "bot.sqlite3"), "dikunci")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


#: A process started as an operator starts it, with a fault injected through the seam first.
_WRAPPER = textwrap.dedent(
    """
    import sys
    from bot.storage import db

    real = db.connect

    async def read_only(path):
        conn = await real(path)
        await conn.execute("PRAGMA query_only = 1")
        return conn

    db.connect = read_only
    from bot.__main__ import main

    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("argv", READERS[:1] + WRITERS, ids=" ".join)
def test_a_read_only_database_ends_the_process_promptly(
    shell: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """The old hang: the process must end by itself (systemd's Restart=always relies on it)."""
    if argv == ["staff", "list"]:
        argv = ["staff", "add", "333"]  # reading a read-only database is fine; writing is not
    _import_sample(capsys)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *argv],
        cwd=shell,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=PROMPT,
    )
    assert time.monotonic() - started < PROMPT
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only" in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_fault_seam_is_used_for_every_connection(shell: Path) -> None:
    """The tests above inject through `db.connect`; make sure the code really calls it."""
    calls: list[Path] = []
    real = db_module.connect

    async def counting(path: Path):  # type: ignore[no-untyped-def]
        calls.append(path)
        return await real(path)

    db_module.connect = counting  # type: ignore[assignment]
    try:
        asyncio.run(_open_and_close(shell / "data" / "bot.sqlite3"))
    finally:
        db_module.connect = real  # type: ignore[assignment]
    assert calls == [shell / "data" / "bot.sqlite3"]


async def _open_and_close(path: Path) -> None:
    db = await db_module.Database.open(path)
    await db.close()


_HOLD = """
import sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfo
from bot.services import instance_lock
instance_lock.acquire(Path(sys.argv[1]), ZoneInfo("Asia/Jakarta"))
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("other_path", ["symlink", "hardlink", "dotted"])
def test_two_paths_to_one_database_are_one_database(tmp_path: Path, other_path: str) -> None:
    """A symlinked, hard-linked or differently spelled BOT_DB_PATH does not get past the lock
    (a symlink once let two bots send the outbox: 587 duplicates to 300 chats)."""
    real = tmp_path / "data" / "bot.sqlite3"
    real.parent.mkdir()
    sqlite3.connect(real).close()
    other = tmp_path / "elsewhere" / "alias.sqlite3"
    other.parent.mkdir()
    match other_path:
        case "symlink":
            other.symlink_to(real)
        case "hardlink":
            os.link(real, other)
        case _:
            other = tmp_path / "elsewhere" / ".." / "data" / "bot.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(real)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OperatorError) as refused:
            instance_lock.acquire(other, ZoneInfo("Asia/Jakarta"))
        assert "Bot lain sudah berjalan" in str(refused.value)
    finally:
        holder.kill()
        holder.wait(10)
    instance_lock.acquire(other, ZoneInfo("Asia/Jakarta"))  # free once the holder is gone
    instance_lock.release(other)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs of 600 KB), where the machine lets the tests mount one."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_import_onto_a_really_full_disk_says_the_disk_is_full(
    small_disk: Path, tmp_path: Path
) -> None:
    """SQLite rolls a transaction back itself when the disk fills; the import said "cannot
    rollback - no transaction is active" (its own ROLLBACK failing) instead of the cause."""
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, count=5000, seed=3)
    env = {
        **os.environ,
        "BOT_DB_PATH": str(small_disk / "bot.sqlite3"),
        "BOT_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(big)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "disk penuh" in done.stderr
    assert "cannot rollback" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
