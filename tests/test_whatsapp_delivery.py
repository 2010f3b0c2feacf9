"""The outbox delivered to WhatsApp contacts, over real HTTP against the Cloud API double.

The bot runs with its background work (the Telegram dispatcher and, WhatsApp being
configured, the WhatsApp sender, both started by `bot.app`); the notices are queued as the
services queue them, for the contact's channel. Checked: inside the 24-hour window an
ordinary message, outside it the template with its parameters, a kind without a template
waits for the resident's next message (`release_waiting`); the Cloud API's refusals by kind;
one channel down while the other delivers; the webhook's statuses joined to the row.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import RESIDENT_ID, BotEnv, add_officer, dispatcher_of, fast_limits
from whatsapp_double import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    CloudApiDouble,
    post_delivery,
    status_update,
)

from bot.cli import outbox as outbox_cli
from bot.conversation.buttons import QuestionReply
from bot.domain.markup import plain
from bot.domain.notices import NoticeKind
from bot.handlers.broadcast import render_progress
from bot.services import contacts, record_lookup, stats
from bot.services.delivery import release_waiting
from bot.services.outbox import enqueue_status_change
from bot.services.questions import Questions, StaffRef
from bot.states import KtpStatus
from bot.storage import broadcasts as broadcasts_store
from bot.storage import chats as chats_store
from bot.storage import outbox as outbox_store
from bot.storage import records as records_store
from bot.storage import subscriptions as subscriptions_store
from bot.storage import visits as visits_store
from bot.storage import whatsapp as whatsapp_store
from bot.storage.chats import OTHER_CHANNELS_BELOW
from bot.storage.db import utc_iso
from bot.texts_staff import channels_note
from bot.whatsapp import sender as sender_module
from bot.whatsapp.inbound import Status, StatusKind
from bot.whatsapp.sender import SenderLimits, WhatsAppSender, status_reported
from bot.whatsapp.webhook import PATH as WEBHOOK_PATH
from bot.whatsapp.webhook import WhatsAppWebhook

WA = "6281234567890"
WA_2 = "6281298765432"
NIK = "1605014101900001"
KK = "1605010101200001"
PRINTED_ON = date(2026, 11, 27)


def fast_sender_limits(**overrides: Any) -> SenderLimits:
    values: dict[str, Any] = {
        "pair_interval": 0.0,
        "backoff_base": 0.0,
        "poll_interval": 0.05,
        "max_attempts": 3,
        "account_pause": 0.2,
        "pair_rate_wait": 0.05,
        "throttle_wait": 0.05,
    }
    values.update(overrides)
    return SenderLimits(**values)


@dataclasses.dataclass
class Wa:
    env: BotEnv
    double: CloudApiDouble

    @property
    def sender(self) -> WhatsAppSender:
        sender = self.env.app.bot_data.whatsapp_sender
        assert sender is not None, "the WhatsApp sender is not running"
        return sender

    async def contact(self, wa_id: str = WA, *, wrote_hours_ago: float | None = 1.0) -> int:
        svc = self.env.services
        contact = await contacts.contact_id(svc, "whatsapp", wa_id)
        if wrote_hours_ago is not None:
            at = self.env.clock.now() - timedelta(hours=wrote_hours_ago)
            async with svc.db.transaction() as conn:
                await chats_store.note_inbound(conn, contact, at)
        return contact

    async def record(self, nik: str = NIK) -> int:
        svc = self.env.services
        async with svc.db.transaction() as conn:
            return await records_store.insert_record(
                conn,
                nik_hash=svc.hasher.nik(nik),
                kk_hash=svc.hasher.kk(KK),
                nik_masked=nik[:4] + "••••••••" + nik[-4:],
                name_masked="S•••",
                district=nik[:6],
                status=KtpStatus.SENT_FOR_CARD_PRINTING,
                status_date=date(2026, 6, 1),
                note=None,
                source="test",
                actor_id=None,
                now=self.env.clock.now(),
            )

    async def follow(self, contact: int, record_id: int) -> None:
        async with self.env.services.db.transaction() as conn:
            await subscriptions_store.subscribe(conn, contact, record_id, self.env.clock.now())

    async def change(self, record_id: int, status: KtpStatus = KtpStatus.CARD_PRINTED) -> int:
        """What /ubah and the importer do: the change and its notices in one transaction."""
        now = self.env.clock.now()
        async with self.env.services.db.transaction() as conn:
            await records_store.set_status(
                conn, record_id, status, PRINTED_ON, None, "test", None, now
            )
            queued = await enqueue_status_change(
                conn, record_id=record_id, status=status, entered_on=PRINTED_ON, now=now
            )
        self.env.services.wake_outbox()
        return queued

    async def rows(self) -> list[dict[str, Any]]:
        rows = await self.env.services.db.fetchall("SELECT * FROM outbox ORDER BY id")
        return [dict(row) for row in rows]

    async def settle(self) -> None:
        await self.sender.drain(timeout=20)


@pytest.fixture
async def wa(make_env, tmp_path: Path) -> AsyncIterator[Wa]:
    async with CloudApiDouble() as double:
        env = await make_env(
            tmp_path,
            background=True,
            whatsapp_token=TOKEN,
            whatsapp_phone_number_id=PHONE_NUMBER_ID,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_api_url=double.url,
            whatsapp_per_second=1000.0,
        )
        dispatcher_of(env.app).limits = fast_limits()
        found = Wa(env, double)
        found.sender.limits = fast_sender_limits()
        yield found
        await env.close()


async def _card_news(wa: Wa, *, wrote_hours_ago: float | None) -> int:
    contact = await wa.contact(wrote_hours_ago=wrote_hours_ago)
    record = await wa.record()
    await wa.follow(contact, record)
    assert await wa.change(record) == 1
    await wa.settle()
    return contact


async def test_card_news_inside_the_window_is_an_ordinary_message(wa: Wa) -> None:
    await _card_news(wa, wrote_hours_ago=2)
    (sent,) = wa.double.sent_to(WA)
    assert sent["type"] in ("text", "interactive")
    body = json.dumps(sent, ensure_ascii=False)
    assert "KTP-el sudah dicetak" in body and "*" in body and "<b>" not in body
    (row,) = await wa.rows()
    assert row["channel"] == "whatsapp" and row["state"] == "sent"
    assert row["wamid"] == wa.double.sent[0].message_id
    assert not wa.env.api.calls_to("sendMessage")  # nothing went to Telegram


async def test_card_news_outside_the_window_is_the_template_with_its_parameters(wa: Wa) -> None:
    await _card_news(wa, wrote_hours_ago=30)
    (sent,) = wa.double.sent_to(WA)
    assert sent["type"] == "template"
    template = sent["template"]
    assert template["name"] == "ktp_el_tercetak" and template["language"] == {"code": "id"}
    nik, place = (p["text"] for p in template["components"][0]["parameters"])
    assert nik == "1605••••••••0001" and place
    (row,) = await wa.rows()
    assert row["state"] == "sent" and row["wamid"] == wa.double.sent[0].message_id


async def test_a_kind_without_a_template_waits_then_goes_when_the_resident_writes(
    wa: Wa,
) -> None:
    svc = wa.env.services
    contact = await wa.contact(wrote_hours_ago=48)
    async with svc.db.transaction() as conn:
        await outbox_store.insert(
            conn,
            kind="question",
            chat_id=contact,
            dedup_key="closed:1",
            now=wa.env.clock.now(),
            notice=NoticeKind.QUESTION_CLOSED,
            params={"question_id": 7},
        )
    svc.wake_outbox()
    await wa.settle()
    assert wa.double.sent == []
    (row,) = await wa.rows()
    assert row["state"] == "pending" and row["channel"] == "whatsapp"
    assert row["not_before"] >= "9999"
    # The resident writes: the door notes the message's time and releases what waited.
    assert await release_waiting(svc, contact, wa.env.clock.now()) == 1
    await wa.settle()
    (sent,) = wa.double.sent_to(WA)
    assert sent["type"] == "text" and "#7" in sent["text"]["body"]
    assert (await wa.rows())[0]["state"] == "sent"


@pytest.mark.parametrize("code", [130429, 131056])
async def test_throughput_and_pair_rate_wait_and_go_again(wa: Wa, code: int) -> None:
    wa.double.fail(code, times=2, to=WA)
    wa.sender.limits = fast_sender_limits()
    await _card_news(wa, wrote_hours_ago=1)
    refused = [r for r in wa.double.requests if r.answered == 400]
    assert len(refused) == 2
    assert len(wa.double.sent_to(WA)) == 1
    (row,) = await wa.rows()
    assert row["state"] == "sent"


async def test_131047_sends_the_template_instead(wa: Wa) -> None:
    wa.double.fail(131047, to=WA)
    await _card_news(wa, wrote_hours_ago=1)  # our clock says open; WhatsApp says closed
    (sent,) = wa.double.sent_to(WA)
    assert sent["type"] == "template"
    assert (await wa.rows())[0]["state"] == "sent"


async def test_a_number_not_on_whatsapp_or_that_blocked_us_is_stopped(wa: Wa) -> None:
    wa.double.fail(131026, to=WA)
    contact = await _card_news(wa, wrote_hours_ago=1)
    assert wa.double.sent == []
    (row,) = await wa.rows()
    assert row["state"] == "failed" and row["fail_reason"] == outbox_store.REASON_BLOCKED
    async with wa.env.services.db.snapshot() as conn:
        chat = await chats_store.get(conn, contact)
    assert chat is not None and not chat.reachable
    # its subscriptions are off: no more card news is queued for it
    following = await wa.env.services.db.fetchall(
        "SELECT active FROM subscriptions WHERE chat_id = ?", (contact,)
    )
    assert [r[0] for r in following] == [0]
    # the resident writes again: reachable, following again, the card news goes after all
    await release_waiting(wa.env.services, contact, wa.env.clock.now())
    await wa.settle()
    (sent,) = wa.double.sent_to(WA)
    assert "dicetak" in json.dumps(sent, ensure_ascii=False)
    assert (await wa.rows())[0]["state"] == "sent"


async def test_server_errors_are_retried_with_backoff_then_sent(wa: Wa) -> None:
    wa.double.fail(status=500, times=2, to=WA)
    await _card_news(wa, wrote_hours_ago=1)
    # each 500 is a new try of the row (attempts counted), and the third goes
    for _ in range(50):
        if wa.double.sent:
            break
        await asyncio.sleep(0.05)
        await wa.settle()
    assert len(wa.double.sent_to(WA)) == 1
    (row,) = await wa.rows()
    assert row["state"] == "sent" and row["attempts"] == 3


async def test_server_errors_give_up_after_the_last_attempt(wa: Wa) -> None:
    wa.double.fail(status=503, times=10, to=WA)
    await _card_news(wa, wrote_hours_ago=1)
    for _ in range(50):
        if (await wa.rows())[0]["state"] != "pending":
            break
        await asyncio.sleep(0.05)
        await wa.settle()
    (row,) = await wa.rows()
    assert row["state"] == "failed" and row["fail_reason"] == outbox_store.REASON_SERVER


async def test_telegram_down_does_not_hold_whatsapp_back(wa: Wa) -> None:
    wa.env.api.fail(kind="500", times=None)  # every sendMessage fails
    dispatcher_of(wa.env.app).limits = fast_limits(backoff_base=60.0)
    telegram = RESIDENT_ID
    contact = await wa.contact(wrote_hours_ago=1)
    record = await wa.record()
    await wa.follow(contact, record)
    async with wa.env.services.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, telegram, record, wa.env.clock.now())
    assert await wa.change(record) == 2
    await wa.settle()
    await dispatcher_of(wa.env.app).drain()  # Telegram tried once; its retry is a minute away
    assert len(wa.double.sent_to(WA)) == 1
    rows = {r["channel"]: r for r in await wa.rows()}
    assert rows["whatsapp"]["state"] == "sent"
    assert rows["telegram"]["state"] == "pending" and rows["telegram"]["attempts"] >= 1


async def test_whatsapp_down_does_not_hold_telegram_back(wa: Wa) -> None:
    wa.double.fail(status=503, times=1000)
    wa.sender.limits = fast_sender_limits(backoff_base=60.0)
    telegram = RESIDENT_ID
    contact = await wa.contact(wrote_hours_ago=1)
    record = await wa.record()
    await wa.follow(contact, record)
    async with wa.env.services.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, telegram, record, wa.env.clock.now())
    assert await wa.change(record) == 2
    await dispatcher_of(wa.env.app).drain()
    await wa.settle()
    sent = [c for c in wa.env.api.calls_to("sendMessage") if c.chat_id == telegram]
    assert len(sent) == 1 and "dicetak" in str(sent[0].params["text"])
    rows = {r["channel"]: r for r in await wa.rows()}
    assert rows["telegram"]["state"] == "sent"
    assert rows["whatsapp"]["state"] == "pending" and rows["whatsapp"]["attempts"] == 1


def _status(wamid: str, kind: StatusKind, code: int | None = None) -> Status:
    return Status(wamid, kind, datetime(2026, 12, 7, tzinfo=UTC), WA, code)


async def test_statuses_are_joined_to_the_outbox_row(wa: Wa) -> None:
    svc = wa.env.services
    contact = await _card_news(wa, wrote_hours_ago=1)
    (row,) = await wa.rows()
    wamid = row["wamid"]
    # delivered / read: recorded (by the webhook) against the row's message id
    await status_reported(svc, _status(wamid, StatusKind.DELIVERED))
    assert (await wa.rows())[0]["state"] == "sent"
    # a failed status that waiting fixes: the row goes again, with a new message id
    await status_reported(svc, _status(wamid, StatusKind.FAILED, 131000))
    (row,) = await wa.rows()
    assert row["state"] == "pending" and row["wamid"] is None
    async with svc.db.transaction() as conn:  # due now rather than in 30 s
        await conn.execute("UPDATE outbox SET not_before = ? WHERE id = ?", ("2000", row["id"]))
    svc.wake_outbox()
    await wa.settle()
    (row,) = await wa.rows()
    assert row["state"] == "sent" and row["wamid"] != wamid
    assert len(wa.double.sent_to(WA)) == 2
    # 131047 reported after the fact: sent again as the template
    await status_reported(svc, _status(row["wamid"], StatusKind.FAILED, 131047))
    await wa.settle()
    assert wa.double.sent_to(WA)[-1]["type"] == "template"
    (row,) = await wa.rows()
    # a permanent failure (the number is gone): the row failed, the contact stopped
    await status_reported(svc, _status(row["wamid"], StatusKind.FAILED, 131026))
    (row,) = await wa.rows()
    assert row["state"] == "failed" and row["fail_reason"] == outbox_store.REASON_BLOCKED
    async with svc.db.snapshot() as conn:
        chat = await chats_store.get(conn, contact)
    assert chat is not None and not chat.reachable


async def test_an_announcement_reaches_whatsapp_contacts_who_chose_it(wa: Wa) -> None:
    svc = wa.env.services
    now = wa.env.clock.now()
    inside = await wa.contact(WA, wrote_hours_ago=1)
    outside = await wa.contact(WA_2, wrote_hours_ago=50)
    await wa.contact("6281200000003")  # never chose announcements: not in the audience
    async with svc.db.transaction() as conn:
        for contact in (inside, outside):
            await broadcasts_store.set_announcements(conn, contact, "private", True, now)
        await conn.execute(  # a Telegram resident
            "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen) VALUES (?,?,?,?)",
            (RESIDENT_ID, "private", now.isoformat(), now.isoformat()),
        )
        broadcast_id, count = await broadcasts_store.create(
            conn,
            created_by=2002,
            text="Kantor <b>tutup</b> hari Jumat &amp; Sabtu.",
            audience=broadcasts_store.Audience(broadcasts_store.ALL),
            now=now,
            send_now=False,
            progress_chat_id=None,
            progress_message_id=None,
        )
    assert count == 3
    svc.wake_outbox()
    await wa.settle()
    await dispatcher_of(wa.env.app).drain()
    (message,) = wa.double.sent_to(WA)
    assert message["type"] == "text" and "*tutup*" in message["text"]["body"]
    (template,) = wa.double.sent_to(WA_2)
    assert template["template"]["name"] == "pengumuman_disdukcapil"
    (isi,) = template["template"]["components"][0]["parameters"]
    assert isi["text"] == "Kantor tutup hari Jumat & Sabtu."
    assert len(wa.double.sent) == 2
    async with svc.db.snapshot() as conn:
        figures = await broadcasts_store.figures(conn, broadcast_id)
        broadcast = await broadcasts_store.get(conn, broadcast_id)
    assert (figures.total, figures.sent, figures.whatsapp_total, figures.whatsapp_sent) == (
        3,
        3,
        2,
        2,
    )
    assert broadcast is not None
    view = render_progress(broadcast, figures, waiting_until=None, finished=False, tz="UTC")
    assert "Telegram 1 dari 1 · WhatsApp 2 dari 2" in view.text


async def test_staff_see_one_office_counted_per_channel(wa: Wa) -> None:
    svc = wa.env.services
    now = wa.env.clock.now()
    contact = await wa.contact(WA)
    record = await wa.record()
    await wa.follow(contact, record)
    async with svc.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, RESIDENT_ID, record, now)
        await conn.execute(
            "INSERT INTO verified_checks (chat_id, record_id, verified_at) VALUES (?, ?, ?)",
            (contact, record, now.isoformat()),
        )
    figures = await stats.gather(svc)
    block = plain(figures.channels_block or "")
    assert "Per saluran (Telegram · WhatsApp)" in block
    assert "Warga: 1 · 1" in block
    assert "Cek NIK + KK berhasil, 7 hari: 0 · 1" in block
    assert "Warga yang memantau kartu: 1 · 1" in block
    assert "Pertanyaan, 7 hari: 0 · 0" in block
    assert block in plain(figures.detail("UTC"))
    async with svc.db.snapshot() as conn:
        found = await records_store.get_by_id(conn, record)
    assert found is not None
    view = await record_lookup.view_of(svc, found)
    assert view.subscribers == 2 and view.by_channel == {"telegram": 1, "whatsapp": 1}
    assert channels_note(view.by_channel) == " (Telegram 1 · WhatsApp 1)"
    assert WA not in block and WA[-6:] not in channels_note(view.by_channel)


async def test_the_outbox_command_shows_what_whatsapp_reported(wa: Wa) -> None:
    svc = wa.env.services
    await _card_news(wa, wrote_hours_ago=1)
    (row,) = await wa.rows()
    contact = await wa.contact(WA_2, wrote_hours_ago=72)
    async with svc.db.transaction() as conn:
        await whatsapp_store.record_status(
            conn, row["wamid"], "read", None, wa.env.clock.now(), wa.env.clock.now()
        )
        await outbox_store.insert(
            conn,
            kind="question",
            chat_id=contact,
            dedup_key="muted:1",
            now=wa.env.clock.now(),
            notice=NoticeKind.QUESTION_CLOSED,
            params={"question_id": 8},
        )
    svc.wake_outbox()
    await wa.settle()
    text = await outbox_cli.report(wa.env.settings, wa.env.clock)
    assert "WhatsApp: menunggu 1, terkirim 1" in text
    assert "1 menunggu warga menulis lagi" in text
    assert "Dilaporkan WhatsApp: dibaca 1" in text
    assert "9999" not in text


@pytest.mark.parametrize("hours", [1, 30])
async def test_a_staff_answer_reaches_the_resident_on_whatsapp(wa: Wa, hours: float) -> None:
    svc = wa.env.services
    contact = await wa.contact(WA, wrote_hours_ago=0.1)
    questions = Questions(svc)
    await questions.ask(contact, "Kapan KTP saya bisa diambil?")
    (question_id,) = [r[0] for r in await svc.db.fetchall("SELECT id FROM questions")]
    async with svc.db.transaction() as conn:  # the resident wrote `hours` ago after all
        await conn.execute(
            "UPDATE chats SET last_inbound_at = ? WHERE chat_id = ?",
            ((wa.env.clock.now() - timedelta(hours=hours)).isoformat(), contact),
        )
    await questions.answer(
        question_id, StaffRef(2002, "Budi", "petugas"), "Sudah bisa diambil besok pagi."
    )
    svc.wake_outbox()
    await wa.settle()
    (sent,) = wa.double.sent_to(WA)
    if hours == 1:
        assert sent["type"] == "interactive"
        (button,) = sent["interactive"]["action"]["buttons"]
        assert button["reply"]["id"] == QuestionReply(question_id).pack()
        assert "Sudah bisa diambil besok pagi." in sent["interactive"]["body"]["text"]
    else:
        assert sent["template"]["name"] == "jawaban_petugas"
        (jawaban,) = sent["template"]["components"][0]["parameters"]
        assert jawaban["text"] == "Sudah bisa diambil besok pagi."
    answer_rows = [r for r in await wa.rows() if r["notice"] == NoticeKind.QUESTION_ANSWER]
    assert [(r["channel"], r["state"]) for r in answer_rows] == [("whatsapp", "sent")]
    desk = [r for r in await wa.rows() if r["notice"] == NoticeKind.QUESTION_DESK]
    assert desk and all(r["channel"] == "telegram" for r in desk)


async def test_a_jemput_bola_notice_outside_the_window_is_its_template(wa: Wa) -> None:
    svc = wa.env.services
    contact = await wa.contact(WA, wrote_hours_ago=100)
    now = wa.env.clock.now()
    async with svc.db.transaction() as conn:
        fields = visits_store.VisitFields(
            visit_date=date(2026, 12, 20),
            start_time="08:00",
            end_time="12:00",
            district="160501",
            place="Balai Desa\nSumber Harta",
            services=("rekam",),
            note=None,
        )
        visit_id = await visits_store.insert(conn, fields, source="test", created_by=None, now=now)
        await outbox_store.insert(
            conn,
            kind="visit",
            chat_id=contact,
            dedup_key=f"visit:{visit_id}:{contact}",
            now=now,
            notice=NoticeKind.VISIT_NOTICE,
            params={"visit_id": visit_id, "reminder": False},
        )
    svc.wake_outbox()
    await wa.settle()
    (sent,) = wa.double.sent_to(WA)
    assert sent["template"]["name"] == "jemput_bola_jadwal"
    kecamatan, waktu, tempat = (p["text"] for p in sent["template"]["components"][0]["parameters"])
    assert kecamatan == "Tugumulyo" and "20 Desember 2026" in waktu and "08.00" in waktu
    assert tempat == "Balai Desa Sumber Harta"  # one line, as Meta wants


async def test_a_timeout_is_tried_again(wa: Wa) -> None:
    wa.sender.client.http.timeout = httpx.Timeout(0.3)
    wa.double.fail(timeout=True, to=WA)
    await _card_news(wa, wrote_hours_ago=1)
    for _ in range(50):
        if wa.double.sent:
            break
        await asyncio.sleep(0.05)
        await wa.settle()
    assert len(wa.double.sent_to(WA)) == 1
    (row,) = await wa.rows()
    assert row["state"] == "sent" and row["attempts"] == 2


async def test_a_message_the_cloud_api_refuses_as_invalid_fails(wa: Wa) -> None:
    wa.double.fail(131008, to=WA)  # a required parameter is missing: a bug, not a wait
    await _card_news(wa, wrote_hours_ago=1)
    (row,) = await wa.rows()
    assert row["state"] == "failed" and row["fail_reason"] == outbox_store.REASON_BAD_REQUEST
    assert wa.double.sent == []


async def test_a_refused_token_pauses_whatsapp_and_the_row_waits(wa: Wa) -> None:
    wa.sender.limits = fast_sender_limits(account_pause=60.0)
    wa.double.fail(190, status=401, to=WA)
    contact = await wa.contact(wrote_hours_ago=1)
    record = await wa.record()
    await wa.follow(contact, record)
    await wa.change(record)
    for _ in range(100):  # all WhatsApp sending now waits a minute: no drain to wait for
        (row,) = await wa.rows()
        if row["last_error"]:
            break
        await asyncio.sleep(0.05)
    assert row["state"] == "pending" and row["not_before"] > utc_iso(wa.env.clock.now())
    assert "account" in row["last_error"]
    assert wa.sender._pause_until > asyncio.get_running_loop().time() + 30


async def test_a_resident_who_stopped_marketing_gets_no_more_announcements(wa: Wa) -> None:
    svc = wa.env.services
    now = wa.env.clock.now()
    contact = await wa.contact(WA, wrote_hours_ago=50)
    async with svc.db.transaction() as conn:
        await broadcasts_store.set_announcements(conn, contact, "private", True, now)
        await broadcasts_store.create(
            conn,
            created_by=2002,
            text="Pengumuman.",
            audience=broadcasts_store.Audience(broadcasts_store.ALL),
            now=now,
            send_now=False,
            progress_chat_id=None,
            progress_message_id=None,
        )
    wa.double.fail(131050, to=WA)
    svc.wake_outbox()
    await wa.settle()
    (row,) = await wa.rows()
    assert row["state"] == "failed" and row["fail_reason"] == "opted_out"
    async with svc.db.snapshot() as conn:
        assert not await broadcasts_store.announcements_on(conn, contact)


async def test_a_failed_status_signed_to_the_webhook_puts_the_row_back(
    wa: Wa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP: the webhook records the status (no outbox hook wired); the sender finds it
    and sends the notice again, as the template since WhatsApp said the window was closed."""
    monkeypatch.setattr(sender_module, "STATUS_SWEEP", 0.05)
    svc = wa.env.services

    async def no_message(message: object) -> None:
        return None

    hook = WhatsAppWebhook(
        db=svc.db,
        clock=wa.env.clock,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        on_message=no_message,
        phone_number_id=PHONE_NUMBER_ID,
    )
    port = await hook.start("127.0.0.1", 0)
    try:
        await _card_news(wa, wrote_hours_ago=1)
        (row,) = await wa.rows()
        first = row["wamid"]
        url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        for status, code in (("delivered", None), ("failed", 131047)):
            answer = await post_delivery(url, status_update(first, status, WA, error_code=code))
            assert answer.status_code == 200
        for _ in range(100):
            if len(wa.double.sent_to(WA)) == 2:
                break
            await asyncio.sleep(0.05)
        await wa.settle()
    finally:
        await hook.stop()
    first_sent, again = wa.double.sent_to(WA)
    assert first_sent["type"] != "template" and again["type"] == "template"
    (row,) = await wa.rows()
    assert row["state"] == "sent" and row["wamid"] not in (None, first)
    async with svc.db.snapshot() as conn:
        reported = await whatsapp_store.status_of(conn, first)
    assert reported is not None and reported.status == "failed" and reported.error_code == 131047


