"""The terminal chat of `python -m bot demo`: the real bot on invented data, no Telegram needed.

A temporary folder gets a fresh database filled by the real importer from `services.sample_data`;
the real Application runs on `bot.local_api`, and the console plays one person (a resident, or
with `--staff` an admin). Bot messages are shown as plain text (bold and links in colour on a
terminal), inline buttons are numbered and pressed by typing the number or the label; the reply
keyboard (the resident's main menu) is shown when it changes, its buttons numbered m1, m2, …
(pressed by typing that, or the label), and a place on a map as its name, address and a map link.

On a terminal the console is interactive; otherwise it reads one message per line from stdin
and prints the replies, so it can be scripted: `printf '/start\\n' | python -m bot demo`.
The raw NIK/KK pairs to try come from the generator, in memory: the database only ever holds
their keyed hashes, like the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import texts_id as texts
from bot import texts_ops
from bot.app import build_application, start_in_process, stop_in_process
from bot.domain.clock import Clock
from bot.domain.config import QuietHours, Settings
from bot.handlers.context import BotApplication
from bot.local_api import LOCAL_TOKEN, BotMessage, LocalBotApi, LocalUser
from bot.services import insights, sample_data
from bot.services.container import Services
from bot.services.importer import ImportFileError, import_file
from bot.states import STAGE_ORDER, KtpStatus, Stage
from bot.storage import settings as settings_store

DEMO_RESIDENT_ID = 700001
DEMO_ADMIN_ID = 700002
DEFAULT_PEOPLE = 500
#: The demo's blanko stock, as a share of its print queue: the office once had 6.000 blanko
#: for more than 11.000 print-ready records, so some of the queue waits for the next delivery.
BLANKO_SHARE_OF_QUEUE = 6_000 / 11_000
#: The demo office's map pin (near Muara Beliti, approximate: a demo, as if set by /kantor lokasi).
DEMO_OFFICE_LOCATION = "-3.286700,103.020300"
QUIT = ("/keluar", "/quit", "/exit")
SWITCH = "/ganti"
SEND_FILE = "/berkas"
SHOW_MENU = "/menu"
#: A reply-keyboard button is pressed by typing this letter and its number ("m1").
MENU_PREFIX = "m"
#: How a place is linked on the terminal (a venue's pin opens the map app on a phone).
MAP_URL = "https://www.google.com/maps?q={latitude},{longitude}"
#: The bot's lines are indented this much under "Bot:", and wrapped (on a terminal) at most
#: this wide: about what a phone shows, easy to read.
INDENT = 2
MAX_WIDTH = 100
#: After the last scripted line, how long to wait for messages sent in the background.
SETTLE_SECONDS = 0.3
#: At the end of a script, how long queued notifications may take to go out.
BACKGROUND_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class DemoPair:
    """An invented person to try: their numbers and where their card is."""

    nik: str
    kk: str
    status: KtpStatus

    @property
    def stage(self) -> Stage:
        return self.status.facts.stage


def pairs_by_stage(
    found: dict[KtpStatus, tuple[str, str]], per_stage: int | None = None
) -> list[DemoPair]:
    """A pair for every status found (or up to `per_stage` per stage), stage by stage in
    journey order, problem statuses included."""
    chosen: list[DemoPair] = []
    for stage in (*STAGE_ORDER[:3], Stage.PROBLEM, *STAGE_ORDER[3:]):
        in_stage = [s for s in found if s.facts.stage == stage]
        for status in in_stage[:per_stage]:
            nik, kk = found[status]
            chosen.append(DemoPair(nik, kk, status))
    return chosen


def demo_settings(folder: Path) -> Settings:
    """The demo bot: its own database and key in `folder`, the demo admin, no quiet hours."""
    return Settings(
        token=LOCAL_TOKEN,
        db_path=folder / "demo.sqlite3",
        secret_key_file=folder / "secret.key",
        admin_ids=frozenset({DEMO_ADMIN_ID}),
        quiet_hours=QuietHours(0, 0),
    )


# --- rendering -------------------------------------------------------------------------------

_STYLE = {
    "b": ("\033[1m", "\033[22m"),
    "strong": ("\033[1m", "\033[22m"),
    "i": ("\033[3m", "\033[23m"),
    "em": ("\033[3m", "\033[23m"),
    "u": ("\033[4m", "\033[24m"),
    "code": ("\033[36m", "\033[39m"),
    "pre": ("\033[36m", "\033[39m"),
}
_LINK = re.compile(r"""<a\s+href\s*=\s*["']([^"']*)["']\s*>(.*?)</a>""", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def render_html(text: str, colour: bool) -> str:
    """Telegram HTML as terminal text: styles as ANSI colours (or nothing), links with URL."""

    def link(match: re.Match[str]) -> str:
        url, label = match.group(1), match.group(2)
        if html.unescape(url) == html.unescape(_TAG.sub("", label)):
            return label
        return f"{label} ({url})"

    def style(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if not colour or name not in _STYLE:
            return ""
        return _STYLE[name][1 if closing else 0]

    return html.unescape(_TAG.sub(style, _LINK.sub(link, text)))


class Console:
    """Prints what the bot sends to the person the console plays, and turns lines into actions."""

    def __init__(
        self,
        api: LocalBotApi,
        resident: LocalUser,
        admin: LocalUser,
        *,
        staff: bool,
        out: TextIO,
        colour: bool,
        folder: Path,
        width: int | None = None,
    ) -> None:
        """`width`: wrap the bot's lines to this many columns (a terminal); None keeps them."""
        self.api = api
        self.resident = resident
        self.admin = admin
        self.user = admin if staff else resident
        self.out = out
        self.colour = colour
        self.folder = folder
        self.width = width
        self._seen: dict[int, int] = {}
        self._saved = 0
        #: The reply keyboard last shown, per chat (shown again only when it changes).
        self._menus: dict[int, list[list[str]] | None] = {}
        #: Per chat, the numbered buttons as last printed: the message and each button's
        #: (label, data). A number typed means the button printed with it, even if the
        #: message has changed since (then the new buttons are shown and nothing is pressed).
        self._numbered: dict[int, tuple[int, list[tuple[str, str]]]] = {}
        #: Received files and pictures are kept here, after the demo too (made when needed).
        self.received: Path | None = None

    # output ------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _dim(self, text: str) -> str:
        return f"\033[2m{text}\033[22m" if self.colour else text

    def show_new(self) -> int:
        """Print the bot messages that arrived in the current chat since the last call."""
        log = self.api.messages(self.user.chat_id)
        start = self._seen.get(self.user.chat_id, 0)
        for message in log[start:]:
            self.say(self.format(message))
        self._seen[self.user.chat_id] = len(log)
        menu = self.user.keyboard
        if menu and menu != self._menus.get(self.user.chat_id):
            self._menus[self.user.chat_id] = menu
            self.show_menu()
        return len(log) - start

    def menu_labels(self) -> list[str]:
        """The labels of the reply keyboard as last shown in the current chat, row by row (its
        m-numbers); the keyboard now when it was never shown."""
        shown = self._menus.get(self.user.chat_id) or self.user.keyboard or []
        return [label for row in shown for label in row]

    def show_menu(self) -> None:
        """The reply keyboard as the phone shows it (rows), each button with its m-number."""
        rows = self.user.keyboard or []
        if not rows:
            return
        self._menus[self.user.chat_id] = rows
        number = 0
        lines = [self._dim(line) for line in self._wrap(texts_ops.DEMO_MENU_TITLE)]
        for row in rows:
            cells = []
            for label in row:
                number += 1
                cells.append(f"[{MENU_PREFIX}{number}] {label}")
            row_line = " " * INDENT + "   ".join(cells)
            if self.width and len(row_line) > self.width:  # a narrow terminal: one per line
                lines.extend(" " * INDENT + cell for cell in cells)
            else:
                lines.append(row_line)
        self.say("\n".join(lines) + "\n")

    def format(self, message: BotMessage) -> str:
        label = texts_ops.DEMO_BOT
        if message.edited:
            label = f"{label} ({texts_ops.DEMO_EDITED})"
        head = self._dim(f"{label}:")
        lines: list[str] = []
        body = message.text if message.text is not None else message.caption
        if message.document is not None or message.photo is not None:
            lines.append(self._attachment(message))
        if message.venue is not None or message.location is not None:
            lines.extend(self._place(message))
        if body:
            for line in render_html(body, self.colour).splitlines() or [""]:
                lines.extend(self._wrap(line))
        buttons = self._callback_buttons(message)
        for number, (label, _) in enumerate(buttons, start=1):
            lines.append(f"  [{number}] {label}")
        if buttons:
            self._numbered[message.chat_id] = (message.message_id, buttons)
        text = "\n".join(" " * INDENT + line if line else "" for line in lines)
        return f"{head}\n{text}\n"

    def _wrap(self, line: str) -> list[str]:
        if not self.width or len(line) <= self.width - INDENT:
            return [line]
        bullet = re.match(r"^\s*(?:[•\-]|\d+\.|\[\d+\])\s+", line)
        hang = " " * len(bullet.group()) if bullet else ""
        return textwrap.wrap(line, self.width - INDENT, subsequent_indent=hang) or [line]

    @staticmethod
    def _place(message: BotMessage) -> list[str]:
        """A venue as its name, address and a map link; a pin alone as its link."""
        where = message.location or {}
        link = MAP_URL.format(latitude=where.get("latitude"), longitude=where.get("longitude"))
        if message.venue is None:
            return [texts_ops.demo_place(None, None, link)]
        return texts_ops.demo_place(message.venue["title"], message.venue["address"], link).split(
            "\n"
        )

    def _attachment(self, message: BotMessage) -> str:
        content = message.document if message.document is not None else message.photo or b""
        kind = "berkas" if message.document is not None else "gambar"
        name = message.filename or ("gambar.png" if kind == "gambar" else "berkas")
        self._saved += 1
        if self.received is None:  # outside the demo's folder: it is removed at the end
            self.received = Path(tempfile.mkdtemp(prefix="cek-ktp-el-demo-diterima-"))
        target = self.received / f"{self._saved:02d}-{Path(name).name}"
        target.write_bytes(content)
        return texts_ops.demo_attachment(kind, name, len(content), str(target))

    @staticmethod
    def _buttons_of(message: BotMessage) -> list[str]:
        return [b["text"] for row in message.keyboard for b in row if "callback_data" in b]

    @staticmethod
    def _callback_buttons(message: BotMessage) -> list[tuple[str, str]]:
        return [
            (b["text"], b["callback_data"])
            for row in message.keyboard
            for b in row
            if "callback_data" in b
        ]

    # input -------------------------------------------------------------------------------

    def _latest_keyboard(self) -> BotMessage | None:
        for message in reversed(self.api.current(self.user.chat_id)):
            if self._buttons_of(message):
                return message
        return None

    async def handle(self, line: str) -> bool:
        """Act on one line the person typed; False when they want to leave."""
        text = line.strip()
        if not text:
            return True
        command = text.split(maxsplit=1)[0].lower()
        if command in QUIT:
            return False
        if command == SWITCH:
            await self.settle()  # queued messages (a question at the desk, an answer) arrive
            self.show_new()
            self.user = self.resident if self.user is self.admin else self.admin
            switched = self.user is self.resident
            self.say(
                texts_ops.DEMO_SWITCHED_RESIDENT if switched else texts_ops.DEMO_SWITCHED_STAFF
            )
            self.show_new()  # what arrived there meanwhile (e.g. a notification)
            return True
        if command == SEND_FILE:
            await self._send_file(text)
            return True
        if command == SHOW_MENU:
            if self.menu_labels():
                self.show_menu()
            else:
                self.say(texts_ops.DEMO_NO_MENU)
            return True
        menu = self.menu_labels()
        menu_number = text[len(MENU_PREFIX) :] if text.lower().startswith(MENU_PREFIX) else ""
        if menu_number.isdigit() and len(menu_number) <= 2:
            self.show_new()  # what arrived meanwhile first (a new menu shows its numbers)
            if not 1 <= int(menu_number) <= len(menu):
                self.say(texts_ops.DEMO_NO_BUTTON)
            elif menu[int(menu_number) - 1] not in self.menu_labels():
                self.say(texts_ops.DEMO_BUTTONS_CHANGED)  # the menu changed: its new numbers above
            else:
                await self.user.press(menu[int(menu_number) - 1])
                self.show_new()
            return True
        if text.isdigit() and len(text) <= 2 and self.user.chat_id in self._numbered:
            await self._press_number(int(text))
            return True
        keyboard = self._latest_keyboard()
        if keyboard is not None and keyboard.find_button(text) is not None:
            await self.user.press(text)
            self.show_new()
            return True
        await self.user.send(text)
        self.show_new()
        return True

    async def _press_number(self, number: int) -> None:
        """Press the button printed with `number`; when its message has changed since (an edit
        in the background), show it as it is now, with its new numbers, and press nothing."""
        message_id, buttons = self._numbered[self.user.chat_id]
        if not 1 <= number <= len(buttons):
            self.say(texts_ops.DEMO_NO_BUTTON)
            return
        now = next(
            (m for m in self.api.current(self.user.chat_id) if m.message_id == message_id), None
        )
        if now is None or self._callback_buttons(now) != buttons:
            self.show_new()  # the change, with its new numbers when it still has buttons
            chat = self.user.chat_id
            if self._numbered.get(chat, (None, []))[0] == message_id and (
                now is None or not self._callback_buttons(now)
            ):
                del self._numbered[chat]  # its buttons are gone
            self.say(texts_ops.DEMO_BUTTONS_CHANGED)
            return
        await self.user.press(buttons[number - 1][1])
        self.show_new()

    async def settle(self) -> None:
        """Wait (a few seconds at most) until the outbox has sent what is due."""
        dispatcher = self.api.app.bot_data.dispatcher if self.api.app is not None else None
        if dispatcher is not None and dispatcher.running:
            with contextlib.suppress(TimeoutError):
                await dispatcher.drain(timeout=SETTLE_SECONDS * 10)

    async def _send_file(self, text: str) -> None:
        try:
            parts = shlex.split(text)
        except ValueError:
            parts = text.split()
        if len(parts) < 2:
            self.say(texts_ops.DEMO_FILE_USAGE)
            return
        path = Path(parts[1]).expanduser()
        if not path.is_file():
            self.say(texts_ops.file_not_found(str(path)))
            return
        caption = " ".join(parts[2:]) or None
        await self.user.send_document(path.name, path.read_bytes(), caption=caption)
        self.show_new()


