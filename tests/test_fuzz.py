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
