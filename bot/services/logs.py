"""Logging for the shell and the bot: the level from BOT_LOG_LEVEL, times in the office's zone.

Log lines carry the office's time (WIB by default, BOT_TIMEZONE) with its zone, like every
other time the bot shows, e.g. `2026-11-28 10:00:00 WIB INFO bot.app: bot @CekKtpElBot siap`.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class OfficeTimeFormatter(logging.Formatter):
    """`%(asctime)s` in the office's time zone, with the zone's name."""

    def __init__(self, fmt: str, tz: ZoneInfo) -> None:
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        when = datetime.fromtimestamp(record.created, self.tz)
        return when.strftime(datefmt or "%Y-%m-%d %H:%M:%S %Z")


def configure(env: dict[str, str] | None = None) -> str | None:
    """Set up the root logger from the environment (and ./.env). Returns a warning line to
    show when BOT_LOG_LEVEL is not a level (INFO is used then), else None."""
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(Path.cwd() / ".env", override=False)
        env = dict(os.environ)
    level_text = (env.get("BOT_LOG_LEVEL") or "INFO").strip().upper()
    problem = None
    if level_text not in LEVELS:
        problem = f"BOT_LOG_LEVEL {level_text!r} tidak dikenal; dipakai INFO. Pilih: " + ", ".join(
            LEVELS
        )
        level_text = "INFO"
    try:
        tz = ZoneInfo(env.get("BOT_TIMEZONE") or "Asia/Jakarta")
    except Exception:
        tz = ZoneInfo("Asia/Jakarta")  # the settings say what is wrong with it
    handler = logging.StreamHandler()
    handler.setFormatter(OfficeTimeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", tz))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_bot_handler", False):
            root.removeHandler(old)
    handler._bot_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level_text)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return problem