async def test_a_waiting_notice_goes_once_the_door_notes_a_new_message(
    wa: Wa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the release hook: the door only notes the message's time (as it does for every
    message); the sender sees it and sends what waited."""
    monkeypatch.setattr(sender_module, "STATUS_SWEEP", 0.05)
    svc = wa.env.services
    contact = await wa.contact(wrote_hours_ago=48)
    async with svc.db.transaction() as conn:
        await outbox_store.insert(
            conn,
            kind="question",
            chat_id=contact,
            dedup_key="closed:9",
            now=wa.env.clock.now(),
            notice=NoticeKind.QUESTION_CLOSED,
            params={"question_id": 9},
        )
    svc.wake_outbox()
    await wa.settle()
    await asyncio.sleep(0.2)  # a few sweeps: nothing to release yet
    assert wa.double.sent == []
    wa.env.clock.advance(minutes=1)
    async with svc.db.transaction() as conn:
        await chats_store.note_inbound(conn, contact, wa.env.clock.now())
    for _ in range(100):
        if wa.double.sent:
            break
        await asyncio.sleep(0.05)
    (sent,) = wa.double.sent_to(WA)
    assert "#9" in sent["text"]["body"]


async def test_two_workers_only_the_elected_one_sends_on_whatsapp(
    make_env, tmp_path: Path, db_backend: str | None
) -> None:
    """PostgreSQL, two bots on one database: the standby's WhatsApp sender does not run; when
    the elected one stops mid-broadcast, the standby takes over and finishes; nobody gets
    the announcement twice (the stop is clean)."""
    if db_backend is None:
        pytest.skip("the election is PostgreSQL's")
    contacts_count = 120
    async with CloudApiDouble() as double:
        settings = {
            "background": True,
            "whatsapp_token": TOKEN,
            "whatsapp_phone_number_id": PHONE_NUMBER_ID,
            "whatsapp_app_secret": APP_SECRET,
            "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_api_url": double.url,
            "whatsapp_per_second": 40.0,
        }
        first = await make_env(tmp_path, **settings)
        second = await make_env(tmp_path, **settings)
        assert first.app.bot_data.whatsapp_sender is not None
        assert second.app.bot_data.whatsapp_sender is None  # standing by
        svc = first.services
        now = first.clock.now()
        async with svc.db.transaction() as conn:
            for n in range(contacts_count):
                contact = OTHER_CHANNELS_BELOW - 1 - n
                await chats_store.add_contact(conn, contact, "whatsapp", f"62813{n:08d}", now)
                await chats_store.note_inbound(conn, contact, now - timedelta(hours=1))
            await conn.execute("UPDATE chats SET announcements = 1 WHERE channel = 'whatsapp'")
            await broadcasts_store.create(
                conn,
                created_by=2002,
                text="Pengumuman.",
                audience=broadcasts_store.Audience(broadcasts_store.ALL),
                now=now,
                send_now=False,
                progress_chat_id=None,
                progress_message_id=None,
            )
        svc.wake_outbox()
        while len(double.sent) < 30:
            await asyncio.sleep(0.02)
        await first.close()  # the elected worker stops: its lock goes with it
        stopped_at = len(double.sent)
        for _ in range(400):
            if len({r.body["to"] for r in double.sent}) == contacts_count:
                break
            await asyncio.sleep(0.05)
        assert second.app.bot_data.whatsapp_sender is not None
        counts = Counter(r.body["to"] for r in double.sent)
    assert stopped_at < contacts_count
    assert len(counts) == contacts_count and max(counts.values()) == 1


async def test_status_nik_shows_the_followers_per_channel(wa: Wa) -> None:
    officer = await add_officer(wa.env)
    contact = await wa.contact(WA)
    record = await wa.record()
    await wa.follow(contact, record)
    async with wa.env.services.db.transaction() as conn:
        await subscriptions_store.subscribe(conn, RESIDENT_ID, record, wa.env.clock.now())
    (reply,) = await officer.send(f"/status {NIK}")
    assert "Langganan: 2 chat (Telegram 1 · WhatsApp 1)" in reply.plain
    assert WA not in reply.plain and WA[-4:] not in reply.plain
