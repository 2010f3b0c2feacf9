"""The residents' dialogue without Telegram: events in, neutral messages out (issue 19).

Driven through the recording adapter (`conversation_support.py`) on both databases; the same
conversation is what the Telegram tests read through the real Application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_support import Talk, open_talk
from resident_support import KK, NIK, WRONG_KK, add_record

from bot import texts_id as texts
from bot.conversation import steps
from bot.conversation.events import Event
from bot.domain.markup import BOLD, plain
from bot.services import broadcasting, office, pending_changes, questions, staff_import, visits
from bot.states import KtpStatus

TITLE = texts.STATUS_TEXTS[KtpStatus.SENT_FOR_ENROLLMENT].title
ANSWER_CHOICES = [
    texts.BTN_MORE,
    texts.BTN_SUBSCRIBE,
    texts.BTN_CHECK_ANOTHER,
    texts.BTN_ALL_STAGES,
]


@pytest.fixture
async def talk(tmp_path: Path, db_backend: str | None, any_db: object) -> AsyncIterator[Talk]:
    opened = await open_talk(tmp_path, db_backend)  # `any_db`: both databases, migrated
    yield opened
    await opened.close()


async def test_a_check_answers_with_the_card_and_its_choices(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    (answer,) = await siti.says(f"{NIK} {KK}")
    assert TITLE in plain(answer.text) and BOLD in answer.text  # marked, not HTML
    assert "<b>" not in answer.text
    assert siti.labels == ANSWER_CHOICES
    (more,) = await siti.presses(texts.BTN_MORE)
    assert "Mengapa bisa lama?" in plain(more.text)


async def test_a_wrong_kk_keeps_the_nik_waiting_for_the_right_one(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(NIK)
    assert "diterima" in siti.last and "Nomor KK" in siti.last
    await siti.says(WRONG_KK)
    assert "tidak cocok" in siti.last and "1605••••••••0012" in siti.last
    current = await steps.read(talk.services, 1001, 1001)
    assert current.get(steps.KK) is not None  # one read gives the step
    await siti.says(KK)
    assert TITLE in siti.last


async def test_following_a_card_with_a_typed_name_then_stopping(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(f"{NIK} {KK}")
    await siti.presses(texts.BTN_SUBSCRIBE)
    assert "Siap!" in siti.last
    assert texts.BTN_NO_LABEL in siti.labels and "Ibu" in siti.labels
    (saved,) = await siti.says("Nenek")
    assert "Tersimpan" in plain(saved.text) and "Nenek" in plain(saved.text)
    (listing,) = await siti.says("/langganan")
    assert "Nenek" in plain(listing.text)
    await siti.says("/berhenti semua")
    assert "1 NIK tidak dipantau lagi" in siti.last


async def test_a_question_to_staff_is_received_and_a_photo_is_not_one(talk: Talk) -> None:
    siti = talk.person(1001)
    await siti.says(texts.MENU_ASK)
    assert "Silakan tulis pertanyaan" in siti.last
    await siti.sends_photo("ini KTP saya")
    assert "hanya bisa menerima tulisan" in siti.last
    (asked,) = await siti.says("Kapan KTP saya jadi?")
    assert "Pertanyaan #1" in plain(asked.text) and asked.menu


async def test_the_faq_list_and_one_answer(talk: Talk) -> None:
    siti = talk.person(1001)
    (listing,) = await siti.says(texts.MENU_FAQ)
    assert plain(listing.text) == plain(texts.FAQ_LIST_TITLE)
    first = siti.labels[0]
    (answer,) = await siti.presses(first)
    assert plain(answer.text).startswith(f"❓ {first}")
    assert siti.labels == [texts.BTN_FAQ_MORE]


async def test_erasure_asks_first_then_erases(talk: Talk) -> None:
    await add_record(talk)  # type: ignore[arg-type]
    siti = talk.person(1001)
    await siti.says(f"{NIK} {KK}")
    await siti.presses(texts.BTN_SUBSCRIBE)
    await siti.says("/hapusdata")
    assert siti.labels == [texts.BTN_ERASE_YES, texts.BTN_ERASE_NO]
    (erased,) = await siti.presses(texts.BTN_ERASE_YES)
    assert erased.replaces_pressed and plain(erased.text) == plain(texts.ERASED)
    await siti.says("/langganan")
    assert siti.last == plain(texts.NO_SUBSCRIPTIONS)


async def test_the_office_is_a_venue_when_its_pin_is_set(talk: Talk) -> None:
    await office.set_location(talk.services, actor_id=3003, location=(-3.28, 103.02))
    said = await talk.person(1001).says(texts.MENU_OFFICE)
    assert said[0].venue is not None and said[0].venue.title == texts.OFFICE_NAME
    assert said[-1].menu


async def test_staff_commands_are_not_the_residents_dialogue(talk: Talk) -> None:
    for text in ("/ubah 1605014107900012 PRR", "/impor", "/siaran"):
        event = Event(channel="test", conversation=2002, person=2002, text=text)
        assert await talk.conversation.answer(event) is None


def test_every_step_is_declared_once_with_its_routing() -> None:
    stored = {
        ("staff", pending_changes.KIND),
        ("staff", staff_import.WAIT_KIND),
        ("staff", broadcasting.DRAFT_KIND),
        ("staff", visits.DRAFT_KIND),
        ("staff", office.LOCATION_STEP),
        ("staff", questions.STAFF_STEP_ANSWER),
        ("question", "ask"),
        ("question", "reply"),
        ("check", "kk"),
        ("check", "label"),
    }
    assert set(steps.STEPS) == stored
    for kind in steps.STEPS.values():
        assert kind.lives.total_seconds() > 0 and kind.interrupted_by
        if kind.who == "staff" and kind.waits is not steps.Waits.BUTTON:
            assert kind.name in steps.ROUTING  # its owner sees the message first
    assert steps.ROUTING[0] == "chat" and steps.ROUTING[-1] == "leftovers"
