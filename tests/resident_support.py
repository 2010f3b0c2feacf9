"""Test helpers for the resident features: records to check, the NIK/KK pairs that open them."""

from __future__ import annotations

from datetime import date

from conftest import BotEnv

from bot.domain.privacy import mask_nik
from bot.local_api import BotMessage, LocalUser
from bot.states import KtpStatus
from bot.storage import records as records_store

S = KtpStatus
NIK = "1605014107900012"  # a woman born 1 July 1990, Tugumulyo
KK = "1605010101150003"
WRONG_KK = "1605010101150004"
UNKNOWN_NIK = "1605015508920031"
TODAY = date(2026, 11, 28)  # the FakeClock's day (10.00 WIB)


def nik_of(n: int) -> str:
    """A different valid NIK for each n."""
    return f"16050112{(n % 12) + 1:02d}85{n + 1:04d}"


def kk_of(n: int) -> str:
    return f"16050102031{n + 1:05d}"


async def add_record(
    env: BotEnv,
    nik: str = NIK,
    kk: str = KK,
    status: KtpStatus = S.SENT_FOR_ENROLLMENT,
    since: date = date(2026, 11, 1),
    history: list[tuple[KtpStatus, date]] | None = None,
) -> int:
    hasher = env.services.hasher
    steps = [*(history or []), (status, since)]
    async with env.services.db.transaction() as conn:
        first_status, first_day = steps[0]
        record_id = await records_store.insert_record(
            conn,
            nik_hash=hasher.nik(nik),
            kk_hash=hasher.kk(kk),
            nik_masked=mask_nik(nik),
            name_masked="S••• A•••",
            district=nik[:6],
            status=first_status,
            status_date=first_day,
            note=None,
            source="test",
            actor_id=None,
            now=env.clock.now(),
        )
        for step, day in steps[1:]:
            await records_store.set_status(
                conn, record_id, step, day, None, "test", None, env.clock.now()
            )
    return record_id


_edits = iter(range(10**6, 2 * 10**6))


async def edit(env: BotEnv, user: LocalUser, text: str) -> list[BotMessage]:
    """`user` edits one of their earlier messages so that it reads `text`."""
    message = env.api.make_message(user.info, user.chat_id, text=text)
    message["edit_date"] = message["date"]
    update = {"update_id": next(_edits), "edited_message": message}
    return await env.api.deliver(update, user.chat_id)


async def check(user: LocalUser, nik: str = NIK, kk: str = KK) -> str:
    replies = await user.send(f"{nik} {kk}")
    assert len(replies) == 1
    return replies[0].plain
