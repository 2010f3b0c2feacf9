"""Announcements: staff write, choose who gets them, see the exact count, send, follow, stop;
residents opt out and back in."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import (
    RESIDENT_ID,
    STAFF_ID,
    BotEnv,
    add_officer,
    dispatcher_of,
    fast_limits,
    notifier_env,
)
from test_notifier import add_record, change_status, delivered, subscribe

from bot.local_api import LocalUser
from bot.states import KtpStatus

ANNOUNCEMENT = "Kantor tutup hari Jumat, 1 Desember. Layanan buka lagi Senin."


async def add_chats(env: BotEnv, chat_ids: range | list[int]) -> None:
    stamp = env.clock.now().isoformat()
    async with env.services.db.transaction() as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO chats (chat_id, chat_type, first_seen, last_seen)"
            " VALUES (?, 'private', ?, ?)",
            [(c, stamp, stamp) for c in chat_ids],
        )


def send_button(officer: LocalUser) -> str:
    """The label of the send button on the latest preview."""
    return next(b for b in officer.last.buttons if b.startswith("✅ Kirim ke"))


def announcements_to(env: BotEnv, chat_id: int) -> list[str]:
    return [t for t in delivered(env, chat_id) if "Pengumuman Disdukcapil" in t]


async def write(officer: LocalUser, text: str = ANNOUNCEMENT) -> None:
    replies = await officer.send("/siaran")
    assert "Tulis isi pengumuman" in replies[-1].plain
    replies = await officer.send(text)
    assert "Siapa yang menerima" in replies[-1].plain


async def test_announcement_to_everyone_with_preview_count_progress_and_summary(
    env: BotEnv, officer: LocalUser
) -> None:
    await add_chats(env, range(100, 130))
    await write(officer, f"<b>Penting</b>: {ANNOUNCEMENT}")
    assert "📣 Semua chat (31)" in officer.last.buttons  # 30 residents and the officer

    replies = await officer.press("bc:aud:all")
    preview, control = replies[-2], replies[-1]
    assert "Pengumuman Disdukcapil Musi Rawas" in preview.plain
    # What staff typed is shown as typed: "<b>" written by hand is text, not formatting.
    assert "<b>Penting</b>: Kantor tutup" in preview.plain
    assert "&lt;b&gt;Penting" in preview.text
    assert "Jumlah: 31 chat" in control.plain
    assert control.buttons[0] == "✅ Kirim ke 31 chat"

    replies = await officer.press("✅ Kirim ke 31 chat")
    assert "Siaran #1" in replies[-1].plain and "31 chat" in replies[-1].plain
    await dispatcher_of(env.app).drain()

    assert [len(announcements_to(env, c)) for c in range(100, 130)] == [1] * 30
    assert len(announcements_to(env, STAFF_ID)) == 2  # the preview, then the announcement
    progress = [m for m in officer.messages if m.message_id == control.message_id]
    assert "Terkirim 31 dari 31 · gagal 0 · memblokir bot 0" in progress[-1].plain
    assert "selesai" in officer.last.plain
    assert "Terkirim 31 dari 31" in officer.last.plain


async def test_district_announcement_reaches_exactly_the_subscribers_there(
    env: BotEnv, officer: LocalUser
) -> None:
    tugumulyo = await add_record(env, nik="1605014101900001", district="160501")
    tugumulyo_2 = await add_record(env, nik="1605010101900002", district="160501")
    lakitan = await add_record(env, nik="1605024101900003", district="160502")
    await subscribe(env, 201, tugumulyo)
    await subscribe(env, 201, tugumulyo_2)  # two records there: still one message
    await subscribe(env, 202, tugumulyo_2)
    await subscribe(env, 203, lakitan)
    await subscribe(env, 204, tugumulyo)
    await subscribe(env, 205, tugumulyo)
    await add_chats(env, [206])  # no subscription at all
    async with env.services.db.transaction() as conn:
        await conn.execute("UPDATE chats SET announcements = 0 WHERE chat_id = 204")
        await conn.execute("UPDATE chats SET reachable = 0 WHERE chat_id = 205")

    await write(officer)
    replies = await officer.press("bc:aud:district")
    assert "Pilih kecamatan" in replies[-1].plain
    assert "Tugumulyo (2)" in officer.last.buttons
    assert "Muara Lakitan (1)" in officer.last.buttons
    replies = await officer.press("Tugumulyo (2)")
    assert "Kecamatan Tugumulyo" in replies[-1].plain
    assert "Jumlah: 2 chat" in replies[-1].plain
    await officer.press(send_button(officer))
    await dispatcher_of(env.app).drain()

    reached = [c for c in range(201, 207) if announcements_to(env, c)]
    assert reached == [201, 202]
    assert len(announcements_to(env, 201)) == 1


async def test_status_announcement_reaches_subscribers_of_records_in_that_status(
    env: BotEnv, officer: LocalUser
) -> None:
    printed = await add_record(env, nik="1605014101900001", status=KtpStatus.CARD_PRINTED)
    waiting = await add_record(env, nik="1605010101900002", status=KtpStatus.PRINT_READY_RECORD)
    await subscribe(env, 301, printed)
    await subscribe(env, 302, waiting)

    await write(officer, "Kartu yang sudah dicetak bisa diambil hari Sabtu juga.")
    await officer.press("bc:aud:status")
    assert "16. Sudah dicetak, silakan ambil (1)" in officer.last.buttons
    replies = await officer.press("bc:s:CARD_PRINTED")
    assert "Jumlah: 1 chat" in replies[-1].plain
    await officer.press(send_button(officer))
    await dispatcher_of(env.app).drain()

    assert len(announcements_to(env, 301)) == 1
    assert announcements_to(env, 302) == []


async def test_blocked_chats_are_counted_in_the_summary(env: BotEnv, officer: LocalUser) -> None:
    await add_chats(env, range(400, 410))
    env.api.fail(chat_id=403, kind="403")
    env.api.fail(chat_id=405, kind="400")
    await write(officer)
    await officer.press("bc:aud:all")
    await officer.press(send_button(officer))
    await dispatcher_of(env.app).drain()

    assert "Terkirim 9 dari 11 · gagal 1 · memblokir bot 1" in officer.last.plain
    chat = await env.services.db.fetchone("SELECT reachable FROM chats WHERE chat_id = 403")
    assert chat["reachable"] == 0
    # The next announcement does not count the chat that blocked the bot.
    await write(officer)
    assert "📣 Semua chat (10)" in officer.last.buttons


async def test_quiet_hours_wait_unless_staff_say_now(make_env, tmp_path: Path) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 14, 0, tzinfo=UTC))  # 21.00 WIB
    officer = await add_officer(env)
    await add_chats(env, [501, 502])

    await write(officer)
    replies = await officer.press("bc:aud:all")
    assert "jam tenang" in replies[-1].plain
    assert replies[-1].buttons[:2] == ["🌙 Kirim pukul 06.00", "⚡ Kirim sekarang juga"]
    replies = await officer.press("🌙 Kirim pukul 06.00")
    await dispatcher_of(env.app).drain()
    assert announcements_to(env, 501) == []
    assert "Jam tenang" in officer.last.plain and "06.00" in officer.last.plain

    await write(officer, "Pemadaman listrik: layanan besok pagi ditunda.")
    await officer.press("bc:aud:all")
    await officer.press("⚡ Kirim sekarang juga")
    await dispatcher_of(env.app).drain()
    assert [len(announcements_to(env, c)) for c in (501, 502)] == [1, 1]

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    assert [len(announcements_to(env, c)) for c in (501, 502)] == [2, 2]


async def test_a_new_application_finishes_a_broadcast_without_duplicates(
    make_env, tmp_path: Path
) -> None:
    env = await notifier_env(make_env, tmp_path, limits=fast_limits(per_second=40))
    officer = await add_officer(env)
    chats = range(600, 660)
    await add_chats(env, chats)
    await write(officer)
    await officer.press("bc:aud:all")
    await officer.press(send_button(officer))

    while sum(len(announcements_to(env, c)) for c in chats) < 10:
        await asyncio.sleep(0.02)
    await env.restart()  # the old dispatcher stops mid-broadcast, a new one takes over
    sent_before = sum(len(announcements_to(env, c)) for c in chats)
    assert 10 <= sent_before < 60
    dispatcher_of(env.app).limits = fast_limits()
    await dispatcher_of(env.app).drain()

    assert [len(announcements_to(env, c)) for c in chats] == [1] * 60
    assert "Terkirim 61 dari 61" in officer.last.plain  # the officer got it too


async def test_staff_stop_a_broadcast_in_progress(env: BotEnv, officer: LocalUser) -> None:
    dispatcher_of(env.app).limits = fast_limits(per_second=20)
    chats = range(700, 760)
    await add_chats(env, chats)
    await write(officer)
    await officer.press("bc:aud:all")
    await officer.press(send_button(officer))
    while sum(len(announcements_to(env, c)) for c in chats) < 5:
        await asyncio.sleep(0.02)

    replies = await officer.press("⏹ Hentikan siaran")
    assert "Hentikan siaran #1?" in replies[-1].plain
    replies = await officer.press("⏹ Ya, hentikan")
    assert "dihentikan" in replies[-1].plain
    await dispatcher_of(env.app).drain()
    everyone = [*chats, STAFF_ID]
    sent = sum(len(announcements_to(env, c)) for c in everyone) - 1  # not the preview
    await asyncio.sleep(0.2)
    assert sum(len(announcements_to(env, c)) for c in everyone) - 1 == sent < 61

    replies = await officer.send("/siaran daftar")
    listing = replies[-1].plain
    assert "#1 · dihentikan" in listing
    assert f"Terkirim {sent} dari 61" in listing and f"tidak dikirim {61 - sent}" in listing


async def test_list_shows_recent_broadcasts_with_figures(env: BotEnv, officer: LocalUser) -> None:
    await add_chats(env, range(800, 805))
    await write(officer, "Perekaman keliling di Kecamatan Selangit, Selasa pukul 09.00.")
    await officer.press("bc:aud:all")
    await officer.press(send_button(officer))
    await dispatcher_of(env.app).drain()

    await officer.send("/siaran")
    replies = await officer.press("📋 Siaran terakhir")
    listing = replies[-1].plain
    assert "#1 · selesai" in listing
    assert "Terkirim 6 dari 6 · gagal 0 · memblokir bot 0" in listing  # 5 and the officer
    assert "Perekaman keliling di Kecamatan Selangit" in listing
    assert "semua chat" in listing


async def test_cancel_a_draft_sends_nothing(env: BotEnv, officer: LocalUser) -> None:
    await add_chats(env, range(900, 903))
    await write(officer)
    replies = await officer.send("/batal")
    assert "dibatalkan" in replies[-1].plain.lower()
    # Old buttons do nothing any more; the officer is told so.
    await officer.press("bc:aud:all")
    assert "tidak aktif" in officer.answers[-1]["text"]
    await dispatcher_of(env.app).drain()
    assert all(announcements_to(env, c) == [] for c in range(900, 903))


async def test_a_draft_survives_a_restart_at_every_step(env: BotEnv, officer: LocalUser) -> None:
    await add_chats(env, range(950, 953))
    await officer.send("/siaran")
    await env.restart()
    replies = await officer.send(ANNOUNCEMENT)  # the text, written after the restart
    assert "Siapa yang menerima" in replies[-1].plain
    await env.restart()
    replies = await officer.press("bc:aud:all")
    assert "Jumlah: 4 chat" in replies[-1].plain
    await env.restart()
    replies = await officer.press(send_button(officer))
    assert "Siaran #1" in replies[-1].plain
    await dispatcher_of(env.app).drain()
    assert [len(announcements_to(env, c)) for c in range(950, 953)] == [1, 1, 1]
    assert await env.services.db.fetchall("SELECT * FROM staff_steps") == []


async def test_a_draft_older_than_a_day_is_dropped_and_the_officer_told(
    env: BotEnv, officer: LocalUser
) -> None:
    await officer.send("/siaran")
    env.clock.advance(hours=25)
    await env.restart()
    replies = await officer.send(ANNOUNCEMENT)
    assert "lebih dari sehari" in replies[-1].plain
    assert await env.services.db.fetchall("SELECT * FROM staff_steps") == []

    await write(officer)
    env.clock.advance(hours=25)
    await officer.press("bc:aud:all")
    assert "tidak aktif" in officer.answers[-1]["text"]
    assert await env.services.db.fetchall("SELECT * FROM broadcasts") == []


async def test_a_resident_message_is_untouched_by_someone_elses_draft(
    env: BotEnv, officer: LocalUser
) -> None:
    await officer.send("/siaran")
    resident = env.api.user(RESIDENT_ID, "Siti")
    replies = await resident.send(ANNOUNCEMENT)
    assert "Siapa yang menerima" not in replies[-1].plain
    replies = await resident.send("/batal")
    assert "dibatalkan" not in replies[-1].plain.lower()
    replies = await officer.send(ANNOUNCEMENT)  # the officer's draft is still there
    assert "Siapa yang menerima" in replies[-1].plain


async def test_too_long_text_is_refused_with_the_limit(env: BotEnv, officer: LocalUser) -> None:
    await officer.send("/siaran")
    replies = await officer.send("a" * 3600)
    assert "terlalu panjang (3.600 huruf)" in replies[-1].plain
    assert "3.500" in replies[-1].plain


async def test_residents_cannot_broadcast(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    replies = await resident.send("/siaran")
    assert "Tulis isi pengumuman" not in replies[-1].plain
    assert "tidak dikenal" in replies[-1].plain
    rows = await env.services.db.fetchall("SELECT action FROM audit_log")
    assert [r["action"] for r in rows] == ["ditolak"]


async def test_a_resident_who_opts_out_still_gets_card_news(
    env: BotEnv, officer: LocalUser
) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)

    replies = await resident.send("/pengumuman")
    assert "menerima" in replies[-1].plain
    replies = await resident.press("🔕 Matikan pengumuman")
    assert "dimatikan" in replies[-1].plain
    assert "tetap dikirim" in replies[-1].plain

    await write(officer)
    assert "📣 Semua chat (1)" in officer.last.buttons  # only the officer
    await change_status(env, record_id, KtpStatus.CARD_PRINTED, date(2026, 11, 27))
    await dispatcher_of(env.app).drain()
    assert "sudah dicetak" in resident.last.plain

    replies = await resident.send("/pengumuman hidup")
    assert "dihidupkan" in replies[-1].plain
    await officer.send("/batal")
    await write(officer)
    assert "📣 Semua chat (2)" in officer.last.buttons


async def test_announcement_settings_answer_bad_words_and_groups(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    replies = await resident.send("/pengumuman kadang")
    assert "matikan pengumuman" in replies[-1].plain
    group = env.api.group(-100500, "Warga Tugumulyo")
    replies = await group.send(resident, "/pengumuman mati")
    assert "chat pribadi" in replies[-1].plain


_KILLED_BOT = """
import asyncio, os, sys
from pathlib import Path

