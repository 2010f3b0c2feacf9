"""`bot.local_api.LocalBotApiServer`: the in-process Bot API over real HTTP, as a bot in another
process meets it (`python -m bot run` with TELEGRAM_API_URL). Here PTB's own HTTP client talks
to it from the test's event loop: form, JSON and multipart bodies, file downloads, long polling,
injected 429 and timeouts, a wrong token, and what the server notes (sends, calls per method).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.domain.markup import bold
from bot.local_api import LOCAL_TOKEN, LocalBotApi, LocalBotApiServer

CHAT = 1001


@pytest.fixture
def server() -> Iterator[LocalBotApiServer]:
    with LocalBotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: LocalBotApiServer) -> AsyncIterator[Bot]:
    client = Bot(
        LOCAL_TOKEN,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        request=HTTPXRequest(read_timeout=5.0),
        get_updates_request=HTTPXRequest(read_timeout=5.0),
    )
    async with client:
        yield client


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def test_messages_are_checked_recorded_and_timed(server: LocalBotApiServer, bot: Bot) -> None:
    before = time.monotonic()
    assert server.counts() == {"getMe": 1}  # Bot.initialize asked who it is
    assert (await bot.get_me()).username == "CekKtpElBot"
    sent = await bot.send_message(CHAT, "<b>Halo</b> &amp; selamat datang", parse_mode="HTML")
    assert sent.text == "Halo & selamat datang" and sent.chat.id == CHAT

    assert [m.plain for m in server.read(lambda: server.api.messages(CHAT))] == [sent.text]
    (noted,) = server.sent_messages()
    assert (noted.method, noted.chat_id) == ("sendMessage", CHAT)
    assert before <= noted.arrived <= time.monotonic()
    assert server.counts() == {"getMe": 2, "sendMessage": 1}

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):  # as Telegram refuses it
        await bot.send_message(CHAT, "<b>Halo", parse_mode="HTML")
    assert len(server.sent_messages()) == 1  # refused: not sent
    assert server.count("sendMessage") == 2
    with pytest.raises(BadRequest, match="unrendered markup"):  # a handler forgot html(...)
        await bot.send_message(CHAT, bold("Halo"), parse_mode="HTML")


async def test_a_document_goes_up_as_multipart_and_comes_down_as_a_file(
    server: LocalBotApiServer, bot: Bot
) -> None:
    content = b"nik,kk\r\n--boundary?\r\n\x00\xff\xfe binary\r\n"
    sent = await bot.send_document(CHAT, content, filename="laporan.csv", caption="Hasil")
    assert sent.document is not None and sent.caption == "Hasil"
    (message,) = server.read(lambda: server.api.messages(CHAT))
    assert message.document == content and message.filename == "laporan.csv"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content
    assert [m.method for m in server.sent_messages()] == ["sendDocument"]


async def test_getupdates_waits_for_an_update_pushed_from_another_thread(
    server: LocalBotApiServer, bot: Bot
) -> None:
    polling = asyncio.create_task(bot.get_updates(timeout=4))
    await asyncio.sleep(0.3)
    assert not polling.done()  # a long poll: nothing yet
    started = time.monotonic()
    update = {"update_id": 7, "message": _message("/start")}
    await asyncio.to_thread(server.push_update, update)
    (received,) = await polling
    assert time.monotonic() - started < 2.0
    assert received.update_id == 7 and received.message is not None
    assert received.message.text == "/start"
    assert await bot.get_updates(offset=8, timeout=0) == ()


async def test_injected_429_and_timeout_reach_the_client_as_telegram_sends_them(
    server: LocalBotApiServer, bot: Bot
) -> None:
    server.fail("sendMessage", kind="429", retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(CHAT, "Halo")
    assert _seconds(flood.value.retry_after) == 3

    server.fail("sendMessage", kind="timeout")  # held without answer until the client gives up
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "Halo", read_timeout=0.5)

    assert (await bot.send_message(CHAT, "Halo")).text == "Halo"  # then back to normal
    assert server.count("sendMessage") == 3
    assert [m.chat_id for m in server.sent_messages()] == [CHAT]


async def test_a_token_the_server_does_not_know_is_refused(server: LocalBotApiServer) -> None:
    stranger = Bot("654321:REVOKED", base_url=f"{server.url}/bot")
    with pytest.raises(InvalidToken):
        await stranger.get_me()


def test_json_query_string_and_keep_alive(server: LocalBotApiServer) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        body = json.dumps({"chat_id": CHAT, "text": "lewat JSON"})
        connection.request(
            "POST",
            f"/bot{LOCAL_TOKEN}/sendMessage",
            body,
            {"Content-Type": "application/json"},
        )
        answer = connection.getresponse()
        assert answer.status == 200
        assert json.loads(answer.read())["result"]["text"] == "lewat JSON"
        connection.request("GET", f"/bot{LOCAL_TOKEN}/sendMessage?chat_id={CHAT}&text=lewat+GET")
        answer = connection.getresponse()  # the same connection, kept alive
        assert answer.status == 200
        assert json.loads(answer.read())["result"]["text"] == "lewat GET"
        connection.request("POST", f"/bot{LOCAL_TOKEN}/noSuchMethod", b"")
        answer = connection.getresponse()
        assert answer.status == 400
        assert "not implemented" in json.loads(answer.read())["description"]
    finally:
        connection.close()
    assert [m.plain for m in server.read(lambda: server.api.messages(CHAT))] == [
        "lewat JSON",
        "lewat GET",
    ]


def test_no_history_means_nothing_noted_but_calls_are_counted() -> None:
    seen: list[int] = []
    api = LocalBotApi(keep_history=False, on_message=lambda m: seen.append(m.chat_id))
    with LocalBotApiServer(api) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            connection.request("POST", f"/bot{LOCAL_TOKEN}/sendMessage?chat_id={CHAT}&text=a")
            assert connection.getresponse().status == 200
        finally:
            connection.close()
        assert seen == [CHAT]
        assert server.sent_messages() == []
        assert server.counts() == {"sendMessage": 1}


def test_stop_ends_a_waiting_long_poll_and_the_thread() -> None:
    server = LocalBotApiServer().start()
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", f"/bot{LOCAL_TOKEN}/getUpdates?timeout=30", b"")
        while server.count("getUpdates") == 0:
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3.0
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            connection.getresponse()
    finally:
        connection.close()
    assert server.loop.is_closed()
    server.stop()  # twice is harmless


def _message(text: str) -> dict[str, object]:
    user = {"id": CHAT, "is_bot": False, "first_name": "Siti"}
    return {
        "message_id": 1,
        "from": user,
        "chat": {"id": CHAT, "type": "private", "first_name": "Siti"},
        "date": int(time.time()),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
