"""The one typed context every handler receives: `context.services` and `context.dispatcher`.

The Application is built with `ContextTypes(context=BotContext, bot_data=BotData)`, so what the
handlers depend on lives in one typed object (`BotData`) instead of string keys in a dict.
`BotData` is filled by `bot.app` (settings and clock when the Application is built; services in
`post_init`; the dispatcher once background work starts) and emptied on shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.conversation.steps import Current
from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.handlers.dispatcher import Dispatcher
from bot.services.container import Services
from bot.services.folder_import import FolderWatcher
from bot.services.leader import Leadership
from bot.whatsapp.sender import WhatsAppSender


@dataclass(slots=True)
class BotData:
    """Everything the Application's handlers share; one per Application."""

    settings: Settings | None = None
    clock: Clock | None = None
    services_: Services | None = None
    dispatcher: Dispatcher | None = None
    #: PostgreSQL: the election of the one worker that runs the dispatcher (bot/services/leader.py).
    leadership: Leadership | None = None
    #: WhatsApp configured: the sender of the WhatsApp contacts' outbox rows, beside the
    #: dispatcher and under the same election (bot/whatsapp/sender.py).
    whatsapp_sender: WhatsAppSender | None = None
    #: The staff's walk-throughs' handlers, by step name (`groups.register_step`).
    step_handlers: dict[str, list[Any]] = field(default_factory=dict)
    #: BOT_IMPORT_DIR: the folder import, run by the worker that runs the periodic jobs.
    folder_watcher: FolderWatcher | None = None
    #: False keeps background work (the dispatcher, the insights refresh) from starting, for
    #: tests that drive it by hand.
    background: bool = True

    @property
    def services(self) -> Services:
        if self.services_ is None:
            raise RuntimeError("services are not open (the Application is not initialised)")
        return self.services_

    @property
    def runs_periodic_jobs(self) -> bool:
        """Whether this process does the periodic work (purges, reminders, desk edits): always
        with SQLite; with several workers on PostgreSQL only the one elected to deliver, so
        none of it runs twice at once or sends beside the dispatcher's budget."""
        return self.leadership is None or self.leadership.leading


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """`CallbackContext` with the bot's services at hand. One per update (PTB builds it once
    and hands it to every group), so the router leaves on it what it read for the others:
    the chat's steps (`steps`; None when they were not read) and whether the residents'
    dialogue has been asked already (`conversed`: `router.ASKED` or `router.PASSED`)."""

    steps: Current | None = None
    conversed: str = ""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def dispatcher(self) -> Dispatcher | None:
        return self.bot_data.dispatcher


#: The Application type every module of the bot uses.
BotApplication = Application[ExtBot[int], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
