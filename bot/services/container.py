"""The services a handler may use, built once when the Application starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.domain.privacy import Hasher
from bot.services.insights import InsightsCache
from bot.services.key_guard import checked_key
from bot.storage import Db, open_database

#: Called when outbox rows were queued (the dispatcher's `wake`).
OutboxListener = Callable[[], object]


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Db
    hasher: Hasher
    clock: Clock
    #: The waiting-time figures; started with the bot's background work, stopped on close.
    insights: InsightsCache = field(default_factory=InsightsCache)
    _outbox_listeners: list[OutboxListener] = field(default_factory=list)

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None) -> Services:
        db = await open_database(settings)
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

    # --- the outbox doorbell: services and handlers wake the dispatcher without knowing it ---

    def wake_outbox(self) -> None:
        """Rows were queued (and committed): whoever delivers the outbox looks now, not later.

        Safe to call anywhere; does nothing when no dispatcher is running."""
        for listener in list(self._outbox_listeners):
            listener()

    def listen_outbox(self, listener: OutboxListener) -> None:
        """`listener()` is called on every `wake_outbox()` until `unlisten_outbox`."""
        if listener not in self._outbox_listeners:
            self._outbox_listeners.append(listener)

    def unlisten_outbox(self, listener: OutboxListener) -> None:
        if listener in self._outbox_listeners:
            self._outbox_listeners.remove(listener)

    async def close(self) -> None:
        await self.insights.stop()
        await self.db.close()
