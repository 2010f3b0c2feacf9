"""`python -m bot demo --whatsapp`: the demo's resident on WhatsApp, as WhatsApp draws it.

The same demo database and Application as `demo` (`bot.demo`), but the console plays a
WhatsApp resident: each line becomes what the webhook would hand on (a text, or a pressed
reply button or list row), goes through the real WhatsApp adapter (`whatsapp.adapter`: the
contact of the number, the conversation, the rendering within WhatsApp's limits, a long menu
paged), and what would be sent to the Cloud API is drawn by `whatsapp.preview`: reply buttons as
`[ 1. Title ]` in a row of at most three, a list behind its button (`≡ Lihat pilihan`) as
numbered rows, a location pin, a file. A number or a label typed presses that choice. Nothing
leaves the machine: the adapter's client only records.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot import texts_ops
from bot.app import build_application, start_in_process, stop_in_process
from bot.conversation.contact import main_menu
from bot.demo import QUIT, demo_settings, pairs_by_stage, prepare_data, print_intro
from bot.domain.clock import Clock
from bot.local_api import LocalBotApi
from bot.services import sample_data
from bot.services.container import Services
from bot.whatsapp.adapter import WhatsAppAdapter, door
from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.inbound import Inbound, InboundKind
from bot.whatsapp.preview import pick, preview
from bot.whatsapp.render import Outgoing

#: The demo resident's WhatsApp number (invented; shown masked wherever the bot logs it).
DEMO_WA_ID = "6281200000001"
DEMO_NAME = "Warga Demo"


class RecordingClient(CloudApiClient):
    """A Cloud API client that sends nothing: it keeps what it would have sent."""

    def __init__(self) -> None:
        super().__init__(api_url="http://127.0.0.1:9", phone_number_id="demo", token="demo")
        self.outbox: list[Outgoing] = []
        self._ids = itertools.count(1)

    async def mark_read(self, message_id: str) -> None:
        return None

    async def deliver_all(
        self, to: str, messages: Sequence[Outgoing], *, reply_to: str | None = None
    ) -> list[str]:
        self.outbox += messages
        return [f"wamid.DEMO{next(self._ids)}" for _ in messages]


class WhatsAppConsole:
    """Plays one WhatsApp resident: a line in, the answers drawn as WhatsApp shows them."""

    def __init__(self, services: Services, *, out: TextIO) -> None:
        self.client = RecordingClient()
        self.adapter = WhatsAppAdapter(
            db=services.db,
            clock=services.clock,
            client=self.client,
            converse=door(services),
            main_menu=main_menu(),
            mark_read=False,
        )
        self.out = out
        self.options: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text.split(maxsplit=1)[0].lower() in QUIT:
            return False
        chosen = pick(self.options, text)
        fields: dict[str, object] = {"kind": InboundKind.TEXT, "text": text}
        if chosen is not None:
            label = next(label for label, option in self.options if option == chosen)
            fields = {"kind": InboundKind.CHOICE, "choice_id": chosen, "text": label}
        message = Inbound(
            message_id=f"wamid.DEMOIN{next(self._ids)}",
            wa_id=DEMO_WA_ID,
            timestamp=datetime.now(UTC),
            profile_name=DEMO_NAME,
            **fields,  # type: ignore[arg-type]
        )
        self.client.outbox.clear()
        await self.adapter.handle(message)
        self.show(self.client.outbox)
        return True

    def show(self, sent: Sequence[Outgoing]) -> None:
        options: list[tuple[str, str]] = []
        for outgoing in sent:
            drawn = preview(outgoing)
            self.say(f"{texts_ops.DEMO_BOT}:")
            for line in drawn.text.splitlines():
                self.say(f"  {line}")
            options += drawn.options
        if options:  # the numbers of the latest choices (the previews number each message)
            self.options = options


async def run_whatsapp_demo(
    *, count: int, seed: int, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    with tempfile.TemporaryDirectory(prefix="cek-ktp-el-demo-") as tmp:
        settings = demo_settings(Path(tmp))
        clock = Clock()
        api = LocalBotApi(token=settings.token, clock=clock)
        app = build_application(settings, request=api, clock=clock, background=False)
        api.attach(app)
        print(texts_ops.DEMO_PREPARING, file=out, flush=True)
        await start_in_process(app)
        services: Services = app.bot_data.services
        console: WhatsAppConsole | None = None
        try:
            rows = await prepare_data(settings, services, count, seed)
            pairs = pairs_by_stage(sample_data.pairs_to_try(count, seed, services.today()))
            print_intro(out, count, rows, Path(tmp), pairs)
            print(texts_ops.DEMO_WHATSAPP_HOW, file=out, flush=True)
            console = WhatsAppConsole(services, out=out)
            interactive = stdin.isatty()
            while True:
                try:
                    if interactive:
                        line = await asyncio.to_thread(input, f"{texts_ops.DEMO_YOU}> ")
                    else:
                        line = await asyncio.to_thread(stdin.readline)
                        if not line:
                            break
                        line = line.rstrip("\r\n")
                        if line.strip():
                            console.say(f"{texts_ops.DEMO_YOU}: {line}")
                except (EOFError, KeyboardInterrupt):
                    break
                if not await console.handle(line):
                    break
            print(texts_ops.DEMO_BYE, file=out, flush=True)
        finally:
            if console is not None:
                await console.client.close()
            await stop_in_process(app)
    return 0


def main(count: int, seed: int) -> int:
    """Entry point for `demo --whatsapp`: quiet logs, run the console."""
    logging.getLogger().setLevel(logging.WARNING)
    try:
        return asyncio.run(run_whatsapp_demo(count=count, seed=seed))
    except KeyboardInterrupt:
        print(f"\n{texts_ops.DEMO_BYE}")
        return 130