from bot.app import build_application, start_in_process
from bot.domain.clock import FakeClock
from bot.domain.config import QuietHours, Settings
from bot.local_api import LOCAL_TOKEN, LocalBotApi
from bot.app import start_dispatcher
from bot.handlers.dispatcher import Limits
from bot.storage import broadcasts

home = Path(sys.argv[1])
log = os.open(home / "delivered.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND)


class Api(LocalBotApi):
    async def do_request(self, url, method, request_data=None, **kw):
        status, body = await super().do_request(url, method, request_data, **kw)
        call = self.calls[-1]
        if status == 200 and call.method == "sendMessage" and (call.chat_id or 0) >= 5000:
            os.write(log, f"{call.chat_id}\\n".encode())
        return status, body


async def main():
    settings = Settings(
        token=LOCAL_TOKEN,
        db_path=home / "bot.sqlite3",
        secret_key_file=home / "secret.key",
        quiet_hours=QuietHours(0, 0),
    )
    clock = FakeClock()
    app = build_application(settings, request=Api(token=LOCAL_TOKEN), clock=clock, background=False)
    await start_in_process(app)
    db = app.bot_data.services.db
    stamp = clock.now().isoformat()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)"
            " VALUES (?, 'private', ?, ?)",
            [(c, stamp, stamp) for c in range(5000, 5100)],
        )
        await broadcasts.create(
            conn, created_by=1, text="Tes", audience=broadcasts.Audience("all"),
            now=clock.now(), send_now=False, progress_chat_id=None, progress_message_id=None,
        )
    await start_dispatcher(app, Limits(per_second=100, private_interval=0, poll_interval=0.05))
    await asyncio.sleep(3600)


asyncio.run(main())
"""


@pytest.mark.sqlite_only  # a child process on the SQLite file; PostgreSQL: tests/test_workers.py
async def test_after_kill_9_the_rest_goes_out_and_nothing_sent_goes_again(
    make_env, tmp_path: Path
) -> None:
    script = tmp_path / "killed_bot.py"
    script.write_text(_KILLED_BOT)
    delivered_file = tmp_path / "delivered.txt"
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    try:
        async with asyncio.timeout(60):
            while len(_lines(delivered_file)) < 30:
                await asyncio.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    before = _lines(delivered_file)
    assert 30 <= len(before) < 100 and len(set(before)) == len(before)

    env = await notifier_env(make_env, tmp_path)  # the same database, a new process' bot
    await dispatcher_of(env.app).drain()

    after = [c for c in range(5000, 5100) for _ in delivered(env, c)]
    counts = Counter(before + after)
    assert sorted(counts) == list(range(5000, 5100))  # nobody lost
    # Only what was on its way at the moment of the kill may go twice.
    assert sum(n - 1 for n in counts.values()) <= 2


def _lines(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [int(line) for line in path.read_text().split()]
