"""BOT_IMPORT_DIR: the folder the running bot imports from, once per file, in name order; the
report beside the file and at the staff desk; the same file twice changes nothing.

These drive a bot with its background work running (the folder watcher and the outbox
dispatcher) on both databases; tests/test_folder_import_process.py feeds a real `python -m bot
run` and kills it mid-file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ADMIN_ID, RESIDENT_ID, BotEnv, dispatcher_of, notifier_env

from bot.services import importer
from bot.services.folder_import import STALE_AFTER, FolderWatcher
from bot.storage import records as records_store

NIK_A = "1605014101900001"
NIK_B = "1605014101900002"
KK = "1605010101200001"
HEADER = "nik;no_kk;nama;status;tanggal_status\n"
TIMEOUT = 20.0


async def folder_env(make_env, tmp_path: Path) -> tuple[BotEnv, Path, FolderWatcher]:
    folder = tmp_path / "impor"
    env = await notifier_env(make_env, tmp_path, import_dir=folder)
    watcher = env.app.bot_data.folder_watcher
    assert watcher is not None and watcher.running
    watcher.stable, watcher.poll = 0.3, 0.05  # test speed; the rule is the same
    return env, folder, watcher


async def until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s"
        await asyncio.sleep(0.05)


def desk_texts(env: BotEnv, chat_id: int = ADMIN_ID) -> list[str]:
    return [m.plain for m in env.api.messages(chat_id)]


async def test_a_file_dropped_in_the_folder_is_imported_moved_and_reported(
    make_env, tmp_path: Path
) -> None:
    env, folder, watcher = await folder_env(make_env, tmp_path)
    resident = env.api.user(RESIDENT_ID, "Siti")
    await resident.send("/start")  # a chat the news can reach
    (folder / "b-kedua.csv").write_text(
        HEADER + f"{NIK_A};{KK};Siti Aminah;CARD_PRINTED;2026-11-27\n", encoding="utf-8"
    )
    (folder / "a-pertama.csv").write_text(
        HEADER
        + f"{NIK_A};{KK};Siti Aminah;PRR;2026-06-01\n"
        + f"{NIK_B};{KK};Budi;BIO_CAPTURED;2026-06-01\n"
        + f"{NIK_B};;Budi;STATUS_ANEH;2026-06-02\n",
        encoding="utf-8",
    )
    (folder / "c-sedang-disalin.csv.part").write_text("nama;alamat\nx;y\n", encoding="utf-8")
    await until("two files handled", lambda: len(watcher.handled) == 2)
    assert [o.name for o in watcher.handled] == ["a-pertama.csv", "b-kedua.csv"]  # name order
    done = folder / "selesai"
    assert sorted(p.name for p in done.iterdir()) == [
        "a-pertama.csv",
        "a-pertama.csv.laporan.txt",
        "a-pertama.ditolak.csv",
        "b-kedua.csv",
        "b-kedua.csv.laporan.txt",
    ]
    assert (folder / "c-sedang-disalin.csv.part").exists()  # left alone until renamed
    report = (done / "a-pertama.csv.laporan.txt").read_text(encoding="utf-8")
    assert "a-pertama.csv" in report and "baris 4" in report.lower()
    assert "<b>" not in report and "Siti" not in report

    await dispatcher_of(env.app).drain()
    desk = desk_texts(env)
    assert len(desk) == 2 and "a-pertama.csv" in desk[0] and "b-kedua.csv" in desk[1]
    assert "selesai/a-pertama.csv" in desk[0]
    audit = await env.services.db.fetchall(
        "SELECT target, detail FROM audit_log WHERE action = 'impor' ORDER BY id"
    )
    assert [tuple(r) for r in audit] == [("a-pertama.csv", "folder"), ("b-kedua.csv", "folder")]
    record = await records_store.get_by_nik_hash(
        env.services.db.conn, env.services.hasher.nik(NIK_A)
    )
    assert record is not None and record.status.value == "CARD_PRINTED"

    # Renamed when the copy is complete: now it is read (and refused as a whole: no columns).
    os.replace(folder / "c-sedang-disalin.csv.part", folder / "c-sedang-disalin.csv")
    await until("the renamed file", lambda: len(watcher.handled) == 3)
    assert (folder / "ditolak" / "c-sedang-disalin.csv").exists()
    assert (folder / "ditolak" / "c-sedang-disalin.csv.laporan.txt").exists()


async def test_the_same_file_twice_changes_nothing_and_tells_no_resident_twice(
    make_env, tmp_path: Path
) -> None:
    env, folder, watcher = await folder_env(make_env, tmp_path)
    first = HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n"
    await importer.import_csv(env.services, _bytes(first), source_name="awal.csv")
    record = await records_store.get_by_nik_hash(
        env.services.db.conn, env.services.hasher.nik(NIK_A)
    )
    assert record is not None
    await _subscribe(env, RESIDENT_ID, record.id)
    printed = HEADER + f"{NIK_A};{KK};Siti;CARD_PRINTED;2026-11-27\n"
    (folder / "harian.csv").write_text(printed, encoding="utf-8")
    await until("the first drop", lambda: len(watcher.handled) == 1)
    history = await env.services.db.fetchone("SELECT COUNT(*) FROM status_history")
    (folder / "harian.csv").write_text(printed, encoding="utf-8")  # the same, again
    await until("the second drop", lambda: len(watcher.handled) == 2)
    again = watcher.handled[1]
    assert again.copy_of == "harian.csv" and again.target.name.startswith("harian-")
    assert (await env.services.db.fetchone("SELECT COUNT(*) FROM status_history"))[0] == history[0]
    await dispatcher_of(env.app).drain()
    resident_news = [m for m in env.api.messages(RESIDENT_ID) if "dicetak" in m.plain]
    assert len(resident_news) == 1
    desk = desk_texts(env)
    assert len(desk) == 2 and "sama persis" in desk[1]
    assert sorted(p.name for p in (folder / "selesai").iterdir() if p.suffix == ".csv") == sorted(
        ["harian.csv", again.target.name]
    )


async def test_the_report_goes_to_the_meja_group_when_there_is_one(
    make_env, tmp_path: Path
) -> None:
    env, folder, watcher = await folder_env(make_env, tmp_path)
    group = -100555
    desk = env.api.group(group, "Petugas Dukcapil")
    admin = env.api.user(ADMIN_ID, "Rina")
    await desk.send(admin, "/meja")  # the admin names the staff group the desk
    (folder / "ekspor.csv").write_text(HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n")
    await until("the file", lambda: len(watcher.handled) == 1)
    await dispatcher_of(env.app).drain()
    assert any("ekspor.csv" in text for text in desk_texts(env, group))
    assert not any("ekspor.csv" in text for text in desk_texts(env))  # not in private then


async def test_a_file_left_running_by_a_killed_bot_is_imported_once_on_start(
    make_env, tmp_path: Path
) -> None:
    """What kill -9 leaves (in-process: the file's row "running", half its rows applied, their
    news queued): the next start imports the file again, and nothing is doubled or told twice.
    The real kill -9 of `python -m bot run` is in tests/test_folder_import_process.py."""
    folder = tmp_path / "impor"
    folder.mkdir()
    env = await notifier_env(make_env, tmp_path)  # no folder watched yet
    first = HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n{NIK_B};{KK};Budi;PRR;2026-06-01\n"
    await importer.import_csv(env.services, _bytes(first), source_name="awal.csv")
    for chat, nik in ((RESIDENT_ID, NIK_A), (RESIDENT_ID + 1, NIK_B)):
        record = await records_store.get_by_nik_hash(
            env.services.db.conn, env.services.hasher.nik(nik)
        )
        assert record is not None
        await _subscribe(env, chat, record.id)
    daily = HEADER + f"{NIK_A};{KK};Siti;CARD_PRINTED;2026-11-27\n"
    daily += f"{NIK_B};{KK};Budi;CARD_PRINTED;2026-11-27\n"
    path = folder / "harian.csv"
    path.write_text(daily, encoding="utf-8")
    # The killed bot had applied the first row (and queued its news) and then died.
    half = HEADER + f"{NIK_A};{KK};Siti;CARD_PRINTED;2026-11-27\n"
    await importer.import_csv(env.services, _bytes(half), source_name="harian.csv")
    watcher = FolderWatcher(env.services, folder)
    from bot.services.folder_import import _sha256
    from bot.storage import folder_imports

    async with env.services.db.transaction() as conn:
        await folder_imports.start(conn, _sha256(path), "harian.csv", "a-dead-bot", env.clock.now())
    if env.settings.database_url is not None:
        # Several workers: another's file is left to it while it gives signs of life.
        assert await watcher.handle(path) is None
        env.clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
    outcome = await watcher.handle(path)  # the next start
    assert outcome is not None and outcome.summary is not None
    assert (outcome.summary.unchanged, outcome.summary.changed) == (1, 1)
    await dispatcher_of(env.app).drain()
    for chat in (RESIDENT_ID, RESIDENT_ID + 1):
        assert len([m for m in env.api.messages(chat) if "dicetak" in m.plain]) == 1
    desk = desk_texts(env)
    assert len(desk) == 1 and "dilanjutkan" in desk[0]
    assert (folder / "selesai" / "harian.csv").exists() and not path.exists()


def _bytes(text: str) -> object:
    import io

    return io.BytesIO(text.encode())


async def _subscribe(env: BotEnv, chat_id: int, record_id: int) -> None:
    stamp = env.clock.now().isoformat()
    async with env.services.db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO chats (chat_id, chat_type, first_seen, last_seen)"
            " VALUES (?, 'private', ?, ?)",
            (chat_id, stamp, stamp),
        )
        await conn.execute(
            "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (?, ?, ?)",
            (chat_id, record_id, stamp),
        )


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_IMPORT_DIR", raising=False)


async def test_with_several_workers_only_the_elected_one_imports(
    make_env, tmp_path: Path, db_backend: str | None
) -> None:
    if db_backend is None:
        pytest.skip("several workers share a PostgreSQL database")
    folder = tmp_path / "impor"
    first = await make_env(tmp_path, background=True, import_dir=folder)
    second = await make_env(tmp_path, background=True, import_dir=folder)
    watchers = [env.app.bot_data.folder_watcher for env in (first, second)]
    for watcher in watchers:
        assert watcher is not None
        watcher.stable, watcher.poll = 0.3, 0.05
    await until(
        "an elected worker",
        lambda: sum(env.app.bot_data.runs_periodic_jobs for env in (first, second)) == 1,
    )
    for n in range(3):
        (folder / f"0{n}.csv").write_text(HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-0{n + 1}\n")
    await until("three files", lambda: sum(len(w.handled) for w in watchers if w) == 3)
    leader = first if first.app.bot_data.runs_periodic_jobs else second
    assert leader.app.bot_data.folder_watcher is not None
    assert len(leader.app.bot_data.folder_watcher.handled) == 3
    audit = await first.services.db.fetchall("SELECT target FROM audit_log WHERE action = 'impor'")
    assert sorted(r[0] for r in audit) == ["00.csv", "01.csv", "02.csv"]


async def test_a_nik_in_a_file_name_never_reaches_the_desk_or_the_database(
    make_env, tmp_path: Path
) -> None:
    env, folder, watcher = await folder_env(make_env, tmp_path)
    (folder / f"susulan {NIK_B}.csv").write_text(HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n")
    await until("the file", lambda: len(watcher.handled) == 1)
    await dispatcher_of(env.app).drain()
    assert desk_texts(env) and all(NIK_B not in text for text in desk_texts(env))
    for table in ("outbox", "audit_log", "folder_imports", "imports"):
        rows = await env.services.db.fetchall(f"SELECT * FROM {table}")
        assert NIK_B not in repr([tuple(r) for r in rows]), table


async def test_a_refused_file_dropped_again_is_read_again(make_env, tmp_path: Path) -> None:
    _, folder, watcher = await folder_env(make_env, tmp_path)
    content = HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n"
    (folder / "ekspor.dat").write_text(content)  # not a table's name: refused, nothing changed
    await until("the refusal", lambda: len(watcher.handled) == 1)
    assert watcher.handled[0].folder == "ditolak"
    (folder / "ekspor.csv").write_text(content)  # the same bytes, now as a CSV
    await until("the import", lambda: len(watcher.handled) == 2)
    assert watcher.handled[1].folder == "selesai" and watcher.handled[1].copy_of is None
    assert watcher.handled[1].summary is not None and watcher.handled[1].summary.new == 1


async def test_a_file_that_cannot_be_read_does_not_hold_up_the_next(
    make_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import folder_import

    real = folder_import._sha256

    def unreadable(path: Path) -> str:
        if path.name.startswith("a-"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(folder_import, "_sha256", unreadable)
    _, folder, watcher = await folder_env(make_env, tmp_path)
    (folder / "a-terkunci.csv").write_text(HEADER)
    (folder / "b-baik.csv").write_text(HEADER + f"{NIK_A};{KK};Siti;PRR;2026-06-01\n")
    await until("the readable file", lambda: len(watcher.handled) == 1)
    assert watcher.handled[0].name == "b-baik.csv"
    assert (folder / "a-terkunci.csv").exists()
