"""The WhatsApp adapter end to end over real HTTP, with a stand-in for the conversation: a
signed delivery to the webhook, the answer rendered and sent to the Cloud API double, a long
menu paged by the adapter alone, a redelivery answered once. (The real conversation is
plugged in through `converse` when the conversation floor has its entry.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from whatsapp_double import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    CloudApiDouble,
    choice_message,
    inbound_message,
    post_delivery,
    text_message,
)

from bot.conversation.messages import Choice, Message
from bot.domain.clock import FakeClock
from bot.domain.config import Settings
from bot.domain.markup import bold, esc
from bot.storage import Db
from bot.whatsapp.adapter import WhatsAppService
from bot.whatsapp.inbound import Inbound, InboundKind
from bot.whatsapp.render import next_page
from bot.whatsapp.webhook import PATH

WA = "6281234567890"
KECAMATAN = [f"Kecamatan {n}" for n in range(1, 15)]


class StandIn:
    """Answers as a conversation would, and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[Inbound] = []

    async def __call__(self, message: Inbound) -> Sequence[Message]:
        self.asked.append(message)
        if message.kind is InboundKind.TEXT and message.text == "jadwal":
            choices = tuple((Choice(f"kec:{i}", name),) for i, name in enumerate(KECAMATAN))
            return [Message(text="Pilih kecamatan:", choices=choices)]
        if message.kind is InboundKind.CHOICE:
            return [Message(text=f"Pilihan: {bold(esc(message.choice_id or ''))}")]
        if message.kind is InboundKind.IMAGE:
            return [Message(text="Mohon jangan kirim foto KTP/KK.", menu=True)]
        return [Message(text=f"Anda menulis: {bold(esc(message.text))}")]


@pytest.fixture
async def bot(
    any_db: Db, tmp_path: Any
) -> AsyncIterator[tuple[CloudApiDouble, StandIn, str, WhatsAppService]]:
    async with CloudApiDouble() as double:
        settings = replace(
            Settings(db_path=tmp_path / "db.sqlite3"),
            whatsapp_token=TOKEN,
            whatsapp_phone_number_id=PHONE_NUMBER_ID,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_api_url=double.url,
            webhook_listen="127.0.0.1",
        )
        stand_in = StandIn()
        service = WhatsAppService(
            settings,
            db=any_db,
            clock=FakeClock(datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
            converse=stand_in,
            main_menu=(Choice("menu:cek", "Cek KTP-el"), Choice("menu:faq", "Tanya jawab")),
        )
        port = await service.start(port=0)
        try:
            yield double, stand_in, f"http://127.0.0.1:{port}{PATH}", service
        finally:
            await service.stop()


async def deliver(service: WhatsAppService, url: str, payload: dict[str, Any]) -> None:
    assert (await post_delivery(url, payload)).status_code == 200
    await service.webhook.drain()


async def test_a_text_is_answered_in_whatsapps_markup_and_marked_read(bot: Any) -> None:
    double, stand_in, url, service = bot
    await deliver(service, url, text_message(WA, "halo *kak*", message_id="wamid.H1"))
    (answer,) = double.sent_to(WA)
    assert answer["text"]["body"] == "Anda menulis: *halo ∗kak∗*"
    assert [r.body["message_id"] for r in double.read] == ["wamid.H1"]
    await deliver(service, url, text_message(WA, "halo *kak*", message_id="wamid.H1"))
    assert len(double.sent_to(WA)) == 1 and len(stand_in.asked) == 1  # a redelivery: once


async def test_a_long_menu_is_paged_by_the_adapter_alone(bot: Any) -> None:
    double, stand_in, url, service = bot
    await deliver(service, url, text_message(WA, "jadwal", message_id="wamid.J1"))
    first = double.sent_to(WA)[-1]["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in first[:9]] == KECAMATAN[:9]
    more = first[-1]
    assert next_page(more["id"]) is not None
    await deliver(
        service,
        url,
        choice_message(WA, more["id"], more["title"], message_id="wamid.J2", list_row=True),
    )
    second = double.sent_to(WA)[-1]["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in second] == KECAMATAN[9:]
    assert len(stand_in.asked) == 1  # the conversation never saw the page turn
    await deliver(
        service,
        url,
        choice_message(WA, second[0]["id"], "x", message_id="wamid.J3", list_row=True),
    )
    assert double.sent_to(WA)[-1]["text"]["body"] == "Pilihan: *kec:9*"
    assert double.refused == []


async def test_a_photo_gets_advice_and_the_main_menu_as_a_list(bot: Any) -> None:
    double, _, url, service = bot
    await deliver(service, url, inbound_message(WA, "image", {"id": "m1"}, message_id="wamid.P1"))
    (answer,) = double.sent_to(WA)
    assert answer["interactive"]["body"]["text"] == "Mohon jangan kirim foto KTP/KK."
    assert [b["reply"]["id"] for b in answer["interactive"]["action"]["buttons"]] == [
        "menu:cek",
        "menu:faq",
    ]


async def test_a_refused_answer_is_logged_masked_and_the_next_one_still_goes(
    bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    double, _, url, service = bot
    double.fail(131026, to=WA)  # the answer, not the "read" mark
    await deliver(service, url, text_message(WA, "satu", message_id="wamid.F1"))
    await deliver(service, url, text_message(WA, "dua", message_id="wamid.F2"))
    assert [m["text"]["body"] for m in double.sent_to(WA)] == ["Anda menulis: *dua*"]
    assert WA not in caplog.text
