"""A resident's own words (issue 20 items 3 and 4): follow-ups about the status just shown, a
question while a step waits, "ya"/"tidak" answering the bot's question, "Maksud Bapak/Ibu…?",
a long message offered to the staff, and never a reply without a way forward.

Driven through the recording adapter (`conversation_support.py`), channel-free."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_support import Person, Talk, open_talk
from resident_support import KK, NIK, add_record

from bot import texts_everyday as everyday
from bot import texts_id as texts
from bot.conversation import steps
from bot.conversation.messages import Message
from bot.domain.markup import plain
from bot.states import KtpStatus
from bot.storage import context as context_store

S = KtpStatus


@pytest.fixture
async def talk(tmp_path: Path, db_backend: str | None, any_db: object) -> AsyncIterator[Talk]:
    opened = await open_talk(tmp_path, db_backend)
    yield opened
    await opened.close()


async def _checked(talk: Talk, status: KtpStatus = S.DUPLICATE_RECORD) -> Person:
    await add_record(talk, status=status)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(f"{NIK} {KK}")
    assert texts.STATUS_TEXTS[status].title in siti.last
    return siti


def _has_way_forward(messages: list[Message]) -> bool:
    """A button, the main menu, or one clear instruction ("ketik", "tekan")."""
    for message in messages:
        if message.choices or message.menu or message.venue is not None:
            return True
    said = " ".join(plain(m.text) for m in messages).casefold()
    return any(word in said for word in ("ketik", "tekan", "kirim ulang"))


# --- follow-ups about the status just shown ---------------------------------------------------


async def test_apa_itu_dr_after_a_check_explains_that_status(talk: Talk) -> None:
    siti = await _checked(talk)
    about = texts.STATUS_TEXTS[S.DUPLICATE_RECORD]
    for question in ("apa itu DR pak", "rekaman ganda itu apa"):
        (answer,) = await siti.says(question)
        assert about.meaning in plain(answer.text), question
        assert "1605••••••••0012" in plain(answer.text)
        assert "DUPLICATE_RECORD" not in answer.text and answer.choices


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("knp msh lama", "why_slow"),
        ("kok lama bgt", "why_slow"),
        ("sy hrs ngapain", "what_to_do"),
    ],
)
async def test_why_slow_and_what_to_do_come_from_that_status(
    talk: Talk, question: str, part: str
) -> None:
    siti = await _checked(talk, S.PROCESSING)
    (answer,) = await siti.says(question)
    assert getattr(texts.STATUS_TEXTS[S.PROCESSING], part) in plain(answer.text)


async def test_when_to_come_queue_and_how_long_are_about_that_card(talk: Talk) -> None:
    siti = await _checked(talk, S.PRINT_READY_RECORD)
    (come,) = await siti.says("harus datang kapan")
    assert texts.STATUS_TEXTS[S.PRINT_READY_RECORD].what_to_do in plain(come.text)
    (queue,) = await siti.says("antrean brp")
    assert "Antrean cetak" in plain(queue.text) or "urutan terdepan" in plain(queue.text)
    (how_long,) = await siti.says("brp lama lagi")
    assert "Siap cetak" in plain(how_long.text)


async def test_without_a_status_shown_a_follow_up_asks_for_the_nik(talk: Talk) -> None:
    siti = talk.person(1002)
    said = await siti.says("apa itu DR pak")
    text = plain(said[0].text)
    assert "NIK" in text and _has_way_forward(said)


async def test_the_status_shown_expires_after_a_day_and_erasure_forgets_it(talk: Talk) -> None:
    siti = await _checked(talk)
    await talk.services.db.flush()
    async with talk.services.db.transaction() as conn:
        kept = await context_store.get(conn, 1001, talk.clock.now())
    assert kept.record_id is not None
    talk.clock.advance(hours=24, minutes=1)
    async with talk.services.db.transaction() as conn:
        assert (await context_store.get(conn, 1001, talk.clock.now())).record_id is None
    await siti.says("/hapusdata")
    await siti.presses(texts.BTN_ERASE_YES)
    async with (
        talk.services.db.transaction() as conn,
        conn.execute("SELECT COUNT(*) FROM conversation_context WHERE chat_id = 1001") as cur,
    ):
        assert (await cur.fetchone())[0] == 0


# --- a question while the KK is awaited -------------------------------------------------------


async def test_a_question_while_the_kk_is_awaited_keeps_the_kk_waiting(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(NIK)
    said = await siti.says("kk itu apa pak")
    text = "\n".join(plain(m.text) for m in said)
    assert "Kartu Keluarga" in text and "masih menunggu" in text and "0012" in text
    for worry in ("no kk sy lupa", "sy tdk punya kk"):
        said = await siti.says(worry)
        text = "\n".join(plain(m.text) for m in said)
        assert "KK" in text and "masih menunggu" in text, worry
        assert said[0].choices, worry  # 💬 Tanya petugas
    (yes,) = await siti.says("ya")
    assert "menunggu" in plain(yes.text) and "Untuk cek KTP-el" not in plain(yes.text)
    current = await steps.read(talk.services, 1001, 1001)
    assert current.get(steps.KK) is not None
    (answer,) = await siti.says(KK)  # the KK is still accepted
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in plain(answer.text)


async def test_tidak_while_the_kk_is_awaited_ends_the_check(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(NIK)
    (no,) = await siti.says("tidak")
    assert plain(no.text) == plain(everyday.KK_STEP_DROPPED)
    assert (await steps.read(talk.services, 1001, 1001)).get(steps.KK) is None


# --- "ya"/"tidak" answer the bot's question ---------------------------------------------------


async def test_ya_after_maksud_takes_the_first_answer_offered(talk: Talk) -> None:
    siti = talk.person(1003)
    said = await siti.says("foto di ktp jelek bisa ganti?")  # the model is not sure of it
    assert plain(said[0].text).startswith("Maksud Bapak/Ibu")
    first = siti.labels[0]
    assert siti.labels[-1] == everyday.BTN_ASK_STAFF
    (pressed,) = (await siti.presses(first))[:1]
    await siti.says("foto di ktp jelek bisa ganti?")
    yes = await siti.says("ya")
    assert plain(yes[0].text) == plain(pressed.text)
    await siti.says("foto di ktp jelek bisa ganti?")
    (no,) = await siti.says("tidak")
    assert plain(no.text) == plain(everyday.NONE_OF_THESE) and no.choices


async def test_ya_after_the_erase_question_erases_and_tidak_keeps(talk: Talk) -> None:
    siti = await _checked(talk)
    await siti.says("tolong hapus data saya")
    assert texts.BTN_ERASE_YES in siti.labels
    (kept,) = await siti.says("tidak")
    assert plain(kept.text) == plain(texts.ERASE_KEPT)
    await siti.says("tolong hapus data saya")
    (erased,) = await siti.says("ya")
    assert plain(erased.text) == plain(texts.ERASED)


async def test_ya_with_nothing_asked_is_not_the_nik_prompt_when_a_step_waits(talk: Talk) -> None:
    siti = talk.person(1004)
    (yes,) = await siti.says("ya")
    assert yes.menu  # nothing was asked: the menu


# --- a long message goes to the staff with consent --------------------------------------------

PLEA = (
    "selamat siang pak, sy mau tanya ktp sy sdh rekam dari bulan maret tp sampai sekarang blm "
    "jadi juga, padahal mau dipake buat daftar kerja di pabrik bulan depan, tolong dibantu pak "
    "krn sy sdh bolak balik ke kecamatan tp katanya blm ada blanko. nik sy " + NIK
)


async def test_a_long_plea_is_offered_to_the_staff_and_its_nik_is_read(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    said = await siti.says(PLEA)
    assert len(PLEA) > 200
    text = "\n".join(plain(m.text) for m in said)
    assert "kirim ke petugas" in text.casefold()
    assert "Nomor KK" in text  # the NIK was read: its KK is asked
    assert everyday.BTN_SEND_DRAFT in [c.label for m in said for row in m.choices for c in row]
    (sent,) = await siti.presses(everyday.BTN_SEND_DRAFT)
    assert "Pertanyaan #1" in plain(sent.text)
    async with (
        talk.services.db.transaction() as conn,
        conn.execute("SELECT text FROM question_messages") as cur,
    ):
        (stored,) = await cur.fetchone()
    assert NIK not in stored and "pabrik" in stored  # masked for staff, as any question


async def test_a_long_message_not_sent_when_the_resident_says_no(talk: Talk) -> None:
    siti = talk.person(1005)
    await siti.says("x" * 10 + " " + PLEA)
    (kept,) = await siti.presses(everyday.BTN_KEEP_DRAFT)
    assert plain(kept.text) == plain(everyday.DRAFT_KEPT)


# --- never a dead end -------------------------------------------------------------------------

VARIED = [
    "halo",
    "P",
    "wkwk",
    "???",
    "🙏",
    "ktp sy kpn jadi",
    "cak mano nak ngecek ktp",
    "dak biso ambek ktp",
    "kantor capil di mano",
    "Met siang min",
    "ok siap pak",
    "Alhamdulillah sdh jadi",
    "ganti alamat",
    "ada jemput bola ke desa kami?",
    "kalo di luar kota bisa cetak disana?",
    "sy sdh rekam thn lalu tp blm ada kabar",
    "bisa diambil istri?",
    "berapa biayanya",
    "ada yg minta uang 50rb",
    "ktp digital gmn",
    "akta lahir anak",
    "KIA",
    "masa berlaku ktp",
    "salah tanggal lahir di ktp",
    "ya",
    "tidak",
    "asdfgh",
    "bot resmi gak nih",
    "mau tanya petugas",
    "pengumuman",
    "kabari kalau sudah jadi",
    "pindah domisili",
    "kk baru",
    "blanko habis?",
    "ktp hilang",
    "apa itu DR",
    "antrean brp",
    "1",
    "ok",
    "mantap",
    "ktp rusak",
    "tes",
]


async def test_every_reply_to_free_text_has_a_way_forward(talk: Talk) -> None:
    siti = talk.person(1006)
    dead_ends = []
    for text in VARIED:
        said = await siti.says(text)
        assert said, text
        if not _has_way_forward(said):
            dead_ends.append((text, [plain(m.text) for m in said]))
        ask = await steps.read(talk.services, 1006, 1006)
        if ask.get(steps.ASK) is not None:  # "mau tanya petugas" opened a question: leave it
            await siti.says("/batal")
    assert dead_ends == []


async def test_nothing_readable_offers_a_person(talk: Talk) -> None:
    siti = talk.person(1007)
    said = await siti.says("???")
    labels = [c.label for m in said for row in m.choices for c in row]
    assert everyday.BTN_ASK_STAFF in labels
    (asked,) = await siti.presses(everyday.BTN_ASK_STAFF)
    assert "Silakan tulis pertanyaan" in plain(asked.text)


async def test_every_intent_has_an_answer_with_a_way_forward(talk: Talk) -> None:
    from bot.conversation.buttons import ResIntent

    siti = talk.person(1008)
    for name in everyday.INTENT_LABELS:
        said = await siti._send(button=ResIntent(name).pack())
        assert said and _has_way_forward(said), name
        assert "belum mengerti" not in " ".join(plain(m.text) for m in said), name
        if (await steps.read(talk.services, 1008, 1008)).any:
            await siti.says("/batal")


# --- plain words instead of commands ----------------------------------------------------------


async def test_batal_berhenti_and_matikan_pengumuman_work_as_plain_words(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(texts.MENU_ASK)
    (cancelled,) = await siti.says("batal")
    assert plain(cancelled.text) == plain(texts.QUESTION_ASK_CANCELLED)
    await siti.says(NIK)
    (dropped,) = await siti.says("Batal")
    assert plain(dropped.text) == plain(everyday.KK_STEP_DROPPED)
    await siti.says(f"{NIK} {KK}")
    await siti.presses(texts.BTN_SUBSCRIBE)
    await siti.presses(texts.BTN_NO_LABEL)
    (which,) = await siti.says("berhenti")
    assert plain(which.text) == plain(texts.STOP_CHOOSE)
    (off,) = await siti.says("matikan pengumuman")
    assert plain(off.text) == plain(texts.ANNOUNCEMENTS_TURNED_OFF)
    (on,) = await siti.says("nyalakan pengumuman")
    assert plain(on.text) == plain(texts.ANNOUNCEMENTS_TURNED_ON)


def test_residents_are_not_told_to_type_a_command() -> None:
    from test_texts import resident_texts

    command = re.compile(r"(?<![\w/])/(batal|berhenti|hapusdata|pengumuman|jadwal|privasi)\b")
    told = {
        text
        for text in resident_texts()
        if command.search(text) and "Bagi yang biasa memakai perintah" not in text
    }
    assert told == set()


async def test_a_status_named_in_the_question_is_explained_even_without_a_check(
    talk: Talk,
) -> None:
    siti = talk.person(1009)
    (answer,) = await siti.says("apa itu DR pak")
    assert texts.STATUS_TEXTS[S.DUPLICATE_RECORD].meaning in plain(answer.text)
    siti = await _checked(talk, S.PRINT_READY_RECORD)
    (other,) = await siti.says("kalau rekaman ganda itu apa")
    assert texts.STATUS_TEXTS[S.DUPLICATE_RECORD].meaning in plain(other.text)
    (own,) = await siti.says("apa itu PRR")
    assert texts.STATUS_TEXTS[S.PRINT_READY_RECORD].meaning in plain(own.text)
    assert "1605••••••••0012" in plain(own.text)


async def test_ya_after_the_offer_sends_the_long_message_to_the_staff(talk: Talk) -> None:
    siti = talk.person(1010)
    await siti.says(PLEA.replace(NIK, "").replace("nik sy", "tolong pak"))
    (sent,) = await siti.says("iya pak")
    assert "Pertanyaan #1" in plain(sent.text)


async def test_kapan_jadi_right_after_a_check_is_about_that_card(talk: Talk) -> None:
    siti = await _checked(talk, S.SENT_FOR_ENROLLMENT)
    (answer,) = await siti.says("jadi kapan ktp sy")
    assert "1605••••••••0012" in plain(answer.text)
    assert texts.BTN_CHECK_ANOTHER in siti.labels


async def test_an_intent_without_an_answer_yet_gets_its_advice_and_a_person(
    talk: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain import understanding

    answers = dict(everyday.INTENT_ANSWERS)
    del answers["masa_berlaku"]
    monkeypatch.setattr(everyday, "INTENT_ANSWERS", answers)
    siti = talk.person(1011)
    (answer,) = await siti.says("masa berlaku ktp sampai kapan")
    info = understanding.describe("masa_berlaku")
    assert info is not None and plain(answer.text) == info.advice
    assert siti.labels == [everyday.BTN_ASK_STAFF]


async def test_a_nik_and_kk_never_meet_the_classifier(
    talk: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain import understanding

    def refused(text: str) -> None:
        raise AssertionError(f"the classifier read {text!r}")

    monkeypatch.setattr(understanding, "understand", refused)
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1012)
    (answer,) = await siti.says(f"{NIK} {KK}")
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in plain(answer.text)
    await siti.says(NIK)
    (again,) = await siti.says(KK)
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in plain(again.text)


async def test_a_question_while_a_name_is_asked_is_answered_and_the_name_still_asked(
    talk: Talk,
) -> None:
    siti = await _checked(talk, S.PRINT_READY_RECORD)
    await siti.presses(texts.BTN_SUBSCRIBE)
    said = await siti.says("kira2 kapan ya jadinya?")
    assert "1605••••••••0012" in plain(said[0].text)
    assert "masih bisa diberikan" in plain(said[-1].text) and "Ibu" in siti.labels
    (saved,) = await siti.says("Nenek")
    assert "Tersimpan" in plain(saved.text) and "Nenek" in plain(saved.text)


# --- the misreadings the issue found ----------------------------------------------------------


def _faq_title(key: str) -> str:
    return next(d.title for d in texts.FAQ_DEFAULTS if d.key == key)


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("sy sdh rekam thn lalu tp blm ada kabar", plain(texts.ASK_NIK)[:30]),
        ("kalo di luar kota bisa cetak disana?", plain(everyday.INTENT_ANSWERS["luar_daerah"])),
        ("ganti alamat", plain(everyday.INTENT_ANSWERS["pindah"])),
        ("ada jemput bola ke desa kami?", "🚐 Jemput bola"),
        ("Alhamdulillah sdh jadi", plain(everyday.INTENT_ANSWERS["sudah_jadi"])),
        ("bisa diambil istri?", f"❓ {_faq_title('wakil')}"),
        ("cak mano nak ngecek ktp", plain(texts.ASK_NIK)[:30]),
        ("kantor capil di mano", texts.OFFICE_NAME),
        ("Met siang min", "Selamat siang, Siti!"),
        ("ok siap pak", plain(everyday.INTENT_ANSWERS["paham"])),
        ("ktp digital gmn caranya", plain(everyday.INTENT_ANSWERS["ikd"])),
        ("mau bikin akta kelahiran anak", plain(everyday.INTENT_ANSWERS["akta_lahir"])),
        ("salah tanggal lahir di ktp yg sdh dicetak", plain(everyday.INTENT_ANSWERS["salah_data"])),
        ("ktp berlaku sampai kapan", plain(everyday.INTENT_ANSWERS["masa_berlaku"])),
        ("ada yg minta uang buat percepat ktp", plain(everyday.INTENT_ANSWERS["pungli"])),
    ],
)
async def test_what_the_issue_found_misread_is_read_right(
    talk: Talk, text: str, starts: str
) -> None:
    said = await talk.person(1013).says(text)
    shown = [plain(m.text) for m in said if m.text]
    assert shown and shown[0].startswith(starts), (text, shown)
