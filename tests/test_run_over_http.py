"""`python -m bot run` for real: a separate process polling a Bot API server over HTTP.

An office with a self-hosted telegram-bot-api server sets TELEGRAM_API_URL to it. Here that
server is `bot.local_api.LocalBotApi` behind its HTTP front `LocalBotApiServer` on 127.0.0.1
(its own thread and asyncio loop); the bot is started exactly as an operator starts it,
answers a resident's /start that it fetched with getUpdates, and stops cleanly on SIGTERM (as
systemd stops it).
A token the server rejects, or a server that is not there, is told in one line, not a traceback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.local_api import LOCAL_TOKEN, LocalBotApiServer

RESIDENT_ID = 1001
#: Generous bounds for a loaded machine; the test normally finishes in a few seconds.
START_TIMEOUT = 30.0
EXIT_TIMEOUT = 15.0


#: The name other tests import (test_process_and_disk, test_webhook_security): a fresh
#: `LocalBotApi(token=LOCAL_TOKEN)` served at `.url`; `.api`, `.read(fn)`, `.run(coro)`.
HttpBotApi = LocalBotApiServer


def _bot_env(tmp_path: Path, api_url: str, token: str = LOCAL_TOKEN) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "BOT_"))  # nothing of the developer's own bot
    }
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=api_url,
        BOT_DB_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        BOT_SECRET_KEY_FILE=str(tmp_path / "data" / "secret.key"),
        BOT_QUIET_HOURS="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start_bot(cwd: Path, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`python -m bot run` in `cwd` with `env`, everything it prints going to `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(what: str, check: Callable[[], bool], proc: subprocess.Popen, out: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not check():
        if proc.poll() is not None:
            raise AssertionError(
                f"the bot exited ({proc.returncode}) before {what}:\n{out.read_text()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {START_TIMEOUT} s:\n{out.read_text()}")
        time.sleep(0.05)


def test_run_polls_a_bot_api_server_over_http_and_stops_on_sigterm(tmp_path: Path) -> None:
    front = LocalBotApiServer()
    front.start()
    out = tmp_path / "bot-output.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = _start_bot(tmp_path, _bot_env(tmp_path, front.url), out)
        api = front.api

        # Polling has begun once the bot asks for updates; then a resident writes /start.
        _wait_for(
            "getUpdates", lambda: front.read(lambda: bool(api.calls_to("getUpdates"))), proc, out
        )
        resident = front.read(lambda: api.user(RESIDENT_ID, "Siti"))
        front.run(resident.send("/start"))

        def welcomed() -> bool:
            return any("Selamat datang" in m.plain for m in api.messages(RESIDENT_ID))

        _wait_for("welcome to the resident", lambda: front.read(welcomed), proc, out)
        assert "start" in front.read(lambda: api.commands_for("all_private_chats"))
        assert "cek" in front.read(lambda: api.commands_for("default"))

        # systemd (or Ctrl-C) stops the bot: it shuts down by itself, cleanly.
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the bot did not stop within {EXIT_TIMEOUT} s of SIGTERM:\n{out.read_text()}"
            ) from None
        output = out.read_text()
        assert code == 0, output
        assert "Traceback" not in output, output
        assert LOCAL_TOKEN not in output, output  # never the token (it is in every API URL)
        assert front.url.removeprefix("http://") in output  # the log names the server it polls
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        front.stop()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("failure", ["rejected token", "no server"])
def test_run_reports_a_start_up_failure_in_one_line(tmp_path: Path, failure: str) -> None:
    wrong_token = "654321:REVOKED"
    front = LocalBotApiServer()
    front.start()
    try:
        if failure == "rejected token":
            env = _bot_env(tmp_path, front.url, token=wrong_token)
            expected = f"Token bot ditolak oleh server Bot API ({front.url})"
        else:
            url = f"http://127.0.0.1:{_closed_port()}"
            env = _bot_env(tmp_path, url, token=wrong_token)
            expected = f"Server Bot API tidak bisa dihubungi ({url})"
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    finally:
        front.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert expected in done.stderr
    assert "Traceback" not in output, output
    assert wrong_token not in output, output  # PTB's own message would repeat the token
