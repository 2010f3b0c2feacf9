"""Notices to a WhatsApp resident as the 24-hour window allows, against the Cloud API double:
a message inside it, the kind's template outside it (or after a 131047), a wait without a
template, other refusals handed back by kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from whatsapp_double import PHONE_NUMBER_ID, TOKEN, CloudApiDouble

from bot.conversation.messages import Choice, Message
from bot.domain.markup import bold
from bot.whatsapp.client import CloudApiClient, ErrorKind
from bot.whatsapp.notices import NoticeOutcome, send_notice
from bot.whatsapp.templates import load_templates
from bot.whatsapp.window import NoticeRoute

WA = "6281234567890"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
NOTICE = Message(
    text=f"KTP-el {bold('1605••••••••0012')} sudah dicetak.",
    choices=((Choice("detail:1", "Selengkapnya"),),),
)
VALUES = {"nik": "1605••••••••0012", "tempat_pengambilan": "Kantor Disdukcapil, Muara Beliti"}


Setup = tuple[CloudApiDouble, CloudApiClient]


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    async with CloudApiDouble() as double:
        client = CloudApiClient(
            api_url=double.url,
            phone_number_id=PHONE_NUMBER_ID,
            token=TOKEN,
            per_second=1000,
            sleep=_no_sleep,
        )
        async with client:
            yield double, client


async def notice(
    client: CloudApiClient, last_inbound: datetime | None, kind: str = "card_printed"
) -> NoticeOutcome:
    return await send_notice(
        client,
        load_templates(),
        wa_id=WA,
        kind=kind,
        message=NOTICE,
        values=VALUES if kind == "card_printed" else {"isi": "x"},
        last_inbound=last_inbound,
        now=NOW,
    )


async def test_inside_the_window_the_notice_goes_as_a_message(setup: Setup) -> None:
    double, client = setup
    outcome = await notice(client, NOW - timedelta(hours=2))
    assert outcome.route is NoticeRoute.MESSAGE and outcome.sent
    (sent,) = double.sent_to(WA)
    assert sent["type"] == "interactive"
    assert outcome.message_ids == [double.sent[0].message_id]


async def test_outside_the_window_or_after_a_131047_the_template_goes(setup: Setup) -> None:
    double, client = setup
    outside = await notice(client, NOW - timedelta(days=3))
    double.fail(131047, to=WA)
    closed_meanwhile = await notice(client, NOW - timedelta(hours=2))
    assert outside.route is closed_meanwhile.route is NoticeRoute.TEMPLATE
    assert outside.sent and closed_meanwhile.sent
    templates = [m["template"] for m in double.sent_to(WA)]
    assert [t["name"] for t in templates] == ["ktp_el_tercetak", "ktp_el_tercetak"]
    assert [p["text"] for p in templates[0]["components"][0]["parameters"]] == [
        "1605••••••••0012",
        "Kantor Disdukcapil, Muara Beliti",
    ]


async def test_a_kind_without_a_template_waits_and_other_refusals_come_back(setup: Setup) -> None:
    double, client = setup
    outcome = await send_notice(
        client,
        {},
        wa_id=WA,
        kind="jemput_bola",
        message=NOTICE,
        values={},
        last_inbound=None,
        now=NOW,
    )
    assert outcome.route is NoticeRoute.WAIT and not outcome.sent and double.requests == []
    double.fail(131026, to=WA)
    gone = await notice(client, None, kind="announcement")
    assert gone.route is NoticeRoute.TEMPLATE and not gone.sent
    assert gone.error is not None and gone.error.kind is ErrorKind.RECIPIENT_GONE
