"""Webhook mode cannot be forged (issue 11, item 1).

`python -m bot run` with BOT_WEBHOOK_URL and no BOT_WEBHOOK_SECRET used to accept any POST: one
made-up update "from" an admin (`/petugas tambah 666666 admin`) made a stranger an admin. Now a
secret is generated, kept in the data folder (0600) and registered with setWebhook; a request
without the exact header gets 403 and changes nothing. All over real HTTP, against a real
`python -m bot run` process.
"""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from test_run_over_http import (
    EXIT_TIMEOUT,
    HttpBotApi,
    _bot_env,
    _closed_port,
    _start_bot,
    _wait_for,
)

ADMIN_ID = 3003
STRANGER_ID = 666666
RESIDENT_ID = 1001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _update(update_id: int, user_id: int, text: str) -> bytes:
    user = {"id": user_id, "is_bot": False, "first_name": "Rina"}
    command = text.split()[0]
    message = {
        "message_id": update_id,
        "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": "Rina"},
        "date": int(time.time()),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


def _post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_listening(port: int, proc: subprocess.Popen, out: Path) -> None:
    import socket

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    _wait_for("the webhook server", listening, proc, out)


def test_a_forged_webhook_update_without_the_secret_gets_403_and_changes_nothing(
    tmp_path: Path,
) -> None:
    front = HttpBotApi()
    front.start()
    port = _closed_port()
    hook = f"http://127.0.0.1:{port}/hook"
    env = _bot_env(tmp_path, front.url) | {
        "BOT_WEBHOOK_URL": hook,
        "BOT_WEBHOOK_LISTEN": "127.0.0.1",
        "BOT_WEBHOOK_PORT": str(port),
        "BOT_ADMIN_IDS": str(ADMIN_ID),
    }
    out = tmp_path / "bot-output.log"
    proc: subprocess.Popen[bytes] | None = None
    api = front.api
    try:
        front.read(lambda: (api.user(ADMIN_ID, "Rina"), api.user(RESIDENT_ID, "Siti")))
        proc = _start_bot(tmp_path, env, out)
        _wait_for("setWebhook", lambda: front.read(lambda: bool(api.webhook_url)), proc, out)
        _wait_listening(port, proc, out)

        # The secret was generated, registered with Telegram and kept only for the owner.
        kept = tmp_path / "data" / "webhook.secret"
        secret = kept.read_text().strip()
        assert len(secret) >= 32
        assert front.read(lambda: api.webhook_secret) == secret
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert secret not in out.read_text()

        forged = _update(1, ADMIN_ID, f"/petugas tambah {STRANGER_ID} admin")
        assert _post(hook, forged, None) == 403
        assert _post(hook, forged, "tebakan") == 403
        assert _post(hook, forged, secret[:-1]) == 403
        time.sleep(0.5)
        assert front.read(lambda: api.messages(ADMIN_ID)) == []  # nothing was handled

        # Telegram itself (with the header) is served as before.
        assert _post(hook, _update(2, RESIDENT_ID, "/start"), secret) == 200

        def welcomed() -> bool:
            return any("Selamat datang" in m.plain for m in api.messages(RESIDENT_ID))

        _wait_for("welcome to the resident", lambda: front.read(welcomed), proc, out)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(EXIT_TIMEOUT) == 0, out.read_text()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        front.stop()

    staff = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert staff.returncode == 0, staff.stderr
    assert str(STRANGER_ID) not in staff.stdout
    assert "Traceback" not in out.read_text()


def test_a_configured_secret_that_telegram_would_refuse_is_one_line(tmp_path: Path) -> None:
    env = _bot_env(tmp_path, "http://127.0.0.1:9") | {
        "BOT_WEBHOOK_URL": "https://bot.example.org/hook",
        "BOT_WEBHOOK_SECRET": "rahasia dengan spasi",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "BOT_WEBHOOK_SECRET" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
