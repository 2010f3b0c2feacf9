"""NUL and lone surrogates are cleaned at the door (hardening, round 3, item 7).

The fuzz found `/tanya a\\x00b` refused by PostgreSQL and lone UTF-16 surrogates crashing 30
handlers without a log line (no UTF-8 encoder takes them). Now every update is cleaned before a
handler sees it, on both databases: the person gets an ordinary answer and nothing is logged
as an error.
"""

from __future__ import annotations

import logging

import pytest
from conftest import BotEnv
from resident_support import KK, NIK, add_record, check

from bot import texts_id as texts
from bot.domain.clean_text import clean, cleaned, is_clean
from bot.local_api import LocalUser
from bot.states import KtpStatus as S

HOSTILE = ["a\x00b", "halo \ud800", "\udfff\x00", "kapan jadi \ud83d", "\x00" * 50]


def test_clean_removes_nul_and_replaces_lone_surrogates() -> None:
    assert clean("a\x00b") == "ab"
    assert clean("x\ud800y") == "x\ufffdy"
    assert clean("😀 ok") == "😀 ok"  # a real emoji is not a lone surrogate
    tree = {"message": {"text": "a\x00", "entities": [{"url": "\udfff"}]}, "id": 1}
    assert not is_clean(tree)
    assert is_clean(cleaned(tree))
    assert cleaned(tree)["message"]["text"] == "a"


@pytest.mark.parametrize(
    "command", ["", "/tanya ", "/cek ", "/berhenti ", "/jadwal ", "/bantuan ", "/privasi "]
)
async def test_hostile_characters_get_an_ordinary_answer(
    bot_env: BotEnv, resident: LocalUser, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    with caplog.at_level(logging.WARNING):
        for text in HOSTILE:
            replies = await resident.send(command + text)
            assert replies, text
            assert texts.ERROR_KIND not in [m.plain for m in replies]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_staff_commands_take_hostile_characters_too(
    bot_env: BotEnv, staff: LocalUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for command in ("/status ", "/ubah 1605010101900012 PRR ", "/siaran ", "/blanko "):
            for text in HOSTILE:
                replies = await staff.send(command + text)
                assert texts.ERROR_KIND not in [m.plain for m in replies], command + text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_check_still_works_after_hostile_characters(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env, status=S.PRINT_READY_RECORD)
    await resident.send("\ud800\x00")
    assert "Siap cetak" in await check(resident, NIK, KK)
