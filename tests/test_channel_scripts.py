"""The whole resident conversation, the same scripts on Telegram and on WhatsApp.

Each script is a list of (what the resident does, what the answer must contain); it runs once
through Telegram's adapter (the real Application, `local_api`) and once through WhatsApp's
(signed deliveries POSTed to the webhook over HTTP, the answers read at the Cloud API double,
which refuses anything beyond WhatsApp's limits), and both must read the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from channel_scripts import WA, Step, TelegramSide, WhatsAppSide, whatsapp_settings
from conftest import ADMIN_ID, RESIDENT_ID, BotEnv
from resident_support import KK, NIK, WRONG_KK, add_record
from whatsapp_double import CloudApiDouble

from bot import texts_id as texts
from bot import texts_visits as visit_texts
from bot.conversation.buttons import QuestionReply
from bot.services import office as office_service
from bot.services.questions import Outcome, Questions, StaffRef

MASKED = "1605••••••••0012"
#: (what the resident does, fragments every answer together must contain)
Line = tuple[Step, tuple[str, ...]]

GREETINGS: list[Line] = [
    (("say", "halo"), ("Siti",)),
    (("say", "selamat pagi"), ("pagi",)),
    (("say", "terima kasih"), ("Siti",)),
    (("say", "jam buka kantor"), ("Senin",)),
]
CHECK_ONE_MESSAGE: list[Line] = [
    (("say", f"{NIK} {KK}"), (MASKED, "Dikirim ke pusat")),
    (("press", texts.BTN_MORE), (MASKED,)),
]
CHECK_TWO_MESSAGES: list[Line] = [
    (("menu", texts.MENU_CHECK), ("NIK",)),
    (("say", NIK), (MASKED, "Nomor KK")),
    (("say", KK), (MASKED, "Dikirim ke pusat")),
]
WRONG_KK_SCRIPT: list[Line] = [
    (("say", f"{NIK} {WRONG_KK}"), ("tidak cocok",)),
    (("say", f"{NIK} {WRONG_KK}"), ("tidak cocok",)),
    (("say", NIK), ("Nomor KK",)),
    (("say", WRONG_KK), ("tidak cocok", "Sisa percobaan dari chat ini: 2")),
    (("say", f"{NIK} {WRONG_KK}"), ("tidak cocok",)),
    (("say", f"{NIK} {WRONG_KK}"), ("terlalu banyak percobaan",)),
    (("say", f"{NIK} {KK}"), ("terlalu banyak percobaan",)),  # even the right KK waits
]
FOLLOW: list[Line] = [
    (("say", f"{NIK} {KK}"), (MASKED,)),
    (("press", texts.BTN_SUBSCRIBE), (MASKED, "beri nama")),
    (("press", "Ibu"), ("Ibu", MASKED)),
    (("menu", texts.MENU_FAMILY), ("Ibu", MASKED)),
    (("say", "/berhenti"), ("yang mana",)),
    (("press", texts.BTN_STOP_ALL), ("tidak dipantau lagi",)),
    (("say", "/langganan"), ("belum memantau",)),
]
FAQ_AND_OFFICE: list[Line] = [
    (("menu", texts.MENU_FAQ), ("Pertanyaan yang sering ditanyakan",)),
    (("press", "Apa yang dibawa saat mengambil KTP-el?"), ("bawa",)),
    (("menu", texts.MENU_OFFICE), ("Muara Beliti", "Jam layanan")),
]
SCHEDULE: list[Line] = [
    (("menu", texts.MENU_SCHEDULE), ("Jemput bola",)),
    (("press", "Muara Beliti"), ("Kecamatan Muara Beliti",)),
    (
        ("press", visit_texts.schedule_follow_button("Muara Beliti")),
        ("akan diberi tahu bila ada jadwal baru di sini",),
    ),
    (("say", "/jadwal ikuti Tugumulyo"), ("Tugumulyo",)),
    (("say", "/jadwal berhenti Tugumulyo"), ("Tugumulyo",)),
]
ASK_AND_REPLY: list[Line] = [
    (("menu", texts.MENU_ASK), ("pertanyaan",)),
    (("say", "Apakah kantor buka hari Sabtu?"), ("#1",)),
    (("staff answers", "Sabtu tutup, Bu."), ()),
    (("button", QuestionReply(1).pack()), ("#1",)),
    (("say", "Baik, terima kasih. Senin saya datang."), ("#1",)),
]
PRIVACY_AND_ERASURE: list[Line] = [
    (("say", "/privasi"), ("Data pribadi di Cek KTP-el",)),
    (("say", f"{NIK} {KK}"), (MASKED,)),
    (("press", texts.BTN_SUBSCRIBE), (MASKED,)),
    (("say", "/hapusdata"), ("Hapus semua catatan",)),
    (("press", texts.BTN_ERASE_YES), ("sudah dihapus",)),
    (("say", "/langganan"), ("belum memantau",)),
]
FILES_AND_PLACES: list[Line] = [
    (("photo", None), ("jangan kirim foto KTP",)),
    (("document", None), ("jangan kirim foto KTP",)),
    (("location", (-3.2, 102.9)), ("hanya bisa membaca tulisan",)),
    (("say", "/ubah 1605014107900012 dicetak"), ("NIK",)),
]

SCRIPTS: dict[str, list[Line]] = {
    "greetings": GREETINGS,
    "check in one message": CHECK_ONE_MESSAGE,
    "check in two messages": CHECK_TWO_MESSAGES,
    "wrong KK and the lockout": WRONG_KK_SCRIPT,
    "follow, label, unfollow": FOLLOW,
    "FAQ and the office": FAQ_AND_OFFICE,
    "jemput bola": SCHEDULE,
    "Tanya petugas": ASK_AND_REPLY,
    "privacy and erasure": PRIVACY_AND_ERASURE,
    "files and places": FILES_AND_PLACES,
}


@dataclass
class Office:
    env: BotEnv
    double: CloudApiDouble


@pytest.fixture
async def office(make_env: Any, tmp_path: Path) -> AsyncIterator[Office]:
    async with CloudApiDouble() as double:
        env = await make_env(tmp_path, **whatsapp_settings(double))
        await add_record(env, since=date(2026, 11, 1))
        await office_service.set_location(env.services, actor_id=0, location=(-3.29, 102.86))
        yield Office(env, double)


Side = TelegramSide | WhatsAppSide
Opener = Callable[[Office], Any]


async def telegram_side(office: Office) -> TelegramSide:
    return TelegramSide(office.env, office.env.api.user(RESIDENT_ID, "Siti"))


async def whatsapp_side(office: Office) -> WhatsAppSide:
    return await WhatsAppSide.open(office.env, office.double, WA)


async def play(side: Side, script: list[Line]) -> None:
    for step, wanted in script:
        if step[0] == "staff answers":  # at the desk, on Telegram, as staff do
            staff = StaffRef(user_id=ADMIN_ID, first_name="Rina", role="admin")
            answered = await Questions(side.env.services).answer(1, staff, step[1])
            assert answered.outcome is Outcome.OK
            continue
        said = "\n".join(await side.act(step))
        for fragment in wanted:
            assert fragment in said, f"{side.name}: {step!r} -> {said!r} lacks {fragment!r}"


@pytest.mark.parametrize("opener", [telegram_side, whatsapp_side], ids=["telegram", "whatsapp"])
@pytest.mark.parametrize("script", list(SCRIPTS), ids=list(SCRIPTS))
async def test_the_same_script_reads_the_same_on_both_channels(
    office: Office, opener: Opener, script: str
) -> None:
    side = await opener(office)
    try:
        await play(side, SCRIPTS[script])
    finally:
        if isinstance(side, WhatsAppSide):
            await side.close()
