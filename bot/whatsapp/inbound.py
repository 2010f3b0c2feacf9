"""A Cloud API webhook delivery as plain values: what residents sent, and what became of what
the bot sent.

`parse(payload)` reads `entry[].changes[].value`: `messages[]` (with `contacts[]` for the
sender's profile name) become `Inbound` values, `statuses[]` become `Status` values. Anything
it does not know (another field, a message type WhatsApp adds later, a malformed item) is
skipped or kept as `InboundKind.UNSUPPORTED`, never an exception: Meta would only redeliver
it. `event_fields` is the one place that says what an `Inbound` means to the conversation.

A wa_id is a phone number: `masked(wa_id)` is all that logs may show of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

CHANNEL = "whatsapp"


class InboundKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a reply button or a list row pressed (or a template's quick reply)
    LOCATION = "location"
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    REACTION = "reaction"
    CONTACTS = "contacts"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """A file on WhatsApp's servers (`media_id`); its bytes are never downloaded."""

    media_id: str
    mime_type: str | None = None
    filename: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a resident."""

    message_id: str  # wamid: the same in every redelivery
    wa_id: str  # the sender (a phone number): never logged in full
    timestamp: datetime  # WhatsApp's, UTC: the 24-hour window counts from the latest
    kind: InboundKind
    profile_name: str | None = None
    text: str = ""  # the text, a caption, or the label of the pressed choice
    choice_id: str | None = None  # the id of the pressed button or row (render's Choice.id)
    location: Location | None = None
    media: Media | None = None
    reply_to: str | None = None  # the message (wamid) this one replies to: `context.id`
    reacted_to: str | None = None  # a reaction: the message reacted to (`text` the emoji)
    forwarded: bool = False
    phone_number_id: str | None = None  # the office's number that received it


class StatusKind(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    OTHER = "other"  # "deleted", "warning", or something newer


@dataclass(frozen=True, slots=True)
class Status:
    """What became of a message the bot sent."""

    message_id: str  # the wamid the Cloud API answered when it was sent
    status: StatusKind
    timestamp: datetime
    recipient: str  # a wa_id: never logged in full
    error_code: int | None = None  # the first of `errors[]`, when failed
    error_title: str | None = None
    phone_number_id: str | None = None  # the office's number that sent it


@dataclass(frozen=True, slots=True)
class Delivery:
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)


def masked(wa_id: str) -> str:
    """6281234567890 -> 62••••••••890: the country code and the last three digits only (as a
    NIK is shown with its ends, but fewer: a phone number is easier to guess)."""
    if len(wa_id) < 8:
        return "•" * len(wa_id)
    return wa_id[:2] + "•" * (len(wa_id) - 5) + wa_id[-3:]


def _when(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, UTC)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _message(item: Mapping[str, Any], names: Mapping[str, str], number_id: str | None) -> Inbound:
    kind_name = _str(item.get("type")) or ""
    context = _dict(item.get("context"))
    sender = _str(item.get("from")) or ""
    base: dict[str, Any] = {
        "message_id": _str(item.get("id")) or "",
        "wa_id": sender,
        "timestamp": _when(item.get("timestamp")),
        "profile_name": names.get(sender),
        "reply_to": _str(context.get("id")),
        "forwarded": bool(context.get("forwarded") or context.get("frequently_forwarded")),
        "phone_number_id": number_id,
        "kind": InboundKind.UNSUPPORTED,
    }
    content = _dict(item.get(kind_name))
    if kind_name == "text":
        base.update(kind=InboundKind.TEXT, text=_str(content.get("body")) or "")
    elif kind_name == "interactive":
        reply = _dict(content.get("button_reply")) or _dict(content.get("list_reply"))
        choice_id = _str(reply.get("id"))
        if choice_id is not None:
            base.update(
                kind=InboundKind.CHOICE, choice_id=choice_id, text=_str(reply.get("title")) or ""
            )
    elif kind_name == "button":  # a template's quick-reply button
        base.update(
            kind=InboundKind.CHOICE,
            choice_id=_str(content.get("payload")) or _str(content.get("text")) or "",
            text=_str(content.get("text")) or "",
        )
    elif kind_name == "location":
        latitude, longitude = _number(content.get("latitude")), _number(content.get("longitude"))
        if latitude is not None and longitude is not None:
            base.update(
                kind=InboundKind.LOCATION,
                location=Location(
                    latitude, longitude, _str(content.get("name")), _str(content.get("address"))
                ),
            )
    elif kind_name in ("image", "document", "audio", "video", "sticker"):
        caption = _str(content.get("caption"))
        base.update(
            kind=InboundKind(kind_name),
            text=caption or "",
            media=Media(
                media_id=_str(content.get("id")) or "",
                mime_type=_str(content.get("mime_type")),
                filename=_str(content.get("filename")),
                caption=caption,
            ),
        )
    elif kind_name == "reaction":
        base.update(
            kind=InboundKind.REACTION,
            text=_str(content.get("emoji")) or "",
            reacted_to=_str(content.get("message_id")),
        )
    elif kind_name == "contacts":
        base.update(kind=InboundKind.CONTACTS)
    return Inbound(**base)


def _status(item: Mapping[str, Any], number_id: str | None) -> Status:
    name = _str(item.get("status")) or ""
    try:
        kind = StatusKind(name)
    except ValueError:
        kind = StatusKind.OTHER
    errors = [_dict(e) for e in _list(item.get("errors"))]
    code = errors[0].get("code") if errors else None
    return Status(
        message_id=_str(item.get("id")) or "",
        status=kind,
        timestamp=_when(item.get("timestamp")),
        recipient=_str(item.get("recipient_id")) or "",
        error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        error_title=_str(errors[0].get("title")) if errors else None,
        phone_number_id=number_id,
    )


def parse(payload: Any, phone_number_id: str | None = None) -> Delivery:
    """Every message and status in a webhook delivery, in order (see the module's docstring).
    With `phone_number_id`, only those of that business number (an account may have several
    numbers, and Meta sends the app the updates of all of them)."""
    delivery = Delivery()
    payload = _dict(payload)
    if payload.get("object", "whatsapp_business_account") != "whatsapp_business_account":
        return delivery
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field", "messages") != "messages":
                continue
            value = _dict(change.get("value"))
            number_id = _str(_dict(value.get("metadata")).get("phone_number_id"))
            if phone_number_id is not None and number_id != phone_number_id:
                continue
            names: dict[str, str] = {}
            for contact in _list(value.get("contacts")):
                contact = _dict(contact)
                wa_id, name = (
                    _str(contact.get("wa_id")),
                    _str(_dict(contact.get("profile")).get("name")),
                )
                if wa_id and name:
                    names[wa_id] = name
            for item in _list(value.get("messages")):
                message = _message(_dict(item), names, number_id)
                if message.message_id and message.wa_id:
                    delivery.messages.append(message)
            for item in _list(value.get("statuses")):
                status = _status(_dict(item), number_id)
                if status.message_id:
                    delivery.statuses.append(status)
    return delivery


#: What a file the resident sent is called in the conversation's event.
ATTACHMENT_NAMES = {
    InboundKind.IMAGE: "photo",
    InboundKind.DOCUMENT: "document",
    InboundKind.AUDIO: "other",
    InboundKind.VIDEO: "other",
    InboundKind.STICKER: "other",
    InboundKind.CONTACTS: "other",
    InboundKind.UNSUPPORTED: "other",
}


def event_fields(message: Inbound) -> dict[str, Any]:
    """The conversation's `Event` (bot/conversation/events.py) for `message`, by its field
    names. `conversation` and `person` hold the wa_id here: the door (`adapter.door`, through
    `conversation/contact.answer_contact`) puts the resident's contact id in their place;
    `reply_to` is WhatsApp's message id, a string, which the door reads as "a reply". A text,
    a pressed choice (`button`), a location or a file (`attachment`: "photo", "document",
    "other"); a reaction carries nothing (the door answers it with nothing)."""
    return {
        "channel": CHANNEL,
        "conversation": message.wa_id,
        "person": message.wa_id,
        "text": message.text if message.kind is InboundKind.TEXT else None,
        "caption": message.media.caption if message.media is not None else None,
        "button": message.choice_id if message.kind is InboundKind.CHOICE else None,
        "location": (
            (message.location.latitude, message.location.longitude)
            if message.location is not None
            else None
        ),
        "attachment": ATTACHMENT_NAMES.get(message.kind),
        "reply_to": message.reply_to,
        "name": (message.profile_name or "").split(" ")[0],
        "private": True,  # the Cloud API has one-to-one chats only
    }
