"""`python -m bot run` with WhatsApp configured: a real process serves `/whatsapp` beside its
Telegram polling; a signed delivery of "NIK KK" gets the status answer at the Cloud API double;
SIGTERM stops both cleanly."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
from test_run_over_http import EXIT_TIMEOUT, _bot_env, _closed_port, _start_bot, _wait_for
from whatsapp_double import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    CloudApiDouble,
    sign,
    text_message,
)

from bot.local_api import LocalBotApiServer

T = TypeVar("T")
WA = "6281234567890"
NIK, KK = "1605014107900012", "1605010101150003"


class DoubleThread:
    """The Cloud API double on an event loop of its own thread (the bot is another process)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.double: CloudApiDouble = self.run(CloudApiDouble().start())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def read(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return self.run(call())

    def stop(self) -> None:
        self.run(self.double.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _records(path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["nik", "no_kk", "nama", "status", "tanggal_status"])
        writer.writerow([NIK, KK, "Siti Aminah", "SENT_FOR_ENROLLMENT", "2026-11-20"])


def test_run_serves_the_whatsapp_webhook_beside_telegram(tmp_path: Path) -> None:
    front = LocalBotApiServer()
    front.start()
    cloud = DoubleThread()
    port = _closed_port()
    out = tmp_path / "bot-output.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        env = _bot_env(tmp_path, front.url)
        env.update(
            WHATSAPP_TOKEN=TOKEN,
            WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
            WHATSAPP_APP_SECRET=APP_SECRET,
            WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
            WHATSAPP_API_URL=cloud.double.url,
            BOT_WHATSAPP_PORT=str(port),
            BOT_WEBHOOK_LISTEN="127.0.0.1",
        )
        _records(tmp_path / "records.csv")
        imported = subprocess.run(
            [sys.executable, "-m", "bot", "import", str(tmp_path / "records.csv")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert imported.returncode == 0, imported.stderr.decode()
        proc = _start_bot(tmp_path, env, out)
        api = front.api
        _wait_for(
            "getUpdates", lambda: front.read(lambda: bool(api.calls_to("getUpdates"))), proc, out
        )
        url = f"http://127.0.0.1:{port}/whatsapp"

        def listening() -> bool:
            try:
                verify = {
                    "hub.mode": "subscribe",
                    "hub.verify_token": VERIFY_TOKEN,
                    "hub.challenge": "4242",
                }
                return httpx.get(url, params=verify, timeout=2).text == "4242"
            except httpx.HTTPError:
                return False

        _wait_for("the WhatsApp webhook", listening, proc, out)
        body = json.dumps(text_message(WA, f"{NIK} {KK}", message_id="wamid.RUN1")).encode()
        unsigned = httpx.post(url, content=body, timeout=5)
        assert unsigned.status_code == 403
        answer = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
            timeout=5,
        )
        assert answer.status_code == 200

        def answered() -> bool:
            return any(
                "1605••••••••0012" in json.dumps(m, ensure_ascii=False)
                for m in cloud.read(lambda: cloud.double.sent_to(WA))
            )

        _wait_for("the status answer on WhatsApp", answered, proc, out)
        sent = cloud.read(lambda: cloud.double.sent_to(WA))
        assert "Status:" in json.dumps(sent, ensure_ascii=False)
        assert cloud.read(lambda: cloud.double.refused) == []

        proc.send_signal(signal.SIGTERM)
        code = proc.wait(EXIT_TIMEOUT)
        output = out.read_text()
        assert code == 0, output
        assert "Traceback" not in output, output
        assert f"127.0.0.1:{port}" in output  # the log says where WhatsApp is served
        assert WA not in output and TOKEN not in output
        time.sleep(0.1)
        try:
            httpx.get(url, timeout=1)
            raise AssertionError("the WhatsApp webhook still answers after the bot stopped")
        except httpx.HTTPError:
            pass
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        cloud.stop()
        front.stop()
