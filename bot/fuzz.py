"""The fuzz: every command and sub-command × hostile payloads × every role, and forged button
data of every kind, sent through the real Application (`bot.local_api`).

What must hold, whatever is sent (DESIGN.md §6): no ERROR log line (an ERROR is an unhandled
exception: the person got an apology instead of an answer), no traceback in a chat, and every
message answered. `tests/test_fuzz.py` runs a fixed sample of it on both databases;
`bench/fuzz.py` runs the whole of it and prints the counts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot import texts_id
from bot.handlers import callbacks
from bot.local_api import LocalBotApi, LocalUser

#: Every command people can type (residents', staff's, admins'), with its sub-commands.
COMMANDS: tuple[str, ...] = (
    "start", "cek", "langganan", "berhenti", "pengumuman", "tanya", "jadwal", "hapusdata",
    "privasi", "bantuan", "batal", "status", "ubah", "ubah 1605010101900012", "impor",
    "statistik", "siaran", "siaran daftar", "blanko", "buka", "pertanyaan", "pertanyaan semua",
    "bisukan", "bisukan 1", "jadwal tambah", "jadwal hasil", "jamkerja", "libur", "petugas",
    "petugas tambah", "petugas hapus", "kantor", "kantor alamat", "kantor jam", "kantor kontak",
    "kantor pengambilan", "kantor lokasi", "kantor diwakilkan", "faq", "faq lihat", "faq ubah 1",
    "faq hapus", "faq asal", "faq tambah", "meja", "meja ingatkan", "meja simpan",
)  # fmt: skip

#: What an attacker sends after a command: numbers of every script and size, markup, control
#: and invisible characters, injections, huge texts.
PAYLOADS: tuple[str, ...] = (
    "", " ", "0", "-1", "1", "99999999999999999999", "9" * 5000, "²", "①", "١٢٣", "٣", "Ⅻ",
    "1.5", "1e9", "0x1F", "NaN", "inf", "1605010101900012", "1605 0101 0190 0012",
    "16050101019000121605010101900012", "0000000000000000", "<b>x</b>", "<a href='x'>a</a>",
    "&amp;", "&", "<", "*bold* _it_", "`code`", "a\x00b", "\x00", "halo \ud800", "\udfff",
    "\u202e\u202dbalik", "\u200b\u200b", "\ufeff1", "😀" * 100, "👨‍👩‍👧" * 50, "\n\n\n",
    "a\nb\nc", "\t", "'; DROP TABLE records; --", "%s %d %n", "{0} {}", "${jndi:x}",
    "../../etc/passwd", "C:\\con\\aux", "ya", "tidak", "hapus", "semua", "admin",
    "123456789 admin", "123456789 petugas", "1 " * 2000, "kapan jadi " * 400,
    "x" * 4096, "ä" * 3000,
)  # fmt: skip

ROLES = ("warga", "petugas", "admin")


@dataclass
class FuzzFigures:
    sent: int = 0
    pressed: int = 0
    unanswered: list[str] = field(default_factory=list)
    apologies: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # ERROR log lines

    @property
    def clean(self) -> bool:
        return not (self.unanswered or self.apologies or self.tracebacks or self.errors)

    def summary(self) -> str:
        return (
            f"{self.sent} messages, {self.pressed} forged buttons: "
            f"{len(self.errors)} ERROR lines, {len(self.tracebacks)} tracebacks, "
            f"{len(self.apologies)} apologies, {len(self.unanswered)} unanswered"
        )


class ErrorLines(logging.Handler):
    """Collects every ERROR (and worse) logged while it is installed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}"[:300])


def messages(rng: random.Random | None = None, per_command: int | None = None) -> Iterator[str]:
    """Every command with every payload, or `per_command` payloads chosen by `rng`."""
    for command in COMMANDS:
        chosen = PAYLOADS if per_command is None else (rng or random).sample(PAYLOADS, per_command)
        for payload in chosen:
            yield f"/{command} {payload}".rstrip() if payload.strip() else f"/{command}{payload}"


def forged_data(rng: random.Random, per_kind: int) -> Iterator[str]:
    """For every kind of button: data of the right shape with values nobody was shown (ids of
    other records, huge and negative numbers, words of other kinds), and broken shapes."""
    values = ["0", "-1", "1", "2", "999999", str(2**63 - 1), str(2**63), "x", "", "²", "ya"]
    for kind in callbacks.kinds():
        fields = len(kind.largest().pack().split(callbacks.SEPARATOR)) - len(
            kind.prefix.split(callbacks.SEPARATOR)
        )
        yield from (kind.prefix, kind.prefix + ":", kind.prefix + ":" * (fields + 2))
        for _ in range(per_kind):
            parts = [rng.choice(values) for _ in range(fields)]
            yield callbacks.SEPARATOR.join([kind.prefix, *parts])


async def run(
    api: LocalBotApi,
    users: dict[str, LocalUser],
    texts: list[str],
    data: list[str],
    figures: FuzzFigures,
) -> None:
    """Send every text and press every forged datum as each role; fill `figures`."""
    errors = ErrorLines()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        for role, user in users.items():
            for text in texts:
                replies = await user.send(text)
                figures.sent += 1
                _judge(figures, f"{role} {text[:60]!r}", [m.plain for m in replies])
                await user.send("/batal")  # leave any step the command started
            for datum in data:
                replies = await api.press_data(user.info, user.chat_id, datum)
                figures.pressed += 1
                _judge(figures, f"{role} button {datum!r}", [m.plain for m in replies], True)
    finally:
        root.removeHandler(errors)
    figures.errors.extend(errors.lines)


def _judge(figures: FuzzFigures, what: str, replies: list[str], button: bool = False) -> None:
    if not replies and not button:
        figures.unanswered.append(what)
    if any("Traceback" in reply for reply in replies):
        figures.tracebacks.append(what)
    if any(texts_id.ERROR_KIND in reply for reply in replies):
        figures.apologies.append(what)
