"""`python -m bot demo --whatsapp`: the resident's conversation drawn as WhatsApp shows it,
driven line by line through stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import texts_id as texts
from bot import texts_ops
from bot import texts_whatsapp as words
from bot.demo_whatsapp import DEMO_WA_ID
from bot.services import sample_data
from bot.states import KtpStatus


def test_demo_whatsapp_draws_lists_and_buttons_and_presses_them_by_number(
    tmp_path: Path,
) -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    pairs = sample_data.pairs_to_try(60, 1, today)
    status, (nik, kk) = next(iter(pairs.items()))
    assert isinstance(status, KtpStatus)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    script = "\n".join(
        ["halo", "3", f"{nik} {kk}", "Selengkapnya", "hapus data saya", "2", "/keluar", "unread"]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--whatsapp", "--count", "60"],
        input=script + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Anda: halo" in out
    assert f"≡ {words.LIST_BUTTON}" in out  # the main menu: a list behind its button
    assert f"1. {texts.MENU_CHECK}" in out and f"8. {texts.MENU_ANNOUNCEMENTS}" in out
    assert "Anda: 3" in out and "Jam layanan" in out and "📍" in out  # the office, a pin
    assert f"{nik[:4]}••••••••{nik[-4:]}" in out  # the check's answer
    assert "Selengkapnya" in out
    assert f"[ 1. {texts.BTN_ERASE_YES} ]  [ 2. {texts.BTN_ERASE_NO} ]" in out  # buttons
    assert texts.ERASE_KEPT in out  # "2" pressed the second
    assert "<b>" not in out and "*" in out  # WhatsApp's markup, never Telegram's HTML
    assert out.rstrip().endswith(texts_ops.DEMO_BYE) and "unread" not in out
    assert DEMO_WA_ID not in out + result.stderr
