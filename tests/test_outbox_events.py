"""Outbox rows are events: the kind of notice, its parameters (plain values) and the recipient's
channel, put together for Telegram only when sent; what the resident reads is unchanged."""

from __future__ import annotations

import json

from conftest import RESIDENT_ID, BotEnv, dispatcher_of
from test_notifier import NIK, add_record, change_status, delivered, subscribe

from bot.domain.notices import NoticeKind
from bot.states import KtpStatus


async def test_a_card_notice_is_queued_as_an_event_and_read_as_before(env: BotEnv) -> None:
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id, label="Ibu")
    await dispatcher_of(env.app).stop()  # look at the row before it goes
    assert await change_status(env, record_id, KtpStatus.CARD_PRINTED) == 1

    rows = await env.services.db.fetchall("SELECT * FROM outbox")
    assert len(rows) == 1
    row = dict(rows[0])
    assert row["notice"] == NoticeKind.STATUS_CHANGE
    assert row["channel"] == "telegram" and row["chat_id"] == RESIDENT_ID
    assert json.loads(row["params"]) == {
        "record_id": record_id,
        "status": "CARD_PRINTED",
        "entered_on": "2026-11-27",
    }
    assert row["text"] == "" and row["reply_markup"] is None  # nothing rendered yet
    stored = " ".join(str(v) for v in row.values())
    assert NIK not in stored and NIK[-4:] not in stored  # not even the masked NIK

    await dispatcher_of(env.app).start()
    await dispatcher_of(env.app).drain()
    [text] = delivered(env, RESIDENT_ID)
    assert "sudah dicetak" in text and "Ibu" in text and "1605••••••••0001" in text


async def test_a_notice_whose_record_is_gone_is_cancelled_not_sent(env: BotEnv) -> None:
    record_id = await add_record(env)
    await subscribe(env, RESIDENT_ID, record_id)
    await dispatcher_of(env.app).stop()
    await change_status(env, record_id, KtpStatus.CARD_PRINTED)
    async with env.services.db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET params = ?", (json.dumps({"record_id": 999, "status": "X"}),)
        )
    await dispatcher_of(env.app).start()
    await dispatcher_of(env.app).drain()
    assert delivered(env, RESIDENT_ID) == []
    rows = await env.services.db.fetchall("SELECT state FROM outbox")
    assert [r[0] for r in rows] == ["cancelled"]
