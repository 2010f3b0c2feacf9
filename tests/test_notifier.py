"""Notifications through the outbox: written when a status changes, delivered once, in limits."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import (
    RESIDENT_ID,
    STAFF_ID,
    BotEnv,
    dispatcher_of,
    fast_limits,
    notifier_env,
)
from telegram import Bot

from bot.app import stop_dispatcher
from bot.handlers.broadcast import render_progress
from bot.handlers.dispatcher import Dispatcher
from bot.local_api import LOCAL_TOKEN, LocalUser
from bot.services import importer, status_change
from bot.services.outbox import enqueue_status_change
from bot.states import KtpStatus
from bot.storage import outbox as outbox_store
from bot.storage import records as records_store

NIK = "1605014101900001"  # a woman born 1 January 1990, Tugumulyo
KK = "1605010101200001"
PRINTED_ON = date(2026, 11, 27)


async def add_record(
    env: BotEnv,
    *,
    nik: str = NIK,
    status: KtpStatus = KtpStatus.PRINT_READY_RECORD,
    district: str = "160501",
) -> int:
    async with env.services.db.transaction() as conn:
        return await records_store.insert_record(
            conn,
            nik_hash=env.services.hasher.nik(nik),
            kk_hash=env.services.hasher.kk(KK),
            nik_masked=nik[:4] + "••••••••" + nik[-4:],
            name_masked="S•••",
            district=district,
            status=status,
            status_date=date(2026, 6, 1),
            note=None,
            source="test",
            actor_id=None,
            now=env.clock.now(),
        )


async def subscribe(env: BotEnv, chat_id: int, record_id: int, label: str | None = None) -> None:
    stamp = env.clock.now().isoformat()
    async with env.services.db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO chats (chat_id, chat_type, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, "private" if chat_id > 0 else "supergroup", stamp, stamp),
        )
        await conn.execute(
            "INSERT INTO subscriptions (chat_id, record_id, label, created_at) VALUES (?,?,?,?)",
            (chat_id, record_id, label, stamp),
        )


async def change_status(
    env: BotEnv, record_id: int, status: KtpStatus, entered_on: date = PRINTED_ON
) -> int:
    """What /ubah and the importer do: the change and its notifications in one transaction."""
    now = env.clock.now()
    async with env.services.db.transaction() as conn:
        await records_store.set_status(conn, record_id, status, entered_on, None, "test", None, now)
        queued = await enqueue_status_change(
            conn, record_id=record_id, status=status, entered_on=entered_on, now=now
        )
    env.services.wake_outbox()
    return queued


async def outbox_rows(env: BotEnv) -> list[dict]:
    rows = await env.services.db.fetchall("SELECT * FROM outbox ORDER BY id")
    return [dict(row) for row in rows]


def delivered(env: BotEnv, chat_id: int) -> list[str]:
    """Texts that reached a chat (successful sendMessage calls only)."""
    return [
        str(call.params["text"])
        for call in env.api.calls_to("sendMessage")
        if call.chat_id == chat_id and call.failed is None
    ]


async def test_card_printed_tells_what_where_and_what_to_bring(env: BotEnv) -> None:
    resident: LocalUser = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id, label="KTP Ibu")

    assert await change_status(env, record_id, KtpStatus.CARD_PRINTED) == 1
    await dispatcher_of(env.app).drain()

    assert len(resident.messages) == 1
    text = resident.last.plain
    assert "sudah dicetak" in text
    assert "KTP Ibu" in text and "1605••••••••0001" in text
    assert NIK not in text
    assert "loket pengambilan KTP-el" in text  # where (office information)
    assert "Senin–Jumat, 08.00–15.00 WIB" in text  # when
    assert "Kartu Keluarga (KK) asli" in text  # what to bring
    assert "Jumat, 27 November 2026" in text


async def test_status_that_needs_the_resident_says_why_and_what_to_bring(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env, status=KtpStatus.SENT_FOR_DEDUP)
    await subscribe(env, RESIDENT_ID, record_id)

    await change_status(env, record_id, KtpStatus.DUPLICATE_RECORD)
    await dispatcher_of(env.app).drain()

    text = resident.last.plain
    assert "Perlu datang ke kantor Disdukcapil" in text
    assert "NIK lain" in text  # why
    assert "Kartu Keluarga (KK) asli" in text  # what to bring
    assert "Kantor Disdukcapil Kabupaten Musi Rawas" in text  # where


async def test_a_status_that_does_not_notify_queues_nothing(env: BotEnv) -> None:
    record_id = await add_record(env, status=KtpStatus.PROCESSING)
    await subscribe(env, RESIDENT_ID, record_id)
    assert await change_status(env, record_id, KtpStatus.SENT_FOR_ENROLLMENT) == 0
    assert await outbox_rows(env) == []


async def test_every_subscriber_is_told_once_and_inactive_ones_are_not(env: BotEnv) -> None:
    record_id = await add_record(env)
    for chat_id in (11, 12, 13):
        await subscribe(env, chat_id, record_id)
    async with env.services.db.transaction() as conn:
        await conn.execute("UPDATE subscriptions SET active = 0 WHERE chat_id = 13")

    assert await change_status(env, record_id, KtpStatus.CARD_PRINTED) == 2
    assert await change_status(env, record_id, KtpStatus.CARD_PRINTED) == 0  # same event again
    await dispatcher_of(env.app).drain()

    assert [len(delivered(env, c)) for c in (11, 12, 13)] == [1, 1, 0]


async def test_the_same_card_printed_import_twice_sends_one_message(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    first = f"nik;no_kk;status;tanggal_status\n{NIK};{KK};PRR;2026-06-01\n".encode()
    await importer.import_csv(env.services, io.BytesIO(first), source_name="a.csv")
    record = await records_store.get_by_nik_hash(env.services.db.conn, env.services.hasher.nik(NIK))
    assert record is not None
    await subscribe(env, RESIDENT_ID, record.id)

    printed = f"nik;no_kk;status;tanggal_status\n{NIK};{KK};CARD_PRINTED;27-11-2026\n".encode()
    for _ in range(2):
        await importer.import_csv(env.services, io.BytesIO(printed), source_name="b.csv")
        env.services.wake_outbox()
        await dispatcher_of(env.app).drain()

    assert len(resident.messages) == 1
    assert "sudah dicetak" in resident.last.plain
    assert len(await outbox_rows(env)) == 1


async def test_blocked_chat_is_marked_unreachable_and_counted(env: BotEnv) -> None:
    record_id = await add_record(env)
    await subscribe(env, 21, record_id)
    await subscribe(env, 22, record_id)
    env.api.fail(chat_id=21, kind="403")

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()

    assert delivered(env, 21) == [] and len(delivered(env, 22)) == 1
    chat = await env.services.db.fetchone("SELECT reachable FROM chats WHERE chat_id = 21")
    assert chat["reachable"] == 0
    sub = await env.services.db.fetchone("SELECT active FROM subscriptions WHERE chat_id = 21")
    assert sub["active"] == 0
    figures = await outbox_store.figures(env.services.db.conn)
    assert figures.failed_by_reason == {"status": {"blocked": 1}}
    assert figures.by_state["status"] == {"failed": 1, "sent": 1}

    # A later event is not queued for the chat that blocked the bot.
    assert await change_status(env, record_id, KtpStatus.CARD_SHIPPED, date(2026, 11, 28)) == 1


async def test_flood_wait_is_waited_out_and_the_message_arrives_once(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    env.api.fail(chat_id=RESIDENT_ID, kind="429", retry_after=1)

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()

    attempts = [c for c in env.api.calls_to("sendMessage") if c.chat_id == RESIDENT_ID]
    assert [c.failed for c in attempts] == ["429", None]
    assert len(resident.messages) == 1
    assert (await outbox_rows(env))[0]["state"] == "sent"


async def test_the_dispatcher_itself_pauses_everything_on_a_flood_wait(env: BotEnv) -> None:
    # A dispatcher on a plain Bot (no PTB rate limiter in between) sees the 429 itself.
    await stop_dispatcher(env.app)
    bot = Bot(LOCAL_TOKEN, base_url=env.settings.api_base_url, request=env.api)
    await bot.initialize()
    own = Dispatcher(bot, env.services, fast_limits(), render_progress=render_progress)
    await own.start()
    record_id = await add_record(env)
    for chat_id in (41, 42):
        await subscribe(env, chat_id, record_id)
    env.api.fail(chat_id=41, kind="429", retry_after=1)

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await own.drain()
    await own.stop()

    assert [c.failed for c in env.api.calls_to("sendMessage") if c.chat_id == 41] == ["429", None]
    assert (len(delivered(env, 41)), len(delivered(env, 42))) == (1, 1)
    assert own.stats.flood_waits == 1 and own.stats.sent == 2
    rows = await outbox_rows(env)
    assert [(r["state"], r["attempts"]) for r in rows] == [("sent", 1), ("sent", 1)]


@pytest.mark.parametrize(("kind", "reason"), [("500", "server_error"), ("timeout", "timeout")])
async def test_server_errors_and_timeouts_are_retried_with_backoff(
    env: BotEnv, kind: str, reason: str
) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    dispatcher_of(env.app).limits = fast_limits(backoff_base=60, max_attempts=3)
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    env.api.fail(chat_id=RESIDENT_ID, kind=kind, times=2)

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()
    row = (await outbox_rows(env))[0]
    assert (row["state"], row["attempts"]) == ("pending", 1)
    assert row["not_before"] == "2026-11-28T03:01:00+00:00"  # 60 s later

    env.clock.advance(seconds=60)
    await dispatcher_of(env.app).drain()
    row = (await outbox_rows(env))[0]
    assert (row["state"], row["attempts"]) == ("pending", 2)
    assert row["not_before"] == "2026-11-28T03:03:00+00:00"  # then 120 s: exponential

    env.clock.advance(seconds=120)
    await dispatcher_of(env.app).drain()
    assert (await outbox_rows(env))[0]["state"] == "sent"
    assert len(resident.messages) == 1


@pytest.mark.parametrize(("kind", "reason"), [("502", "server_error"), ("timeout", "timeout")])
async def test_after_the_retry_limit_the_row_fails_with_its_reason(
    env: BotEnv, kind: str, reason: str
) -> None:
    dispatcher_of(env.app).limits = fast_limits(max_attempts=3)
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    env.api.fail(chat_id=RESIDENT_ID, kind=kind, times=None)

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()

    row = (await outbox_rows(env))[0]
    assert (row["state"], row["attempts"], row["fail_reason"]) == ("failed", 3, reason)
    assert len([c for c in env.api.calls_to("sendMessage") if c.chat_id == RESIDENT_ID]) == 3
    # The chat is not blamed for Telegram's trouble.
    chat = await env.services.db.fetchone(
        "SELECT reachable FROM chats WHERE chat_id = ?", (RESIDENT_ID,)
    )
    assert chat["reachable"] == 1


async def test_quiet_hours_hold_notifications_until_morning(make_env, tmp_path: Path) -> None:
    env = await notifier_env(make_env, tmp_path, quiet_hours="21-06")
    env.clock.set(datetime(2026, 11, 28, 15, 30, tzinfo=UTC))  # 22.30 WIB
    resident = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)

    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()
    assert resident.messages == []

    env.clock.set(datetime(2026, 11, 28, 22, 59, tzinfo=UTC))  # 05.59 WIB: still quiet
    await dispatcher_of(env.app).drain()
    assert resident.messages == []

    env.clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await dispatcher_of(env.app).drain()
    assert len(resident.messages) == 1
    assert "sudah dicetak" in resident.last.plain


async def test_messages_to_one_chat_arrive_in_order_one_at_a_time(env: BotEnv) -> None:
    resident = env.api.user(RESIDENT_ID, "Siti")
    first = await add_record(env)
    second = await add_record(env, nik="1605010101900002")
    await subscribe(env, RESIDENT_ID, first, label="Ibu")
    await subscribe(env, RESIDENT_ID, second, label="Ayah")
    dispatcher_of(env.app).limits = fast_limits(private_interval=0.05)

    await change_status(env, first, KtpStatus.CARD_PRINTED)
    await change_status(env, second, KtpStatus.CARD_PRINTED)
    await dispatcher_of(env.app).drain()

    assert ["Ibu" in m.plain for m in resident.messages] == [True, False]
    assert "Ayah" in resident.messages[1].plain


async def test_a_restart_sends_what_was_pending_and_nothing_twice(make_env, tmp_path: Path) -> None:
    env = await make_env(tmp_path, background=True)
    record_id = await add_record(env)
    for chat_id in range(31, 36):
        await subscribe(env, chat_id, record_id)
    # The dispatcher is stopped before anything goes out (as if the server went down) ...
    await stop_dispatcher(env.app)
    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    assert env.api.calls_to("sendMessage") == []
    # ... and the next start delivers the queue.
    await env.restart()
    dispatcher_of(env.app).limits = fast_limits()
    await dispatcher_of(env.app).drain()
    await env.restart()
    await dispatcher_of(env.app).drain()

    assert [len(delivered(env, c)) for c in range(31, 36)] == [1] * 5


async def test_a_service_wakes_the_dispatcher_without_knowing_it(env: BotEnv) -> None:
    """Services ring `wake_outbox()` after their commit; the dispatcher listens, so a message
    goes out at once rather than at the next poll."""
    resident = env.api.user(RESIDENT_ID, "Siti")
    dispatcher_of(env.app).limits = fast_limits(poll_interval=60)
    await asyncio.sleep(0.1)  # the dispatcher is now waiting for the (long) next poll
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)

    result = await status_change.change_status(
        env.services,
        record_id=record_id,
        expected=KtpStatus.PRINT_READY_RECORD,
        new=KtpStatus.CARD_PRINTED,
        note=None,
        actor_id=STAFF_ID,
    )
    assert result.applied and result.notifications == 1
    async with asyncio.timeout(5):
        while not resident.messages:
            await asyncio.sleep(0.01)
    assert "sudah dicetak" in resident.last.plain


async def test_a_chat_that_unblocks_the_bot_wakes_the_dispatcher_at_once(env: BotEnv) -> None:
    """Card news missed while the resident had blocked the bot goes out as soon as they write
    again, not at the next poll."""
    resident = env.api.user(RESIDENT_ID, "Siti")
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    resident.block()
    await status_change.change_status(
        env.services,
        record_id=record_id,
        expected=KtpStatus.PRINT_READY_RECORD,
        new=KtpStatus.CARD_PRINTED,
        note=None,
        actor_id=STAFF_ID,
    )
    await dispatcher_of(env.app).drain()
    assert not [m for m in resident.messages if "sudah dicetak" in m.plain]

    dispatcher_of(env.app).limits = fast_limits(poll_interval=60)
    await asyncio.sleep(0.1)  # the dispatcher is now waiting for the (long) next poll
    resident.unblock()
    await resident.send("/bantuan")
    async with asyncio.timeout(5):
        while not [m for m in resident.messages if "sudah dicetak" in m.plain]:
            await asyncio.sleep(0.01)