# --- the whole demo --------------------------------------------------------------------------


async def prepare_data(settings: Settings, services: Services, count: int, seed: int) -> int:
    """Write the sample CSV into the demo folder and import it; return the rows written."""
    folder = settings.db_path.parent
    today = services.today()
    csv_path = folder / "contoh-impor.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        rows = sample_data.write_csv(out, count, seed, today)
    await import_file(services, csv_path, source_name=csv_path.name)
    queue = (await insights.backlog(services.db.conn))[KtpStatus.PRINT_READY_RECORD]
    async with services.db.transaction() as conn:  # as if staff had sent /blanko
        stock = round(queue * BLANKO_SHARE_OF_QUEUE)
        await settings_store.put(conn, settings_store.BLANKO_STOCK, str(stock))
        await settings_store.put(conn, settings_store.OFFICE_LOCATION, DEMO_OFFICE_LOCATION)
    return rows


def print_intro(out: TextIO, people: int, rows: int, folder: Path, pairs: list[DemoPair]) -> None:
    """The demo's first screen: what was built and the NIK/KK pairs to try, one table."""
    table = [texts_ops.DEMO_PAIRS_COLUMNS] + [
        (texts.STAGE_NAMES.get(p.stage, p.stage.value), p.status.value, p.nik, p.kk) for p in pairs
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = [texts_ops.DEMO_TITLE, texts_ops.demo_data_ready(people, rows, str(folder)), ""]
    lines.append(texts_ops.DEMO_PAIRS_HEADER)
    for row in table:
        cells = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        lines.append("  " + cells.rstrip())
    print("\n".join(lines) + "\n", file=out)


async def run_demo(
    *,
    staff: bool = False,
    count: int = DEFAULT_PEOPLE,
    seed: int = 1,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Build the demo bot, print the pairs to try, then chat until /keluar or end of input."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if interactive is None:
        interactive = stdin.isatty() and out.isatty()
    colour = interactive and out.isatty() and not os.environ.get("NO_COLOR")
    with tempfile.TemporaryDirectory(prefix="cek-ktp-el-demo-") as tmp:
        folder = Path(tmp)
        settings = demo_settings(folder)
        clock = Clock()
        api = LocalBotApi(token=settings.token, clock=clock)
        app = build_application(settings, request=api, clock=clock)
        api.attach(app)
        print(texts_ops.DEMO_PREPARING, file=out, flush=True)
        await start_in_process(app)
        services: Services = app.bot_data.services
        try:
            try:
                rows = await prepare_data(settings, services, count, seed)
            except ImportFileError as exc:
                print(texts_ops.demo_import_failed(exc.reason), file=out)
                return 1
            pairs = pairs_by_stage(sample_data.pairs_to_try(count, seed, services.today()))
            print_intro(out, count, rows, folder, pairs)
            resident = api.user(DEMO_RESIDENT_ID, "Warga Demo")
            admin = api.user(DEMO_ADMIN_ID, "Petugas Demo")
            width = min(shutil.get_terminal_size().columns, MAX_WIDTH) if interactive else None
            console = Console(
                api,
                resident,
                admin,
                staff=staff,
                out=out,
                colour=colour,
                folder=folder,
                width=width,
            )
            user_id = DEMO_ADMIN_ID if staff else DEMO_RESIDENT_ID
            print(texts_ops.demo_you_are(staff, user_id), file=out)
            print(texts_ops.DEMO_HOW, file=out)
            print(file=out, flush=True)
            if interactive:
                await _interactive(console)
            else:
                await _scripted(console, stdin)
                await _finish_background(app, console)
            if console.received is not None:
                print(texts_ops.demo_received_kept(str(console.received)), file=out)
            print(texts_ops.DEMO_BYE, file=out, flush=True)
        finally:
            await stop_in_process(app)
    return 0


#: A line ending in this goes on on the next line: one message of several lines.
CONTINUE = "\\"


def joined(lines: list[str]) -> str:
    """The lines of one message (each but the last ended in CONTINUE), as one text."""
    return "\n".join(line.removesuffix(CONTINUE) for line in lines)


async def _interactive(console: Console) -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - line editing and history for input()
    prompt = f"{texts_ops.DEMO_YOU}> "
    more = " " * (len(prompt) - 2) + "… "
    while True:
        console.show_new()
        lines: list[str] = []
        try:
            lines.append(await asyncio.to_thread(input, prompt))
            while lines[-1].endswith(CONTINUE):
                lines.append(await asyncio.to_thread(input, more))
        except (EOFError, KeyboardInterrupt):
            console.say("")
            return
        if not await console.handle(joined(lines)):
            return


async def _scripted(console: Console, stdin: TextIO) -> None:
    lines: list[str] = []
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.rstrip("\r\n")
        if not lines and not line.strip():
            continue
        lines.append(line)
        if line.endswith(CONTINUE):
            continue
        text, lines = joined(lines), []
        console.say(f"{texts_ops.DEMO_YOU}: {text}")
        if not await console.handle(text):
            return
    await asyncio.sleep(SETTLE_SECONDS)
    console.show_new()


async def _finish_background(app: BotApplication, console: Console) -> None:
    """At the end of a script: let work still running (a large /impor, queued notifications)
    finish and show what it sent, instead of cutting it off."""
    if app.running:
        await app.stop()  # waits for tasks the handlers started with create_task
    dispatcher = app.bot_data.dispatcher
    if dispatcher is not None:
        with contextlib.suppress(TimeoutError):
            await dispatcher.drain(timeout=BACKGROUND_TIMEOUT_SECONDS)
    console.show_new()


def main(staff: bool, count: int, seed: int) -> int:
    """Entry point for the CLI: quiet logs, run the demo."""
    logging.getLogger().setLevel(logging.WARNING)
    try:
        return asyncio.run(run_demo(staff=staff, count=count, seed=seed))
    except KeyboardInterrupt:
        print(f"\n{texts_ops.DEMO_BYE}")
        return 130
