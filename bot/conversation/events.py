"""What comes in: one `Event` per message or button press, whatever the channel.

The adapter of a channel (Telegram: `bot/handlers/router.py`) fills it from its update; the
conversation (`dialogue.converse`) reads nothing else. Exactly one of `text`, `button`,
`location` and `attachment` is usually set; `reply_to` may come with a text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    channel: str  # "telegram", "whatsapp", "demo"
    conversation: int  # the chat: where the answer goes, what steps and proofs are kept by
    person: int  # who wrote (in a private chat, the same as `conversation` on Telegram)
    text: str | None = None
    caption: str | None = None  # the words sent with a picture or a document
    button: str | None = None  # the value of the choice pressed (`messages.Choice.id`)
    location: tuple[float, float] | None = None  # latitude, longitude
    attachment: str | None = None  # "document", "photo" or "other" (a sticker, a voice note)
    reply_to: int | None = None  # the id of the earlier message this one answers
    name: str = ""  # the person's display (first) name, to greet them
    private: bool = True  # a one-to-one chat (checks happen only there)
    edited: bool = False  # an earlier message, corrected
    #: The bot's own name on the channel ("@name" on Telegram), for "open a private chat".
    bot_username: str = ""
    #: A link that opens a private chat with the bot and sends it a start word (Telegram's
    #: `https://t.me/<bot>?start=`); empty when the channel has none.
    start_link: str = ""

    @property
    def command(self) -> str | None:
        """The command the text (or a file's caption) starts with ("/cek", without "@bot"),
        lower case, or None."""
        return command_of(self.text if self.text is not None else self.caption)

    @property
    def args(self) -> list[str]:
        """The words after the command."""
        return (self.text or self.caption or "").split()[1:] if self.command else []

    @property
    def rest(self) -> str:
        """The text after the command, as typed."""
        parts = (self.text or self.caption or "").split(maxsplit=1)
        return parts[1] if self.command and len(parts) == 2 else ""


def command_of(text: str | None) -> str | None:
    """The command `text` starts with ("/batal", without "@bot_name"), lower case, or None."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0].split("@", 1)[0].casefold()
