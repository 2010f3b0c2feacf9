"""Typed callback data: every kind fits Telegram's 64 bytes, reads back what was packed, and a
button nobody knows gets one polite line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import RESIDENT_ID, BotEnv
from telegram import Update

from bot import texts_id
from bot.handlers import callbacks
from bot.handlers.callbacks import (
    Announcements,
    BroadcastAudience,
    BroadcastDistrict,
    BroadcastSend,
    BroadcastStep,
    BroadcastStop,
    ResLabel,
    ResStop,
    ResSubscribe,
    unpack,
)

BOT = Path(__file__).resolve().parent.parent / "bot"


@pytest.mark.parametrize("kind", callbacks.kinds(), ids=lambda kind: kind.__name__)
def test_the_largest_value_of_every_kind_fits_in_64_bytes_and_reads_back(
    kind: type[callbacks.CallbackData],
) -> None:
    largest = kind.largest()
    data = largest.pack()
    assert len(data.encode("utf-8")) <= callbacks.MAX_BYTES
    assert unpack(data) == largest
    assert kind.unpack(data) == largest


@pytest.mark.parametrize(
    "button",
    [
        BroadcastStop(12),
        BroadcastStep("cancel"),
        BroadcastAudience("all"),
        BroadcastDistrict("01"),
        BroadcastSend("0a1b2c3d"),
        Announcements("on"),
        ResSubscribe(7),
        ResLabel(7, "2"),
        ResLabel(7, callbacks.NO_LABEL),
        ResStop("all"),
        ResStop("31"),
    ],
)
def test_what_is_packed_reads_back(button: callbacks.CallbackData) -> None:
    assert unpack(button.pack()) == button


def test_buttons_already_in_chats_keep_their_meaning() -> None:
    assert unpack("bc:aud:all") == BroadcastAudience("all")
    assert unpack("bc:back") == BroadcastStep("back")
    assert unpack("bc:stop:3") == BroadcastStop(3)
    assert unpack("res:label:5:-") == ResLabel(5, "-")
    assert unpack("ann:off") == Announcements("off")
    assert BroadcastStop(3).pack() == "bc:stop:3"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zz",
        "bc:nope",
        "bc:stop:abc",
        "bc:stop:1:2",
        "bc:stop:",
        "res:sub:99999999999999999999999",
        "res:label:5:x",
        "res:erase:maybe",
        "ann:on:extra",
        "ann",
        "x" * 65,
    ],
)
def test_unknown_or_malformed_data_is_none(data: object) -> None:
    assert unpack(data) is None


def test_a_kind_cannot_be_built_with_a_value_it_would_not_read_back() -> None:
    with pytest.raises(ValueError):
        BroadcastStep("stop")
    with pytest.raises(ValueError):
        BroadcastDistrict("01:02")


def test_every_button_of_the_bot_packs_typed_callback_data() -> None:
    """No hand-made `callback_data=f"..."` strings anywhere: buttons go through callbacks."""
    handmade = re.compile(r"callback_data\s*=\s*f?[\"']")
    offenders = [
        str(path.relative_to(BOT))
        for path in sorted(BOT.rglob("*.py"))
        if path.name != "local_api.py" and handmade.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _press(env: BotEnv, data: str, update_id: int) -> Update:
    user: dict[str, Any] = {"id": RESIDENT_ID, "is_bot": False, "first_name": "Siti"}
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": RESIDENT_ID, "type": "private"},
        "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
        "text": "…",
    }
    raw = {
        "update_id": update_id,
        "callback_query": {
            "id": f"CB-{update_id}",
            "from": user,
            "message": message,
            "chat_instance": "x",
            "data": data,
        },
    }
    return Update.de_json(raw, env.app.bot)


@pytest.mark.parametrize("data", ["res:nope", "zz:1", "ann:maybe"])
async def test_a_button_nobody_knows_gets_one_polite_line(bot_env: BotEnv, data: str) -> None:
    await bot_env.app.process_update(_press(bot_env, data, 900_001))
    answers = [a for a in bot_env.api.answers if a.get("callback_query_id") == "CB-900001"]
    assert [a.get("text") for a in answers] == [texts_id.BUTTON_UNKNOWN]
    assert bot_env.api.messages(RESIDENT_ID) == []
