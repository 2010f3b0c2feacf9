"""A recording adapter: the residents' dialogue driven without Telegram.

    talk = await open_talk(tmp_path, db_backend)
    siti = talk.person(1001, "Siti")
    said = await siti.says("halo")           # the neutral messages the conversation returned
    await siti.presses("🔔 Beri tahu saya")  # a choice of the last messages, by its label
    siti.read                                # everything said to Siti, as plain text

It turns what a person does into `Event`s (channel "test"), gives them to
`Conversation.answer` and records the `Message`s that come back, as any channel's adapter
would before rendering them. No `telegram` anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conftest import test_settings

from bot.conversation.dialogue import Conversation
from bot.conversation.events import Event
from bot.conversation.messages import Choice, Message
from bot.domain.clock import FakeClock
from bot.domain.markup import plain
from bot.services.container import Services

CHANNEL = "test"


@dataclass
class Talk:
    services: Services
    clock: FakeClock
    conversation: Conversation

    def person(self, person_id: int, name: str = "Siti") -> Person:
        return Person(self, person_id, name)

    async def close(self) -> None:
        await self.services.close()


@dataclass
class Person:
    talk: Talk
    id: int
    name: str
    said: list[Message] = field(default_factory=list)  # everything the bot said to them

    async def _send(self, **what: object) -> list[Message]:
        event = Event(
            channel=CHANNEL,
            conversation=self.id,
            person=self.id,
            name=self.name,
            bot_username="cek_ktp_bot",
            **what,  # type: ignore[arg-type]
        )
        answer = await self.talk.conversation.answer(event)
        assert answer is not None, f"the residents' dialogue did not answer {what}"
        self.said += answer
        return answer

    async def says(self, text: str) -> list[Message]:
        return await self._send(text=text)

    async def sends_photo(self, caption: str | None = None) -> list[Message]:
        return await self._send(attachment="photo", caption=caption)

    async def replies(self, to_message: int, text: str) -> list[Message]:
        return await self._send(text=text, reply_to=to_message)

    def choice(self, label: str) -> Choice:
        """The choice with this label among the latest messages that had choices."""
        for message in reversed(self.said):
            for row in message.choices:
                for choice in row:
                    if choice.label == label:
                        return choice
        raise LookupError(f"no choice {label!r} in {self.labels}")

    async def presses(self, label: str) -> list[Message]:
        return await self._send(button=self.choice(label).id)

    @property
    def labels(self) -> list[str]:
        last = next((m for m in reversed(self.said) if m.choices), None)
        return [c.label for row in last.choices for c in row] if last else []

    @property
    def read(self) -> str:
        return "\n\n".join(plain(m.text) for m in self.said if m.text)

    @property
    def last(self) -> str:
        return plain(self.said[-1].text)


async def open_talk(tmp_path: Path, database_url: str | None = None) -> Talk:
    clock = FakeClock()
    services = await Services.open(test_settings(tmp_path, database_url=database_url), clock=clock)
    return Talk(services, clock, Conversation(services))
