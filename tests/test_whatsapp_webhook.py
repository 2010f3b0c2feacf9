"""The WhatsApp webhook over real HTTP: Meta's verification, signed deliveries only, 200 before
the work, one handling per message id (across restarts and workers), oversize bodies refused,
statuses recorded. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from whatsapp_double import (
    APP_SECRET,
    VERIFY_TOKEN,
    choice_message,
    post_delivery,
    sign,
    status_update,
    text_message,
)

from bot.domain.clock import FakeClock
from bot.storage import Db
from bot.storage import whatsapp as store
from bot.whatsapp.inbound import Inbound, Status
from bot.whatsapp.webhook import PATH, WhatsAppWebhook

WA = "6281234567890"


class Hooks:
    def __init__(self) -> None:
        self.messages: list[Inbound] = []
        self.statuses: list[Status] = []
        self.gate: asyncio.Event | None = None

    async def on_message(self, message: Inbound) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.messages.append(message)

    async def on_status(self, status: Status) -> None:
        self.statuses.append(status)


MakeHook = Callable[..., Any]


@pytest.fixture
async def make_webhook(any_db: Db) -> AsyncIterator[Callable[..., Any]]:
    started: list[WhatsAppWebhook] = []

    async def factory(hooks: Hooks, **kwargs: Any) -> tuple[WhatsAppWebhook, str]:
        hook = WhatsAppWebhook(
            db=any_db,
            clock=FakeClock(datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
            app_secret=APP_SECRET,
            verify_token=VERIFY_TOKEN,
            on_message=hooks.on_message,
            on_status=hooks.on_status,
            **kwargs,
        )
        port = await hook.start("127.0.0.1", 0)
        started.append(hook)
        return hook, f"http://127.0.0.1:{port}{PATH}"

    yield factory
    for hook in started:
        await hook.stop()


async def test_meta_verification(make_webhook: MakeHook, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, url = await make_webhook(Hooks())
    async with httpx.AsyncClient() as http:
        ok = await http.get(
            url,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
        )
        wrong = await http.get(
            url,
            params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"},
        )
        no_mode = await http.get(
            url, params={"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
        )
        elsewhere = await http.get(url.replace(PATH, "/other"))
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1" not in wrong.text
    assert no_mode.status_code == 403
    assert elsewhere.status_code == 404
    server_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert any("200 GET /whatsapp" in line for line in server_lines)
    assert not any(VERIFY_TOKEN in line for line in server_lines)  # no query in the log


async def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_done(
    make_webhook: MakeHook, any_db: Db
) -> None:
    hooks = Hooks()
    hook, url = await make_webhook(hooks)
    payload = text_message(WA, "halo", message_id="wamid.S1")
    body = json.dumps(payload).encode()
    missing = await post_delivery(url, payload, secret=None)
    wrong = await post_delivery(url, payload, secret="not-the-secret")
    garbled = await post_delivery(url, payload, signature="sha256=" + "0" * 64)
    bare_hex = await post_delivery(url, payload, signature=sign(body)[len("sha256=") :])
    assert [r.status_code for r in (missing, wrong, garbled, bare_hex)] == [403] * 4
    await hook.drain()
    assert hooks.messages == []
    async with any_db.transaction() as conn:  # the id was never taken
        assert await store.claim_message(conn, "wamid.S1", datetime.now(UTC))


async def test_answered_before_the_work_and_handled_once_however_often_it_comes(
    make_webhook: MakeHook,
) -> None:
    hooks = Hooks()
    hooks.gate = asyncio.Event()
    hook, url = await make_webhook(hooks)
    payload = text_message(WA, "1605010101900012", message_id="wamid.D1")
    first = await post_delivery(url, payload)
    assert first.status_code == 200  # while the handler still waits at its gate
    assert hooks.messages == []
    again = await asyncio.gather(*(post_delivery(url, payload) for _ in range(3)))
    assert [r.status_code for r in again] == [200, 200, 200]
    hooks.gate.set()
    await hook.drain()
    assert [m.message_id for m in hooks.messages] == ["wamid.D1"]


async def test_a_redelivery_after_a_restart_or_to_another_worker_is_not_handled(
    make_webhook: MakeHook,
) -> None:
    first_hooks, second_hooks = Hooks(), Hooks()
    first, first_url = await make_webhook(first_hooks)
    second, second_url = await make_webhook(second_hooks)  # same database: another worker
    payload = choice_message(WA, "detail:1", "Selengkapnya", message_id="wamid.W1")
    responses = await asyncio.gather(
        post_delivery(first_url, payload), post_delivery(second_url, payload)
    )
    assert [r.status_code for r in responses] == [200, 200]
    await first.drain()
    await second.drain()
    assert len(first_hooks.messages) + len(second_hooks.messages) == 1
    await first.stop()  # a restart: a new server on the same database
    third_hooks = Hooks()
    third, third_url = await make_webhook(third_hooks)
    assert (await post_delivery(third_url, payload)).status_code == 200
    await third.drain()
    assert third_hooks.messages == []


async def test_one_residents_messages_are_handled_in_order(make_webhook: MakeHook) -> None:
    hooks = Hooks()
    hook, url = await make_webhook(hooks)
    for i in range(5):
        assert (
            await post_delivery(url, text_message(WA, str(i), message_id=f"wamid.O{i}"))
        ).status_code == 200
    await hook.drain()
    assert [m.text for m in hooks.messages] == ["0", "1", "2", "3", "4"]


async def test_an_oversize_body_is_refused_with_413(make_webhook: MakeHook) -> None:
    hooks = Hooks()
    hook, url = await make_webhook(hooks, max_body=4096)
    payload = text_message(WA, "x" * 5000, message_id="wamid.BIG")
    response = await post_delivery(url, payload)
    assert response.status_code == 413

    body = json.dumps(payload).encode()

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused as it grows
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    async with httpx.AsyncClient() as http:
        chunked = await http.post(
            url, content=chunks(), headers={"X-Hub-Signature-256": sign(body)}
        )
    assert chunked.status_code == 413
    small = await post_delivery(url, text_message(WA, "halo", message_id="wamid.SMALL"))
    assert small.status_code == 200
    await hook.drain()
    assert [m.message_id for m in hooks.messages] == ["wamid.SMALL"]


async def test_statuses_are_recorded_and_handed_to_the_outbox(
    make_webhook: MakeHook, any_db: Db
) -> None:
    hooks = Hooks()
    hook, url = await make_webhook(hooks)
    for status, code in (("sent", None), ("read", None), ("delivered", None)):
        await post_delivery(url, status_update("wamid.OUT1", status, WA, error_code=code))
    await post_delivery(url, status_update("wamid.OUT2", "failed", WA, error_code=131026))
    await hook.drain()
    async with any_db.snapshot() as conn:
        read = await store.status_of(conn, "wamid.OUT1")
        failed = await store.status_of(conn, "wamid.OUT2")
    assert read is not None and read.status == "read"
    assert failed is not None and (failed.status, failed.error_code) == ("failed", 131026)
    # deliveries are worked on side by side: the hook sees every status, in any order
    assert sorted(s.status.value for s in hooks.statuses) == [
        "delivered",
        "failed",
        "read",
        "sent",
    ]


async def test_bad_json_is_400_and_the_wa_id_never_logged_in_full(
    make_webhook: MakeHook, caplog: pytest.LogCaptureFixture
) -> None:
    hooks = Hooks()
    hook, url = await make_webhook(hooks)
    caplog.set_level(logging.DEBUG)
    assert (await post_delivery(url, b"{not json")).status_code == 400
    payload = text_message(WA, "halo", message_id="wamid.L1")
    await post_delivery(url, payload)
    await post_delivery(url, payload)  # logged as a repeat
    await post_delivery(url, status_update("wamid.OUT9", "failed", WA, error_code=131047))
    await hook.drain()
    assert WA not in caplog.text
    assert "62••••••••890" in caplog.text
