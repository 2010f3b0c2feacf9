"""The Telegram adapter's door: every update is made safe to store and to log before any
handler sees it (`bot.domain.clean_text`: no NUL, no lone surrogate), whether it came by long
polling or by webhook. An update that needs nothing (nearly all) is passed on as it is."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.domain.clean_text import cleaned, is_clean


class CleanDoorApplication(Application):
    """PTB's Application whose `process_update` cleans each update's text first."""

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update):
            data: dict[str, Any] = update.to_dict()
            if not is_clean(data):
                fixed = Update.de_json(cleaned(data), self.bot)
                if fixed is not None:
                    update = fixed
        await super().process_update(update)
