"""Operators get one clear line, in their language, in their time (issue 11, item 10).

Before: a Bot API behind a proxy answering with an HTML error page dumped a JSON traceback and
the whole page; `backup /var/backups/` (a folder) gave a traceback; `import` of a folder said the
file was missing; shell imports were not in the audit log; log lines were English with UTC
times; the audit showed `last_admin`, `not_staff`, `cli`; a missing argument was "salah ketik";
which commands created a database on first use differed from command to command.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_run_over_http import START_TIMEOUT, _bot_env

from bot import texts_ops
from bot.__main__ import main
from bot.domain.operator_error import CAUSE_KINDS, Cause, cause_of

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample.csv"
PROXY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center>" + b"<!-- padding -->" * 200 + b"</body></html>"
)


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_WEBHOOK_URL", "BOT_LOG_LEVEL", "BOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "data" / "secret.key"))
    monkeypatch.setenv("BOT_ADMIN_IDS", "111")
    return tmp_path


def test_a_proxy_error_page_instead_of_the_bot_api_is_one_line(tmp_path: Path) -> None:
    class Proxy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PROXY_PAGE)))
            self.end_headers()
            self.wfile.write(PROXY_PAGE)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=_bot_env(tmp_path, url) | {"BOT_LOG_LEVEL": "WARNING"},
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    finally:
        server.shutdown()
        server.server_close()
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Bad Gateway (502)" in lines[0] and "bukan JSON" in lines[0]
    assert "nginx" not in output and "Traceback" not in output


def test_backup_into_a_folder_writes_a_dated_file_there(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SAMPLE)]) == 0
    (shell / "cadangan").mkdir()
    assert main(["backup", "cadangan/"]) == 0
    assert main(["backup", str(shell / "cadangan")]) == 0
    copies = sorted((shell / "cadangan").glob("bot-20*.sqlite3"))
    assert copies, list((shell / "cadangan").iterdir())
    assert "Traceback" not in capsys.readouterr().err


def test_importing_a_folder_says_it_is_a_folder(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shell / "ekspor").mkdir()
    assert main(["import", "ekspor"]) == 1
    assert "ekspor adalah folder, bukan berkas CSV" in capsys.readouterr().err


def test_shell_imports_are_audited_as_the_shell_and_details_read_in_indonesian(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SAMPLE)]) == 0
    assert main(["staff", "remove", "111"]) == 1  # fixed admin: refused, audited
    assert main(["staff", "add", "222", "--role", "admin"]) == 0
    capsys.readouterr()
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "impor CSV" in line)
    assert line.split()[2] == "shell" and "sample.csv" in line and "dibaca 53" in line
    assert "admin tetap (BOT_ADMIN_IDS)" in out and "dari shell" in out
    for code in ("fixed_admin", "last_admin", "not_staff", " cli"):
        assert code not in out


def test_log_level_and_log_times_in_the_office_zone(shell: Path) -> None:
    env = {k: v for k, v in _bot_env(shell, "http://127.0.0.1:9").items()}
    env |= {
        "BOT_DB_PATH": str(shell / "data" / "bot.sqlite3"),
        "BOT_SECRET_KEY_FILE": str(shell / "data" / "secret.key"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(SAMPLE)],
        cwd=shell,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    log_lines = [line for line in done.stderr.splitlines() if " INFO " in line]
    assert any("menerapkan migrasi skema 1" in line for line in log_lines), done.stderr
    assert any("impor #1 selesai" in line for line in log_lines), done.stderr
    assert all(line.split()[2] == "WIB" for line in log_lines), log_lines
    quiet = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(SAMPLE)],
        cwd=shell,
        env=env | {"BOT_LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0 and " INFO " not in quiet.stderr


def test_a_missing_argument_is_not_called_a_typo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["staff", "add"])
    err = capsys.readouterr().err
    assert "belum lengkap: belum diisi: ID" in err and "salah ketik" not in err


def test_one_rule_for_creating_the_database_stated_in_help(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "dibuat hanya oleh perintah yang menulis" in capsys.readouterr().out
    for argv in (["staff", "list"], ["audit"], ["outbox"], ["backup", "x.sqlite3"]):
        assert main(argv) == 1
        assert "Basis data tidak ditemukan" in capsys.readouterr().err
        assert not (shell / "data" / "bot.sqlite3").exists(), argv
    assert main(["staff", "add", "222"]) == 0
    assert (shell / "data" / "bot.sqlite3").exists()


def test_every_cause_the_domain_classifies_has_its_words() -> None:
    """`cause_of` classifies (the domain), `texts_ops.cause` only words the result."""
    assert set(texts_ops.CAUSE_NAMES) == CAUSE_KINDS
    assert cause_of(OSError(28, "No space left on device")) == Cause("disk_full")
    assert texts_ops.cause(cause_of(sqlite3.OperationalError("database is locked"))) == (
        "basis data sedang dikunci program lain"
    )
    assert texts_ops.cause(cause_of(sqlite3.DatabaseError("weird"))) == "galat SQLite (weird)"
    assert texts_ops.cause(cause_of(OSError(999, "Strange"))) == "Strange"
