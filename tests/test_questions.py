"""Questions to staff ("Tanya petugas"): a resident asks, the desk takes and answers, the
resident reads and replies in the same thread; races, restarts, office hours, masking,
erasure and mutes, all through the real Application and local_api."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ADMIN_ID, RESIDENT_ID, STAFF_ID, BotEnv, dispatcher_of, fast_limits
from resident_support import KK, NIK, add_record, check

from bot import texts_id
from bot.domain.clock import FakeClock
from bot.handlers import questions as handlers
from bot.handlers.context import BotContext
from bot.local_api import BotMessage, LocalUser
from bot.services import questions as questions_mod
from bot.services import stats
from bot.storage import audit as audit_store
from bot.storage import staff as staff_store

OTHER_STAFF_ID = 2003
OTHER_RESIDENT_ID = 1002
GROUP_ID = -500
#: Monday 30 November 2026, 10.00 WIB: the office is open.
MONDAY_10 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
#: Saturday 28 November 2026, 10.00 WIB: closed.
SATURDAY_10 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
QUESTION = "Nama di KTP-el saya salah cetak, huruf A jadi E. Bagaimana memperbaikinya?"
ANSWER = "Silakan datang ke loket 3 dengan KK asli. Perbaikan selesai hari itu juga."


class Desk:
    """The people of these tests: a resident, two petugas, an admin, the staff group."""

    def __init__(self, env: BotEnv) -> None:
        self.env = env
        api = env.api
        self.resident = api.user(RESIDENT_ID, "Siti")
        self.budi = api.user(STAFF_ID, "Budi Santoso", username="budi_dukcapil")
        self.dewi = api.user(OTHER_STAFF_ID, "Dewi")
        self.admin = api.user(ADMIN_ID, "Rina")
        self.group = api.group(GROUP_ID, "Petugas Dukcapil")

    async def deliver(self) -> None:
        """Let the outbox dispatcher send everything due."""
        await dispatcher_of(self.env.app).drain()

    async def tick(self) -> None:
        """What the periodic job does every minute."""
        await handlers.periodic(BotContext(self.env.app))


async def start(make_env, tmp_path: Path, when: datetime = MONDAY_10, **kw: object) -> Desk:
    env = await make_env(tmp_path, background=True, clock=FakeClock(when), **kw)
    dispatcher_of(env.app).limits = fast_limits()
    async with env.services.db.transaction() as conn:
        for user_id in (STAFF_ID, OTHER_STAFF_ID):
            await staff_store.put(conn, user_id, staff_store.PETUGAS, ADMIN_ID, env.clock.now())
    return Desk(env)


@pytest.fixture
async def desk(make_env, tmp_path: Path) -> Desk:
    return await start(make_env, tmp_path)


async def ask(desk: Desk, text: str = QUESTION, user: LocalUser | None = None) -> str:
    user = user or desk.resident
    replies = await user.send(texts_id.MENU_ASK)
    assert "Silakan tulis pertanyaan" in replies[-1].plain
    replies = await user.send(text)
    return replies[-1].plain


async def name_group(desk: Desk) -> None:
    replies = await desk.group.send(desk.admin, "/meja")
    assert "meja pertanyaan warga" in replies[-1].plain


def desk_posts(messages: list[BotMessage], number: int) -> list[BotMessage]:
    return [
        m
        for m in messages
        if not m.edited and f"Pertanyaan #{number}" in m.plain and m.text and "❓" in m.plain
    ]


def said(replies: list[BotMessage]) -> str:
    """Every new message among `replies` (edits of desk cards left out), as one text."""
    return "\n".join(m.plain for m in replies if not m.edited)


def latest(chat_messages: list[BotMessage], needle: str) -> BotMessage:
    found = [m for m in chat_messages if needle in m.plain]
    assert found, f"no message with {needle!r}"
    return found[-1]


def current_text(desk: Desk, chat_id: int, message: BotMessage) -> str:
    for shown in desk.env.api.current(chat_id):
        if shown.message_id == message.message_id:
            return shown.plain
    raise AssertionError("message not found")


# --- the whole thread --------------------------------------------------------------------------


async def test_ask_take_answer_read_reply_close_through_the_staff_group(desk: Desk) -> None:
    await name_group(desk)
    confirmation = await ask(desk)
    assert "Pertanyaan #1" in confirmation and "menunggu petugas" in confirmation
    assert "tutup" not in confirmation  # Monday 10.00: the office is open
    await desk.deliver()

    posted = desk_posts(desk.group.messages, 1)
    assert len(posted) == 1  # each question appears once
    card = posted[0]
    assert QUESTION in card.plain and "baru" in card.plain
    assert card.buttons == ["🙋 Saya tangani", "✍️ Jawab", "✅ Tutup"]
    assert desk.env.api.messages(STAFF_ID) == []  # a group desk: nobody in private

    await desk.group.press(desk.budi, "🙋 Saya tangani")
    assert desk.budi.answers[-1]["text"] == "Pertanyaan #1 sekarang Anda tangani."
    assert "ditangani Budi (petugas)" in current_text(desk, GROUP_ID, card)

    replies = await desk.group.send(desk.budi, ANSWER, reply_to=card)
    assert "✅ Jawaban untuk Pertanyaan #1 dikirim ke warga." in said(replies)
    await desk.deliver()

    answer = desk.resident.last
    assert answer is not None
    assert answer.plain.startswith("💬 Jawaban petugas Disdukcapil:")
    assert ANSWER in answer.plain and "Budi (petugas)" in answer.plain
    assert "Santoso" not in answer.plain and "budi_dukcapil" not in answer.plain
    assert str(STAFF_ID) not in answer.plain
    assert answer.buttons == ["↩️ Balas"]

    replies = await desk.resident.press("↩️ Balas")
    assert "Silakan tulis balasan untuk Pertanyaan #1" in replies[-1].plain
    replies = await desk.resident.send("Terima kasih. Apakah hari Sabtu buka?")
    assert "sudah diteruskan ke petugas" in replies[-1].plain
    await desk.deliver()
    follow_up = latest(desk.group.messages, "Balasan warga")
    assert "Apakah hari Sabtu buka?" in follow_up.plain and "Pertanyaan #1" in follow_up.plain

    await desk.group.send(desk.budi, "Sabtu tutup, Bu. Senin sampai Jumat.", reply_to=follow_up)
    await desk.deliver()
    second = desk.resident.last
    assert second is not None and "Sabtu tutup, Bu." in second.plain

    # A Telegram reply to the answer works as well as the button.
    replies = await desk.resident.send("Baik, saya datang Senin.", reply_to=second)
    assert "sudah diteruskan" in replies[-1].plain
    await desk.deliver()
    assert "saya datang Senin" in latest(desk.group.messages, "Balasan warga").plain

    await desk.group.press(desk.budi, "✅ Tutup")
    await desk.deliver()
    assert "sudah selesai dan ditutup" in desk.resident.last.plain
    assert "selesai" in current_text(desk, GROUP_ID, card)
    replies = await desk.resident.press("↩️ Balas")
    assert "Pertanyaan #1 sudah selesai" in replies[-1].plain

    rows = await audit_store.entries(desk.env.services.db.conn)
    mine = [(r.action, r.actor_id, r.target) for r in rows if r.target == "#1"]
    assert mine == [
        ("tangani_pertanyaan", STAFF_ID, "#1"),
        ("jawab_pertanyaan", STAFF_ID, "#1"),
        ("jawab_pertanyaan", STAFF_ID, "#1"),
        ("tutup_pertanyaan", STAFF_ID, "#1"),
    ]
    for row in rows:  # who answered which number, never the text
        for value in (row.old_value, row.new_value, row.detail):
            assert "loket 3" not in (value or "") and "salah cetak" not in (value or "")


async def test_the_answer_button_asks_for_the_answer_in_the_group(desk: Desk) -> None:
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    replies = await desk.group.press(desk.dewi, "✍️ Jawab")
    prompt = replies[-1]
    assert "tulis jawaban untuk Pertanyaan #1" in prompt.plain
    assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply")
    replies = await desk.group.send(desk.dewi, ANSWER, reply_to=prompt)
    assert "dikirim ke warga" in said(replies)
    await desk.deliver()
    assert "Dewi (petugas)" in desk.resident.last.plain
    # Answering took the question: Budi may not answer it now.
    card = desk_posts(desk.group.messages, 1)[0]
    replies = await desk.group.send(desk.budi, "Jawaban lain", reply_to=card)
    assert "ditangani Dewi (petugas)" in replies[-1].plain
    assert "Jawaban tidak dikirim" in replies[-1].plain


async def test_two_staff_press_take_at_once_one_wins_the_other_is_told_who(desk: Desk) -> None:
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    await asyncio.gather(
        desk.group.press(desk.budi, "🙋 Saya tangani"),
        desk.group.press(desk.dewi, "🙋 Saya tangani"),
    )
    toasts = {
        "budi": desk.budi.answers[-1],
        "dewi": desk.dewi.answers[-1],
    }
    won = [who for who, a in toasts.items() if a["text"] == "Pertanyaan #1 sekarang Anda tangani."]
    assert len(won) == 1
    winner = "Budi" if won == ["budi"] else "Dewi"
    loser = toasts["dewi" if won == ["budi"] else "budi"]
    assert loser["text"] == f"Pertanyaan #1 sudah ditangani {winner} (petugas)."
    assert loser.get("show_alert") is True
    rows = await audit_store.entries(desk.env.services.db.conn, action="tangani_pertanyaan")
    assert len(rows) == 1


# --- durable ---------------------------------------------------------------------------------


async def test_a_restart_between_the_question_and_the_answer_loses_nothing(
    make_env, tmp_path: Path
) -> None:
    env = await make_env(tmp_path, clock=FakeClock(MONDAY_10))  # no dispatcher yet
    async with env.services.db.transaction() as conn:
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, ADMIN_ID, env.clock.now())
    resident = env.api.user(RESIDENT_ID, "Siti")
    await resident.send(texts_id.MENU_ASK)
    assert "Pertanyaan #1" in (await resident.send(QUESTION))[-1].plain
    assert env.api.messages(STAFF_ID) == []  # queued, not sent yet

    await env.restart()  # a new Application on the same database
    await env.start_background()
    dispatcher_of(env.app).limits = fast_limits()
    await dispatcher_of(env.app).drain()
    # No group desk: every staff member gets the question in private, admins too.
    card = desk_posts(env.api.messages(STAFF_ID), 1)
    assert len(card) == 1 and len(desk_posts(env.api.messages(ADMIN_ID), 1)) == 1

    await env.restart()
    await env.start_background()
    dispatcher_of(env.app).limits = fast_limits()
    budi = env.api.user(STAFF_ID, "Budi")
    replies = await budi.send(ANSWER, reply_to=card[0])
    assert "dikirim ke warga" in said(replies)
    await dispatcher_of(env.app).drain()
    assert ANSWER in resident.last.plain
    # The other copy (the admin's) now shows who has it.
    admin_copy = desk_posts(env.api.messages(ADMIN_ID), 1)[0]
    shown = next(m for m in env.api.current(ADMIN_ID) if m.message_id == admin_copy.message_id)
    assert "ditangani Budi (petugas)" in shown.plain


async def test_with_no_group_a_resident_reply_goes_to_whoever_has_the_question(
    desk: Desk,
) -> None:
    await ask(desk)
    await desk.deliver()
    for user_id in (STAFF_ID, OTHER_STAFF_ID, ADMIN_ID):
        assert len(desk_posts(desk.env.api.messages(user_id), 1)) == 1
    await desk.dewi.press("🙋 Saya tangani")
    await desk.dewi.press("✍️ Jawab")
    replies = await desk.dewi.send(ANSWER)  # in private, the next message is the answer
    assert "dikirim ke warga" in said(replies)
    await desk.deliver()
    await desk.resident.press("↩️ Balas")
    await desk.resident.send("Baik, terima kasih.")
    await desk.deliver()
    assert "Baik, terima kasih." in latest(desk.env.api.messages(OTHER_STAFF_ID), "Balasan").plain
    assert not [m for m in desk.env.api.messages(STAFF_ID) if "Balasan warga" in m.plain]


# --- office hours and holidays ---------------------------------------------------------------


async def test_outside_office_hours_the_resident_is_told_when_it_will_be_read(
    make_env, tmp_path: Path
) -> None:
    desk = await start(make_env, tmp_path, when=SATURDAY_10)
    replies = await desk.resident.send("/tanya")
    assert "Kantor sedang tutup" in replies[-1].plain
    assert "Senin, 30 November 2026 pukul 08.00 WIB" in replies[-1].plain

    replies = await desk.admin.send("/libur tambah 2026-11-30 Cuti bersama")
    assert "Cuti bersama" in replies[-1].plain
    replies = await desk.resident.send(QUESTION)
    assert "Pertanyaan #1" in replies[-1].plain
    assert "Selasa, 1 Desember 2026 pukul 08.00 WIB" in replies[-1].plain
    assert "Cuti bersama" in (await desk.admin.send("/libur"))[-1].plain
    replies = await desk.admin.send("/libur hapus 30-11-2026")
    assert "dihapus dari daftar libur" in replies[-1].plain

    replies = await desk.admin.send("/jamkerja Senin-Jumat 08.00-15.00; Sabtu 08.00-12.00")
    assert "Senin–Jumat 08.00–15.00; Sabtu 08.00–12.00" in replies[-1].plain
    replies = await desk.resident.send("/tanya")
    assert "tutup" not in replies[-1].plain  # Saturday 10.00 is a working hour now
    replies = await desk.admin.send("/jamkerja Senin-Jumat 15.00-08.00")
    assert "jam tutup tidak sesudah jam buka" in replies[-1].plain
    replies = await desk.budi.send("/jamkerja Senin 08-12")
    assert "khusus admin" in replies[-1].plain
    actions = [r.action for r in await audit_store.entries(desk.env.services.db.conn)]
    assert {"tambah_libur", "hapus_libur", "ubah_jam_kerja"} <= set(actions)


async def test_an_untaken_question_is_shown_again_after_four_working_hours(
    make_env, tmp_path: Path
) -> None:
    friday_14 = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # Friday 14.00 WIB
    desk = await start(make_env, tmp_path, when=friday_14)
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    clock: FakeClock = desk.env.clock
    clock.set(datetime(2026, 11, 30, 3, 59, tzinfo=UTC))  # Monday 10.59: 1 h + 2 h 59 min
    await desk.tick()
    await desk.deliver()
    assert len(desk_posts(desk.group.messages, 1)) == 1
    clock.set(datetime(2026, 11, 30, 4, 0, tzinfo=UTC))  # Monday 11.00: four working hours
    await desk.tick()
    await desk.tick()  # idempotent: once per threshold
    await desk.deliver()
    posts = desk_posts(desk.group.messages, 1)
    assert len(posts) == 2
    assert "Belum ada yang menangani sejak 4 jam jam kerja" in posts[-1].plain
    await desk.group.press(desk.budi, "🙋 Saya tangani")  # on the reminder
    clock.advance(hours=30)
    await desk.tick()
    await desk.deliver()
    assert len(desk_posts(desk.group.messages, 1)) == 2  # taken: no more reminders


def test_working_time_skips_nights_weekends_and_holidays() -> None:
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from bot.services.office_hours import (
        DEFAULT_SCHEDULE,
        OfficeHours,
        ScheduleError,
        parse_schedule,
    )

    hours = OfficeHours(DEFAULT_SCHEDULE, ZoneInfo("Asia/Jakarta"), {date(2026, 12, 25): "Natal"})
    friday_14 = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    monday_9 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert hours.working_seconds(friday_14, monday_9) == 2 * 3600
    assert hours.add_working(friday_14, 4 * 3600) == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    christmas_eve_16 = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # Thursday 16.00 WIB
    assert hours.next_open(christmas_eve_16) == datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
    assert hours.is_open(monday_9) and not hours.is_open(friday_14.replace(hour=9))
    schedule = parse_schedule("Senin - Kamis 07.30-16; Jum'at 8:00-11.30 WIB")
    assert schedule.days[0] == (time(7, 30), time(16, 0))
    assert schedule.days[4] == (time(8, 0), time(11, 30))
    assert 5 not in schedule.days
    for bad in ("Senen 08-15", "Senin 8-25", ""):
        with pytest.raises(ScheduleError):
            parse_schedule(bad)


# --- privacy ---------------------------------------------------------------------------------


async def test_numbers_are_masked_for_staff_and_a_proved_record_is_shown_masked(
    make_env, tmp_path: Path
) -> None:
    desk = await start(make_env, tmp_path)
    await add_record(desk.env, NIK, KK)
    assert "1605" in await check(desk.resident, NIK, KK)  # proves NIK + KK in this chat
    await name_group(desk)
    await ask(desk, f"KTP dengan NIK {NIK} dan KK {KK} kapan jadi?")
    stranger = desk.env.api.user(OTHER_RESIDENT_ID, "Andi")
    await ask(desk, f"NIK saya {NIK[:8]} {NIK[8:]} belum jadi", user=stranger)
    await desk.deliver()

    first, second = desk_posts(desk.group.messages, 1)[0], desk_posts(desk.group.messages, 2)[0]
    for post in (first, second):
        assert NIK not in post.plain and KK not in post.plain and NIK[8:] not in post.plain
        assert "1605••••••••0012" in post.plain
    assert "Warga sudah membuktikan NIK 1605••••••••0012" in first.plain
    assert "🔎 Cek warga" in first.buttons
    assert "membuktikan" not in second.plain and "🔎 Cek warga" not in second.buttons

    await desk.group.press(desk.budi, "🔎 Cek warga")
    record = desk.env.api.messages(STAFF_ID)[-1]
    assert "NIK 1605••••••••0012" in record.plain and "Riwayat" in record.plain
    assert NIK not in record.plain

    db = desk.env.services.db
    kept = [r[0] for r in await db.fetchall("SELECT text FROM question_messages")]
    kept += [r[0] for r in await db.fetchall("SELECT text FROM outbox")]
    assert kept and not [t for t in kept if NIK in t or KK in t or NIK[8:] in t]


async def test_erasing_removes_questions_and_answers_and_the_desk_says_so(desk: Desk) -> None:
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    card = desk_posts(desk.group.messages, 1)[0]
    await desk.group.send(desk.budi, ANSWER, reply_to=card)
    await desk.deliver()

    await desk.resident.send("/hapusdata")
    await desk.resident.press(texts_id.BTN_ERASE_YES)
    await desk.tick()
    assert current_text(desk, GROUP_ID, card).endswith("[dihapus oleh warga]")
    db = desk.env.services.db
    assert await db.fetchall("SELECT * FROM question_messages") == []
    row = await db.fetchone("SELECT chat_id, state, first_answer_at FROM questions WHERE id = 1")
    assert row is not None and row[0] is None and row[1] == "closed" and row[2] is not None
    texts = [r[0] for r in await db.fetchall("SELECT text FROM outbox")]
    assert not [t for t in texts if "salah cetak" in t or "loket 3" in t]
    replies = await desk.group.send(desk.budi, "Masih ada?", reply_to=card)
    assert "Pertanyaan #1 tidak ada" in replies[-1].plain
    figures = await questions_mod.figures(desk.env.services)
    assert figures.asked == 1 and figures.answered == 1  # the figures stay true


async def test_closing_an_unanswered_question_asks_why_and_tells_the_resident(
    desk: Desk,
) -> None:
    """✅ Tutup on a question nobody answered asks first, with common reasons; the resident
    reads the reason and how to ask again, never thanks for an answer that was not given."""
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    card = desk_posts(desk.group.messages, 1)[0]
    replies = await desk.group.press(desk.budi, "✅ Tutup")
    prompt = replies[-1]
    assert prompt.plain.startswith("Pertanyaan #1 belum dijawab. Yakin menutupnya?")
    assert prompt.buttons == [
        "📞 Sudah dijawab lewat telepon",
        "🔁 Pertanyaan ganda",
        "🏢 Bukan urusan Dukcapil",
        "✍️ Tulis alasan lain",
        "✖️ Batal",
    ]
    await desk.group.press(desk.budi, "✖️ Batal")
    assert current_text(desk, GROUP_ID, prompt) == "Pertanyaan #1 tidak jadi ditutup."
    await desk.deliver()
    assert "ditutup" not in desk.resident.last.plain  # still open, nothing sent
    assert "selesai" not in current_text(desk, GROUP_ID, card)

    await desk.group.press(desk.budi, "✅ Tutup")
    replies = await desk.group.press(desk.budi, "📞 Sudah dijawab lewat telepon")
    assert (
        "✅ Pertanyaan #1 ditutup. Alasan untuk warga: Petugas sudah menjawabnya lewat telepon."
        in [m.plain for m in replies]
    )
    await desk.deliver()
    notice = desk.resident.last.plain
    assert notice == (
        "Pertanyaan #1 ditutup petugas.\nPetugas sudah menjawabnya lewat telepon.\n"
        "Bila masih ada yang ingin ditanyakan, tekan 💬 Tanya petugas."
    )
    assert "Terima kasih" not in notice
    assert "selesai" in current_text(desk, GROUP_ID, card)

    # A reason in the staff member's own words: "✍️ Tulis alasan lain", then /tutup.
    await ask(desk, "Bagaimana cara urus akta kelahiran anak?")
    await desk.deliver()
    await desk.group.press(desk.budi, "✅ Tutup")
    replies = await desk.group.press(desk.budi, "✍️ Tulis alasan lain")
    assert "/tutup 2 ALASAN" in replies[-1].plain
    replies = await desk.group.send(desk.budi, "/tutup 2 sudah dibantu langsung di loket")
    assert any(m.plain.startswith("✅ Pertanyaan #2 ditutup.") for m in replies)
    await desk.deliver()
    notice = desk.resident.last.plain
    assert "Pertanyaan #2 ditutup petugas." in notice
    assert "Alasan dari petugas: sudah dibantu langsung di loket" in notice
    assert "tekan 💬 Tanya petugas" in notice
    replies = await desk.group.send(desk.budi, "/tutup 2 lagi")
    assert "Pertanyaan #2 sudah ditutup" in replies[-1].plain
    replies = await desk.group.send(desk.budi, "/tutup")
    assert "/tutup NOMOR ALASAN" in replies[-1].plain


async def test_closed_threads_are_erased_after_the_retention_period(desk: Desk) -> None:
    await name_group(desk)
    replies = await desk.admin.send("/meja simpan 30")
    assert "30 hari" in replies[-1].plain
    await ask(desk)
    await desk.deliver()
    await desk.group.press(desk.budi, "✅ Tutup")
    await desk.group.press(desk.budi, "🔁 Pertanyaan ganda")  # nobody answered it: why
    card = desk_posts(desk.group.messages, 1)[0]
    desk.env.clock.advance(days=29)
    await desk.tick()
    assert QUESTION in current_text(desk, GROUP_ID, card)
    desk.env.clock.advance(days=2)
    await desk.tick()
    assert "masa simpan habis" in current_text(desk, GROUP_ID, card)
    assert await desk.env.services.db.fetchall("SELECT * FROM question_messages") == []


async def test_a_quiet_thread_closes_after_seven_days(desk: Desk) -> None:
    await ask(desk)
    await desk.deliver()
    await desk.budi.send(ANSWER, reply_to=desk_posts(desk.env.api.messages(STAFF_ID), 1)[0])
    await desk.deliver()
    desk.env.clock.advance(days=7)
    replies = await desk.resident.press("↩️ Balas")
    assert "Pertanyaan #1 sudah selesai" in replies[-1].plain


# --- abuse and limits ------------------------------------------------------------------------


async def test_staff_mute_a_resident_who_is_told_politely_until_when(desk: Desk) -> None:
    await ask(desk)
    replies = await desk.budi.send("/bisukan 1 3")
    assert "tidak bisa bertanya sampai Kamis, 3 Desember 2026" in replies[-1].plain
    await desk.deliver()
    notice = desk.resident.last.plain
    assert "Mohon maaf" in notice and "Kamis, 3 Desember 2026" in notice
    replies = await desk.resident.send(texts_id.MENU_ASK)
    assert "belum bisa mengirim pertanyaan" in replies[-1].plain
    rows = await audit_store.entries(desk.env.services.db.conn, action="bisukan_warga")
    assert [(r.actor_id, r.target, r.detail) for r in rows] == [(STAFF_ID, "#1", "3 hari")]
    replies = await desk.budi.send("/bisukan 1 cabut")
    assert "bisa bertanya lagi" in replies[-1].plain
    replies = await desk.resident.send(texts_id.MENU_ASK)
    assert "Silakan tulis pertanyaan" in replies[-1].plain
    replies = await desk.resident.send("/bisukan 1")  # residents cannot
    assert "bisa bertanya lagi" not in replies[-1].plain


async def test_three_open_questions_twenty_messages_a_day_and_no_pictures(desk: Desk) -> None:
    replies = await desk.resident.send("/tanya")
    replies = await desk.resident.send_photo(caption="ini KTP saya")
    assert "jangan kirim foto KTP atau Kartu Keluarga" in replies[-1].plain
    for n in range(3):
        assert f"Pertanyaan #{n + 1}" in await ask(desk, f"Pertanyaan ke-{n + 1}")
    replies = await desk.resident.send(texts_id.MENU_ASK)
    assert "masih punya 3 pertanyaan yang belum selesai" in replies[-1].plain
    await desk.deliver()
    card = desk_posts(desk.env.api.messages(STAFF_ID), 1)[0]
    await desk.budi.send(ANSWER, reply_to=card)
    await desk.deliver()
    answer = desk.resident.last
    for n in range(16):  # 3 questions + 17 replies = 20 today
        replies = await desk.resident.send(f"Tambahan {n}", reply_to=answer)
        assert "diteruskan" in replies[-1].plain
    replies = await desk.resident.send("Tambahan 16", reply_to=answer)
    assert "diteruskan" in replies[-1].plain
    replies = await desk.resident.send("Tambahan 17", reply_to=answer)
    assert "sudah mengirim 20 pesan" in replies[-1].plain


async def test_cancel_and_moving_on_end_the_step(desk: Desk) -> None:
    await desk.resident.send(texts_id.MENU_ASK)
    replies = await desk.resident.send("/batal")
    assert replies[-1].plain == texts_id.QUESTION_ASK_CANCELLED
    await desk.resident.send(texts_id.MENU_ASK)
    replies = await desk.resident.send(f"{NIK} {KK}")  # a check, not a question
    assert "Pertanyaan #" not in replies[-1].plain
    replies = await desk.resident.send("halo")
    assert "Pertanyaan #" not in replies[-1].plain
    replies = await desk.group.send(desk.resident, "/tanya")
    assert "hanya lewat chat pribadi" in replies[-1].plain


# --- staff's lists, settings and figures ------------------------------------------------------


async def test_the_list_shows_open_questions_oldest_first_with_filters(desk: Desk) -> None:
    await ask(desk, "Pertanyaan pertama")
    await ask(desk, "Pertanyaan kedua", user=desk.env.api.user(OTHER_RESIDENT_ID, "Andi"))
    await desk.deliver()
    await desk.budi.press("🙋 Saya tangani")  # the latest card in his chat: #2
    listing = (await desk.budi.send("/pertanyaan"))[-1].plain
    assert listing.index("#1") < listing.index("#2")
    assert "Pertanyaan pertama" in listing and "ditangani Budi" in listing
    mine = (await desk.budi.send("/pertanyaan saya"))[-1].plain
    assert "#2" in mine and "#1 ·" not in mine
    untaken = (await desk.dewi.send("/pertanyaan baru"))[-1].plain
    assert "#1" in untaken and "#2 ·" not in untaken
    replies = await desk.dewi.send("/pertanyaan 1")
    assert "Pertanyaan pertama" in replies[0].plain and "🙋 Saya tangani" in replies[0].buttons
    replies = await desk.resident.send("/pertanyaan")
    assert "belum selesai" not in replies[-1].plain  # residents do not see the desk


async def test_desk_settings_and_statistics(desk: Desk) -> None:
    view = (await desk.admin.send("/meja"))[-1].plain
    assert "chat pribadi setiap petugas (3 orang)" in view
    assert "Senin–Jumat 08.00–15.00 WIB" in view and "90 hari" in view and "4 jam" in view
    await name_group(desk)
    replies = await desk.group.send(desk.budi, "/meja")
    assert "Hanya admin" in replies[-1].plain
    assert "Petugas Dukcapil" in (await desk.admin.send("/meja"))[-1].plain
    assert "2 jam" in (await desk.admin.send("/meja ingatkan 2"))[-1].plain
    assert "chat pribadi" in (await desk.admin.send("/meja pribadi"))[-1].plain

    await ask(desk)
    await desk.deliver()
    desk.env.clock.advance(minutes=90)
    card = desk_posts(desk.env.api.messages(STAFF_ID), 1)[0]
    await desk.budi.send(ANSWER, reply_to=card)
    await ask(desk, "Yang kedua")
    desk.env.clock.advance(days=2)
    detail = (await stats.gather(desk.env.services)).detail("Asia/Jakarta")
    assert "Pertanyaan warga" in detail
    assert "Masuk: 2 · dijawab: 1" in detail
    assert "Median sampai jawaban pertama: 1 jam 30 menit jam kerja" in detail
    assert "Belum selesai dan lebih dari sehari: 2" in detail


# --- the demo and the job ----------------------------------------------------------------------


async def test_the_staff_demo_plays_both_sides_of_a_question() -> None:
    import io

    from bot.demo import run_demo

    script = "\n".join(
        [
            "/ganti",  # to the resident
            texts_id.MENU_ASK,
            "Kapan KTP saya jadi?",
            "/ganti",  # to the admin: the question is at the desk
            "🙋 Saya tangani",
            "✍️ Jawab",
            "Silakan datang Senin dengan KK asli.",
            "/ganti",  # the resident reads the answer
            "↩️ Balas",
            "Terima kasih.",
            "/ganti",
            "✅ Tutup",
            "/ganti",
        ]
    )
    out = io.StringIO()
    code = await run_demo(
        staff=True, count=40, stdin=io.StringIO(script + "\n"), out=out, interactive=False
    )
    text = out.getvalue()
    assert code == 0
    assert "Pertanyaan #1 sudah kami terima" in text
    assert "Jawaban petugas Disdukcapil:" in text and "Silakan datang Senin" in text
    assert "Balasan warga" in text and "sudah selesai dan ditutup" in text


async def test_the_job_runs_every_minute_when_the_bot_runs(desk: Desk) -> None:
    queue = desk.env.app.job_queue
    assert queue is not None
    assert "questions" in [job.name for job in queue.jobs()]


async def test_erasing_ones_data_does_not_reset_the_question_limits(desk: Desk) -> None:
    """Hardening round 3, item 5: /hapusdata reset the limits (one resident asked 18, another
    30 questions in a day). What was written today keeps counting until the day ends; the next
    day the erased chat starts afresh."""
    for n in range(3):
        assert f"Pertanyaan #{n + 1}" in await ask(desk, f"Pertanyaan ke-{n + 1}")
    await desk.resident.send("/hapusdata")
    await desk.resident.press(texts_id.BTN_ERASE_YES)
    replies = await desk.resident.send(texts_id.MENU_ASK)
    assert "masih punya 3 pertanyaan yang belum selesai" in replies[-1].plain
    # A second erasure adds to the first; messages keep counting toward the 20 a day.
    await desk.resident.send("/hapusdata")
    await desk.resident.press(texts_id.BTN_ERASE_YES)
    replies = await desk.resident.send(texts_id.MENU_ASK)
    assert "masih punya 3 pertanyaan yang belum selesai" in replies[-1].plain
    desk.env.clock.advance(days=1)
    await desk.tick()
    assert "Pertanyaan #4" in await ask(desk, "Pertanyaan hari berikutnya")
    async with desk.env.services.db.transaction() as conn:
        kept = await conn.execute_fetchall("SELECT day FROM question_tallies")
    assert [row[0] for row in kept] == []  # yesterday's tally is gone with the day


async def test_erasing_ones_data_removes_the_chat_from_refused_commands(desk: Desk) -> None:
    await desk.resident.send("/ubah 1605010101900012 PRR")  # a staff command: refused, audited
    db = desk.env.services.db
    refused = "SELECT COUNT(*) FROM audit_log WHERE actor_id = ?"
    assert (await db.fetchone(refused, (RESIDENT_ID,)))[0] >= 1
    await desk.resident.send("/hapusdata")
    await desk.resident.press(texts_id.BTN_ERASE_YES)
    assert (await db.fetchone(refused, (RESIDENT_ID,)))[0] == 0
    assert (await db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action = 'ditolak'"))[0] >= 1


async def test_after_jawab_in_the_group_only_a_reply_to_the_prompt_is_the_answer(
    desk: Desk,
) -> None:
    """Hardening round 3, item 8: after ✍️ Jawab in the desk group, the staff member's next
    ordinary group message went to the resident. Now talk among colleagues stays in the group;
    the reply to the bot's prompt is the answer."""
    await name_group(desk)
    await ask(desk)
    await desk.deliver()
    prompt = (await desk.group.press(desk.dewi, "✍️ Jawab"))[-1]
    replies = await desk.group.send(desk.dewi, "Pak Budi, ini soal blanko ya?")
    assert "dikirim ke warga" not in said(replies)
    await desk.deliver()
    assert "blanko ya" not in desk.resident.last.plain
    replies = await desk.group.send(desk.dewi, ANSWER, reply_to=prompt)
    assert "dikirim ke warga" in said(replies)
    await desk.deliver()
    assert "Dewi (petugas)" in desk.resident.last.plain


