"""One resident, two channels: the same scripts through Telegram's adapter and WhatsApp's.

    side = TelegramSide(env, user)          # the real Application, through local_api
    side = await WhatsAppSide.open(env, double, WA)   # signed POSTs to /whatsapp, answers
                                                      # read at the Cloud API double
    answers = await side.act(("say", "halo"))         # what the resident read, plain text

A step is (what the resident does, its argument): "say" a text, "press" a choice by its label
(WhatsApp: a reply button or a list row, by title or by the whole label in the row's
description), "menu" a main-menu entry (Telegram: the keyboard sends its label; WhatsApp: the
main menu's list row), "photo", "document", "location", "button" a choice's value as the
conversation made it (Telegram: callback data; WhatsApp: the row's id).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from conftest import BotEnv
from whatsapp_double import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    CloudApiDouble,
    choice_message,
    inbound_message,
    post_delivery,
    text_message,
)

from bot.conversation.contact import main_menu
from bot.local_api import BotMessage, LocalUser
from bot.whatsapp.adapter import WhatsAppService
from bot.whatsapp.webhook import PATH

Step = tuple[str, Any]
WA = "6281234567890"
#: WhatsApp's marks (the answers are compared as plain text on both channels).
_MARKS = re.compile(r"(?<![\w])[*_~]|[*_~](?![\w])|```")


def whatsapp_settings(double: CloudApiDouble) -> dict[str, Any]:
    return {
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_api_url": double.url,
        "webhook_listen": "127.0.0.1",
    }


def plain_whatsapp(body: dict[str, Any]) -> str:
    """What the resident reads of one Cloud API message, without WhatsApp's marks."""
    kind = body["type"]
    if kind == "text":
        text = body["text"]["body"]
    elif kind == "interactive":
        text = body["interactive"]["body"]["text"]
    elif kind == "location":
        place = body["location"]
        text = f"{place.get('name', '')}\n{place.get('address', '')}"
    elif kind in ("image", "document"):
        text = body[kind].get("caption", "")
    else:
        text = ""
    return _MARKS.sub("", text)


def choices_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The reply buttons or list rows of one message: id, title, description, list."""
    if body["type"] != "interactive":
        return []
    action = body["interactive"]["action"]
    if "buttons" in action:
        return [
            {"id": b["reply"]["id"], "title": b["reply"]["title"], "list": False}
            for b in action["buttons"]
        ]
    return [
        {**row, "list": True} for section in action.get("sections", []) for row in section["rows"]
    ]


class TelegramSide:
    name = "telegram"

    def __init__(self, env: BotEnv, user: LocalUser) -> None:
        self.env = env
        self.user = user
        self.contact = user.chat_id
        self._answers_seen: list[Any] = []

    async def act(self, step: Step) -> list[str]:
        what, arg = step
        user = self.user
        replies: list[BotMessage]
        if what in ("say", "menu"):
            replies = await user.send(arg)
        elif what == "press":
            replies = await user.press(arg)
        elif what == "button":  # on a message the outbox would have sent
            replies = await user.api.press_data(user.info, user.chat_id, arg)
        elif what == "photo":
            replies = await user.send_photo(b"JPEG")
        elif what == "document":
            replies = await user.send_document("kk.pdf", b"%PDF", mime_type="application/pdf")
        elif what == "location":
            replies = await user.send_location(*arg)
        else:
            raise ValueError(what)
        said = [m.plain for m in replies if not m.deleted]
        said += [a.get("text", "") for a in user.answers[len(self._answers_seen) :]]
        self._answers_seen = list(user.answers)
        return said


@dataclass
class WhatsAppSide:
    env: BotEnv
    double: CloudApiDouble
    wa_id: str
    service: WhatsAppService
    url: str
    name: str = "whatsapp"
    contact: int = 0
    seen: int = 0
    ids: Any = field(default_factory=lambda: itertools.count(1))
    profile: str = "Siti Aminah"

    @classmethod
    async def open(cls, env: BotEnv, double: CloudApiDouble, wa_id: str = WA) -> WhatsAppSide:
        service = WhatsAppService.of(env.services)
        service.adapter.mark_read = False
        port = await service.start(port=0)
        return cls(env, double, wa_id, service, f"http://127.0.0.1:{port}{PATH}")

    async def close(self) -> None:
        await self.service.stop()

    def _message_id(self) -> str:
        return f"wamid.IN{next(self.ids):05d}{abs(hash(self.wa_id)) % 1000:03d}"

    async def _deliver(self, payload: dict[str, Any]) -> list[str]:
        answer = await post_delivery(self.url, payload)
        assert answer.status_code == 200, answer.text
        await self.service.webhook.drain()
        assert self.double.refused == [], [r.body for r in self.double.refused]
        sent = self.double.sent_to(self.wa_id)
        new, self.seen = sent[self.seen :], len(sent)
        if not self.contact:
            from bot.services.contacts import contact_id

            self.contact = await contact_id(self.env.services, "whatsapp", self.wa_id)
        return [plain_whatsapp(body) for body in new]

    def _find(self, label: str) -> dict[str, Any]:
        wanted = label.strip().casefold()
        for body in reversed(self.double.sent_to(self.wa_id)):
            for row in choices_of(body):
                names = (row.get("title", ""), row.get("description", ""), row["id"])
                if any(name.strip().casefold() == wanted for name in names):
                    return row
        for choice in main_menu():  # the main menu's list, sent with an earlier answer
            if choice.label == label:
                return {"id": choice.id, "title": choice.label, "list": True}
        raise AssertionError(f"no choice {label!r} was offered on WhatsApp")

    async def act(self, step: Step) -> list[str]:
        what, arg = step
        kw: dict[str, Any] = {"message_id": self._message_id(), "name": self.profile}
        if what == "say":
            return await self._deliver(text_message(self.wa_id, arg, **kw))
        if what in ("press", "menu", "button"):
            pressed = {"id": arg, "title": "x", "list": False}
            row = pressed if what == "button" else self._find(arg)
            payload = choice_message(
                self.wa_id, row["id"], row["title"], list_row=row["list"], **kw
            )
            return await self._deliver(payload)
        if what == "photo":
            content = {"id": "media-1", "mime_type": "image/jpeg"}
            return await self._deliver(inbound_message(self.wa_id, "image", content, **kw))
        if what == "document":
            content = {"id": "media-2", "mime_type": "application/pdf", "filename": "kk.pdf"}
            return await self._deliver(inbound_message(self.wa_id, "document", content, **kw))
        if what == "location":
            latitude, longitude = arg
            content = {"latitude": latitude, "longitude": longitude}
            return await self._deliver(inbound_message(self.wa_id, "location", content, **kw))
        raise ValueError(what)


def with_whatsapp(settings: Any, double: CloudApiDouble) -> Any:
    return replace(settings, **whatsapp_settings(double))
