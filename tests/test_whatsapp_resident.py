"""A WhatsApp resident, over HTTP: what only WhatsApp has, and what must reach Telegram's staff.

The shared scripts (tests/test_channel_scripts.py) show the conversation reads the same on both
channels; here: the contact behind the number, the question at the staff desk, the office as a
`location` message, the lockouts shared with Telegram, announcements chosen (not assumed),
erasure that removes the number, and the number kept out of the logs.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from channel_scripts import WA, WhatsAppSide, whatsapp_settings
from conftest import ADMIN_ID, BotEnv
from resident_support import KK, NIK, WRONG_KK, add_record
from whatsapp_double import CloudApiDouble, inbound_message, post_delivery, text_message

from bot import texts_everyday as everyday
from bot import texts_id as texts
from bot.conversation.dialogue import Conversation
from bot.services import office as office_service
from bot.services.questions import Outcome, Questions, StaffRef
from bot.storage import chats as chats_store
from bot.storage import outbox as outbox_store
from bot.storage.chats import OTHER_CHANNELS_BELOW
from bot.whatsapp.adapter import WhatsAppService
from bot.whatsapp.webhook import PATH


@dataclass
class Bot:
    env: BotEnv
    double: CloudApiDouble
    siti: WhatsAppSide


@pytest.fixture
async def bot(make_env: Any, tmp_path: Path) -> AsyncIterator[Bot]:
    async with CloudApiDouble() as double:
        env = await make_env(tmp_path, **whatsapp_settings(double))
        await add_record(env, since=date(2026, 11, 1))
        siti = await WhatsAppSide.open(env, double, WA)
        try:
            yield Bot(env, double, siti)
        finally:
            await siti.close()


async def says(bot: Bot, text: str) -> str:
    return "\n".join(await bot.siti.act(("say", text)))


async def presses(bot: Bot, label: str) -> str:
    return "\n".join(await bot.siti.act(("press", label)))


async def chat_row(bot: Bot) -> chats_store.Chat | None:
    async with bot.env.services.db.snapshot() as conn:
        return await chats_store.get(conn, bot.siti.contact)


async def test_a_number_is_a_contact_of_its_own_noted_with_its_latest_message(bot: Bot) -> None:
    said = await says(bot, "halo")
    assert "Siti" in said
    contact = bot.siti.contact
    assert contact < OTHER_CHANNELS_BELOW
    row = await chat_row(bot)
    assert row is not None and row.channel == "whatsapp" and row.address == WA
    assert row.last_inbound_at is not None and row.last_inbound_at.startswith("2025-12-06")
    # the main menu is a list (WhatsApp keeps no keyboard), with announcements in it
    (menu,) = [b for b in bot.double.sent_to(WA) if b["type"] == "interactive"]
    rows = [r["title"] for r in menu["interactive"]["action"]["sections"][0]["rows"]]
    assert rows == [*texts.MAIN_MENU_LABELS, texts.MENU_ANNOUNCEMENTS]
    await says(bot, "jam buka")
    assert bot.siti.contact == contact  # the same number, the same contact


async def test_the_question_reaches_the_staff_desk_under_the_contact(bot: Bot) -> None:
    await presses(bot, texts.MENU_ASK)
    said = await says(bot, "Apakah bisa cetak KTP hari Sabtu?")
    assert "#1" in said
    db = bot.env.services.db
    question = await db.fetchone("SELECT chat_id FROM questions WHERE id = 1")
    assert question is not None and question[0] == bot.siti.contact
    desk = await db.fetchall(
        "SELECT chat_id, channel FROM outbox WHERE kind <> 'broadcast' AND chat_id = ?",
        (ADMIN_ID,),
    )
    assert desk and all(row[1] == "telegram" for row in desk)  # staff read it on Telegram


async def test_the_office_is_a_location_message_with_its_address(bot: Bot) -> None:
    await office_service.set_location(bot.env.services, actor_id=0, location=(-3.29, 102.86))
    said = await presses(bot, texts.MENU_OFFICE)
    assert "Jam layanan" in said
    (place,) = [b for b in bot.double.sent_to(WA) if b["type"] == "location"]
    assert place["location"]["latitude"] == -3.29 and "Muara Beliti" in place["location"]["address"]


async def test_a_nik_locked_by_telegram_failures_is_locked_on_whatsapp_too(bot: Bot) -> None:
    for n in range(3):  # three Telegram chats, three wrong KKs each: 9 toward the NIK's 10
        user = bot.env.api.user(5000 + n, "Orang")
        for _ in range(3):
            await user.send(f"{NIK} {WRONG_KK}")
    assert "tidak cocok" in await says(bot, f"{NIK} {WRONG_KK}")  # the tenth: locked
    assert "tidak bisa dicek" in await says(bot, f"{NIK} {KK}")
    telegram = bot.env.api.user(5000, "Orang")
    (answer,) = await telegram.send(f"{NIK} {KK}")
    assert "tidak bisa dicek" in answer.plain


async def test_announcements_are_received_only_when_chosen(bot: Bot) -> None:
    await says(bot, "halo")
    row = await chat_row(bot)
    assert row is not None and not row.announcements  # off until the resident chooses them
    said = await presses(bot, texts.MENU_ANNOUNCEMENTS)
    assert "tidak menerima pengumuman" in said
    said = await presses(bot, texts.ANNOUNCEMENTS_ON_BUTTON)
    assert "dihidupkan" in said
    assert (row := await chat_row(bot)) is not None and row.announcements
    assert "dimatikan" in await says(bot, "berhenti pengumuman")
    assert (row := await chat_row(bot)) is not None and not row.announcements
    assert "dihidupkan" in await says(bot, "Terima pengumuman!")
    assert (row := await chat_row(bot)) is not None and row.announcements
    async with bot.env.services.db.transaction() as conn:  # an announcement WhatsApp took
        await conn.execute(
            "INSERT INTO outbox (kind, chat_id, text, dedup_key, created_at, not_before, state,"
            " channel, wamid) VALUES ('broadcast', ?, '', 'b:1', ?, ?, 'sent', 'whatsapp',"
            " 'wamid.ANNOUNCED')",
            (bot.siti.contact, "2026-11-28T03:00:00+00:00", "2026-11-28T03:00:00+00:00"),
        )
    payload = text_message(
        WA, "BERHENTI", message_id="wamid.B1", name="Siti", reply_to="wamid.ANNOUNCED"
    )
    said = "\n".join(await bot.siti._deliver(payload))  # as the announcement template says
    assert "dimatikan" in said
    assert (row := await chat_row(bot)) is not None and not row.announcements


async def test_erasure_removes_the_number_everywhere(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # BOT_LOG_LEVEL: INFO (aiosqlite logs SQL below it)
    await says(bot, f"{NIK} {KK}")
    await presses(bot, texts.BTN_SUBSCRIBE)
    await presses(bot, texts.MENU_ASK)
    await says(bot, "Kapan kartu saya jadi?")
    await says(bot, "privasi")
    privacy = await presses(bot, everyday.BTN_PRIVACY_MORE)
    assert "nomor WhatsApp" in privacy and "termasuk nomor WhatsApp ini" in privacy
    kept = await dump(bot)
    assert [table for table, text in kept.items() if WA in text] == ["chats"]  # the address
    assert "Hapus semua catatan" in await says(bot, "Hapus data saya")
    assert "sudah dihapus" in await presses(bot, texts.BTN_ERASE_YES)
    assert await chat_row(bot) is None
    assert not [table for table, text in (await dump(bot)).items() if WA in text]
    assert WA not in caplog.text  # never in full in the logs


async def dump(bot: Bot) -> dict[str, str]:
    """Every value of every table, as text, by table."""
    db = bot.env.services.db
    if bot.env.settings.database_url:
        rows = await db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    else:
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    seen: dict[str, str] = {}
    for (table,) in rows:
        values = [str(v) for row in await db.fetchall(f"SELECT * FROM {table}") for v in row]
        seen[table] = "\n".join(values)
    return seen


async def test_what_the_conversation_leaves_gets_an_answer_and_a_reaction_none(bot: Bot) -> None:
    assert "/statistik tidak dikenal" in await says(bot, "/statistik")  # staff's: not silence
    assert "belum mengerti" in "\n".join(await bot.siti.act(("button", "bc:stop:7")))
    before = len(bot.double.sent_to(WA))
    kw = {"message_id": "wamid.REACT1", "name": "Siti"}
    await bot.siti._deliver(
        inbound_message(WA, "reaction", {"message_id": "wamid.X", "emoji": "👍"}, **kw)
    )
    assert len(bot.double.sent_to(WA)) == before


async def test_a_failure_gets_an_apology_and_the_number_stays_masked_in_the_log(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: object, event: object, current: object = None) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Conversation, "answer", broken)
    assert "gangguan" in await says(bot, "halo")
    assert "62••••••••890" in caplog.text and WA not in caplog.text


async def test_following_a_card_offers_announcements_until_they_are_chosen(bot: Bot) -> None:
    await says(bot, f"{NIK} {KK}")
    said = await presses(bot, texts.BTN_SUBSCRIBE)
    assert "Mau juga menerima pengumuman" in said
    assert "dihidupkan" in await presses(bot, texts.ANNOUNCEMENTS_ON_BUTTON)
    assert (row := await chat_row(bot)) is not None and row.announcements
    await says(bot, f"{NIK} {KK}")
    assert "Mau juga menerima pengumuman" not in await presses(bot, texts.BTN_SUBSCRIBE)


async def test_workers_share_the_whatsapp_port_and_answer_each_message_once(bot: Bot) -> None:
    """`run --workers N`: every worker listens on BOT_WHATSAPP_PORT (SO_REUSEPORT)."""
    first = WhatsAppService.of(bot.env.services)
    port = await first.start(port=0, reuse_port=True)
    second = WhatsAppService.of(bot.env.services)
    try:
        assert await second.start(port=port, reuse_port=True) == port
        url = f"http://127.0.0.1:{port}{PATH}"
        for n in range(6):
            payload = text_message(WA, "halo", message_id=f"wamid.W{n % 4}")  # 2 redelivered
            assert (await post_delivery(url, payload)).status_code == 200
        await first.webhook.drain()
        await second.webhook.drain()
        assert len(bot.double.sent_to(WA)) == 4  # one answer per message id
    finally:
        await second.stop()
        await first.stop()


@pytest.mark.sqlite_only
async def test_after_erasure_the_number_is_not_in_the_database_files(bot: Bot) -> None:
    """Not only gone from the tables: the erased row's bytes are overwritten
    (`secure_delete`), so once the write-ahead log is checkpointed no file holds the number."""
    await says(bot, "halo")
    await says(bot, "hapus data saya")
    await presses(bot, texts.BTN_ERASE_YES)
    path = bot.env.settings.db_path
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    assert files and not [p.name for p in files if WA.encode() in p.read_bytes()]


async def test_a_reply_to_the_bots_message_after_a_staff_answer_goes_into_that_thread(
    bot: Bot,
) -> None:
    async def replies(text: str, n: int) -> str:
        payload = text_message(WA, text, message_id=f"wamid.R{n}", name="Siti", reply_to="wamid.A")
        return "\n".join(await bot.siti._deliver(payload))

    assert "Siti" in await replies("halo", 1)  # no thread waits for her: answered as usual
    await presses(bot, texts.MENU_ASK)
    assert "#1" in await says(bot, "Kapan kartu saya jadi?")
    staff = StaffRef(user_id=ADMIN_ID, first_name="Rina", role="admin")
    assert (await Questions(bot.env.services).answer(1, staff, "Minggu depan, Bu.")).outcome is (
        Outcome.OK
    )
    said = await replies("Baik, terima kasih. Boleh diwakilkan?", 2)
    assert "Pertanyaan #1 sudah diteruskan ke petugas" in said
    thread = await Questions(bot.env.services).thread(1)
    assert [text for _, text, _ in thread][-1] == "Baik, terima kasih. Boleh diwakilkan?"
    assert "1605" in await replies(f"{NIK} {KK}", 3)  # numbers are a check, not a reply


async def test_a_reply_to_a_staff_answer_finds_its_thread_by_whatsapps_message_id(
    bot: Bot,
) -> None:
    questions = Questions(bot.env.services)
    staff = StaffRef(user_id=ADMIN_ID, first_name="Rina", role="admin")
    for n, text in enumerate(("Kapan kartu saya jadi?", "Bisa diwakilkan?"), 1):
        await presses(bot, texts.MENU_ASK)
        assert f"#{n}" in await says(bot, text)
        assert (await questions.answer(n, staff, f"Jawaban {n}")).outcome is Outcome.OK
    db = bot.env.services.db
    rows = await db.fetchall(
        "SELECT o.id, p.question_id FROM outbox o JOIN question_posts p ON p.outbox_id = o.id"
        " WHERE o.chat_id = ? AND p.kind = 'answer' ORDER BY o.id",
        (bot.siti.contact,),
    )
    assert [r[1] for r in rows] == [1, 2]
    async with db.transaction() as conn:  # as the WhatsApp sender marks a row it sent
        await conn.execute("UPDATE outbox SET wamid = 'wamid.ANSWER1' WHERE id = ?", (rows[0][0],))
    payload = text_message(
        WA, "Terima kasih, Bu.", message_id="wamid.R9", name="Siti", reply_to="wamid.ANSWER1"
    )
    said = "\n".join(await bot.siti._deliver(payload))
    assert "Pertanyaan #1 sudah diteruskan" in said  # two threads wait: the one replied to
    thread = await questions.thread(1)
    assert [text for _, text, _ in thread][-1] == "Terima kasih, Bu."


async def test_a_notice_kept_for_the_residents_next_message_is_due_when_they_write(
    bot: Bot,
) -> None:
    await presses(bot, texts.MENU_ASK)
    await says(bot, "Kapan kartu saya jadi?")
    staff = StaffRef(user_id=ADMIN_ID, first_name="Rina", role="admin")
    await Questions(bot.env.services).answer(1, staff, "Minggu depan, Bu.")
    db = bot.env.services.db
    row = await db.fetchone("SELECT id FROM outbox WHERE chat_id = ?", (bot.siti.contact,))
    assert row is not None
    now = bot.env.clock.now()
    async with db.transaction() as conn:  # the window was closed and the kind had no template
        await outbox_store.wait_for_resident(conn, row[0], now)
    await says(bot, "halo")
    due = await db.fetchone("SELECT not_before FROM outbox WHERE id = ?", (row[0],))
    assert due is not None and due[0] <= now.isoformat()