# --- hardening, round 3, item 4: the desk follows its group -----------------------------------

NEW_GROUP_ID = -1001234567890


async def test_the_desk_follows_its_group_when_it_becomes_a_supergroup(desk: Desk) -> None:
    """Telegram gives a group a new id when an admin makes its history visible: the desk kept
    the dead id and 0 of 4 questions reached staff. Now the setting follows it (an audit row
    says so), the post goes to the new id, and staff answer there as before."""
    await name_group(desk)
    new_group = desk.env.api.migrate_group(GROUP_ID, NEW_GROUP_ID)
    for n in range(2):
        assert f"Pertanyaan #{n + 1}" in await ask(desk, f"Pertanyaan ke-{n + 1}")
    await desk.deliver()
    await desk.deliver()
    cards = [desk_posts(new_group.messages, n)[0] for n in (1, 2)]
    assert all(cards)
    settings = await questions_mod.desk_settings(desk.env.services.db.conn)
    assert settings.group_id == NEW_GROUP_ID
    moved = [
        e
        for e in await audit_store.entries(desk.env.services.db.conn)
        if e.detail == questions_mod.DESK_MIGRATED
    ]
    assert [(e.old_value, e.new_value) for e in moved] == [(str(GROUP_ID), str(NEW_GROUP_ID))]
    replies = await new_group.send(desk.budi, ANSWER, reply_to=cards[0])
    assert "dikirim ke warga" in said(replies)
    await desk.deliver()
    assert "Budi" in desk.resident.last.plain


async def test_a_desk_group_the_bot_was_removed_from_falls_back_to_staff_in_private(
    desk: Desk,
) -> None:
    """Removing the bot from the group dropped the post of the question that failed, and the
    next questions waited for nobody. Now the open questions go to staff in private at once and
    the admins are told."""
    await name_group(desk)
    assert "Pertanyaan #1" in await ask(desk, "Pertanyaan pertama")
    await desk.deliver()
    desk.env.api.block(GROUP_ID)  # the bot was removed from the group
    assert "Pertanyaan #2" in await ask(desk, "Pertanyaan kedua")
    await desk.deliver()
    await desk.deliver()
    for staff_id in (STAFF_ID, desk.dewi.chat_id):
        private = desk.env.api.messages(staff_id)
        assert desk_posts(private, 1) and desk_posts(private, 2), staff_id
    told = [m.plain for m in desk.env.api.messages(ADMIN_ID)]
    assert any("tidak bisa lagi mengirim ke grup meja pertanyaan" in t for t in told), told
    settings = await questions_mod.desk_settings(desk.env.services.db.conn)
    assert settings.group_id is None
