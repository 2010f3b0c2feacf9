"""No chat blocks another: the claim finds every chat's oldest due row whatever one chat's
backlog, and a person's own news (answers, card notices) is not held behind desk posts or
announcements. Ordering and fairness are asserted logically; the timings are in
bench/desk_burst.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import ADMIN_ID, STAFF_ID, dispatcher_of, fast_limits

from bot import texts_id
from bot.domain.clock import FakeClock
from bot.storage import outbox as outbox_store
from bot.storage import staff as staff_store
from bot.storage.driver import Db

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
GROUP = -700


async def _queue(db: Db, rows: list[tuple[int, int, str]]) -> None:
    """(chat, lane, key) rows, queued in this order."""
    async with db.transaction() as conn:
        for chat_id, lane, key in rows:
            await outbox_store.insert(
                conn,
                kind="broadcast" if lane == outbox_store.LANE_BROADCAST else "question",
                chat_id=chat_id,
                text=key,
                notice="legacy",
                dedup_key=key,
                now=NOW - timedelta(minutes=5),
                lane=lane,
            )


async def _claim(db: Db, limit: int, busy: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    async with db.transaction() as conn:
        rows = await outbox_store.claim_due(
            conn, now=NOW, quiet=False, limit=limit, exclude_ids=set(), busy_chats=busy
        )
    return [row.dedup_key for row in rows]


async def test_a_deep_backlog_in_one_chat_hides_no_other_chat(any_db: Db) -> None:
    desk, personal, broadcast = (
        outbox_store.LANE_DESK,
        outbox_store.LANE_PERSONAL,
        outbox_store.LANE_BROADCAST,
    )
    await _queue(any_db, [(GROUP, desk, f"desk:{i}") for i in range(500)])
    await _queue(any_db, [(7, personal, f"seven:{i}") for i in range(300)])
    await _queue(any_db, [(c, broadcast, f"bc:{c}") for c in range(100, 105)])
    await _queue(any_db, [(8, personal, "answer:8"), (9, personal, "card:9")])

    # Nothing on its way yet: every chat's oldest row, personal news first, then the desk,
    # then announcements, though 800 older rows belong to two chats.
    claimed = await _claim(any_db, limit=10)
    assert claimed == [
        "seven:0",
        "answer:8",
        "card:9",
        "desk:0",
        "bc:100",
        "bc:101",
        "bc:102",
        "bc:103",
        "bc:104",
    ]
    # A small claim still reaches past the backlog (its window is filled by chat 7 first).
    assert await _claim(any_db, limit=3) == ["seven:0", "answer:8", "card:9"]
    # The backlog chats already have a message on its way: the others come at once.
    assert await _claim(any_db, limit=3, busy={7, GROUP}) == ["answer:8", "card:9", "bc:100"]


async def test_an_answer_overtakes_a_burst_of_desk_posts(make_env, tmp_path: Path) -> None:
    """150 residents ask at once; the desk group takes one message at a time (20 a minute). The
    answer to the first question reaches its resident
    while most of the desk's posts are still waiting."""
    env = await make_env(tmp_path, background=True, clock=FakeClock(NOW))
    dispatcher = dispatcher_of(env.app)
    dispatcher.limits = fast_limits()
    async with env.services.db.transaction() as conn:
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, ADMIN_ID, NOW)
    api = env.api
    admin, budi = api.user(ADMIN_ID, "Rina"), api.user(STAFF_ID, "Budi")
    group = api.group(GROUP, "Petugas Dukcapil")
    await group.send(admin, "/meja")
    first = api.user(5000, "Warga")
    await first.send(texts_id.MENU_ASK)
    await first.send("Kapan KTP-el saya jadi?")
    await dispatcher.drain()
    card = next(m for m in group.messages if "Pertanyaan #1" in m.plain)

    for i in range(1, 151):
        user = api.user(5000 + i, "Warga")
        await user.send(texts_id.MENU_ASK)
        await user.send(f"Pertanyaan nomor {i} tentang KTP-el saya.")
    await group.send(budi, "Kartu Bapak sudah dicetak, silakan ambil.", reply_to=card)
    for _ in range(200):
        if any("Jawaban petugas" in m.plain for m in first.messages):
            break
        await _tick()
    assert any("Jawaban petugas" in m.plain for m in first.messages)
    posted = [m for m in group.messages if "❓" in m.plain and not m.edited]
    assert len(posted) < 30, f"{len(posted)} desk posts went before the answer"
    # ... and every question is still on its way to the desk (the group's pace: Telegram's
    # 20 a minute, kept by the bot's rate limiter too)
    rows = await env.services.db.fetchall(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state IN ('pending', 'sent')",
        (GROUP,),
    )
    assert rows[0][0] == 151


async def _tick() -> None:
    await asyncio.sleep(0.01)
