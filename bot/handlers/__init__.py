"""Handlers, one module per audience or feature; `register_handlers` adds them in priority order.

Order matters: within a group the first matching handler wins, so conversations that wait for
staff input (announcement text, a CSV upload) come before the resident's catch-all NIK reader,
and `general` (help for anything else) comes last.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import admin, broadcast, general, resident, staff


def register_handlers(app: Application) -> None:
    for module in (admin, staff, broadcast, resident, general):
        module.register(app)
