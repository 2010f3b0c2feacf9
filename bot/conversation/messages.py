"""What the conversation answers: neutral messages, rendered by each channel's adapter.

A `Message` is text in the sentences' own markup (`bot.domain.markup`) with, at most, one kind
of attachment: choices (abstract buttons, each an id the conversation reads back and a label),
a venue, a picture or a document. `menu=True` asks the channel to show the resident's main menu
with it (Telegram keeps it under the typing box; WhatsApp offers it as a list). A channel that
cannot show everything at once (WhatsApp: 3 buttons, 10 list rows) splits or pages it; the
conversation never counts a channel's limits.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: `id` comes back in the event when it is pressed; `label` is what it says."""

    id: str
    label: str
    url: str | None = None  # a button that opens a link instead of coming back


@dataclass(frozen=True, slots=True)
class Venue:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A picture (`kind="picture"`) or a document, as bytes with its file name."""

    kind: str
    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Message:
    text: str = ""  # marked text (bot.domain.markup)
    #: Rows of choices, shown under the text (one row per tuple).
    choices: tuple[tuple[Choice, ...], ...] = ()
    menu: bool = False  # show the resident's main menu with this message
    venue: Venue | None = None
    attachment: Attachment | None = None
    #: Replace the message the pressed button was on (a channel that cannot edits nothing and
    #: sends it as new).
    replaces_pressed: bool = False
    #: A short line shown over the chat for a pressed button (Telegram: the answer to the
    #: press, `show_alert` when `alert`), not a message in the chat.
    notice: bool = False
    alert: bool = False


def say(text: str, *rows: tuple[Choice, ...], menu: bool = False) -> Message:
    """A message of `text` (marked), with rows of choices under it."""
    return Message(text, choices=tuple(rows), menu=menu)
