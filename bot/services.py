"""The services a handler may use, built once when the Application starts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.privacy import Hasher, load_or_create_key
from bot.storage import Database


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    hasher: Hasher
    clock: Clock

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None) -> Services:
        key = load_or_create_key(settings.secret_key_file)
        db = await Database.open(settings.db_path)
        return cls(settings=settings, db=db, hasher=Hasher(key), clock=clock or Clock())

    async def close(self) -> None:
        await self.db.close()
