"""Each step of a resident's check writes once: one `Db.write` job (one transaction), never
several transactions, whatever the step's outcome: a NIK alone, a wrong KK after it, "NIK KK"
with a wrong KK, the failure that sets off the chat's wait, a NIK alone while the chat waits,
and the right pair. Counted, not timed: calls of `write` and `transaction`, and on SQLite the
BEGINs the writer's connection runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import BotEnv
from resident_support import KK, NIK, WRONG_KK, add_record

from bot import texts_id as texts
from bot.local_api import LocalUser
from bot.states import KtpStatus
from bot.storage.db import Database


@dataclass
class Writes:
    jobs: int = 0
    transactions: int = 0  # besides those of the jobs
    in_job: int = 0
    begins: list[str] = field(default_factory=list)  # SQLite: the writer's BEGIN statements

    def reset(self) -> None:
        self.jobs = self.transactions = 0
        self.begins.clear()

    def once(self, is_sqlite: bool) -> bool:
        return (
            self.jobs == 1 and self.transactions == 0 and (not is_sqlite or len(self.begins) == 1)
        )


@pytest.fixture
async def writes(bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch) -> Writes:
    counted = Writes()
    db = bot_env.services.db
    write, transaction = db.write, db.transaction

    async def counting_write(job: Any) -> Any:
        counted.jobs += 1
        counted.in_job += 1  # PostgreSQL's write is a transaction: not one more
        try:
            return await write(job)
        finally:
            counted.in_job -= 1

    def counting_transaction() -> Any:
        if not counted.in_job:
            counted.transactions += 1
        return transaction()

    monkeypatch.setattr(db, "write", counting_write)
    monkeypatch.setattr(db, "transaction", counting_transaction)
    if isinstance(db, Database):

        def trace(statement: str) -> None:
            if statement.lstrip().upper().startswith("BEGIN"):
                counted.begins.append(statement)

        await db.raw.set_trace_callback(trace)
    return counted


async def _failures(env: BotEnv) -> int:
    row = await env.services.db.fetchone("SELECT COUNT(*) FROM verify_attempts")
    return int(row[0])


async def _step(env: BotEnv) -> tuple[str, str] | None:
    row = await env.services.db.fetchone(
        "SELECT kind, nik_masked FROM resident_pending WHERE chat_id = ?", (1001,)
    )
    return None if row is None else (row[0], row[1])


async def _send(env: BotEnv, user: LocalUser, writes: Writes, text: str) -> str:
    """What the resident reads after sending `text`, checking that the step wrote once."""
    writes.reset()
    replies = await user.send(text)
    assert len(replies) == 1
    assert writes.once(env.services.db.dialect.is_sqlite), (text[:4], writes)
    return replies[0].plain


async def test_each_step_of_a_check_is_one_write(
    bot_env: BotEnv, resident: LocalUser, writes: Writes
) -> None:
    await add_record(bot_env)
    masked = "1605••••••••0012"
    title = texts.STATUS_TEXTS[KtpStatus.SENT_FOR_ENROLLMENT].title

    # A NIK alone: the KK is asked for, the step is kept.
    asked = await _send(bot_env, resident, writes, NIK)
    assert masked in asked and "Nomor KK" in asked
    assert await _step(bot_env) == ("kk", masked)

    # A wrong KK after it: counted, and the NIK keeps waiting for its KK.
    wrong = await _send(bot_env, resident, writes, WRONG_KK)
    assert "tidak cocok" in wrong and f"Ketik lagi Nomor KK untuk NIK {masked}" in wrong
    assert await _failures(bot_env) == 1
    assert await _step(bot_env) == ("kk", masked)

    # "NIK KK" with a wrong KK: the same, in one message.
    wrong = await _send(bot_env, resident, writes, f"{NIK} {WRONG_KK}")
    assert "tidak cocok" in wrong and f"Ketik lagi Nomor KK untuk NIK {masked}" in wrong
    assert await _failures(bot_env) == 2
    third = await _send(bot_env, resident, writes, WRONG_KK)
    assert "Sisa percobaan dari chat ini: 2 kali" in third
    await _send(bot_env, resident, writes, WRONG_KK)

    # The fifth failure sets off the chat's wait: the step ends.
    fifth = await _send(bot_env, resident, writes, f"{NIK} {WRONG_KK}")
    assert "tidak cocok" in fifth and "mulai Sabtu, 28 November 2026 pukul 11.00 WIB" in fifth
    assert "Ketik lagi" not in fifth
    assert await _failures(bot_env) == 5
    assert await _step(bot_env) is None

    # A NIK alone while the chat waits: refused, nothing kept, nothing counted.
    refused = await _send(bot_env, resident, writes, NIK)
    assert "pukul 11.00 WIB" in refused and "Nomor KK" not in refused.split("\n")[0]
    assert await _step(bot_env) is None
    assert await _failures(bot_env) == 5

    # After the wait, the right pair.
    bot_env.clock.advance(hours=1)
    assert title in await _send(bot_env, resident, writes, f"{NIK} {KK}")
    assert await _failures(bot_env) == 5


async def test_the_kk_after_a_nik_is_one_write(
    bot_env: BotEnv, resident: LocalUser, writes: Writes
) -> None:
    await add_record(bot_env)
    await _send(bot_env, resident, writes, NIK)
    answer = await _send(bot_env, resident, writes, KK)
    assert texts.STATUS_TEXTS[KtpStatus.SENT_FOR_ENROLLMENT].title in answer
    assert await _step(bot_env) is None
    assert await _failures(bot_env) == 0
