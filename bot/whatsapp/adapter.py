"""The WhatsApp adapter put together: a resident's message in, the conversation's answer out.

    webhook (signed, once per message id) -> WhatsAppAdapter.handle(inbound)
        -> a "next page" row of a long menu: the next page, from the kept menu (the
           conversation never sees pages)
        -> anything else: `converse(inbound)`, the conversation's door (`door(svc)`: the
           contact of the wa_id, its steps, `Conversation.answer`, through
           `conversation/contact.answer_contact`; a reaction is let be)
        -> each neutral Message rendered (`render`), a paged menu kept, sent (`client`)

`WhatsAppService` owns the three pieces for `python -m bot run`: `await start()` listens on
BOT_WEBHOOK_LISTEN:BOT_WHATSAPP_PORT, `await stop()` ends it. Answers to a resident go out
at once, as Telegram's replies do; notices go through the outbox, not through here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot import texts_id as texts
from bot.conversation import contact as contact_door
from bot.conversation.messages import Choice, Message
from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.services.container import Services
from bot.storage import whatsapp as whatsapp_store
from bot.storage.driver import Db
from bot.whatsapp.client import CloudApiClient, SendError
from bot.whatsapp.inbound import CHANNEL, Inbound, InboundKind, event_fields, masked
from bot.whatsapp.render import next_page, render, render_page
from bot.whatsapp.webhook import StatusHandler, WhatsAppWebhook

log = logging.getLogger(__name__)

#: The conversation's door: a resident's message in, the messages to answer with out.
Converse = Callable[[Inbound], Awaitable[Sequence[Message]]]


def door(svc: Services) -> Converse:
    """The conversation's door for WhatsApp residents (`WhatsAppService(converse=...)`)."""

    async def converse(message: Inbound) -> Sequence[Message]:
        if message.kind is InboundKind.REACTION:
            return []  # a 👍 on an answer needs no answer
        fields = event_fields(message)
        for key in ("channel", "conversation", "person"):
            fields.pop(key)
        try:
            return await contact_door.answer_contact(
                svc, CHANNEL, message.wa_id, message.timestamp, **fields
            )
        except Exception:  # as Telegram's error handler: an apology, never silence
            log.exception("WhatsApp: a message from %s was not answered", masked(message.wa_id))
            return [Message(texts.ERROR_KIND)]

    return converse


class WhatsAppAdapter:
    def __init__(
        self,
        *,
        db: Db,
        clock: Clock,
        client: CloudApiClient,
        converse: Converse,
        main_menu: Sequence[Choice] = (),
        mark_read: bool = True,
    ) -> None:
        self.db = db
        self.clock = clock
        self.client = client
        self.converse = converse
        self.main_menu = tuple(main_menu)
        self.mark_read = mark_read

    async def handle(self, message: Inbound) -> list[str]:
        """Answer one message (taken once by the webhook); the ids of the messages sent."""
        if self.mark_read:
            with contextlib.suppress(SendError):  # the blue ticks are a courtesy
                await self.client.mark_read(message.message_id)
        if message.kind is InboundKind.CHOICE and message.choice_id:
            page = next_page(message.choice_id)
            if page is not None:
                async with self.db.snapshot() as conn:
                    kept = await whatsapp_store.load_menu(conn, page[0])
                if kept is not None:
                    rendered = render_page(kept, page[1])
                    return await self.client.deliver_all(message.wa_id, rendered.messages)
        answers = await self.converse(message)
        return await self.send(message.wa_id, answers)

    async def send(self, wa_id: str, answers: Sequence[Message]) -> list[str]:
        """Render and send `answers` to `wa_id`, in order; a paged menu is kept first."""
        sent: list[str] = []
        for answer in answers:
            rendered = render(answer, main_menu=self.main_menu)
            if rendered.keep_menu is not None:
                key, menu = rendered.keep_menu
                now = self.clock.now()
                async with self.db.transaction() as conn:
                    await whatsapp_store.save_menu(conn, key, menu, now)
            try:
                sent += await self.client.deliver_all(wa_id, rendered.messages)
            except SendError as exc:
                log.warning(
                    "WhatsApp: an answer to %s was not sent: %s (code %s)",
                    masked(wa_id),
                    exc.kind.value,
                    exc.code,
                )
                break
        return sent


class WhatsAppService:
    """The client, the adapter and the webhook server of one business number."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Db,
        clock: Clock,
        converse: Converse,
        main_menu: Sequence[Choice] = (),
        on_status: StatusHandler | None = None,
        client: CloudApiClient | None = None,
    ) -> None:
        if not settings.whatsapp_enabled:
            raise ValueError("WhatsApp is not configured (WHATSAPP_TOKEN, PHONE_NUMBER_ID)")
        self.settings = settings
        self.client = client or CloudApiClient(
            api_url=settings.whatsapp_api_url,
            phone_number_id=settings.whatsapp_phone_number_id or "",
            token=settings.whatsapp_token or "",
            per_second=settings.whatsapp_per_second,
        )
        self.adapter = WhatsAppAdapter(
            db=db, clock=clock, client=self.client, converse=converse, main_menu=main_menu
        )
        self.webhook = WhatsAppWebhook(
            db=db,
            clock=clock,
            app_secret=settings.whatsapp_app_secret or "",
            verify_token=settings.whatsapp_verify_token or "",
            on_message=self._on_message,
            on_status=on_status,
            phone_number_id=settings.whatsapp_phone_number_id,
        )

    @classmethod
    def of(
        cls,
        svc: Services,
        *,
        on_status: StatusHandler | None = None,
        client: CloudApiClient | None = None,
    ) -> WhatsAppService:
        """The service of the bot's residents: the conversation behind the webhook, the main
        menu as a list."""
        return cls(
            svc.settings,
            db=svc.db,
            clock=svc.clock,
            converse=door(svc),
            main_menu=contact_door.main_menu(),
            on_status=on_status,
            client=client,
        )

    async def _on_message(self, message: Inbound) -> None:
        await self.adapter.handle(message)

    async def start(self, port: int | None = None, *, reuse_port: bool = False) -> int:
        """Listen (on BOT_WHATSAPP_PORT unless `port` is given; 0: any free port);
        `reuse_port` for `run --workers N`, every worker on the one port."""
        return await self.webhook.start(
            self.settings.webhook_listen,
            self.settings.whatsapp_port if port is None else port,
            reuse_port=reuse_port,
        )

    async def stop(self) -> None:
        await self.webhook.stop()
        await self.client.close()
