"""A contact's message, on a channel whose people are contacts (WhatsApp): the door into the
conversation that Telegram's adapter opens in two handler groups (`handlers/router.py`).

    said = await answer_contact(svc, "whatsapp", wa_id, at, text="NIK KK", name="Siti")

The address becomes the contact id (`services/contacts`: the same number, the same contact),
the contact is noted as seen and its latest message time kept (`chats.last_inbound_at`, the
24-hour window of WhatsApp), its steps are read once, and the conversation answers. What the
conversation leaves (a staff command, a button nobody knows) gets the help, never silence.

Channel-free words for what Telegram residents do with commands: the main menu as choices
(`main_menu`: a press comes back as its label, as Telegram's keyboard sends it), "terima
pengumuman" read as `/pengumuman hidup`, "BERHENTI" in reply to an announcement (as its
template says) as `/pengumuman mati`, no link that opens a Telegram chat, a reply to a staff
answer (or to another of the bot's messages while one answer waits) taken as a reply in its
thread, the notices kept for the resident's next message released (`services/delivery`), and,
after following a card, the offer of announcements to a contact who has not chosen them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot import texts_id as texts
from bot.conversation import steps
from bot.conversation.buttons import Announcements, ResSubscribe, unpack
from bot.conversation.dialogue import Conversation, Messages, menu
from bot.conversation.events import Event
from bot.conversation.messages import Choice, say
from bot.services import contacts, delivery
from bot.services.broadcasting import Broadcasting
from bot.services.container import Services
from bot.services.questions import Questions
from bot.services.verification import looks_like_numbers
from bot.storage import chats as chats_store
from bot.storage import outbox as outbox_store
from bot.storage.driver import Conn

CHAT_TYPE = "private"
#: The value of a main-menu choice: this prefix and the label's position.
MENU_PREFIX = "menu:"
#: The main menu where it is a list of choices: Telegram's keyboard, and announcements (on
#: WhatsApp a contact receives them only after choosing to).
MENU_LABELS: tuple[str, ...] = (*texts.MAIN_MENU_LABELS, texts.MENU_ANNOUNCEMENTS)
#: Whole messages that mean a resident command (lower case, punctuation and spaces folded)
#: where the free-text understanding reads them otherwise: on WhatsApp a resident opts in.
WORD_COMMANDS: dict[str, str] = {
    "terima pengumuman": "/pengumuman hidup",
    "mau pengumuman": "/pengumuman hidup",
    "mau terima pengumuman": "/pengumuman hidup",
}
#: What the announcement template tells residents to reply to stop them ("Balas BERHENTI"):
#: said in reply to an announcement, it turns announcements off (elsewhere "berhenti" is to
#: stop a card's news, as the conversation says).
STOP_ANNOUNCEMENTS = frozenset({"berhenti", "stop"})
_FOLD = re.compile(r"[^\w]+")


def main_menu() -> tuple[Choice, ...]:
    """The resident's main menu as choices (a channel draws them as a list)."""
    return tuple(Choice(f"{MENU_PREFIX}{i}", label) for i, label in enumerate(MENU_LABELS))


def _folded(text: str) -> str:
    return " ".join(_FOLD.sub(" ", text.casefold()).split())


def as_command(text: str) -> str:
    """`text`, or the resident command it means when it is one of `WORD_COMMANDS`."""
    return WORD_COMMANDS.get(_folded(text), text)


async def _announcement(svc: Services, contact: int, replied: str) -> bool:
    """Whether message `replied` (the channel's id) was an announcement sent to `contact`."""
    async with svc.db.snapshot() as conn:
        row = await outbox_store.by_wamid(conn, replied)
    return row is not None and row.chat_id == contact and row.kind == outbox_store.KIND_BROADCAST


def _menu_label(button: str) -> str | None:
    if not button.startswith(MENU_PREFIX):
        return None
    number = button.removeprefix(MENU_PREFIX)
    if not number.isdigit() or int(number) >= len(MENU_LABELS):
        return None
    return MENU_LABELS[int(number)]


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    """What came in, in the conversation's words: a menu press as its label, a phrase as its
    command, no reply to a message the conversation cannot know (a channel's own message id)."""
    fields = dict(fields)
    button = fields.get("button")
    label = _menu_label(button) if button else None
    if label == texts.MENU_ANNOUNCEMENTS:
        fields.update(button=None, text="/pengumuman")
    elif label is not None:
        fields.update(button=None, text=label)
    text = fields.get("text")
    if text and not text.startswith("/"):
        fields["text"] = as_command(text)
    if not isinstance(fields.get("reply_to"), int):
        fields["reply_to"] = None
    fields.update(bot_username="", start_link="", private=True)
    return fields


async def answer_contact(
    svc: Services, channel: str, address: str, at: datetime, **fields: Any
) -> Messages:
    """The answer to a message from `address` on `channel`, sent at `at` (the channel's clock);
    `fields`: the rest of the `Event` (text, button, location, attachment, name, ...)."""
    contact = await contacts.contact_id(svc, channel, address)
    came_back, current = await steps.arrive(
        svc, contact, CHAT_TYPE, contact, gone=False, read_steps=True
    )
    if came_back:
        svc.wake_outbox()

    async def note(conn: Conn) -> None:
        await chats_store.note_inbound(conn, contact, at)

    await svc.db.write(note)
    await delivery.release_waiting(svc, contact, at)  # notices kept for this message: due now
    replied = fields.get("reply_to")  # one of the bot's messages, by the channel's own id
    text = fields.get("text") or ""
    stop = replied is not None and _folded(text) in STOP_ANNOUNCEMENTS
    if stop and await _announcement(svc, contact, str(replied)):
        fields = {**fields, "text": "/pengumuman mati"}
    event = Event(channel=channel, conversation=contact, person=contact, **_fields(fields))
    conversation = Conversation(svc)
    if replied is not None and not current.any:
        in_thread = await _thread_reply(svc, conversation, event, str(replied))
        if in_thread is not None:
            return in_thread
    said = await conversation.answer(event, current)
    if said is None:  # a staff command or a button nobody knows: never silence
        command = event.command
        known = texts.unknown_command_short(command) if command else texts.NOT_UNDERSTOOD_SHORT
        return [menu(known)]
    if isinstance(unpack(event.button), ResSubscribe) and not await _announcements_on(svc, contact):
        offer = Choice(Announcements("on").pack(), texts.ANNOUNCEMENTS_ON_BUTTON)
        said.append(say(texts.ANNOUNCEMENTS_OFFER, (offer,)))
    return said


async def _thread_reply(
    svc: Services, conversation: Conversation, event: Event, replied: str
) -> Messages | None:
    """Words sent as a reply to one of the bot's messages: a reply in a question's thread when
    the message replied to carried a staff answer ("Balas pesan ini": found by the id the
    channel gave it), or, replying to another of the bot's messages, while exactly one thread
    waits for this resident. Numbers (a NIK, a KK) and commands are answered as usual."""
    text = event.text
    if not text or event.command is not None or looks_like_numbers(text):
        return None
    questions = Questions(svc)
    chat = event.conversation
    question = await questions.question_sent_as(chat, replied)
    if question is None:
        question = await questions.awaiting_reply(chat)
    if question is None:
        return None
    return await conversation.reply_in_thread(chat, question, text)


async def _announcements_on(svc: Services, contact: int) -> bool:
    return await Broadcasting.of(svc).announcements_on(contact)
