"""A sample of the fuzz (hardening, round 3, item 7): every command with hostile payloads as a
resident, a petugas and an admin, and forged data for every kind of button, through the real
Application on both databases: no ERROR log line, no traceback, no apology, every message
answered. `bench/fuzz.py` runs the whole of it (every payload) and prints the counts."""

from __future__ import annotations

import random

from conftest import BotEnv
from resident_support import add_record

from bot import fuzz
from bot.local_api import LocalUser


async def test_the_fuzz_sample_finds_nothing(
    bot_env: BotEnv, resident: LocalUser, staff: LocalUser, admin: LocalUser
) -> None:
    await add_record(bot_env)
    rng = random.Random(20261207)
    texts = list(fuzz.messages(rng, per_command=3))
    data = list(fuzz.forged_data(rng, per_kind=2))
    figures = fuzz.FuzzFigures()
    users = {"warga": resident, "petugas": staff, "admin": admin}
    await fuzz.run(bot_env.api, users, texts, data, figures)
    assert figures.sent == 3 * len(texts) and figures.pressed == 3 * len(data)
    found = [*figures.apologies, *figures.tracebacks, *figures.unanswered]
    errors = [line.splitlines()[0] for line in figures.errors]
    assert figures.clean, f"{figures.summary()}\n" + "\n".join(found + errors)


async def test_a_button_on_a_vanished_message_does_its_change_once_and_says_so(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    """Hardening round 3, item 7: "Ya, hapus" pressed on a message deleted since erased the
    data and then told the person it had failed. Now the change is made once and the answer
    comes as a new message."""
    from bot import texts_id
    from bot.domain.markup import plain

    await add_record(bot_env)
    confirm = (await resident.send("/hapusdata"))[-1]
    button = confirm.find_button(texts_id.BTN_ERASE_YES)
    assert button is not None
    replies = await bot_env.api.press_data(
        resident.info, resident.chat_id, button["callback_data"], vanished=True
    )
    said = [m.plain for m in replies]
    assert plain(texts_id.ERASED) in said, said
    assert texts_id.ERROR_KIND not in said
    chats = await bot_env.services.db.fetchone(
        "SELECT COUNT(*) FROM chats WHERE chat_id = ?", (resident.chat_id,)
    )
    assert chats is not None and chats[0] == 0
