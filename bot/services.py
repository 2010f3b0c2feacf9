"""The services a handler may use, built once when the Application starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
from bot.config import Settings
from bot.key_guard import checked_key
from bot.privacy import Hasher
from bot.storage import Database


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    hasher: Hasher
    clock: Clock

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None) -> Services:
        db = await Database.open(settings.db_path)
        try:
            key = await checked_key(db, settings.secret_key_file)
        except BaseException:
            await db.close()
            raise
        assert key is not None
        return cls(settings=settings, db=db, hasher=Hasher(key), clock=clock or Clock())

    def today(self, now: datetime | None = None) -> date:
        """The date in the office's time zone at `now` (this moment when not given)."""
        return (now or self.clock.now()).astimezone(self.settings.tz).date()

    async def close(self) -> None:
        await self.db.close()
